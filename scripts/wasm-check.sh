#!/usr/bin/env bash
# Build woundsim's simulation core and woundsim-wasm for
# wasm32-unknown-unknown (scripts/build-site.sh, which installs what it
# needs), then require the WebAssembly build to reproduce a native run bit
# for bit: the digest of a 2-day run's time series from Node.js must equal
# the native `digest` example of woundsim-wasm.
#
#   scripts/wasm-check.sh
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
say() { echo "wasm-check: $*" >&2; }

bash scripts/build-site.sh target/site
command -v node >/dev/null || { say "FAIL: node is needed to run the WebAssembly build"; exit 1; }
native=$(cargo run --release -q -p woundsim-wasm --example digest -- 2 1)
wasm=$(node scripts/wasm-digest.mjs target/site 2 1)
say "digest of a 2-day run: native $native, wasm32 $wasm"
[ "$native" = "$wasm" ] || { say "FAIL: the WebAssembly build does not reproduce the native run"; exit 1; }
say "ok: bit-identical"
