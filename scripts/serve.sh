#!/usr/bin/env bash
# Sets up everything, builds the engine for WebAssembly and the web app, and serves the
# playground on http://localhost:${PORT:-8080}/ (Ctrl-C stops it). A second run rebuilds
# nothing that has not changed: ninja rebuilds only the engine files whose sources changed
# ("ninja: no work to do." when none did), and the web app is built only when a file it is
# built from is newer than web/dist (web/scripts/up-to-date.mjs says which).
# `PORT=9000 bash scripts/serve.sh` picks another port. Progress goes to stdout; stderr is
# for real errors.
set -euo pipefail
cd "$(dirname "$0")/.."
echo "serve: the engine (WebAssembly, build/wasm/)"
bash scripts/build-wasm.sh
bash scripts/setup.sh web
if ! node web/scripts/up-to-date.mjs; then
  (cd web && npm run --silent build)
fi
exec node web/scripts/serve.mjs web/dist --port "${PORT:-8080}"
