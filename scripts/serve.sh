#!/usr/bin/env bash
# Sets up everything, builds the engine for WebAssembly and the web app, and serves the
# playground on http://localhost:${PORT:-8080}/ (Ctrl-C stops it). A second run reuses the
# builds. `PORT=9000 bash scripts/serve.sh` picks another port.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/build-wasm.sh
bash scripts/setup.sh web
(cd web && npm run --silent build)
exec node web/scripts/serve.mjs web/dist --port "${PORT:-8080}"
