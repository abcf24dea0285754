/**
 * The declared ranges of a public-input model's inputs as the registry stores them
 * (`IModelRegistry.PublicInputRange`): runs of consecutive inputs sharing one quantized [min, max],
 * in input order. The hub refuses a proof whose public input lies outside its run's range, so a
 * forger can only prove what some legitimate input in the spec's ranges would give.
 *
 * One storage slot per run: an MNIST-like model whose 784 pixels share [0, 255] costs the hub one
 * cold SLOAD, not 784.
 */
import type { ModelIR } from "../model/ir.js";
import { publicInputCount } from "../model/ir.js";

export interface PublicInputRange {
  count: number;
  min: bigint;
  max: bigint;
}

/** The registry's int120 bounds: a range beyond them cannot be registered. */
const INT120_MAX = (1n << 119n) - 1n;

/**
 * The runs of `ir`'s public inputs (quantized at the input scale, exactly as the prover quantizes
 * a feature before checking it against the declared range). Empty for a model with private inputs.
 */
export function publicInputRanges(ir: ModelIR): PublicInputRange[] {
  if (publicInputCount(ir) === 0) return [];
  const runs: PublicInputRange[] = [];
  for (const f of ir.features) {
    if (f.qmin < -INT120_MAX - 1n || f.qmax > INT120_MAX) {
      throw new RangeError(
        `Feature \`${f.name}\`: its quantized range [${f.qmin}, ${f.qmax}] does not fit the registry's int120 bounds. Lower inputBits or narrow the range.`,
      );
    }
    const last = runs.at(-1);
    if (last && last.min === f.qmin && last.max === f.qmax && last.count < 65_535) last.count++;
    else runs.push({ count: 1, min: f.qmin, max: f.qmax });
  }
  return runs;
}
