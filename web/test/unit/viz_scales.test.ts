// Colour scales, ticks and number formatting (src/viz/scales.ts) and the field model.
import { describe, expect, it } from 'vitest';
import { fieldModel, type FieldSnapshot } from '../../src/viz/field-plot';
import { nearestIndex } from '../../src/viz/line-chart';
import {
  binaryField,
  CLASS_COLORS,
  diverging,
  extent,
  formatNumber,
  hexToRgb,
  linearScale,
  logExtent,
  logScale,
  logTicks,
  luminance,
  niceTicks,
  viridis,
} from '../../src/viz/scales';

// The fixtures as text (import.meta.glob: no Node types needed).
const FIXTURES = import.meta.glob<string>('../fixtures/*.json', { query: '?raw', import: 'default', eager: true });
const fixture = <T>(name: string): T => {
  const text = FIXTURES[`../fixtures/${name}`];
  if (text === undefined) throw new Error(`no fixture ${name}`);
  return JSON.parse(text) as T;
};

describe('viridis', () => {
  it('rises in luminance from dark purple to yellow, so it reads in greyscale', () => {
    let prev = -1;
    for (let i = 0; i <= 100; i++) {
      const l = luminance(viridis(i / 100));
      expect(l).toBeGreaterThanOrEqual(prev);
      prev = l;
    }
    expect(viridis(0)).toEqual([68, 1, 84]);
    expect(viridis(1)).toEqual([253, 231, 37]);
  });
  it('clamps outside [0, 1] and maps NaN to the low end', () => {
    expect(viridis(-3)).toEqual(viridis(0));
    expect(viridis(7)).toEqual(viridis(1));
    expect(viridis(NaN)).toEqual(viridis(0));
  });
});

describe('diverging', () => {
  it('is lightest at zero and darkens symmetrically towards -m and +m', () => {
    const mid = luminance(diverging(0, 1));
    for (const v of [0.2, 0.5, 0.9, 1]) {
      const neg = luminance(diverging(-v, 1));
      const pos = luminance(diverging(v, 1));
      expect(neg).toBeLessThan(mid);
      expect(pos).toBeLessThan(mid);
      expect(Math.abs(neg - pos)).toBeLessThan(0.12);
    }
    expect(luminance(diverging(-1, 1))).toBeLessThan(luminance(diverging(-0.5, 1)));
  });
  it('puts negative values on the blue side and positive on the red side', () => {
    const [r1, , b1] = diverging(-0.8, 1);
    const [r2, , b2] = diverging(0.8, 1);
    expect(b1).toBeGreaterThan(r1);
    expect(r2).toBeGreaterThan(b2);
  });
  it('scales by maxAbs and survives a zero scale', () => {
    expect(diverging(5, 10)).toEqual(diverging(0.5, 1));
    expect(diverging(0, 0)).toEqual(diverging(0, 1));
  });
});

describe('class colours and the binary field', () => {
  it('class colours are distinct', () => {
    expect(new Set(CLASS_COLORS).size).toBe(CLASS_COLORS.length);
  });
  it('binaryField goes class 0 colour -> light at the boundary -> class 1 colour', () => {
    expect(binaryField(0)).toEqual(hexToRgb(CLASS_COLORS[0]!));
    expect(binaryField(1)).toEqual(hexToRgb(CLASS_COLORS[1]!));
    expect(luminance(binaryField(0.5))).toBeGreaterThan(0.85);
  });
});

