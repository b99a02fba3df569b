#!/usr/bin/env bash
# Build woundsim's web app (the simulation engine in WebAssembly plus the
# page in web/) into one folder of static files:
#
#   scripts/build-site.sh [OUT_DIR]      # default target/site
#
# then `woundsim serve` (or any static file server) serves OUT_DIR.
#
# With a rustup toolchain that has the target (`rustup target add
# wasm32-unknown-unknown`) the ordinary `cargo build --target
# wasm32-unknown-unknown` is used. Where rustup cannot download the target
# (this project's CI machines), Debian's rustc-web builds the standard
# library for wasm32 from source: this script installs it (apt, as root)
# when missing and uses it for this build only. The wasm-bindgen CLI is
# installed with cargo when missing, at the version of the wasm-bindgen
# crate that crates/wasm pins.
#
# The module uses WebAssembly SIMD (`+simd128`: about 1.5-1.8 times faster;
# every current browser has it). SIMD changes no result: the WebAssembly
# build reproduces a native run bit for bit (scripts/wasm-check.sh).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
OUT=${1:-target/site}
say() { echo "build-site: $*" >&2; }
TARGET_DIR=target/wasm-simd
export CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUSTFLAGS="-C target-feature=+simd128"

# The wasm-bindgen version crates/wasm pins (`wasm-bindgen = "=X"`).
WB_VERSION=$(sed -n 's/^wasm-bindgen = "=\([0-9.]*\)".*/\1/p' crates/wasm/Cargo.toml)
[ -n "$WB_VERSION" ] || { say "FAIL: no pinned wasm-bindgen version in crates/wasm/Cargo.toml"; exit 1; }

if ! command -v wasm-bindgen >/dev/null || [ "$(wasm-bindgen --version | awk '{print $2}')" != "$WB_VERSION" ]; then
    say "installing wasm-bindgen-cli $WB_VERSION (a few minutes, once)"
    cargo install wasm-bindgen-cli --version "$WB_VERSION" --force
fi

if rustup target list --installed 2>/dev/null | grep -qx wasm32-unknown-unknown; then
    say "using rustup's wasm32-unknown-unknown target"
    cargo build --release --target wasm32-unknown-unknown --target-dir $TARGET_DIR -p woundsim-wasm --lib
else
    if ! [ -x /usr/bin/rustc ] || ! [ -d /usr/lib/rustlib/src/rust/library ] || ! command -v wasm-ld >/dev/null; then
        say "installing Debian's rustc-web, rust-web-src and lld"
        [ "$(id -u)" -eq 0 ] || { say "FAIL: need root to install packages (or: rustup target add wasm32-unknown-unknown)"; exit 1; }
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq rustc-web rust-web-src lld >/dev/null
    fi
    say "building woundsim-wasm with $(/usr/bin/rustc --version) and -Zbuild-std"
    # RUSTC_BOOTSTRAP unlocks -Zbuild-std on a stable compiler, for this build only.
    RUSTC=/usr/bin/rustc RUSTC_BOOTSTRAP=1 \
    CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_LINKER=wasm-ld \
        cargo build --release -Zbuild-std=std,panic_abort \
        --target wasm32-unknown-unknown --target-dir $TARGET_DIR -p woundsim-wasm --lib
fi

WASM=$TARGET_DIR/wasm32-unknown-unknown/release/woundsim_wasm.wasm
[ -f "$WASM" ] || { say "FAIL: no $WASM"; exit 1; }

# Build into a fresh folder beside OUT, then swap it in.
TMP="$OUT.tmp.$$"
rm -rf "$TMP"
mkdir -p "$TMP"
trap 'rm -rf "$TMP"' EXIT
wasm-bindgen --target web --no-typescript --out-dir "$TMP/pkg" "$WASM"
cp web/*.html web/*.js web/*.css "$TMP/"
rm -rf "$OUT"
mv "$TMP" "$OUT"
trap - EXIT

BG="$OUT/pkg/woundsim_wasm_bg.wasm"
say "built $OUT: $(stat -c %s "$BG") bytes of WebAssembly, $(gzip -9 -c "$BG" | wc -c) gzipped"
say "serve it with: woundsim serve --dir $OUT   (or any static file server)"
