/**
 * `npm run demo`: the whole path on Hardhat's in-process network, nothing to start by hand.
 * Build the credit-score-attested model (circuit, setup, verifier; cached), deploy and register it,
 * make a credit bureau's key and trust it for the model (docs/ATTESTATION.md), then for two real
 * applicants of the held-out split, one who qualifies and one who does not: the bureau signs their
 * features, and each proves the score from the signed private features and calls verifyAndAct.
 * Then show that a feature changed after signing is refused before proving, and that a tampered
 * proof, a replayed proof and a proof resubmitted for another subject are rejected, naming the error.
 *
 * `npm run demo -- --json` prints one JSON summary as the last stdout line.
 */
import { network } from "hardhat";
import { bundledSpecPath, deploymentManifestPath } from "../prover/artifacts/paths.js";
import { buildModel } from "../prover/build/buildModel.js";
import { formatMs, timed } from "../prover/build/progress.js";
import type { Address } from "viem";
import { creditGateAbi } from "../prover/chain/abi.js";
import { connectProvider } from "../prover/chain/connect.js";
import { deployCreditScore } from "../prover/chain/deploy.js";
import { expectRevertName } from "../prover/chain/revert.js";
import { submitInference } from "../prover/chain/submitInference.js";
import { signalIndex } from "../prover/abi/publicSignals.js";
import { decodeProofWords, encodeProofWords } from "../prover/prove/calldata.js";
import { ModelProver } from "../prover/prove/prover.js";
import { decodeOutputs, runReference } from "../prover/model/interpret.js";
import { releaseCurves } from "../prover/setup/curve.js";
import { applicantFeatures, applicantLabel, germanCreditSplit } from "../prover/data/germanCredit.js";
import { writeManifest } from "../prover/chain/manifest.js";
import { generateAttesterKey, signAttestation, type Attestation } from "../prover/attest/attestation.js";
import { compileContracts } from "./compile-contracts.js";

const json = process.argv.includes("--json");
const log = (line: string) => console.log(line);
/** The credit model on bureau-attested features (same weights as credit-score). */
const MODEL = "credit-score-attested";
/** How long the bureau's attestations stay valid. */
const VALIDITY_SECONDS = 30 * 24 * 3600;
/** Approve when the log-odds of a good risk is >= 0 (probability >= 50%). */
const THRESHOLD = 0n;
const CREDIT_LIMIT = 10_000n;

