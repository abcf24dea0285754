/**
 * `npm run bench [-- --json]`: measures every bundled model. Timing lives here, never in tests.
 *
 * Per model: constraints (non-linear, linear), witness ms, prove ms (median of 5; witness +
 * Groth16 with the keys loaded once), plain `snarkjs groth16 fullprove` on the same circuit in the
 * same run (median of 5) and the ratio, verify ms, and gas: the bare generated verifier call, a
 * verifyAndAct without consumer (hub bookkeeping) and a first-time applicant's verifyAndAct with
 * the CreditGate (consumer). Also the rescale + ReLU gadget's constraints at 32-bit activations.
 * For an attested model (docs/ATTESTATION.md) the proofs are over bureau-signed features, and the
 * entry adds `attested: true` and `attestationConstraints` (its constraints minus those of the same
 * model without attestation, compiled here).
 * Then the compiler's constraint counts (./bench-compiler.ts: MLP 784-56-10, tree splits; with
 * --private-mlp also the private-weight MLP, about 400k constraints), the graph compiler's
 * constraints per operator kind and per fixture model of both ONNX corpora (./bench-graph.ts; alone:
 * `npx tsx scripts/bench-graph.ts [--ops|--models] [--json]`), and the trading-signal model
 * (./bench-signals.ts: proving time per signal, a signal's verifyAndAct gas), and batch verification
 * (./bench-batch.ts: verifyAndActBatch gas for n = 1 .. 32, single verifyAndAct for a first-time and a
 * repeat subject), the accuracy bounty over 300 samples (./bench-bounty.ts: constraints, compile and setup
 * time, proving time, claim gas, float vs circuit accuracy), and the proof systems
 * (./bench-proof-systems.ts: Groth16, PLONK and FFLONK per bundled model: setup and proving time,
 * verifyAndAct gas, the ptau power each needs). Writes bench/results.json.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { network } from "hardhat";
import * as snarkjs from "snarkjs";
import { REPO_ROOT, artifactPath, bundledSpecPath } from "../prover/artifacts/paths.js";
import { buildModel } from "../prover/build/buildModel.js";
import { compileCircuit } from "../prover/circuit/compile.js";
import { inferenceHubAbi } from "../prover/chain/abi.js";
import { connectProvider } from "../prover/chain/connect.js";
import { deployCreditScore } from "../prover/chain/deploy.js";
import { estimateVerifyProofGas } from "../prover/chain/estimateVerifyProofGas.js";
import { submitInference } from "../prover/chain/submitInference.js";
import { writeAndWait } from "../prover/chain/write.js";
import { applicantFeatures, germanCreditSplit } from "../prover/data/germanCredit.js";
import { runReference } from "../prover/model/interpret.js";
import { ModelProver, randomSalt } from "../prover/prove/prover.js";
import { generateAttesterKey, signAttestation, type Attestation } from "../prover/attest/attestation.js";
import { generateCircuit } from "../prover/circuit/codegen.js";
import type { ModelIR } from "../prover/model/ir.js";
import { releaseCurves } from "../prover/setup/curve.js";
import { batchBench } from "./bench-batch.js";
import { bountyBench } from "./bench-bounty.js";
import { proofSystemBench } from "./bench-proof-systems.js";
import { compilerBench } from "./bench-compiler.js";
import { corpusModelCosts, graphOpCosts } from "./bench-graph.js";
import { signalBench } from "./bench-signals.js";
import { compileContracts } from "./compile-contracts.js";
import { median, round } from "./stats.js";

const json = process.argv.includes("--json");
const RUNS = 5;
const log = (line: string) => console.log(line);

/** Constraints of one RescaleRelu at a 32-bit activation (K + 1 = 32 bits decomposed). */
async function reluRescaleConstraintsAt32Bits(): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), "zkinfer-gadget-"));
  const source = join(dir, "gadget.circom");
  writeFileSync(
    source,
    `pragma circom 2.2.0;\ninclude "circuits/lib/rescale.circom";\n` +
      `template One() { signal input acc; signal output out; out <== RescaleRelu(31, 10)(acc); }\n` +
      `component main = One();\n`,
  );
  return (await compileCircuit({ source, outDir: dir })).nonLinearConstraints;
}

