// The page's plain-words message line (#message, role="alert"): errors and notes a
// student should read, with a close button. Text only.
import { button, h } from './dom';

export class MessageBar {
  private readonly text: HTMLSpanElement;
  private timer: ReturnType<typeof setTimeout> | null = null;

  constructor(private readonly root: HTMLElement) {
    root.setAttribute('role', 'alert');
    root.hidden = true;
    this.text = h('span', { class: 'message-text' });
    const close = button('×', { class: 'message-close', 'aria-label': 'Dismiss message' });
    close.addEventListener('click', () => this.clear());
    root.append(this.text, close);
  }

  error(text: string): void {
    this.show(text, 'error');
  }

  /** A note that fades after a while (e.g. "restarted at step 0"). */
  note(text: string, ms = 6000): void {
    this.show(text, 'note');
    this.timer = setTimeout(() => this.clear(), ms);
  }

  clear(): void {
    this.root.hidden = true;
    this.text.textContent = '';
  }

  private show(text: string, kind: 'error' | 'note'): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    this.text.textContent = text;
    this.root.dataset.kind = kind;
    this.root.hidden = false;
  }
}
