#!/bin/sh
# gradlab vs TensorFlow.js in one run (see README.md here). From anywhere:
#   bash tests/bench/compare/run.sh [--no-browser] [--no-tfjs-cpu] [--no-ort] [--only variants|families|ort] [--flavour simd]
# (gradlab in its relaxed flavour unless --flavour simd: node runs with
# --experimental-wasm-relaxed-simd, which node 20 needs for it)
# (--only variants: only K variants in parallel against one after another, about a minute;
# --only families: only the Transformer and diffusion steps, about two minutes; either skips
# the GEMM module and the native program, and writes build/bench-results-<figure>.json;
# --only ort: only gradlab against onnxruntime-web, a few minutes, builds the GEMM module but
# not the native program, writes build/bench-results-ort.json)
# Builds what it needs (npm ci; the bench-only GEMM wasm module into build/bench-wasm; the
# native program with the native-bench preset into build/native-bench), reads the gradlab
# Session modules from build/wasm/bindings/wasm (cmake --preset wasm && cmake --build
# --preset wasm-modules -j2), and writes build/bench-results.json.
set -e
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../../.." && pwd)
export NODE_PATH=${NODE_PATH:-/usr/share/nodejs}
jobs=${JOBS:-2}

[ -x /usr/bin/chromium ] || { echo "run.sh: /usr/bin/chromium is missing: apt-get install -y chromium (or pass --no-browser)" >&2; }
for f in gradlab-simd.mjs gradlab-simd.wasm gradlab-simd-node.cjs gradlab-simd-node.wasm \
  gradlab-relaxed.mjs gradlab-relaxed.wasm gradlab-relaxed-node.cjs gradlab-relaxed-node.wasm; do
  [ -f "$root/build/wasm/bindings/wasm/$f" ] || { echo "run.sh: build/wasm/bindings/wasm/$f is missing; build it: cmake --preset wasm && cmake --build --preset wasm-modules -j2" >&2; exit 2; }
done

(cd "$here" && npm ci --no-audit --no-fund --loglevel=error)

case " $* " in *" --only variants "*|*" --only families "*) cd "$root" && exec node --experimental-wasm-relaxed-simd "$here/compare.mjs" "$@" ;; esac

# Two flavours, as the Session modules: simd, and relaxed (the GEMM's multiply-adds as
# f32x4.relaxed_madd; cmake/wasm/relaxed_simd.py gives them their final opcode).
mkdir -p "$root/build/bench-wasm"
for flavour in simd relaxed; do
  out=$root/build/bench-wasm/gemm_bench.wasm extra=
  if [ $flavour = relaxed ]; then out=$root/build/bench-wasm/gemm_bench_relaxed.wasm extra=-mrelaxed-simd; fi
  echo "[run.sh] bench GEMM module (em++ -O3 -msimd128 $extra) -> ${out#$root/}" >&2
  em++ -O3 -msimd128 $extra -std=c++20 -I"$root/core" \
    "$here/gemm_module.cpp" \
    "$root/core/kernels/ref/kernels_ref.cpp" \
    "$root/core/kernels/simd128/kernels_simd128.cpp" "$root/core/kernels/simd128/gemm_simd128.cpp" \
    --no-entry -sSTANDALONE_WASM -sALLOW_MEMORY_GROWTH=1 -sINITIAL_MEMORY=33554432 \
    -o "$out"
  if [ $flavour = relaxed ]; then python3 "$root/cmake/wasm/relaxed_simd.py" "$out" "$out" >/dev/null; fi
done

case " $* " in *" --only ort "*) cd "$root" && exec node --experimental-wasm-relaxed-simd "$here/compare.mjs" "$@" ;; esac

echo "[run.sh] native program (preset native-bench, release) -> build/native-bench/tests/bench/compare_native" >&2
(cd "$root" && { [ -f build/native-bench/build.ninja ] || cmake --preset native-bench >/dev/null; } \
  && cmake --build build/native-bench -j"$jobs" --target compare_native >/dev/null)

cd "$root" && node --experimental-wasm-relaxed-simd "$here/compare.mjs" "$@"
