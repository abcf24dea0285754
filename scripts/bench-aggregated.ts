/**
 * Aggregated proofs (docs/AGGREGATION.md; part of `npm run bench`; alone:
 * `npx tsx scripts/bench-aggregated.ts [--json] [--models credit-score,momentum-signal] [--sizes 4,16,64]`,
 * which updates those models' and sizes' entries of `aggregated` in bench/results.json).
 *
 * Per model and N: the aggregated circuit's constraints, the proving time of a full batch (witness +
 * prove, keys in memory) and per statement, one single proof's time in the same run, and the gas per
 * inference (transaction gas / N, a full batch) of verifyAndActAggregated:
 * - self: one subject sends its own N statements (nonces counting up: one nonce word);
 * - relayed: a relayer sends N statements of N different subjects, each with its EIP-712 authorization;
 * - firstTime: the subjects' nonce words do not exist yet (created by the batch); repeat: they do
 *   (a statement of nonce 0 verified before);
 * - withConsumer (credit-score: CreditGate; momentum-signal: a recording consumer, since its SignalFeed
 *   wants one price epoch per statement) and withoutConsumer (the same verifiers registered without one).
 * Next to it, in the same run: the Groth16 batch check of N single proofs (verifyAndActBatch, repeat
 * subject, no consumer) per proof, and a single verifyAndAct (repeat subject, no consumer).
 *
 * A size whose circuit needs a ptau above 2^$ZKINFER_BENCH_MAX_PTAU (default 14; N = 64 needs 2^16, which
 * takes ~23 min to make on an idle machine) is not proved (proving times null, `skipped` says why); its
 * gas is measured with a signal-count twin verifier (twinBatchProver), `gasFrom` says which.
 */
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ContractFactory, Wallet, type Contract, type Signer } from "ethers";
import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";
import * as snarkjs from "snarkjs";
import {
  aggregatedOutputLayout,
  aggregatedSignalCount,
  encodeAggregatedSignals,
  encodeOutputLayout,
  inputRoot,
  type AggregatedOutputLayout,
} from "../prover/abi/aggregatedSignals.js";
import { buildKeysAndVerifier, compileStep } from "../prover/build/buildModel.js";
import { inputCommitment, publicOutputs } from "../prover/model/commitment.js";
import { signSubmissionAuthorization } from "../prover/abi/submissionAuthorization.js";
import { REPO_ROOT, artifactPath, bundledSpecPath } from "../prover/artifacts/paths.js";
import { buildAggregated } from "../prover/build/buildAggregated.js";
import { buildModel } from "../prover/build/buildModel.js";
import { aggregatedArtifactName, generateAggregatedCircuit } from "../prover/circuit/aggregate.js";
import { aggregatedCallArgs } from "../prover/chain/submitAggregated.js";
import { compileModelVerifier } from "../prover/chain/compileVerifier.js";
import { applicantFeatures, germanCreditSplit } from "../prover/data/germanCredit.js";
import { runReference, type FeatureValues } from "../prover/model/interpret.js";
import { loadAggregatedProver, type AggregatedStatementParameters } from "../prover/prove/aggregateNode.js";
import { encodeBatch, encodeProof } from "../prover/prove/calldata.js";
import { ModelProver, type ProveReturnType } from "../prover/prove/prover.js";
import { requiredPtauPower } from "../prover/setup/ptau.js";
import { renderModel } from "../prover/circuit/commitment.js";
import { compileCircuit } from "../prover/circuit/compile.js";
import { median, round } from "./stats.js";

export const AGGREGATED_MODELS = ["credit-score", "momentum-signal"] as const;
export const AGGREGATED_SIZES = [4, 16, 64] as const;

interface GasPair {
  withConsumer: number;
  withoutConsumer: number;
}

