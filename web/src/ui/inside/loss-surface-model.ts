// The pure half of the loss-surface view: the `loss_surface` snapshot (core/session/
// loss_surface.cpp, docs/spec.md) -> contour lines of the loss at log-spaced levels
// (marching squares, computed once per grid), the optimiser's path, and the lookups the
// view needs on hover (the loss at a point, the nearest path point). No DOM here.
//
// Shape letters: NX, NY grid points along x (the first parameter) and y (the second);
// P path points. The loss grid is [NY rows x NX columns]: row j is y = y[j], column i is x = x[i].

import { formatNumber } from '../../viz/format';

/** The `loss_surface` snapshot as the engine sends it (non-finite losses arrive as null). */
export interface LossSurfaceSnapshot {
  parameters: [string, string] | string[];
  x: number[]; // NX
  y: number[]; // NY
  loss: { shape: number[]; data: Array<number | null> }; // [NY, NX]
  grid_min: { x: number; y: number; loss: number } | null;
  path: { x: number[]; y: number[]; loss: Array<number | null>; step: number[] }; // P each
  path_points: number;
  direction_changes: [number, number] | number[];
}

export interface SurfacePath {
  x: number[];
  y: number[];
  loss: Array<number | null>;
  step: number[];
}

/** One contour level: its segments as [x0, y0, x1, y1, ...] in parameter coordinates. */
export interface ContourLevel {
  level: number;
  segments: Float64Array;
}

export interface LossSurfaceModel {
  parameters: [string, string];
  /** short names for text: w1, w2 */
  short: [string, string];
  xs: number[];
  ys: number[];
  /** the loss grid, row-major [NY x NX], NaN where not finite */
  grid: Float64Array;
  /** the finite losses' range over the grid */
  range: [number, number] | null;
  contours: ContourLevel[];
  gridMin: { x: number; y: number; loss: number } | null;
  path: SurfacePath;
  pathPoints: number;
  directionChanges: [number, number];
  /** training steps the path spans (last step - first step) */
  steps: number;
  /** a key that changes when the grid does (the contours are reused while it does not) */
  gridKey: string;
}

/** A variant's path, for overlays (a lesson's variants trained alongside). */
export interface VariantPath {
  label: string;
  path: SurfacePath;
  /** its colour (default: the view's palette for variants) */
  color?: string;
  directionChanges?: [number, number];
}

const num = (v: number | null | undefined): number => (typeof v === 'number' && Number.isFinite(v) ? v : NaN);

/**
 * `count` levels spaced evenly in log between the lowest positive loss on the grid (raised to
 * at least max * 1e-3, so an exact zero at the minimum does not stretch the scale) and the
 * highest. A narrow valley shows as many closed rings near its floor and a few wide ones.
 */
export function logLevels(grid: ArrayLike<number>, count = 14): number[] {
  let lo = Infinity;
  let hi = -Infinity;
  for (let k = 0; k < grid.length; k++) {
    const v = grid[k]!;
    if (!Number.isFinite(v)) continue;
    if (v > hi) hi = v;
    if (v > 0 && v < lo) lo = v;
  }
  if (!(hi > 0) || !Number.isFinite(lo)) return [];
  lo = Math.max(lo, hi * 1e-3);
  if (hi / lo < 1 + 1e-9) return [];
  const a = Math.log(lo);
  const b = Math.log(hi);
  // strictly inside (lo, hi): a level at the very top or bottom touches one grid point only
  return Array.from({ length: count }, (_, k) => Math.exp(a + ((b - a) * (k + 0.5)) / count));
}

/**
 * Marching squares over a [ny x nx] row-major grid: the segments where the bilinear surface
 * crosses `level`, in grid coordinates (i along columns, j along rows) as [i0, j0, i1, j1, ...].
 * A cell with a non-finite corner has no segment. Saddles (two opposite corners above) are
 * split by the cell's centre value, so contours do not cross.
 */
