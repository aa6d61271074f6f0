// Small DOM helpers for the panels: elements are built with text as textContent (never
// innerHTML from data or user strings), and labelled controls.

type Attrs = Record<string, string | number | boolean | undefined>;

export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Attrs = {},
  ...children: Array<Node | string | null | undefined | false>
): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === false) continue;
    if (k === 'class') e.className = String(v);
    else if (k === 'text') e.textContent = String(v);
    else e.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children) if (c !== null && c !== undefined && c !== false) e.append(c);
  return e;
}

let uid = 0;
/** A fresh element id with a prefix (for label/for pairs that need no fixed id). */
export function freshId(prefix: string): string {
  uid += 1;
  return `${prefix}-${uid}`;
}

/** label + control in a row; the label points at the control. */
export function field(label: string, control: HTMLElement, hint?: string): HTMLDivElement {
  if (!control.id) control.id = freshId('f');
  const row = h('div', { class: 'field' }, h('label', { for: control.id, text: label }), control);
  if (hint) {
    const hintId = `${control.id}-hint`;
    row.append(h('small', { class: 'hint', id: hintId, text: hint }));
    control.setAttribute('aria-describedby', hintId);
  }
  return row;
}

export function button(text: string, attrs: Attrs = {}): HTMLButtonElement {
  return h('button', { type: 'button', ...attrs }, text);
}

export function clear(e: Element): void {
  while (e.firstChild) e.removeChild(e.firstChild);
}

/** Download text as a file (checkpoints, PyTorch export). */
export function downloadText(name: string, text: string, type = 'application/json'): void {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const a = h('a', { href: url, download: name });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

/** A plain-words error shown next to a control; empty text hides it. */
export class InlineError {
  readonly el: HTMLParagraphElement;
  constructor(host: HTMLElement) {
    this.el = h('p', { class: 'inline-error', role: 'status', hidden: true });
    host.append(this.el);
  }
  show(text: string): void {
    this.el.textContent = text;
    this.el.hidden = text === '';
  }
}

/**
 * A select as wide as its chosen option's text (the bar's CSS caps it at the room there is),
 * with the whole text as its tooltip: a lesson's title is not cut where it fits.
 */
export function fitToSelected(select: HTMLSelectElement): void {
  const text = select.selectedOptions[0]?.text ?? '';
  select.title = text;
  const ctx = document.createElement('canvas').getContext('2d');
  if (!ctx) return;
  const cs = getComputedStyle(select);
  ctx.font = cs.font;
  const chrome = parseFloat(cs.paddingLeft) + parseFloat(cs.paddingRight) + parseFloat(cs.borderLeftWidth) + parseFloat(cs.borderRightWidth) + SELECT_ARROW_PX;
  select.style.width = `${Math.ceil(ctx.measureText(text).width + chrome)}px`;
}

/** room a select's drop-down arrow takes (Chromium, Firefox) */
const SELECT_ARROW_PX = 24;
