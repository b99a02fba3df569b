// Run woundsim's WebAssembly build in Node.js and print the digest of the
// check run: node scripts/wasm-digest.mjs FILE.wasm [DAYS] [SEED]
import { readFileSync } from "node:fs";
const [file, days = "2", seed = "1"] = process.argv.slice(2);
const { instance } = await WebAssembly.instantiate(readFileSync(file), {});
const digest = instance.exports.woundsim_digest(Number(days), BigInt(seed));
console.log(BigInt.asUintN(64, digest).toString());
