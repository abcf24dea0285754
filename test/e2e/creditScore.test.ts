/**
 * End to end with real artifacts: the bundled credit-score model built by `npm run build:models`
 * (npm test runs it first), real snarkjs Groth16 proofs, the generated Solidity verifier, and the
 * contracts deployed through the production Ignition module on Hardhat's EVM.
 */
import { readFileSync } from "node:fs";
import { expect } from "chai";
import { network } from "hardhat";
import { signalIndex } from "../../prover/abi/publicSignals.js";
import { artifactPath, bundledSpecPath } from "../../prover/artifacts/paths.js";
import { deployCreditScore, submitInference } from "../helpers/creditScoreStack.js";
import { applicantFeatures, germanCreditSplit } from "../../prover/data/germanCredit.js";
import { FIELD_MODULUS } from "../../prover/field.js";
import { runReference } from "../../prover/model/interpret.js";
import { decodeProofWords, encodeProofWords } from "../../prover/prove/calldata.js";
import { ModelProver, type ProveReturnType } from "../../prover/prove/prover.js";
import { exportSolidityVerifier } from "../../prover/setup/groth16.js";

/** The BN254 base field: a point (x, y) negates to (x, q - y). */
const BASE_FIELD = 21888242871839275222246405745257275088696311157297823662689037894645226208583n;

