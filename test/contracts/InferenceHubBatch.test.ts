/**
 * InferenceHub.verifyAndActBatch with the mock verifier: the hub's own per-statement checks, applied to
 * every statement of a batch, and the nonce bitmap. Real proofs through the generated batch verifier are
 * in test/e2e/batch.test.ts.
 */
import { expect } from "chai";
import type { Log, LogDescription } from "ethers";
import { network } from "hardhat";
import { creditScoreModule } from "../../deploy/CreditScore.js";
import { signalIndex } from "../../prover/abi/publicSignals.js";
import { encodeBatch } from "../../prover/prove/calldata.js";
import {
  CREDIT_LIMIT,
  FIELD_MODULUS,
  MODEL_COMMITMENT,
  OTHER_COMMITMENT,
  THRESHOLD,
  TWO_POW_160,
  connectAs,
  dummyProof,
  statement,
  withSignal,
} from "./helpers.js";

const { ethers, ignition, networkHelpers } = await network.create();

const plain = creditScoreModule("MockInferenceVerifier");
const attestedModule = creditScoreModule("MockInferenceVerifier", { attested: true });
const BUREAU = 0x2a5f_0c1e_77d3_9b40n;

async function deployFixture() {
  const signers = await ethers.getSigners();
  const parameters = { modelCommitment: MODEL_COMMITMENT, threshold: THRESHOLD, creditLimit: CREDIT_LIMIT };
  const deployed = await ignition.deploy(plain, { parameters: { [plain.id]: parameters } });
  const { verifier, creditGate } = deployed;
  const modelId: bigint = await creditGate.modelId();
  // The applicant submits its own statements (a model without attested inputs), so `hub` is connected
  // as it; `owner` runs the registry.
  const applicant = signers[1]!;
  const hub = connectAs(deployed.hub, applicant);
  return { hub, ownerHub: connectAs(deployed.hub, signers[0]!), verifier, creditGate, modelId, applicant: applicant.address };
}

/** A batch of statements, each with a dummy proof (the mock verifier ignores the bytes). */
function batchOf(statements: bigint[][]) {
  return encodeBatch(statements.map((publicSignals, i) => ({ proofBytes: dummyProof(BigInt(i)), publicSignals })));
}

