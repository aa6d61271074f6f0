// json_pointer_map: positions of JSON pointers in JSON text, and syntax errors with a place.
import { describe, expect, it } from 'vitest';
import {
  formatPointer,
  lineColumn,
  nodeAt,
  nodeValue,
  parseJsonWithPositions,
  parsePointer,
  pointerRange,
  type JsonNode,
} from '../../src/editor/json_pointer_map';

// The example specs as text (import.meta.glob: no Node types needed).
const EXAMPLE_TEXT: Record<string, string> = Object.fromEntries(
  Object.entries(import.meta.glob<string>('../../../examples/*.json', { query: '?raw', import: 'default', eager: true })).map(([path, text]) => [path.split('/').pop()!, text]),
);

function root(text: string): JsonNode {
  const r = parseJsonWithPositions(text);
  if (!r.ok) throw new Error(`unexpected syntax error: ${r.error.message}`);
  return r.root;
}
function at(text: string, pointer: string): string {
  const r = pointerRange(root(text), pointer);
  return text.slice(r.from, r.to);
}

describe('parseJsonWithPositions', () => {
  it('gives the same values as JSON.parse on every example spec', () => {
    expect(Object.keys(EXAMPLE_TEXT).length).toBeGreaterThanOrEqual(8);
    for (const [name, text] of Object.entries(EXAMPLE_TEXT)) {
      expect(nodeValue(root(text)), name).toStrictEqual(JSON.parse(text));
    }
  });

  it('decodes string escapes and keeps numbers exact', () => {
    const text = String.raw`{"s": "a\"b\\c\/d\n\u00e9\ud83d\ude00", "n": [-0.5e3, 1E-2, 0, 12345678901234567890]}`;
    expect(nodeValue(root(text))).toStrictEqual(JSON.parse(text));
  });

  it.each([
    ['', 1, 1, /end of text/],
    ['{"a": 1,}', 1, 9, /trailing comma/],
    ['[1, 2,]', 1, 7, /trailing comma/],
    ['{"a": 1 "b": 2}', 1, 9, /missing ","/],
    ['{\n  "a": "abc\n}', 2, 12, /control character/],
    ['{"a": "abc', 1, 7, /unterminated string/],
    ["{'a': 1}", 1, 2, /double quotes/],
    ['{"a": 01}', 1, 7, /invalid number/],
    ['{"a": tru}', 1, 7, /expected a value/],
    ['{"a": 1} x', 1, 10, /after the end/],
    ['[1, 2', 1, 6, /not closed/],
    ['{"a" 1}', 1, 6, /expected ":"/],
    ['"\\x"', 1, 2, /unknown escape/],
  ])('reports %j as a syntax error with its place', (text, line, column, message) => {
    const r = parseJsonWithPositions(text);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.error.message).toMatch(message);
    expect([r.error.line, r.error.column]).toEqual([line, column]);
  });

  it('counts positions in UTF-16 code units past non-ASCII text', () => {
    const text = '{"😀é": "ü", "k": [1, 2]}';
    expect(at(text, '/k/1')).toBe('2');
    expect(at(text, '/😀é')).toBe('"ü"');
    const bad = '{"😀": 1,\n "x": ü}';
    const r = parseJsonWithPositions(bad);
    expect(r.ok).toBe(false);
    if (!r.ok) expect([r.error.line, r.error.column]).toEqual([2, 7]);
  });
});

describe('pointers', () => {
  it('parses and formats RFC 6901 escapes', () => {
    expect(parsePointer('')).toEqual([]);
    expect(parsePointer('/')).toEqual(['']);
    expect(parsePointer('/a~1b/m~0n/~01')).toEqual(['a/b', 'm~n', '~1']);
    expect(formatPointer(['a/b', 'm~n', '~1', 3])).toBe('/a~1b/m~0n/~01/3');
    expect(() => parsePointer('model')).toThrow(/starts with/);
  });

  it('maps a pointer to the value it names in nested objects and arrays', () => {
    const text = EXAMPLE_TEXT['xor.json']!;
    expect(at(text, '/model/layers/2/in')).toBe('8');
    expect(at(text, '/model/layers/1')).toBe('{"type": "tanh"}');
    expect(at(text, '/optimizer/lr')).toBe('0.3');
    expect(at(text, '/data/options')).toBe('{"n_samples": 400, "noise": 0.05}');
    expect(at(text, '')).toBe(text.trim());
    expect(pointerRange(root(text), '/model/layers/2/in').target).toBe('value');
  });

  it('unescapes ~0 and ~1 and matches keys written with escapes', () => {
    const text = String.raw`{"a/b": 1, "m~n": 2, "": 3, "~1": 4, "c\/d": 5, "\u00e9": 6}`;
    expect(at(text, '/a~1b')).toBe('1');
    expect(at(text, '/m~0n')).toBe('2');
    expect(at(text, '/')).toBe('3');
    expect(at(text, '/~01')).toBe('4');
    expect(at(text, '/c~1d')).toBe('5');
    expect(at(text, '/é')).toBe('6');
  });

  it('takes the last of duplicate keys, as JSON.parse does', () => {
    expect(at('{"a": 1, "a": 2}', '/a')).toBe('2');
  });

  it('only accepts canonical array indices', () => {
    const r = root('[10, 20]');
    expect(nodeAt(r, '/1')?.from).toBe(5);
    expect(nodeAt(r, '/01')).toBeNull();
    expect(nodeAt(r, '/-')).toBeNull();
    expect(nodeAt(r, '/2')).toBeNull();
  });

  it('points at the key of the nearest member for a missing field', () => {
    const text = '{"model": {"kind": "gan"}, "loss": {}}';
    const r = pointerRange(root(text), '/model/generator_hidden');
    expect(r.target).toBe('key');
    expect(r.missing).toEqual(['generator_hidden']);
    expect(text.slice(r.from, r.to)).toBe('"model"');
    const deep = pointerRange(root(text), '/loss/type');
    expect(text.slice(deep.from, deep.to)).toBe('"loss"');
  });

  it('shows a missing field of an array item on the item (short) or its bracket (long)', () => {
    const text = '{"layers": [{"type": "linear", "in": 2}]}';
    const r = pointerRange(root(text), '/layers/0/out');
    expect(r.target).toBe('parent');
    expect(text.slice(r.from, r.to)).toBe('{"type": "linear", "in": 2}');
    const long = `[{"type": "linear", "description": "${'x'.repeat(200)}"}]`;
    const l = pointerRange(root(long), '/0/out');
    expect(long.slice(l.from, l.to)).toBe('{');
    const top = pointerRange(root('{}'), '/version');
    expect([top.from, top.to, top.target]).toEqual([0, 2, 'parent']);
  });

  it('does not throw on a malformed pointer', () => {
    const r = pointerRange(root('{"a": 1}'), 'a');
    expect(r.target).toBe('parent');
  });

  it('gives 1-based lines and columns', () => {
    expect(lineColumn('ab\ncd', 0)).toEqual({ line: 1, column: 1 });
    expect(lineColumn('ab\ncd', 4)).toEqual({ line: 2, column: 2 });
  });
});
