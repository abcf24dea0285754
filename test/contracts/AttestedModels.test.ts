/**
 * Attested models in the registry and the hub (docs/ATTESTATION.md): trusted attesters per model,
 * added and revoked by the owner, and the hub's checks of the attestation signals. The verifier is
 * the mock, so the hub's own checks are what is tested here; real proofs over real signatures are in
 * test/e2e/attestedCreditScore.test.ts.
 */
import { expect } from "chai";
import { network } from "hardhat";
import { creditScoreModule } from "../../deploy/CreditScore.js";
import { packValidity, signalIndex } from "../../prover/abi/publicSignals.js";
import {
  CREDIT_LIMIT,
  FIELD_MODULUS,
  MODEL_COMMITMENT,
  OTHER_COMMITMENT,
  THRESHOLD,
  dummyProof,
  statement,
  upgradeModel,
  withSignal,
  connectAs,
} from "./helpers.js";

const { ethers, ignition, networkHelpers } = await network.create();

const Trust = { None: 0, Trusted: 1, Revoked: 2 } as const;
const attestedCreditScore = creditScoreModule("MockInferenceVerifier", { attested: true });

/** Two attester key hashes (any field elements will do for the registry and the mock verifier). */
const BUREAU = 0x2a5f_0c1e_77d3_9b40_5e6f_1a2b_3c4d_5e6f_7081_92a3_b4c5_d6e7_f809_1a2b_3c4d_5e6fn;
const OTHER_BUREAU = 0x1111_2222_3333_4444_5555_6666_7777_8888n;
const DAY = 86_400n;

/** The attested credit model as production deploys it, BUREAU trusted at registration, and a plain model beside it. */
async function deployFixture() {
  const [owner, applicant, stranger] = await ethers.getSigners();
  const { hub, verifier, creditGate } = await ignition.deploy(attestedCreditScore, {
    parameters: {
      [attestedCreditScore.id]: { modelCommitment: MODEL_COMMITMENT, threshold: THRESHOLD, creditLimit: CREDIT_LIMIT, attesters: [BUREAU] },
    },
  });
  const modelId: bigint = await creditGate.modelId();
  await hub.registerModel(verifier, OTHER_COMMITMENT, 1, "plain");
  const plainModelId: bigint = await hub.modelCount();
  const now = BigInt(await networkHelpers.time.latest());
  return { hub, verifier, creditGate, modelId, plainModelId, owner, applicant, stranger, now };
}

/** An honest attested statement for `subject`, valid from `issuedAt` to `expiresAt`. */
function attested(
  subject: string,
  { keyHash = BUREAU, issuedAt, expiresAt, nonce = 1n }: { keyHash?: bigint; issuedAt: bigint; expiresAt: bigint; nonce?: bigint },
) {
  return statement({ outputs: [THRESHOLD], subject, nonce, attestation: { attesterKeyHash: keyHash, issuedAt, expiresAt } });
}

