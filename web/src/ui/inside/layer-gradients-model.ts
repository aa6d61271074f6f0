// The pure half of the layer-gradients view: the `layers` snapshot (core/session/
// supervised_runner.cpp layers_snapshot(), docs/spec.md) -> the two series it plots on a log
// axis, ‖dL/dW_l‖ and ‖dL/da_l‖ per layer from input to output, the values a log axis cannot
// show (zero, missing) listed apart, and the ratios a lesson asks about. No DOM here.
//
// Shape letters: L layers (top-level, activations included), B batch.

import { pow10 } from '../../viz/scales';

/** One layer of the `layers` snapshot. Norms are null where they do not apply or are not finite. */
export interface LayerEntryJson {
  index: number;
  pointer?: string;
  type: string;
  name?: string;
  output_shape?: number[]; // [B, ...]
  parameters?: string[];
  weight_grad_norm: number | null; // ‖dL/dW_l‖ over the layer's non-bias parameters
  bias_grad_norm: number | null;
  weight_norm: number | null;
  output_grad_norm: number | null; // ‖dL/da_l‖ over the batch
}

export interface LayersSnapshot {
  loss?: number | null | { shape: number[]; data: number[] };
  batch_size?: number;
  layers: LayerEntryJson[];
}

export type LayerSeriesKey = 'weight_grad' | 'output_grad';

export interface LayerSeries {
  key: LayerSeriesKey;
  name: string;
  /** the drawn points: [position (0 = input layer), value > 0] */
  points: [number, number][];
}

/** A value the log axis does not show, and why. */
export interface SkippedValue {
  key: LayerSeriesKey;
  position: number;
  label: string;
  value: number | null;
  reason: 'zero' | 'negative' | 'missing';
}

export interface LayerRatio {
  /** positions of the first and last drawn points */
  first: number;
  last: number;
  /** value at `last` / value at `first` */
  ratio: number;
}

export interface LayerGradientModel {
  /** "0 linear", "1 sigmoid", ... in order, input layer first */
  labels: string[];
  types: string[];
  series: [LayerSeries, LayerSeries];
  skipped: SkippedValue[];
  /** positions of layers without weights (their ‖dL/dW‖ does not exist; nothing is skipped) */
  noWeights: number[];
  ratio: Record<LayerSeriesKey, LayerRatio | null>;
  /** the log axis's domain: whole decades around every drawn value ([0.1, 10] when none) */
  domain: [number, number];
  loss: number | null;
  batchSize: number | null;
}

export const SERIES_NAMES: Record<LayerSeriesKey, string> = {
  weight_grad: '‖∂L/∂W‖ weights',
  output_grad: '‖∂L/∂a‖ layer output',
};

const isBiasName = (name: string): boolean => (name.split('.').pop() ?? '').startsWith('bias');

/** True when the layer has weights (parameters other than biases), so ‖dL/dW‖ should exist. */
export function hasWeights(l: LayerEntryJson): boolean {
  if (l.parameters) return l.parameters.some((n) => !isBiasName(n));
  return l.weight_norm !== null || l.weight_grad_norm !== null;
}

export function layerLabel(l: LayerEntryJson): string {
  return `${l.index} ${l.type}`;
}

/**
 * The view's numbers. Points sit at the layer's position (0 = the input layer); a value of 0,
 * a negative one, or a null where the quantity should exist (not finite, or no gradient
 * reaches it) is not drawn on the log axis but listed in `skipped`. A layer without weights
 * has no ‖dL/dW‖ at all: it is in `noWeights`, not in `skipped`.
 */
export function layerGradientModel(s: LayersSnapshot): LayerGradientModel {
  const layers = Array.isArray(s.layers) ? s.layers : [];
  const labels = layers.map(layerLabel);
  const series: [LayerSeries, LayerSeries] = [
    { key: 'weight_grad', name: SERIES_NAMES.weight_grad, points: [] },
    { key: 'output_grad', name: SERIES_NAMES.output_grad, points: [] },
  ];
  const skipped: SkippedValue[] = [];
  const noWeights: number[] = [];
  const add = (target: LayerSeries, position: number, value: number | null): void => {
    if (typeof value === 'number' && Number.isFinite(value) && value > 0) target.points.push([position, value]);
    else
      skipped.push({
        key: target.key,
        position,
        label: labels[position]!,
        value: typeof value === 'number' && Number.isFinite(value) ? value : null,
        reason: value === 0 ? 'zero' : typeof value === 'number' && value < 0 ? 'negative' : 'missing',
      });
  };
  layers.forEach((l, i) => {
    if (hasWeights(l)) add(series[0], i, l.weight_grad_norm);
    else noWeights.push(i);
    add(series[1], i, l.output_grad_norm);
  });
  const ratioOf = (p: [number, number][]): LayerRatio | null =>
    p.length >= 2 ? { first: p[0]![0], last: p[p.length - 1]![0], ratio: p[p.length - 1]![1] / p[0]![1] } : null;
  return {
    labels,
    types: layers.map((l) => l.type),
    series,
    skipped,
    noWeights,
    ratio: { weight_grad: ratioOf(series[0].points), output_grad: ratioOf(series[1].points) },
    domain: logDomain([...series[0].points, ...series[1].points].map((p) => p[1])),
    loss: typeof s.loss === 'number' && Number.isFinite(s.loss) ? s.loss : null,
    batchSize: typeof s.batch_size === 'number' ? s.batch_size : null,
  };
}

/** Whole decades around the positive finite values (zeros and the rest ignored); [0.1, 10] when none. */
export function logDomain(values: ArrayLike<number | null | undefined>): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) continue;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  if (!(lo <= hi)) return [0.1, 10];
  let a = Math.floor(Math.log10(lo));
  let b = Math.ceil(Math.log10(hi));
  if (a === b) {
    a -= 1;
    b += 1;
  }
  return [pow10(a), pow10(b)];
}

/** The value of series `key` at `position`, or null when it is not drawn there. */
export function valueAt(series: LayerSeries, position: number): number | null {
  for (const [p, v] of series.points) if (p === position) return v;
  return null;
}

/** One sentence per kind of value left off the log axis ("" when none). */
export function skippedText(skipped: SkippedValue[]): string {
  const parts: string[] = [];
  for (const key of ['weight_grad', 'output_grad'] as const) {
    const name = key === 'weight_grad' ? '‖∂L/∂W‖' : '‖∂L/∂a‖';
    const zero = skipped.filter((s) => s.key === key && s.reason !== 'missing').map((s) => s.label);
    const missing = skipped.filter((s) => s.key === key && s.reason === 'missing').map((s) => s.label);
    if (zero.length) parts.push(`${name} is exactly 0 at ${listed(zero)}`);
    if (missing.length) parts.push(`${name} is missing (no gradient reaches it, or it is not a finite number) at ${listed(missing)}`);
  }
  return parts.length ? `Not drawn on the log axis: ${parts.join('; ')}.` : '';
}

function listed(labels: string[]): string {
  const named = labels.map((l) => `layer ${l}`);
  return named.length <= 4 ? named.join(', ') : `${named.slice(0, 3).join(', ')} and ${named.length - 3} more`;
}
