// What the network diagram draws, from the worker's `weights` snapshot (the model's spec and
// the head of every parameter, src/engine/weights.ts): runs of Linear layers as columns of
// units joined by one edge per weight, everything else as blocks (a recurrent layer as a cell
// with its loop, an embedding, attention, a GAN's generator and critic as their own MLPs).
// Pure: the view (network-diagram.ts) lays it out and draws it; unit-tested in
// test/unit/network_diagram.test.ts.
import type { ParamHead, WeightsSnapshot } from '../../engine/weights';
import { diverging, rgbCss, type Rgb } from '../../viz/scales';

/** A column of at most this many units shows them all; a larger one its first SUMMARY_UNITS. */
export const MAX_UNITS = 12;
export const SUMMARY_UNITS = 8;

export interface Unit {
  index: number; // the unit's index in its layer (row of the weight / entry of the bias)
  bias: number | null;
}

export interface Column {
  label: string;
  size: number;
  /** the layer's activation applied to this column ("tanh"), or null (input, a plain output) */
  activation: string | null;
  units: Unit[]; // the ones drawn
  more: number; // size - units drawn
  biasParam: string | null;
  /** the index in model.layers of the Linear layer that makes this column (null: input, GAN) */
  layer: number | null;
}

export interface Edge {
  param: string; // the weight's PyTorch name
  from: number; // column index (in its stage) of the input unit
  row: number; // the output unit's index = the weight's row
  col: number; // the input unit's index = the weight's column
  weight: number;
}

export interface MlpStage {
  kind: 'mlp';
  title: string;
  columns: Column[];
  edges: Edge[];
  /** every weight of the stage's Linear layers (the drawn edges are all of them unless summarised) */
  weightCount: number;
  /** largest |w| over the stage's weights (whole tensors): edge width and colour scale */
  maxAbs: number;
  maxAbsBias: number;
}

export interface RecurrentInfo {
  cell: 'rnn' | 'lstm' | 'gru';
  input: number;
  hidden: number;
  layers: number;
  bidirectional: boolean;
  nonlinearity: string;
}

export interface BlockStage {
  kind: 'block';
  type: string; // layer type or role: "rnn", "lstm", "embedding", "attention", "last_step", ...
  title: string;
  lines: string[];
  params: Array<{ name: string; shape: number[]; norm: number }>;
  recurrent: RecurrentInfo | null;
}

export type Stage = MlpStage | BlockStage;

export interface DiagramRow {
  title: string | null;
  stages: Stage[];
}

export interface Diagram {
  kind: string; // "sequential", "seq2seq", "gan", or the model's kind
  rows: DiagramRow[];
}

const ACTIVATIONS = new Set(['tanh', 'sigmoid', 'relu', 'gelu', 'leaky_relu', 'softmax', 'log_softmax']);
const RECURRENT = new Set(['rnn', 'lstm', 'gru']);

/** Edge colour: the diverging palette's blue for a negative weight, red for a positive one, never the near-white middle. */
export function edgeRgb(w: number, maxAbs: number): Rgb {
  const m = maxAbs > 0 && Number.isFinite(maxAbs) ? maxAbs : 1;
  const t = Math.min(1, Math.abs(w) / m);
  return diverging(Math.sign(w) * (0.45 + 0.55 * t), 1);
}

export function edgeColor(w: number, maxAbs: number): string {
  return rgbCss(edgeRgb(w, maxAbs));
}

/** Edge width in px: 0.6 (w = 0) to 4.5 (the largest |w| of its stage). */
export function edgeWidth(w: number, maxAbs: number): number {
  const m = maxAbs > 0 && Number.isFinite(maxAbs) ? maxAbs : 1;
  return 0.6 + 3.9 * Math.min(1, Math.abs(w) / m);
}

/** A unit's fill from its bias (light at 0); no bias: the plain background. */
export function biasColor(b: number | null, maxAbs: number): string | null {
  return b === null ? null : rgbCss(diverging(b, maxAbs > 0 ? maxAbs : 1));
}

/** Which of `size` units a column draws: all up to MAX_UNITS, else the first SUMMARY_UNITS. */
export function shownCount(size: number): number {
  return size <= MAX_UNITS ? size : SUMMARY_UNITS;
}

