// The pure half of the "inside the network" views: engine snapshots (core/inspect/*.h,
// core/session/*_runner.cpp) -> the plain numbers each view draws and publishes as
// gradlabData. No DOM here, so test/unit/viz_inside.test.ts runs these on real fixtures.
//
// Shape letters: T time steps, H hidden units, Tq target (query) and Tk source (key) length.

import { formatNumber } from '../../viz/format';

export interface TensorJson {
  shape: number[];
  data: number[];
}

const isTensor = (v: unknown): v is TensorJson =>
  typeof v === 'object' && v !== null && Array.isArray((v as TensorJson).shape) && Array.isArray((v as TensorJson).data);

/** `t` as a row-major number[][] ([rows, cols]; a 1-D tensor is one row). */
export function toRows(t: TensorJson): number[][] {
  const rows = t.shape.length >= 2 ? t.shape[0]! : 1;
  const cols = rows > 0 ? t.data.length / rows : 0;
  const out: number[][] = [];
  for (let r = 0; r < rows; r++) out.push(t.data.slice(r * cols, (r + 1) * cols));
  return out;
}

// ---- params (histograms view) ------------------------------------------------------------

export interface HistogramJson {
  lo: number;
  hi: number;
  counts: number[];
  edges?: number[];
  below: number;
  above: number;
}

export interface TensorStatsJson {
  count: number;
  non_finite: number;
  norm: number;
  min: number | null;
  max: number | null;
  mean: number | null;
  std: number;
  histogram: HistogramJson;
}

/** One entry of the `params` snapshot (core/inspect/params.h ParameterStats). */
export interface ParameterStatsJson {
  name: string;
  shape: number[];
  value: TensorStatsJson;
  has_grad: boolean;
  grad: TensorStatsJson;
  /** share of elements with |w| < small_eps, and of exact zeros (newer engines) */
  small_fraction?: number;
  small_eps?: number;
  zero_fraction?: number;
}

export function histogramEdges(h: HistogramJson): number[] {
  if (h.edges && h.edges.length === h.counts.length + 1) return h.edges;
  const n = h.counts.length;
  return Array.from({ length: n + 1 }, (_, k) => h.lo + ((h.hi - h.lo) * k) / n);
}

/** A running record of every parameter's value norm and gradient norm, one point per snapshot. */
export interface NormHistory {
  x: number[]; // the training step of each snapshot (or its number, when the step is not known)
  names: string[];
  value: number[][]; // [parameter][point]
  grad: (number | null)[][]; // null before a backward reached the parameter
}

export function emptyNormHistory(): NormHistory {
  return { x: [], names: [], value: [], grad: [] };
}

/**
 * Appends one params snapshot at x (new parameters start empty; a snapshot identical to the
 * last one, or at the same x, replaces it instead of adding a point; an x before the last
 * one drops the points from x on: a reset to 0 starts the record over, an engine restored to
 * an earlier step after a trap keeps the history up to it). Keeps at most `cap`
 * points by dropping every second old point, so a long run stays cheap and still spans it.
 */
export function pushNorms(h: NormHistory, x: number, params: ParameterStatsJson[], cap = 400): NormHistory {
  const names = params.map((p) => p.name);
  const same = names.length === h.names.length && names.every((n, i) => n === h.names[i]);
  let out: NormHistory = same ? h : { x: [], names, value: names.map(() => []), grad: names.map(() => []) };
  if (same && out.x.length > 0 && x < out.x[out.x.length - 1]!) {
    // the run went back (Reset, or the engine restored an earlier step after a trap): the
    // history up to that step stays, what came after it is gone
    const keep = out.x.findIndex((s) => s >= x);
    const cut = <T>(a: T[]): T[] => a.slice(0, keep);
    out = { x: cut(out.x), names, value: out.value.map(cut), grad: out.grad.map(cut) };
  }
  const last = out.x.length - 1;
  const replace =
    last >= 0 &&
    (out.x[last] === x ||
      params.every((p, i) => out.value[i]![last] === p.value.norm && out.grad[i]![last] === (p.has_grad ? p.grad.norm : null)));
  if (replace) out.x[last] = x;
  else out.x.push(x);
  params.forEach((p, i) => {
    const g = p.has_grad ? p.grad.norm : null;
    if (replace) {
      out.value[i]![last] = p.value.norm;
      out.grad[i]![last] = g;
    } else {
      out.value[i]!.push(p.value.norm);
      out.grad[i]!.push(g);
    }
  });
  if (out.x.length > cap) {
    const keep = (_: unknown, k: number, a: unknown[]): boolean => k % 2 === 0 || k === a.length - 1;
    out.x = out.x.filter(keep);
    out.value = out.value.map((s) => s.filter(keep));
    out.grad = out.grad.map((s) => s.filter(keep));
  }
  return out;
}

