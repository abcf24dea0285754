import { expect } from "chai";
import { network } from "hardhat";
import { creditScoreModule } from "../../../deploy/CreditScore.js";
import { CREDIT_LIMIT, FIELD_MODULUS, MODEL_COMMITMENT, THRESHOLD, dummyProof, statement, withSignal, connectAs } from "../helpers.js";
import { signSubmissionAuthorization } from "../../../prover/abi/submissionAuthorization.js";
const { ethers, ignition, networkHelpers } = await network.create();

const creditScore = creditScoreModule("MockInferenceVerifier");
const INT64_MAX = (1n << 63n) - 1n;

/** The credit model as production deploys it, with the mock verifier standing in for the Groth16 one. */
async function deployFixture() {
  const [deployer, applicant, relayer, stranger, gateOwner] = await ethers.getSigners();
  const { hub, verifier, creditGate } = await ignition.deploy(creditScore, {
    parameters: {
      [creditScore.id]: {
        modelCommitment: MODEL_COMMITMENT,
        threshold: THRESHOLD,
        creditLimit: CREDIT_LIMIT,
        owner: gateOwner.address,
        metadataURI: "ipfs://credit-score",
      },
    },
  });
  const modelId: bigint = await creditGate.modelId();

  /** Submits `score` for `subject` through the hub, as `sender` (the subject itself by default: only it may submit). */
  const submit = (
    score: bigint,
    subject = applicant.address,
    nonce = 1n,
    sender = subject === relayer.address ? relayer : subject === stranger.address ? stranger : applicant,
  ) => connectAs(hub, sender).verifyAndAct(modelId, dummyProof(), statement({ outputs: [score], subject, nonce }));

  return { hub, verifier, creditGate, modelId, submit, deployer, applicant, relayer, stranger, gateOwner };
}

async function timestampOf(tx: { wait(): Promise<{ blockNumber: number } | null> }): Promise<bigint> {
  const receipt = await tx.wait();
  const block = await ethers.provider.getBlock(receipt!.blockNumber);
  return BigInt(block!.timestamp);
}

