import { expect } from "chai";
import { network } from "hardhat";
import InferenceHubModule from "../../deploy/InferenceHub.js";
import { FIELD_MODULUS, MODEL_COMMITMENT, OTHER_COMMITMENT, connectAs, dummyProof, statement } from "./helpers.js";

const { ethers, ignition, networkHelpers } = await network.create();

const Status = { None: 0, Active: 1, Paused: 2, Retired: 3 } as const;

/** The hub (which is the registry) as production deploys it, with one model registered by `owner`. */
async function deployFixture() {
  const [owner, stranger] = await ethers.getSigners();
  const { hub } = await ignition.deploy(InferenceHubModule);
  const verifier = await ethers.deployContract("MockInferenceVerifier");
  const otherVerifier = await ethers.deployContract("MockInferenceVerifier");
  const consumer = await ethers.deployContract("RecordingConsumer");
  await hub.registerModel(verifier, MODEL_COMMITMENT, 1, "ipfs://credit-score");
  const modelId = 1n;
  return { hub, verifier, otherVerifier, consumer, modelId, owner, stranger };
}

describe("ModelRegistry", function () {
  describe("registerModel", function () {
    it("registers an Active model at version 1, owned by the caller, without consumer", async function () {
      const { hub, verifier, modelId, owner } = await networkHelpers.loadFixture(deployFixture);
      const model = await hub.getModel(modelId);

      expect(model.verifier).to.equal(await verifier.getAddress());
      expect(model.status).to.equal(Status.Active);
      expect(model.numOutputs).to.equal(1n);
      expect(model.version).to.equal(1n);
      expect(model.consumer).to.equal(ethers.ZeroAddress);
      expect(model.modelCommitment).to.equal(MODEL_COMMITMENT);
      expect(model.owner).to.equal(owner.address);
      expect(model.metadataURI).to.equal("ipfs://credit-score");
    });

    it("assigns sequential ids from 1 and emits ModelRegistered", async function () {
      const { hub, verifier, stranger } = await networkHelpers.loadFixture(deployFixture);
      expect(await hub.modelCount()).to.equal(1n);

      await expect(connectAs(hub, stranger).registerModel(verifier, OTHER_COMMITMENT, 3, "ipfs://second"))
        .to.emit(hub, "ModelRegistered")
        .withArgs(2n, stranger.address, await verifier.getAddress(), OTHER_COMMITMENT, 3, "ipfs://second");
      expect(await hub.modelCount()).to.equal(2n);
      expect((await hub.getModel(2n)).owner).to.equal(stranger.address);
    });

    it("accepts a commitment of r - 1", async function () {
      const { hub, verifier } = await networkHelpers.loadFixture(deployFixture);
      await expect(hub.registerModel(verifier, FIELD_MODULUS - 1n, 1, "")).to.emit(hub, "ModelRegistered");
    });

    it("rejects the zero verifier and an account without code with ModelRegistryInvalidVerifier", async function () {
      const { hub, stranger } = await networkHelpers.loadFixture(deployFixture);
      for (const verifier of [ethers.ZeroAddress, stranger.address]) {
        await expect(hub.registerModel(verifier, MODEL_COMMITMENT, 1, ""))
          .to.be.revertedWithCustomError(hub, "ModelRegistryInvalidVerifier")
          .withArgs(verifier);
      }
      expect(await hub.modelCount()).to.equal(1n);
    });

    it("pins the verifier's code hash in the record and in version 1", async function () {
      const { hub, verifier, modelId } = await networkHelpers.loadFixture(deployFixture);
      const codeHash = ethers.keccak256(await ethers.provider.getCode(await verifier.getAddress()));
      expect((await hub.getModel(modelId)).verifierCodeHash).to.equal(codeHash);
      expect((await hub.getModelVersion(modelId, 1)).verifierCodeHash).to.equal(codeHash);
    });

    it("rejects a commitment >= r with ModelRegistryInvalidCommitment", async function () {
      const { hub, verifier } = await networkHelpers.loadFixture(deployFixture);
      for (const commitment of [FIELD_MODULUS, MODEL_COMMITMENT + FIELD_MODULUS, ethers.MaxUint256]) {
        await expect(hub.registerModel(verifier, commitment, 1, ""))
          .to.be.revertedWithCustomError(hub, "ModelRegistryInvalidCommitment")
          .withArgs(commitment);
      }
    });

    it("rejects a model without outputs with ModelRegistryInvalidNumOutputs", async function () {
      const { hub, verifier } = await networkHelpers.loadFixture(deployFixture);
      await expect(hub.registerModel(verifier, MODEL_COMMITMENT, 0, ""))
        .to.be.revertedWithCustomError(hub, "ModelRegistryInvalidNumOutputs")
        .withArgs(0);
    });
  });

  describe("getModel", function () {
    it("rejects an unknown model with ModelRegistryUnknownModel", async function () {
      const { hub } = await networkHelpers.loadFixture(deployFixture);
      for (const unknown of [0n, 2n]) {
        await expect(hub.getModel(unknown)).to.be.revertedWithCustomError(hub, "ModelRegistryUnknownModel").withArgs(unknown);
      }
    });
  });

  describe("setConsumer (the first at once, every later change announced and timelocked)", function () {
    it("sets the first consumer at once, emitting ModelConsumerUpdated", async function () {
      const { hub, consumer, modelId } = await networkHelpers.loadFixture(deployFixture);
      await expect(hub.setConsumer(modelId, consumer))
        .to.emit(hub, "ModelConsumerUpdated")
        .withArgs(modelId, await consumer.getAddress());
      expect((await hub.getModel(modelId)).consumer).to.equal(await consumer.getAddress());
    });

    // docs/SECURITY.md C21: the one owner change that applies at once. Before it the hub calls nobody
    // for the model; a statement recorded then stays recorded and is never replayed into the consumer;
    // and the first consumer latches, so the owner cannot flip between "none" and "this consumer".
    it("leaves nothing to exploit before the first consumer: statements call nobody and are not replayed into it; the first consumer latches (C21)", async function () {
      const { hub, consumer, modelId, owner } = await networkHelpers.loadFixture(deployFixture);
      const early = statement({ subject: owner.address, nonce: 1n });
      await expect(hub.verifyAndAct(modelId, dummyProof(), early))
        .to.emit(hub, "InferenceVerified")
        .and.not.to.emit(consumer, "InferenceReceived");
      await expect(hub.setConsumer(modelId, consumer)).to.emit(hub, "ModelConsumerUpdated");
      // The early statement cannot reach the consumer afterwards, re-randomised or not: its nonce is used.
      await expect(hub.verifyAndAct(modelId, dummyProof(1n), early)).to.be.revertedWithCustomError(hub, "InferenceHubNonceUsed");
      // No instant way back to "none", nor on to another consumer.
      const rogue = await ethers.deployContract("RecordingConsumer");
      for (const next of [ethers.ZeroAddress, await rogue.getAddress()]) {
        await expect(hub.setConsumer(modelId, next)).to.be.revertedWithCustomError(hub, "ModelRegistryConsumerNotAnnounced").withArgs(modelId, next);
      }
      expect((await hub.getModel(modelId)).consumer).to.equal(await consumer.getAddress());
      await expect(hub.verifyAndAct(modelId, dummyProof(), statement({ subject: owner.address, nonce: 2n }))).to.emit(consumer, "InferenceReceived");
    });

    it("refuses to swap the consumer between two blocks: an unannounced change reverts with ModelRegistryConsumerNotAnnounced", async function () {
      const { hub, consumer, modelId } = await networkHelpers.loadFixture(deployFixture);
      await hub.setConsumer(modelId, consumer);
      const rogue = await ethers.deployContract("RecordingConsumer");
      for (const next of [await rogue.getAddress(), ethers.ZeroAddress]) {
        await expect(hub.setConsumer(modelId, next)).to.be.revertedWithCustomError(hub, "ModelRegistryConsumerNotAnnounced").withArgs(modelId, next);
      }
      expect((await hub.getModel(modelId)).consumer).to.equal(await consumer.getAddress());
    });

    it("sets an announced consumer only after the delay (ModelRegistryConsumerNotReady before), and only the announced one", async function () {
      const { hub, consumer, modelId } = await networkHelpers.loadFixture(deployFixture);
      await hub.setConsumer(modelId, consumer);
      const next = await ethers.deployContract("RecordingConsumer");
      const other = await ethers.deployContract("RecordingConsumer");
      const delay = await hub.updateDelay();
      await expect(hub.announceConsumer(modelId, next)).to.emit(hub, "ConsumerUpdateAnnounced");
      const { readyAt } = await hub.pendingConsumer(modelId);
      expect(readyAt).to.equal(BigInt(await networkHelpers.time.latest()) + delay);

      await networkHelpers.time.setNextBlockTimestamp(readyAt - 1n);
      await expect(hub.setConsumer(modelId, next))
        .to.be.revertedWithCustomError(hub, "ModelRegistryConsumerNotReady")
        .withArgs(modelId, await next.getAddress(), readyAt);
      expect((await hub.getModel(modelId)).consumer).to.equal(await consumer.getAddress());
      await expect(hub.setConsumer(modelId, other))
        .to.be.revertedWithCustomError(hub, "ModelRegistryConsumerNotAnnounced")
        .withArgs(modelId, await other.getAddress());

      await networkHelpers.time.setNextBlockTimestamp(readyAt);
      await expect(hub.setConsumer(modelId, next))
        .to.emit(hub, "ModelConsumerUpdated")
        .withArgs(modelId, await next.getAddress());
      expect((await hub.pendingConsumer(modelId)).readyAt).to.equal(0n);
      // The announcement is used up: setting it again needs a new one.
      await expect(hub.setConsumer(modelId, next)).to.be.revertedWithCustomError(hub, "ModelRegistryConsumerNotAnnounced");
    });

    it("rejects a non-owner with ModelRegistryUnauthorizedAccount", async function () {
      const { hub, consumer, modelId, stranger } = await networkHelpers.loadFixture(deployFixture);
      for (const call of [() => connectAs(hub, stranger).setConsumer(modelId, consumer), () => connectAs(hub, stranger).announceConsumer(modelId, consumer)]) {
        await expect(call()).to.be.revertedWithCustomError(hub, "ModelRegistryUnauthorizedAccount").withArgs(modelId, stranger.address);
      }
    });

    it("rejects an account without code with ModelRegistryInvalidConsumer", async function () {
      const { hub, modelId, stranger } = await networkHelpers.loadFixture(deployFixture);
      for (const call of [() => hub.setConsumer(modelId, stranger.address), () => hub.announceConsumer(modelId, stranger.address)]) {
        await expect(call()).to.be.revertedWithCustomError(hub, "ModelRegistryInvalidConsumer").withArgs(stranger.address);
      }
      expect((await hub.getModel(modelId)).consumer).to.equal(ethers.ZeroAddress);
    });

    it("rejects an unknown model with ModelRegistryUnknownModel", async function () {
      const { hub, consumer } = await networkHelpers.loadFixture(deployFixture);
      await expect(hub.setConsumer(7n, consumer)).to.be.revertedWithCustomError(hub, "ModelRegistryUnknownModel").withArgs(7n);
    });

    it("is allowed while the model is paused", async function () {
      const { hub, consumer, modelId } = await networkHelpers.loadFixture(deployFixture);
      await hub.pauseModel(modelId);
      await expect(hub.setConsumer(modelId, consumer)).to.emit(hub, "ModelConsumerUpdated");
    });
  });

  describe("timelocked update (announce, wait, apply or cancel)", function () {
    const DELAY = 2n * 24n * 60n * 60n;

    it("uses the deployment's delay, two days by default", async function () {
      const { hub } = await networkHelpers.loadFixture(deployFixture);
      expect(await hub.updateDelay()).to.equal(DELAY);
    });

    it("announces an update without changing the model, emitting ModelUpdateAnnounced", async function () {
      const { hub, verifier, otherVerifier, modelId } = await networkHelpers.loadFixture(deployFixture);
      const tx = hub.announceModelUpdate(modelId, otherVerifier, OTHER_COMMITMENT);
      const readyAt = BigInt(await networkHelpers.time.latest()) + 1n + DELAY;
      await expect(tx)
        .to.emit(hub, "ModelUpdateAnnounced")
        .withArgs(modelId, await otherVerifier.getAddress(), OTHER_COMMITMENT, readyAt);

      const pending = await hub.pendingModelUpdate(modelId);
      expect(pending.verifier).to.equal(await otherVerifier.getAddress());
      expect(pending.modelCommitment).to.equal(OTHER_COMMITMENT);
      expect(pending.readyAt).to.equal(readyAt);
      const model = await hub.getModel(modelId);
      expect(model.verifier).to.equal(await verifier.getAddress());
      expect(model.modelCommitment).to.equal(MODEL_COMMITMENT);
      expect(model.version).to.equal(1n);
    });

    it("rejects applying before the delay with ModelRegistryUpdateNotReady, and applies once it has passed", async function () {
      const { hub, otherVerifier, modelId } = await networkHelpers.loadFixture(deployFixture);
      await hub.announceModelUpdate(modelId, otherVerifier, OTHER_COMMITMENT);
      const { readyAt } = await hub.pendingModelUpdate(modelId);

      // One second early: the block that applies it has timestamp readyAt - 1.
      await networkHelpers.time.setNextBlockTimestamp(readyAt - 1n);
      await expect(hub.applyModelUpdate(modelId)).to.be.revertedWithCustomError(hub, "ModelRegistryUpdateNotReady").withArgs(modelId, readyAt);
      expect((await hub.getModel(modelId)).version).to.equal(1n);

      await networkHelpers.time.setNextBlockTimestamp(readyAt);
      await expect(hub.applyModelUpdate(modelId))
        .to.emit(hub, "ModelUpdated")
        .withArgs(modelId, 2, await otherVerifier.getAddress(), OTHER_COMMITMENT);
      const model = await hub.getModel(modelId);
      expect(model.verifier).to.equal(await otherVerifier.getAddress());
      expect(model.modelCommitment).to.equal(OTHER_COMMITMENT);
      expect(model.version).to.equal(2n);
      expect(model.status).to.equal(Status.Active);
      expect(model.numOutputs).to.equal(1n);
      expect((await hub.pendingModelUpdate(modelId)).readyAt).to.equal(0n);
    });

    it("keeps every version readable, each linked to the one before by its number", async function () {
      const { hub, verifier, otherVerifier, modelId } = await networkHelpers.loadFixture(deployFixture);
      const registeredAt = BigInt(await networkHelpers.time.latest());
      await hub.announceModelUpdate(modelId, otherVerifier, OTHER_COMMITMENT);
      await networkHelpers.time.increase(DELAY);
      await hub.applyModelUpdate(modelId);
      const appliedAt = BigInt(await networkHelpers.time.latest());

      const v1 = await hub.getModelVersion(modelId, 1);
      expect([v1.verifier, v1.modelCommitment, v1.activatedAt]).to.deep.equal([await verifier.getAddress(), MODEL_COMMITMENT, registeredAt]);
      const v2 = await hub.getModelVersion(modelId, 2);
      expect([v2.verifier, v2.modelCommitment, v2.activatedAt]).to.deep.equal([await otherVerifier.getAddress(), OTHER_COMMITMENT, appliedAt]);
      await expect(hub.getModelVersion(modelId, 3)).to.be.revertedWithCustomError(hub, "ModelRegistryUnknownVersion").withArgs(modelId, 3);
      await expect(hub.getModelVersion(modelId, 0)).to.be.revertedWithCustomError(hub, "ModelRegistryUnknownVersion").withArgs(modelId, 0);
    });

    it("cancels an announced update, emitting ModelUpdateCancelled; it can then no longer be applied", async function () {
      const { hub, otherVerifier, modelId } = await networkHelpers.loadFixture(deployFixture);
      await hub.announceModelUpdate(modelId, otherVerifier, OTHER_COMMITMENT);
      await expect(hub.cancelModelUpdate(modelId))
        .to.emit(hub, "ModelUpdateCancelled")
        .withArgs(modelId, await otherVerifier.getAddress(), OTHER_COMMITMENT);

      await networkHelpers.time.increase(DELAY);
      await expect(hub.applyModelUpdate(modelId)).to.be.revertedWithCustomError(hub, "ModelRegistryNoPendingUpdate").withArgs(modelId);
      await expect(hub.cancelModelUpdate(modelId)).to.be.revertedWithCustomError(hub, "ModelRegistryNoPendingUpdate").withArgs(modelId);
      expect((await hub.getModel(modelId)).version).to.equal(1n);
    });

    it("refuses to apply an update whose verifier's code changed since it was announced (ModelRegistryVerifierCodeChanged)", async function () {
      const { hub, verifier, otherVerifier, modelId } = await networkHelpers.loadFixture(deployFixture);
      const address = await otherVerifier.getAddress();
      const announced = ethers.keccak256(await ethers.provider.getCode(address));
      await hub.announceModelUpdate(modelId, otherVerifier, OTHER_COMMITMENT);
      expect((await hub.pendingModelUpdate(modelId)).verifierCodeHash).to.equal(announced);
      // Other code at the announced address (possible before EIP-6780; Hardhat's setCode stands in).
      const swapped = await ethers.deployContract("RevertingInferenceVerifier");
      await networkHelpers.setCode(address, await ethers.provider.getCode(await swapped.getAddress()));
      await networkHelpers.time.increase(await hub.updateDelay());

      const actual = ethers.keccak256(await ethers.provider.getCode(address));
      await expect(hub.applyModelUpdate(modelId))
        .to.be.revertedWithCustomError(hub, "ModelRegistryVerifierCodeChanged")
        .withArgs(modelId, address, announced, actual);
      const model = await hub.getModel(modelId);
      expect([model.verifier, model.version]).to.deep.equal([await verifier.getAddress(), 1n]);
    });

    it("pins the applied verifier's code hash in the record and the new version", async function () {
      const { hub, otherVerifier, modelId } = await networkHelpers.loadFixture(deployFixture);
      const codeHash = ethers.keccak256(await ethers.provider.getCode(await otherVerifier.getAddress()));
      await hub.announceModelUpdate(modelId, otherVerifier, OTHER_COMMITMENT);
      await networkHelpers.time.increase(await hub.updateDelay());
      await hub.applyModelUpdate(modelId);
      expect((await hub.getModel(modelId)).verifierCodeHash).to.equal(codeHash);
      expect((await hub.getModelVersion(modelId, 2)).verifierCodeHash).to.equal(codeHash);
    });

    it("rejects a second announcement while one is pending with ModelRegistryUpdatePending", async function () {
      const { hub, verifier, otherVerifier, modelId } = await networkHelpers.loadFixture(deployFixture);
      await hub.announceModelUpdate(modelId, otherVerifier, OTHER_COMMITMENT);
      const { readyAt } = await hub.pendingModelUpdate(modelId);
      await expect(hub.announceModelUpdate(modelId, verifier, 5n))
        .to.be.revertedWithCustomError(hub, "ModelRegistryUpdatePending")
        .withArgs(modelId, readyAt);
    });

    it("keeps a paused model paused", async function () {
      const { hub, otherVerifier, modelId } = await networkHelpers.loadFixture(deployFixture);
      await hub.pauseModel(modelId);
      await hub.announceModelUpdate(modelId, otherVerifier, OTHER_COMMITMENT);
      await networkHelpers.time.increase(DELAY);
      await hub.applyModelUpdate(modelId);
      expect((await hub.getModel(modelId)).status).to.equal(Status.Paused);
    });

    it("rejects the zero verifier with ModelRegistryInvalidVerifier", async function () {
      const { hub, modelId } = await networkHelpers.loadFixture(deployFixture);
      await expect(hub.announceModelUpdate(modelId, ethers.ZeroAddress, OTHER_COMMITMENT))
        .to.be.revertedWithCustomError(hub, "ModelRegistryInvalidVerifier")
        .withArgs(ethers.ZeroAddress);
    });

    it("rejects a commitment >= r with ModelRegistryInvalidCommitment", async function () {
      const { hub, verifier, modelId } = await networkHelpers.loadFixture(deployFixture);
      await expect(hub.announceModelUpdate(modelId, verifier, FIELD_MODULUS))
        .to.be.revertedWithCustomError(hub, "ModelRegistryInvalidCommitment")
        .withArgs(FIELD_MODULUS);
    });

    it("rejects announce, apply and cancel by a non-owner with ModelRegistryUnauthorizedAccount", async function () {
      const { hub, otherVerifier, modelId, stranger } = await networkHelpers.loadFixture(deployFixture);
      await expect(connectAs(hub, stranger).announceModelUpdate(modelId, otherVerifier, OTHER_COMMITMENT))
        .to.be.revertedWithCustomError(hub, "ModelRegistryUnauthorizedAccount")
        .withArgs(modelId, stranger.address);
      await hub.announceModelUpdate(modelId, otherVerifier, OTHER_COMMITMENT);
      await networkHelpers.time.increase(DELAY);
      for (const change of [() => connectAs(hub, stranger).applyModelUpdate(modelId), () => connectAs(hub, stranger).cancelModelUpdate(modelId)]) {
        await expect(change()).to.be.revertedWithCustomError(hub, "ModelRegistryUnauthorizedAccount").withArgs(modelId, stranger.address);
      }
      expect((await hub.getModel(modelId)).version).to.equal(1n);
    });

    it("rejects an unknown model with ModelRegistryUnknownModel", async function () {
      const { hub, verifier } = await networkHelpers.loadFixture(deployFixture);
      await expect(hub.announceModelUpdate(0n, verifier, OTHER_COMMITMENT))
        .to.be.revertedWithCustomError(hub, "ModelRegistryUnknownModel")
        .withArgs(0n);
    });
  });

  describe("two-step ownership transfer", function () {
    it("moves ownership only when the new owner accepts, emitting both events", async function () {
      const { hub, modelId, owner, stranger } = await networkHelpers.loadFixture(deployFixture);
      await expect(hub.transferModelOwnership(modelId, stranger.address))
        .to.emit(hub, "ModelOwnershipTransferStarted")
        .withArgs(modelId, owner.address, stranger.address);
      expect(await hub.pendingModelOwner(modelId)).to.equal(stranger.address);
      // Until accepted, the old owner still owns it and the new one cannot act.
      expect((await hub.getModel(modelId)).owner).to.equal(owner.address);
      await expect(connectAs(hub, stranger).pauseModel(modelId)).to.be.revertedWithCustomError(hub, "ModelRegistryUnauthorizedAccount");

      await expect(connectAs(hub, stranger).acceptModelOwnership(modelId))
        .to.emit(hub, "ModelOwnershipTransferred")
        .withArgs(modelId, owner.address, stranger.address);
      expect((await hub.getModel(modelId)).owner).to.equal(stranger.address);
      expect(await hub.pendingModelOwner(modelId)).to.equal(ethers.ZeroAddress);
      await expect(hub.pauseModel(modelId)).to.be.revertedWithCustomError(hub, "ModelRegistryUnauthorizedAccount").withArgs(modelId, owner.address);
      await expect(connectAs(hub, stranger).pauseModel(modelId)).to.emit(hub, "ModelPaused");
    });

    it("rejects acceptance by anyone but the pending owner with ModelRegistryUnauthorizedAccount", async function () {
      const { hub, modelId, owner, stranger } = await networkHelpers.loadFixture(deployFixture);
      await expect(connectAs(hub, stranger).acceptModelOwnership(modelId))
        .to.be.revertedWithCustomError(hub, "ModelRegistryUnauthorizedAccount")
        .withArgs(modelId, stranger.address);
      await hub.transferModelOwnership(modelId, stranger.address);
      await expect(hub.acceptModelOwnership(modelId)).to.be.revertedWithCustomError(hub, "ModelRegistryUnauthorizedAccount").withArgs(modelId, owner.address);
    });

    it("rejects a transfer by a non-owner, and to the zero address", async function () {
      const { hub, modelId, stranger } = await networkHelpers.loadFixture(deployFixture);
      await expect(connectAs(hub, stranger).transferModelOwnership(modelId, stranger.address))
        .to.be.revertedWithCustomError(hub, "ModelRegistryUnauthorizedAccount")
        .withArgs(modelId, stranger.address);
      await expect(hub.transferModelOwnership(modelId, ethers.ZeroAddress))
        .to.be.revertedWithCustomError(hub, "ModelRegistryInvalidOwner")
        .withArgs(ethers.ZeroAddress);
    });

    it("cannot complete once the model is retired", async function () {
      const { hub, modelId, stranger } = await networkHelpers.loadFixture(deployFixture);
      await hub.transferModelOwnership(modelId, stranger.address);
      await hub.retireModel(modelId);
      await expect(connectAs(hub, stranger).acceptModelOwnership(modelId))
        .to.be.revertedWithCustomError(hub, "ModelRegistryUnexpectedStatus")
        .withArgs(modelId, Status.Retired);
    });
  });

  describe("pauseModel and unpauseModel", function () {
    it("pauses an Active model and unpauses it, emitting ModelPaused and ModelUnpaused", async function () {
      const { hub, modelId } = await networkHelpers.loadFixture(deployFixture);

      await expect(hub.pauseModel(modelId)).to.emit(hub, "ModelPaused").withArgs(modelId);
      expect((await hub.getModel(modelId)).status).to.equal(Status.Paused);

      await expect(hub.unpauseModel(modelId)).to.emit(hub, "ModelUnpaused").withArgs(modelId);
      expect((await hub.getModel(modelId)).status).to.equal(Status.Active);
    });

    it("rejects pausing a paused model with ModelRegistryUnexpectedStatus(Paused)", async function () {
      const { hub, modelId } = await networkHelpers.loadFixture(deployFixture);
      await hub.pauseModel(modelId);
      await expect(hub.pauseModel(modelId)).to.be.revertedWithCustomError(hub, "ModelRegistryUnexpectedStatus").withArgs(modelId, Status.Paused);
    });

    it("rejects unpausing an Active model with ModelRegistryUnexpectedStatus(Active)", async function () {
      const { hub, modelId } = await networkHelpers.loadFixture(deployFixture);
      await expect(hub.unpauseModel(modelId)).to.be.revertedWithCustomError(hub, "ModelRegistryUnexpectedStatus").withArgs(modelId, Status.Active);
    });

    it("rejects a non-owner with ModelRegistryUnauthorizedAccount", async function () {
      const { hub, modelId, stranger } = await networkHelpers.loadFixture(deployFixture);
      await expect(connectAs(hub, stranger).pauseModel(modelId))
        .to.be.revertedWithCustomError(hub, "ModelRegistryUnauthorizedAccount")
        .withArgs(modelId, stranger.address);
      await hub.pauseModel(modelId);
      await expect(connectAs(hub, stranger).unpauseModel(modelId))
        .to.be.revertedWithCustomError(hub, "ModelRegistryUnauthorizedAccount")
        .withArgs(modelId, stranger.address);
    });

    it("rejects an unknown model with ModelRegistryUnknownModel", async function () {
      const { hub } = await networkHelpers.loadFixture(deployFixture);
      await expect(hub.pauseModel(3n)).to.be.revertedWithCustomError(hub, "ModelRegistryUnknownModel").withArgs(3n);
      await expect(hub.unpauseModel(3n)).to.be.revertedWithCustomError(hub, "ModelRegistryUnknownModel").withArgs(3n);
    });
  });

  describe("retireModel", function () {
    it("retires an Active model and emits ModelRetired", async function () {
      const { hub, modelId } = await networkHelpers.loadFixture(deployFixture);
      await expect(hub.retireModel(modelId)).to.emit(hub, "ModelRetired").withArgs(modelId);
      expect((await hub.getModel(modelId)).status).to.equal(Status.Retired);
    });

    it("retires a Paused model", async function () {
      const { hub, modelId } = await networkHelpers.loadFixture(deployFixture);
      await hub.pauseModel(modelId);
      await expect(hub.retireModel(modelId)).to.emit(hub, "ModelRetired").withArgs(modelId);
    });

    it("rejects every later change with ModelRegistryUnexpectedStatus(Retired)", async function () {
      const { hub, otherVerifier, consumer, modelId } = await networkHelpers.loadFixture(deployFixture);
      await hub.retireModel(modelId);

      const changes = [
        () => hub.retireModel(modelId),
        () => hub.pauseModel(modelId),
        () => hub.unpauseModel(modelId),
        () => hub.setConsumer(modelId, consumer),
        () => hub.announceModelUpdate(modelId, otherVerifier, OTHER_COMMITMENT),
        () => hub.transferModelOwnership(modelId, otherVerifier),
      ];
      for (const change of changes) {
        await expect(change()).to.be.revertedWithCustomError(hub, "ModelRegistryUnexpectedStatus").withArgs(modelId, Status.Retired);
      }
      expect((await hub.getModel(modelId)).version).to.equal(1n);
    });

    it("rejects a non-owner with ModelRegistryUnauthorizedAccount", async function () {
      const { hub, modelId, stranger } = await networkHelpers.loadFixture(deployFixture);
      await expect(connectAs(hub, stranger).retireModel(modelId))
        .to.be.revertedWithCustomError(hub, "ModelRegistryUnauthorizedAccount")
        .withArgs(modelId, stranger.address);
    });

    it("rejects an unknown model with ModelRegistryUnknownModel", async function () {
      const { hub } = await networkHelpers.loadFixture(deployFixture);
      await expect(hub.retireModel(9n)).to.be.revertedWithCustomError(hub, "ModelRegistryUnknownModel").withArgs(9n);
    });
  });

  it("scopes ownership to each model", async function () {
    const { hub, verifier, modelId, owner, stranger } = await networkHelpers.loadFixture(deployFixture);
    await connectAs(hub, stranger).registerModel(verifier, OTHER_COMMITMENT, 1, "");

    await expect(hub.pauseModel(2n)).to.be.revertedWithCustomError(hub, "ModelRegistryUnauthorizedAccount").withArgs(2n, owner.address);
    await expect(connectAs(hub, stranger).pauseModel(modelId))
      .to.be.revertedWithCustomError(hub, "ModelRegistryUnauthorizedAccount")
      .withArgs(modelId, stranger.address);
    await expect(connectAs(hub, stranger).pauseModel(2n)).to.emit(hub, "ModelPaused").withArgs(2n);
  });
});
