#!/usr/bin/env bash
# Sets up, builds and runs every test suite; what CI runs. Suites, in order:
#   native   one native release tree: the CLI and every C++ test, float and double (ctest)
#   asan     one clang tree with AddressSanitizer + UndefinedBehaviorSanitizer (build/asan):
#            the float tests of spec, data, session and lesson, then each libFuzzer
#            target for a bounded time on its committed seed corpus (docs/testing.md)
#   wasm     the engine's WebAssembly modules, the kernel and recurrent tests compiled to
#            wasm and run under node, and the JS API tests of the module (node --test), on
#            the simd flavour and again on the relaxed one
#   web      the web app: type check + production build, unit tests (vitest), and browser
#            end-to-end tests (node --test + playwright-core + Debian's Chromium)
# Every suite runs even when an earlier one failed (a suite whose build fails counts as one
# failure). The last line is the total over all suites: "N passed, N failed".
#
#   bash scripts/test.sh              # everything
#   bash scripts/test.sh native web   # some suites (the web suite needs the wasm build)
#
# Logs: build/test-logs/<suite>.log.
set -uo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
export NODE_PATH="${NODE_PATH:-/usr/share/nodejs}"
jobs="${GRADLAB_JOBS:-2}"
suites=("$@")
[ ${#suites[@]} -gt 0 ] || suites=(native asan wasm web)
logs=build/test-logs
mkdir -p "$logs"

passed=0
failed=0
summary=()

# count LABEL PASSED FAILED: adds one runner's totals.
count() {
  passed=$((passed + $2))
  failed=$((failed + $3))
  summary+=("$(printf '%-46s %5d passed, %d failed' "$1" "$2" "$3")")
}

# step LABEL LOG CMD...: runs a build step, teeing its output; a failure counts as one failed test.
step() {
  local label=$1 log=$2
  shift 2
  echo "== $label" >&2
  if ! "$@" > >(tee -a "$log") 2>&1; then
    count "$label (did not complete)" 0 1
    return 1
  fi
}

# Runner output -> counts. ctest: "100% tests passed, 0 tests failed out of 1074".
ctest_counts() {
  local line total bad
  line=$(grep -E 'tests passed, [0-9]+ tests? failed out of [0-9]+' "$2" | tail -1)
  if [ -z "$line" ]; then count "$1 (no summary)" 0 1; return; fi
  bad=$(sed -E 's/.* ([0-9]+) tests? failed.*/\1/' <<<"$line")
  total=$(sed -E 's/.*out of ([0-9]+).*/\1/' <<<"$line")
  count "$1" $((total - bad)) "$bad"
}
# node --test (TAP "# pass N" / spec "ℹ pass N"). A test skipped here (its prerequisite,
# e.g. a build, was missing) counts as failed: this script builds everything first.
node_counts() {
  local p f s
  p=$(grep -E '^(# |ℹ )pass [0-9]+' "$2" | tail -1 | grep -oE '[0-9]+$')
  f=$(grep -E '^(# |ℹ )fail [0-9]+' "$2" | tail -1 | grep -oE '[0-9]+$')
  s=$(grep -E '^(# |ℹ )skipped [0-9]+' "$2" | tail -1 | grep -oE '[0-9]+$')
  if [ -z "$p" ]; then count "$1 (no summary)" 0 1; return; fi
  count "$1" "$p" "${f:-0}"
  [ "${s:-0}" -eq 0 ] || count "$1: skipped, counted as failed" 0 "$s"
}
# GoogleTest: "[  PASSED  ] 19 tests." / "[  FAILED  ] 2 tests, listed below:".
gtest_counts() {
  local p f
  p=$(grep -E '^\[  PASSED  \] [0-9]+ test' "$2" | grep -oE '[0-9]+' | head -1)
  f=$(grep -E '^\[  FAILED  \] [0-9]+ tests?, listed below' "$2" | grep -oE '[0-9]+' | head -1)
  if [ -z "$p$f" ]; then count "$1 (no summary)" 0 1; return; fi
  count "$1" "${p:-0}" "${f:-0}"
}
# vitest: "Tests  12 passed (12)" or "Tests  1 failed | 11 passed (12)".
vitest_counts() {
  local line p f s
  line=$(sed -E 's/\x1b\[[0-9;]*m//g' "$2" | grep -E '^ +Tests +' | tail -1)
  if [ -z "$line" ]; then count "$1 (no summary)" 0 1; return; fi
  p=$(grep -oE '[0-9]+ passed' <<<"$line" | grep -oE '[0-9]+')
  f=$(grep -oE '[0-9]+ failed' <<<"$line" | grep -oE '[0-9]+')
  s=$(grep -oE '[0-9]+ skipped' <<<"$line" | grep -oE '[0-9]+')
  count "$1" "${p:-0}" "${f:-0}"
  [ "${s:-0}" -eq 0 ] || count "$1: skipped, counted as failed" 0 "$s"
}

run_native() {
  local log=$logs/native.log
  : >"$log"
  step "native: setup" "$log" bash scripts/setup.sh native || return
  step "native: configure" "$log" cmake --preset native-release || return
  step "native: build" "$log" cmake --build --preset native-release -j "$jobs" || return
  ctest --preset native-release -j "$jobs" 2>&1 | tee -a "$log" | tail -n 25
  ctest_counts "native: ctest (C++ f32 + f64, CLI)" "$log"
}

# Under ASan+UBSan (clang at -O1, about 2-3x slower than release) CI runs the float tests
# of the folders that read what a user hands gradlab and drive every layer through whole
# training steps: spec (the reader, limits), data (CSV, datasets), session (validate, the
# Session of every model kind, checkpoints) and lesson (lesson files); then the libFuzzer
# targets. The other folders (kernels, ops, nn, optim, inspect...) and the double flavour
# run in the release tree; building them here too would about double this suite's time
# (docs/testing.md has the figures). `GRADLAB_ASAN_FOLDERS="..."` widens it by hand.
asan_folders=(${GRADLAB_ASAN_FOLDERS:-spec data session lesson})
# Each fuzz target runs for this long on a copy of tests/fuzz/corpus/<target>/ (a crash,
# a hang over 5 s, 2 GB of memory or a sanitizer report fails it; the input is kept in
# build/test-logs/fuzz-<target>-*).
fuzz_targets=(spec checkpoint csv lesson)
fuzz_seconds="${GRADLAB_FUZZ_SECONDS:-30}"

run_asan() {
  local log=$logs/asan.log
  : >"$log"
  step "asan: setup" "$log" bash scripts/setup.sh native asan || return
  step "asan: configure" "$log" cmake --preset asan || return
  local programs=() targets=() f name t
  for f in "${asan_folders[@]}"; do
    for name in tests/"$f"/*_test.cpp; do
      name=$(basename "$name" .cpp)
      programs+=("${f}_${name}_f32")
    done
  done
  for t in "${fuzz_targets[@]}"; do targets+=("${t}_fuzz"); done
  step "asan: build" "$log" cmake --build --preset asan -j "$jobs" --target "${programs[@]}" "${targets[@]}" || return
  local env=(ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
             ASAN_SYMBOLIZER_PATH=/usr/lib/llvm-14/bin/llvm-symbolizer)
  local plog
  for t in "${programs[@]}"; do
    plog=$logs/asan-$t.log
    (cd build/asan/tests && env "${env[@]}" "./$t" --gtest_brief=1) >"$plog" 2>&1
    tail -n 3 "$plog" | tee -a "$log"
    gtest_counts "asan: $t" "$plog"
  done
  local t tlog work
  for t in "${fuzz_targets[@]}"; do
    tlog=$logs/fuzz-$t.log
    work=$(mktemp -d)
    env "${env[@]}" "build/asan/tests/fuzz/${t}_fuzz" -max_total_time="$fuzz_seconds" -rss_limit_mb=2048 -timeout=5 \
      -print_final_stats=1 -artifact_prefix="$logs/fuzz-$t-" "$work" "tests/fuzz/corpus/$t" >"$tlog" 2>&1
    local rc=$?
    rm -rf "$work"
    tail -n 2 "$tlog"
    if [ $rc -eq 0 ] && grep -q '^stat::number_of_executed_units' "$tlog"; then
      count "asan: fuzz $t ($(grep -oE 'number_of_executed_units: [0-9]+' "$tlog" | grep -oE '[0-9]+') inputs, ${fuzz_seconds}s)" 1 0
    else
      count "asan: fuzz $t (a finding: $tlog)" 0 1
    fi
  done
}

# The wasm programs of these tests run under node: the simd128 kernels against their scalar
# reference, and the recurrent layers (fused cells) against golden values. The whole suite
# under wasm is `ctest --preset wasm` (about 3 minutes after a 30-minute build; docs/wasm.md).
# kernels_simd128_relaxed_test_f32: the simd128 tests on the relaxed flavour's GEMM (node 20
# runs relaxed SIMD behind --experimental-wasm-relaxed-simd, given to every program here).
# wasm_memcpy_big_test: the modules' own copy routine for 512 bytes and more (bindings/wasm/memcpy_big.cpp).
wasm_tests=(kernels_kernels_test_f32 kernels_simd128_test_f32 kernels_simd128_relaxed_test_f32 kernels_cells_test_f32 nn_recurrent_test_f32 nn_recurrent_golden_test_f32 wasm_memcpy_big_test)

run_wasm() {
  local log=$logs/wasm.log
  : >"$log"
  step "wasm: setup" "$log" bash scripts/setup.sh wasm || return
  step "wasm: configure" "$log" cmake --preset wasm || return
  step "wasm: build modules and tests" "$log" cmake --build --preset wasm -j "$jobs" --target gradlab_wasm_web gradlab_wasm_node \
    gradlab_wasm_web_relaxed gradlab_wasm_node_relaxed "${wasm_tests[@]}" || return
  local t tlog
  for t in "${wasm_tests[@]}"; do
    tlog=$logs/wasm-$t.log
    (cd "$root" && node --no-experimental-fetch --experimental-wasm-relaxed-simd "build/wasm/tests/$t.js" --gtest_brief=1) >"$tlog" 2>&1
    tail -n 3 "$tlog"
    gtest_counts "wasm: $t" "$tlog"
  done
  tlog=$logs/wasm-api.log
  node --test bindings/wasm/test/ >"$tlog" 2>&1
  tail -n 9 "$tlog"
  node_counts "wasm: JS API (node --test)" "$tlog"
  # The same tests on the relaxed flavour (node 20 enables relaxed SIMD behind a flag).
  tlog=$logs/wasm-api-relaxed.log
  GRADLAB_WASM_FLAVOUR=relaxed node --experimental-wasm-relaxed-simd --test bindings/wasm/test/ >"$tlog" 2>&1
  tail -n 9 "$tlog"
  node_counts "wasm: JS API, relaxed flavour (node --test)" "$tlog"
}

run_web() {
  local log=$logs/web.log
  : >"$log"
  step "web: setup" "$log" bash scripts/setup.sh web browser || return
  step "web: type check and build" "$log" bash -c "cd web && npm run --silent build" || return
  local tlog=$logs/web-unit.log
  (cd web && npx vitest run) >"$tlog" 2>&1
  tail -n 6 "$tlog"
  vitest_counts "web: unit (vitest)" "$tlog"
  tlog=$logs/web-e2e.log
  (cd web && node --test --test-concurrency=1 --test-reporter=spec test/e2e/) >"$tlog" 2>&1
  tail -n 12 "$tlog"
  node_counts "web: browser end-to-end (node --test)" "$tlog"
}

for suite in "${suites[@]}"; do
  case "$suite" in
    native) run_native ;;
    asan) run_asan ;;
    wasm) run_wasm ;;
    web) run_web ;;
    *)
      echo "test.sh: unknown suite '$suite' (allowed: native, asan, wasm, web)" >&2
      exit 2
      ;;
  esac
done

echo
echo "Suites (logs in $logs/):"
printf '  %s\n' "${summary[@]}"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
