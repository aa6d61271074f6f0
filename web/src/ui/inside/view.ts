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
