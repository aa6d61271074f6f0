// The model section of an experiment spec as a form: which fields each layer type has
// (with defaults and ranges, as core/spec/layer_spec.cpp and model_kinds.cpp read them),
// the spec -> form mapping, and the edits the form makes (add, remove, move, retype,
// set a field), each returning a new spec that keeps the layer chain consistent and keeps
// every field the form does not know about. Pure: no DOM. docs/spec.md is the reference;
// the core's validator stays the judge of what is valid.

import type { JsonValue } from './json_pointer_map';
import { formatPointer } from './json_pointer_map';

export type JsonObject = { [key: string]: JsonValue };

export type FieldKind = 'int' | 'number' | 'bool' | 'enum' | 'widths';

/** One field of a layer (or of a seq2seq/gan model) as the core reads it. */
export interface FieldDef {
  /** Path below the layer (or model) object; one key except for nested optimizer fields. */
  path: readonly string[];
  label: string;
  kind: FieldKind;
  /** The value the core uses when the field is absent; undefined = required. */
  default?: JsonValue;
  /** Words for a default that is not a constant ("= kernel_size", "PyTorch's"). */
  defaultText?: string;
  min?: number;
  max?: number;
  options?: readonly string[];
  help?: string;
  /** 'input': must equal the width flowing in; 'output': sets the width flowing out. */
  role?: 'input' | 'output';
  /** An init scale field: shown only while the initialisation in force is one of these (or the field is set). */
  forInits?: readonly string[];
}

export interface LayerTypeDef {
  type: string;
  group: 'dense' | 'activation' | 'recurrent' | 'sequence' | 'attention' | 'conv' | 'regularise' | 'block';
  summary: string;
  fields: readonly FieldDef[];
}

const MAX_SIZE = 1 << 16;
export const INITS = ['default', 'uniform', 'normal', 'xavier_uniform', 'xavier_normal', 'kaiming_uniform', 'kaiming_normal', 'orthogonal'] as const;

const f = (key: string, label: string, kind: FieldKind, rest: Partial<FieldDef> = {}): FieldDef => ({ path: [key], label, kind, ...rest });
const ROLE_HELP = { input: 'must equal the features coming in', output: 'the features this layer passes on' };
const size = (key: string, label: string, role?: 'input' | 'output', help?: string): FieldDef =>
  f(key, label, 'int', { min: 1, max: MAX_SIZE, ...(role ? { role } : {}), ...(help ?? (role && ROLE_HELP[role]) ? { help: help ?? ROLE_HELP[role!] } : {}) });
const init = f('init', 'weight initialisation', 'enum', { options: INITS, default: 'default', help: "default: PyTorch's for this layer; biases keep theirs" });
const KAIMING = ['kaiming_uniform', 'kaiming_normal'] as const;
/** The scale fields each initialiser takes (torch.nn.init's arguments; core/spec/layer_spec.cpp scale_fields_of). */
export const INIT_SCALE_FIELDS: readonly FieldDef[] = [
  f('init_std', 'init standard deviation', 'number', { min: 0, max: 100, default: 0.1, forInits: ['normal'], help: 'normal: N(0, std²); 0 gives all-zero weights' }),
  f('init_bound', 'init bound', 'number', { min: 0, max: 100, default: 0.1, forInits: ['uniform'], help: 'uniform: U(−bound, bound); 0 gives all-zero weights' }),
  f('init_gain', 'init gain', 'number', { min: 0, max: 100, default: 1, forInits: ['xavier_uniform', 'xavier_normal', 'orthogonal'], help: 'scales the Xavier range, or the orthogonal matrix (W Wᵀ = gain² I)' }),
  f('init_a', 'init negative slope a', 'number', { min: 0, max: 100, default: 0, forInits: KAIMING, help: 'the leaky relu slope in the Kaiming gain √(2/(1+a²)); only with the leaky_relu nonlinearity' }),
  f('init_mode', 'init fan mode', 'enum', { options: ['fan_in', 'fan_out'], default: 'fan_in', forInits: KAIMING, help: 'fan_in keeps the forward pass’s variance, fan_out the backward pass’s' }),
  f('init_nonlinearity', 'init gain for', 'enum', {
    options: ['leaky_relu', 'linear', 'conv1d', 'conv2d', 'conv3d', 'sigmoid', 'tanh', 'relu', 'selu'],
    default: 'leaky_relu',
    forInits: KAIMING,
    help: 'the activation after this layer: gain 1, 5/3 (tanh), √2 (relu), √(2/(1+a²)) (leaky_relu), 3/4 (selu)',
  }),
];
const INIT_KEYS = new Set(INIT_SCALE_FIELDS.map((d) => d.path[0]!));
const withInit = [init, ...INIT_SCALE_FIELDS];
const bias = f('bias', 'bias', 'bool', { default: true, help: 'learn an additive bias' });
const recurrent = (extra: FieldDef[]): FieldDef[] => [
  size('input_size', 'input size (features per step)', 'input'),
  size('hidden_size', 'hidden size', 'output'),
  f('num_layers', 'stacked layers', 'int', { min: 1, max: 16, default: 1 }),
  f('bidirectional', 'bidirectional', 'bool', { default: false, help: 'a second pass backwards in time; doubles the output features' }),
  bias,
  ...extra,
  ...withInit,
];
const activation = (type: string, summary: string): LayerTypeDef => ({ type, group: 'activation', summary, fields: [] });