// ---- recurrent (grad-through-time, gates) ------------------------------------------------

export interface GateMapJson {
  name: string;
  activation: string;
  mean: TensorJson; // [T, H]
  element: TensorJson | null;
  saturated_fraction: number;
  saturated_per_step: number[];
}

export interface RecurrentStreamJson {
  layer: number;
  direction: number;
  grad_norm: number[];
  has_grad: boolean;
  gates: GateMapJson[];
  /** LSTM only: ||dL/dc_t|| along the cell path and the mean forget gate per step. */
  cell_grad_norm?: number[];
  forget_gate_mean?: number[];
}

/** The `recurrent` snapshot (core/inspect/recurrent_probe.h RecurrentProbe). */
export interface RecurrentSnapshot {
  kind: string; // rnn_tanh | rnn_relu | lstm | gru
  T: number;
  B: number;
  H: number;
  batch_element: number | null;
  streams: RecurrentStreamJson[];
  thresholds?: { sigmoid_low: number; sigmoid_high: number; tanh_abs: number };
  /** The gates the layer's clamp takes (a coupled input-forget LSTM: i g o); older cores omit it. */
  clampable?: string[];
}

export function streamLabel(layer: number, direction: number, bidirectional: boolean): string {
  if (!bidirectional) return `layer ${layer}`;
  return direction === 0 ? `layer ${layer} forward →` : `layer ${layer} backward ←`;
}

export interface GradNormSeries {
  kind: string;
  T: number;
  labels: string[];
  norms: number[][]; // [stream][t] ||dL/dh_t||
  hasGrad: boolean[];
  /** Per stream: ||dL/dh_0|| / ||dL/dh_{T-1}|| (null without gradient); far below 1 means
   * that what the loss says at the end hardly reaches the start. */
  ratio: (number | null)[];
  /** LSTM: per stream ||dL/dc_t|| (empty for other cells), its first/last ratio, and the
   * mean forget gate over the steps (null when absent). */
  cellNorms: number[][];
  cellRatio: (number | null)[];
  forgetMean: (number | null)[];
}

export function gradNormSeries(s: RecurrentSnapshot): GradNormSeries {
  const bidi = s.streams.some((st) => st.direction === 1);
  const norms = s.streams.map((st) => st.grad_norm.map((v) => (Number.isFinite(v) ? v : NaN)));
  const cellNorms = s.streams.map((st) => (st.cell_grad_norm ?? []).map((v) => (Number.isFinite(v) ? v : NaN)));
  return {
    kind: s.kind,
    T: s.T,
    labels: s.streams.map((st) => streamLabel(st.layer, st.direction, bidi)),
    norms,
    hasGrad: s.streams.map((st) => st.has_grad),
    ratio: s.streams.map((st, i) => firstOverLast(st.has_grad, norms[i]!)),
    cellNorms,
    cellRatio: s.streams.map((st, i) => firstOverLast(st.has_grad, cellNorms[i]!)),
    forgetMean: s.streams.map((st) => {
      const f = (st.forget_gate_mean ?? []).filter((v) => Number.isFinite(v));
      return f.length > 0 ? f.reduce((a, b) => a + b, 0) / f.length : null;
    }),
  };
}

function firstOverLast(hasGrad: boolean, n: number[]): number | null {
  if (!hasGrad || n.length < 2) return null;
  const last = n[n.length - 1]!;
  return last > 0 ? n[0]! / last : null;
}

/** The gates the clamp control offers for a cell kind (contract: `i f g o` or `r z`). */
export function clampableGates(kind: string): string[] {
  if (kind === 'lstm') return ['i', 'f', 'g', 'o'];
  if (kind === 'gru') return ['r', 'z'];
  return [];
}

export const GATE_MEANING: Record<string, string> = {
  i: 'input gate i: how much of the new candidate enters the cell',
  f: 'forget gate f: how much of the old cell state is kept',
  g: 'candidate g: the new content (tanh)',
  o: 'output gate o: how much of the cell is shown as h',
  r: 'reset gate r: how much of h_{t-1} the candidate sees',
  z: 'update gate z: how much of h_{t-1} is kept (1 = keep)',
  n: 'candidate n: the new content (tanh)',
  h: 'hidden state h_t (an RNN has no gates)',
};

