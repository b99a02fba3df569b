//! Print the native digest of the wasm check run:
//! `cargo run --release -p woundsim-wasm --example digest -- [DAYS] [SEED]` (default 2 days, seed 1), as a decimal
//! number, for `scripts/wasm-check.sh` to compare with the WebAssembly build.

fn main() {
    let mut args = std::env::args().skip(1);
    let days = args.next().and_then(|a| a.parse().ok()).unwrap_or(2);
    let seed = args.next().and_then(|a| a.parse().ok()).unwrap_or(1);
    println!("{}", woundsim_wasm::digest(days, seed));
}