/** Every layer type the core accepts, in the order the "add layer" menu lists them. */
export const LAYER_TYPES: readonly LayerTypeDef[] = [
  { type: 'linear', group: 'dense', summary: 'y = x·Wᵀ + b on the last dimension', fields: [size('in', 'in (input features)', 'input'), size('out', 'out (output features)', 'output'), bias, ...withInit] },
  activation('tanh', 'squashes each value into (-1, 1)'),
  activation('sigmoid', 'squashes each value into (0, 1)'),
  activation('relu', 'max(0, x) for each value'),
  { type: 'leaky_relu', group: 'activation', summary: 'x, or slope·x for negative x', fields: [f('slope', 'slope for negative inputs', 'number', { min: 0, max: 1, default: 0.01 })] },
  activation('gelu', 'a smooth relu: x·Φ(x)'),
  activation('softmax', 'turns the last dimension into probabilities'),
  activation('log_softmax', 'log of softmax (pairs with the nll loss)'),
  { type: 'rnn', group: 'recurrent', summary: 'h_t = nonlinearity(W_ih x_t + W_hh h_(t-1) + b)', fields: recurrent([f('nonlinearity', 'nonlinearity', 'enum', { options: ['tanh', 'relu'], default: 'tanh' })]) },
  {
    type: 'lstm',
    group: 'recurrent',
    summary: 'long short-term memory: gates i, f, g, o and a cell state',
    fields: recurrent([
      f('peephole', 'peephole connections', 'bool', { default: false, help: 'gates also look at the cell state' }),
      f('coupled_input_forget', 'coupled input-forget gate', 'bool', { default: false, help: 'f = 1 − i: gate rows i, g, o only, ¾ of the gate parameters (not in PyTorch)' }),
      f('proj_size', 'projection size', 'int', { min: 0, max: MAX_SIZE, default: 0, help: "PyTorch's proj_size: h_t = W_hr(o ⊙ tanh c_t) has this many features (0: none; below hidden size)" }),
      f('forget_bias', 'forget-gate bias', 'number', { min: -100, max: 100, defaultText: "PyTorch's init", help: 'a positive value (like 1) helps remember for longer' }),
    ]),
  },
  {
    type: 'gru',
    group: 'recurrent',
    summary: 'gated recurrent unit: gates r, z, n',
    fields: recurrent([
      f('reset', 'reset gate placement', 'enum', { options: ['after', 'before'], default: 'after', help: "after: PyTorch's n = tanh(W_in x + r ⊙ (W_hn h + b_hn)); before: the 2014 original, W_hn (r ⊙ h)" }),
    ]),
  },
  { type: 'last_step', group: 'sequence', summary: 'keeps only the last time step: [B, T, H] → [B, H]', fields: [] },
  {
    type: 'final_state',
    group: 'sequence',
    summary: 'the final hidden states h_n of the recurrent layer before it: [B, T, D·H] → [B, D·H] (both directions: forward at t = T−1, backward at t = 0)',
    fields: [],
  },
  { type: 'mean_pool', group: 'sequence', summary: 'the mean over the time steps: [B, T, H] → [B, H] (x.mean(dim=1))', fields: [] },
  { type: 'embedding', group: 'sequence', summary: 'a learned vector for each token id', fields: [f('num_embeddings', 'vocabulary size', 'int', { min: 1, max: 1 << 20 }), size('embedding_dim', 'embedding size', 'output')] },
  {
    type: 'positional',
    group: 'sequence',
    summary: 'adds position information to each time step',
    fields: [f('kind', 'kind', 'enum', { options: ['sinusoidal', 'learned'], default: 'sinusoidal' }), f('max_len', 'longest sequence', 'int', { min: 1, max: 1 << 16 }), size('dim', 'dimension', 'input')],
  },
  {
    type: 'layer_norm',
    group: 'attention',
    summary: 'normalises each position over its last dimension, then a learned scale and shift (nn.LayerNorm)',
    fields: [
      size('normalized_shape', 'normalised size D', 'input'),
      f('eps', 'eps', 'number', { min: 0, max: 1, default: 1e-5 }),
      f('elementwise_affine', 'learned scale and shift', 'bool', { default: true, help: 'weight [D] (ones) and bias [D] (zeros)' }),
    ],
  },
  {
    type: 'multihead_attention',
    group: 'attention',
    summary: 'self-attention: every step attends over the steps, query = key = value = input (nn.MultiheadAttention)',
    fields: [
      size('embed_dim', 'embedding size E', 'input'),
      f('num_heads', 'heads', 'int', { min: 1, max: 64, help: 'must divide E; each head gets E / heads columns' }),
      f('causal', 'causal', 'bool', { default: false, help: 'a step attends only to itself and earlier steps' }),
      f('dropout', 'attention dropout', 'number', { min: 0, max: 0.99, default: 0 }),
    ],
  },
  {
    type: 'transformer_encoder_layer',
    group: 'attention',
    summary: 'self-attention then a feed-forward block, each with a residual connection and layer norm (nn.TransformerEncoderLayer)',
    fields: [
      size('d_model', 'model size E', 'input'),
      f('nhead', 'heads', 'int', { min: 1, max: 64, help: 'must divide E' }),
      f('dim_feedforward', 'feed-forward size', 'int', { min: 1, max: MAX_SIZE, default: 2048 }),
      f('activation', 'feed-forward activation', 'enum', { options: ['relu', 'gelu'], default: 'relu' }),
      f('norm_first', 'layer norm first', 'bool', { default: false, help: 'pre-norm: x + f(norm(x)) instead of norm(x + f(x))' }),
      f('dropout', 'dropout', 'number', { min: 0, max: 0.99, default: 0, help: 'PyTorch’s default is 0.1' }),
      f('layer_norm_eps', 'layer norm eps', 'number', { min: 0, max: 1, default: 1e-5 }),
      f('causal', 'causal', 'bool', { default: false, help: 'a step attends only to itself and earlier steps' }),
    ],
  },
  {
    type: 'conv2d',
    group: 'conv',
    summary: '2-D convolution over [N, C, H, W] images',
    fields: [
      size('in_channels', 'input channels', 'input'),
      size('out_channels', 'output channels', 'output'),
      f('kernel_size', 'kernel size', 'int', { min: 1, max: 64 }),
      f('stride', 'stride', 'int', { min: 1, max: 64, default: 1 }),
      f('padding', 'padding', 'int', { min: 0, max: 64, default: 0 }),
      bias,
      ...withInit,
    ],
  },
  ...(['max_pool2d', 'avg_pool2d'] as const).map(
    (type): LayerTypeDef => ({
      type,
      group: 'conv',
      summary: type === 'max_pool2d' ? 'largest value in each window' : 'average of each window',
      fields: [
        f('kernel_size', 'kernel size', 'int', { min: 1, max: 64 }),
        f('stride', 'stride', 'int', { min: 1, max: 64, defaultText: '= kernel size' }),
        f('padding', 'padding', 'int', { min: 0, max: 64, default: 0 }),
      ],
    }),
  ),
  { type: 'flatten', group: 'conv', summary: '[N, ...] → [N, product of the rest]', fields: [] },
  {
    type: 'unflatten',
    group: 'conv',
    summary: 'one dimension split into sizes: [N, 256] → [N, 1, 16, 16] (nn.Unflatten)',
    fields: [
      f('dim', 'dimension', 'int', { min: -8, max: 8, default: 1, help: 'never the batch dimension 0; negative counts from the end' }),
      f('unflattened_size', 'sizes', 'widths', { min: 1, max: 65536, help: 'their product must be that dimension, e.g. 1, 16, 16' }),
    ],
  },
  ...(['batch_norm1d', 'batch_norm2d'] as const).map(
    (type): LayerTypeDef => ({
      type,
      group: 'regularise',
      summary: type === 'batch_norm1d' ? 'normalises each feature over the batch: [N, C]' : 'normalises each channel over the batch: [N, C, H, W]',
      fields: [
        size('num_features', type === 'batch_norm1d' ? 'features' : 'channels', 'input'),
        f('momentum', 'running-average momentum', 'number', { min: 0, max: 1, default: 0.1 }),
        f('eps', 'eps', 'number', { min: 0, max: 1, default: 1e-5 }),
      ],
    }),
  ),
  { type: 'dropout', group: 'regularise', summary: 'zeroes each value with probability p while training', fields: [f('p', 'drop probability p', 'number', { min: 0, max: 0.99, default: 0.5 })] },
  { type: 'residual', group: 'block', summary: 'x + f(x): its inner layers must keep the shape', fields: [] },
];

