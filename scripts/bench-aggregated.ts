/**
 * Aggregated proofs (docs/AGGREGATION.md; part of `npm run bench`; alone:
 * `npx tsx scripts/bench-aggregated.ts [--json] [--models credit-score,momentum-signal] [--sizes 4,16,64]`,
 * which updates `aggregated` in bench/results.json).
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
 * takes ~23 min to make on an idle machine) is reported as skipped with the power it needs.
 */
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ContractFactory, Wallet, type Contract, type Signer } from "ethers";
import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";
import { aggregatedOutputLayout, aggregatedSignalCount, encodeOutputLayout } from "../prover/abi/aggregatedSignals.js";
import { signSubmissionAuthorization } from "../prover/abi/submissionAuthorization.js";
import { REPO_ROOT, bundledSpecPath } from "../prover/artifacts/paths.js";
import { buildAggregated } from "../prover/build/buildAggregated.js";
import { buildModel } from "../prover/build/buildModel.js";
import { aggregatedArtifactName, generateAggregatedCircuit } from "../prover/circuit/aggregate.js";
import { aggregatedCallArgs } from "../prover/chain/submitAggregated.js";
import { compileModelVerifier } from "../prover/chain/compileVerifier.js";
import { applicantFeatures, germanCreditSplit } from "../prover/data/germanCredit.js";
import { runReference, type FeatureValues } from "../prover/model/interpret.js";
import { loadAggregatedProver, type AggregatedProver, type ProveAggregatedReturnType } from "../prover/prove/aggregateNode.js";
import { encodeBatch } from "../prover/prove/calldata.js";
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
  /** Present when the size was not run: why (the ptau it needs). */
  skipped?: string;
}

/** Features for statement k: German Credit applicants the model approves, or values spread over the declared ranges. */
function featuresFor(prover: ModelProver, k: number): FeatureValues {
  if (prover.ir.name.startsWith("credit")) {
    const { test } = germanCreditSplit();
    const approved = test.filter((i) => runReference(prover.ir, applicantFeatures(i)).outputs[0]! >= 0n);
    return applicantFeatures(approved[k % approved.length]!);
  }
  // A deterministic spread over each declared range (the circuit only needs in-range inputs).
  return Object.fromEntries(prover.ir.features.map((f, i) => [f.name, f.min + ((f.max - f.min) * ((k * 7 + i * 3) % 11)) / 10]));
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
        const skipped = `needs a 2^${ptauPower} ptau (${constraints} constraints); set ZKINFER_BENCH_MAX_PTAU=${ptauPower} to run it`;
        log(`  skipped: ${skipped}`);
        entries.push({ model, n, constraints, proveMs: null, proveMsPerStatement: null, singleProveMs: null, gasPerInference: null, batchVerifyGasPerProof: null, publicSignals, ptauPower, skipped });
        continue;
      }
      await buildAggregated({ specPath, n, log });
      const prover = await loadAggregatedProver(specPath, n);
      entries.push(await measure(hre, log, { model, n, single, prover, constraints, publicSignals, ptauPower }));
    }
  }
  return entries;
}

async function measure(
  hre: HardhatRuntimeEnvironment,
  log: (line: string) => void,
  { model, n, single, prover, constraints, publicSignals, ptauPower }: { model: string; n: number; single: ModelProver; prover: AggregatedProver; constraints: number; publicSignals: number; ptauPower: number },
): Promise<AggregatedBenchEntry> {
  const connection = await hre.network.create();
  const { ethers } = connection;
  const [owner, self, relayer] = (await ethers.getSigners()) as unknown as [Signer, Signer, Signer];
  const selfAddress = await self.getAddress();
  const relayerAddress = await relayer.getAddress();
  const wallets = Array.from({ length: n }, (_, i) => new Wallet(`0x${(0xa99 + i).toString(16).padStart(64, "0")}`));

  // Proofs: the self batch (nonces 1..n) and its priming single proof (nonce 0); the relayed batches (nonce 0 primes, nonce 1 measured).
  const t0 = performance.now();
  const selfBatch = await prover.prove(Array.from({ length: n }, (_, i) => ({ features: featuresFor(single, i), subject: selfAddress, nonce: BigInt(i + 1) })));
  const proveMs = performance.now() - t0;
  const relayed0 = await prover.prove(wallets.map((w, i) => ({ features: featuresFor(single, i + 1), subject: w.address, nonce: 0n })));
  const relayed1 = await prover.prove(wallets.map((w, i) => ({ features: featuresFor(single, i + 2), subject: w.address, nonce: 1n })));
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
  const aggVerifier = await deploy(aggregatedArtifactName(model, n));
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
        signSubmissionAuthorization(w, { hub: hubAddress, chainId: 31337, modelId, subject: w.address as `0x${string}`, nonce, submitter: relayerAddress as `0x${string}`, deadline: 1n << 40n }),
      ),
    );
  const send = async (from: Signer, modelId: bigint, b: ProveAggregatedReturnType, nonce?: bigint) => {
    const auths = nonce === undefined ? undefined : await sign(modelId, nonce);
    const tx = await (hub.connect(from) as Contract).getFunction("verifyAndActAggregated")(...aggregatedCallArgs({ modelId, n, proofBytes: b.proofBytes, publicSignals: b.publicSignals, authorizations: auths }));
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
    writeFileSync(file, JSON.stringify({ ...results, aggregated }, null, 2) + "\n");
    if (json) console.log(JSON.stringify({ aggregated }));
  } finally {
    await releaseCurves();
  }
  process.exit(0);
}
