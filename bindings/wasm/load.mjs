// Loads the node flavour of the gradlab wasm module (CommonJS) from ES-module code: the
// tests in test/ use it, and so can scripts. (It lives outside test/ because `node --test`
// runs every .mjs file there as a test.)
//
//   import { loadGradlab, repoRoot } from './bindings/wasm/load.mjs';
//   const gradlab = await loadGradlab();          // build/wasm: the simd flavour
//   const s = new gradlab.Session(specText);
//
// GRADLAB_WASM_MODULE=/path/to/gradlab-<flavour>-node.cjs loads that file;
// GRADLAB_WASM_FLAVOUR=scalar loads build/wasm-scalar's.
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

export function modulePath(flavour = process.env.GRADLAB_WASM_FLAVOUR || 'simd') {
  if (process.env.GRADLAB_WASM_MODULE) return path.resolve(process.env.GRADLAB_WASM_MODULE);
  const tree = flavour === 'simd' ? 'wasm' : `wasm-${flavour}`;
  return path.join(repoRoot, 'build', tree, 'bindings', 'wasm', `gradlab-${flavour}-node.cjs`);
}

// The browser flavour (ES module) next to it: gradlab-<flavour>.mjs + .wasm.
export function webModulePath(flavour = process.env.GRADLAB_WASM_FLAVOUR || 'simd') {
  return modulePath(flavour).replace(/-node\.cjs$/, '.mjs');
}

export async function loadGradlab(flavour) {
  const file = modulePath(flavour);
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
