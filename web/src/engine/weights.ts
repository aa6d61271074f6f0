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
