/**
 * Do the reported error bounds hold, and how tight are they? Every model folder (network.onnx +
 * input.json) of the given corpora through prover/onnx/boundCheck.ts: the exact quantized
 * interpreter (= the circuit) against the float reference on the model's own input and on drawn
 * inputs inside its declared ranges, within the bound. Prints one line per model, then the
 * bound / error distribution over the supported models with a non-zero error.
 * Usage: npx tsx scripts/onnx-bounds.ts [corpus dir...]   (default: test/fixtures/onnx test/fixtures/onnx-wide)
 */
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { REPO_ROOT } from "../prover/artifacts/paths.js";
import { checkBounds } from "../prover/onnx/boundCheck.js";

const dirs = process.argv.slice(2);
const corpora = dirs.length ? dirs : [join(REPO_ROOT, "test/fixtures/onnx"), join(REPO_ROOT, "test/fixtures/onnx-wide")];
const ratios: { model: string; ratio: number }[] = [];
/** Per supported model with a bound: its error and its bound (the ratio alone hides both shrinking). */
const pairs: { error: number; bound: number }[] = [];
let supported = 0;
let total = 0;
let exact = 0;
const out: string[] = [];
for (const corpus of corpora) {
  const models = readdirSync(corpus, { withFileTypes: true })
    .filter((d) => existsSync(join(corpus, d.name, "network.onnx")))
    .map((d) => d.name)
    .sort();
  let sup = 0;
  for (const m of models) {
    total++;
    const r = await checkBounds(join(corpus, m, "network.onnx"), join(corpus, m, "input.json"));
    const e = r.maxAbsError;
    const b = r.errorBound;
    if (r.status === "supported") {
      supported++;
      sup++;
      if (e !== undefined && typeof b === "number") pairs.push({ error: e, bound: b });
      if (e !== undefined && e > 0 && typeof b === "number") ratios.push({ model: m, ratio: b / e });
      else exact++;
    }
    const what =
      r.status === "refused"
        ? `refused: ${r.reason!.split("\n")[0]!.slice(0, 140)}`
        : `${r.status === "supported" ? "within bound" : "OUT OF BOUND"}  error ${e?.toExponential(2)}  bound ${b === null ? "none (discrete)" : b?.toExponential(2)}` +
          `${e && b ? `  ratio ${(b / e).toPrecision(3)}` : ""}  ref ${r.reference}  drawn ${r.drawn ?? 0} (worst error/bound ${r.drawnWorstRatio?.toFixed(3) ?? "-"})`;
    console.log(`${m.padEnd(28)} ${what}`);
  }
  out.push(`${corpus}: ${sup} / ${models.length} within their bound`);
}
ratios.sort((a, b) => a.ratio - b.ratio);
const q = (p: number) => ratios[Math.min(ratios.length - 1, Math.floor(p * (ratios.length - 1) + 0.5))]?.ratio;
console.log("");
for (const l of out) console.log(l);
console.log(`supported within bound: ${supported} / ${total}; ${exact} exact (error 0) or discrete`);
console.log(
  `bound / error over ${ratios.length} models with a non-zero error: median ${q(0.5)?.toPrecision(3)}, 90th percentile ${q(0.9)?.toPrecision(3)}, worst ${ratios.at(-1)?.ratio.toPrecision(3)} (${ratios
    .slice(-4)
    .reverse()
    .map((r) => `${r.model} ${r.ratio.toPrecision(3)}`)
    .join(", ")})`,
);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)];
console.log(
  `over the ${pairs.length} supported models with a bound: median error ${median(pairs.map((p) => p.error))?.toExponential(2)}, median bound ${median(pairs.map((p) => p.bound))?.toExponential(2)}`,
);