export function marchingSquares(grid: ArrayLike<number>, nx: number, ny: number, level: number): number[] {
  const out: number[] = [];
  // where along an edge from value a (t = 0) to b (t = 1) the level lies
  const t = (a: number, b: number): number => (a === b ? 0.5 : (level - a) / (b - a));
  for (let j = 0; j + 1 < ny; j++) {
    for (let i = 0; i + 1 < nx; i++) {
      const v00 = grid[j * nx + i]!; // (i, j)
      const v10 = grid[j * nx + i + 1]!; // (i+1, j)
      const v11 = grid[(j + 1) * nx + i + 1]!; // (i+1, j+1)
      const v01 = grid[(j + 1) * nx + i]!; // (i, j+1)
      if (!Number.isFinite(v00) || !Number.isFinite(v10) || !Number.isFinite(v11) || !Number.isFinite(v01)) continue;
      const c = (v00 >= level ? 1 : 0) | (v10 >= level ? 2 : 0) | (v11 >= level ? 4 : 0) | (v01 >= level ? 8 : 0);
      if (c === 0 || c === 15) continue;
      // the crossing points on the four edges: bottom (j), right (i+1), top (j+1), left (i)
      const bottom = (): [number, number] => [i + t(v00, v10), j];
      const right = (): [number, number] => [i + 1, j + t(v10, v11)];
      const top = (): [number, number] => [i + t(v01, v11), j + 1];
      const left = (): [number, number] => [i, j + t(v00, v01)];
      const seg = (p: [number, number], q: [number, number]): void => {
        out.push(p[0], p[1], q[0], q[1]);
      };
      switch (c) {
        case 1:
        case 14:
          seg(left(), bottom());
          break;
        case 2:
        case 13:
          seg(bottom(), right());
          break;
        case 3:
        case 12:
          seg(left(), right());
          break;
        case 4:
        case 11:
          seg(right(), top());
          break;
        case 6:
        case 9:
          seg(bottom(), top());
          break;
        case 7:
        case 8:
          seg(left(), top());
          break;
        case 5:
        case 10: {
          // saddle: corners 00 and 11 on one side, 10 and 01 on the other
          const centre = (v00 + v10 + v11 + v01) / 4;
          const highDiagonal00 = c === 5; // 00 and 11 above the level
          if ((centre >= level) === highDiagonal00) {
            // the centre joins 00 and 11: cut off corners 10 and 01
            seg(bottom(), right());
            seg(left(), top());
          } else {
            // the centre joins 10 and 01: cut off corners 00 and 11
            seg(left(), bottom());
            seg(right(), top());
          }
          break;
        }
      }
    }
  }
  return out;
}

/** Grid coordinates -> parameter values (the grid is evenly spaced, but use the axes given). */
function toParams(segs: number[], xs: number[], ys: number[]): Float64Array {
  const out = new Float64Array(segs.length);
  const at = (axis: number[], f: number): number => {
    const i = Math.min(Math.max(Math.floor(f), 0), axis.length - 2);
    return axis[i]! + (axis[i + 1]! - axis[i]!) * (f - i);
  };
  for (let k = 0; k < segs.length; k += 2) {
    out[k] = at(xs, segs[k]!);
    out[k + 1] = at(ys, segs[k + 1]!);
  }
  return out;
}

/** "layers.0.weight[1]" -> "w2"; a parameter of its own ("layers.0.bias") keeps its last name. */
export function shortNames(parameters: string[]): [string, string] {
  const a = parameters[0] ?? 'x';
  const b = parameters[1] ?? 'y';
  const base = (p: string): string => p.replace(/\[\d+\]$/, '');
  if (base(a) === base(b) && /\.weight\[\d+\]$/.test(a)) return ['w1', 'w2'];
  const last = (p: string): string => p.split('.').pop() ?? p;
  return [last(a), last(b)];
}

/** The snapshot -> what the view draws (contours reused from `previous` when the grid is the same). */
export function lossSurfaceModel(s: LossSurfaceSnapshot, previous?: LossSurfaceModel | null, levels = 14): LossSurfaceModel {
  const xs = (s.x ?? []).map(Number);
  const ys = (s.y ?? []).map(Number);
  const nx = xs.length;
  const ny = ys.length;
  const data = s.loss?.data ?? [];
  const grid = new Float64Array(nx * ny);
  for (let k = 0; k < nx * ny; k++) grid[k] = num(data[k]);
  const gridKey = `${nx}x${ny}:${xs[0]},${xs[nx - 1]},${ys[0]},${ys[ny - 1]}:${hashGrid(grid)}`;
  const params = (s.parameters ?? []).map(String);
  const parameters: [string, string] = [params[0] ?? 'parameter 1', params[1] ?? 'parameter 2'];
  let contours: ContourLevel[];
  let range: [number, number] | null;
  if (previous && previous.gridKey === gridKey) {
    contours = previous.contours;
    range = previous.range;
  } else {
    range = finiteRange(grid);
    contours = nx >= 2 && ny >= 2 ? logLevels(grid, levels).map((level) => ({ level, segments: toParams(marchingSquares(grid, nx, ny, level), xs, ys) })) : [];
  }
  const p = s.path ?? { x: [], y: [], loss: [], step: [] };
  const path: SurfacePath = { x: p.x.map(Number), y: p.y.map(Number), loss: p.loss.map((v) => (typeof v === 'number' ? v : null)), step: p.step.map(Number) };
  const dc = s.direction_changes ?? [0, 0];
  const steps = path.step.length > 0 ? path.step[path.step.length - 1]! - path.step[0]! : 0;
  return {
    parameters,
    short: shortNames(parameters),
    xs,
    ys,
    grid,
    range,
    contours,
    gridMin: s.grid_min ?? null,
    path,
    pathPoints: typeof s.path_points === 'number' ? s.path_points : path.x.length,
    directionChanges: [Number(dc[0] ?? 0), Number(dc[1] ?? 0)],
    steps,
    gridKey,
  };
}

