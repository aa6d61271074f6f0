// Cards a student can fold away: a button in the card's header hides everything but the
// header; which cards are folded is remembered in localStorage (by a key per card, across
// reloads and lessons). Storage may be unavailable: the button still works for the page.
import { store, type KeyValueStore } from '../state/storage';
import { h } from './dom';

const KEY = 'gradlab.collapsed.v1';

function folded(s: KeyValueStore | null): string[] {
  try {
    const v: unknown = JSON.parse(s?.getItem(KEY) ?? '[]');
    return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
  } catch {
    return [];
  }
}

function remember(s: KeyValueStore | null, key: string, collapsed: boolean): void {
  const keys = folded(s).filter((k) => k !== key);
  if (collapsed) keys.push(key);
  try {
    s?.setItem(KEY, JSON.stringify(keys));
  } catch {
    // quota or disabled storage: folded for this page only
  }
}

/**
 * Adds the fold button to `card`'s first `header` (before its title) and restores the
 * remembered state. `key` names the card in storage (e.g. "training", "view:field").
 */
export function makeCollapsible(card: HTMLElement, key: string, s: KeyValueStore | null = store()): void {
  const header = card.querySelector(':scope > header');
  if (!header || header.querySelector(':scope > .card-fold')) return;
  const title = header.querySelector('h2, h3')?.textContent ?? key;
  const button = h('button', { type: 'button', class: 'card-fold', 'data-fold': key });
  const set = (collapsed: boolean): void => {
    card.dataset.collapsed = String(collapsed);
    button.setAttribute('aria-expanded', String(!collapsed));
    button.setAttribute('aria-label', `${collapsed ? 'Show' : 'Fold'} ${title}`);
    button.title = collapsed ? 'Show this panel' : 'Fold this panel (remembered)';
    button.textContent = collapsed ? '▸' : '▾';
  };
  button.addEventListener('click', () => {
    const collapsed = card.dataset.collapsed !== 'true';
    set(collapsed);
    remember(s, key, collapsed);
  });
  set(folded(s).includes(key));
  header.prepend(button);
}
