// Writes the ONNX models of the onnxruntime-web peer into models/ (committed; run again when
// gradlab's initialisation or the benchmark's shapes change):
//   node tests/bench/compare/make_onnx.mjs [path/to/gradlab-simd-node.cjs]
// - matmul_N.onnx, N = 64, 128, 256, 512: C = A B (GEMM NN), A and B graph inputs;
//   gemm_V_N.onnx, V = NT, TN, TT: C = op(A) op(B), the Gemm op with transA / transB.
// - lstm_forward.onnx: the LSTM benchmark's forward (ONNX LSTM op, Linear head, mean softmax
//   cross-entropy) with the parameters gradlab's Session initialises for spec bench-lstm
//   (lib/common.mjs, seed 1), read from the Session module, so both run the same numbers.
// No torch and no onnx package: lib/onnx.mjs writes the protobuf.
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

import { GEMM_SIZES, RNN, VARIANTS, gradlabSpecs } from './lib/common.mjs';
import { gemmModel, gemmModelName, lstmModel, matmulModel } from './lib/onnx.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../../..');
const modulePath = path.resolve(process.argv[2] ?? path.join(root, 'build/wasm/bindings/wasm/gradlab-simd-node.cjs'));
const outDir = path.join(here, 'models');
fs.mkdirSync(outDir, { recursive: true });
const write = (name, bytes) => {
  fs.writeFileSync(path.join(outDir, name), bytes);
  console.log(`${path.relative(root, path.join(outDir, name))}: ${bytes.length} bytes`);
};

for (const n of GEMM_SIZES)
  for (const v of VARIANTS) write(gemmModelName(n, v), v === 'NN' ? matmulModel(n) : gemmModel(n, v));

const gradlab = await createRequire(import.meta.url)(modulePath)();
const session = new gradlab.Session(JSON.stringify(gradlabSpecs().lstm));
try {
  write('lstm_forward.onnx', lstmModel(RNN, session.parameters()));
} finally {
  session.delete();
}
