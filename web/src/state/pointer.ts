// JSON pointers (RFC 6901) into plain JSON values: read, and write into a copy.

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

function tokens(pointer: string): string[] {
  if (pointer === '') return [];
  if (!pointer.startsWith('/')) throw new Error(`a JSON pointer starts with '/', found "${pointer}"`);
  return pointer.slice(1).split('/').map((t) => t.replace(/~1/g, '/').replace(/~0/g, '~'));
}

export function getPointer(doc: unknown, pointer: string): unknown {
  let cur: unknown = doc;
  for (const t of tokens(pointer)) {
    if (Array.isArray(cur)) cur = cur[Number(t)];
    else if (typeof cur === 'object' && cur !== null) cur = (cur as Record<string, unknown>)[t];
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
    const next = cur[t];
    if (typeof next !== 'object' || next === null) cur[t] = {};
    cur = cur[t] as Record<string, unknown>;
  }
  const last = path[path.length - 1]!;
  if (value === undefined) delete cur[last];
  else cur[last] = value;
  return copy as T;
}
