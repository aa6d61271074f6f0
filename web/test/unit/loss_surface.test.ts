// The data half of the loss-surface view (src/ui/inside/loss-surface-model.ts): marching
// squares on hand-made grids whose contours are known exactly (a plane, a cone, a saddle),
// log-spaced levels, the lookups, and the engine's own snapshots of the loss-surface lesson
// (test/fixtures, native CLI: step 0 and after 30 steps of plain SGD, lr 0.9).
import { describe, expect, it } from 'vitest';
import {
  directionText,
  logLevels,
  lossAt,
  lossSurfaceModel,
  marchingSquares,
  nearestPathPoint,
  shortNames,
  type LossSurfaceSnapshot,
} from '../../src/ui/inside/loss-surface-model';

const FIXTURES = import.meta.glob<string>('../fixtures/*.json', { query: '?raw', import: 'default', eager: true });
const fixture = <T>(name: string): T => {
  const text = FIXTURES[`../fixtures/${name}`];
  if (text === undefined) throw new Error(`no fixture ${name}`);
  return JSON.parse(text) as T;
};

/** A [ny x nx] grid of f(i, j). */
const gridOf = (nx: number, ny: number, f: (i: number, j: number) => number): number[] => {
  const g: number[] = [];
  for (let j = 0; j < ny; j++) for (let i = 0; i < nx; i++) g.push(f(i, j));
  return g;
};

/** The segments' end points as [i, j] pairs. */
const points = (segs: number[]): Array<[number, number]> => {
  const out: Array<[number, number]> = [];
  for (let k = 0; k < segs.length; k += 2) out.push([segs[k]!, segs[k + 1]!]);
  return out;
};

describe('marchingSquares', () => {
  it('finds the straight line where a plane crosses the level, exactly', () => {
    // f = i + 2j; the level 3.5 is the line i = 3.5 - 2j
    const g = gridOf(6, 4, (i, j) => i + 2 * j);
    const segs = marchingSquares(g, 6, 4, 3.5);
    expect(segs.length).toBeGreaterThan(0);
    for (const [i, j] of points(segs)) expect(i + 2 * j).toBeCloseTo(3.5, 12);
    // one segment per crossed cell, and they join end to end: (3.5, 0) -> (0, 1.75)
    const ends = points(segs).map(([i, j]) => `${i.toFixed(6)},${j.toFixed(6)}`);
    expect(ends).toContain('3.500000,0.000000');
    expect(ends).toContain('0.000000,1.750000');
  });

  it('draws a closed ring around the minimum of a cone, every point at the level', () => {
    const n = 21;
    const c = 10;
    const g = gridOf(n, n, (i, j) => Math.hypot(i - c, j - c));
    const segs = marchingSquares(g, n, n, 5.3);
    const pts = points(segs);
    // on the edges of cells the cone is interpolated linearly: within a cell's curvature error
    for (const [i, j] of pts) expect(Math.abs(Math.hypot(i - c, j - c) - 5.3)).toBeLessThan(0.1);
    // closed: every end point is shared by exactly two segments
    const count = new Map<string, number>();
    for (const [i, j] of pts) {
      const k = `${i.toFixed(9)},${j.toFixed(9)}`;
      count.set(k, (count.get(k) ?? 0) + 1);
    }
    for (const v of count.values()) expect(v).toBe(2);
    // and it goes all the way round
    const sectors = new Set(pts.map(([i, j]) => Math.floor(((Math.atan2(j - c, i - c) + Math.PI) / (2 * Math.PI)) * 16) % 16));
    expect(sectors.size).toBe(16);
  });

  it('splits a saddle cell by its centre value, and never joins across', () => {
    // corners 00 = 1, 10 = 0, 11 = 1, 01 = 0 (case 5); centre 0.5
    const g = [1, 0, 0, 1]; // row 0: (0,0)=1 (1,0)=0; row 1: (0,1)=0 (1,1)=1
    const above = marchingSquares(g, 2, 2, 0.4); // centre above: 00 and 11 joined, cut off 10 and 01
    expect(above).toHaveLength(8);
    const pa = points(above);
    // corner 10's cut: bottom edge and right edge
    expect(pa[0]![1]).toBe(0);
    expect(pa[1]![0]).toBe(1);
    const below = marchingSquares(g, 2, 2, 0.6); // centre below: 00 and 11 cut off
    expect(below).toHaveLength(8);
    const pb = points(below);
    expect(pb[0]![0]).toBe(0); // left edge
    expect(pb[1]![1]).toBe(0); // bottom edge
  });

  it('leaves out cells with a non-finite corner and levels outside the values', () => {
    const g = gridOf(3, 3, (i, j) => i + j);
    g[4] = NaN; // the centre touches all four cells
    expect(marchingSquares(g, 3, 3, 1.5)).toEqual([]);
    expect(marchingSquares(gridOf(3, 3, (i, j) => i + j), 3, 3, 10)).toEqual([]);
  });
});