describe("CreditGate", function () {
  it("is deployed by the CreditScore module for the hub and the new model, as its consumer", async function () {
    const { hub, creditGate, modelId, gateOwner } = await networkHelpers.loadFixture(deployFixture);

    expect(await creditGate.hub()).to.equal(await hub.getAddress());
    expect(modelId).to.equal(1n);
    expect(await creditGate.owner()).to.equal(gateOwner.address);
    expect(await creditGate.threshold()).to.equal(THRESHOLD);
    expect(await creditGate.creditLimit()).to.equal(CREDIT_LIMIT);
    const model = await hub.getModel(modelId);
    expect(model.consumer).to.equal(await creditGate.getAddress());
    expect(model.modelCommitment).to.equal(MODEL_COMMITMENT);
    expect(model.metadataURI).to.equal("ipfs://credit-score");
  });

  describe("onInferenceVerified", function () {
    it("opens a credit line when the score equals the threshold, emitting CreditLineOpened", async function () {
      const { creditGate, submit, applicant } = await networkHelpers.loadFixture(deployFixture);

      const tx = await submit(THRESHOLD);
      await expect(tx).to.emit(creditGate, "CreditLineOpened").withArgs(applicant.address, CREDIT_LIMIT, THRESHOLD);

      const line = await creditGate.creditLineOf(applicant.address);
      expect(line.limit).to.equal(CREDIT_LIMIT);
      expect(line.score).to.equal(THRESHOLD);
      expect(line.openedAt).to.equal(await timestampOf(tx));
    });

    it("refuses a score one below the threshold with CreditRefused, opening no line", async function () {
      const { creditGate, submit, applicant } = await networkHelpers.loadFixture(deployFixture);

      await expect(submit(THRESHOLD - 1n))
        .to.emit(creditGate, "CreditRefused")
        .withArgs(applicant.address, THRESHOLD - 1n, THRESHOLD)
        .and.not.to.emit(creditGate, "CreditLineOpened");
      const line = await creditGate.creditLineOf(applicant.address);
      expect([line.limit, line.score, line.openedAt]).to.deep.equal([0n, 0n, 0n]);
    });

    it("decodes negative scores (r - |q|) at a negative threshold's boundary", async function () {
      const { creditGate, submit, applicant, relayer, gateOwner } = await networkHelpers.loadFixture(deployFixture);
      await connectAs(creditGate, gateOwner).setThreshold(-5n);

      // statement() encodes -5 as r - 5, as the circuit does.
      expect(statement({ outputs: [-5n], subject: applicant.address })[0]).to.equal(FIELD_MODULUS - 5n);
      await expect(submit(-5n)).to.emit(creditGate, "CreditLineOpened").withArgs(applicant.address, CREDIT_LIMIT, -5n);
      expect((await creditGate.creditLineOf(applicant.address)).score).to.equal(-5n);

      await expect(submit(-6n, relayer.address)).to.emit(creditGate, "CreditRefused").withArgs(relayer.address, -6n, -5n);
    });

    it("refuses r - 1 as the score -1, not as a huge positive score", async function () {
      const { creditGate, hub, modelId, applicant, gateOwner } = await networkHelpers.loadFixture(deployFixture);
      await connectAs(creditGate, gateOwner).setThreshold(0n);
      const signals = withSignal(statement({ subject: applicant.address }), 0, FIELD_MODULUS - 1n);

      await expect(connectAs(hub, applicant).verifyAndAct(modelId, dummyProof(), signals))
        .to.emit(creditGate, "CreditRefused")
        .withArgs(applicant.address, -1n, 0n);
    });

    it("refreshes an open line with a newer passing proof and keeps it on a later refusal", async function () {
      const { creditGate, submit, applicant, gateOwner } = await networkHelpers.loadFixture(deployFixture);
      await submit(THRESHOLD);
      await connectAs(creditGate, gateOwner).setCreditLimit(CREDIT_LIMIT * 2n);

      const refresh = await submit(THRESHOLD + 100n, applicant.address, 2n);
      await expect(refresh)
        .to.emit(creditGate, "CreditLineOpened")
        .withArgs(applicant.address, CREDIT_LIMIT * 2n, THRESHOLD + 100n);
      const refreshedAt = await timestampOf(refresh);

      await expect(submit(THRESHOLD - 300n, applicant.address, 3n)).to.emit(creditGate, "CreditRefused");
      const line = await creditGate.creditLineOf(applicant.address);
      expect([line.limit, line.score, line.openedAt]).to.deep.equal([CREDIT_LIMIT * 2n, THRESHOLD + 100n, refreshedAt]);
    });

    it("opens the line for the subject, never the relayer, when a relayer it authorised submits the proof", async function () {
      const { hub, creditGate, modelId, applicant, relayer } = await networkHelpers.loadFixture(deployFixture);
      const { chainId } = await ethers.provider.getNetwork();
      const auth = await signSubmissionAuthorization(applicant, {
        hub: (await hub.getAddress()) as `0x${string}`,
        chainId,
        modelId,
        subject: applicant.address as `0x${string}`,
        nonce: 1n,
        submitter: relayer.address as `0x${string}`,
        deadline: BigInt(await networkHelpers.time.latest()) + 600n,
      });

      await expect(
        connectAs(hub, relayer).verifyAndActFor(
          modelId,
          dummyProof(),
          statement({ outputs: [THRESHOLD], subject: applicant.address }),
          auth.deadline,
          auth.signature,
        ),
      )
        .to.emit(creditGate, "CreditLineOpened")
        .withArgs(applicant.address, CREDIT_LIMIT, THRESHOLD);
      expect((await creditGate.creditLineOf(applicant.address)).limit).to.equal(CREDIT_LIMIT);
      expect((await creditGate.creditLineOf(relayer.address)).limit).to.equal(0n);
    });

    it("rejects a passing score beyond int64 with SafeCastOverflowedIntDowncast, burning no nonce", async function () {
      const { hub, creditGate, submit, modelId, applicant } = await networkHelpers.loadFixture(deployFixture);

      await expect(submit(INT64_MAX + 1n))
        .to.be.revertedWithCustomError(creditGate, "SafeCastOverflowedIntDowncast")
        .withArgs(64, INT64_MAX + 1n);
      expect(await hub.isNonceUsed(modelId, applicant.address, 1n)).to.equal(false);
      await expect(submit(INT64_MAX)).to.emit(creditGate, "CreditLineOpened");
    });

    it("rejects any caller but the hub with CreditGateUnauthorizedCaller", async function () {
      const { creditGate, modelId, applicant, stranger } = await networkHelpers.loadFixture(deployFixture);

      await expect(connectAs(creditGate, stranger).onInferenceVerified(modelId, stranger.address, 1n, [THRESHOLD]))
        .to.be.revertedWithCustomError(creditGate, "CreditGateUnauthorizedCaller")
        .withArgs(stranger.address);
      await expect(connectAs(creditGate, applicant).onInferenceVerified(modelId, applicant.address, 1n, [THRESHOLD]))
        .to.be.revertedWithCustomError(creditGate, "CreditGateUnauthorizedCaller")
        .withArgs(applicant.address);
    });

    it("rejects another model pointed at the gate with CreditGateUnexpectedModel", async function () {
      const { hub, creditGate, stranger } = await networkHelpers.loadFixture(deployFixture);
      // Anyone can register a model whose verifier accepts everything and aim it at this gate.
      const acceptAll = await ethers.deployContract("MockInferenceVerifier");
      await connectAs(hub, stranger).registerModel(acceptAll, MODEL_COMMITMENT, 1, "");
      const rogueModelId: bigint = await hub.modelCount();
      await connectAs(hub, stranger).setConsumer(rogueModelId, creditGate);

      await expect(connectAs(hub, stranger).verifyAndAct(rogueModelId, dummyProof(), statement({ outputs: [10n ** 9n], subject: stranger.address })))
        .to.be.revertedWithCustomError(creditGate, "CreditGateUnexpectedModel")
        .withArgs(rogueModelId);
      expect((await creditGate.creditLineOf(stranger.address)).limit).to.equal(0n);
    });
  });

  describe("setThreshold", function () {
    it("lets the owner change the threshold, emitting ThresholdUpdated", async function () {
      const { creditGate, submit, gateOwner } = await networkHelpers.loadFixture(deployFixture);

      await expect(connectAs(creditGate, gateOwner).setThreshold(800n)).to.emit(creditGate, "ThresholdUpdated").withArgs(THRESHOLD, 800n);
      expect(await creditGate.threshold()).to.equal(800n);
      await expect(submit(799n)).to.emit(creditGate, "CreditRefused");
    });

    it("rejects a non-owner with OwnableUnauthorizedAccount", async function () {
      const { creditGate, stranger, deployer } = await networkHelpers.loadFixture(deployFixture);
      for (const account of [stranger, deployer]) {
        await expect(connectAs(creditGate, account).setThreshold(0n))
          .to.be.revertedWithCustomError(creditGate, "OwnableUnauthorizedAccount")
          .withArgs(account.address);
      }
    });

    it("rejects a threshold beyond int128 with SafeCastOverflowedIntDowncast", async function () {
      const { creditGate, gateOwner } = await networkHelpers.loadFixture(deployFixture);
      const tooLow = -(1n << 127n) - 1n;
      await expect(connectAs(creditGate, gateOwner).setThreshold(tooLow))
        .to.be.revertedWithCustomError(creditGate, "SafeCastOverflowedIntDowncast")
        .withArgs(128, tooLow);
    });
  });

  describe("setCreditLimit", function () {
    it("lets the owner change the limit of new lines, emitting CreditLimitUpdated", async function () {
      const { creditGate, submit, applicant, relayer, gateOwner } = await networkHelpers.loadFixture(deployFixture);
      await submit(THRESHOLD);

      await expect(connectAs(creditGate, gateOwner).setCreditLimit(500n)).to.emit(creditGate, "CreditLimitUpdated").withArgs(CREDIT_LIMIT, 500n);
      expect(await creditGate.creditLimit()).to.equal(500n);

      await expect(submit(THRESHOLD, relayer.address)).to.emit(creditGate, "CreditLineOpened").withArgs(relayer.address, 500n, THRESHOLD);
      expect((await creditGate.creditLineOf(applicant.address)).limit).to.equal(CREDIT_LIMIT);
    });

    it("rejects a non-owner with OwnableUnauthorizedAccount", async function () {
      const { creditGate, stranger } = await networkHelpers.loadFixture(deployFixture);
      await expect(connectAs(creditGate, stranger).setCreditLimit(1n))
        .to.be.revertedWithCustomError(creditGate, "OwnableUnauthorizedAccount")
        .withArgs(stranger.address);
    });

    it("rejects a limit beyond uint128 with SafeCastOverflowedUintDowncast", async function () {
      const { creditGate, gateOwner } = await networkHelpers.loadFixture(deployFixture);
      await expect(connectAs(creditGate, gateOwner).setCreditLimit(1n << 128n))
        .to.be.revertedWithCustomError(creditGate, "SafeCastOverflowedUintDowncast")
        .withArgs(128, 1n << 128n);
    });
  });
});
