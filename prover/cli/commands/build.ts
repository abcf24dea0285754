/**
 * `zkinfer build <model-dir|spec.json>`: spec -> IR -> circuit -> r1cs/wasm -> ptau -> keys (the spec's proofSystem) ->
 * Solidity verifier, each step cached by the content hash of its inputs.
 */
import { parseArgs } from "node:util";
import { buildModel } from "../../build/buildModel.js";
import type { Command } from "../command.js";
import { UsageError } from "../usage.js";

export const command: Command = {
  usage: "<model-dir|spec.json> [--ptau <file>]",
  summary:
    "Builds a model: circuit, powers of tau (a development one unless --ptau or $ZKINFER_PTAU gives a ceremony file), " +
    "the keys of the spec's proofSystem (groth16 by default; plonk and fflonk need no per-circuit ceremony) and Solidity verifier, under $ZKINFER_BUILD_DIR (default ./build). Unchanged steps are skipped.",
  async run(argv, ctx) {
    const { positionals, values } = parseArgs({
      args: argv,
      allowPositionals: true,
      options: { ptau: { type: "string" } },
    });
    if (positionals.length !== 1) throw new UsageError("expected exactly one argument, the model folder or spec");
    const built = await buildModel({ specPath: ctx.spec(positionals[0]!), ptau: values.ptau, log: console.log });
    console.log(`built ${built.name} ${built.version}: ${built.numPublicSignals} public signals`);
  },
};