describe('logLevels', () => {
  it('spaces levels evenly in log between the lowest positive loss (at least max 1e-3) and the highest', () => {
    const lv = logLevels([0, 1e-8, 0.5, 100], 4);
    expect(lv).toHaveLength(4);
    const ratios = lv.slice(1).map((v, k) => v / lv[k]!);
    for (const r of ratios) expect(r).toBeCloseTo(ratios[0]!, 9);
    expect(lv[0]!).toBeGreaterThan(100 * 1e-3);
    expect(lv[3]!).toBeLessThan(100);
  });
  it('gives no levels for a flat or empty grid', () => {
    expect(logLevels([2, 2, 2])).toEqual([]);
    expect(logLevels([NaN, 0])).toEqual([]);
  });
});

describe('lossSurfaceModel on the loss-surface lesson (native CLI snapshots)', () => {
  const s0 = fixture<LossSurfaceSnapshot>('loss-surface.loss_surface-0.json');
  const s30 = fixture<LossSurfaceSnapshot>('loss-surface.loss_surface-30.json');
  const m0 = lossSurfaceModel(s0);
  const m30 = lossSurfaceModel(s30, m0);

  it('reads the grid, the names and the window the lesson fixes', () => {
    expect(m0.parameters).toEqual(['layers.0.weight[0]', 'layers.0.weight[1]']);
    expect(m0.short).toEqual(['w1', 'w2']);
    expect(m0.xs).toHaveLength(41);
    expect(m0.ys).toHaveLength(41);
    expect([m0.xs[0], m0.xs[40], m0.ys[0], m0.ys[40]]).toEqual([-1.5, 2.5, -1, 7]);
    expect(m0.gridMin).toEqual({ x: 1, y: 5, loss: 0 });
  });

  it('has contour segments at every level, each end point on its level (bilinear, within 1%)', () => {
    expect(m0.contours.length).toBeGreaterThan(8);
    for (const c of m0.contours) {
      expect(c.segments.length).toBeGreaterThan(0);
      for (let k = 0; k < c.segments.length; k += 2) {
        const v = lossAt(m0, c.segments[k]!, c.segments[k + 1]!)!;
        expect(Math.abs(v - c.level)).toBeLessThan(0.01 * c.level + 1e-9);
      }
    }
  });

  it('is the analytic valley: L = (w1 - 1)^2 + 0.04 (w2 - 5)^2 at the grid points', () => {
    // mean over the four points of (w1 x1 + w2 x2 - y)^2 with x1 = +-1, x2 = +-0.2
    for (const [a, b] of [[-1.5, -1], [1, 5], [2.5, 7], [0.1, 3.4]] as const) {
      const v = lossAt(m0, a, b)!;
      const want = (a - 1) ** 2 + 0.04 * (b - 5) ** 2;
      expect(Math.abs(v - want)).toBeLessThan(0.02 * want + 2e-3);
    }
    expect(lossAt(m0, 3, 0)).toBeNull(); // outside the window
  });

  it('at step 0 the path is the start; after 30 steps of plain SGD it has 31 points and zig-zags', () => {
    expect(m0.pathPoints).toBe(1);
    expect(m0.path.x).toEqual([-1]);
    expect(m0.path.y).toEqual([0]);
    expect(directionText(m0)).toMatch(/No steps yet/);
    expect(m30.pathPoints).toBe(31);
    expect(m30.path.step).toEqual([...Array(31).keys()]);
    expect(m30.directionChanges[0]).toBeGreaterThanOrEqual(25);
    expect(m30.directionChanges[1]).toBe(0);
    expect(directionText(m30)).toBe(`w1 changed direction ${m30.directionChanges[0]} times in 30 steps; w2 0 times.`);
  });

  it('reuses the contours while the grid is the same', () => {
    expect(m30.contours).toBe(m0.contours);
    const moved = lossSurfaceModel({ ...s30, x: s30.x.map((v) => v + 1) }, m30);
    expect(moved.contours).not.toBe(m30.contours);
  });

  it('finds the path point under the pointer in screen space, or none', () => {
    const sx = (v: number): number => 100 * v;
    const sy = (v: number): number => -100 * v;
    const k = 7;
    expect(nearestPathPoint(m30.path, sx(m30.path.x[k]!) + 2, sy(m30.path.y[k]!) - 1, sx, sy)).toBe(k);
    expect(nearestPathPoint(m30.path, 1e6, 1e6, sx, sy)).toBe(-1);
  });
});

describe('shortNames', () => {
  it('calls two entries of one weight w1 and w2, separate parameters by their last name', () => {
    expect(shortNames(['layers.0.weight[0]', 'layers.0.weight[1]'])).toEqual(['w1', 'w2']);
    expect(shortNames(['layers.0.weight', 'layers.0.bias'])).toEqual(['weight', 'bias']);
  });
});
