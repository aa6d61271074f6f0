#!/usr/bin/env bash
# Installs what gradlab's builds need (run as root; uses sudo otherwise). Safe to run again.
#
#   bash scripts/setup.sh                 # native: the engine, the CLI, the C++ tests
#   bash scripts/setup.sh native wasm web # and Emscripten, and the web app's npm packages
#   bash scripts/setup.sh browser         # Debian's Chromium, for the browser tests
#   bash scripts/setup.sh native asan     # and clang with ASan/UBSan and libFuzzer (the asan preset)
#
# Debian packages come from apt-get (always refreshed with apt-get update when CI=true);
# the web app's packages come from npm with `npm ci` (web/package-lock.json).
set -euo pipefail
cd "$(dirname "$0")/.."

parts=("$@")
[ ${#parts[@]} -gt 0 ] || parts=(native)

packages=()
want_web=0
for part in "${parts[@]}"; do
  case "$part" in
    native) packages+=(cmake ninja-build g++ ccache libeigen3-dev nlohmann-json3-dev libgtest-dev libbenchmark-dev) ;;
    wasm) packages+=(cmake ninja-build ccache emscripten libeigen3-dev nlohmann-json3-dev googletest) ;;
    asan) packages+=(clang-14 libclang-rt-14-dev llvm-14) ;;  # clang++-14, the sanitizer and libFuzzer runtimes, llvm-symbolizer
    browser) packages+=(chromium) ;;
    web) want_web=1 ;;
    *)
      echo "setup: unknown part '$part' (allowed: native, asan, wasm, web, browser)" >&2
      exit 2
      ;;
  esac
done

if [ ${#packages[@]} -gt 0 ]; then
  missing=()
  for p in "${packages[@]}"; do
    dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
  done
  if [ "${CI:-}" = "true" ] || [ ${#missing[@]} -gt 0 ]; then
    sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    echo "setup: installing ${packages[*]}"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${packages[@]}" >/dev/null
  fi
fi

if [ "$want_web" = 1 ]; then
  # Vite 8 needs node >= 20.19; Debian 12's own nodejs package is older, so use the
  # machine's node and say so plainly if it is missing or too old.
  if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
    echo "setup: the web app needs node >= 20.19 and npm on PATH; neither was found" >&2
    exit 1
  fi
  if ! node -e 'const [a,b]=process.versions.node.split(".").map(Number); process.exit(a>20||(a===20&&b>=19)?0:1)'; then
    echo "setup: the web app needs node >= 20.19, found $(node --version)" >&2
    exit 1
  fi
  # npm ci only when the installed packages (npm's node_modules/.package-lock.json) are not
  # the lock file's: comparing versions, not file times, so a fresh checkout or a git worktree
  # whose node_modules is a link to a shared install does not reinstall (npm ci empties it).
  if [ "${CI:-}" = "true" ] || ! node -e '
    const fs = require("fs");
    const lock = JSON.parse(fs.readFileSync("web/package-lock.json", "utf8")).packages;
    const have = JSON.parse(fs.readFileSync("web/node_modules/.package-lock.json", "utf8")).packages;
    const stale = Object.keys(lock).filter((k) => k && !lock[k].optional && have[k]?.version !== lock[k].version)
      .concat(Object.keys(have).filter((k) => lock[k]?.version !== have[k].version));
    process.exit(stale.length ? 1 : 0);' 2>/dev/null; then
    echo "setup: npm ci in web/"
    (cd web && npm ci --no-audit --no-fund --loglevel=error)
  fi
fi
