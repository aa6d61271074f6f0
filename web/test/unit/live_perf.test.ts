// Pure pieces of the live-update path and of the main-thread performance work: the reset
// note, the worker's snapshot trimming, the curves' incremental columns and the line
// decimation that keeps a long run's chart O(pixels) to draw.
import { describe, expect, it } from 'vitest';
import { restartNote } from '../../src/state/settings';
import { trimSnapshot } from '../../src/engine/shape';
import { Column } from '../../src/ui/curves-view';
import { traceLine } from '../../src/viz/line-chart';

describe('restartNote', () => {
  it('says what changed, that training restarted and why', () => {
    const seed = restartNote('seed');
    expect(seed).toMatch(/^Seed changed: training restarted at step 0 \(/);
    expect(seed).toContain('new initial weights');
    expect(restartNote('lr', ['/optimizer/lr'])).toContain('/optimizer/lr');
    expect(restartNote('lr')).toContain('cannot change it while running');
  });
});

describe('trimSnapshot', () => {
  it('drops the step Jacobian matrices and keeps their singular values and shapes', () => {
    const entry = { layer: 0, direction: 0, t: 3, hh: { shape: [2, 2], data: [1, 2, 3, 4] }, hh_singular_values: [5.4, 0.4], full: null, full_singular_values: [] };
    const out = trimSnapshot('jacobian', [entry] as never) as unknown as Array<typeof entry>;
    expect(out[0]!.hh).toEqual({ shape: [2, 2], data: [] });
    expect(out[0]!.hh_singular_values).toEqual([5.4, 0.4]);
    expect(out[0]!.full).toBeNull();
    expect(entry.hh.data).toEqual([1, 2, 3, 4]); // the input is not changed
  });
  it('passes other snapshots through untouched', () => {
    const field = { kind: 'field', values: { shape: [1], data: [0.5] } };
    expect(trimSnapshot('field', field)).toBe(field);
  });
});

describe('curves Column', () => {
  it('appends raw values and their running average; non-finite values are gaps', () => {
    const c = new Column();
    c.push(1, 2);
    c.push(2, 4);
    c.push(3, null);
    c.push(4, Number.NaN);
    expect(c.x).toEqual([1, 2, 3, 4]);
    expect(c.raw).toEqual([2, 4, null, null]);
    expect(c.smooth[0]).toBe(2);
    expect(c.smooth[1]).toBeCloseTo(2.2);
    expect(c.smooth[2]).toBeNull();
    expect(c.any).toBe(true);
  });
});

describe('traceLine', () => {
  const ctx = () => {
    const ops: Array<[string, number, number]> = [];
    return { ops, moveTo: (x: number, y: number) => void ops.push(['M', x, y]), lineTo: (x: number, y: number) => void ops.push(['L', x, y]) };
  };
  it('draws every point when they are far apart', () => {
    const c = ctx();
    traceLine(c, { name: 's', x: [0, 1, 2], y: [1, 3, 2] }, (v) => v * 10, (v) => v, false);
    expect(c.ops.filter((o) => o[0] === 'L').map((o) => o[2])).toEqual([1, 3, 2]);
  });
  it('keeps at most four vertices per pixel column for a long series, including the extremes', () => {
    const n = 100000;
    const x = Array.from({ length: n }, (_, i) => i);
    const y = x.map((i) => (i === 5000 ? 100 : i === 7000 ? -100 : Math.sin(i)));
    const c = ctx();
    traceLine(c, { name: 's', x, y }, (v) => (v / n) * 300, (v) => v, false);
    expect(c.ops.length).toBeLessThanOrEqual(4 * 302 + 1);
    const ys = c.ops.map((o) => o[2]);
    expect(Math.max(...ys)).toBe(100);
    expect(Math.min(...ys)).toBe(-100);
  });
  it('breaks the line at gaps and at values a log axis cannot show', () => {
    const c = ctx();
    traceLine(c, { name: 's', x: [0, 1, 2, 3], y: [1, null, 2, 0] }, (v) => v * 10, (v) => v, true);
    expect(c.ops.filter((o) => o[0] === 'M')).toHaveLength(2);
  });
});