/** Constraints of `ir`'s circuit without the attestation check: the baseline of attestationConstraints. */
async function constraintsWithoutAttestation(ir: ModelIR, modelCommitment: bigint): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), "zkinfer-plain-"));
  const source = join(dir, "plain.circom");
  writeFileSync(source, generateCircuit({ ir: { ...ir, attestation: undefined }, modelCommitment }));
  const info = await compileCircuit({ source, outDir: dir });
  return info.nonLinearConstraints + info.linearConstraints;
}

async function main() {
  const hre = (await import("hardhat")).default;
  const gadget32 = await reluRescaleConstraintsAt32Bits();
  log(`rescale + ReLU gadget at 32-bit activations: ${gadget32} constraints per neuron (peer library: 517 for ReLU alone)`);

  const compiler = await compilerBench(log, process.argv.includes("--private-mlp"));
  log("graph compiler: constraints per operator kind");
  const graph = { perOperator: await graphOpCosts(log), perModel: await corpusModelCosts(log) };

  const models = ["credit-score", "credit-score-attested", "credit-logistic", "credit-trees"];
  const results = [];
  for (const name of models) {
    log(`\n${name}`);
    const built = await buildModel({ specPath: bundledSpecPath(name), log });
    await compileContracts(hre);
    const prover = await ModelProver.load(bundledSpecPath(name));
    const connection = await network.create();
    const chain = await connectProvider(connection.provider);
    const { publicClient } = chain;
    const attested = built.attested;
    // Attested models prove over a bureau's signature; the clock is the chain's, as the hub's is.
    const bureau = attested ? await generateAttesterKey() : undefined;
    const now = Number((await publicClient.getBlock()).timestamp);
    const attest = async (idx: number, subject: string): Promise<Attestation | undefined> =>
      bureau &&
      signAttestation({ ir: prover.ir, key: bureau, record: { subject, features: applicantFeatures(idx), issuedAt: now - 60, expiresAt: now + 86_400 } });

    // Applicants the model approves, so each verifyAndAct opens a new credit line.
    const { test } = germanCreditSplit();
    const approved = test.filter((i) => runReference(prover.ir, applicantFeatures(i)).outputs[0]! >= 0n);

    const witnessMs: number[] = [];
    const proveMs: number[] = [];
    const fullproveMs: number[] = [];
    const verifyMs: number[] = [];
    const proofs = [];
    for (let r = 0; r < RUNS; r++) {
      const subject = chain.accounts[r + 1]!;
      const attestation = await attest(approved[r]!, subject);
      const p = await prover.prove({ features: applicantFeatures(approved[r]!), subject, nonce: 1n, attestation, now });
      witnessMs.push(p.timings.witnessMs);
      proveMs.push(p.timings.witnessMs + p.timings.proveMs);
      proofs.push({ p, subject });

      // Plain snarkjs on the same circuit and input: reads wasm and zkey from disk each time.
      const { input } = await prover.circuitInput({ features: applicantFeatures(approved[r]!), subject, nonce: 1n, salt: randomSalt(), attestation, now });
      const t0 = performance.now();
      await snarkjs.groth16.fullProve(input as snarkjs.CircuitSignals, artifactPath(name, "wasm"), artifactPath(name, "zkey"));
      fullproveMs.push(performance.now() - t0);

      const t1 = performance.now();
      if (!(await prover.verify(p.proof, p.publicSignals))) throw new Error("proof did not verify");
      verifyMs.push(performance.now() - t1);
    }

    const d = await deployCreditScore(
      { connection, publicClient },
      { ...built, threshold: 0n, creditLimit: 10_000n, ...(bureau ? { attesters: [bureau.keyHash] } : {}) },
    );
    const owner = chain.as(chain.accounts[0]!);
    const { p: first } = proofs[0]!;
    const verifierGas = Number(await estimateVerifyProofGas(publicClient, { verifier: d.verifier, ...first, account: owner.account.address }));
    // Each proof sent by its subject: the direct path (msg.sender == subject) the 310k budget is for.
    const { receipt: withConsumer } = await submitInference(chain.as(proofs[0]!.subject), { hub: d.hub, modelId: d.modelId, ...first });
    // The same verifier registered without a consumer: the hub's own cost.
    await writeAndWait({
      ...owner,
      address: d.hub,
      abi: inferenceHubAbi,
      ...(attested
        ? { functionName: "registerAttestedModel", args: [d.verifier, built.modelCommitment, built.numOutputs, [bureau!.keyHash], "bench: no consumer"] }
        : { functionName: "registerModel", args: [d.verifier, built.modelCommitment, built.numOutputs, "bench: no consumer"] }),
    });
    const bare = await publicClient.readContract({ address: d.hub, abi: inferenceHubAbi, functionName: "modelCount" });
    const { receipt: hubOnly } = await submitInference(chain.as(proofs[1]!.subject), { hub: d.hub, modelId: bare, ...proofs[1]!.p });
    const verifyAndActGas = Number(withConsumer.gasUsed);
    const hubGas = Number(hubOnly.gasUsed);

    const hidden = prover.ir.graph.nodes.flatMap((n) => (n.family === "affine" && n.relu ? n.bits : [])).filter((k): k is number => k !== null);
    const entry = {
      name,
      constraints: built.circuit.nonLinearConstraints + built.circuit.linearConstraints,
      nonLinearConstraints: built.circuit.nonLinearConstraints,
      linearConstraints: built.circuit.linearConstraints,
      witnessMs: round(median(witnessMs), 2),
      proveMs: round(median(proveMs)),
      snarkjsFullproveMs: round(median(fullproveMs)),
      proveVsFullprove: round(median(proveMs) / median(fullproveMs), 3),
      verifyMs: round(median(verifyMs)),
      verifyAndActGas,
      verifierGas,
      gasSplit: { bareVerifierCall: verifierGas, hubBookkeeping: hubGas - verifierGas, consumer: verifyAndActGas - hubGas },
      reluRescaleConstraintsPerNeuron: gadget32,
      reluRescaleConstraintsPerHiddenNeuronInModel: hidden.length ? round(hidden.reduce((a, k) => a + k + 2, 0) / hidden.length, 1) : null,
      publicSignals: built.numPublicSignals,
      ...(attested
        ? {
            attested: true,
            attestationConstraints:
              built.circuit.nonLinearConstraints + built.circuit.linearConstraints - (await constraintsWithoutAttestation(prover.ir, built.modelCommitment)),
          }
        : {}),
    };
    results.push(entry);
    log(`  constraints ${entry.constraints} (${entry.nonLinearConstraints} non-linear, ${entry.linearConstraints} linear)`);
    log(
      `  witness ${entry.witnessMs} ms, prove ${entry.proveMs} ms vs snarkjs fullprove ${entry.snarkjsFullproveMs} ms (x${entry.proveVsFullprove}), verify ${entry.verifyMs} ms`,
    );
    log(`  gas: verifyAndAct ${verifyAndActGas} = bare verifier ${verifierGas} + hub ${entry.gasSplit.hubBookkeeping} + consumer ${entry.gasSplit.consumer}`);
    if (hidden.length) log(`  rescale + ReLU per hidden neuron in this model: ${entry.reluRescaleConstraintsPerHiddenNeuronInModel} constraints`);
    if ("attestationConstraints" in entry) log(`  attestation (signature check, message hash, key hash): ${entry.attestationConstraints} constraints`);
  }
  const signal = await signalBench(hre, log);
  const batch = await batchBench(hre, log);
  const bounty = await bountyBench(hre, log);
  const proofSystems = await proofSystemBench(hre, log);
  mkdirSync(join(REPO_ROOT, "bench"), { recursive: true });
  writeFileSync(
    join(REPO_ROOT, "bench", "results.json"),
    JSON.stringify({ models: results, signal, compiler, graph, batch, bounty, proofSystems }, null, 2) + "\n",
  );
  if (json) console.log(JSON.stringify({ models: results, signal, compiler, graph, batch, bounty, proofSystems }));
}

try {
  await main();
} finally {
  await releaseCurves();
}
process.exit(0);
