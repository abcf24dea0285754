import { expect } from "chai";
import { network } from "hardhat";
import InferenceHubModule from "../../deploy/InferenceHub.js";
import { FIELD_MODULUS, MODEL_COMMITMENT, OTHER_COMMITMENT } from "./helpers.js";

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

      await expect(hub.connect(stranger).registerModel(verifier, OTHER_COMMITMENT, 3, "ipfs://second"))
        .to.emit(hub, "ModelRegistered")
        .withArgs(2n, stranger.address, await verifier.getAddress(), OTHER_COMMITMENT, 3, "ipfs://second");
      expect(await hub.modelCount()).to.equal(2n);
      expect((await hub.getModel(2n)).owner).to.equal(stranger.address);
    });

    it("accepts a commitment of r - 1", async function () {
      const { hub, verifier } = await networkHelpers.loadFixture(deployFixture);
      await expect(hub.registerModel(verifier, FIELD_MODULUS - 1n, 1, "")).to.emit(hub, "ModelRegistered");
    });

    it("rejects the zero verifier with ModelRegistryInvalidVerifier", async function () {
      const { hub } = await networkHelpers.loadFixture(deployFixture);
      await expect(hub.registerModel(ethers.ZeroAddress, MODEL_COMMITMENT, 1, ""))
        .to.be.revertedWithCustomError(hub, "ModelRegistryInvalidVerifier")
        .withArgs(ethers.ZeroAddress);
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

  describe("setConsumer", function () {
    it("sets and removes the consumer, emitting ModelConsumerUpdated", async function () {
      const { hub, consumer, modelId } = await networkHelpers.loadFixture(deployFixture);

      await expect(hub.setConsumer(modelId, consumer))
        .to.emit(hub, "ModelConsumerUpdated")
        .withArgs(modelId, await consumer.getAddress());
      expect((await hub.getModel(modelId)).consumer).to.equal(await consumer.getAddress());

      await expect(hub.setConsumer(modelId, ethers.ZeroAddress))
        .to.emit(hub, "ModelConsumerUpdated")
        .withArgs(modelId, ethers.ZeroAddress);
      expect((await hub.getModel(modelId)).consumer).to.equal(ethers.ZeroAddress);
    });

    it("rejects a non-owner with ModelRegistryUnauthorizedAccount", async function () {
      const { hub, consumer, modelId, stranger } = await networkHelpers.loadFixture(deployFixture);
      await expect(hub.connect(stranger).setConsumer(modelId, consumer))
        .to.be.revertedWithCustomError(hub, "ModelRegistryUnauthorizedAccount")
        .withArgs(modelId, stranger.address);
    });

    it("rejects an account without code with ModelRegistryInvalidConsumer", async function () {
      const { hub, modelId, stranger } = await networkHelpers.loadFixture(deployFixture);
      await expect(hub.setConsumer(modelId, stranger.address))
        .to.be.revertedWithCustomError(hub, "ModelRegistryInvalidConsumer")
        .withArgs(stranger.address);
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

  describe("updateModel", function () {
    it("replaces verifier and commitment, bumps the version and emits ModelUpdated", async function () {
      const { hub, otherVerifier, modelId } = await networkHelpers.loadFixture(deployFixture);

      await expect(hub.updateModel(modelId, otherVerifier, OTHER_COMMITMENT))
        .to.emit(hub, "ModelUpdated")
        .withArgs(modelId, 2, await otherVerifier.getAddress(), OTHER_COMMITMENT);
      await expect(hub.updateModel(modelId, otherVerifier, MODEL_COMMITMENT))
        .to.emit(hub, "ModelUpdated")
        .withArgs(modelId, 3, await otherVerifier.getAddress(), MODEL_COMMITMENT);

      const model = await hub.getModel(modelId);
      expect(model.verifier).to.equal(await otherVerifier.getAddress());
      expect(model.modelCommitment).to.equal(MODEL_COMMITMENT);
      expect(model.version).to.equal(3n);
      expect(model.status).to.equal(Status.Active);
      expect(model.numOutputs).to.equal(1n);
    });

    it("keeps a paused model paused", async function () {
      const { hub, otherVerifier, modelId } = await networkHelpers.loadFixture(deployFixture);
      await hub.pauseModel(modelId);
      await hub.updateModel(modelId, otherVerifier, OTHER_COMMITMENT);
      expect((await hub.getModel(modelId)).status).to.equal(Status.Paused);
    });

    it("rejects the zero verifier with ModelRegistryInvalidVerifier", async function () {
      const { hub, modelId } = await networkHelpers.loadFixture(deployFixture);
      await expect(hub.updateModel(modelId, ethers.ZeroAddress, OTHER_COMMITMENT))
        .to.be.revertedWithCustomError(hub, "ModelRegistryInvalidVerifier")
        .withArgs(ethers.ZeroAddress);
    });

    it("rejects a commitment >= r with ModelRegistryInvalidCommitment", async function () {
      const { hub, verifier, modelId } = await networkHelpers.loadFixture(deployFixture);
      await expect(hub.updateModel(modelId, verifier, FIELD_MODULUS))
        .to.be.revertedWithCustomError(hub, "ModelRegistryInvalidCommitment")
        .withArgs(FIELD_MODULUS);
    });

    it("rejects a non-owner with ModelRegistryUnauthorizedAccount", async function () {
      const { hub, otherVerifier, modelId, stranger } = await networkHelpers.loadFixture(deployFixture);
      await expect(hub.connect(stranger).updateModel(modelId, otherVerifier, OTHER_COMMITMENT))
        .to.be.revertedWithCustomError(hub, "ModelRegistryUnauthorizedAccount")
        .withArgs(modelId, stranger.address);
    });

    it("rejects an unknown model with ModelRegistryUnknownModel", async function () {
      const { hub, verifier } = await networkHelpers.loadFixture(deployFixture);
      await expect(hub.updateModel(0n, verifier, OTHER_COMMITMENT))
        .to.be.revertedWithCustomError(hub, "ModelRegistryUnknownModel")
        .withArgs(0n);
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
      await expect(hub.pauseModel(modelId))
        .to.be.revertedWithCustomError(hub, "ModelRegistryUnexpectedStatus")
        .withArgs(modelId, Status.Paused);
    });

    it("rejects unpausing an Active model with ModelRegistryUnexpectedStatus(Active)", async function () {
      const { hub, modelId } = await networkHelpers.loadFixture(deployFixture);
      await expect(hub.unpauseModel(modelId))
        .to.be.revertedWithCustomError(hub, "ModelRegistryUnexpectedStatus")
        .withArgs(modelId, Status.Active);
    });

    it("rejects a non-owner with ModelRegistryUnauthorizedAccount", async function () {
      const { hub, modelId, stranger } = await networkHelpers.loadFixture(deployFixture);
      await expect(hub.connect(stranger).pauseModel(modelId))
        .to.be.revertedWithCustomError(hub, "ModelRegistryUnauthorizedAccount")
        .withArgs(modelId, stranger.address);
      await hub.pauseModel(modelId);
      await expect(hub.connect(stranger).unpauseModel(modelId))
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
        () => hub.updateModel(modelId, otherVerifier, OTHER_COMMITMENT),
      ];
      for (const change of changes) {
        await expect(change()).to.be.revertedWithCustomError(hub, "ModelRegistryUnexpectedStatus").withArgs(modelId, Status.Retired);
      }
      expect((await hub.getModel(modelId)).version).to.equal(1n);
    });

    it("rejects a non-owner with ModelRegistryUnauthorizedAccount", async function () {
      const { hub, modelId, stranger } = await networkHelpers.loadFixture(deployFixture);
      await expect(hub.connect(stranger).retireModel(modelId))
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
    await hub.connect(stranger).registerModel(verifier, OTHER_COMMITMENT, 1, "");

    await expect(hub.pauseModel(2n))
      .to.be.revertedWithCustomError(hub, "ModelRegistryUnauthorizedAccount")
      .withArgs(2n, owner.address);
    await expect(hub.connect(stranger).pauseModel(modelId))
      .to.be.revertedWithCustomError(hub, "ModelRegistryUnauthorizedAccount")
      .withArgs(modelId, stranger.address);
    await expect(hub.connect(stranger).pauseModel(2n)).to.emit(hub, "ModelPaused").withArgs(2n);
  });
});
