/**
 * The compiler's part of `npm run bench`: constraint counts only (compile, no setup).
 *
 * - MLP 784-56-10 (the size of a published benchmark; seeded random weights, inputs in [0, 1) at
 *   2^-8, weights and activations at 2^8) with public weights: the whole circuit with private
 *   committed inputs, the whole circuit with public inputs (the target's case), and the layers
 *   alone (input range checks and input commitment left out: a bench-only circuit).
 * - The same MLP with private weights: the total and the share spent on the weight commitment
 *   (range checks of the packed weights + Poseidon) = total - public-weight total - one per multiply.
 * - Trees: constraints per split node of TreeSplit at several comparison widths, and per split in
 *   the bundled credit-trees model (its layers alone, over its splits).
 */
import { mkdtempSync, writeFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { bundledSpecPath, circuitBaseName } from "../prover/artifacts/paths.js";
import { generateCircuit } from "../prover/circuit/codegen.js";
import { compileCircuit } from "../prover/circuit/compile.js";
import { seededRandom } from "../prover/data/germanCredit.js";
import { inputCommitment } from "../prover/model/commitment.js";
import { modelCommitment } from "../prover/circuit/commitment.js";
import { lowerModel, type ModelIR } from "../prover/model/ir.js";
import { parseModelSpec, readModelSpec, type ModelSpec } from "../prover/model/spec.js";
import { readFileSync } from "node:fs";
import { WitnessCalculatorBuilder } from "circom_runtime";
import * as snarkjs from "snarkjs";
import { setupGroth16 } from "../prover/setup/groth16.js";
import { requiredPtauPower, resolvePtau } from "../prover/setup/ptau.js";
import { median, round } from "./stats.js";

async function constraintsOf(ir: ModelIR, omitInputHandling = false): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), "zkinfer-bench-"));
  try {
    const source = join(dir, `${circuitBaseName(ir.name)}.circom`);
    writeFileSync(source, generateCircuit({ ir, modelCommitment: await modelCommitment(ir), omitInputHandling }));
    const info = await compileCircuit({ source, outDir: dir });
    return info.nonLinearConstraints + info.linearConstraints;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export function mlpSpec(hidden: number, privateWeights: boolean): ModelSpec {
  const random = seededRandom(784);
  const layer = (nIn: number, nOut: number) => ({
    type: "dense" as const,
    weights: Array.from({ length: nOut }, () => Array.from({ length: nIn }, () => Math.round((random() - 0.5) * 2 * Math.sqrt(6 / (nIn + nOut)) * 256) / 256)),
    bias: Array.from({ length: nOut }, () => Math.round((random() - 0.5) * 0.2 * 256) / 256),
  });
  return parseModelSpec({
    name: privateWeights ? "mlp-784-private" : "mlp-784",
    version: "1.0.0",
    fixedPoint: { inputBits: 8, weightBits: 8, activationBits: 8 },
    features: Array.from({ length: 784 }, (_, i) => ({ name: `px_${i}`, unit: "intensity", min: 0, max: 255 / 256 })),
    layers: [
      layer(784, hidden),
      { type: "relu" },
      layer(hidden, 10),
      { type: "output", outputs: Array.from({ length: 10 }, (_, k) => ({ name: `digit_${k}`, unit: "logit" })) },
    ],
    ...(privateWeights ? { visibility: { weights: "private", weightSalt: "123456789012345678901234567890" } } : {}),
  });
}

/**
 * Warm proving time of MLP 784-56-10 with public weights and private, committed inputs: compile, a
 * development Groth16 setup (2^14 ptau), then witness + prove with the wasm and zkey already in
 * memory, one warm-up run and the median of `runs`. Returns the constraints and the median ms.
 */
export async function mlp784PrivateInputProving(log: (line: string) => void, runs = 5): Promise<{ constraints: number; proveMs: number; ptauPower: number }> {
  const ir = lowerModel(mlpSpec(56, false));
  const dir = mkdtempSync(join(tmpdir(), "zkinfer-bench-"));
  try {
    const base = circuitBaseName(ir.name);
    const source = join(dir, `${base}.circom`);
    writeFileSync(source, generateCircuit({ ir, modelCommitment: await modelCommitment(ir) }));
    const info = await compileCircuit({ source, outDir: dir });
    const constraints = info.nonLinearConstraints + info.linearConstraints;
    const power = requiredPtauPower(constraints, info.publicInputs + info.publicOutputs);
    const { path: ptau } = await resolvePtau({ power, log });
    const zkey = join(dir, "final.zkey");
    await setupGroth16({
      r1cs: join(dir, `${base}.r1cs`),
      ptau,
      zkeyInitial: join(dir, "0.zkey"),
      zkeyContributed: join(dir, "1.zkey"),
      zkeyFinal: zkey,
      vkey: join(dir, "vkey.json"),
    });
    const zkeyBytes = readFileSync(zkey);
    const wc = await WitnessCalculatorBuilder(readFileSync(join(dir, `${base}_js`, `${base}.wasm`)));
    const random = seededRandom(7);
    const times: number[] = [];
    for (let r = 0; r <= runs; r++) {
      const inputs = ir.features.map((f) => f.qmin + BigInt(Math.floor(random() * Number(f.qmax - f.qmin + 1n))));
      const t0 = performance.now();
      const wtns = await wc.calculateWTNSBin({ features: inputs, salt: 99n, subject: 1n, nonce: 1n }, true);
      const { publicSignals } = await snarkjs.groth16.prove({ type: "mem", data: zkeyBytes }, { type: "mem", data: wtns });
      if (r > 0) times.push(performance.now() - t0); // run 0 warms up
      // The circuit's commitment is the TypeScript one (public signal after the 10 outputs and modelCommitment).
      if (BigInt(publicSignals[11] ?? -1) !== (await inputCommitment(ir.features, inputs, 99n))) throw new Error("input commitment mismatch");
    }
    const proveMs = round(median(times));
    log(
      `MLP 784-56-10, public weights, private committed inputs: ${constraints} constraints, warm proving (witness + Groth16) ${proveMs} ms (median of ${runs}, ptau 2^${power})`,
    );
    return { constraints, proveMs, ptauPower: power };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export interface CompilerBench {
  mlp784: {
    privateInputsProveMs?: number;
    publicWeights: number;
    publicWeightsLayersOnly: number;
    publicInputs: number;
    target: number;
    privateWeights?: number;
    privateCommitmentShare?: number;
    multiplies: number;
  };
  trees: { splitConstraintsByWidth: { compareBits: number; constraints: number; perWidth: number }[]; creditTreesPerSplit: number; creditTreesSplits: number };
}

export async function compilerBench(log: (line: string) => void, withPrivate: boolean): Promise<CompilerBench> {
  const pub = lowerModel(mlpSpec(56, false));
  const publicWeights = await constraintsOf(pub);
  const publicWeightsLayersOnly = await constraintsOf(pub, true);
  const multiplies = 784 * 56 + 56 * 10;
  log(
    `MLP 784-56-10, public weights: ${publicWeights} constraints (target <= 10,000 with private inputs); the layers alone ${publicWeightsLayersOnly} (target <= 4,000); ` +
      `the rest is the 784 input range checks and the Poseidon input commitment over the packed inputs`,
  );
  // The bench target's case: public weights AND public inputs (visibility.inputs = "public"): no input
  // commitment, no in-circuit input range checks (the hub bounds public inputs), a deployable circuit.
  const spec = mlpSpec(56, false);
  const publicInputs = await constraintsOf(lowerModel(parseModelSpec({ ...spec, name: "mlp-784-public-inputs", visibility: { inputs: "public" } })));
  log(`MLP 784-56-10, public weights and public inputs: ${publicInputs} constraints for the whole circuit (target <= 4,000)`);
  const mlp784: CompilerBench["mlp784"] = { publicWeights, publicWeightsLayersOnly, publicInputs, target: 4000, multiplies };
  mlp784.privateInputsProveMs = (await mlp784PrivateInputProving(log)).proveMs;
  if (withPrivate) {
    const priv = lowerModel(mlpSpec(56, true));
    log("MLP 784-56-10, private weights: compiling (about 400k constraints, minutes)...");
    const privateWeights = await constraintsOf(priv);
    const commitment = privateWeights - publicWeights - multiplies;
    mlp784.privateWeights = privateWeights;
    mlp784.privateCommitmentShare = commitment / privateWeights;
    log(
      `MLP 784-56-10, private weights: ${privateWeights} constraints, ${multiplies} for the multiplies, ${commitment} (${((100 * commitment) / privateWeights).toFixed(1)}%) for the weight commitment`,
    );
  }

  const splitConstraintsByWidth = [];
  for (const bits of [8, 16, 32]) {
    const dir = mkdtempSync(join(tmpdir(), "zkinfer-bench-"));
    const source = join(dir, "split.circom");
    writeFileSync(
      source,
      `pragma circom 2.2.0;\ninclude "circuits/lib/tree.circom";\n` +
        `template One() { signal input x; signal input reach; signal output right; right <== TreeSplit(${bits}, 5)(x, reach); }\ncomponent main = One();\n`,
    );
    const info = await compileCircuit({ source, outDir: dir });
    rmSync(dir, { recursive: true, force: true });
    const constraints = info.nonLinearConstraints + info.linearConstraints;
    // The comparison's bit width: K + 1 bits of x - threshold - 1 + 2^K.
    splitConstraintsByWidth.push({ compareBits: bits + 1, constraints, perWidth: constraints / (bits + 1) });
    log(`tree split at a ${bits + 1}-bit comparison: ${constraints} constraints (${(constraints / (bits + 1)).toFixed(2)} x the width; target <= 1.5)`);
  }
  const trees = lowerModel(readModelSpec(bundledSpecPath("credit-trees")));
  const op = trees.graph.nodes[0]!;
  const splits = op.family === "tree" ? op.trees.reduce((n, t) => n + t.filter((x) => !("leaf" in x)).length, 0) : 0;
  const layers = await constraintsOf(trees, true);
  log(`credit-trees: ${splits} splits, ${layers} constraints for the trees alone: ${(layers / splits).toFixed(1)} per split`);
  return { mlp784, trees: { splitConstraintsByWidth, creditTreesPerSplit: layers / splits, creditTreesSplits: splits } };
}