export interface GateView {
  name: string;
  activation: string;
  T: number;
  H: number;
  values: number[]; // [T * H] mean over the batch
  domain: [number, number]; // [0, 1] sigmoid, [-1, 1] tanh, [0, max] relu
  diverging: boolean;
  saturated_fraction: number;
  saturated_per_step: number[];
  mean: number;
}

export interface GateModel {
  kind: string;
  stream: string;
  T: number;
  H: number;
  gates: GateView[];
  clampable: string[];
}

export function gateModel(s: RecurrentSnapshot, streamIndex = 0): GateModel {
  const st = s.streams[streamIndex];
  const bidi = s.streams.some((x) => x.direction === 1);
  const gates: GateView[] = (st?.gates ?? []).map((g) => {
    const [T, H] = [g.mean.shape[0] ?? 0, g.mean.shape[1] ?? 0];
    const values = g.mean.data.map((v) => (Number.isFinite(v) ? v : NaN));
    let max = 0;
    let sum = 0;
    for (const v of values) {
      if (v > max) max = v;
      sum += Number.isFinite(v) ? v : 0;
    }
    const domain: [number, number] =
      g.activation === 'sigmoid' ? [0, 1] : g.activation === 'tanh' ? [-1, 1] : [0, Math.max(max, 1e-6)];
    return {
      name: g.name,
      activation: g.activation,
      T,
      H,
      values,
      domain,
      diverging: g.activation === 'tanh',
      saturated_fraction: g.saturated_fraction,
      saturated_per_step: g.saturated_per_step,
      mean: values.length ? sum / values.length : 0,
    };
  });
  return {
    kind: s.kind,
    stream: st ? streamLabel(st.layer, st.direction, bidi) : '',
    T: s.T,
    H: s.H,
    gates,
    clampable: s.clampable ?? clampableGates(s.kind),
  };
}

// ---- jacobian -----------------------------------------------------------------------------

/** One entry of the `jacobian` snapshot (core/inspect/recurrent_probe.h StepJacobian). */
export interface StepJacobianJson {
  layer: number;
  direction: number;
  batch_element: number;
  t: number;
  hh: TensorJson; // [H, H]
  hh_singular_values: number[];
  full: TensorJson | null; // LSTM [2H, 2H]
  full_singular_values: number[];
}

export interface JacobianModel {
  t: number[];
  /** [k][t]: the k-th largest singular value of dh_t/dh_{t-1} at each step */
  hh: number[][];
  /** LSTM: the same for the full state Jacobian d[h_t, c_t]/d[h_{t-1}, c_{t-1}]; else null */
  full: number[][] | null;
  /** prod over steps of the largest singular value: an upper bound on how much a gradient
   * can grow between the last step and step t (from the end back to t). */
  boundFromEnd: number[];
  H: number;
  layer: number;
  direction: number;
}

export function jacobianModel(entries: StepJacobianJson[], layer = 0, direction = 0): JacobianModel {
  const es = entries.filter((e) => e.layer === layer && e.direction === direction).sort((a, b) => a.t - b.t);
  const k = es.reduce((m, e) => Math.max(m, e.hh_singular_values.length), 0);
  const kf = es.reduce((m, e) => Math.max(m, e.full_singular_values?.length ?? 0), 0);
  const hh = Array.from({ length: k }, (_, i) => es.map((e) => e.hh_singular_values[i] ?? NaN));
  const full = kf > 0 ? Array.from({ length: kf }, (_, i) => es.map((e) => e.full_singular_values[i] ?? NaN)) : null;
  const top = (full ?? hh)[0] ?? [];
  // bound[t] = prod_{s = t+1 .. T-1} sigma_max(J_s): gradient at h_t vs at h_{T-1}
  const bound = new Array<number>(top.length).fill(1);
  for (let i = top.length - 2; i >= 0; i--) bound[i] = bound[i + 1]! * top[i + 1]!;
  return {
    t: es.map((e) => e.t),
    hh,
    full,
    boundFromEnd: bound,
    H: es[0]?.hh.shape[0] ?? 0,
    layer,
    direction,
  };
}

// ---- attention ----------------------------------------------------------------------------

/** The `attention` snapshot (core/inspect/attention_map.h AttentionMap). */
export interface AttentionSnapshot {
  batch_element: number;
  Tq: number;
  Tk: number;
  weights: TensorJson | number[][]; // [Tq, Tk]
  source_tokens: string[];
  target_tokens: string[];
  row_sums?: number[];
  argmax?: number[];
}