/** A weight's value from its head, or null when outside the head (never, for drawn units). */
export function headValue(p: ParamHead | undefined, row: number, col: number): number | null {
  if (!p || row >= p.rows || col >= p.cols) return null;
  return p.head[row * p.cols + col] ?? null;
}

function column(label: string, size: number, activation: string | null, bias: ParamHead | undefined, layer: number | null = null): Column {
  const n = shownCount(size);
  const units: Unit[] = [];
  for (let i = 0; i < n; i++) units.push({ index: i, bias: bias ? headValue(bias, 0, i) : null });
  return { label, size, activation, units, more: size - n, biasParam: bias?.name ?? null, layer };
}

/** Builds MLP stages from Linear layers in order; the caller says where each one's weight and bias live. */
class MlpBuilder {
  private stage: MlpStage | null = null;
  constructor(private readonly title: string) {}

  /** A Linear layer [out, in]; `inputLabel` names the first column when this starts a run. */
  linear(weight: ParamHead, bias: ParamHead | undefined, inputLabel: string, outputLabel: string, layer: number | null = null): void {
    const [out, inp] = [weight.shape[0] ?? 0, weight.shape[1] ?? 0];
    if (!this.stage) {
      this.stage = { kind: 'mlp', title: this.title, columns: [column(inputLabel, inp, null, undefined)], edges: [], weightCount: 0, maxAbs: 0, maxAbsBias: 0 };
    }
    const s = this.stage;
    const from = s.columns.length - 1;
    const prev = s.columns[from]!;
    const next = column(outputLabel, out, null, bias, layer);
    s.columns.push(next);
    for (const u of next.units) {
      for (const v of prev.units) s.edges.push({ param: weight.name, from, row: u.index, col: v.index, weight: headValue(weight, u.index, v.index) ?? NaN });
    }
    s.weightCount += out * inp;
    s.maxAbs = Math.max(s.maxAbs, weight.max_abs);
    if (bias) s.maxAbsBias = Math.max(s.maxAbsBias, bias.max_abs);
  }

  /** The activation that follows the last Linear layer. */
  activate(name: string): void {
    const last = this.stage?.columns[this.stage.columns.length - 1];
    if (last && this.stage!.columns.length > 1) last.activation = last.activation ? `${last.activation}, ${name}` : name;
  }

  get open(): boolean {
    return this.stage !== null;
  }

  /** Names the last column (e.g. "output"). */
  relabelLast(label: string): void {
    const last = this.stage?.columns[this.stage.columns.length - 1];
    if (last) last.label = label;
  }

  close(): MlpStage | null {
    const s = this.stage;
    this.stage = null;
    return s;
  }
}

function shapeText(shape: number[]): string {
  return shape.join('×');
}

function blockParams(params: ParamHead[]): BlockStage['params'] {
  return params.map((p) => ({ name: p.name, shape: p.shape, norm: p.norm }));
}

function recurrentBlock(type: string, layer: Record<string, unknown>, params: ParamHead[], title?: string): BlockStage {
  const cell = type as RecurrentInfo['cell'];
  const rec: RecurrentInfo = {
    cell,
    input: Number(layer['input_size'] ?? 0),
    hidden: Number(layer['hidden_size'] ?? 0),
    layers: Number(layer['num_layers'] ?? 1),
    bidirectional: layer['bidirectional'] === true,
    nonlinearity: cell === 'rnn' ? String(layer['nonlinearity'] ?? 'tanh') : cell === 'lstm' ? 'gates i, f, g, o' : 'gates r, z, n',
  };
  const lines = [
    `${rec.input} → ${rec.hidden}${rec.bidirectional ? ' ×2 directions' : ''}${rec.layers > 1 ? `, ${rec.layers} layers` : ''}`,
    cell === 'rnn' ? `h_t = ${rec.nonlinearity}(W_ih x_t + W_hh h_{t−1} + b)` : `${rec.nonlinearity}; W_hh feeds h_{t−1} back`,
  ];
  return { kind: 'block', type, title: title ?? `${cell.toUpperCase()} cell`, lines, params: blockParams(params), recurrent: rec };
}