describe("end to end: applicant features -> proof -> verifyAndAct -> credit line", () => {
  let prover: ModelProver;
  let good: number;
  let bad: number;
  const proofs = new Map<string, ProveReturnType>();

  before(async function () {
    this.timeout(300_000);
    prover = await ModelProver.load(bundledSpecPath("credit-score"));
    const { test } = germanCreditSplit();
    const score = (i: number) => runReference(prover.ir, applicantFeatures(i)).outputs[0]!;
    good = test.find((i) => score(i) > 0n)!;
    bad = test.find((i) => score(i) < 0n)!;
  });

  async function proofFor(applicant: number, subject: string, nonce: bigint): Promise<ProveReturnType> {
    const key = `${applicant}/${subject}/${nonce}`;
    if (!proofs.has(key)) proofs.set(key, await prover.prove({ features: applicantFeatures(applicant), subject, nonce }));
    return proofs.get(key)!;
  }

  async function deployFixture() {
    const { ethers, ignition, networkHelpers } = await network.create();
    const [owner, alice, bob, mallory] = await ethers.getSigners();
    const model = {
      name: prover.ir.name,
      version: prover.ir.version,
      verifierContract: "CreditScoreVerifier",
      modelCommitment: prover.modelCommitment,
      numOutputs: prover.ir.outputs.length,
    };
    const d = await deployCreditScore({ ignition, model, threshold: 0n, creditLimit: 5_000n });
    // Sent by alice, the subject of most proofs below: on this model only the subject may submit.
    return { ethers, networkHelpers, owner: owner!, alice: alice!, bob: bob!, mallory: mallory!, ...d, hub: d.hub.connect(alice!) };
  }

  it("opens a credit line for a qualifying applicant; a front-runner copying the proof is refused (InferenceHubUnauthorizedSubmitter)", async () => {
    const { hub, creditGate, modelId, alice, mallory } = await deployFixture();
    const p = await proofFor(good, alice.address, 1n);
    // mallory copies alice's proof from the mempool and sends it first: refused, alice's nonce intact.
    await expect(hub.connect(mallory).verifyAndAct(modelId, p.proofBytes, p.publicSignals))
      .to.be.revertedWithCustomError(hub, "InferenceHubUnauthorizedSubmitter")
      .withArgs(modelId, alice.address, mallory.address);
    expect(await hub.isNonceUsed(modelId, alice.address, 1n)).to.equal(false);
    await expect(hub.verifyAndAct(modelId, p.proofBytes, p.publicSignals))
      .to.emit(hub, "InferenceVerified")
      .and.to.emit(creditGate, "CreditLineOpened")
      .withArgs(alice.address, 5_000n, p.decoded.outputs[0]);
    expect((await creditGate.creditLineOf(alice.address)).limit).to.equal(5_000n);
    expect((await creditGate.creditLineOf(mallory.address)).limit).to.equal(0n);
    expect(await hub.isNonceUsed(modelId, alice.address, 1n)).to.equal(true);
  });

  it("records a refusal for an applicant below the threshold and opens nothing", async () => {
    const { hub, creditGate, modelId, bob } = await deployFixture();
    const p = await proofFor(bad, bob.address, 1n);
    await expect(hub.connect(bob).verifyAndAct(modelId, p.proofBytes, p.publicSignals))
      .to.emit(creditGate, "CreditRefused")
      .withArgs(bob.address, p.decoded.outputs[0], 0n);
    expect((await creditGate.creditLineOf(bob.address)).limit).to.equal(0n);
  });

  it("verifies off-chain with the same verification key", async () => {
    const p = await proofFor(good, "0x" + "12".repeat(20), 9n);
    expect(await prover.verify(p.proof, p.publicSignals)).to.equal(true);
    const changed = [...p.publicSignals];
    changed[signalIndex("nonce", 1)] = 10n;
    expect(await prover.verify(p.proof, changed)).to.equal(false);
  });

  it("rejects a tampered proof with InferenceHubInvalidProof and changes no state", async () => {
    const { hub, creditGate, modelId, alice } = await deployFixture();
    const p = await proofFor(good, alice.address, 1n);
    for (const word of [0, 3, 7]) {
      const w = decodeProofWords(p.proofBytes);
      w[word] = w[word]! + 1n;
      await expect(hub.verifyAndAct(modelId, encodeProofWords(w), p.publicSignals))
        .to.be.revertedWithCustomError(hub, "InferenceHubInvalidProof")
        .withArgs(modelId);
    }
    expect(await hub.isNonceUsed(modelId, alice.address, 1n)).to.equal(false);
    expect((await creditGate.creditLineOf(alice.address)).limit).to.equal(0n);
  });

  it("rejects the same proof with any one public signal changed (outputs, commitments, subject, nonce)", async () => {
    const { hub, modelId, alice, mallory } = await deployFixture();
    const p = await proofFor(good, alice.address, 1n);
    const cases: [string, number, bigint, string][] = [
      ["score", 0, p.publicSignals[0]! + 1n, "InferenceHubInvalidProof"],
      ["inputCommitment", signalIndex("inputCommitment", 1), 12345n, "InferenceHubInvalidProof"],
      ["subject", signalIndex("subject", 1), BigInt(mallory.address), "InferenceHubInvalidProof"],
      ["nonce", signalIndex("nonce", 1), 2n, "InferenceHubInvalidProof"],
      ["modelCommitment", signalIndex("modelCommitment", 1), 1n, "InferenceHubCommitmentMismatch"],
    ];
    for (const [name, index, value, error] of cases) {
      const signals = [...p.publicSignals];
      signals[index] = value;
      // The proof re-targeted at mallory, sent by mallory (so that only the proof can refuse it).
      const sender = name === "subject" ? hub.connect(mallory) : hub;
      await expect(sender.verifyAndAct(modelId, p.proofBytes, signals), name).to.be.revertedWithCustomError(hub, error);
    }
  });

  it("rejects a replayed proof, and a re-randomised proof of the same statement, with InferenceHubNonceUsed", async () => {
    const { hub, modelId, alice } = await deployFixture();
    const p = await proofFor(good, alice.address, 1n);
    // Groth16 is malleable: (-A, -B, C) verifies too, with other bytes. Submit that one first...
    const w = decodeProofWords(p.proofBytes);
    const negated = [w[0]!, BASE_FIELD - w[1]!, w[2]!, w[3]!, BASE_FIELD - w[4]!, BASE_FIELD - w[5]!, w[6]!, w[7]!];
    await submitInference(hub, modelId, encodeProofWords(negated), p.publicSignals);
    // ...then the original and the negated one again: replay protection is keyed on the statement.
    for (const bytes of [p.proofBytes, encodeProofWords(negated)]) {
      await expect(hub.verifyAndAct(modelId, bytes, p.publicSignals))
        .to.be.revertedWithCustomError(hub, "InferenceHubNonceUsed")
        .withArgs(modelId, alice.address, 1n);
    }
  });

  it("rejects a proof of model A submitted under model B, and under an updated version of A", async () => {
    const { hub, verifier, modelId, alice, owner, networkHelpers } = await deployFixture();
    const p = await proofFor(good, alice.address, 1n);
    // Model B: same verifier contract, another commitment.
    await hub.connect(owner).registerModel(await verifier.getAddress(), 777n, 1, "model B");
    const modelB = await hub.modelCount();
    await expect(hub.verifyAndAct(modelB, p.proofBytes, p.publicSignals))
      .to.be.revertedWithCustomError(hub, "InferenceHubCommitmentMismatch")
      .withArgs(modelB, 777n, prover.modelCommitment);
    // Version 2 of A with new weights: proofs of version 1 no longer count.
    await hub.connect(owner).announceModelUpdate(modelId, await verifier.getAddress(), 888n);
    await networkHelpers.time.increase(await hub.updateDelay());
    await hub.connect(owner).applyModelUpdate(modelId);
    await expect(hub.verifyAndAct(modelId, p.proofBytes, p.publicSignals))
      .to.be.revertedWithCustomError(hub, "InferenceHubCommitmentMismatch")
      .withArgs(modelId, 888n, prover.modelCommitment);
  });

  it("rejects malformed proofs: all zeros, a point off the curve, a wrong length, wrong signal count", async () => {
    const { hub, verifier, modelId, alice } = await deployFixture();
    const p = await proofFor(good, alice.address, 1n);
    await expect(hub.verifyAndAct(modelId, encodeProofWords(Array(8).fill(0n)), p.publicSignals)).to.be.revertedWithCustomError(
      hub,
      "InferenceHubInvalidProof",
    );
    const offCurve = decodeProofWords(p.proofBytes);
    offCurve[1] = offCurve[1]! ^ 1n;
    await expect(hub.verifyAndAct(modelId, encodeProofWords(offCurve), p.publicSignals)).to.be.revertedWithCustomError(hub, "InferenceHubInvalidProof");
    await expect(hub.verifyAndAct(modelId, p.proofBytes.slice(0, -64), p.publicSignals))
      .to.be.revertedWithCustomError(verifier, "InferenceVerifierInvalidProofLength")
      .withArgs(256n, 224n);
    await expect(hub.verifyAndAct(modelId, p.proofBytes, p.publicSignals.slice(0, 4))).to.be.revertedWithCustomError(hub, "InferenceHubInvalidSignalCount");
    const swapped = [...p.publicSignals];
    [swapped[1], swapped[2]] = [swapped[2]!, swapped[1]!]; // modelCommitment <-> inputCommitment
    await expect(hub.verifyAndAct(modelId, p.proofBytes, swapped)).to.be.revertedWithCustomError(hub, "InferenceHubCommitmentMismatch");
    const huge = [...p.publicSignals];
    huge[0] = huge[0]! + FIELD_MODULUS;
    await expect(hub.verifyAndAct(modelId, p.proofBytes, huge)).to.be.revertedWithCustomError(hub, "InferenceHubSignalNotInField");
  });

  it("reverts entirely when sent with too little gas, burning no nonce; the same proof then succeeds", async () => {
    const { hub, creditGate, modelId, alice } = await deployFixture();
    const p = await proofFor(good, alice.address, 1n);
    const needed = await hub.verifyAndAct.estimateGas(modelId, p.proofBytes, p.publicSignals);
    for (const gasLimit of [needed - 30_000n, needed - 3_000n]) {
      const rejected = await hub.verifyAndAct(modelId, p.proofBytes, p.publicSignals, { gasLimit }).then(
        () => false,
        () => true,
      );
      expect(rejected, `verifyAndAct with gas limit ${gasLimit}`).to.equal(true);
      expect(await hub.isNonceUsed(modelId, alice.address, 1n)).to.equal(false);
      expect((await creditGate.creditLineOf(alice.address)).limit).to.equal(0n);
    }
    await submitInference(hub, modelId, p.proofBytes, p.publicSignals, { gasLimit: needed });
    expect((await creditGate.creditLineOf(alice.address)).limit).to.equal(5_000n);
  });

  it("rejects proofs for a paused model until it is unpaused, and for good once retired", async () => {
    const { hub, modelId, alice, owner } = await deployFixture();
    const p = await proofFor(good, alice.address, 1n);
    await hub.connect(owner).pauseModel(modelId);
    await expect(hub.verifyAndAct(modelId, p.proofBytes, p.publicSignals)).to.be.revertedWithCustomError(hub, "InferenceHubModelNotActive");
    await hub.connect(owner).unpauseModel(modelId);
    await hub.connect(owner).retireModel(modelId);
    await expect(hub.verifyAndAct(modelId, p.proofBytes, p.publicSignals)).to.be.revertedWithCustomError(hub, "InferenceHubModelNotActive");
  });

  it("deploys a verifier that regenerates identically from the final zkey (key hygiene)", async () => {
    const regenerated = await exportSolidityVerifier(artifactPath("credit-score", "zkey"));
    expect(regenerated).to.equal(readFileSync(artifactPath("credit-score", "snarkjsVerifier"), "utf8"));
    // One IC point per public signal, plus IC0.
    const n = prover.ir.outputs.length + 4;
    expect(regenerated).to.contain(`IC${n}x`);
    expect(regenerated).to.not.contain(`IC${n + 1}x`);
  });
});
