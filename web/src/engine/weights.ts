// The `weights` snapshot, made in the worker from Session.parameters(): the engine's own
// snapshots carry statistics of the parameters (`params`: norms, histograms), not their
// values, and the network diagram draws values. Per parameter it keeps the head of the
// values (a matrix's first WEIGHTS_HEAD rows and columns, a vector's first WEIGHTS_HEAD
// entries), so a 64 x 64 layer costs 144 numbers a snapshot, plus the largest |value| and
// the norm over the whole tensor. Pure; unit-tested (test/unit/network_diagram.test.ts).
import type { ParamInfo } from './types';

/** Rows and columns of each parameter kept (the diagram shows at most this many units). */
export const WEIGHTS_HEAD = 12;
/** The name the worker offers this snapshot under (beside the engine's snapshot names). */
export const WEIGHTS_SNAPSHOT = 'weights';

export interface ParamHead {
  name: string; // PyTorch name, "layers.0.weight"
  shape: number[];
  /** rows and columns kept: a matrix [out, in...] keeps min(out, HEAD) x min(in..., HEAD) */
  rows: number;
  cols: number;
  /** values [rows x cols], row-major; element (r, c) is the tensor's [r, c] (its first column block) */
  head: number[];
  max_abs: number;
  norm: number;
}

export interface WeightsSnapshot {
  /** the spec's model section, as the engine runs it */
  model: Record<string, unknown>;
  parameters: ParamHead[];
}

export function paramHead(info: ParamInfo, values: ArrayLike<number>, head = WEIGHTS_HEAD): ParamHead {
  const shape = info.shape;
  const total = values.length;
  // a scalar or vector is one row; a matrix or higher keeps [first dim] x [the rest flattened]
  const outer = shape.length >= 2 ? shape[0]! : 1;
  const inner = outer > 0 ? total / outer : 0;
  const rows = Math.min(outer, head);
  const cols = Math.min(inner, head);
  const kept: number[] = [];
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) kept.push(values[r * inner + c]!);
  let maxAbs = 0;
  let sq = 0;
  for (let i = 0; i < total; i++) {
    const v = values[i]!;
    if (Math.abs(v) > maxAbs) maxAbs = Math.abs(v);
    sq += v * v;
  }
  return { name: info.name, shape: [...shape], rows, cols, head: kept, max_abs: maxAbs, norm: Math.sqrt(sq) };
}

export function weightsSnapshot(specText: string, params: ParamInfo[], values: Record<string, ArrayLike<number>>): WeightsSnapshot {
  let model: Record<string, unknown> = {};
  try {
    const spec = JSON.parse(specText) as { model?: Record<string, unknown> };
    model = spec.model ?? {};
  } catch {
    // the engine's own JSON; an unreadable one leaves the model unknown (blocks from names)
  }
  return {
    model,
    parameters: params.filter((p) => values[p.name] !== undefined).map((p) => paramHead(p, values[p.name]!)),
  };
}

/**
 * `unit_fields`: each unit's activation over the plane, for a model of 2-D inputs whose first
 * layers are Linear layers and activations. The engine has no per-unit field, but its `field`
 * snapshot of a model [N, 2] -> [N, C] holds all C outputs at every grid point; so for each
 * Linear layer k the worker builds the model cut after layer k (and the activations after it),
 * with every parameter pinned to the running session's values and the same data (so the same
 * grid), and takes that model's field. Offered when the session offers `field`.
 */
export const UNIT_FIELDS_SNAPSHOT = 'unit_fields';
/** every STRIDE-th grid point in each direction is kept (60 x 60 -> 20 x 20) */
export const UNIT_FIELD_STRIDE = 3;
/** a model per Linear layer costs a field evaluation each: the first few layers only */
export const UNIT_FIELD_MAX_LAYERS = 3;
const UNIT_FIELD_LAYERS = new Set(['linear', 'tanh', 'sigmoid', 'relu', 'gelu', 'leaky_relu']);

