// The one number formatter (src/viz/format.ts, issue 13): properties over random doubles
// (fast-check), and a scan of src/viz and src/ui for display formatting that bypasses it.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import fs from 'node:fs';
import path from 'node:path';
import { fixed, formatCompact, formatNumber, formatPercent, formatPow10, formatSeconds, tickFormat } from '../../src/viz/format';

// within ±1e300 so that rounding up to the shown digits cannot overflow to Infinity
const finite = fc.double({ min: -1e300, max: 1e300, noNaN: true, noDefaultInfinity: true });
const digits = fc.integer({ min: 1, max: 8 });
/** the one shape every finite output has: plain decimal or mantissa e exponent, ASCII minus */
const SHAPE = /^-?(0|[1-9]\d*)(\.\d+)?(e-?[1-9]\d*)?$/;

describe('formatNumber', () => {
  it('never yields "-0", and has one shape: plain decimals or 1.23e-4 (no "e+", no trailing zeros)', () => {
    fc.assert(
      fc.property(finite, digits, (v, d) => {
        const s = formatNumber(v, d);
        expect(s).not.toMatch(/^-0(\.0*)?(e.*)?$/);
        expect(s).toMatch(SHAPE);
        expect(s).not.toContain('e+');
        const mantissa = s.split('e')[0]!;
        if (mantissa.includes('.')) expect(mantissa).not.toMatch(/0$/);
      }),
      { numRuns: 5000 },
    );
  });
  it('round-trips within its precision: |parse(format(v)) - v| <= half a unit in the last digit', () => {
    fc.assert(
      fc.property(finite, digits, (v, d) => {
        const back = Number(formatNumber(v, d));
        if (Number.isInteger(v) && Math.abs(v) < 1e5) expect(back === v).toBe(true); // -0 reads back as 0
        else expect(Math.abs(back - v)).toBeLessThanOrEqual(Math.abs(v) * 0.5 * 10 ** (1 - d) * (1 + 1e-9));
      }),
      { numRuns: 5000 },
    );
  });
  it('uses the exponent exactly outside [1e-3, 1e5)', () => {
    fc.assert(
      fc.property(finite.filter((v) => v !== 0), (v) => {
        const s = formatNumber(v);
        const a = Math.abs(Number(s));
        expect(s.includes('e')).toBe(Math.abs(v) < 1e-3 || Math.abs(v) >= 1e5 || a >= 1e5);
      }),
      { numRuns: 3000 },
    );
  });
  it('keeps the sign and the order of values that differ in the shown digits', () => {
    fc.assert(
      fc.property(finite, finite, (a, b) => {
        const [x, y] = [Number(formatNumber(a)), Number(formatNumber(b))];
        if (a < b) expect(x).toBeLessThanOrEqual(y);
        if (a !== 0) expect(Math.sign(x)).toBe(Math.sign(a));
      }),
      { numRuns: 3000 },
    );
  });
  it('examples', () => {
    expect(formatNumber(-0)).toBe('0');
    expect(formatNumber(-1e-300)).toBe('-1e-300');
    expect(formatNumber(0.000123)).toBe('1.23e-4');
    expect(formatNumber(123456)).toBe('1.23e5');
    expect(formatNumber(99999.9)).toBe('1e5');
    expect(formatNumber(0.5)).toBe('0.5');
    expect(formatNumber(-2.345, 2)).toBe('-2.3');
    expect(formatNumber(null)).toBe('—');
    expect(formatNumber(NaN)).toBe('NaN');
    expect(formatNumber(Infinity)).toBe('∞');
    expect(formatNumber(-Infinity)).toBe('-∞');
  });
});

describe('the helpers built on it', () => {
  it('tick labels: never "-0", neighbours differ, same decimals', () => {
    fc.assert(
      fc.property(fc.double({ min: -1e4, max: 1e4, noNaN: true }), fc.constantFrom(0.001, 0.01, 0.05, 0.1, 0.5, 1, 2, 5, 10, 100), (start, step) => {
        const lo = Math.round(start / step) * step;
        const ticks = [lo - step, lo, lo + step, lo + 2 * step];
        const f = tickFormat(ticks);
        const labels = ticks.map(f);
        for (const s of labels) expect(s).not.toMatch(/^-0(\.0*)?$/);
        expect(new Set(labels).size).toBe(labels.length);
      }),
      { numRuns: 2000 },
    );
    expect(tickFormat([-0.1, 0, 0.1])(-1e-17)).toBe('0');
    expect(fixed(-0.004, 2)).toBe('0');
    expect(fixed(0.5, 2)).toBe('0.50');
  });
  it('log-axis powers of ten use the same exponent style', () => {
    expect([1e-5, 1e-3, 0.01, 0.1, 1, 10, 1000, 1e4, 1e8].map(formatPow10)).toEqual(['1e-5', '1e-3', '1e-2', '0.1', '1', '10', '1000', '1e4', '1e8']);
    for (const e of [-12, -5, 4, 9]) expect(Number(formatPow10(10 ** e))).toBe(Number(formatNumber(10 ** e)));
  });
  it('percent, seconds, compact cells', () => {
    expect(formatPercent(0.9512)).toBe('95.1%');
    expect(formatPercent(null)).toBe('—');
    expect(formatSeconds(1.234)).toBe('1.23 s');
    expect(formatSeconds(0.0123)).toBe('12.3 ms');
    expect(formatSeconds(0.00042)).toBe('420 µs');
    expect(formatCompact(0.534)).toBe('.53');
    expect(formatCompact(-0.534)).toBe('-.53');
    expect(formatCompact(-0.0001)).toBe('-1e-4');
    expect(formatCompact(12.4)).toBe('12');
    expect(formatCompact(null)).toBe('');
  });
});

/**
 * Display formatting goes through src/viz/format.ts. The few remaining calls of the raw
 * Number methods in views are not shown to a person (an SVG attribute), and say so on
 * their line with "format-ok:".
 */
describe('views format numbers with the one formatter', () => {
  it('no raw toFixed/toPrecision/toExponential in src/viz and src/ui outside format.ts', () => {
    const src = path.resolve(__dirname, '../../src');
    const offenders: string[] = [];
    const walk = (dir: string): void => {
      for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
        const full = path.join(dir, e.name);
        if (e.isDirectory()) walk(full);
        else if (/\.ts$/.test(e.name) && full !== path.join(src, 'viz/format.ts')) {
          fs.readFileSync(full, 'utf8').split('\n').forEach((line, i) => {
            if (/\.(toFixed|toPrecision|toExponential)\(/.test(line) && !/format-ok:/.test(line)) offenders.push(`${path.relative(src, full)}:${i + 1}: ${line.trim()}`);
          });
        }
      }
    };
    for (const dir of ['viz', 'ui', 'state/lesson-doc.ts'].map((d) => path.join(src, d))) {
      if (fs.statSync(dir).isDirectory()) walk(dir);
      else if (/\.(toFixed|toPrecision|toExponential)\(/.test(fs.readFileSync(dir, 'utf8'))) offenders.push(dir);
    }
    expect(offenders).toEqual([]);
  });
});