/** The contract's gradlabData for `attention`, plus each row's argmax. */
export interface AttentionModel {
  weights: number[][]; // [Tq][Tk]
  source_tokens: string[];
  target_tokens: string[];
  row_sums: number[];
  argmax: number[];
  /** each row's effective number of sources, exp(entropy): 1 one-hot, k even over k keys */
  spread: number[];
}

/** exp(-sum w log w) of one row of weights: how many keys it effectively draws on. */
export function effectiveSources(row: readonly number[]): number {
  let h = 0;
  for (const w of row) if (w > 0) h -= w * Math.log(w);
  return Math.exp(h);
}

export function attentionModel(s: AttentionSnapshot): AttentionModel {
  const weights = Array.isArray(s.weights) ? s.weights.map((r) => r.slice()) : toRows(s.weights);
  const Tk = s.Tk ?? weights[0]?.length ?? 0;
  const pos = (n: number): string[] => Array.from({ length: n }, (_, i) => String(i));
  const src = s.source_tokens?.length === Tk ? s.source_tokens.map(String) : pos(Tk);
  const tgt = s.target_tokens?.length === weights.length ? s.target_tokens.map(String) : pos(weights.length);
  const row_sums = weights.map((r) => r.reduce((a, b) => a + b, 0));
  const argmax = weights.map((r) => r.reduce((best, v, i) => (v > r[best]! ? i : best), 0));
  return { weights, source_tokens: src, target_tokens: tgt, row_sums, argmax, spread: weights.map(effectiveSources) };
}

// ---- self_attention -----------------------------------------------------------------------

/** The `self_attention` snapshot (core/session/self_attention.cpp): per layer, one map per head. */
export interface SelfAttentionSnapshot {
  split: string;
  index: number;
  tokens: string[]; // one per step, or [] (then positions)
  target?: TensorJson;
  output?: TensorJson;
  layers: Array<{ name: string; causal: boolean; num_heads: number; heads: AttentionSnapshot[] }>;
}

export interface SelfAttentionModel {
  tokens: string[]; // T labels (the tokens, or "0", "1", ...)
  layers: Array<{ name: string; causal: boolean; heads: AttentionModel[] }>;
}

/** Every head as an AttentionModel [T x T] with the example's tokens on both axes. */
export function selfAttentionModel(s: SelfAttentionSnapshot): SelfAttentionModel {
  const layers = s.layers.map((l) => ({
    name: l.name,
    causal: l.causal,
    heads: l.heads.map((h) => attentionModel({ ...h, source_tokens: s.tokens, target_tokens: s.tokens })),
  }));
  const T = layers[0]?.heads[0]?.source_tokens.length ?? s.tokens.length;
  const tokens = s.tokens.length === T ? s.tokens.map(String) : Array.from({ length: T }, (_, i) => String(i));
  return { tokens, layers };
}

// ---- gan ----------------------------------------------------------------------------------

/** `samples` snapshot (gan runner). */
export interface GanSamplesSnapshot {
  real: TensorJson; // [N, 2]
  generated: TensorJson; // [M, 2]
  generator_gradients?: TensorJson | null; // [M, 2]: the push -dL_G/dx on each sample
  modes?: TensorJson | null; // [K, 2]
}

/** `critic_field` snapshot (gan runner): D on a grid, row r = y index (row 0 at y_min). */
export interface CriticFieldSnapshot {
  x_range: [number, number];
  y_range: [number, number];
  resolution: number;
  values: TensorJson; // [resolution, resolution]
  generated?: TensorJson | null; // the samples the arrows start at
  generator_gradients?: TensorJson | null;
}

export interface CoverageSnapshot {
  modes_covered: number;
  num_modes: number;
  high_quality_fraction: number;
  threshold?: number;
  counts?: number[];
}

export interface GanInput {
  samples?: GanSamplesSnapshot;
  critic_field?: CriticFieldSnapshot;
  coverage?: CoverageSnapshot;
}

export interface GanModel {
  real: number[]; // flat [N * 2]
  generated: number[];
  arrows: { origins: number[]; vectors: number[] } | null;
  field: { nx: number; ny: number; values: number[]; xRange: [number, number]; yRange: [number, number] } | null;
  /** D's output is a probability (all values in [0, 1]) rather than an unbounded critic score */
  probability: boolean;
  valueRange: [number, number];
  modes: number[] | null;
  coverage: CoverageSnapshot | null;
}