export interface AggregatedBenchEntry {
  model: string;
  n: number;
  constraints: number;
  proveMs: number | null;
  proveMsPerStatement: number | null;
  singleProveMs: number | null;
  gasPerInference: { repeat: { self: GasPair; relayed: GasPair }; firstTime: { self: GasPair; relayed: GasPair } } | null;
  batchVerifyGasPerProof: number | null;
  /** Beside the shape: a single verifyAndAct in the same run (repeat subject, no consumer). */
  singleVerifyAndActGas?: number;
  publicSignals: number;
  ptauPower: number;
  /**
   * Present when the aggregated keys were not built (their ptau is above ZKINFER_BENCH_MAX_PTAU): why.
   * The gas is then measured with a signal-count twin (see twinBatchProver) and proving time is null.
   */
  skipped?: string;
  /** "aggregated keys" (the model's own aggregated verifier) or "signal-count twin". */
  gasFrom: "aggregated keys" | "signal-count twin";
}

/** What the gas measurement needs from a prover of N statements. */
interface BatchProver {
  n: number;
  modelCommitment: bigint;
  layout: AggregatedOutputLayout;
  /** The verifier contract to deploy (an artifact name). */
  verifierArtifact: string;
  prove(statements: AggregatedStatementParameters[]): Promise<{ proofBytes: string; publicSignals: bigint[] }>;
}

/**
 * A verifier whose gas is exactly the aggregated verifier's, without the aggregated keys: a Groth16
 * verifier's cost depends only on its number of public signals (one ecMul + ecAdd each, calldata, the
 * same pairing), so a circuit with the same count whose proof shows any values ("twin": each public
 * output equals a private input, squared so it is bound) measures the hub and verifier exactly, on the
 * signals the real circuit would publish for the same statements (computed with the reference
 * interpreter). Its setup needs a 2^9 ptau instead of 2^16. The proof says nothing about the model: a
 * bench instrument only.
 */
async function twinBatchProver(single: ModelProver, n: number, log: (line: string) => void): Promise<BatchProver> {
  const layout = aggregatedOutputLayout(single.ir);
  const count = aggregatedSignalCount(n, layout);
  const name = `aggregated-twin-${count}`;
  const source = [
    "pragma circom 2.2.0;",
    "",
    `// BENCH ONLY: ${count} public outputs equal to private inputs (a gas instrument for aggregated proofs; proves nothing).`,
    `template Twin() {`,
    `    signal input x[${count}];`,
    `    signal output y[${count}];`,
    `    signal squares[${count}];`,
    `    for (var i = 0; i < ${count}; i++) {`,
    `        y[i] <== x[i];`,
    `        squares[i] <== x[i] * x[i];`,
    `    }`,
    `}`,
    "",
    `component main = Twin();`,
    "",
  ].join("\n");
  const circuit = await compileStep({ name, source, log });
  await buildKeysAndVerifier({ name, circuit, numPublicSignals: count, system: "groth16", log, compact: true });
  const zkey = artifactPath(name, "zkey");
  const wasm = artifactPath(name, "wasm");
  return {
    n,
    modelCommitment: single.modelCommitment,
    layout,
    verifierArtifact: name,
    async prove(statements) {
      const leaves: bigint[] = new Array<bigint>(n).fill(0n);
      const slots = [];
      for (const [i, st] of statements.entries()) {
        const r = runReference(single.ir, st.features);
        leaves[i] = await inputCommitment(single.ir.features, r.inputs, 1n);
        slots.push({ slot: i, subject: BigInt(st.subject), nonce: st.nonce, outputs: await publicOutputs(single.ir, r.outputs, 0n, r.inputs) });
      }
      const signals = encodeAggregatedSignals(n, layout, {
        modelCommitment: single.modelCommitment,
        inputRoot: await inputRoot(leaves),
        slots: [...slots, ...new Array(n - slots.length).fill(undefined)],
      });
      const { proof, publicSignals } = await snarkjs.groth16.fullProve({ x: signals } as never, wasm, zkey);
      return { proofBytes: encodeProof(proof), publicSignals: publicSignals.map(BigInt) };
    },
  };
}

/** Features for statement k: German Credit applicants the model approves, or values spread over the declared ranges. */
function featuresFor(prover: ModelProver, k: number): FeatureValues {
  if (prover.ir.name.startsWith("credit")) {
    const { test } = germanCreditSplit();
    const approved = test.filter((i) => runReference(prover.ir, applicantFeatures(i)).outputs[0]! >= 0n);
    return applicantFeatures(approved[k % approved.length]!);
  }
  // A deterministic spread over each declared range (the circuit only needs in-range inputs).
  return Object.fromEntries(prover.ir.features.map((f, i) => [f.name, Math.round(f.min + ((f.max - f.min) * ((k * 7 + i * 3) % 11)) / 10)]));
}