async function main() {
  const started = performance.now();
  log(`zkinfer demo: bureau-signed private credit data -> Groth16 proof -> InferenceHub.verifyAndAct -> CreditGate`);
  log(`Build (cached by content hash; a second run reuses everything)`);
  const model = await buildModel({ specPath: bundledSpecPath(MODEL), log });
  if (model.ptau.source === "development") {
    log(`  NOTE: development-only ptau and single-contributor phase 2: fine for this demo, never for a deployment.`);
  }

  const hre = (await import("hardhat")).default;
  await timed(log, "compile contracts (solc 0.8.37 from npm)", () => compileContracts(hre));

  const connection = await network.create();
  const chain = await connectProvider(connection.provider);
  const [deployer, approvedWallet, refusedWallet, attacker] = chain.accounts.map((address) => chain.as(address));
  const { publicClient } = chain;
  // The bureau's key lives in memory here; a real bureau runs `zkinfer attester keygen` once. The model
  // trusts it from registration on: any attester trusted later waits the hub's timelock.
  const bureau = await generateAttesterKey();
  const deployment = await timed(log, "deploy hub + verifier, register model trusting the bureau's key, deploy CreditGate", () =>
    deployCreditScore({ connection, publicClient }, { ...model, threshold: THRESHOLD, creditLimit: CREDIT_LIMIT, attesters: [bureau.keyHash] }),
  );
  const { hub, creditGate, modelId } = deployment;
  const creditLineOf = (subject: Address) =>
    publicClient.readContract({ address: creditGate, abi: creditGateAbi, functionName: "creditLineOf", args: [subject] });
  const block = await publicClient.getBlockNumber();
  await writeManifest(deploymentManifestPath("hardhat-inprocess"), {
    network: "hardhat-inprocess",
    chainId: chain.chainId,
    contracts: (["hub", "verifier", "creditGate"] as const).map((k) => ({
      name: k === "hub" ? "InferenceHub" : k === "verifier" ? model.verifierContract : "CreditGate",
      address: deployment[k],
      startBlock: Number(block),
    })),
  });
  log(`  model ${MODEL} registered as id ${modelId}; commitment ${model.modelCommitment.toString().slice(0, 12)}...; deployer ${deployer!.account.address}`);

  log(`  bureau key hash ${bureau.keyHash.toString().slice(0, 12)}...`);

  const prover = await timed(log, "load prover (witness generator + zkey, once)", () => ModelProver.load(bundledSpecPath(MODEL)));

  // Two real applicants from the held-out split: the first the model approves whose label is
  // "good", and the first it refuses whose label is "bad".
  const { test } = germanCreditSplit();
  const scoreOf = (i: number) => runReference(prover.ir, applicantFeatures(i)).outputs[0]!;
  const approvedIdx = test.find((i) => scoreOf(i) >= THRESHOLD && applicantLabel(i) === 1)!;
  const refusedIdx = test.find((i) => scoreOf(i) < THRESHOLD && applicantLabel(i) === 0)!;

  // Attestations are checked against the chain's clock, which is what the hub uses.
  const now = async () => Number((await publicClient.getBlock()).timestamp);
  const attestations = new Map<string, Attestation>();
  const applicants = [];
  const proveTimes: number[] = [];
  let approvedProof: Awaited<ReturnType<ModelProver["prove"]>> | undefined;
  for (const [idx, applicant] of [
    [approvedIdx, approvedWallet!],
    [refusedIdx, refusedWallet!],
  ] as const) {
    const wallet = applicant.account;
    log(`Applicant #${idx} of German Credit (subject ${wallet.address}); features stay private`);
    const issuedAt = await now();
    const attestation = await timed(log, "bureau signs the applicant's features (EdDSA-Poseidon, valid 30 days)", () =>
      signAttestation({
        ir: prover.ir,
        key: bureau,
        record: { subject: wallet.address, features: applicantFeatures(idx), issuedAt, expiresAt: issuedAt + VALIDITY_SECONDS },
      }),
    );
    attestations.set(wallet.address, attestation);
    const proved = await timed(log, "prove score on the signed features (witness + Groth16)", async () =>
      prover.prove({ features: attestation.features, subject: wallet.address, nonce: 1n, attestation, now: await now() }),
    );
    proveTimes.push(proved.timings.witnessMs + proved.timings.proveMs);
    const { receipt } = await timed(log, "verifyAndAct on-chain", () => submitInference(applicant, { hub, modelId, ...proved }));
    const line = await creditLineOf(wallet.address);
    const score = decodeOutputs(prover.ir, proved.decoded.outputs)[0]!;
    const approved = line.limit > 0n;
    log(
      `    score ${score.toFixed(3)} (threshold ${Number(THRESHOLD)}): ${approved ? `APPROVED, credit line ${line.limit}` : "REFUSED"}; gas ${receipt.gasUsed}`,
    );
    applicants.push({ subject: wallet.address, score, approved, gasUsed: Number(receipt.gasUsed) });
    if (approved) approvedProof = proved;
  }
  if (!approvedProof) throw new Error("the approved applicant was not approved on-chain");

  log("Forgery (refused before proving)");
  // The refused applicant raises a feature in the bureau's attestation to look creditworthy.
  const signed = attestations.get(refusedWallet!.account.address)!;
  const forged = { ...signed, features: { ...signed.features, checking_account: 3, savings: 4 } };
  let forgedFeature: string | undefined;
  try {
    await prover.prove({ features: forged.features, subject: refusedWallet!.account.address, nonce: 2n, attestation: forged, now: await now() });
  } catch (e) {
    forgedFeature = (e as Error).name;
    log(`  ${"a feature changed after the bureau signed".padEnd(44)} refused: ${forgedFeature}`);
    log(`    ${(e as Error).message.split("\n")[0]}`);
  }
  if (forgedFeature !== "AttestationSignatureError") throw new Error("the forged attestation was not refused");

  log("Attacks (each must revert with a custom error and change nothing)");
  const errorOf = async (label: string, send: () => Promise<unknown>) => {
    try {
      await send();
    } catch (e) {
      const name = expectRevertName(e);
      log(`  ${label.padEnd(44)} rejected: ${name}`);
      return name;
    }
    throw new Error(`${label} was accepted`);
  };
  const approvedAttestation = attestations.get(approvedWallet!.account.address)!;
  const fresh = await prover.prove({
    features: approvedAttestation.features,
    subject: approvedWallet!.account.address,
    nonce: 2n,
    attestation: approvedAttestation,
    now: await now(),
  });
  const words = decodeProofWords(fresh.proofBytes);
  words[6] = words[6]! + 1n; // move C off its point
  const tamperedProof = await errorOf("tampered proof (C.x + 1)", () =>
    submitInference(deployer!, { hub, modelId, proofBytes: encodeProofWords(words), publicSignals: fresh.publicSignals }),
  );
  const replayedProof = await errorOf("the approved proof replayed", () => submitInference(attacker!, { hub, modelId, ...approvedProof! }));
  const stolen = [...fresh.publicSignals];
  stolen[signalIndex("subject", prover.ir.outputs.length)] = BigInt(attacker!.account.address);
  const otherSubject = await errorOf("valid proof resubmitted for another subject", () =>
    submitInference(attacker!, { hub, modelId, proofBytes: fresh.proofBytes, publicSignals: stolen }),
  );
  const attackerLine = await creditLineOf(attacker!.account.address);
  if (attackerLine.limit !== 0n) throw new Error("the attacker got a credit line");

  log(`Done in ${formatMs(performance.now() - started)}.`);
  const summary = {
    model: MODEL,
    attested: model.attested,
    constraints: model.circuit.nonLinearConstraints + model.circuit.linearConstraints,
    proveMs: Math.round(Math.min(...proveTimes)),
    applicants,
    rejections: { tamperedProof, replayedProof, otherSubject, forgedFeature },
  };
  if (json) console.log(JSON.stringify(summary));
}

try {
  await main();
} finally {
  await releaseCurves();
}
process.exit(0);