export function ganModel(d: GanInput): GanModel {
  const s = d.samples;
  const f = d.critic_field;
  let arrows: GanModel['arrows'] = null;
  if (f?.generated && f.generator_gradients && f.generated.data.length === f.generator_gradients.data.length)
    arrows = { origins: f.generated.data, vectors: f.generator_gradients.data };
  else if (s?.generator_gradients && s.generator_gradients.data.length === s.generated.data.length)
    arrows = { origins: s.generated.data, vectors: s.generator_gradients.data };
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of f?.values.data ?? []) {
    if (!Number.isFinite(v)) continue;
    lo = Math.min(lo, v);
    hi = Math.max(hi, v);
  }
  if (!(lo <= hi)) [lo, hi] = [0, 1];
  const probability = lo >= 0 && hi <= 1;
  return {
    real: s?.real.data ?? [],
    generated: s?.generated.data ?? f?.generated?.data ?? [],
    arrows,
    field: f
      ? {
          nx: f.values.shape[1] ?? f.resolution,
          ny: f.values.shape[0] ?? f.resolution,
          values: f.values.data,
          xRange: f.x_range,
          yRange: f.y_range,
        }
      : null,
    probability,
    valueRange: probability ? [0, 1] : [lo, hi],
    modes: s?.modes && isTensor(s.modes) ? s.modes.data : null,
    coverage: d.coverage ?? null,
  };
}

/** GAN metrics rows -> the two players' loss series over steps. */
export function ganLossSeries(metrics: Array<Record<string, unknown>>): { step: number[]; d: (number | null)[]; g: (number | null)[] } {
  const out = { step: [] as number[], d: [] as (number | null)[], g: [] as (number | null)[] };
  metrics.forEach((m, i) => {
    if (!('d_loss' in m) && !('g_loss' in m)) return;
    const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);
    out.step.push(typeof m['step'] === 'number' ? (m['step'] as number) : i);
    out.d.push(num(m['d_loss']));
    out.g.push(num(m['g_loss']));
  });
  return out;
}

/**
 * Each player's loss as its own line: only the rows where that player moved. A step of one
 * player alone (the Step D / Step G buttons) leaves the other's value null in its row, and
 * a line through those nulls breaks at every one of them: stepping by hand drew nothing.
 */
export function ganLossLines(s: { step: number[]; d: (number | null)[]; g: (number | null)[] }): Record<'d' | 'g', { step: number[]; loss: number[] }> {
  const line = (ys: (number | null)[]): { step: number[]; loss: number[] } => {
    const out = { step: [] as number[], loss: [] as number[] };
    ys.forEach((v, i) => {
      if (v === null || !Number.isFinite(v)) return;
      out.step.push(s.step[i]!);
      out.loss.push(v);
    });
    return out;
  };
  return { d: line(s.d), g: line(s.g) };
}

// ---- graph --------------------------------------------------------------------------------

export interface GraphNodeJson {
  id: number;
  op: string;
  name: string;
  shape: number[];
  value: TensorJson | null;
  requires_grad: boolean;
  grad: TensorJson | null;
  inputs: number[];
}

export interface GraphEdgeJson {
  from: number;
  to: number;
  slot: number;
  local: number | null;
  has_local?: boolean;
}

/** A weight used at every step of an unrolled recurrent net, with the gradient each use contributed. */
export interface SharedLeafJson {
  name: string;
  node: number;
  grad: TensorJson | null;
  /** the sum of the contributions (equal to grad up to rounding: max_abs_difference) */
  sum: TensorJson | null;
  max_abs_difference: number;
  contributions: Array<{ step: number; edge: number; to: number; grad: TensorJson | null }>;
}

/** The `graph` snapshot (core/inspect/graph.h ComputationGraph). */
export interface GraphSnapshot {
  nodes: GraphNodeJson[];
  edges: GraphEdgeJson[];
  root: number;
  /** recurrent nets unrolled in time: each shared weight's per-step contributions */
  shared_leaves?: SharedLeafJson[];
}

/** One shared weight's gradient as the sum of its per-step contributions, in words. */
export interface SharedLeafSum {
  name: string;
  node: number;
  steps: number[];
  /** per step: the contribution (a number for a one-element weight, else its norm ‖·‖) */
  parts: number[];
  total: number;
  engine: number;
  scalar: boolean;
  text: string;
}

const norm = (v: number[]): number => Math.sqrt(v.reduce((s, x) => s + x * x, 0));

/**
 * The sums the graph view writes under an unrolled graph: for a one-element weight,
 * ∂L/∂w = c_1 + c_2 + ... = total (the engine's gradient beside it); for a larger weight,
 * the norm of each step's contribution and of their sum (norms do not add up: the sum is
 * of the tensors).
 */