/** Constraints of the aggregated circuit without building keys (to report what a skipped size needs). */
async function aggregatedConstraints(single: ModelProver, n: number): Promise<number> {
  const r = await renderModel(single.ir);
  const dir = mkdtempSync(join(tmpdir(), "zkinfer-agg-bench-"));
  const file = join(dir, "aggregated.circom");
  writeFileSync(file, generateAggregatedCircuit({ ir: single.ir, n, modelCommitment: r.modelCommitment, circuitDigest: r.circuitDigest }));
  const info = await compileCircuit({ source: file, outDir: dir });
  return info.nonLinearConstraints + info.linearConstraints;
}

export async function aggregatedBench(
  hre: HardhatRuntimeEnvironment,
  log: (line: string) => void,
  { models = [...AGGREGATED_MODELS], sizes = [...AGGREGATED_SIZES] }: { models?: string[]; sizes?: number[] } = {},
): Promise<AggregatedBenchEntry[]> {
  const maxPtau = Number(process.env.ZKINFER_BENCH_MAX_PTAU ?? 14);
  const entries: AggregatedBenchEntry[] = [];
  for (const model of models) {
    const specPath = bundledSpecPath(model);
    await buildModel({ specPath, log: () => {} });
    const single = await ModelProver.load(specPath);
    for (const n of sizes) {
      log(`\naggregated ${model}, N = ${n}`);
      const constraints = await aggregatedConstraints(single, n);
      const publicSignals = aggregatedSignalCount(n, aggregatedOutputLayout(single.ir));
      const ptauPower = requiredPtauPower(constraints, publicSignals);
      if (ptauPower > maxPtau) {
        const skipped = `aggregated keys need a 2^${ptauPower} ptau (${constraints} constraints): set ZKINFER_BENCH_MAX_PTAU=${ptauPower} to build them`;
        log(`  not proved: ${skipped}; gas measured with a signal-count twin`);
        const twin = await twinBatchProver(single, n, () => {});
        const entry = await measure(hre, log, { model, n, single, prover: twin, constraints, publicSignals, ptauPower });
        entries.push({ ...entry, proveMs: null, proveMsPerStatement: null, skipped, gasFrom: "signal-count twin" });
        continue;
      }
      await buildAggregated({ specPath, n, log });
      const loaded = await loadAggregatedProver(specPath, n);
      const prover: BatchProver = {
        n,
        modelCommitment: loaded.modelCommitment,
        layout: loaded.layout,
        verifierArtifact: aggregatedArtifactName(model, n),
        prove: (st) => loaded.prove(st),
      };
      entries.push(await measure(hre, log, { model, n, single, prover, constraints, publicSignals, ptauPower }));
    }
  }
  return entries;
}

