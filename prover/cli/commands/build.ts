/**
 * `zkinfer build <model-dir|spec.json>`: spec -> IR -> circuit -> r1cs/wasm -> ptau -> keys (the spec's proofSystem) ->
 * Solidity verifier, each step cached by the content hash of its inputs. With `--aggregate 4,16` also
 * the model's aggregated keys and verifiers for those batch sizes (docs/AGGREGATION.md).
 */
import { parseArgs } from "node:util";
import { checkAggregationSize } from "../../abi/aggregatedSignals.js";
import { buildAggregated } from "../../build/buildAggregated.js";
import { buildModel } from "../../build/buildModel.js";
import type { Command } from "../command.js";
import { UsageError } from "../usage.js";

/** The batch sizes of `--aggregate 4,16,64`; a usage error names a bad one. */
export function parseAggregateSizes(text: string): number[] {
  const sizes = text.split(",").map((s) => s.trim());
  return sizes.map((s) => {
    const n = /^[0-9]+$/.test(s) ? Number(s) : NaN;
    try {
      checkAggregationSize(n);
    } catch {
      throw new UsageError(`--aggregate: "${s}" is not a batch size (a power of two in [2, 1024], e.g. --aggregate 4,16,64)`);
    }
    return n;
  });
}

export const command: Command = {
  usage: "<model-dir|spec.json> [--ptau <file>] [--aggregate <N,N,...>]",
  summary:
    "Builds a model: circuit, powers of tau (a development one unless --ptau or $ZKINFER_PTAU gives a ceremony file), " +
    "the keys of the spec's proofSystem (groth16 by default; plonk and fflonk need no per-circuit ceremony) and Solidity verifier, under $ZKINFER_BUILD_DIR (default ./build). Unchanged steps are skipped. " +
    "--aggregate 4,16 also builds the aggregated keys and verifiers: one Groth16 proof for up to N statements (docs/AGGREGATION.md).",
  async run(argv, ctx) {
    const { positionals, values } = parseArgs({
      args: argv,
      allowPositionals: true,
      options: { ptau: { type: "string" }, aggregate: { type: "string" } },
    });
    if (positionals.length !== 1) throw new UsageError("expected exactly one argument, the model folder or spec");
    const sizes = values.aggregate === undefined ? [] : parseAggregateSizes(values.aggregate);
    const specPath = ctx.spec(positionals[0]!);
    const built = await buildModel({ specPath, ptau: values.ptau, log: console.log });
    console.log(`built ${built.name} ${built.version}: ${built.numPublicSignals} public signals`);
    for (const n of sizes) {
      const agg = await buildAggregated({ specPath, n, ptau: values.ptau, log: console.log });
      console.log(`built ${agg.name}: ${n} slots, ${agg.numPublicSignals} public signals, ${agg.circuit.nonLinearConstraints} constraints`);
    }
  },
};