export function sharedLeafSums(g: GraphSnapshot): SharedLeafSum[] {
  return (g.shared_leaves ?? []).map((leaf) => {
    const values = leaf.contributions.map((c) => (c.grad ? c.grad.data : []));
    const scalar = values.every((v) => v.length === 1);
    const parts = values.map((v) => (scalar ? v[0]! : norm(v)));
    const sum = leaf.sum ? leaf.sum.data : [];
    const engineValues = leaf.grad ? leaf.grad.data : [];
    const total = scalar ? (sum[0] ?? NaN) : norm(sum);
    const engine = scalar ? (engineValues[0] ?? NaN) : norm(engineValues);
    const steps = leaf.contributions.map((c) => c.step);
    const terms = parts.map((p, k) => `${formatNumber(p, 4)} (t=${steps[k]})`);
    // a sum written as one: "a + b − c", not "a + b + -c"
    const signed = parts.map((p, k) => (k === 0 ? terms[k]! : p < 0 ? `− ${formatNumber(-p, 4)} (t=${steps[k]})` : `+ ${terms[k]!}`));
    const text = scalar
      ? `∂L/∂${leaf.name} = ${signed.join(' ')} = ${formatNumber(total, 4)}; the engine's gradient: ${formatNumber(engine, 4)}`
      : `∂L/∂${leaf.name} is the sum of ${parts.length} per-step tensors, of norms ${terms.join(', ')}; ‖sum‖ = ${formatNumber(total, 4)}, the engine's ‖gradient‖: ${formatNumber(engine, 4)}`;
    return { name: leaf.name, node: leaf.node, steps, parts, total, engine, scalar, text };
  });
}

export interface LaidNode {
  id: number;
  label: string; // the parameter name, or the op
  op: string;
  kind: 'parameter' | 'input' | 'constant' | 'op' | 'loss';
  shape: number[];
  value: number[];
  grad: number[] | null;
  column: number;
  row: number;
  x: number; // centre, px
  y: number;
}

export interface LaidEdge {
  from: number;
  to: number;
  local: number | null;
  via: string[]; // ops folded into this edge (reshapes)
}

export interface GraphLayout {
  nodes: LaidNode[];
  edges: LaidEdge[];
  width: number;
  height: number;
  nodeWidth: number;
  nodeHeight: number;
  root: number;
}

export interface GraphLayoutOptions {
  hideReshapes?: boolean; // fold shape-only ops into the edges (default true)
  nodeWidth?: number;
  nodeHeight?: number;
  columnGap?: number;
  rowGap?: number;
}

const SHAPE_OPS = new Set(['reshape', 'view', 'flatten', 'squeeze', 'unsqueeze', 'expand', 'contiguous']);

/**
 * Left-to-right layout: a node's column is 1 + the largest column of its inputs (leaves sit
 * one column left of their first user); within a column nodes are ordered by the mean row of
 * their inputs, then spaced evenly. Reshapes (which change no number) are folded into edges.
 */
