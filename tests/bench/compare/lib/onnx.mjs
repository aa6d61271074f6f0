// A minimal ONNX writer (protobuf wire format by hand, no dependencies) and the graphs the
// onnxruntime-web peer runs: MatMul (GEMM NN), Gemm (NT, TN, TT) and the LSTM forward with its
// Linear head and cross-entropy. Used by make_onnx.mjs; field numbers from onnx/onnx.proto.

// ---- protobuf wire format
const WIRE = { varint: 0, bytes: 2, fixed32: 5 };
class Writer {
  constructor() { this.parts = []; }
  raw(u8) { this.parts.push(u8); return this; }
  varint(v) {
    let x = BigInt.asUintN(64, BigInt(v));
    const out = [];
    do {
      let b = Number(x & 0x7fn);
      x >>= 7n;
      if (x) b |= 0x80;
      out.push(b);
    } while (x);
    return this.raw(Uint8Array.from(out));
  }
  tag(field, wire) { return this.varint((field << 3) | wire); }
  int(field, v) { return this.tag(field, WIRE.varint).varint(v); }
  bytes(field, u8) { return this.tag(field, WIRE.bytes).varint(u8.length).raw(u8); }
  string(field, s) { return this.bytes(field, new TextEncoder().encode(s)); }
  message(field, w) { return this.bytes(field, w.finish()); }
  float(field, x) {
    const b = new Uint8Array(4);
    new DataView(b.buffer).setFloat32(0, x, true);
    return this.tag(field, WIRE.fixed32).raw(b);
  }
  finish() {
    const n = this.parts.reduce((a, p) => a + p.length, 0);
    const out = new Uint8Array(n);
    let o = 0;
    for (const p of this.parts) { out.set(p, o); o += p.length; }
    return out;
  }
}

// ---- ONNX messages
export const DTYPE = { float: 1, int64: 7 };
const ATTR = { FLOAT: 1, INT: 2, STRING: 3, INTS: 7 };

// TensorProto: dims 1, data_type 2, name 8, raw_data 9 (little-endian).
function tensor(name, dims, data) {
  const w = new Writer();
  for (const d of dims) w.int(1, d);
  w.int(2, data instanceof BigInt64Array ? DTYPE.int64 : DTYPE.float);
  w.string(8, name);
  const le = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);  // every target is little-endian
  return w.bytes(9, le);
}

// ValueInfoProto { name 1, type 2: TypeProto { tensor_type 1: { elem_type 1, shape 2: { dim 1: { dim_value 1 } } } } }
function valueInfo(name, dtype, dims) {
  const shape = new Writer();
  for (const d of dims) shape.message(1, new Writer().int(1, d));
  const tt = new Writer().int(1, dtype).message(2, shape);
  return new Writer().string(1, name).message(2, new Writer().message(1, tt));
}

// AttributeProto: name 1, f 2, i 3, s 4, ints 8, type 20.
function attribute(name, v) {
  const w = new Writer().string(1, name);
  if (Array.isArray(v)) { for (const x of v) w.int(8, x); return w.int(20, ATTR.INTS); }
  if (typeof v === 'string') return w.string(4, v).int(20, ATTR.STRING);
  if (Number.isInteger(v)) return w.int(3, v).int(20, ATTR.INT);
  return w.float(2, v).int(20, ATTR.FLOAT);
}

// NodeProto: input 1, output 2, name 3, op_type 4, attribute 5.
function node(op, inputs, outputs, attrs = {}) {
  const w = new Writer();
  for (const i of inputs) w.string(1, i);
  for (const o of outputs) w.string(2, o);
  w.string(3, `${op}_${outputs[0]}`).string(4, op);
  for (const [k, v] of Object.entries(attrs)) w.message(5, attribute(k, v));
  return w;
}

export const OPSET = 17;
const IR_VERSION = 8;

/** A ModelProto (bytes). g = {name, nodes: [[op, inputs, outputs, attrs]], initializers: [[name, dims, data]],
 *  inputs / outputs: [[name, dtype, dims]]}. */
export function model(g, docString = '') {
  const graph = new Writer();
  for (const n of g.nodes) graph.message(1, node(...n));
  graph.string(2, g.name);
  for (const t of g.initializers ?? []) graph.message(5, tensor(...t));
  if (docString) graph.string(10, docString);
  for (const v of g.inputs) graph.message(11, valueInfo(...v));
  for (const v of g.outputs) graph.message(12, valueInfo(...v));
  // ModelProto: ir_version 1, producer_name 2, graph 7, opset_import 8 { domain 1, version 2 }.
  return new Writer().int(1, IR_VERSION).string(2, 'gradlab tests/bench/compare/make_onnx.mjs')
    .message(7, graph).message(8, new Writer().string(1, '').int(2, OPSET)).finish();
}

// ---- the benchmark's graphs

