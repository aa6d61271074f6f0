// The one number formatter of every view's read-outs, tables and axis labels (issue 13):
// significant digits, never "-0", one exponent style ("1.2e-5", "3e7"), ASCII minus.
// Views must not call toFixed/toPrecision/toExponential for display (a unit test greps).

/** Below this magnitude, or at and above EXP_HI, numbers are shown with an exponent. */
const EXP_LO = 1e-3;
const EXP_HI = 1e5;

/**
 * `digits` significant digits (trailing zeros dropped); exponent form ("1.23e-4") for
 * |v| < 1e-3 or |v| >= 1e5; integers below 1e5 as they are. A value that rounds to zero
 * is "0", never "-0". null/undefined: "—"; NaN: "NaN"; ±Infinity: "∞" / "-∞".
 */
export function formatNumber(v: number | null | undefined, digits = 3): string {
  if (v === null || v === undefined) return '—';
  if (Number.isNaN(v)) return 'NaN';
  if (!Number.isFinite(v)) return v > 0 ? '∞' : '-∞';
  if (v === 0) return '0';
  const p = Math.min(21, Math.max(1, Math.round(digits)));
  const a = Math.abs(v);
  if (Number.isInteger(v) && a < EXP_HI) return String(v);
  // rounded first: 99999.9 at 3 digits is 1.00e5, shown with the exponent like any 1e5
  const rounded = Number(v.toPrecision(p));
  if (a < EXP_LO || Math.abs(rounded) >= EXP_HI) {
    const [m, e] = v.toExponential(p - 1).split('e') as [string, string];
    return `${String(Number(m))}e${Number(e)}`;
  }
  return String(rounded);
}

/**
 * Labels for evenly spaced axis ticks: as many decimals as the spacing needs, so that
 * neighbouring labels differ (0.4990, 0.4995, 0.5000 rather than 0.499, 0.5, 0.5); a tick
 * that rounds to zero is "0" (never "-0.0"); large or tiny ranges fall back to formatNumber.
 */
export function tickFormat(ticks: readonly number[]): (v: number) => string {
  if (ticks.length < 2) return (v) => formatNumber(v);
  const step = Math.abs(ticks[1]! - ticks[0]!);
  const big = Math.max(...ticks.map(Math.abs));
  if (!(step > 0) || big >= EXP_HI || (step < EXP_LO && big < 1e-2)) return (v) => formatNumber(v, 3);
  const decimals = Math.min(20, Math.max(0, Math.ceil(-Math.log10(step) - 1e-9)));
  return (v) => fixed(v, decimals);
}

/** `v` with exactly `decimals` decimals ("0.50"), "0" for anything that rounds to zero. */
export function fixed(v: number, decimals: number): string {
  if (!Number.isFinite(v)) return formatNumber(v);
  const s = v.toFixed(Math.min(20, Math.max(0, Math.round(decimals))));
  return Number(s) === 0 ? '0' : s;
}

/** A share of one as a percentage with `digits` significant digits: 0.9512 -> "95.1%". */
export function formatPercent(v: number | null | undefined, digits = 3): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return formatNumber(v);
  return `${formatNumber(v * 100, digits)}%`;
}

/** A power of ten for a log axis: "0.1", "1", "1000", "1e-3", "1e5" (the same style as formatNumber). */
export function formatPow10(v: number): string {
  const e = Math.round(Math.log10(v));
  if (e >= -1 && e <= 3) return String(Math.pow(10, e));
  return `1e${e}`;
}

/** A duration in seconds: "1.23 s", "45.6 ms", "789 µs". */
export function formatSeconds(s: number | null | undefined): string {
  if (s === null || s === undefined || !Number.isFinite(s)) return formatNumber(s);
  if (Math.abs(s) >= 1) return `${formatNumber(s)} s`;
  if (Math.abs(s) >= 1e-3) return `${formatNumber(s * 1e3)} ms`;
  return `${formatNumber(s * 1e6)} µs`;
}

/** A heatmap cell's label, as short as it gets: two significant digits, ".53" for 0.53. */
export function formatCompact(v: number | null | undefined): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return '';
  return formatNumber(v, 2).replace(/^(-?)0\./, '$1.');
}
