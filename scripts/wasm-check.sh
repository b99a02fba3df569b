#!/usr/bin/env bash
# Build woundsim's simulation core and woundsim-wasm for
# wasm32-unknown-unknown, then require the WebAssembly build to reproduce a
# native run bit for bit: the digest of a 2-day run's time series from
# Node.js must equal the native `digest` example of woundsim-wasm.
#
#   scripts/wasm-check.sh
#
# With a rustup toolchain that has the target (`rustup target add
# wasm32-unknown-unknown`), the ordinary `cargo build --target
# wasm32-unknown-unknown -p woundsim-core` does the same. Where rustup cannot
# download the target (this project's CI machines), Debian's rustc-web builds
# the standard library for wasm32 from source: this script installs it
# (apt, as root) when missing and uses it for this build only.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
CRATES=(woundsim-core woundsim-wasm)
say() { echo "wasm-check: $*" >&2; }

if rustup target list --installed 2>/dev/null | grep -qx wasm32-unknown-unknown; then
    say "using rustup's wasm32-unknown-unknown target"
    for c in "${CRATES[@]}"; do
        cargo build --release --target wasm32-unknown-unknown --target-dir target/wasm -p "$c" --lib
    done
else
    if ! [ -x /usr/bin/rustc ] || ! [ -d /usr/lib/rustlib/src/rust/library ] || ! command -v wasm-ld >/dev/null; then
        say "installing Debian's rustc-web, rust-web-src and lld"
        [ "$(id -u)" -eq 0 ] || { say "FAIL: need root to install packages"; exit 1; }
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq rustc-web rust-web-src lld >/dev/null
    fi

    say "building ${CRATES[*]} with $(/usr/bin/rustc --version) and -Zbuild-std"
    for c in "${CRATES[@]}"; do
        # RUSTC_BOOTSTRAP unlocks -Zbuild-std on a stable compiler, for this build only.
        RUSTC=/usr/bin/rustc RUSTC_BOOTSTRAP=1 \
        CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_LINKER=wasm-ld \
            cargo build --release -Zbuild-std=std,panic_abort \
            --target wasm32-unknown-unknown --target-dir target/wasm -p "$c" --lib
    done
fi

WASM=target/wasm/wasm32-unknown-unknown/release/woundsim_wasm.wasm
[ -f "$WASM" ] || { say "FAIL: no $WASM"; exit 1; }
say "$WASM: $(stat -c %s "$WASM") bytes"
command -v node >/dev/null || { say "FAIL: node is needed to run the WebAssembly build"; exit 1; }
native=$(cargo run --release -q -p woundsim-wasm --example digest -- 2 1)
wasm=$(node scripts/wasm-digest.mjs "$WASM" 2 1)
say "digest of a 2-day run: native $native, wasm32 $wasm"
[ "$native" = "$wasm" ] || { say "FAIL: the WebAssembly build does not reproduce the native run"; exit 1; }
say "ok: bit-identical"
