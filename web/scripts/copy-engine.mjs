#!/usr/bin/env node
// Copies the built wasm engine (simd and relaxed flavours, and the scalar one if built) into
// public/engine/, where the worker loads it from. public/engine/ is gitignored.
//
//   node scripts/copy-engine.mjs
//
// The engine is built from the repository root with CMake (see bindings/wasm/README.md).
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const web = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const root = path.resolve(web, '..');
const out = path.join(web, 'public', 'engine');

const flavours = [
  {
    name: 'simd',
    dir: path.join(root, 'build/wasm/bindings/wasm'),
    files: ['gradlab-simd.mjs', 'gradlab-simd.wasm'],
    build: 'cmake --preset wasm && cmake --build --preset wasm-modules -j2',
    required: true,
  },
  {
    // Built with the simd flavour (preset wasm-modules): fused multiply-adds in the GEMM, loaded
    // where the browser has relaxed SIMD.
    name: 'relaxed',
    dir: path.join(root, 'build/wasm/bindings/wasm'),
    files: ['gradlab-relaxed.mjs', 'gradlab-relaxed.wasm'],
    build: 'cmake --preset wasm && cmake --build --preset wasm-modules -j2',
    required: true,
  },
  {
    name: 'scalar',
    dir: path.join(root, 'build/wasm-scalar/bindings/wasm'),
    files: ['gradlab-scalar.mjs', 'gradlab-scalar.wasm'],
    build: 'cmake --preset wasm-scalar && cmake --build --preset wasm-scalar -j2',
    required: false,
  },
];

// The engine may be rebuilt while we copy: a briefly missing file is retried.
function copyWithRetry(from, to, tries = 5) {
  for (let i = 0; ; i++) {
    try {
      fs.copyFileSync(from, to);
      return;
    } catch (e) {
      if (i >= tries - 1) throw e;
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1000);
    }
  }
}

function present(flavour) {
  return flavour.files.every((f) => {
    // A required file may be mid-rebuild: wait for it; an optional flavour is there or not.
    const tries = flavour.required ? 5 : 1;
    for (let i = 0; i < tries; i++) {
      if (fs.existsSync(path.join(flavour.dir, f))) return true;
      if (i < tries - 1) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 500);
    }
    return false;
  });
}

fs.mkdirSync(out, { recursive: true });
const copied = [];
for (const flavour of flavours) {
  if (!present(flavour)) {
    const missing = flavour.files.map((f) => path.relative(root, path.join(flavour.dir, f))).join(', ');
    if (flavour.required) {
      console.error(
        `copy-engine: the ${flavour.name} engine is not built (missing ${missing}).\n` +
          `Build it from the repository root with:\n  ${flavour.build}`,
      );
      process.exit(1);
    }
    console.log(`copy-engine: the ${flavour.name} engine (optional, for browsers without wasm SIMD) is not built; build it with: ${flavour.build}`);
    continue;
  }
  for (const f of flavour.files) copyWithRetry(path.join(flavour.dir, f), path.join(out, f));
  copied.push(flavour.name);
}
console.log(`copy-engine: ${copied.join(' + ')} engine copied to ${path.relative(web, out)}/`);