describe("InferenceHub.verifyAndActBatch (hub checks, mock verifier)", function () {
  it("records every statement and calls the consumer once for each, in batch order", async function () {
    const { hub, creditGate, modelId, applicant } = await networkHelpers.loadFixture(deployFixture);
    const statements = [7n, 8n, 300n].map((nonce, i) => statement({ outputs: [THRESHOLD + BigInt(i) - 1n], subject: applicant, nonce }));
    const b = batchOf(statements);
    const tx = hub.verifyAndActBatch(modelId, b.proofs, b.publicSignals);
    await expect(tx)
      .to.emit(creditGate, "CreditRefused")
      .withArgs(applicant, THRESHOLD - 1n, THRESHOLD);
    await expect(tx).to.emit(creditGate, "CreditLineOpened").withArgs(applicant, CREDIT_LIMIT, THRESHOLD);
    await expect(tx)
      .to.emit(creditGate, "CreditLineOpened")
      .withArgs(applicant, CREDIT_LIMIT, THRESHOLD + 1n);
    const receipt = (await (await tx).wait())!;
    const order = receipt.logs
      .map((l: Log) => hub.interface.parseLog(l))
      .filter((e: LogDescription | null) => e?.name === "InferenceVerified")
      .map((e: LogDescription | null) => e!.args[2]);
    expect(order).to.deep.equal([7n, 8n, 300n]);
    for (const n of [7n, 8n, 300n]) expect(await hub.isNonceUsed(modelId, applicant, n)).to.equal(true);
  });

  it("applies the single call's checks to a later statement, and then records nothing", async function () {
    const { hub, modelId, applicant } = await networkHelpers.loadFixture(deployFixture);
    const good = statement({ outputs: [THRESHOLD], subject: applicant, nonce: 1n });
    const second = statement({ outputs: [THRESHOLD], subject: applicant, nonce: 2n });
    const cases: [string, bigint[], string][] = [
      ["commitment of another model", withSignal(second, signalIndex("modelCommitment", 1), OTHER_COMMITMENT), "InferenceHubCommitmentMismatch"],
      ["a signal >= r", withSignal(second, 0, THRESHOLD + FIELD_MODULUS), "InferenceHubSignalNotInField"],
      ["a subject that is no address", withSignal(second, signalIndex("subject", 1), TWO_POW_160), "InferenceHubInvalidSubject"],
    ];
    for (const [name, bad, error] of cases) {
      const b = batchOf([good, bad]);
      await expect(hub.verifyAndActBatch(modelId, b.proofs, b.publicSignals), name).to.be.revertedWithCustomError(hub, error);
    }
    expect(await hub.isNonceUsed(modelId, applicant, 1n)).to.equal(false);
  });

  it("refuses a statement repeated inside a batch, and one already verified, with InferenceHubNonceUsed", async function () {
    const { hub, modelId, applicant } = await networkHelpers.loadFixture(deployFixture);
    const a = statement({ subject: applicant, nonce: 1n });
    const b = statement({ subject: applicant, nonce: 2n });
    // The same statement with other outputs is still the same statement.
    const dup = batchOf([a, b, withSignal(a, 0, 900n)]);
    await expect(hub.verifyAndActBatch(modelId, dup.proofs, dup.publicSignals))
      .to.be.revertedWithCustomError(hub, "InferenceHubNonceUsed")
      .withArgs(modelId, applicant, 1n);
    expect(await hub.isNonceUsed(modelId, applicant, 2n)).to.equal(false);

    await hub.verifyAndAct(modelId, dummyProof(), b);
    const replay = batchOf([a, b]);
    await expect(hub.verifyAndActBatch(modelId, replay.proofs, replay.publicSignals))
      .to.be.revertedWithCustomError(hub, "InferenceHubNonceUsed")
      .withArgs(modelId, applicant, 2n);
    expect(await hub.isNonceUsed(modelId, applicant, 1n)).to.equal(false);
  });

  it("refuses another subject's statement in a batch on a model without attested inputs (no relayer path)", async function () {
    const { hub, modelId, applicant } = await networkHelpers.loadFixture(deployFixture);
    const [, , victim] = await ethers.getSigners();
    const b = batchOf([statement({ subject: applicant, nonce: 1n }), statement({ subject: victim!.address, nonce: 1n })]);
    await expect(hub.verifyAndActBatch(modelId, b.proofs, b.publicSignals))
      .to.be.revertedWithCustomError(hub, "InferenceHubUnauthorizedSubmitter")
      .withArgs(modelId, victim!.address, applicant);
    expect(await hub.isNonceUsed(modelId, applicant, 1n)).to.equal(false);
    expect(await hub.isNonceUsed(modelId, victim!.address, 1n)).to.equal(false);
  });

  it("reverts the whole batch with InferenceHubInvalidBatchProof when the verifier rejects it", async function () {
    const { hub, verifier, creditGate, modelId, applicant } = await networkHelpers.loadFixture(deployFixture);
    await verifier.setResult(false);
    const b = batchOf([1n, 2n].map((nonce) => statement({ outputs: [THRESHOLD], subject: applicant, nonce })));
    await expect(hub.verifyAndActBatch(modelId, b.proofs, b.publicSignals))
      .to.be.revertedWithCustomError(hub, "InferenceHubInvalidBatchProof")
      .withArgs(modelId, 2n);
    expect(await hub.isNonceUsed(modelId, applicant, 1n)).to.equal(false);
    expect((await creditGate.creditLineOf(applicant)).limit).to.equal(0n);
  });

  it("refuses malformed batches, paused models and verifiers without a batch check", async function () {
    const { hub, ownerHub, modelId, applicant } = await networkHelpers.loadFixture(deployFixture);
    await expect(hub.verifyAndActBatch(modelId, "0x", []))
      .to.be.revertedWithCustomError(hub, "InferenceHubInvalidBatch")
      .withArgs(modelId, 5n, 0n);
    const b = batchOf([statement({ subject: applicant, nonce: 1n }), statement({ subject: applicant, nonce: 2n })]);
    await expect(hub.verifyAndActBatch(modelId, b.proofs, b.publicSignals.slice(0, 7)))
      .to.be.revertedWithCustomError(hub, "InferenceHubInvalidBatch")
      .withArgs(modelId, 5n, 7n);

    await ownerHub.pauseModel(modelId);
    await expect(hub.verifyAndActBatch(modelId, b.proofs, b.publicSignals)).to.be.revertedWithCustomError(hub, "InferenceHubModelNotActive");
    await ownerHub.unpauseModel(modelId);

    // A verifier with only the single check (as a PLONK or FFLONK verifier is).
    const single = await ethers.deployContract("Groth16AdaptedVerifierMock");
    await ownerHub.registerModel(single, MODEL_COMMITMENT, 1, "single-only");
    const singleId: bigint = await hub.modelCount();
    await expect(hub.verifyAndActBatch(singleId, b.proofs, b.publicSignals))
      .to.be.revertedWithCustomError(hub, "InferenceHubBatchNotSupported")
      .withArgs(singleId);
  });

  // docs/SECURITY.md C38 (issue 22, finding 2): the statement count is derived once, from the signals,
  // and the proofs must be exactly that many; the mock verifier would accept anything, so only the hub's
  // own check stands between a mismatched batch and the consumer.
  it("refuses a batch whose proofs are not exactly one per statement, before any check or effect", async function () {
    const { hub, verifier, creditGate, modelId, applicant } = await networkHelpers.loadFixture(deployFixture);
    const b = batchOf([1n, 2n, 3n].map((nonce) => statement({ outputs: [THRESHOLD], subject: applicant, nonce })));
    const proofBytes = (b.proofs.length - 2) / 2;
    expect(proofBytes).to.equal(3 * 256);
    expect(await verifier.verifyBatch(b.proofs.slice(0, 2 + 2 * 512), b.publicSignals)).to.equal(true);
    for (const bytes of [0, 256, 512, 3 * 256 - 1, 3 * 256 + 1, 4 * 256]) {
      const proofs = `0x${(b.proofs.slice(2) + "00".repeat(256)).slice(0, 2 * bytes)}`;
      await expect(hub.verifyAndActBatch(modelId, proofs, b.publicSignals))
        .to.be.revertedWithCustomError(hub, "InferenceHubBatchProofCountMismatch")
        .withArgs(modelId, 3n, 256n, BigInt(bytes));
    }
    for (const nonce of [1n, 2n, 3n]) expect(await hub.isNonceUsed(modelId, applicant, nonce)).to.equal(false);
    expect((await creditGate.creditLineOf(applicant)).limit).to.equal(0n);
    await expect(hub.verifyAndActBatch(modelId, b.proofs, b.publicSignals)).to.emit(creditGate, "CreditLineOpened");
  });

  it("applies the attestation checks to every statement of an attested model's batch", async function () {
    const parameters = { modelCommitment: MODEL_COMMITMENT, threshold: THRESHOLD, creditLimit: CREDIT_LIMIT, attesters: [BUREAU] };
    const { hub, creditGate } = await ignition.deploy(attestedModule, { parameters: { [attestedModule.id]: parameters } });
    const modelId: bigint = await creditGate.modelId();
    const now = BigInt(await networkHelpers.time.latest());
    const [, a, b] = await ethers.getSigners();
    const ok = statement({ subject: a!.address, attestation: { attesterKeyHash: BUREAU, issuedAt: now - 10n, expiresAt: now + 1000n } });
    const untrusted = statement({ subject: b!.address, attestation: { attesterKeyHash: 99n, issuedAt: now - 10n, expiresAt: now + 1000n } });
    const expired = statement({ subject: b!.address, attestation: { attesterKeyHash: BUREAU, issuedAt: now - 10n, expiresAt: now - 1n } });
    const u = batchOf([ok, untrusted]);
    await expect(hub.verifyAndActBatch(modelId, u.proofs, u.publicSignals))
      .to.be.revertedWithCustomError(hub, "InferenceHubUntrustedAttester")
      .withArgs(modelId, 99n);
    const e = batchOf([ok, expired]);
    await expect(hub.verifyAndActBatch(modelId, e.proofs, e.publicSignals)).to.be.revertedWithCustomError(hub, "InferenceHubAttestationExpired");
    const good = batchOf([ok, withSignal(ok, signalIndex("subject", 1), BigInt(b!.address))]);
    await expect(hub.verifyAndActBatch(modelId, good.proofs, good.publicSignals)).to.emit(creditGate, "CreditLineOpened");
  });
});

