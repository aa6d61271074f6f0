// Plain data the engine hands out, as the worker passes it to the page. These mirror
// bindings/wasm/README.md (the JS API of the wasm module) and core/inspect/json.cpp
// (snapshot shapes); nothing here is computed in the browser.

/** One problem in a spec, at a JSON pointer into it (RFC 6901), e.g. "/model/layers/1/out". */
export interface SpecIssue {
  pointer: string;
  message: string;
}

/** A layer's output shape and parameter count with the formula behind it. */
export interface LayerSummary {
  pointer: string; // "/model/layers/0"
  type: string;
  output: number[];
  parameters: number;
  formula: string; // "out*in + out = 8*2 + 8"
}

/** gradlab.validate(specText): checks a spec without building a model. */
export interface Validation {
  ok: boolean;
  issues: SpecIssue[];
  layers: LayerSummary[];
  input_shape: number[] | null;
  total_parameters: number;
}

/** One training step's (or an evaluation's) numbers; non-finite values arrive as null. */
export interface Metrics {
  step?: number;
  loss?: number | null;
  accuracy?: number | null;
  grad_norm?: number | null;
  lr?: number;
  [name: string]: number | string | null | undefined | object;
}

export interface ParamInfo {
  name: string; // PyTorch state_dict name, "layers.0.weight"
  shape: number[];
  count: number;
}

export interface ParamsInfo {
  parameters: ParamInfo[];
  total: number;
}

/** A tensor as the engine serialises it: row-major numbers with their shape. */
export interface TensorJson {
  shape: number[];
  data: number[];
}

/** An option of a built-in dataset, with the range the spec reader accepts. */
export interface DatasetOption {
  name: string;
  // 'number[]': a list of numbers (polynomial coefficients); 'points': clicked points
  // [[x, y, label], ...] (datasets `points`, `gan_points`).
  type: 'int' | 'number' | 'bool' | 'string' | 'number[]' | 'points';
  default: number | boolean | string | number[] | null;
  choices?: string[]; // a fixed list of allowed strings
  min?: number;
  max?: number;
  description?: string;
}

export interface DatasetInfo {
  name: string;
  task: string; // "classification", "regression", "sequence", "language_model", "seq2seq", "gan", "auto" (csv)
  description?: string;
  options: DatasetOption[];
}

/** An error from the engine, carried across the worker boundary as data. */
export interface EngineError {
  name: string; // "Error", "SpecError", "NonFiniteError", ...
  message: string;
  issues?: SpecIssue[];
  step?: number;
  where?: string;
  op?: string;
}

/** Any snapshot object (its shape depends on the name; see core/inspect/json.cpp). */
export type Snapshot = Record<string, unknown>;