const TYPE_BY_NAME = new Map(LAYER_TYPES.map((t) => [t.type, t]));
export function layerTypeDef(type: string): LayerTypeDef | undefined {
  return TYPE_BY_NAME.get(type);
}
const RECURRENT = new Set(['rnn', 'lstm', 'gru']);
const ACTIVATIONS = ['tanh', 'sigmoid', 'relu', 'leaky_relu', 'gelu'] as const;
const OPTIMIZERS = ['sgd', 'adam', 'adamw', 'rmsprop', 'adagrad'] as const;

/** The model-level fields of each model kind. */
export const MODEL_FIELDS: Record<'sequential' | 'seq2seq' | 'gan', readonly FieldDef[]> = {
  sequential: [
    { ...init, label: 'weight initialisation (all layers)', help: 'default: PyTorch’s per layer; a layer’s own init wins' },
    ...INIT_SCALE_FIELDS.map((d) => ({ ...d, help: `${d.help} (every layer without its own init; a layer's own field wins)` })),
  ],
  seq2seq: [
    f('cell', 'recurrent cell', 'enum', { options: ['gru', 'lstm'], default: 'gru' }),
    f('bidirectional', 'bidirectional encoder', 'bool', { default: true }),
    f('embed_dim', 'embedding size', 'int', { min: 1, max: 4096, default: 32 }),
    f('hidden_size', 'hidden size', 'int', { min: 1, max: 4096, default: 64 }),
    f('num_layers', 'stacked layers', 'int', { min: 1, max: 8, default: 1 }),
    f('attention', 'attention score', 'enum', { options: ['dot', 'general', 'additive'], default: 'general', help: 'dot: hᵀs; general: hᵀWs; additive: vᵀtanh(W[h; s])' }),
    f('attn_dim', 'additive attention size', 'int', { min: 0, max: 4096, default: 0, help: 'only for additive; 0 = the decoder size' }),
    f('teacher_forcing', 'teacher forcing', 'number', { min: 0, max: 1, default: 1, help: 'probability of feeding the true previous token' }),
    f('max_decode_len', 'longest decoded output', 'int', { min: 0, max: 1024, default: 0, help: '0 = the data’s target length' }),
  ],
  gan: [
    f('loss', 'GAN loss', 'enum', { options: ['non_saturating', 'minimax', 'least_squares', 'wgan', 'wgan_gp'], default: 'non_saturating' }),
    f('noise_dim', 'noise size', 'int', { min: 1, max: 1024, default: 8 }),
    f('noise', 'noise distribution', 'enum', { options: ['normal', 'uniform'], default: 'normal' }),
    f('generator_hidden', 'generator hidden widths', 'widths', { default: [64, 64, 64], min: 1, max: 4096, help: 'at most 8 layers' }),
    f('generator_activation', 'generator activation', 'enum', { options: ACTIVATIONS, default: 'relu' }),
    f('discriminator_hidden', 'discriminator hidden widths', 'widths', { default: [64, 64, 64], min: 1, max: 4096, help: 'at most 8 layers' }),
    f('discriminator_activation', 'discriminator activation', 'enum', { options: ACTIVATIONS, default: 'relu' }),
    f('leaky_relu_slope', 'leaky relu slope', 'number', { min: 0, max: 0.999, default: 0.2 }),
    f('critic_steps', 'critic steps per generator step', 'int', { min: 1, max: 100, defaultText: '5 for wgan/wgan_gp, else 1' }),
    f('clip_value', 'weight clip (wgan)', 'number', { min: 0, max: 1000, default: 0.01 }),
    f('gp_lambda', 'gradient penalty weight (wgan_gp)', 'number', { min: 0, max: 10000, default: 10 }),
    { path: ['generator_optimizer', 'type'], label: 'generator optimizer', kind: 'enum', options: OPTIMIZERS, defaultText: 'per loss' },
    { path: ['generator_optimizer', 'lr'], label: 'generator learning rate', kind: 'number', min: 0, max: 1000, defaultText: 'per loss' },
    { path: ['discriminator_optimizer', 'type'], label: 'discriminator optimizer', kind: 'enum', options: OPTIMIZERS, defaultText: 'per loss' },
    { path: ['discriminator_optimizer', 'lr'], label: 'discriminator learning rate', kind: 'number', min: 0, max: 1000, defaultText: 'per loss' },
  ],
};