describe("Attested models", function () {
  describe("registerAttestedModel", function () {
    it("registers an attested model and emits ModelRegistered then ModelAttestationRequired", async function () {
      const { hub, verifier, stranger } = await networkHelpers.loadFixture(deployFixture);
      const next = (await hub.modelCount()) + 1n;
      await expect(connectAs(hub, stranger).registerAttestedModel(verifier, OTHER_COMMITMENT, 1, [], "ipfs://attested"))
        .to.emit(hub, "ModelRegistered")
        .withArgs(next, stranger.address, await verifier.getAddress(), OTHER_COMMITMENT, 1, "ipfs://attested")
        .and.to.emit(hub, "ModelAttestationRequired")
        .withArgs(next);
      const model = await hub.getModel(next);
      expect(model.attested).to.equal(true);
      expect(model.owner).to.equal(stranger.address);
    });

    it("leaves plain models unattested", async function () {
      const { hub, plainModelId } = await networkHelpers.loadFixture(deployFixture);
      expect((await hub.getModel(plainModelId)).attested).to.equal(false);
    });

    it("applies registerModel's checks: zero verifier, commitment >= r, no outputs", async function () {
      const { hub, verifier } = await networkHelpers.loadFixture(deployFixture);
      await expect(hub.registerAttestedModel(ethers.ZeroAddress, MODEL_COMMITMENT, 1, [], ""))
        .to.be.revertedWithCustomError(hub, "ModelRegistryInvalidVerifier")
        .withArgs(ethers.ZeroAddress);
      await expect(hub.registerAttestedModel(verifier, FIELD_MODULUS, 1, [], ""))
        .to.be.revertedWithCustomError(hub, "ModelRegistryInvalidCommitment")
        .withArgs(FIELD_MODULUS);
      await expect(hub.registerAttestedModel(verifier, MODEL_COMMITMENT, 0, [], ""))
        .to.be.revertedWithCustomError(hub, "ModelRegistryInvalidNumOutputs")
        .withArgs(0);
    });

    it("keeps the model attested across an applied update", async function () {
      const { hub, verifier, modelId } = await networkHelpers.loadFixture(deployFixture);
      await upgradeModel(hub, networkHelpers.time, modelId, verifier, OTHER_COMMITMENT);
      expect((await hub.getModel(modelId)).attested).to.equal(true);
    });
  });

  describe("trustAttester / revokeAttester", function () {
    it("trusts the attesters named at registration at once, emitting AttesterTrusted for each; refuses a key >= r or one twice", async function () {
      const { hub, verifier } = await networkHelpers.loadFixture(deployFixture);
      const next = (await hub.modelCount()) + 1n;
      await expect(hub.registerAttestedModel(verifier, MODEL_COMMITMENT, 1, [BUREAU, OTHER_BUREAU], "fresh"))
        .to.emit(hub, "AttesterTrusted")
        .withArgs(next, BUREAU)
        .and.to.emit(hub, "AttesterTrusted")
        .withArgs(next, OTHER_BUREAU);
      expect(await hub.attesterStatus(next, BUREAU)).to.equal(Trust.Trusted);
      expect(await hub.attesterStatus(next, OTHER_BUREAU)).to.equal(Trust.Trusted);
      await expect(hub.registerAttestedModel(verifier, MODEL_COMMITMENT, 1, [BUREAU, FIELD_MODULUS], ""))
        .to.be.revertedWithCustomError(hub, "ModelRegistryInvalidAttesterKeyHash")
        .withArgs(FIELD_MODULUS);
      await expect(hub.registerAttestedModel(verifier, MODEL_COMMITMENT, 1, [BUREAU, BUREAU], ""))
        .to.be.revertedWithCustomError(hub, "ModelRegistryAttesterAlreadyTrusted")
        .withArgs(next + 1n, BUREAU);
      expect(await hub.modelCount()).to.equal(next);
    });

    // docs/SECURITY.md C20. The attack: the model's consumer is live (the Ignition module sets it at
    // once) while the model trusts no attester yet; the owner trusts a key of its choosing and uses it
    // in the next block, before the consumer's owner can react. The first attester after registration
    // is therefore timelocked like every other.
    it("refuses the first attester after registration between two blocks: a live consumer gets the timelock's notice (C20)", async function () {
      const { applicant, now } = await networkHelpers.loadFixture(deployFixture);
      const module = creditScoreModule("MockInferenceVerifier", { attested: true });
      const { hub, creditGate } = await ignition.deploy(module, {
        parameters: { [module.id]: { modelCommitment: OTHER_COMMITMENT, threshold: THRESHOLD, creditLimit: CREDIT_LIMIT, attesters: [] } },
      });
      const modelId: bigint = await creditGate.modelId();
      expect((await hub.getModel(modelId)).consumer).to.equal(await creditGate.getAddress());
      const ROGUE = 0x0bad_cafen;
      const signals = statement({
        outputs: [THRESHOLD],
        subject: applicant.address,
        modelCommitment: OTHER_COMMITMENT,
        attestation: { attesterKeyHash: ROGUE, issuedAt: now, expiresAt: now + 10n * DAY },
      });
      // Before: nothing accepted.
      await expect(hub.verifyAndAct(modelId, dummyProof(), signals))
        .to.be.revertedWithCustomError(hub, "InferenceHubUntrustedAttester")
        .withArgs(modelId, ROGUE);
      // The owner's instant switch is refused, and the rogue key's statements stay refused.
      await expect(hub.trustAttester(modelId, ROGUE)).to.be.revertedWithCustomError(hub, "ModelRegistryAttesterNotAnnounced").withArgs(modelId, ROGUE);
      await expect(hub.verifyAndAct(modelId, dummyProof(), signals)).to.be.revertedWithCustomError(hub, "InferenceHubUntrustedAttester");
      expect((await creditGate.creditLineOf(applicant.address)).limit).to.equal(0n);
      // Announced, it becomes trustable only after the delay, in which everyone sees it coming.
      await hub.announceAttester(modelId, ROGUE);
      const readyAt = await hub.pendingAttester(modelId, ROGUE);
      await networkHelpers.time.setNextBlockTimestamp(readyAt - 1n);
      await expect(hub.trustAttester(modelId, ROGUE)).to.be.revertedWithCustomError(hub, "ModelRegistryAttesterNotReady").withArgs(modelId, ROGUE, readyAt);
      await networkHelpers.time.setNextBlockTimestamp(readyAt);
      await expect(hub.trustAttester(modelId, ROGUE)).to.emit(hub, "AttesterTrusted").withArgs(modelId, ROGUE);
      await expect(hub.verifyAndAct(modelId, dummyProof(), signals)).to.emit(hub, "InferenceVerified");
    });

    it("refuses to trust a further attester between two blocks: unannounced (ModelRegistryAttesterNotAnnounced) or early (ModelRegistryAttesterNotReady)", async function () {
      const { hub, modelId, applicant, now } = await networkHelpers.loadFixture(deployFixture);
      await expect(hub.trustAttester(modelId, OTHER_BUREAU))
        .to.be.revertedWithCustomError(hub, "ModelRegistryAttesterNotAnnounced")
        .withArgs(modelId, OTHER_BUREAU);
      await expect(hub.announceAttester(modelId, OTHER_BUREAU)).to.emit(hub, "AttesterTrustAnnounced");
      const readyAt = await hub.pendingAttester(modelId, OTHER_BUREAU);
      expect(readyAt).to.equal(BigInt(await networkHelpers.time.latest()) + (await hub.updateDelay()));
      await networkHelpers.time.setNextBlockTimestamp(readyAt - 1n);
      await expect(hub.trustAttester(modelId, OTHER_BUREAU))
        .to.be.revertedWithCustomError(hub, "ModelRegistryAttesterNotReady")
        .withArgs(modelId, OTHER_BUREAU, readyAt);
      expect(await hub.attesterStatus(modelId, OTHER_BUREAU)).to.equal(Trust.None);
      // Meanwhile the new key's proofs are refused.
      const signals = attested(applicant.address, { issuedAt: now, expiresAt: now + 10n * DAY, keyHash: OTHER_BUREAU });
      await expect(hub.verifyAndAct(modelId, dummyProof(), signals)).to.be.revertedWithCustomError(hub, "InferenceHubUntrustedAttester");

      await networkHelpers.time.setNextBlockTimestamp(readyAt);
      await expect(hub.trustAttester(modelId, OTHER_BUREAU)).to.emit(hub, "AttesterTrusted").withArgs(modelId, OTHER_BUREAU);
      expect(await hub.attesterStatus(modelId, OTHER_BUREAU)).to.equal(Trust.Trusted);
      expect(await hub.pendingAttester(modelId, OTHER_BUREAU)).to.equal(0n);
    });

    it("revokes an attester and emits AttesterRevoked; the key cannot be trusted again", async function () {
      const { hub, modelId } = await networkHelpers.loadFixture(deployFixture);
      await expect(hub.revokeAttester(modelId, BUREAU)).to.emit(hub, "AttesterRevoked").withArgs(modelId, BUREAU);
      expect(await hub.attesterStatus(modelId, BUREAU)).to.equal(Trust.Revoked);
      await expect(hub.trustAttester(modelId, BUREAU)).to.be.revertedWithCustomError(hub, "ModelRegistryAttesterRevoked").withArgs(modelId, BUREAU);
    });

    it("rejects trusting a trusted attester with ModelRegistryAttesterAlreadyTrusted", async function () {
      const { hub, modelId } = await networkHelpers.loadFixture(deployFixture);
      await expect(hub.trustAttester(modelId, BUREAU)).to.be.revertedWithCustomError(hub, "ModelRegistryAttesterAlreadyTrusted").withArgs(modelId, BUREAU);
    });

    it("rejects revoking an unknown or already revoked attester with ModelRegistryAttesterNotTrusted", async function () {
      const { hub, modelId } = await networkHelpers.loadFixture(deployFixture);
      await expect(hub.revokeAttester(modelId, OTHER_BUREAU))
        .to.be.revertedWithCustomError(hub, "ModelRegistryAttesterNotTrusted")
        .withArgs(modelId, OTHER_BUREAU);
      await hub.revokeAttester(modelId, BUREAU);
      await expect(hub.revokeAttester(modelId, BUREAU)).to.be.revertedWithCustomError(hub, "ModelRegistryAttesterNotTrusted").withArgs(modelId, BUREAU);
    });

    it("rejects a key hash >= r with ModelRegistryInvalidAttesterKeyHash", async function () {
      const { hub, modelId } = await networkHelpers.loadFixture(deployFixture);
      await expect(hub.trustAttester(modelId, FIELD_MODULUS)).to.be.revertedWithCustomError(hub, "ModelRegistryInvalidAttesterKeyHash").withArgs(FIELD_MODULUS);
      await expect(hub.announceAttester(modelId, FIELD_MODULUS)).to.be.revertedWithCustomError(hub, "ModelRegistryInvalidAttesterKeyHash");
      await expect(hub.announceAttester(modelId, FIELD_MODULUS - 1n)).to.emit(hub, "AttesterTrustAnnounced");
    });

    it("rejects attesters on a plain model with ModelRegistryNotAttested", async function () {
      const { hub, plainModelId } = await networkHelpers.loadFixture(deployFixture);
      await expect(hub.trustAttester(plainModelId, BUREAU)).to.be.revertedWithCustomError(hub, "ModelRegistryNotAttested").withArgs(plainModelId);
    });

    it("lets only the owner trust or revoke (ModelRegistryUnauthorizedAccount)", async function () {
      const { hub, modelId, stranger } = await networkHelpers.loadFixture(deployFixture);
      await expect(connectAs(hub, stranger).trustAttester(modelId, OTHER_BUREAU))
        .to.be.revertedWithCustomError(hub, "ModelRegistryUnauthorizedAccount")
        .withArgs(modelId, stranger.address);
      await expect(connectAs(hub, stranger).revokeAttester(modelId, BUREAU))
        .to.be.revertedWithCustomError(hub, "ModelRegistryUnauthorizedAccount")
        .withArgs(modelId, stranger.address);
    });

    it("rejects changes to a retired or unknown model", async function () {
      const { hub, modelId } = await networkHelpers.loadFixture(deployFixture);
      await expect(hub.trustAttester(999n, BUREAU)).to.be.revertedWithCustomError(hub, "ModelRegistryUnknownModel").withArgs(999n);
      await hub.retireModel(modelId);
      await expect(hub.revokeAttester(modelId, BUREAU)).to.be.revertedWithCustomError(hub, "ModelRegistryUnexpectedStatus").withArgs(modelId, 3);
    });
  });

  describe("verifyAndAct on an attested model", function () {
    it("accepts a trusted attester inside its validity window and opens the credit line", async function () {
      const { hub, creditGate, modelId, applicant, now } = await networkHelpers.loadFixture(deployFixture);
      const signals = attested(applicant.address, { issuedAt: now - DAY, expiresAt: now + DAY });
      await expect(hub.verifyAndAct(modelId, dummyProof(), signals))
        .to.emit(hub, "InferenceVerified")
        .withArgs(modelId, applicant.address, 1n)
        .and.to.emit(creditGate, "CreditLineOpened");
    });

    it("takes k + 6 signals: rejects the plain layout with InferenceHubInvalidSignalCount", async function () {
      const { hub, modelId, applicant, now } = await networkHelpers.loadFixture(deployFixture);
      const plain = statement({ outputs: [THRESHOLD], subject: applicant.address });
      await expect(hub.verifyAndAct(modelId, dummyProof(), plain))
        .to.be.revertedWithCustomError(hub, "InferenceHubInvalidSignalCount")
        .withArgs(modelId, 7, 5);
      const long = [...attested(applicant.address, { issuedAt: now, expiresAt: now + DAY }), 0n];
      await expect(hub.verifyAndAct(modelId, dummyProof(), long))
        .to.be.revertedWithCustomError(hub, "InferenceHubInvalidSignalCount")
        .withArgs(modelId, 7, 8);
    });

    it("leaves plain models at k + 4 signals: rejects the attested layout on them", async function () {
      const { hub, plainModelId, applicant, now } = await networkHelpers.loadFixture(deployFixture);
      const signals = statement({
        outputs: [1n],
        modelCommitment: OTHER_COMMITMENT,
        subject: applicant.address,
        attestation: { attesterKeyHash: BUREAU, issuedAt: now, expiresAt: now + DAY },
      });
      await expect(hub.verifyAndAct(plainModelId, dummyProof(), signals))
        .to.be.revertedWithCustomError(hub, "InferenceHubInvalidSignalCount")
        .withArgs(plainModelId, 5, 7);
    });

    it("rejects an attester the model does not trust with InferenceHubUntrustedAttester", async function () {
      const { hub, modelId, applicant, now } = await networkHelpers.loadFixture(deployFixture);
      const signals = attested(applicant.address, { keyHash: OTHER_BUREAU, issuedAt: now, expiresAt: now + DAY });
      await expect(hub.verifyAndAct(modelId, dummyProof(), signals))
        .to.be.revertedWithCustomError(hub, "InferenceHubUntrustedAttester")
        .withArgs(modelId, OTHER_BUREAU);
    });

    it("rejects an attester trusted for another model only", async function () {
      const { hub, verifier, applicant, now } = await networkHelpers.loadFixture(deployFixture);
      await hub.registerAttestedModel(verifier, MODEL_COMMITMENT, 1, [], "second attested model");
      const secondId: bigint = await hub.modelCount();
      const signals = attested(applicant.address, { issuedAt: now, expiresAt: now + DAY });
      await expect(hub.verifyAndAct(secondId, dummyProof(), signals))
        .to.be.revertedWithCustomError(hub, "InferenceHubUntrustedAttester")
        .withArgs(secondId, BUREAU);
    });

    it("rejects a revoked attester with InferenceHubAttesterRevoked, whenever it signed", async function () {
      const { hub, modelId, applicant, now } = await networkHelpers.loadFixture(deployFixture);
      const signals = attested(applicant.address, { issuedAt: now - DAY, expiresAt: now + DAY });
      await hub.revokeAttester(modelId, BUREAU);
      await expect(hub.verifyAndAct(modelId, dummyProof(), signals))
        .to.be.revertedWithCustomError(hub, "InferenceHubAttesterRevoked")
        .withArgs(modelId, BUREAU);
      expect(await hub.isNonceUsed(modelId, applicant.address, 1n)).to.equal(false);
    });

    it("rejects an expired attestation with InferenceHubAttestationExpired, at expiresAt exactly (docs/SECURITY.md 18)", async function () {
      const { hub, modelId, applicant, now } = await networkHelpers.loadFixture(deployFixture);
      const expiresAt = now + 100n;
      const signals = attested(applicant.address, { issuedAt: now - DAY, expiresAt });
      await networkHelpers.time.setNextBlockTimestamp(expiresAt);
      await expect(hub.verifyAndAct(modelId, dummyProof(), signals))
        .to.be.revertedWithCustomError(hub, "InferenceHubAttestationExpired")
        .withArgs(modelId, expiresAt, expiresAt);
    });

    it("accepts an attestation in the last second of its window", async function () {
      const { hub, modelId, applicant, now } = await networkHelpers.loadFixture(deployFixture);
      const expiresAt = now + 100n;
      await networkHelpers.time.setNextBlockTimestamp(expiresAt - 1n);
      await expect(hub.verifyAndAct(modelId, dummyProof(), attested(applicant.address, { issuedAt: now, expiresAt }))).to.emit(hub, "InferenceVerified");
    });

    it("rejects a future-dated attestation with InferenceHubAttestationNotYetValid, and accepts it from issuedAt on", async function () {
      const { hub, modelId, applicant, now } = await networkHelpers.loadFixture(deployFixture);
      const issuedAt = now + 1_000n;
      const signals = attested(applicant.address, { issuedAt, expiresAt: issuedAt + DAY });
      await networkHelpers.time.setNextBlockTimestamp(issuedAt - 1n);
      await expect(hub.verifyAndAct(modelId, dummyProof(), signals))
        .to.be.revertedWithCustomError(hub, "InferenceHubAttestationNotYetValid")
        .withArgs(modelId, issuedAt, issuedAt - 1n);
      await networkHelpers.time.setNextBlockTimestamp(issuedAt);
      await expect(hub.verifyAndAct(modelId, dummyProof(), signals)).to.emit(hub, "InferenceVerified");
    });

    for (const field of ["attesterKeyHash", "validity"] as const) {
      it(`rejects ${field} >= r with InferenceHubSignalNotInField (r + x would alias x)`, async function () {
        const { hub, modelId, applicant, now } = await networkHelpers.loadFixture(deployFixture);
        const honest = attested(applicant.address, { issuedAt: now, expiresAt: now + DAY });
        const index = signalIndex(field, 1);
        const bad = withSignal(honest, index, honest[index]! + FIELD_MODULUS);
        await expect(hub.verifyAndAct(modelId, dummyProof(), bad))
          .to.be.revertedWithCustomError(hub, "InferenceHubSignalNotInField")
          .withArgs(index, bad[index]!);
      });
    }

    it("unpacks validity as issuedAt (high 64 bits) and expiresAt (low 64 bits)", async function () {
      const { hub, modelId, applicant, now } = await networkHelpers.loadFixture(deployFixture);
      // Swapped halves: valid from now + DAY, expired at now - DAY. Not yet valid, so issuedAt is read high.
      const swapped = withSignal(
        attested(applicant.address, { issuedAt: now - DAY, expiresAt: now + DAY }),
        signalIndex("validity", 1),
        packValidity(now + DAY, now - DAY),
      );
      await expect(hub.verifyAndAct(modelId, dummyProof(), swapped)).to.be.revertedWithCustomError(hub, "InferenceHubAttestationNotYetValid");
    });

    it("reverts with InferenceHubInvalidProof when the verifier refuses (e.g. another subject than the attested one)", async function () {
      const { hub, verifier, modelId, applicant, now } = await networkHelpers.loadFixture(deployFixture);
      await verifier.setResult(false);
      const signals = attested(applicant.address, { issuedAt: now, expiresAt: now + DAY });
      await expect(hub.verifyAndAct(modelId, dummyProof(), signals))
        .to.be.revertedWithCustomError(hub, "InferenceHubInvalidProof")
        .withArgs(modelId);
      expect(await hub.isNonceUsed(modelId, applicant.address, 1n)).to.equal(false);
    });
  });
});