function plainBlock(type: string, layer: Record<string, unknown>, params: ParamHead[]): BlockStage {
  const fields = Object.entries(layer)
    .filter(([k, v]) => k !== 'type' && (typeof v === 'number' || typeof v === 'string' || typeof v === 'boolean'))
    .map(([k, v]) => `${k} ${String(v)}`);
  const lines = [fields.join(', ') || 'no parameters', ...params.map((p) => `${p.name.split('.').pop()} ${shapeText(p.shape)}`)];
  return { kind: 'block', type, title: type.replace(/_/g, ' '), lines, params: blockParams(params), recurrent: null };
}

/**
 * The layer list as stages. `tail`: a Linear layer after the list (a diffusion model's `out`),
 * with the label of its output; `input`: the first column's label.
 */
function sequential(model: Record<string, unknown>, byName: Map<string, ParamHead>, all: ParamHead[], tail?: { name: string; label: string }, input = 'input'): DiagramRow {
  const layers = Array.isArray(model['layers']) ? (model['layers'] as Array<Record<string, unknown>>) : [];
  const stages: Stage[] = [];
  const mlp = new MlpBuilder('');
  let lastBlock = input;
  const flush = (): void => {
    const s = mlp.close();
    if (s) stages.push(s);
  };
  let linearSeen = 0;
  const linearTotal = layers.filter((l) => l['type'] === 'linear').length;
  layers.forEach((layer, i) => {
    const type = String(layer['type'] ?? '');
    const prefix = `layers.${i}.`;
    const own = all.filter((p) => p.name.startsWith(prefix));
    const weight = byName.get(`${prefix}weight`);
    if (type === 'linear' && weight && weight.shape.length === 2) {
      linearSeen++;
      const label = !tail && linearSeen === linearTotal && i >= layers.length - 2 ? 'output' : `hidden ${linearSeen}`;
      mlp.linear(weight, byName.get(`${prefix}bias`), lastBlock, label, i);
      return;
    }
    if (ACTIVATIONS.has(type) && mlp.open) {
      mlp.activate(type);
      return;
    }
    if (type === 'dropout' && mlp.open) {
      mlp.activate(`dropout ${String(layer['p'] ?? 0.5)}`);
      return;
    }
    flush();
    stages.push(RECURRENT.has(type) ? recurrentBlock(type, layer, own) : plainBlock(type, layer, own));
    lastBlock = `from ${type.replace(/_/g, ' ')}`;
  });
  const out = tail ? byName.get(`${tail.name}.weight`) : undefined;
  if (tail && out && out.shape.length === 2) mlp.linear(out, byName.get(`${tail.name}.bias`), lastBlock, tail.label);
  flush();
  return { title: null, stages };
}

/** A GAN's generator or critic: its Linear layers `<prefix>.<k>.weight` in order, activations between. */
function ganMlp(prefix: string, title: string, inputLabel: string, outputLabel: string, activation: string, all: ParamHead[], byName: Map<string, ParamHead>): DiagramRow {
  const weights = all
    .filter((p) => p.name.startsWith(`${prefix}.`) && p.name.endsWith('.weight') && p.shape.length === 2)
    .sort((a, b) => Number(a.name.split('.')[1]) - Number(b.name.split('.')[1]));
  const mlp = new MlpBuilder(title);
  weights.forEach((w, k) => {
    mlp.linear(w, byName.get(w.name.replace(/weight$/, 'bias')), inputLabel, k === weights.length - 1 ? outputLabel : `hidden ${k + 1}`);
    if (k < weights.length - 1) mlp.activate(activation);
  });
  const s = mlp.close();
  return { title, stages: s ? [s] : [] };
}

/** Parameters grouped by module (the name without its last part), in the engine's order. */
function modules(all: ParamHead[]): Array<{ path: string; params: ParamHead[] }> {
  const out: Array<{ path: string; params: ParamHead[] }> = [];
  for (const p of all) {
    const path = p.name.split('.').slice(0, -1).join('.');
    const group = out.find((g) => g.path === path);
    if (group) group.params.push(p);
    else out.push({ path, params: [p] });
  }
  return out;
}

