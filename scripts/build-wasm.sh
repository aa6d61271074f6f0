#!/usr/bin/env bash
# Builds the engine's WebAssembly modules (wasm SIMD flavour: the browser ES module and the
# node CommonJS module) into build/wasm/bindings/wasm/. `--scalar` builds the fallback
# flavour for browsers without wasm SIMD too (build/wasm-scalar/). docs/wasm.md has details.
set -euo pipefail
cd "$(dirname "$0")/.."
export NODE_PATH="${NODE_PATH:-/usr/share/nodejs}"
jobs="${GRADLAB_JOBS:-2}"
bash scripts/setup.sh wasm
cmake --preset wasm >/dev/null
cmake --build --preset wasm-modules -j "$jobs"
if [ "${1:-}" = "--scalar" ]; then
  cmake --preset wasm-scalar >/dev/null
  cmake --build --preset wasm-scalar -j "$jobs"
fi
