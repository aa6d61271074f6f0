// JSON pointers (RFC 6901) into plain JSON values: read, and write into a copy.

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

function tokens(pointer: string): string[] {
  if (pointer === '') return [];
  if (!pointer.startsWith('/')) throw new Error(`a JSON pointer starts with '/', found "${pointer}"`);
  return pointer.slice(1).split('/').map((t) => t.replace(/~1/g, '/').replace(/~0/g, '~'));
}

// Only own members count: "/__proto__" or "/constructor" name a key of the document, never
// something inherited (reading Object.prototype, or writing into it, from a pointer a student
// typed would be prototype pollution).
function own(obj: object, key: string): unknown {
  return Object.prototype.hasOwnProperty.call(obj, key) ? (obj as Record<string, unknown>)[key] : undefined;
}

function put(obj: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
}

export function getPointer(doc: unknown, pointer: string): unknown {
  let cur: unknown = doc;
  for (const t of tokens(pointer)) {
    if (Array.isArray(cur)) cur = /^(0|[1-9][0-9]*)$/.test(t) ? cur[Number(t)] : undefined;
    else if (typeof cur === 'object' && cur !== null) cur = own(cur, t);
    else return undefined;
  }
  return cur;
}

/** A deep copy of doc with the value at pointer set (objects made on the way); undefined removes it. */
export function setPointer<T>(doc: T, pointer: string, value: unknown): T {
  const copy = structuredClone(doc) as unknown;
  const path = tokens(pointer);
  if (path.length === 0) return value as T;
  let cur = copy as Record<string, unknown>;
  for (const t of path.slice(0, -1)) {
    const next = own(cur, t);
    if (typeof next !== 'object' || next === null) put(cur, t, {});
    cur = own(cur, t) as Record<string, unknown>;
  }
  const last = path[path.length - 1]!;
  if (value === undefined) delete cur[last];
  else put(cur, last, value);
  return copy as T;
}