function seq2seq(model: Record<string, unknown>, all: ParamHead[]): DiagramRow[] {
  const cell = String(model['cell'] ?? 'gru');
  const rowOf = (side: 'encoder' | 'decoder'): DiagramRow => {
    const stages: Stage[] = [];
    // the decoder reads: its embedding, its cell, attention over the encoder, combine, out
    const rank = (path: string): number => ['embedding', 'rnn', 'attention', 'combine', 'out'].findIndex((k) => path.includes(k)) >>> 0;
    const groups = modules(all)
      .filter((g) => g.path.startsWith(`${side}.`) || (side === 'decoder' && g.path.startsWith('attention')))
      .sort((a, b) => rank(a.path) - rank(b.path));
    for (const g of groups) {
      const part = g.path.split('.').slice(1).join('.') || g.path;
      const shape = (n: string): number[] => g.params.find((p) => p.name.endsWith(n))?.shape ?? [];
      if (g.params.some((p) => p.name.includes('weight_hh'))) {
        const ih = shape('weight_ih_l0');
        const hh = shape('weight_hh_l0');
        const gates = cell === 'lstm' ? 4 : cell === 'gru' ? 3 : 1;
        const layer = { input_size: ih[1] ?? 0, hidden_size: hh[1] ?? (hh[0] ?? 0) / gates, bidirectional: g.params.some((p) => p.name.endsWith('_reverse')), num_layers: model['num_layers'] ?? 1 };
        stages.push(recurrentBlock(cell, layer, g.params, `${side === 'encoder' ? 'Encoder' : 'Decoder'} ${cell.toUpperCase()}`));
      } else if (g.path.startsWith('attention')) {
        stages.push({ kind: 'block', type: 'attention', title: `Attention (${String(model['attention'] ?? 'general')})`, lines: ['scores over the encoder outputs', 'softmax → weights → context', ...g.params.map((p) => `${p.name} ${shapeText(p.shape)}`)], params: blockParams(g.params), recurrent: null });
      } else {
        const w = g.params.find((p) => p.name.endsWith('.weight'));
        const type = part === 'embedding' ? 'embedding' : 'linear';
        const lines =
          type === 'embedding'
            ? [`${w?.shape[0] ?? '?'} tokens → ${w?.shape[1] ?? '?'}`]
            : part === 'combine'
              ? ['tanh(W_c [context; state])', `${w?.shape[1] ?? '?'} → ${w?.shape[0] ?? '?'}`]
              : [`${w?.shape[1] ?? '?'} → ${w?.shape[0] ?? '?'} logits`];
        stages.push({ kind: 'block', type, title: part, lines, params: blockParams(g.params), recurrent: null });
      }
    }
    return { title: side === 'encoder' ? 'Encoder (reads the source)' : 'Decoder (writes the target, attending to the encoder)', stages };
  };
  return [rowOf('encoder'), rowOf('decoder')];
}

/** The diagram of a `weights` snapshot. */
export function buildDiagram(snap: WeightsSnapshot): Diagram {
  const model = snap.model ?? {};
  const all = snap.parameters ?? [];
  const byName = new Map(all.map((p) => [p.name, p]));
  const kind = typeof model['kind'] === 'string' ? (model['kind'] as string) : 'sequential';
  if (kind === 'gan') {
    const act = (k: string): string => String(model[k] ?? 'relu');
    return {
      kind,
      rows: [
        ganMlp('generator', 'Generator: noise z → a 2-D sample', `noise z`, 'sample (x, y)', act('generator_activation'), all, byName),
        ganMlp('discriminator', 'Critic: a point (x, y) → its score', 'point (x, y)', 'score', act('discriminator_activation'), all, byName),
      ],
    };
  }
  if (kind === 'seq2seq') return { kind, rows: seq2seq(model, all) };
  // a DDPM: the layer list sees [x_t, embed(t)], then Linear `out` predicts the noise
  if (kind === 'diffusion') return { kind, rows: [sequential(model, byName, all, { name: 'out', label: 'noise ε̂' }, '[x_t, embed(t)]')] };
  if (kind === 'sequential') return { kind, rows: [sequential(model, byName, all)] };
  // an unknown kind: one block per module, honestly labelled
  return { kind, rows: [{ title: null, stages: modules(all).map((g) => plainBlock(g.path, {}, g.params)) }] };
}

/** Every MLP stage of a diagram. */
export function mlpStages(d: Diagram): MlpStage[] {
  return d.rows.flatMap((r) => r.stages.filter((s): s is MlpStage => s.kind === 'mlp'));
}
