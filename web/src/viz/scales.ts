// Colour scales, axis ticks and number formatting for the plots: pure functions, no DOM.
//
//   viridis(0.3)                  -> [r, g, b] (0..255), dark purple .. yellow, luminance rising
//   diverging(-0.4, 1)            -> a blue for a negative value, white-ish at 0, red for positive
//   classColor(1)                 -> '#e69f00' (Okabe-Ito, readable with colour blindness)
//   niceTicks(0, 7.3, 5)          -> [0, 2, 4, 6]
//   logTicks(3e-5, 2)             -> [1e-5, 1e-4, 1e-3, 1e-2, 1e-1, 1] (powers of ten inside)
//   formatNumber(0.000123)        -> '1.23e-4'

export type Rgb = [number, number, number];

// Viridis (matplotlib, CC0) sampled at 9 evenly spaced points; linear interpolation between
// them stays within a couple of levels of the full table and keeps luminance monotonic.
const VIRIDIS: Rgb[] = [
  [68, 1, 84],
  [71, 44, 122],
  [59, 81, 139],
  [44, 113, 142],
  [33, 144, 141],
  [39, 173, 129],
  [92, 200, 99],
  [170, 220, 50],
  [253, 231, 37],
];

// ColorBrewer RdBu (11 classes, reversed so negative = blue): marked colour-blind safe by
// ColorBrewer; the middle is a light neutral so 0 reads as "nothing".
const RDBU: Rgb[] = [
  [5, 48, 97],
  [33, 102, 172],
  [67, 147, 195],
  [146, 197, 222],
  [209, 229, 240],
  [247, 247, 247],
  [253, 219, 199],
  [244, 165, 130],
  [214, 96, 77],
  [178, 24, 43],
  [103, 0, 31],
];

/** Okabe-Ito: eight colours distinguishable with the common forms of colour blindness. */
export const CLASS_COLORS = ['#0072b2', '#e69f00', '#009e73', '#cc79a7', '#56b4e9', '#d55e00', '#f0e442', '#000000'];

export function clamp01(t: number): number {
  return t < 0 ? 0 : t > 1 ? 1 : Number.isNaN(t) ? 0 : t;
}

function lerpTable(table: Rgb[], t: number): Rgb {
  const x = clamp01(t) * (table.length - 1);
  const i = Math.min(Math.floor(x), table.length - 2);
  const f = x - i;
  const a = table[i]!;
  const b = table[i + 1]!;
  return [
    Math.round(a[0] + (b[0] - a[0]) * f),
    Math.round(a[1] + (b[1] - a[1]) * f),
    Math.round(a[2] + (b[2] - a[2]) * f),
  ];
}

/** Sequential scale for t in [0, 1] (clamped; NaN -> 0). */
export function viridis(t: number): Rgb {
  return lerpTable(VIRIDIS, t);
}

/** Diverging scale for a signed value v in [-maxAbs, maxAbs] (clamped): blue < 0 < red. */
export function diverging(v: number, maxAbs: number): Rgb {
  const m = maxAbs > 0 && Number.isFinite(maxAbs) ? maxAbs : 1;
  return lerpTable(RDBU, 0.5 + 0.5 * (v / m));
}

export function hexToRgb(hex: string): Rgb {
  const h = hex.replace('#', '');
  const full = h.length === 3 ? h.replace(/./g, (c) => c + c) : h;
  const n = parseInt(full.slice(0, 6), 16);
  return [(n >> 16) & 255, (n >> 8) & 255, n & 255];
}

export function rgbCss(c: Rgb, alpha = 1): string {
  return alpha >= 1 ? `rgb(${c[0]},${c[1]},${c[2]})` : `rgba(${c[0]},${c[1]},${c[2]},${alpha})`;
}

export function mix(a: Rgb, b: Rgb, t: number): Rgb {
  const f = clamp01(t);
  return [
    Math.round(a[0] + (b[0] - a[0]) * f),
    Math.round(a[1] + (b[1] - a[1]) * f),
    Math.round(a[2] + (b[2] - a[2]) * f),
  ];
}

export function classColor(k: number): string {
  const n = CLASS_COLORS.length;
  return CLASS_COLORS[((Math.round(k) % n) + n) % n]!;
}

/**
 * Background of a binary decision field: p(class 1) in [0, 1] from class 0's colour through a
 * light neutral (p = 0.5, the boundary) to class 1's colour.
 */
export function binaryField(p: number, c0: Rgb = hexToRgb(CLASS_COLORS[0]!), c1: Rgb = hexToRgb(CLASS_COLORS[1]!)): Rgb {
  const mid: Rgb = [245, 245, 245];
  const t = clamp01(p);
  return t < 0.5 ? mix(c0, mid, t * 2) : mix(mid, c1, (t - 0.5) * 2);
}

