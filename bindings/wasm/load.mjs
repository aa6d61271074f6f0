// Loads the node flavour of the gradlab wasm module (CommonJS) from ES-module code: the
// tests in test/ use it, and so can scripts. (It lives outside test/ because `node --test`
// runs every .mjs file there as a test.)
//
//   import { loadGradlab, repoRoot } from './bindings/wasm/load.mjs';
//   const gradlab = await loadGradlab();          // build/wasm: the simd flavour
//   const s = new gradlab.Session(specText);
//
// GRADLAB_WASM_MODULE=/path/to/gradlab-<flavour>-node.cjs loads that file;
// GRADLAB_WASM_FLAVOUR=scalar loads build/wasm-scalar's; =relaxed build/wasm's relaxed flavour
// (node 20 needs --experimental-wasm-relaxed-simd for it: relaxedSimdSupported() says).
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

export function modulePath(flavour = process.env.GRADLAB_WASM_FLAVOUR || 'simd') {
  if (process.env.GRADLAB_WASM_MODULE) return path.resolve(process.env.GRADLAB_WASM_MODULE);
  const tree = flavour === 'simd' || flavour === 'relaxed' ? 'wasm' : `wasm-${flavour}`;  // relaxed: built next to simd
  return path.join(repoRoot, 'build', tree, 'bindings', 'wasm', `gradlab-${flavour}-node.cjs`);
}

// The browser flavour (ES module) next to it: gradlab-<flavour>.mjs + .wasm.
export function webModulePath(flavour = process.env.GRADLAB_WASM_FLAVOUR || 'simd') {
  return modulePath(flavour).replace(/-node\.cjs$/, '.mjs');
}

// A tiny module using f32x4.relaxed_madd (relaxed SIMD's final encoding; the same bytes as
// web/src/engine/engine-api.ts's probe): WebAssembly.validate says if the relaxed flavour runs.
const RELAXED_PROBE = new Uint8Array([
  0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 19, 1, 17, 0, 65, 0, 253, 15, 65, 0, 253, 15, 65, 0,
  253, 15, 253, 133, 2, 11,
]);
export function relaxedSimdSupported() {
  return WebAssembly.validate(RELAXED_PROBE);
}

export async function loadGradlab(flavour = process.env.GRADLAB_WASM_FLAVOUR || 'simd') {
  const file = modulePath(flavour);
  if (flavour === 'relaxed' && !process.env.GRADLAB_WASM_MODULE && !relaxedSimdSupported()) {
    throw new Error(`the relaxed flavour needs relaxed SIMD, which this node (${process.version}) does not enable: ` +
      'run node 20 with --experimental-wasm-relaxed-simd (node 22 and later have it on), or load the simd flavour');
  }
  if (!fs.existsSync(file)) {
    const preset = path.basename(path.dirname(path.dirname(path.dirname(file))));
    throw new Error(`gradlab wasm module not built: ${file} ` +
      `(cmake --preset ${preset} && cmake --build --preset ${preset === 'wasm' ? 'wasm-modules' : preset})`);
  }
  const createGradlab = createRequire(import.meta.url)(file);
  return createGradlab();
}

export function readExample(name) {
  return fs.readFileSync(path.join(repoRoot, 'examples', name), 'utf8');
}