type SpecJson = { model?: { kind?: string; layers?: Array<{ type?: string }>; parameters?: unknown }; loss?: unknown; inspection?: unknown };

/** The Linear layers a unit field is made for: the first UNIT_FIELD_MAX_LAYERS before any other kind of layer. */
export function unitFieldLayers(specText: string): number[] {
  let spec: SpecJson;
  try {
    spec = JSON.parse(specText) as SpecJson;
  } catch {
    return [];
  }
  const layers = spec.model?.kind && spec.model.kind !== 'sequential' ? [] : (spec.model?.layers ?? []);
  const out: number[] = [];
  for (let i = 0; i < layers.length; i++) {
    const t = String(layers[i]?.type ?? '');
    if (!UNIT_FIELD_LAYERS.has(t)) break;
    if (t === 'linear') out.push(i);
  }
  return out.slice(0, UNIT_FIELD_MAX_LAYERS);
}

/** The spec of the model cut after Linear layer `k` (and the activations that follow it), parameters pinned. */
export function unitFieldSpec(specText: string, k: number, values: Record<string, ArrayLike<number>>, params: ParamInfo[]): string {
  const spec = JSON.parse(specText) as SpecJson & { model: { layers: Array<{ type?: string }> } };
  const layers = spec.model.layers;
  let end = k + 1;
  while (end < layers.length && UNIT_FIELD_LAYERS.has(String(layers[end]?.type)) && layers[end]?.type !== 'linear') end++;
  const pinned: Record<string, { shape: number[]; data: number[] }> = {};
  for (const p of params) {
    const i = Number(/^layers\.(\d+)\./.exec(p.name)?.[1] ?? NaN);
    if (i < end && values[p.name]) pinned[p.name] = { shape: p.shape, data: Array.from(values[p.name]!) };
  }
  spec.model = { ...spec.model, layers: layers.slice(0, end), parameters: pinned };
  spec.loss = { type: 'mse' }; // only the field is used; MSE takes any output width
  delete spec.inspection;
  return JSON.stringify(spec);
}

export interface UnitFieldLayer {
  layer: number; // the Linear layer's index in model.layers
  nx: number;
  ny: number;
  /** thumbnail point (i, j) is the field's grid point (stride·i, stride·j) of grid_nx x grid_ny */
  stride: number;
  grid_nx: number;
  grid_ny: number;
  /** per unit (the first WEIGHTS_HEAD): values [ny x nx], row 0 at y_min */
  units: Array<{ index: number; values: number[]; min: number; max: number }>;
}

export interface UnitFieldsSnapshot {
  /** the training step of the values it was made from */
  step: number;
  grid: { x_min: number; x_max: number; y_min: number; y_max: number } | null;
  layers: UnitFieldLayer[];
}

/** One cut model's `field` snapshot ([ny, nx, C] values) as thumbnails of its first units. */
export function unitFieldLayer(layer: number, field: { values: { shape: number[]; data: ArrayLike<number> } }, stride = UNIT_FIELD_STRIDE): UnitFieldLayer {
  // a field along a line (1-D inputs) has no plane to draw
  if (field.values.shape.length !== 3) return { layer, nx: 0, ny: 0, stride, grid_nx: 0, grid_ny: 0, units: [] };
  const [ny, nx, c] = field.values.shape as [number, number, number];
  const data = field.values.data;
  const sy = Math.ceil(ny / stride);
  const sx = Math.ceil(nx / stride);
  const units: UnitFieldLayer['units'] = [];
  for (let u = 0; u < Math.min(c, WEIGHTS_HEAD); u++) {
    const values: number[] = [];
    let min = Infinity;
    let max = -Infinity;
    for (let y = 0; y < ny; y += stride)
      for (let x = 0; x < nx; x += stride) {
        const v = data[(y * nx + x) * c + u]!;
        values.push(v);
        if (v < min) min = v;
        if (v > max) max = v;
      }
    units.push({ index: u, values, min, max });
  }
  return { layer, nx: sx, ny: sy, stride, grid_nx: nx, grid_ny: ny, units };
}