/** WCAG relative luminance of an sRGB colour (0 black .. 1 white). */
export function luminance(c: Rgb): number {
  const lin = (v: number): number => {
    const s = v / 255;
    return s <= 0.03928 ? s / 12.92 : Math.pow((s + 0.055) / 1.055, 2.4);
  };
  return 0.2126 * lin(c[0]) + 0.7152 * lin(c[1]) + 0.0722 * lin(c[2]);
}

/** Text colour (black or white) that reads on a given background. */
export function textOn(bg: Rgb): string {
  return luminance(bg) > 0.35 ? '#111' : '#fff';
}

/** [min, max] of the finite values (null/NaN/inf skipped); [0, 1] when there are none. */
export function extent(values: ArrayLike<number | null | undefined>): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v === null || v === undefined || !Number.isFinite(v)) continue;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  return lo <= hi ? [lo, hi] : [0, 1];
}

/** Largest |v| over the finite values (0 when none). */
export function maxAbs(values: ArrayLike<number | null | undefined>): number {
  let m = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v !== null && v !== undefined && Number.isFinite(v) && Math.abs(v) > m) m = Math.abs(v);
  }
  return m;
}

/** About `count` round tick values (1, 2, 5 x 10^k steps) covering [lo, hi]. */
export function niceTicks(lo: number, hi: number, count = 5): number[] {
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) return [];
  if (hi < lo) [lo, hi] = [hi, lo];
  if (hi === lo) return [lo];
  const raw = (hi - lo) / Math.max(1, count);
  const mag = Math.pow(10, Math.floor(Math.log10(raw)));
  const norm = raw / mag;
  const step = (norm < 1.5 ? 1 : norm < 3 ? 2 : norm < 7 ? 5 : 10) * mag;
  const out: number[] = [];
  const start = Math.ceil(lo / step - 1e-9);
  const end = Math.floor(hi / step + 1e-9);
  for (let k = start; k <= end; k++) out.push(Math.abs(k * step) < step * 1e-9 ? 0 : k * step);
  return out;
}

/** 10^e, exact for integer e (Math.pow(10, -5) is 9.999999999999999e-6). */
export function pow10(e: number): number {
  return e < 0 ? 1 / Math.pow(10, -e) : Math.pow(10, e);
}

/** Powers of ten within [lo, hi] (lo > 0); thinned to at most ~maxTicks. */
export function logTicks(lo: number, hi: number, maxTicks = 8): number[] {
  if (!(lo > 0) || !(hi > 0)) return [];
  const a = Math.floor(Math.log10(lo));
  const b = Math.ceil(Math.log10(hi));
  const stride = Math.max(1, Math.ceil((b - a + 1) / maxTicks));
  const out: number[] = [];
  for (let e = a; e <= b; e += stride) out.push(pow10(e));
  return out;
}

export { formatNumber } from './format';

/** Maps a data interval onto a pixel interval; `log` needs a positive domain. */
export interface AxisScale {
  (v: number): number;
  invert(px: number): number;
  domain: [number, number];
  range: [number, number];
  log: boolean;
}

export function linearScale(domain: [number, number], range: [number, number]): AxisScale {
  const [d0, d1] = domain[0] === domain[1] ? [domain[0] - 0.5, domain[1] + 0.5] : domain;
  const k = (range[1] - range[0]) / (d1 - d0);
  const f = ((v: number) => range[0] + (v - d0) * k) as AxisScale;
  f.invert = (px: number) => d0 + (px - range[0]) / k;
  f.domain = [d0, d1];
  f.range = range;
  f.log = false;
  return f;
}

export function logScale(domain: [number, number], range: [number, number]): AxisScale {
  const lo = Math.log10(Math.max(domain[0], Number.MIN_VALUE));
  const hi = Math.log10(Math.max(domain[1], Number.MIN_VALUE));
  const inner = linearScale([lo, hi === lo ? lo + 1 : hi], range);
  const f = ((v: number) => inner(Math.log10(Math.max(v, Number.MIN_VALUE)))) as AxisScale;
  f.invert = (px: number) => Math.pow(10, inner.invert(px));
  f.domain = [Math.pow(10, inner.domain[0]), Math.pow(10, inner.domain[1])];
  f.range = range;
  f.log = true;
  return f;
}

/** Positive log-domain that covers the positive finite values, padded to whole decades. */
export function logExtent(values: ArrayLike<number | null | undefined>): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v === null || v === undefined || !Number.isFinite(v) || v <= 0) continue;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  if (!(lo <= hi)) return [0.1, 10];
  const a = pow10(Math.floor(Math.log10(lo)));
  const b = pow10(Math.ceil(Math.log10(hi)));
  return a === b ? [a / 10, b * 10] : [a, b];
}
