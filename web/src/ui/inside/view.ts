// What every "inside the network" view shares: a root element with data-view="<name>" that
// carries the numbers last drawn as `gradlabData`, a caption, and small control builders
// (labelled, keyboard-operable; text always as textContent).
import { el, setGradlabData } from '../../viz/surface';

export { el, setGradlabData };

export function viewRoot(host: HTMLElement, name: string, caption?: string): { root: HTMLDivElement; caption: HTMLParagraphElement } {
  const root = el('div', `gl-view gl-${name}`);
  root.dataset['view'] = name;
  const cap = el('p', 'gl-caption', caption ?? '');
  if (caption) root.appendChild(cap);
  host.appendChild(root);
  return { root, caption: cap };
}

export function button(label: string, onClick: () => void, id?: string): HTMLButtonElement {
  const b = el('button', undefined, label);
  b.type = 'button';
  if (id) b.id = id;
  b.addEventListener('click', onClick);
  return b;
}

let counter = 0;
/** A <label> wrapping text and a control (unique ids when none is given). */
export function labelled(text: string, control: HTMLElement): HTMLLabelElement {
  if (!control.id) control.id = `gl-ctl-${++counter}`;
  const l = el('label', 'gl-check');
  l.htmlFor = control.id;
  l.append(document.createTextNode(`${text} `), control);
  return l;
}

/**
 * Calls the view's callback option if there is one; otherwise dispatches a bubbling
 * CustomEvent `gradlab-<name>` with `detail` from `from`, so the app can also listen on a
 * container instead of passing options (views are mounted as `new View(host)`).
 */
export function emit<T>(from: HTMLElement, name: string, detail: T, callback?: (d: T) => void): void {
  if (callback) callback(detail);
  else from.dispatchEvent(new CustomEvent(`gradlab-${name}`, { detail, bubbles: true }));
}

/** What the network diagram (or any view) says was picked: a parameter and an element of it. */
export interface ParameterSelection {
  name: string;
  index?: number[];
}

/**
 * Follow the parameter another view picked (a bubbling `gradlab-select-parameter`), heard
 * where the views live: the document, or the shadow root of <gradlab-lesson>. Returns the
 * function that stops listening (call it from dispose()).
 */
export function onSelectParameter(root: HTMLElement, handler: (selection: ParameterSelection | null) => void): () => void {
  const listener = (e: Event): void => {
    const d = (e as CustomEvent<Partial<ParameterSelection> | null>).detail;
    handler(d && typeof d.name === 'string' ? { name: d.name, ...(Array.isArray(d.index) ? { index: d.index } : {}) } : null);
  };
  // a view may be built before its card is in the page: listen once it is connected
  let scope: Node | null = null;
  let frame = 0;
  const attach = (): void => {
    frame = 0;
    if (!root.isConnected) {
      frame = requestAnimationFrame(attach);
      return;
    }
    scope = root.getRootNode();
    scope.addEventListener('gradlab-select-parameter', listener);
  };
  attach();
  return () => {
    if (frame) cancelAnimationFrame(frame);
    scope?.removeEventListener('gradlab-select-parameter', listener);
  };
}