export function graphLayout(g: GraphSnapshot, o: GraphLayoutOptions = {}): GraphLayout {
  const nw = o.nodeWidth ?? 140;
  const nh = o.nodeHeight ?? 58;
  const cg = o.columnGap ?? 40;
  const rg = o.rowGap ?? 22;
  const byId = new Map(g.nodes.map((n) => [n.id, n]));
  const hide = o.hideReshapes !== false;
  const folded = (n: GraphNodeJson): boolean => hide && SHAPE_OPS.has(n.op) && n.inputs.length === 1 && n.id !== g.root;
  const local = new Map<string, number | null>();
  for (const e of g.edges) {
    const key = `${e.from}>${e.to}`;
    const v = e.local === null || e.local === undefined || e.has_local === false ? null : e.local;
    // a node used twice has two edges; their locals add (the chain rule's sum over uses)
    local.set(key, local.has(key) ? (local.get(key) === null || v === null ? null : local.get(key)! + v) : v);
  }
  // resolve an input id through folded reshapes: the visible source and the ops passed
  const resolve = (id: number): { id: number; via: string[]; local: number | null } => {
    let cur = id;
    const via: string[] = [];
    let l: number | null = 1;
    for (let guard = 0; guard < 1000; guard++) {
      const n = byId.get(cur);
      if (!n || !folded(n)) break;
      via.push(n.op);
      const e = local.get(`${n.inputs[0]}>${cur}`);
      l = l === null || e === null || e === undefined ? (n.value && n.value.data.length === 1 ? l : null) : l * e;
      cur = n.inputs[0]!;
    }
    return { id: cur, via, local: l };
  };
  const visible = g.nodes.filter((n) => !folded(n));
  const edges: LaidEdge[] = [];
  const inputsOf = new Map<number, number[]>();
  for (const n of visible) {
    const seen = new Set<number>();
    const ins: number[] = [];
    for (const i of n.inputs) {
      const r = resolve(i);
      if (seen.has(r.id)) continue;
      seen.add(r.id);
      ins.push(r.id);
      const direct = local.get(`${i}>${n.id}`);
      const l = direct === null || direct === undefined || r.local === null ? null : direct * r.local;
      edges.push({ from: r.id, to: n.id, local: l, via: r.via });
    }
    inputsOf.set(n.id, ins);
  }
  // columns: longest path from the leaves (ids are topologically ordered)
  const col = new Map<number, number>();
  for (const n of visible) {
    const ins = inputsOf.get(n.id)!;
    col.set(n.id, ins.length === 0 ? 0 : 1 + Math.max(...ins.map((i) => col.get(i) ?? 0)));
  }
  // pull leaves right, next to their first user
  for (const n of visible) {
    if (inputsOf.get(n.id)!.length > 0) continue;
    const users = edges.filter((e) => e.from === n.id).map((e) => col.get(e.to) ?? 1);
    if (users.length) col.set(n.id, Math.max(0, Math.min(...users) - 1));
  }
  const columns: number[][] = [];
  for (const n of visible) (columns[col.get(n.id)!] ??= []).push(n.id);
  const row = new Map<number, number>();
  columns.forEach((ids) => {
    const score = (id: number): number => {
      const ins = (inputsOf.get(id) ?? []).filter((i) => row.has(i));
      if (ins.length) return ins.reduce((s, i) => s + row.get(i)!, 0) / ins.length;
      // a leaf: near where its user's other inputs are
      const user = edges.find((e) => e.from === id)?.to;
      const sib = user !== undefined ? (inputsOf.get(user) ?? []).filter((i) => row.has(i)) : [];
      return sib.length ? sib.reduce((s, i) => s + row.get(i)!, 0) / sib.length + 0.5 : id * 1e-3;
    };
    const ordered = ids.map((id) => ({ id, s: score(id) })).sort((a, b) => a.s - b.s || a.id - b.id);
    // rows: at least the score (to keep lines straight), and strictly increasing
    let next = -Infinity;
    for (const { id, s } of ordered) {
      const r = Math.max(Math.round(s), next + 1, 0);
      row.set(id, r);
      next = r;
    }
  });
  const maxRow = Math.max(0, ...[...row.values()]);
  const nodes: LaidNode[] = visible.map((n) => {
    const c = col.get(n.id)!;
    const r = row.get(n.id)!;
    const isLeaf = n.inputs.length === 0;
    const kind: LaidNode['kind'] =
      n.id === g.root ? 'loss' : isLeaf && n.requires_grad ? 'parameter' : isLeaf || !n.requires_grad ? (n.op === 'leaf' ? 'constant' : 'input') : 'op';
    return {
      id: n.id,
      label: n.name || (kind === 'input' ? 'input x' : kind === 'constant' ? 'target / constant' : n.op),
      op: n.op,
      kind,
      shape: n.shape,
      value: n.value?.data ?? [],
      grad: n.grad?.data ?? null,
      column: c,
      row: r,
      x: 8 + c * (nw + cg) + nw / 2,
      y: 8 + r * (nh + rg) + nh / 2,
    };
  });
  const maxCol = Math.max(0, ...nodes.map((n) => n.column));
  return {
    nodes,
    edges,
    width: 16 + (maxCol + 1) * nw + maxCol * cg,
    height: 16 + (maxRow + 1) * nh + maxRow * rg,
    nodeWidth: nw,
    nodeHeight: nh,
    root: g.root,
  };
}

// ---- gradcheck ----------------------------------------------------------------------------

export interface GradcheckRow {
  name: string;
  shape: string; // "8×2"
  max_rel_error: number | null;
  max_abs_error: number | null;
  ok: boolean;
}

export interface GradcheckModel {
  ok: boolean;
  tolerance: number | null;
  eps: number | null;
  rows: GradcheckRow[];
}