// ---------------------------------------------------------------------------------------
// spec -> form

/** A field as the form shows it: its value in the spec (undefined when absent). */
export interface FieldState {
  def: FieldDef;
  pointer: string; // "/model/layers/0/out"
  value: JsonValue | undefined;
}

/** A path to a layer: indices through the model's list and residual blocks' lists. */
export type LayerPath = readonly number[];

export interface LayerForm {
  path: number[];
  pointer: string; // "/model/layers/2" or "/model/layers/2/layers/0"
  /** The "type" as written (may be missing or unknown; then `def` is undefined). */
  type: JsonValue | undefined;
  def: LayerTypeDef | undefined;
  fields: FieldState[];
  /** Keys of the layer object that the form does not show (kept as they are). */
  otherKeys: string[];
  /** A residual block's inner layers. */
  body: LayerForm[] | null;
}

export interface ModelForm {
  /** "sequential", "seq2seq", "gan", or what the spec says (then nothing is editable). */
  kind: string;
  layers: LayerForm[];
  fields: FieldState[];
  /** Model keys the form does not show: "parameters" and anything unknown. */
  otherKeys: string[];
  /** Pinned parameter names (model.parameters). */
  pinned: string[];
}

export type FormResult = { ok: true; form: ModelForm } | { ok: false; reason: string };