async function measure(
  hre: HardhatRuntimeEnvironment,
  log: (line: string) => void,
  {
    model,
    n,
    single,
    prover,
    constraints,
    publicSignals,
    ptauPower,
  }: { model: string; n: number; single: ModelProver; prover: BatchProver; constraints: number; publicSignals: number; ptauPower: number },
): Promise<AggregatedBenchEntry> {
  const connection = await hre.network.create();
  const { ethers } = connection;
  const [owner, self, relayer] = (await ethers.getSigners()) as unknown as [Signer, Signer, Signer];
  const selfAddress = await self.getAddress();
  const relayerAddress = await relayer.getAddress();
  const wallets = Array.from({ length: n }, (_, i) => new Wallet(`0x${(0xa99 + i).toString(16).padStart(64, "0")}`));

  // Proofs: the self batch (nonces 1..n) and its priming single proof (nonce 0); the relayed batches (nonce 0 primes, nonce 1 measured).
  // Keys in memory, curve built: the first batch warms the prover up (snarkjs builds its curve and worker
  // threads on first use) and is not timed, as the singles below are timed warm too; the time is the
  // mean of the two batches after it.
  const relayed0 = await prover.prove(wallets.map((w, i) => ({ features: featuresFor(single, i + 1), subject: w.address, nonce: 0n })));
  const t0 = performance.now();
  const selfBatch = await prover.prove(Array.from({ length: n }, (_, i) => ({ features: featuresFor(single, i), subject: selfAddress, nonce: BigInt(i + 1) })));
  const relayed1 = await prover.prove(wallets.map((w, i) => ({ features: featuresFor(single, i + 2), subject: w.address, nonce: 1n })));
  const proveMs = (performance.now() - t0) / 2;
  const singles: ProveReturnType[] = [];
  const singleMs: number[] = [];
  for (let i = 0; i <= n + 1; i++) {
    const p = await single.prove({ features: featuresFor(single, i), subject: selfAddress, nonce: BigInt(i) });
    singles.push(p);
    singleMs.push(p.timings.witnessMs + p.timings.proveMs);
  }
  log(`  proofs: aggregated ${round(proveMs)} ms (${round(proveMs / n)} ms per statement), single ${round(median(singleMs))} ms`);

  const deploy = async (name: string) => {
    const c = compileModelVerifier(name);
    const v = await new ContractFactory(c.abi as never, c.bytecode, owner).deploy();
    await v.waitForDeployment();
    return v.getAddress();
  };
  const hub = (await ethers.deployContract("InferenceHub", [0n], owner)) as unknown as Contract;
  const hubAddress = (await hub.getAddress()) as `0x${string}`;
  const singleVerifier = await deploy(model);
  const aggVerifier = await deploy(prover.verifierArtifact);
  const layout = encodeOutputLayout(prover.layout);
  const register = async (withConsumer: boolean): Promise<bigint> => {
    await (await hub.getFunction("registerModel")(singleVerifier, prover.modelCommitment, prover.layout.outputs.length, "bench")).wait();
    const modelId = (await hub.getFunction("modelCount")()) as bigint;
    if (withConsumer) {
      const consumer = model.startsWith("credit")
        ? await ethers.deployContract("CreditGate", [hubAddress, modelId, await owner.getAddress(), 0n, 10_000n], owner)
        : await ethers.deployContract("RecordingConsumer", [], owner);
      await (await hub.getFunction("setConsumer")(modelId, await consumer.getAddress())).wait();
    }
    await (await hub.getFunction("announceAggregatedVerifier")(modelId, n, aggVerifier, layout)).wait();
    await (await hub.getFunction("applyAggregatedVerifier")(modelId, n)).wait();
    return modelId;
  };
  const sign = (modelId: bigint, nonce: bigint) =>
    Promise.all(
      wallets.map((w) =>
        signSubmissionAuthorization(w, {
          hub: hubAddress,
          chainId: 31337,
          modelId,
          subject: w.address as `0x${string}`,
          nonce,
          submitter: relayerAddress as `0x${string}`,
          deadline: 1n << 40n,
        }),
      ),
    );
  const send = async (from: Signer, modelId: bigint, b: { proofBytes: string; publicSignals: bigint[] }, nonce?: bigint) => {
    const auths = nonce === undefined ? undefined : await sign(modelId, nonce);
    const tx = await (hub.connect(from) as Contract).getFunction("verifyAndActAggregated")(
      ...aggregatedCallArgs({ modelId, n, proofBytes: b.proofBytes, publicSignals: b.publicSignals, authorizations: auths }),
    );
    return Number((await tx.wait()).gasUsed);
  };
  const perInference = (gas: number) => Math.round(gas / n);

  const gas = { repeat: { self: {} as GasPair, relayed: {} as GasPair }, firstTime: { self: {} as GasPair, relayed: {} as GasPair } };
  for (const withConsumer of [true, false]) {
    const key = withConsumer ? "withConsumer" : "withoutConsumer";
    const firstSelf = await register(withConsumer);
    gas.firstTime.self[key] = perInference(await send(self, firstSelf, selfBatch));
    const repeatSelf = await register(withConsumer);
    await (await (hub.connect(self) as Contract).getFunction("verifyAndAct")(repeatSelf, singles[0]!.proofBytes, singles[0]!.publicSignals)).wait();
    gas.repeat.self[key] = perInference(await send(self, repeatSelf, selfBatch));
    const firstRelayed = await register(withConsumer);
    gas.firstTime.relayed[key] = perInference(await send(relayer, firstRelayed, relayed1, 1n));
    const repeatRelayed = await register(withConsumer);
    await send(relayer, repeatRelayed, relayed0, 0n);
    gas.repeat.relayed[key] = perInference(await send(relayer, repeatRelayed, relayed1, 1n));
  }

  // The Groth16 batch check of n single proofs and a single verifyAndAct, same run, repeat subject, no consumer.
  await (await hub.getFunction("registerModel")(singleVerifier, prover.modelCommitment, prover.layout.outputs.length, "bench: batch")).wait();
  const bare = (await hub.getFunction("modelCount")()) as bigint;
  const asSelf = hub.connect(self) as Contract;
  await (await asSelf.getFunction("verifyAndAct")(bare, singles[0]!.proofBytes, singles[0]!.publicSignals)).wait();
  const b = encodeBatch(singles.slice(1, n + 1));
  const batchGas = Number((await (await asSelf.getFunction("verifyAndActBatch")(bare, b.proofs, b.publicSignals)).wait()).gasUsed);
  const singleGas = Number((await (await asSelf.getFunction("verifyAndAct")(bare, singles[n + 1]!.proofBytes, singles[n + 1]!.publicSignals)).wait()).gasUsed);

  const entry: AggregatedBenchEntry = {
    model,
    n,
    constraints,
    proveMs: round(proveMs),
    proveMsPerStatement: round(proveMs / n),
    singleProveMs: round(median(singleMs)),
    gasPerInference: gas,
    batchVerifyGasPerProof: Math.round(batchGas / n),
    singleVerifyAndActGas: singleGas,
    publicSignals,
    ptauPower,
    gasFrom: "aggregated keys",
  };
  log(
    `  gas per inference (without / with consumer): repeat self ${gas.repeat.self.withoutConsumer} / ${gas.repeat.self.withConsumer}, ` +
      `repeat relayed ${gas.repeat.relayed.withoutConsumer} / ${gas.repeat.relayed.withConsumer}, first-time self ${gas.firstTime.self.withoutConsumer} / ${gas.firstTime.self.withConsumer}, ` +
      `first-time relayed ${gas.firstTime.relayed.withoutConsumer} / ${gas.firstTime.relayed.withConsumer}; Groth16 batch ${entry.batchVerifyGasPerProof} per proof; single ${singleGas}`,
  );
  await connection.close();
  return entry;
}

