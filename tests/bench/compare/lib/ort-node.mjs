// The onnxruntime-web peer in node (lib/ort.mjs on the npm package's node build), for
// compare.mjs; in Chromium web/bench.html runs lib/ort.mjs itself.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { benchOrt, configureOrt } from './ort.mjs';

const models = path.join(path.dirname(fileURLToPath(import.meta.url)), '../models');
export const loadModel = async (name) => new Uint8Array(fs.readFileSync(path.join(models, name)));

/** Node: ex = the bench GEMM module's exports, gradlab = the node Session module, spec = gradlabSpecs().lstm. */
export async function ortNode(ex, gradlab, spec, log) {
  const ort = await import('onnxruntime-web');
  configureOrt(ort);
  return benchOrt(ort, ex, gradlab, spec, loadModel, log);
}