export function isObject(v: JsonValue | undefined): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function getPath(o: JsonValue | undefined, path: readonly string[]): JsonValue | undefined {
  let v = o;
  for (const k of path) {
    if (!isObject(v) || !Object.prototype.hasOwnProperty.call(v, k)) return undefined;
    v = v[k];
  }
  return v;
}

export function modelKind(model: JsonObject): string {
  const k = model['kind'];
  return k === undefined ? 'sequential' : typeof k === 'string' ? k : JSON.stringify(k);
}

/** The initialisation a layer's weights get: its own, or (none or "default") the model's. */
function initInForce(own: JsonValue | undefined, model: JsonValue | undefined): string {
  if (typeof own === 'string' && own !== 'default') return own;
  return typeof model === 'string' ? model : 'default';
}

/** A field the form shows: not an init scale field, or one the init in force takes, or one that is set. */
function isShown(d: FieldDef, value: JsonValue | undefined, init: string): boolean {
  return !d.forInits || d.forInits.includes(init) || value !== undefined;
}

function layerForm(layer: JsonValue, path: number[], modelInit: JsonValue | undefined): LayerForm {
  const pointer = formatPointer(['model', 'layers', ...path.flatMap((i, n) => (n === 0 ? [i] : ['layers', i]))]);
  const o = isObject(layer) ? layer : {};
  const type = o['type'];
  const def = typeof type === 'string' ? layerTypeDef(type) : undefined;
  const init = initInForce(o['init'], modelInit);
  const fields = (def?.fields ?? [])
    .map((d) => ({ def: d, pointer: `${pointer}/${d.path[0]!}`, value: getPath(o, d.path) }))
    .filter((fs) => isShown(fs.def, fs.value, init));
  const shown = new Set(['type', ...(def?.fields ?? []).map((d) => d.path[0]!)]);
  let body: LayerForm[] | null = null;
  if (type === 'residual') {
    shown.add('layers');
    const inner = o['layers'];
    body = Array.isArray(inner) ? inner.map((l, i) => layerForm(l, [...path, i], modelInit)) : [];
  }
  return { path, pointer, type, def, fields, otherKeys: Object.keys(o).filter((k) => !shown.has(k)), body };
}

/** Reads the model section into a form (the spec is not changed). */
export function specToForm(spec: JsonValue): FormResult {
  if (!isObject(spec)) return { ok: false, reason: 'the spec is not a JSON object' };
  const model = spec['model'];
  if (!isObject(model)) return { ok: false, reason: 'the spec has no "model" object' };
  const kind = modelKind(model);
  const pinnedValue = model['parameters'];
  const pinned = isObject(pinnedValue) ? Object.keys(pinnedValue) : [];
  if (kind !== 'sequential' && kind !== 'seq2seq' && kind !== 'gan')
    return { ok: true, form: { kind, layers: [], fields: [], otherKeys: Object.keys(model), pinned } };
  const defs = MODEL_FIELDS[kind];
  const modelInit = initInForce(model['init'], undefined);
  const fields = defs
    .map((d) => ({ def: d, pointer: formatPointer(['model', ...d.path]), value: getPath(model, d.path) }))
    .filter((fs) => isShown(fs.def, fs.value, modelInit));
  const shown = new Set(['kind', ...defs.map((d) => d.path[0]!)]);
  let layers: LayerForm[] = [];
  if (kind === 'sequential') {
    shown.add('layers');
    const list = model['layers'];
    if (list !== undefined && !Array.isArray(list)) return { ok: false, reason: '"model.layers" is not a list' };
    layers = (list ?? []).map((l, i) => layerForm(l, [i], model['init']));
  }
  return { ok: true, form: { kind, layers, fields, otherKeys: Object.keys(model).filter((k) => !shown.has(k)), pinned } };
}

