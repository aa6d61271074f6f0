#!/bin/sh
# Phase breakdown of the LSTM/GRU training step in wasm outside the Session (recurrent_probe.cpp),
# with the core/ libraries other than kernels compiled at a chosen level, to see what the
# build flags cost:  sh tests/bench/compare/probe.sh [-O3|-Oz|...] [js|none]
#   $1: optimisation of every core/ folder except kernels (kernels: always -O3, as the module)
#   $2: exceptions: js (-fexceptions, the module's default) or none
# Objects go to build/bench-wasm/probe$1-$2 (compiled with -j2); node --cpu-prof on the
# result shows function names (--profiling-funcs).
set -e
root=$(cd "$(dirname "$0")/../../.." && pwd)
opt=${1:--O3}
eh=${2:-js}
out=$root/build/bench-wasm/probe$opt-$eh
mkdir -p "$out"
export NODE_PATH=${NODE_PATH:-/usr/share/nodejs}
ehflag=$([ "$eh" = js ] && echo -fexceptions || true)
common="-msimd128 -std=c++20 $ehflag -I$root/core -I/usr/include/eigen3 -include $root/cmake/wasm/libcxx_compat.h"
for f in "$root"/core/tensor/*.cpp "$root"/core/autograd/*.cpp "$root"/core/ops/*.cpp "$root"/core/nn/*.cpp \
         "$root"/core/optim/*.cpp "$root"/tests/bench/compare/recurrent_probe.cpp; do
  echo "-O3 $opt $f"
done > "$out/jobs"
for f in "$root"/core/kernels/*.cpp "$root"/core/kernels/ref/*.cpp "$root"/core/kernels/native/*.cpp "$root"/core/kernels/simd128/*.cpp; do
  echo "-O3 -O3 $f"
done >> "$out/jobs"
# shellcheck disable=SC2086
xargs -P2 -L1 sh -c 'o="'"$out"'/$(echo "$2" | tr / _).o"; [ "$o" -nt "$2" ] || em++ $0 $1 '"$common"' -c "$2" -o "$o"' < "$out/jobs"
em++ -O3 -msimd128 $ehflag --profiling-funcs "$out"/*.o -sALLOW_MEMORY_GROWTH=1 -sENVIRONMENT=node -o "$out/probe.js"
node --no-experimental-fetch "$out/probe.js" 7