/** session.checkGradients() ({parameters}) or the `gradcheck` snapshot ({entries}). */
export function gradcheckModel(r: Record<string, unknown>): GradcheckModel {
  const list = (r['parameters'] ?? r['entries'] ?? []) as Array<Record<string, unknown>>;
  const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);
  const rows = list.map((p) => ({
    name: String(p['name'] ?? ''),
    shape: Array.isArray(p['shape']) ? (p['shape'] as number[]).join('×') || 'scalar' : '',
    max_rel_error: num(p['max_rel_error']),
    max_abs_error: num(p['max_abs_error']),
    ok: p['ok'] === true,
  }));
  return { ok: r['ok'] === true && rows.every((x) => x.ok), tolerance: num(r['tolerance']), eps: num(r['eps']), rows };
}

// ---- predictions --------------------------------------------------------------------------

/**
 * The `predictions` snapshot (core/session supervised_runner.cpp and seq2seq_runner.cpp):
 *   {split: 'test' | 'train', kind: 'classes' | 'binary' | 'values' | 'tokens', task,
 *    examples: [{index, input, target, prediction,            // nested arrays / ids / numbers
 *                input_tokens?, target_tokens?, prediction_tokens?, accuracy?, correct?}]}
 */
export interface PredictionsSnapshot {
  split?: string;
  kind: string;
  task?: string;
  examples: Array<{
    index: number;
    input: unknown;
    target: unknown;
    prediction: unknown;
    input_tokens?: string[];
    target_tokens?: string[];
    prediction_tokens?: string[];
    accuracy?: number;
    correct?: boolean;
  }>;
}

export interface PredictionRow {
  label: 'input' | 'target' | 'predicted';
  cells: string[];
  wrong?: boolean[]; // predicted row only
}

export interface PredictionExample {
  index: number;
  rows: PredictionRow[];
  mismatches: number;
  accuracy: number | null;
}

/** A position's value as a short string: a one-hot vector as its index, numbers rounded. */
export function cellText(v: unknown): string {
  if (v === null || v === undefined) return '·';
  if (typeof v === 'number') return Number.isInteger(v) ? String(v) : formatNumber(v, Math.abs(v) >= 10 ? 3 : 2);
  if (typeof v === 'string') return v;
  if (Array.isArray(v)) {
    const flat = v.flat(Infinity) as unknown[];
    const nums = flat.filter((x): x is number => typeof x === 'number');
    if (nums.length === flat.length && nums.length > 1) {
      const ones = nums.filter((x) => x === 1).length;
      const zeros = nums.filter((x) => x === 0).length;
      if (ones === 1 && zeros === nums.length - 1) return String(nums.indexOf(1)); // one-hot
      if (zeros === nums.length) return '∅';
    }
    return flat.map(cellText).join(',');
  }
  return String(v);
}

/** The positions of a value: a sequence gives one cell per step; a scalar one cell. */
function cellsOf(v: unknown, tokens?: string[]): string[] {
  if (tokens) return tokens.map(String);
  if (Array.isArray(v)) return v.map(cellText);
  return [cellText(v)];
}

export function predictionsModel(s: PredictionsSnapshot, tolerance = 0.1): PredictionExample[] {
  return s.examples.map((e) => {
    const input = cellsOf(e.input, e.input_tokens);
    const target = cellsOf(e.target, e.target_tokens);
    const pred = cellsOf(e.prediction, e.prediction_tokens);
    const tnum = Array.isArray(e.target) ? (e.target.flat(Infinity) as unknown[]) : [e.target];
    const pnum = Array.isArray(e.prediction) ? (e.prediction.flat(Infinity) as unknown[]) : [e.prediction];
    const n = Math.max(target.length, pred.length);
    const wrong: boolean[] = [];
    for (let i = 0; i < pred.length; i++) {
      if (s.kind === 'values') {
        const a = tnum[i];
        const b = pnum[i];
        wrong.push(typeof a === 'number' && typeof b === 'number' ? Math.abs(a - b) > tolerance : false);
      } else wrong.push(i >= target.length || pred[i] !== target[i]);
    }
    const mismatches = wrong.filter(Boolean).length + Math.max(0, target.length - pred.length) * (s.kind === 'values' ? 0 : 1);
    return {
      index: e.index,
      rows: [
        { label: 'input', cells: input },
        { label: 'target', cells: target },
        { label: 'predicted', cells: pred, wrong },
      ],
      mismatches,
      accuracy: typeof e.accuracy === 'number' ? e.accuracy : n > 0 && s.kind !== 'values' ? 1 - mismatches / n : null,
    };
  });
}

// ---- text samples -------------------------------------------------------------------------

/** session.sample(...) result (core/session supervised_runner.cpp). */
export interface TextSample {
  text: string;
  tokens?: string[];
  prompt_tokens?: string[];
}