function setPathIn(o: JsonObject, path: readonly string[], value: JsonValue | undefined): void {
  const [head, ...rest] = path;
  if (head === undefined) return;
  if (rest.length === 0) {
    if (value === undefined) delete o[head];
    else o[head] = value;
    return;
  }
  let inner = o[head];
  if (!isObject(inner)) {
    if (value === undefined) return;
    inner = {};
    o[head] = inner;
  }
  setPathIn(inner, rest, value);
  if (value === undefined && Object.keys(inner).length === 0) delete o[head];
}

function layerFromForm(layer: LayerForm, raw: JsonValue): JsonValue {
  if (!isObject(raw)) return raw;
  const out: JsonObject = { ...raw };
  for (const fs of layer.fields) setPathIn(out, fs.def.path, fs.value);
  if (layer.body && Array.isArray(raw['layers'])) {
    const inner = raw['layers'];
    out['layers'] = layer.body.map((l, i) => layerFromForm(l, inner[i] ?? null));
  }
  return out;
}

/**
 * Writes a form back into `base` (the spec it was read from): the model's shown fields
 * take the form's values, everything else stays as it was, in the same key order.
 */
export function formToSpec(form: ModelForm, base: JsonObject): JsonObject {
  const model = base['model'];
  if (!isObject(model)) return base;
  const m: JsonObject = { ...model };
  for (const fs of form.fields) setPathIn(m, fs.def.path, fs.value);
  const list = model['layers'];
  if (form.kind === 'sequential' && Array.isArray(list)) m['layers'] = form.layers.map((l, i) => layerFromForm(l, list[i] ?? null));
  return { ...base, model: m };
}

// ---------------------------------------------------------------------------------------
// Edits. Each takes a spec and returns a new one (the argument is not changed).

export interface EditOptions {
  /** Features of the model's input (last dimension of Validation.input_shape), if known. */
  inputWidth?: number | null;
}

function clone<T extends JsonValue>(v: T): T {
  return structuredClone(v);
}

function modelOf(spec: JsonObject): JsonObject {
  const m = spec['model'];
  if (!isObject(m)) throw new Error('the spec has no "model" object');
  return m;
}

/** The list holding the layer at `path` (the model's, or a residual block's). */
function listAt(spec: JsonObject, parent: LayerPath): JsonValue[] {
  let list = modelOf(spec)['layers'];
  if (list === undefined && parent.length === 0) {
    list = [];
    modelOf(spec)['layers'] = list;
  }
  for (const i of parent) {
    if (!Array.isArray(list)) break;
    const block = list[i];
    if (!isObject(block)) throw new Error(`layer ${i} is not an object`);
    if (block['layers'] === undefined) block['layers'] = [];
    list = block['layers'];
  }
  if (!Array.isArray(list)) throw new Error('the layers are not a list');
  return list;
}

function posInt(v: JsonValue | undefined): number | null {
  return typeof v === 'number' && Number.isInteger(v) && v > 0 ? v : null;
}

function typeOf(layer: JsonValue | undefined): string {
  return isObject(layer) && typeof layer['type'] === 'string' ? layer['type'] : '';
}

/** The field that must equal the features flowing into a layer of this type. */
export function inputKey(type: string): string | null {
  return layerTypeDef(type)?.fields.find((d) => d.role === 'input')?.path[0] ?? null;
}

/** Whether a layer sets the width after it itself (instead of passing its input's on). */
function setsWidth(type: string): boolean {
  return type === 'linear' || RECURRENT.has(type) || type === 'embedding' || type === 'conv2d' || type === 'flatten';
}

/**
 * Features (the last dimension; channels for conv layers) after a layer, given those
 * before it; null when unknown (flatten's depends on the image size).
 */
