// Run woundsim's WebAssembly build (as bound by wasm-bindgen for the web
// app) in Node.js and print the digest of the check run:
//   node scripts/wasm-digest.mjs SITE_DIR [DAYS] [SEED]
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
const [site, days = "2", seed = "1"] = process.argv.slice(2);
const pkg = resolve(site, "pkg");
const wasm = await import(pathToFileURL(join(pkg, "woundsim_wasm.js")).href);
wasm.initSync({ module: readFileSync(join(pkg, "woundsim_wasm_bg.wasm")) });
const digest = wasm.digest(Number(days), BigInt(seed));
console.log(BigInt.asUintN(64, digest).toString());
