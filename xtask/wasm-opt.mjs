// What `wasm-opt -Oz --enable-bulk-memory --enable-nontrapping-float-to-int
// --strip-producers --strip-target-features <file> -o <file>` does, for many files in one
// process: `cargo xtask` runs one of these per core (see `optimise` in src/main.rs).
//
//   node wasm-opt.mjs <path of binaryen's index.js> <file.wasm>...
//
// npm's binaryen is binaryen compiled to Wasm (its `wasm-opt` command too). A command per
// file made node compile that 10 MB module afresh each time, in the background, at its
// best tier: four fifths of the time went there, for 182 files. Here it is compiled once.
// The output is byte for byte the command's (checked over every file of a build): the
// command's -Oz also sets the two Stack IR options below.
//
// Each file is rewritten in place. Binaryen's warnings go to stderr, which the xtask shows
// only when this fails.
import { readFileSync, writeFileSync } from "node:fs";
import { pathToFileURL } from "node:url";

const [binaryenPath, ...files] = process.argv.slice(2);
if (!binaryenPath || files.length === 0) {
  console.error("usage: node wasm-opt.mjs <binaryen/index.js> <file.wasm>...");
  process.exit(2);
}
const { default: binaryen } = await import(pathToFileURL(binaryenPath).href);

// -Oz: optimise level 2, shrink level 2.
binaryen.setOptimizeLevel(2);
binaryen.setShrinkLevel(2);
binaryen.setGenerateStackIR(true);
binaryen.setOptimizeStackIR(true);
// Names stay out of the output, as without `-g`.
binaryen.setDebugInfo(false);

const { BulkMemory, NontrappingFPToInt } = binaryen.Features;
for (const file of files) {
  const module = binaryen.readBinary(readFileSync(file));
  try {
    // The features the module's target_features section names, and these two.
    module.setFeatures(module.getFeatures() | BulkMemory | NontrappingFPToInt);
    if (!module.validate()) {
      throw new Error(`${file} is not valid Wasm (binaryen's reasons are above)`);
    }
    module.optimize();
    // Toolchain notes no browser reads: ~190 bytes a chunk.
    module.runPasses(["strip-producers", "strip-target-features"]);
    writeFileSync(file, module.emitBinary());
  } finally {
    module.dispose();
  }
}