export function outputWidth(layer: JsonValue | undefined, before: number | null): number | null {
  if (!isObject(layer)) return null;
  const t = typeOf(layer);
  if (t === 'linear') return posInt(layer['out']);
  if (RECURRENT.has(t)) {
    const h = posInt(layer['hidden_size']);
    return h === null ? null : h * (layer['bidirectional'] === true ? 2 : 1);
  }
  if (t === 'embedding') return posInt(layer['embedding_dim']);
  if (t === 'conv2d') return posInt(layer['out_channels']);
  if (t === 'flatten' || t === '') return null;
  return before;
}

/** Features flowing into list[index]. */
function widthBefore(list: JsonValue[], index: number, first: number | null): number | null {
  let w = first;
  for (let j = 0; j < index; j++) w = outputWidth(list[j], w);
  return w;
}

/**
 * Makes each layer's input field from `from` on equal the features flowing into it, until
 * past `through` a layer sets its own width (then the rest of the chain is unaffected).
 */
function ripple(list: JsonValue[], from: number, through: number, first: number | null): void {
  let w = widthBefore(list, from, first);
  for (let j = from; j < list.length; j++) {
    const layer = list[j];
    if (!isObject(layer)) break;
    const t = typeOf(layer);
    const k = inputKey(t);
    if (k && w !== null && layer[k] !== w) layer[k] = w;
    if (j >= through && setsWidth(t)) break;
    w = outputWidth(layer, w);
  }
}

function firstWidth(spec: JsonObject, parent: LayerPath, options: EditOptions): number | null {
  if (parent.length === 0) return options.inputWidth ?? null;
  // A residual block's body sees what flows into the block.
  const outer = listAt(spec, parent.slice(0, -1));
  return widthBefore(outer, parent[parent.length - 1]!, firstWidth(spec, parent.slice(0, -1), options));
}

/** A new layer of `type` that fits `w` features in and passes `w` features on. */
export function newLayer(type: string, w: number | null): JsonObject {
  const n = w ?? 8;
  switch (type) {
    case 'linear':
      return { type, in: n, out: n };
    case 'rnn':
    case 'lstm':
    case 'gru':
      return { type, input_size: n, hidden_size: n };
    case 'embedding':
      return { type, num_embeddings: 16, embedding_dim: n };
    case 'positional':
      return { type, max_len: 64, dim: n };
    case 'layer_norm':
      return { type, normalized_shape: n };
    case 'multihead_attention':
      return { type, embed_dim: n, num_heads: headsFor(n) };
    case 'transformer_encoder_layer':
      return { type, d_model: n, nhead: headsFor(n), dim_feedforward: 4 * n };
    case 'conv2d':
      return { type, in_channels: w ?? 1, out_channels: n, kernel_size: 3, padding: 1 };
    case 'max_pool2d':
    case 'avg_pool2d':
      return { type, kernel_size: 2 };
    case 'batch_norm1d':
    case 'batch_norm2d':
      return { type, num_features: n };
    case 'residual':
      return { type, layers: [{ type: 'linear', in: n, out: n }, { type: 'tanh' }] };
    default:
      return { type };
  }
}

/** Heads for a new attention layer of width n: 2 when n is even (to show two maps), else 1. */
function headsFor(n: number): number {
  return n % 2 === 0 ? 2 : 1;
}

/** Inserts a new layer of `type` at `index` of the list `parent` (the model's: []). */
export function addLayer(spec: JsonObject, parent: LayerPath, index: number, type: string, options: EditOptions = {}): JsonObject {
  const s = clone(spec);
  const list = listAt(s, parent);
  const at = Math.max(0, Math.min(index, list.length));
  list.splice(at, 0, newLayer(type, widthBefore(list, at, firstWidth(s, parent, options))));
  ripple(list, at + 1, at + 1, firstWidth(s, parent, options));
  return s;
}

export function removeLayer(spec: JsonObject, path: LayerPath, options: EditOptions = {}): JsonObject {
  const s = clone(spec);
  const parent = path.slice(0, -1);
  const index = path[path.length - 1]!;
  const list = listAt(s, parent);
  if (index < 0 || index >= list.length) return s;
  list.splice(index, 1);
  if (index < list.length) ripple(list, index, index, firstWidth(s, parent, options));
  return s;
}

/** Moves a layer within its list to `to` (clamped). */
export function moveLayer(spec: JsonObject, path: LayerPath, to: number, options: EditOptions = {}): JsonObject {
  const s = clone(spec);
  const parent = path.slice(0, -1);
  const from = path[path.length - 1]!;
  const list = listAt(s, parent);
  const dest = Math.max(0, Math.min(to, list.length - 1));
  if (from < 0 || from >= list.length || dest === from) return s;
  const [layer] = list.splice(from, 1);
  list.splice(dest, 0, layer!);
  ripple(list, Math.min(from, dest), Math.max(from, dest) + 1, firstWidth(s, parent, options));
  return s;
}