describe("InferenceHub nonce bitmap", function () {
  it("keeps nonces independent across a word boundary, per subject and per model", async function () {
    const { hub, modelId, applicant } = await networkHelpers.loadFixture(deployFixture);
    const [, , other] = await ethers.getSigners();
    for (const nonce of [255n, 256n, 0n, 2n ** 200n + 1n]) {
      expect(await hub.isNonceUsed(modelId, applicant, nonce)).to.equal(false);
      await hub.verifyAndAct(modelId, dummyProof(), statement({ subject: applicant, nonce }));
      expect(await hub.isNonceUsed(modelId, applicant, nonce)).to.equal(true);
    }
    for (const nonce of [1n, 254n, 257n, 511n, 2n ** 200n]) expect(await hub.isNonceUsed(modelId, applicant, nonce), `nonce ${nonce}`).to.equal(false);
    expect(await hub.isNonceUsed(modelId, other!.address, 255n)).to.equal(false);
    expect(await hub.isNonceUsed(modelId + 1n, applicant, 255n)).to.equal(false);
    await expect(hub.verifyAndAct(modelId, dummyProof(), statement({ subject: applicant, nonce: 256n }))).to.be.revertedWithCustomError(
      hub,
      "InferenceHubNonceUsed",
    );
  });

  it("costs a repeat subject about 17,000 gas less than a first-time one (an existing word, not a new slot)", async function () {
    const { hub, modelId, applicant } = await networkHelpers.loadFixture(deployFixture);
    const gasOf = async (nonce: bigint) =>
      (await (await hub.verifyAndAct(modelId, dummyProof(), statement({ outputs: [THRESHOLD - 1n], subject: applicant, nonce }))).wait())!.gasUsed;
    const first = await gasOf(1n);
    const repeat = await gasOf(2n);
    console.log(`      verifyAndAct (mock verifier, credit refused): first-time subject ${first} gas, repeat subject ${repeat} gas`);
    expect(first - repeat).to.be.greaterThan(16_000n);
    expect(first - repeat).to.be.lessThan(18_000n);
  });
});
