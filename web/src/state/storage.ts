// The last workspace, kept in localStorage as its hash so a reload restores it
// (a hash in the address wins). Storage may be unavailable (private mode, sandboxed
// iframes): every call degrades to doing nothing.
const KEY = 'gradlab.workspace.v1';

export interface KeyValueStore {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
}

export function store(): KeyValueStore | null {
  try {
    return typeof localStorage === 'undefined' ? null : localStorage;
  } catch {
    return null;
  }
}

export function saveWorkspace(hash: string, s: KeyValueStore | null = store()): void {
  try {
    s?.setItem(KEY, hash);
  } catch {
    // quota or disabled storage: the URL still carries the state
  }
}

export function loadWorkspace(s: KeyValueStore | null = store()): string | null {
  try {
    return s?.getItem(KEY) ?? null;
  } catch {
    return null;
  }
}

/** Which hash to start from: the address's if it has one, else the saved one. */
export function startingHash(addressHash: string, saved: string | null): string {
  const h = addressHash.startsWith('#') ? addressHash.slice(1) : addressHash;
  return h.trim() !== '' ? addressHash : (saved ?? '');
}
