#!/bin/sh
# Builds tests/bench/wasm/kernels_bench.cpp with em++ (-O3 -msimd128, no -ffast-math) into
# build/bench-wasm and runs it under node. Argument: minimum seconds per measurement (0.3).
set -e
root=$(cd "$(dirname "$0")/../../.." && pwd)
out=$root/build/bench-wasm
mkdir -p "$out"
export NODE_PATH=${NODE_PATH:-/usr/share/nodejs}
em++ -O3 -msimd128 -std=c++20 -I"$root/core" \
  "$root/tests/bench/wasm/kernels_bench.cpp" \
  "$root/core/tensor/rng.cpp" "$root/core/tensor/shape.cpp" "$root/core/tensor/tensor.cpp" \
  "$root/core/kernels/ref/kernels_ref.cpp" "$root/core/kernels/ref/cells_ref.cpp" \
  "$root/core/kernels/simd128/kernels_simd128.cpp" "$root/core/kernels/simd128/gemm_simd128.cpp" \
  "$root/core/kernels/simd128/cells_simd128.cpp" \
  -sALLOW_MEMORY_GROWTH=1 -sENVIRONMENT=node -o "$out/kernels_bench.js"
node --no-experimental-fetch "$out/kernels_bench.js" "$@"
