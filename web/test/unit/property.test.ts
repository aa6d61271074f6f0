// Property-based tests (fast-check) for the two parsers that read what a student or a link
// hands the page: the URL hash decoder and the JSON-with-positions parser behind every
// error's JSON pointer (issue 12). Each property runs on a few hundred generated inputs
// from a fixed seed, so a failure reproduces; fast-check prints the shrunk counterexample.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  formatPointer,
  lineColumn,
  nodeAt,
  nodeValue,
  parseJsonWithPositions,
  parsePointer,
  pointerRange,
  type JsonValue,
} from '../../src/editor/json_pointer_map';
import { getPointer, setPointer } from '../../src/state/pointer';
import { SETTINGS, defaultSettings, type SettingDef, type Settings } from '../../src/state/settings';
import { decodeSpec, encodeSpec, parseHash, serializeHash } from '../../src/state/url';

const params = { seed: 20261206, numRuns: 300 };

/** A value the setting accepts. */
function settingValue(d: SettingDef): fc.Arbitrary<number | string | boolean> {
  switch (d.type) {
    case 'int':
      return fc.integer({ min: d.min ?? -(2 ** 31), max: d.max ?? 2 ** 31 - 1 });
    case 'number':
      return fc.double({ min: d.min ?? -1e9, max: d.max ?? 1e9, noNaN: true, noDefaultInfinity: true }).map((v) => v + 0); // -0 + 0 is 0
    case 'bool':
      return fc.boolean();
    case 'enum':
      return fc.constantFrom(...(d.values ?? []));
    case 'string':
      return fc.string({ minLength: 1, maxLength: 20, unit: 'grapheme' });
  }
}

const settingsArb: fc.Arbitrary<Settings> = fc
  .tuple(...SETTINGS.map((d) => fc.option(settingValue(d), { nil: null })))
  .map((values) => {
    const s = defaultSettings();
    SETTINGS.forEach((d, i) => {
      const v = values[i];
      // null means "the lesson's own value"; a page-only setting without a value keeps its default
      s[d.name] = v === null ? d.default : v!;
    });
    if (s.lesson === null) s.lesson = 'xor';
    return s;
  });

/** JSON as it survives a round trip through text (no -0, no undefined). */
const jsonValue: fc.Arbitrary<JsonValue> = fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.parse(JSON.stringify(v)) as JsonValue);
const specArb = fc.dictionary(fc.string({ maxLength: 8 }), jsonValue, { maxKeys: 5 });

describe('URL hash (property)', () => {
  it('parseHash never throws, whatever the text, and an error falls back to the defaults', () => {
    const hashy = fc.array(
      fc.oneof(
        fc.string({ maxLength: 12 }),
        fc.constantFrom('lesson=', 'seed=', 'lr=', 'spec=', 'theme=', '&', '=', '%', '%E0%A4%A', '#', 'spec=e30', 'spec=!!'),
      ),
      { maxLength: 8 },
    ).map((parts) => parts.join(''));
    fc.assert(
      fc.property(fc.oneof(hashy, fc.string({ unit: 'binary' })), (hash) => {
        const r = parseHash(hash);
        expect(Array.isArray(r.errors)).toBe(true);
        if (r.errors.length > 0) {
          expect(r.state.settings).toEqual(defaultSettings());
          expect(r.state.spec).toBeNull();
          for (const e of r.errors) expect(typeof e).toBe('string');
        }
      }),
      params,
    );
  });

  it('serializeHash then parseHash gives back the same settings and spec', () => {
    fc.assert(
      fc.property(settingsArb, fc.option(specArb, { nil: null }), (settings, spec) => {
        const r = parseHash(serializeHash({ settings, spec }));
        expect(r.errors).toEqual([]);
        expect(r.state.settings).toEqual(settings);
        expect(r.state.spec).toEqual(spec);
      }),
      params,
    );
  });

  it('a spec survives encodeSpec/decodeSpec whatever its text (unicode, quotes, deep values)', () => {
    fc.assert(
      fc.property(specArb, (spec) => {
        const text = encodeSpec(spec);
        expect(text).toMatch(/^[A-Za-z0-9_-]*$/); // URL-safe without escaping
        expect(decodeSpec(text)).toEqual(spec);
      }),
      params,
    );
  });

  it('a damaged spec is an error in plain words, never a crash', () => {
    fc.assert(
      fc.property(specArb, fc.nat(), fc.string({ minLength: 1, maxLength: 3 }), (spec, at, junk) => {
        const text = encodeSpec(spec);
        const i = at % (text.length + 1);
        const damaged = text.slice(0, i) + junk + text.slice(i + 1);
        const r = parseHash(`#lesson=xor&spec=${encodeURIComponent(damaged)}`);
        if (r.errors.length > 0) expect(r.errors.join(' ')).toMatch(/spec|link/);
        else expect(typeof r.state.spec).toBe('object'); // the damage happened to leave a valid object
      }),
      params,
    );
  });
});

/** Every pointer into a value, with the value there. */
function pointersOf(v: JsonValue, tokens: (string | number)[] = [], out: [string, JsonValue][] = []): [string, JsonValue][] {
  out.push([formatPointer(tokens), v]);
  if (Array.isArray(v)) v.forEach((x, i) => pointersOf(x, [...tokens, i], out));
  else if (v !== null && typeof v === 'object') for (const [k, x] of Object.entries(v)) pointersOf(x, [...tokens, k], out);
  return out;
}

