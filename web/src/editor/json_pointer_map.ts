// JSON text with source positions: a small parser that remembers where every value (and
// every object key) sits, so a JSON pointer from the core's validator (RFC 6901) can be
// shown at the right place in the text. Pure: no DOM. Offsets are UTF-16 code units
// (JavaScript string indices), the unit CodeMirror uses.

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

/** A parsed value and where it is: [from, to) in the text. */
export type JsonNode =
  | { kind: 'object'; from: number; to: number; members: JsonMember[] }
  | { kind: 'array'; from: number; to: number; items: JsonNode[] }
  | { kind: 'string'; from: number; to: number; value: string }
  | { kind: 'number'; from: number; to: number; value: number }
  | { kind: 'boolean'; from: number; to: number; value: boolean }
  | { kind: 'null'; from: number; to: number };

/** One `"key": value` of an object, with the key's range (quotes included). */
export interface JsonMember {
  key: string;
  keyFrom: number;
  keyTo: number;
  value: JsonNode;
}

export interface JsonSyntaxError {
  message: string;
  offset: number;
  line: number; // 1-based
  column: number; // 1-based, in UTF-16 code units
}

export type ParseResult = { ok: true; root: JsonNode } | { ok: false; error: JsonSyntaxError };

/** A place in the text for a pointer. */
export interface PointerRange {
  from: number;
  to: number;
  /** 'value': the pointer's value; 'key': the key of the nearest existing ancestor member
   *  (the pointer names something missing); 'parent': the opening bracket of the nearest
   *  existing ancestor (a missing array item, or an ancestor without a key). */
  target: 'value' | 'key' | 'parent';
  /** The pointer's tokens that do not exist in the document (empty when found). */
  missing: string[];
}

/** Line (1-based) and column (1-based) of an offset. */
export function lineColumn(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  const end = Math.min(offset, text.length);
  for (let i = 0; i < end; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, column: end - lineStart + 1 };
}

class SyntaxFailure extends Error {
  constructor(
    message: string,
    readonly offset: number,
  ) {
    super(message);
  }
}

/** Parses JSON (RFC 8259) keeping positions. Never throws. */
export function parseJsonWithPositions(text: string): ParseResult {
  try {
    const p = new Parser(text);
    p.space();
    const root = p.value(0);
    p.space();
    if (p.pos < text.length) p.fail(`unexpected ${p.describeHere()} after the end of the JSON value`);
    return { ok: true, root };
  } catch (e) {
    if (e instanceof SyntaxFailure) {
      const { line, column } = lineColumn(text, e.offset);
      return { ok: false, error: { message: e.message, offset: e.offset, line, column } };
    }
    throw e;
  }
}

const MAX_DEPTH = 512;

class Parser {
  pos = 0;
  constructor(private readonly text: string) {}

  fail(message: string, at: number = this.pos): never {
    throw new SyntaxFailure(message, at);
  }

  describeHere(): string {
    if (this.pos >= this.text.length) return 'end of text';
    const c = this.text[this.pos] ?? '';
    return `character ${JSON.stringify(c)}`;
  }

  space(): void {
    const t = this.text;
    while (this.pos < t.length) {
      const c = t.charCodeAt(this.pos);
      if (c === 32 || c === 9 || c === 10 || c === 13) this.pos++;
      else break;
    }
  }

  value(depth: number): JsonNode {
    if (depth > MAX_DEPTH) this.fail(`nesting deeper than ${MAX_DEPTH} levels`);
    const t = this.text;
    const from = this.pos;
    const c = t[this.pos];
    if (c === '{') return this.object(depth);
    if (c === '[') return this.array(depth);
    if (c === '"') return { kind: 'string', from, value: this.string(), to: this.pos };
    if (c === '-' || (c !== undefined && c >= '0' && c <= '9')) return this.number();
    for (const [word, node] of [
      ['true', { kind: 'boolean', value: true }],
      ['false', { kind: 'boolean', value: false }],
      ['null', { kind: 'null' }],
    ] as const) {
      if (t.startsWith(word, this.pos)) {
        this.pos += word.length;
        return { ...node, from, to: this.pos } as JsonNode;
      }
    }
    if (this.pos >= t.length) this.fail('unexpected end of text: expected a value');
    if (c === "'") this.fail('strings need double quotes (") in JSON');
    this.fail(`unexpected ${this.describeHere()}: expected a value (object, array, string, number, true, false or null)`);
  }

