#!/usr/bin/env bash
# Sets up, builds the gradlab CLI (release), and trains the default example (XOR with a
# small MLP); prints where the metrics and checkpoint went. Pass another spec to train it.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
cmake --preset native-release >/dev/null
cmake --build --preset native-release --target gradlab -j "${GRADLAB_JOBS:-2}"
spec="${1:-examples/xor.json}"
./build/native-release/bindings/cli/gradlab params "$spec"
./build/native-release/bindings/cli/gradlab run "$spec"