/** C = A B, A and B [n, n] graph inputs (no initializer: like gradlab's GEMM and tf.matMul, it multiplies two given matrices). */
export function matmulModel(n) {
  return model({
    name: `matmul_${n}`,
    nodes: [['MatMul', ['A', 'B'], ['C']]],
    inputs: [['A', DTYPE.float, [n, n]], ['B', DTYPE.float, [n, n]]],
    outputs: [['C', DTYPE.float, [n, n]]],
  }, `GEMM NN, square n = ${n}: C = A B`);
}

/** C = op(A) op(B) through ONNX's Gemm op (transA, transB; alpha 1, no C input), for the
 *  transposed variants (MatMul has no transposes): variant 'NT', 'TN' or 'TT'. */
export function gemmModel(n, variant) {
  return model({
    name: `gemm_${variant}_${n}`,
    nodes: [['Gemm', ['A', 'B'], ['C'], { transA: variant[0] === 'T' ? 1 : 0, transB: variant[1] === 'T' ? 1 : 0 }]],
    inputs: [['A', DTYPE.float, [n, n]], ['B', DTYPE.float, [n, n]]],
    outputs: [['C', DTYPE.float, [n, n]]],
  }, `GEMM ${variant}, square n = ${n}: C = op(A) op(B)`);
}

/** The model file of GEMM variant v (NN: the MatMul model). */
export const gemmModelName = (n, variant) => (variant === 'NN' ? `matmul_${n}.onnx` : `gemm_${variant}_${n}.onnx`);

/** PyTorch's LSTM gate blocks (i, f, g, o) of a [4H, ...] array in ONNX's order (i, o, f, c). */
export function torchToOnnxGates(a, H) {
  const rows = a.length / (4 * H);
  const out = new Float32Array(a.length);
  [0, 3, 1, 2].forEach((src, dst) => out.set(a.subarray(src * H * rows, (src + 1) * H * rows), dst * H * rows));
  return out;
}

/** The LSTM benchmark's forward (lib/common.mjs RNN, spec gradlabSpecs().lstm) with gradlab's parameters
 *  p (PyTorch names, {name: Float32Array}): inputs x [B, T, I] float and y [B, T] int64 (class ids);
 *  outputs logits [B, T, V] (LSTM -> Linear) and loss (mean softmax cross-entropy over B*T). */
export function lstmModel({ B, T, I, H, V }, p) {
  const wt = new Float32Array(H * V);  // Linear weight [V, H] -> W^T [H, V] for MatMul
  const w = p['layers.1.weight'];
  for (let v = 0; v < V; ++v) for (let h = 0; h < H; ++h) wt[h * V + v] = w[v * H + h];
  const bias = new Float32Array(8 * H);
  bias.set(torchToOnnxGates(p['layers.0.bias_ih_l0'], H), 0);
  bias.set(torchToOnnxGates(p['layers.0.bias_hh_l0'], H), 4 * H);
  return model({
    name: 'lstm_forward',
    nodes: [
      ['Transpose', ['x'], ['x_tbi'], { perm: [1, 0, 2] }],  // ORT's LSTM takes layout 0: [T, B, I]
      ['LSTM', ['x_tbi', 'W', 'R', 'Bias'], ['Y'], { hidden_size: H, direction: 'forward' }],  // Y [T, 1, B, H]
      ['Squeeze', ['Y', 'axis1'], ['h_tbh']],
      ['MatMul', ['h_tbh', 'head_wt'], ['z_tbv']],
      ['Add', ['z_tbv', 'head_b'], ['logits_tbv']],
      ['Transpose', ['logits_tbv'], ['logits'], { perm: [1, 0, 2] }],
      ['LogSoftmax', ['logits'], ['logp'], { axis: 2 }],
      ['Unsqueeze', ['y', 'axis2'], ['y_bt1']],
      ['GatherElements', ['logp', 'y_bt1'], ['logp_y'], { axis: 2 }],
      ['ReduceMean', ['logp_y'], ['mean_logp'], { keepdims: 0 }],
      ['Neg', ['mean_logp'], ['loss']],
    ],
    initializers: [
      ['W', [1, 4 * H, I], torchToOnnxGates(p['layers.0.weight_ih_l0'], H)],
      ['R', [1, 4 * H, H], torchToOnnxGates(p['layers.0.weight_hh_l0'], H)],
      ['Bias', [1, 8 * H], bias],
      ['head_wt', [H, V], wt],
      ['head_b', [V], Float32Array.from(p['layers.1.bias'])],
      ['axis1', [1], BigInt64Array.of(1n)],
      ['axis2', [1], BigInt64Array.of(2n)],
    ],
    inputs: [['x', DTYPE.float, [B, T, I]], ['y', DTYPE.int64, [B, T]]],
    outputs: [['logits', DTYPE.float, [B, T, V]], ['loss', DTYPE.float, []]],
  }, `LSTM(${I}, ${H}) -> Linear(${H}, ${V}) -> mean softmax cross-entropy, B=${B} T=${T}; weights: gradlab's, spec bench-lstm seed 1`);
}