  object(depth: number): JsonNode {
    const from = this.pos;
    this.pos++; // {
    const members: JsonMember[] = [];
    this.space();
    if (this.text[this.pos] === '}') {
      this.pos++;
      return { kind: 'object', from, to: this.pos, members };
    }
    for (;;) {
      this.space();
      if (this.text[this.pos] !== '"') {
        if (this.text[this.pos] === '}') this.fail('trailing comma before "}" (JSON allows none)');
        this.fail(`expected a key in double quotes, found ${this.describeHere()}`);
      }
      const keyFrom = this.pos;
      const key = this.string();
      const keyTo = this.pos;
      this.space();
      if (this.text[this.pos] !== ':') this.fail(`expected ":" after the key ${JSON.stringify(key)}, found ${this.describeHere()}`);
      this.pos++;
      this.space();
      const value = this.value(depth + 1);
      members.push({ key, keyFrom, keyTo, value });
      this.space();
      const c = this.text[this.pos];
      if (c === ',') {
        this.pos++;
        continue;
      }
      if (c === '}') {
        this.pos++;
        return { kind: 'object', from, to: this.pos, members };
      }
      if (c === '"') this.fail('missing "," between object members');
      this.fail(`expected "," or "}" in an object, found ${this.describeHere()}`);
    }
  }

  array(depth: number): JsonNode {
    const from = this.pos;
    this.pos++; // [
    const items: JsonNode[] = [];
    this.space();
    if (this.text[this.pos] === ']') {
      this.pos++;
      return { kind: 'array', from, to: this.pos, items };
    }
    for (;;) {
      this.space();
      if (this.text[this.pos] === ']') this.fail('trailing comma before "]" (JSON allows none)');
      items.push(this.value(depth + 1));
      this.space();
      const c = this.text[this.pos];
      if (c === ',') {
        this.pos++;
        continue;
      }
      if (c === ']') {
        this.pos++;
        return { kind: 'array', from, to: this.pos, items };
      }
      if (this.pos >= this.text.length) this.fail('unexpected end of text: an array is not closed with "]"');
      this.fail(`expected "," or "]" in an array, found ${this.describeHere()}`);
    }
  }

