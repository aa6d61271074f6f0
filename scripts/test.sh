#!/usr/bin/env bash
# Sets up, builds (one native tree: the CLI and every test, float and double), and runs
# every test with ctest. The last lines are ctest's own summary.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
jobs="${GRADLAB_JOBS:-2}"
cmake --preset native-release >/dev/null
cmake --build --preset native-release -j "$jobs"
ctest --preset native-release -j "$jobs"