describe('ticks and numbers', () => {
  it('niceTicks gives round steps inside the range', () => {
    expect(niceTicks(0, 7.3, 4)).toEqual([0, 2, 4, 6]);
    expect(niceTicks(-1, 1, 4)).toEqual([-1, -0.5, 0, 0.5, 1]);
    const t = niceTicks(0.013, 0.087, 5);
    expect(t.every((v) => v >= 0.013 && v <= 0.087)).toBe(true);
    expect(t.length).toBeGreaterThanOrEqual(3);
  });
  it('logTicks are the powers of ten covering the range', () => {
    expect(logTicks(3e-5, 2)).toEqual([1e-5, 1e-4, 1e-3, 1e-2, 1e-1, 1, 10]);
    expect(logTicks(0, 1)).toEqual([]);
  });
  it('logExtent pads to whole decades and ignores zeros and nulls', () => {
    expect(logExtent([0, null, 2.4e-5, 0.3])).toEqual([1e-5, 1]);
  });
  it('extent skips non-finite values', () => {
    expect(extent([NaN, 3, null, -2, Infinity])).toEqual([-2, 3]);
    expect(extent([])).toEqual([0, 1]);
  });
  it('formatNumber is short and honest about non-finite values', () => {
    expect(formatNumber(0.000123)).toBe('1.23e-4');
    expect(formatNumber(0.12345)).toBe('0.123');
    expect(formatNumber(42)).toBe('42');
    expect(formatNumber(NaN)).toBe('NaN');
    expect(formatNumber(null)).toBe('—');
    expect(formatNumber(-Infinity)).toBe('-∞');
  });
  it('linear and log scales invert', () => {
    const x = linearScale([0, 10], [50, 250]);
    expect(x(5)).toBe(150);
    expect(x.invert(150)).toBeCloseTo(5);
    const y = logScale([1e-3, 1], [200, 0]);
    expect(y(1e-3)).toBeCloseTo(200);
    expect(y(1)).toBeCloseTo(0);
    expect(y(0.03162)).toBeCloseTo(100, 0);
    expect(y.invert(100)).toBeCloseTo(Math.sqrt(1e-3), 4);
  });
  it('nearestIndex finds the closest step', () => {
    expect(nearestIndex([0, 10, 20, 30], 14)).toBe(1);
    expect(nearestIndex([0, 10, 20, 30], 16)).toBe(2);
    expect(nearestIndex([], 1)).toBe(-1);
  });
});

describe('fieldModel', () => {
  it('a trained XOR field: p(class 1) in [0, 1], points split by class, most on the right side', () => {
    const s = fixture<FieldSnapshot>('xor.field.json');
    const m = fieldModel(s);
    expect(m.mode).toBe('binary');
    expect(m.background!.length).toBe(m.nx * m.ny);
    expect(m.background!.every((p) => p >= 0 && p <= 1)).toBe(true);
    expect(m.groups.map((g) => g.label)).toEqual([0, 1]);
    expect(m.groups.reduce((n, g) => n + g.xy.length / 2, 0)).toBe(s.points.shape[0]);
    // each training point: look up p(class 1) in its grid cell; a trained model agrees mostly
    let right = 0;
    let total = 0;
    for (const g of m.groups)
      for (let i = 0; i < g.xy.length; i += 2) {
        const k = Math.round(((g.xy[i]! - m.xRange[0]) / (m.xRange[1] - m.xRange[0])) * (m.nx - 1));
        const j = Math.round(((g.xy[i + 1]! - m.yRange[0]) / (m.yRange[1] - m.yRange[0])) * (m.ny - 1));
        const p = m.background![j * m.nx + k]!;
        right += (p > 0.5 ? 1 : 0) === g.label ? 1 : 0;
        total++;
      }
    expect(right / total).toBeGreaterThan(0.9);
  });
  it('a 1-D model gives a curve through the x range with the data point', () => {
    const m = fieldModel(fixture<FieldSnapshot>('tiny-chain-rule.field.json'));
    expect(m.mode).toBe('curve');
    expect(m.curve!.x.length).toBe(200);
    expect(m.curve!.y.every(Number.isFinite)).toBe(true);
    expect(m.groups[0]!.xy).toEqual([0.5, 1]);
  });
});

describe('tick labels', () => {
  it('neighbouring labels differ even on a narrow range', async () => {
    const { tickFormat } = await import('../../src/viz/axes');
    const ticks = niceTicks(0.499, 0.501, 8);
    const labels = ticks.map(tickFormat(ticks));
    expect(new Set(labels).size).toBe(labels.length);
    expect(tickFormat([0, 0.5, 1])(0.5)).toBe('0.5');
    expect(tickFormat([0, 20, 40])(40)).toBe('40');
  });
});