  string(): string {
    const t = this.text;
    const start = this.pos;
    this.pos++; // "
    let out = '';
    let chunk = this.pos;
    for (;;) {
      if (this.pos >= t.length) this.fail('unterminated string', start);
      const c = t.charCodeAt(this.pos);
      if (c === 34) {
        out += t.slice(chunk, this.pos);
        this.pos++;
        return out;
      }
      if (c < 0x20) this.fail('a control character (such as a line break) inside a string; write it as an escape like \\n');
      if (c === 92) {
        out += t.slice(chunk, this.pos);
        const e = t[this.pos + 1];
        const simple: Record<string, string> = { '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };
        if (e !== undefined && e in simple) {
          out += simple[e];
          this.pos += 2;
        } else if (e === 'u') {
          const hex = t.slice(this.pos + 2, this.pos + 6);
          if (!/^[0-9a-fA-F]{4}$/.test(hex)) this.fail('\\u must be followed by four hex digits');
          out += String.fromCharCode(parseInt(hex, 16));
          this.pos += 6;
        } else {
          this.fail(`unknown escape \\${e ?? ''} in a string`);
        }
        chunk = this.pos;
        continue;
      }
      this.pos++;
    }
  }

  number(): JsonNode {
    const t = this.text;
    const from = this.pos;
    const m = /^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?/.exec(t.slice(from, from + 400));
    if (!m) this.fail('invalid number');
    this.pos += m[0].length;
    const next = t[this.pos];
    if (next !== undefined && /[0-9.eE]/.test(next)) this.fail('invalid number (no leading zeros; digits after "." and "e")', from);
    return { kind: 'number', from, to: this.pos, value: Number(m[0]) };
  }
}

/** The plain value of a node (as JSON.parse would give; the last of duplicate keys wins). */
export function nodeValue(node: JsonNode): JsonValue {
  switch (node.kind) {
    case 'object': {
      const o: { [key: string]: JsonValue } = {};
      // defineProperty, not o[key] = ...: a key "__proto__" is an own member in JSON.parse's
      // result, while assigning it would replace the object's prototype (found by property.test.ts)
      for (const m of node.members)
        Object.defineProperty(o, m.key, { value: nodeValue(m.value), enumerable: true, writable: true, configurable: true });
      return o;
    }
    case 'array':
      return node.items.map(nodeValue);
    case 'null':
      return null;
    default:
      return node.value;
  }
}

/** Splits a JSON pointer into unescaped tokens ("" is the whole document). */
export function parsePointer(pointer: string): string[] {
  if (pointer === '') return [];
  if (!pointer.startsWith('/')) throw new Error(`a JSON pointer starts with "/": ${JSON.stringify(pointer)}`);
  return pointer
    .slice(1)
    .split('/')
    .map((t) => t.replace(/~1/g, '/').replace(/~0/g, '~'));
}

/** Builds a pointer from tokens, escaping "~" and "/". */
export function formatPointer(tokens: readonly (string | number)[]): string {
  return tokens.map((t) => '/' + String(t).replace(/~/g, '~0').replace(/\//g, '~1')).join('');
}

function child(node: JsonNode, token: string): { node: JsonNode; member?: JsonMember } | null {
  if (node.kind === 'object') {
    // The last of duplicate keys is the one JSON.parse (and the core) keeps.
    for (let i = node.members.length - 1; i >= 0; i--) {
      const m = node.members[i]!;
      if (m.key === token) return { node: m.value, member: m };
    }
    return null;
  }
  if (node.kind === 'array') {
    if (!/^(0|[1-9][0-9]*)$/.test(token)) return null;
    const item = node.items[Number(token)];
    return item ? { node: item } : null;
  }
  return null;
}

/** Finds the node at a pointer, or null. */
export function nodeAt(root: JsonNode, pointer: string): JsonNode | null {
  let node: JsonNode = root;
  for (const token of parsePointer(pointer)) {
    const next = child(node, token);
    if (!next) return null;
    node = next.node;
  }
  return node;
}

/**
 * Where a pointer points in the text: its value when it exists; otherwise the key of the
 * nearest existing ancestor that is an object member (a "required field" issue reported
 * at /model/layers/0/out highlights nothing better than the layer, whose key may not
 * exist, so then the ancestor's opening bracket).
 */
export function pointerRange(root: JsonNode, pointer: string): PointerRange {
  let tokens: string[];
  try {
    tokens = parsePointer(pointer);
  } catch {
    return { from: root.from, to: root.from + 1, target: 'parent', missing: [pointer] };
  }
  let node = root;
  let member: JsonMember | undefined;
  for (let i = 0; i < tokens.length; i++) {
    const next = child(node, tokens[i]!);
    if (!next) {
      const missing = tokens.slice(i);
      if (member) return { from: member.keyFrom, to: member.keyTo, target: 'key', missing };
      // A short ancestor (a layer object) is shown whole, a long one by its opening bracket.
      const to = node.to - node.from <= 120 ? node.to : node.from + 1;
      return { from: node.from, to, target: 'parent', missing };
    }
    node = next.node;
    member = next.member;
  }
  return { from: node.from, to: node.to, target: 'value', missing: [] };
}