if (process.argv[1]?.endsWith("bench-aggregated.ts")) {
  const { releaseCurves } = await import("../prover/setup/curve.js");
  try {
    const hre = (await import("hardhat")).default;
    const json = process.argv.includes("--json");
    const arg = (name: string) => {
      const i = process.argv.indexOf(name);
      return i < 0 ? undefined : process.argv[i + 1];
    };
    const models = arg("--models")?.split(",");
    const sizes = arg("--sizes")?.split(",").map(Number);
    const aggregated = await aggregatedBench(hre, (l) => (json ? process.stderr.write(l + "\n") : console.log(l)), { models, sizes });
    const file = join(REPO_ROOT, "bench", "results.json");
    const results = existsSync(file) ? JSON.parse(readFileSync(file, "utf8")) : {};
    // A run of some models or sizes replaces those entries and keeps the others (in the usual order).
    const key = (e: AggregatedBenchEntry) => `${e.model}/${e.n}`;
    const fresh = new Set(aggregated.map(key));
    const merged = [...((results.aggregated ?? []) as AggregatedBenchEntry[]).filter((e) => !fresh.has(key(e))), ...aggregated].sort(
      (a, b) => AGGREGATED_MODELS.indexOf(a.model as never) - AGGREGATED_MODELS.indexOf(b.model as never) || a.n - b.n,
    );
    writeFileSync(file, JSON.stringify({ ...results, aggregated: merged }, null, 2) + "\n");
    if (json) console.log(JSON.stringify({ aggregated }));
  } finally {
    await releaseCurves();
  }
  process.exit(0);
}
