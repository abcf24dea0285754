/**
 * End to end on bureau-attested data (docs/ATTESTATION.md), with real artifacts: the bundled
 * credit-score-attested model built by `npm run build:models`, a real attester key and EdDSA
 * signature, real Groth16 proofs, the generated verifier, and the production Ignition module.
 */
import { expect } from "chai";
import { network } from "hardhat";
import { packValidity, signalIndex } from "../../prover/abi/publicSignals.js";
import { bundledSpecPath } from "../../prover/artifacts/paths.js";
import { generateAttesterKey, signAttestation, type Attestation, type AttesterKey } from "../../prover/attest/attestation.js";
import { deployCreditScore } from "../helpers/creditScoreStack.js";
import { applicantFeatures, germanCreditSplit } from "../../prover/data/germanCredit.js";
import { runReference } from "../../prover/model/interpret.js";
import { ModelProver, type ProveReturnType } from "../../prover/prove/prover.js";

const DAY = 86_400;

describe("end to end: bureau-attested features -> proof -> verifyAndAct -> credit line", () => {
  let prover: ModelProver;
  let bureau: AttesterKey;
  let rogue: AttesterKey;
  let good: number;
  /** One block time for every attestation: the chain's clock at the first fixture, give or take. */
  let t0: number;

  before(async function () {
    this.timeout(300_000);
    prover = await ModelProver.load(bundledSpecPath("credit-score-attested"));
    bureau = await generateAttesterKey();
    rogue = await generateAttesterKey();
    const { test } = germanCreditSplit();
    good = test.find((i) => runReference(prover.ir, applicantFeatures(i)).outputs[0]! > 0n)!;
  });

  async function deployFixture() {
    const { ethers, ignition, networkHelpers } = await network.create();
    const [owner, alice, mallory] = await ethers.getSigners();
    const model = {
      name: prover.ir.name,
      version: prover.ir.version,
      verifierContract: "CreditScoreAttestedVerifier",
      modelCommitment: prover.modelCommitment,
      numOutputs: prover.ir.outputs.length,
      attested: true,
    };
    // A one-minute timelock, so that a second attester can be trusted inside an attestation's window.
    const d = await deployCreditScore({ ignition, model, threshold: 0n, creditLimit: 5_000n, updateDelay: 60n, attesters: [bureau.keyHash] });
    t0 ??= await networkHelpers.time.latest();
    return { ethers, networkHelpers, owner: owner!, alice: alice!, mallory: mallory!, ...d };
  }

  async function attest(key: AttesterKey, subject: string, issuedAt: number, expiresAt: number): Promise<Attestation> {
    return signAttestation({ ir: prover.ir, key, record: { subject, features: applicantFeatures(good), issuedAt, expiresAt } });
  }

  async function prove(att: Attestation, now: number): Promise<ProveReturnType> {
    return prover.prove({ features: att.features, subject: att.subject, nonce: 1n, attestation: att, now });
  }

  let honest: { att: Attestation; proof: ProveReturnType } | undefined;
  /** alice's attestation by the trusted bureau, valid for a day around t0, and its proof (made once). */
  async function honestProof(subject: string) {
    if (!honest) {
      const att = await attest(bureau, subject, t0 - 60, t0 + DAY);
      honest = { att, proof: await prove(att, t0) };
    }
    return honest;
  }

  it("approves a qualifying applicant on bureau-signed data, whoever relays the proof", async () => {
    const { hub, creditGate, modelId, alice, mallory } = await deployFixture();
    const { att, proof } = await honestProof(alice.address);
    expect(proof.decoded.attestation).to.deep.equal({
      attesterKeyHash: bureau.keyHash,
      issuedAt: BigInt(att.issuedAt),
      expiresAt: BigInt(att.expiresAt),
    });
    await expect(hub.connect(mallory).verifyAndAct(modelId, proof.proofBytes, proof.publicSignals))
      .to.emit(hub, "InferenceVerified")
      .and.to.emit(creditGate, "CreditLineOpened")
      .withArgs(alice.address, 5_000n, proof.decoded.outputs[0]);
    expect((await creditGate.creditLineOf(alice.address)).limit).to.equal(5_000n);
  });

  it("rejects the proof resubmitted for another subject with InferenceHubInvalidProof", async () => {
    const { hub, modelId, alice, mallory } = await deployFixture();
    const { proof } = await honestProof(alice.address);
    const stolen = [...proof.publicSignals];
    stolen[signalIndex("subject", 1)] = BigInt(mallory.address);
    await expect(hub.connect(mallory).verifyAndAct(modelId, proof.proofBytes, stolen))
      .to.be.revertedWithCustomError(hub, "InferenceHubInvalidProof")
      .withArgs(modelId);
  });

  it("binds attesterKeyHash and validity (issuedAt, expiresAt): the proof with any of them changed does not verify (docs/SECURITY.md 8)", async () => {
    const { hub, modelId, alice, networkHelpers } = await deployFixture();
    const { proof } = await honestProof(alice.address);
    // Each changed value passes the hub's own checks (a trusted key, a window containing now), so
    // only the verifier stands between it and acceptance.
    // A second attester: announced, then trusted once the (one-minute) timelock has passed.
    await hub.announceAttester(modelId, rogue.keyHash);
    await networkHelpers.time.increase(61);
    await hub.trustAttester(modelId, rogue.keyHash);
    const { att } = await honestProof(alice.address);
    for (const [field, value] of [
      ["attesterKeyHash", rogue.keyHash],
      ["validity", packValidity(BigInt(t0 - 120), BigInt(att.expiresAt))],
      ["validity", packValidity(BigInt(att.issuedAt), BigInt(t0 + 2 * DAY))],
    ] as const) {
      const changed = [...proof.publicSignals];
      changed[signalIndex(field, 1)] = value;
      await expect(hub.verifyAndAct(modelId, proof.proofBytes, changed), field)
        .to.be.revertedWithCustomError(hub, "InferenceHubInvalidProof")
        .withArgs(modelId);
    }
  });

  it("rejects the proof once the bureau's key is revoked, with InferenceHubAttesterRevoked", async () => {
    const { hub, modelId, alice } = await deployFixture();
    const { proof } = await honestProof(alice.address);
    await expect(hub.revokeAttester(modelId, bureau.keyHash)).to.emit(hub, "AttesterRevoked");
    await expect(hub.verifyAndAct(modelId, proof.proofBytes, proof.publicSignals))
      .to.be.revertedWithCustomError(hub, "InferenceHubAttesterRevoked")
      .withArgs(modelId, bureau.keyHash);
  });

  it("rejects the proof once the attestation has expired, with InferenceHubAttestationExpired (docs/SECURITY.md 18)", async () => {
    const { hub, modelId, alice, networkHelpers } = await deployFixture();
    const { att, proof } = await honestProof(alice.address);
    // The first block at which it no longer holds: expiresAt is exclusive.
    await networkHelpers.time.setNextBlockTimestamp(att.expiresAt);
    await expect(hub.verifyAndAct(modelId, proof.proofBytes, proof.publicSignals))
      .to.be.revertedWithCustomError(hub, "InferenceHubAttestationExpired")
      .withArgs(modelId, att.expiresAt, att.expiresAt);
  });

  it("rejects a proof over data signed by an untrusted key, with InferenceHubUntrustedAttester", async () => {
    const { hub, modelId, alice } = await deployFixture();
    const proof = await prove(await attest(rogue, alice.address, t0 - 60, t0 + DAY), t0);
    await expect(hub.verifyAndAct(modelId, proof.proofBytes, proof.publicSignals))
      .to.be.revertedWithCustomError(hub, "InferenceHubUntrustedAttester")
      .withArgs(modelId, rogue.keyHash);
  });

  it("rejects a future-dated attestation until its issuedAt, with InferenceHubAttestationNotYetValid", async () => {
    const { hub, creditGate, modelId, alice, networkHelpers } = await deployFixture();
    const issuedAt = (await networkHelpers.time.latest()) + 3_600;
    const proof = await prove(await attest(bureau, alice.address, issuedAt, issuedAt + DAY), issuedAt);
    await networkHelpers.time.setNextBlockTimestamp(issuedAt - 10);
    await expect(hub.verifyAndAct(modelId, proof.proofBytes, proof.publicSignals))
      .to.be.revertedWithCustomError(hub, "InferenceHubAttestationNotYetValid")
      .withArgs(modelId, issuedAt, issuedAt - 10);
    await networkHelpers.time.setNextBlockTimestamp(issuedAt);
    await expect(hub.verifyAndAct(modelId, proof.proofBytes, proof.publicSignals)).to.emit(creditGate, "CreditLineOpened");
  });
});