function finiteRange(grid: Float64Array): [number, number] | null {
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of grid) {
    if (!Number.isFinite(v)) continue;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  return lo <= hi ? [lo, hi] : null;
}

/** FNV-1a over the values' float32 bits: cheap enough for 201 x 201 grids, once per snapshot. */
function hashGrid(grid: Float64Array): string {
  const f = new Float32Array(grid);
  const u = new Uint32Array(f.buffer);
  let h = 0x811c9dc5;
  for (let k = 0; k < u.length; k++) {
    h ^= u[k]!;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h.toString(16);
}

/**
 * The loss at parameter values (a, b) by bilinear interpolation of the grid: what the view
 * reads out under the pointer. null outside the grid or next to a non-finite value.
 */
export function lossAt(m: LossSurfaceModel, a: number, b: number): number | null {
  const nx = m.xs.length;
  const ny = m.ys.length;
  if (nx < 2 || ny < 2) return null;
  const fi = ((a - m.xs[0]!) / (m.xs[nx - 1]! - m.xs[0]!)) * (nx - 1);
  const fj = ((b - m.ys[0]!) / (m.ys[ny - 1]! - m.ys[0]!)) * (ny - 1);
  if (!(fi >= -1e-9 && fi <= nx - 1 + 1e-9 && fj >= -1e-9 && fj <= ny - 1 + 1e-9)) return null;
  const i = Math.min(Math.max(Math.floor(fi), 0), nx - 2);
  const j = Math.min(Math.max(Math.floor(fj), 0), ny - 2);
  const u = fi - i;
  const v = fj - j;
  const g = m.grid;
  const r =
    (1 - u) * (1 - v) * g[j * nx + i]! + u * (1 - v) * g[j * nx + i + 1]! + (1 - u) * v * g[(j + 1) * nx + i]! + u * v * g[(j + 1) * nx + i + 1]!;
  return Number.isFinite(r) ? r : null;
}

/**
 * The path point nearest to (px, py) in screen space, within `radius` px; -1 when none.
 * `sx`, `sy` map parameter values to pixels. A scan of at most 400 points.
 */
export function nearestPathPoint(
  path: SurfacePath,
  px: number,
  py: number,
  sx: (v: number) => number,
  sy: (v: number) => number,
  radius = 8,
): number {
  let best = -1;
  let bestD = radius * radius;
  for (let k = path.x.length - 1; k >= 0; k--) {
    const dx = sx(path.x[k]!) - px;
    const dy = sy(path.y[k]!) - py;
    const d = dx * dx + dy * dy;
    if (d < bestD) {
      bestD = d;
      best = k;
    }
  }
  return best;
}

/** "w1 changed direction 29 times in 30 steps; w2 0 times" (the zig-zag in words). */
export function directionText(m: LossSurfaceModel): string {
  const [a, b] = m.short;
  const [na, nb] = m.directionChanges;
  const times = (n: number): string => (n === 1 ? '1 time' : `${n} times`);
  if (m.steps <= 0) return `No steps yet: the path is the starting point (${a}, ${b}).`;
  const steps = m.steps === 1 ? '1 step' : `${m.steps} steps`;
  return `${a} changed direction ${times(na)} in ${steps}; ${b} ${times(nb)}.`;
}

/** Tick-free summary of a level for the legend: "0.01", "1.2e-3". */
export function levelText(v: number): string {
  return formatNumber(v, 2);
}