describe('JSON pointer map (property)', () => {
  it('parses what JSON.stringify writes (any indentation) to the same value', () => {
    fc.assert(
      fc.property(jsonValue, fc.constantFrom(undefined, 0, 1, 2, '\t'), (v, indent) => {
        const text = JSON.stringify(v, null, indent);
        const r = parseJsonWithPositions(text);
        expect(r.ok).toBe(true);
        if (r.ok) expect(nodeValue(r.root)).toEqual(JSON.parse(text));
      }),
      params,
    );
  });

  it('every pointer finds its node, and the text at its range is that value', () => {
    fc.assert(
      fc.property(jsonValue, fc.constantFrom(undefined, 2), (v, indent) => {
        const text = JSON.stringify(v, null, indent);
        const r = parseJsonWithPositions(text);
        if (!r.ok) throw new Error(r.error.message);
        for (const [pointer, value] of pointersOf(v)) {
          const node = nodeAt(r.root, pointer);
          expect(node).not.toBeNull();
          const range = pointerRange(r.root, pointer);
          expect(range.target).toBe('value');
          expect(range.missing).toEqual([]);
          expect(JSON.parse(text.slice(range.from, range.to))).toEqual(value);
        }
      }),
      params,
    );
  });

  it('a pointer below a missing key lands on an existing ancestor, inside the text', () => {
    fc.assert(
      fc.property(jsonValue, fc.array(fc.string({ maxLength: 4 }), { minLength: 1, maxLength: 3 }), (v, extra) => {
        const text = JSON.stringify(v);
        const r = parseJsonWithPositions(text);
        if (!r.ok) throw new Error(r.error.message);
        const pointer = formatPointer(['\u0000missing', ...extra]);
        const range = pointerRange(r.root, pointer);
        expect(range.missing.length).toBeGreaterThan(0);
        expect(range.from).toBeGreaterThanOrEqual(0);
        expect(range.to).toBeLessThanOrEqual(text.length);
        expect(range.from).toBeLessThan(range.to);
      }),
      params,
    );
  });

  it('formatPointer and parsePointer are inverses, whatever the keys hold ("/", "~", "~01")', () => {
    const token = fc.oneof(fc.string({ maxLength: 6 }), fc.constantFrom('/', '~', '~0', '~1', '~01', '//', ''));
    fc.assert(
      fc.property(fc.array(token, { maxLength: 5 }), (tokens) => {
        expect(parsePointer(formatPointer(tokens))).toEqual(tokens);
      }),
      params,
    );
  });

  it('never throws, accepts exactly what JSON.parse accepts, and places errors at a real line and column', () => {
    const mutated = fc
      .tuple(jsonValue, fc.nat(), fc.nat({ max: 3 }), fc.constantFrom('', '"', ',', ']', '}', '{', '[', ':', '\\', '\n', 'x', '1e', '-'))
      .map(([v, at, cut, insert]) => {
        const text = JSON.stringify(v, null, 1);
        const i = at % (text.length + 1);
        return text.slice(0, i) + insert + text.slice(i + cut);
      });
    fc.assert(
      fc.property(fc.oneof(mutated, fc.string({ maxLength: 30 })), (text) => {
        const r = parseJsonWithPositions(text);
        let accepted = true;
        try {
          JSON.parse(text);
        } catch {
          accepted = false;
        }
        expect(r.ok).toBe(accepted);
        if (r.ok) {
          expect(nodeValue(r.root)).toEqual(JSON.parse(text));
        } else {
          expect(r.error.offset).toBeGreaterThanOrEqual(0);
          expect(r.error.offset).toBeLessThanOrEqual(text.length);
          expect({ line: r.error.line, column: r.error.column }).toEqual(lineColumn(text, r.error.offset));
          expect(r.error.message.length).toBeGreaterThan(0);
        }
      }),
      { ...params, numRuns: 1000 },
    );
  });
});

describe('spec pointers: getPointer / setPointer (property)', () => {
  const prototypeKeys = Object.getOwnPropertyNames(Object.prototype);
  const token = fc.oneof(fc.string({ maxLength: 5 }), fc.constantFrom('__proto__', 'constructor', 'prototype', 'toString', '~', '/'));
  it('set then get gives the value back, other members stay, and nothing leaks into Object.prototype', () => {
    fc.assert(
      fc.property(specArb, fc.array(token, { minLength: 1, maxLength: 4 }), jsonValue, (doc, path, value) => {
        const pointer = formatPointer(path);
        const before = JSON.stringify(doc);
        const out = setPointer(doc, pointer, value);
        expect(JSON.stringify(doc)).toBe(before); // the input is not modified
        expect(getPointer(out, pointer)).toEqual(value);
        expect(Object.getOwnPropertyNames(Object.prototype)).toEqual(prototypeKeys);
        expect(Object.getPrototypeOf(out)).toBe(Object.prototype);
        // the document read back through JSON has the key as an own member
        expect(getPointer(JSON.parse(JSON.stringify(out)), pointer)).toEqual(value);
      }),
      params,
    );
  });

  it('reads only own members: /__proto__ and /constructor of a document without them are undefined', () => {
    const doc = { model: { layers: [{ type: 'linear' }] } };
    for (const p of ['/__proto__', '/constructor', '/model/toString', '/model/layers/length', '/model/layers/01']) expect(getPointer(doc, p)).toBeUndefined();
    const out = setPointer(doc, '/__proto__/polluted', 1);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(getPointer(out, '/__proto__/polluted')).toBe(1);
    expect(Object.getPrototypeOf(out)).toBe(Object.prototype);
  });
});