/**
 * Changes a layer's type: fields both types have are kept (lstm -> gru keeps the sizes),
 * the old type's other fields are dropped (the core would reject them), fields the form
 * does not know are kept, and the new type's required fields are filled so that the
 * features in and out stay what they were.
 */
export function setLayerType(spec: JsonObject, path: LayerPath, type: string, options: EditOptions = {}): JsonObject {
  const s = clone(spec);
  const parent = path.slice(0, -1);
  const index = path[path.length - 1]!;
  const list = listAt(s, parent);
  const old = list[index];
  if (!isObject(old) || old['type'] === type) return s;
  const oldDef = layerTypeDef(typeOf(old));
  const newDef = layerTypeDef(type);
  const newKeys = new Set(['type', ...(newDef?.fields ?? []).map((d) => d.path[0]!), ...(type === 'residual' ? ['layers'] : [])]);
  const oldKeys = new Set([...(oldDef?.fields ?? []).map((d) => d.path[0]!), ...(typeOf(old) === 'residual' ? ['layers'] : [])]);
  const first = firstWidth(s, parent, options);
  const oldInKey = inputKey(typeOf(old));
  const win = widthBefore(list, index, first) ?? (oldInKey ? posInt(old[oldInKey]) : null);
  const wout = outputWidth(old, win) ?? win;
  const fresh = newLayer(type, win);
  // Keep the features passed on: the new type's output field takes the old output width.
  const outKey = newDef?.fields.find((d) => d.role === 'output')?.path[0];
  if (outKey && wout !== null) fresh[outKey] = wout;
  const next: JsonObject = {};
  for (const [k, v] of Object.entries(old)) {
    if (k === 'type') next[k] = type;
    else if (newKeys.has(k)) next[k] = v; // same name, same meaning (lstm -> gru keeps hidden_size)
    else if (!oldKeys.has(k)) next[k] = v; // not a field of either type: the form keeps it
  }
  for (const [k, v] of Object.entries(fresh)) if (!(k in next)) next[k] = v;
  list[index] = next;
  ripple(list, index + 1, index + 1, first);
  return s;
}

/**
 * Sets (or with undefined, removes, i.e. back to the default) a layer field; when it sets
 * the features flowing out (out, hidden_size, bidirectional, ...), the next layers' input
 * fields follow.
 */
export function setLayerField(spec: JsonObject, path: LayerPath, key: string, value: JsonValue | undefined, options: EditOptions = {}): JsonObject {
  const s = clone(spec);
  const parent = path.slice(0, -1);
  const index = path[path.length - 1]!;
  const list = listAt(s, parent);
  const layer = list[index];
  if (!isObject(layer)) return s;
  const first = firstWidth(s, parent, options);
  const win = widthBefore(list, index, first);
  const before = outputWidth(layer, win);
  setPathIn(layer, [key], value);
  if (key === 'init') dropStaleScales(layer, initInForce(value, modelOf(s)['init']));
  if (outputWidth(layer, win) !== before) ripple(list, index + 1, index + 1, first);
  return s;
}

/** Removes the init scale fields `init` does not take (the core rejects them: an init_std beside xavier_normal). */
function dropStaleScales(o: JsonObject, init: string): void {
  for (const d of INIT_SCALE_FIELDS) if (o[d.path[0]!] !== undefined && !d.forInits!.includes(init)) delete o[d.path[0]!];
}

/** Sets (or removes) a model-level field (`path` below /model). */
export function setModelField(spec: JsonObject, path: readonly string[], value: JsonValue | undefined): JsonObject {
  const s = clone(spec);
  const model = modelOf(s);
  setPathIn(model, path, value);
  if (path.length === 1 && path[0] === 'init') {
    // the model's scale fields follow its init; so do those of layers that take the model's init
    const init = initInForce(value, undefined);
    dropStaleScales(model, init);
    const visit = (list: JsonValue | undefined): void => {
      if (!Array.isArray(list)) return;
      for (const l of list) {
        if (!isObject(l)) continue;
        if (initInForce(l['init'], value) === init && Object.keys(l).some((k) => INIT_KEYS.has(k))) dropStaleScales(l, init);
        visit(l['layers']);
      }
    };
    visit(model['layers']);
  }
  return s;
}

/** The layer object at a path, or undefined. */
export function layerAt(spec: JsonObject, path: LayerPath): JsonValue | undefined {
  try {
    return listAt(clone(spec), path.slice(0, -1))[path[path.length - 1]!];
  } catch {
    return undefined;
  }
}
