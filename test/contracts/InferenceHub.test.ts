import { expect } from "chai";
import { network } from "hardhat";
import { creditScoreModule } from "../../deploy/CreditScore.js";
import {
  CREDIT_LIMIT,
  FIELD_MODULUS,
  MODEL_COMMITMENT,
  OTHER_COMMITMENT,
  THRESHOLD,
  TWO_POW_160,
  dummyProof,
  statement,
  upgradeModel,
  withSignal,
  connectAs,
  changeConsumer,
} from "./helpers.js";
import { signSubmissionAuthorization } from "../../prover/abi/submissionAuthorization.js";

const { ethers, ignition, networkHelpers } = await network.create();

const Status = { None: 0, Active: 1, Paused: 2, Retired: 3 } as const;
const creditScore = creditScoreModule("MockInferenceVerifier");

/**
 * The credit model as production deploys it (hub, verifier, CreditGate as consumer), with the mock
 * verifier so the hub's own checks can be tested, plus a second, two-output model whose consumer
 * records what the hub passes it.
 *
 * `applicant`, the subject of most statements below, is the default account the tests send from:
 * on a model without attested inputs only the subject (or a relayer it authorised) may submit.
 */
async function deployFixture() {
  const [deployer, victim, relayer, stranger] = await ethers.getSigners();
  const applicant = deployer!;
  const { hub, verifier, creditGate } = await ignition.deploy(creditScore, {
    parameters: {
      [creditScore.id]: { modelCommitment: MODEL_COMMITMENT, threshold: THRESHOLD, creditLimit: CREDIT_LIMIT },
    },
  });
  const modelId: bigint = await creditGate.modelId();

  const recorder = await ethers.deployContract("RecordingConsumer");
  await hub.registerModel(verifier, OTHER_COMMITMENT, 2, "ipfs://two-outputs");
  const twoOutputModelId: bigint = await hub.modelCount();
  await hub.setConsumer(twoOutputModelId, recorder);

  return { hub, verifier, creditGate, modelId, recorder, twoOutputModelId, deployer, applicant, victim, relayer, stranger };
}

describe("InferenceHub", function () {
  describe("verifyAndAct", function () {
    it("accepts a valid statement, records its nonce and emits InferenceVerified", async function () {
      const { hub, modelId, applicant } = await networkHelpers.loadFixture(deployFixture);
      const signals = statement({ outputs: [700n], subject: applicant.address, nonce: 42n });

      await expect(hub.verifyAndAct(modelId, dummyProof(), signals))
        .to.emit(hub, "InferenceVerified")
        .withArgs(modelId, applicant.address, 42n);
      expect(await hub.isNonceUsed(modelId, applicant.address, 42n)).to.equal(true);
    });

    it("calls the consumer with the model id, subject, nonce and only the outputs", async function () {
      const { hub, recorder, twoOutputModelId, applicant } = await networkHelpers.loadFixture(deployFixture);
      const signals = statement({
        outputs: [-3n, 5n],
        modelCommitment: OTHER_COMMITMENT,
        inputCommitment: 99n,
        subject: applicant.address,
        nonce: 7n,
      });

      await expect(hub.verifyAndAct(twoOutputModelId, dummyProof(), signals))
        .to.emit(recorder, "InferenceReceived")
        .withArgs(await hub.getAddress(), twoOutputModelId, applicant.address, 7n, [FIELD_MODULUS - 3n, 5n]);
    });

    it("records the inference and calls nothing when the model has no consumer", async function () {
      const { hub, recorder, twoOutputModelId, applicant } = await networkHelpers.loadFixture(deployFixture);
      await changeConsumer(hub, networkHelpers.time, twoOutputModelId, ethers.ZeroAddress);
      const signals = statement({ outputs: [1n, 2n], modelCommitment: OTHER_COMMITMENT, subject: applicant.address });

      await expect(hub.verifyAndAct(twoOutputModelId, dummyProof(), signals))
        .to.emit(hub, "InferenceVerified")
        .withArgs(twoOutputModelId, applicant.address, 1n)
        .and.not.to.emit(recorder, "InferenceReceived");
      expect(await hub.isNonceUsed(twoOutputModelId, applicant.address, 1n)).to.equal(true);
    });

    describe("who may submit (nonce squatting)", function () {
      /** The victim's authorization of `submitter` for (modelId, victim, nonce), valid for an hour. */
      async function authorize(
        d: Awaited<ReturnType<typeof deployFixture>>,
        o: { submitter: string; nonce?: bigint; modelId?: bigint; deadline?: bigint; signer?: typeof d.victim },
      ) {
        const { chainId } = await ethers.provider.getNetwork();
        const deadline = o.deadline ?? BigInt(await networkHelpers.time.latest()) + 3600n;
        return signSubmissionAuthorization(o.signer ?? d.victim!, {
          hub: (await d.hub.getAddress()) as `0x${string}`,
          chainId,
          modelId: o.modelId ?? d.modelId,
          subject: d.victim!.address as `0x${string}`,
          nonce: o.nonce ?? 1n,
          submitter: o.submitter as `0x${string}`,
          deadline,
        });
      }

      it("refuses a third party's proof for the victim's (subject, nonce) with InferenceHubUnauthorizedSubmitter, changing nothing", async function () {
        const { hub, creditGate, modelId, victim, stranger } = await networkHelpers.loadFixture(deployFixture);
        // The squatter proves a passing score on made-up inputs for the victim's next nonce.
        const squat = statement({ outputs: [900n], subject: victim!.address, nonce: 1n });
        await expect(connectAs(hub, stranger!).verifyAndAct(modelId, dummyProof(), squat))
          .to.be.revertedWithCustomError(hub, "InferenceHubUnauthorizedSubmitter")
          .withArgs(modelId, victim!.address, stranger!.address);
        expect(await hub.isNonceUsed(modelId, victim!.address, 1n)).to.equal(false);
        expect((await creditGate.creditLineOf(victim!.address)).limit).to.equal(0n);
        // The victim's own statement for that nonce still lands.
        await expect(connectAs(hub, victim!).verifyAndAct(modelId, dummyProof(), statement({ subject: victim!.address, nonce: 1n })))
          .to.emit(hub, "InferenceVerified")
          .withArgs(modelId, victim!.address, 1n);
      });

      it("refuses a third party's statement for subject address(0) too (nobody can authorise it)", async function () {
        const { hub, modelId, stranger } = await networkHelpers.loadFixture(deployFixture);
        await expect(connectAs(hub, stranger!).verifyAndAct(modelId, dummyProof(), statement({ subject: ethers.ZeroAddress })))
          .to.be.revertedWithCustomError(hub, "InferenceHubUnauthorizedSubmitter")
          .withArgs(modelId, ethers.ZeroAddress, stranger!.address);
        await expect(
          connectAs(hub, stranger!).verifyAndActFor(modelId, dummyProof(), statement({ subject: ethers.ZeroAddress }), 2n ** 64n, "0x" + "00".repeat(65)),
        ).to.be.revertedWithCustomError(hub, "InferenceHubInvalidAuthorization");
      });

      it("accepts a relayer the subject authorised (EIP-712), recording the statement for the subject", async function () {
        const d = await networkHelpers.loadFixture(deployFixture);
        const { hub, creditGate, modelId, victim, relayer } = d;
        const auth = await authorize(d, { submitter: relayer!.address });
        await expect(connectAs(hub, relayer!).verifyAndActFor(modelId, dummyProof(), statement({ subject: victim!.address }), auth.deadline, auth.signature))
          .to.emit(hub, "InferenceVerified")
          .withArgs(modelId, victim!.address, 1n)
          .and.to.emit(creditGate, "CreditLineOpened");
        expect(await hub.isNonceUsed(modelId, relayer!.address, 1n)).to.equal(false);
      });

      it("refuses the relayer's authorization copied by another sender with InferenceHubInvalidAuthorization", async function () {
        const d = await networkHelpers.loadFixture(deployFixture);
        const { hub, modelId, victim, relayer, stranger } = d;
        const auth = await authorize(d, { submitter: relayer!.address });
        // The whole transaction copied from the mempool, with the squatter's own proof and outputs.
        await expect(
          connectAs(hub, stranger!).verifyAndActFor(
            modelId,
            dummyProof(),
            statement({ outputs: [900n], subject: victim!.address }),
            auth.deadline,
            auth.signature,
          ),
        )
          .to.be.revertedWithCustomError(hub, "InferenceHubInvalidAuthorization")
          .withArgs(modelId, victim!.address, stranger!.address);
        expect(await hub.isNonceUsed(modelId, victim!.address, 1n)).to.equal(false);
      });

      it("refuses an expired authorization with InferenceHubAuthorizationExpired", async function () {
        const d = await networkHelpers.loadFixture(deployFixture);
        const { hub, modelId, victim, relayer } = d;
        const deadline = BigInt(await networkHelpers.time.latest()) + 60n;
        const auth = await authorize(d, { submitter: relayer!.address, deadline });
        await networkHelpers.time.setNextBlockTimestamp(deadline + 1n);
        await expect(connectAs(hub, relayer!).verifyAndActFor(modelId, dummyProof(), statement({ subject: victim!.address }), auth.deadline, auth.signature))
          .to.be.revertedWithCustomError(hub, "InferenceHubAuthorizationExpired")
          .withArgs(deadline, deadline + 1n);
        expect(await hub.isNonceUsed(modelId, victim!.address, 1n)).to.equal(false);
      });

      it("refuses an authorization for another nonce, another model, another deadline or by another signer", async function () {
        const d = await networkHelpers.loadFixture(deployFixture);
        const { hub, modelId, twoOutputModelId, victim, relayer, stranger } = d;
        const signals = statement({ subject: victim!.address, nonce: 1n });
        const forNonce2 = await authorize(d, { submitter: relayer!.address, nonce: 2n });
        const forOtherModel = await authorize(d, { submitter: relayer!.address, modelId: twoOutputModelId });
        const byStranger = await authorize(d, { submitter: relayer!.address, signer: stranger });
        const good = await authorize(d, { submitter: relayer!.address });
        for (const [auth, deadline] of [
          [forNonce2, forNonce2.deadline],
          [forOtherModel, forOtherModel.deadline],
          [byStranger, byStranger.deadline],
          [good, good.deadline + 1n],
        ] as const) {
          await expect(connectAs(hub, relayer!).verifyAndActFor(modelId, dummyProof(), signals, deadline, auth.signature))
            .to.be.revertedWithCustomError(hub, "InferenceHubInvalidAuthorization")
            .withArgs(modelId, victim!.address, relayer!.address);
        }
        await expect(connectAs(hub, relayer!).verifyAndActFor(modelId, dummyProof(), signals, good.deadline, "0x1234")).to.be.revertedWithCustomError(
          hub,
          "InferenceHubInvalidAuthorization",
        );
        expect(await hub.isNonceUsed(modelId, victim!.address, 1n)).to.equal(false);
      });

      it("accepts a contract wallet's ERC-1271 authorization", async function () {
        const d = await networkHelpers.loadFixture(deployFixture);
        const { hub, modelId, victim, relayer } = d;
        // A wallet contract whose owner is the victim: it approves what the victim signs.
        const wallet = await ethers.deployContract("ERC1271WalletMock", [victim!.address]);
        const walletAddress = (await wallet.getAddress()) as `0x${string}`;
        const { chainId } = await ethers.provider.getNetwork();
        const deadline = BigInt(await networkHelpers.time.latest()) + 3600n;
        const auth = await signSubmissionAuthorization(victim!, {
          hub: (await hub.getAddress()) as `0x${string}`,
          chainId,
          modelId,
          subject: walletAddress,
          nonce: 3n,
          submitter: relayer!.address as `0x${string}`,
          deadline,
        });
        await expect(
          connectAs(hub, relayer!).verifyAndActFor(modelId, dummyProof(), statement({ subject: walletAddress, nonce: 3n }), deadline, auth.signature),
        )
          .to.emit(hub, "InferenceVerified")
          .withArgs(modelId, walletAddress, 3n);
      });
    });

    describe("model status", function () {
      it("rejects an unknown model with InferenceHubModelNotActive(None)", async function () {
        const { hub, applicant } = await networkHelpers.loadFixture(deployFixture);
        for (const unknown of [0n, 99n]) {
          await expect(hub.verifyAndAct(unknown, dummyProof(), statement({ subject: applicant.address })))
            .to.be.revertedWithCustomError(hub, "InferenceHubModelNotActive")
            .withArgs(unknown, Status.None);
        }
      });

      it("rejects a paused model with InferenceHubModelNotActive(Paused) and accepts it again once unpaused", async function () {
        const { hub, modelId, applicant } = await networkHelpers.loadFixture(deployFixture);
        const signals = statement({ subject: applicant.address });
        await hub.pauseModel(modelId);

        await expect(hub.verifyAndAct(modelId, dummyProof(), signals))
          .to.be.revertedWithCustomError(hub, "InferenceHubModelNotActive")
          .withArgs(modelId, Status.Paused);

        await hub.unpauseModel(modelId);
        await expect(hub.verifyAndAct(modelId, dummyProof(), signals)).to.emit(hub, "InferenceVerified");
      });

      it("rejects a retired model with InferenceHubModelNotActive(Retired)", async function () {
        const { hub, modelId, applicant } = await networkHelpers.loadFixture(deployFixture);
        await hub.retireModel(modelId);

        await expect(hub.verifyAndAct(modelId, dummyProof(), statement({ subject: applicant.address })))
          .to.be.revertedWithCustomError(hub, "InferenceHubModelNotActive")
          .withArgs(modelId, Status.Retired);
      });
    });

    describe("public signals", function () {
      it("rejects too few or too many signals with InferenceHubInvalidSignalCount", async function () {
        const { hub, modelId, twoOutputModelId, applicant } = await networkHelpers.loadFixture(deployFixture);
        const signals = statement({ subject: applicant.address });

        await expect(hub.verifyAndAct(modelId, dummyProof(), signals.slice(0, 4)))
          .to.be.revertedWithCustomError(hub, "InferenceHubInvalidSignalCount")
          .withArgs(modelId, 5, 4);
        await expect(hub.verifyAndAct(modelId, dummyProof(), [...signals, 0n]))
          .to.be.revertedWithCustomError(hub, "InferenceHubInvalidSignalCount")
          .withArgs(modelId, 5, 6);
        await expect(hub.verifyAndAct(modelId, dummyProof(), []))
          .to.be.revertedWithCustomError(hub, "InferenceHubInvalidSignalCount")
          .withArgs(modelId, 5, 0);
        // A one-output statement sent to the two-output model.
        await expect(hub.verifyAndAct(twoOutputModelId, dummyProof(), signals))
          .to.be.revertedWithCustomError(hub, "InferenceHubInvalidSignalCount")
          .withArgs(twoOutputModelId, 6, 5);
      });

      const positions = [
        ["an output", 0],
        ["the model commitment", 1],
        ["the input commitment", 2],
        ["the subject", 3],
        ["the nonce", 4],
      ] as const;
      for (const [name, index] of positions) {
        it(`rejects ${name} >= r with InferenceHubSignalNotInField even when the verifier accepts`, async function () {
          const { hub, verifier, modelId, applicant } = await networkHelpers.loadFixture(deployFixture);
          const signals = statement({ subject: applicant.address });
          // x + r is the same field element as x: the alias a lax verifier would accept.
          const aliases = [signals[index]! + FIELD_MODULUS, FIELD_MODULUS, ethers.MaxUint256];
          for (const value of aliases) {
            expect(await verifier.verify(dummyProof(), withSignal(signals, index, value))).to.equal(true);
            await expect(hub.verifyAndAct(modelId, dummyProof(), withSignal(signals, index, value)))
              .to.be.revertedWithCustomError(hub, "InferenceHubSignalNotInField")
              .withArgs(index, value);
          }
        });
      }

      it("accepts r - 1 in every position but the commitment and subject", async function () {
        const { hub, recorder, twoOutputModelId, applicant } = await networkHelpers.loadFixture(deployFixture);
        const signals = [FIELD_MODULUS - 1n, FIELD_MODULUS - 1n, OTHER_COMMITMENT, FIELD_MODULUS - 1n, BigInt(applicant.address), FIELD_MODULUS - 1n];

        await expect(hub.verifyAndAct(twoOutputModelId, dummyProof(), signals))
          .to.emit(recorder, "InferenceReceived")
          .withArgs(await hub.getAddress(), twoOutputModelId, applicant.address, FIELD_MODULUS - 1n, [FIELD_MODULUS - 1n, FIELD_MODULUS - 1n]);
      });

      it("rejects a proof for another model's commitment with InferenceHubCommitmentMismatch", async function () {
        const { hub, modelId, applicant } = await networkHelpers.loadFixture(deployFixture);
        const signals = statement({ modelCommitment: OTHER_COMMITMENT, subject: applicant.address });

        await expect(hub.verifyAndAct(modelId, dummyProof(), signals))
          .to.be.revertedWithCustomError(hub, "InferenceHubCommitmentMismatch")
          .withArgs(modelId, MODEL_COMMITMENT, OTHER_COMMITMENT);
      });

      it("rejects a proof for an older version with InferenceHubCommitmentMismatch once an update applies", async function () {
        const { hub, verifier, modelId, applicant } = await networkHelpers.loadFixture(deployFixture);
        const newCommitment = MODEL_COMMITMENT + 1n;
        // Announced but not applied: the current version's proofs still count, the new one's not yet.
        await hub.announceModelUpdate(modelId, verifier, newCommitment);
        await expect(hub.verifyAndAct(modelId, dummyProof(), statement({ modelCommitment: newCommitment, subject: applicant.address, nonce: 9n })))
          .to.be.revertedWithCustomError(hub, "InferenceHubCommitmentMismatch")
          .withArgs(modelId, MODEL_COMMITMENT, newCommitment);
        await expect(hub.verifyAndAct(modelId, dummyProof(), statement({ subject: applicant.address, nonce: 8n }))).to.emit(hub, "InferenceVerified");
        await networkHelpers.time.increase(await hub.updateDelay());
        await hub.applyModelUpdate(modelId);

        await expect(hub.verifyAndAct(modelId, dummyProof(), statement({ subject: applicant.address })))
          .to.be.revertedWithCustomError(hub, "InferenceHubCommitmentMismatch")
          .withArgs(modelId, newCommitment, MODEL_COMMITMENT);
        await expect(hub.verifyAndAct(modelId, dummyProof(), statement({ modelCommitment: newCommitment, subject: applicant.address }))).to.emit(
          hub,
          "InferenceVerified",
        );
      });

      it("rejects a subject >= 2^160 with InferenceHubInvalidSubject", async function () {
        const { hub, modelId, applicant } = await networkHelpers.loadFixture(deployFixture);
        const signals = statement({ subject: applicant.address });
        for (const subject of [TWO_POW_160, TWO_POW_160 + BigInt(applicant.address), FIELD_MODULUS - 1n]) {
          await expect(hub.verifyAndAct(modelId, dummyProof(), withSignal(signals, 3, subject)))
            .to.be.revertedWithCustomError(hub, "InferenceHubInvalidSubject")
            .withArgs(subject);
        }
      });

      it("accepts the largest address, 2^160 - 1, as subject", async function () {
        const { hub, modelId, applicant } = await networkHelpers.loadFixture(deployFixture);
        const signals = withSignal(statement({ subject: applicant.address }), 3, TWO_POW_160 - 1n);
        const subject = ethers.getAddress(`0x${"ff".repeat(20)}`);
        // Sent by that address itself (impersonated), since only the subject may submit.
        await networkHelpers.impersonateAccount(subject);
        await networkHelpers.setBalance(subject, 10n ** 18n);

        await expect(connectAs(hub, await ethers.getSigner(subject)).verifyAndAct(modelId, dummyProof(), signals))
          .to.emit(hub, "InferenceVerified")
          .withArgs(modelId, subject, 1n);
      });
    });

    describe("replay", function () {
      it("rejects the same statement twice with InferenceHubNonceUsed", async function () {
        const { hub, modelId, applicant } = await networkHelpers.loadFixture(deployFixture);
        const signals = statement({ subject: applicant.address, nonce: 5n });
        await hub.verifyAndAct(modelId, dummyProof(), signals);

        await expect(hub.verifyAndAct(modelId, dummyProof(), signals))
          .to.be.revertedWithCustomError(hub, "InferenceHubNonceUsed")
          .withArgs(modelId, applicant.address, 5n);
      });

      it("rejects a re-randomised proof of a verified statement with InferenceHubNonceUsed", async function () {
        const { hub, modelId, applicant, relayer } = await networkHelpers.loadFixture(deployFixture);
        const signals = statement({ subject: applicant.address, nonce: 5n });
        await hub.verifyAndAct(modelId, dummyProof(0n), signals);

        // Different proof bytes, same statement: replay protection must not be keyed on the proof.
        await expect(connectAs(hub, relayer).verifyAndAct(modelId, dummyProof(1000n), signals))
          .to.be.revertedWithCustomError(hub, "InferenceHubNonceUsed")
          .withArgs(modelId, applicant.address, 5n);
      });

      it("rejects the same subject and nonce with other outputs with InferenceHubNonceUsed", async function () {
        const { hub, modelId, applicant } = await networkHelpers.loadFixture(deployFixture);
        await hub.verifyAndAct(modelId, dummyProof(), statement({ outputs: [100n], subject: applicant.address }));

        await expect(hub.verifyAndAct(modelId, dummyProof(), statement({ outputs: [900n], subject: applicant.address })))
          .to.be.revertedWithCustomError(hub, "InferenceHubNonceUsed")
          .withArgs(modelId, applicant.address, 1n);
      });

      it("accepts the same nonce for another subject, and a new nonce for the same subject", async function () {
        const { hub, modelId, applicant, relayer } = await networkHelpers.loadFixture(deployFixture);
        await hub.verifyAndAct(modelId, dummyProof(), statement({ subject: applicant.address, nonce: 1n }));

        await expect(connectAs(hub, relayer!).verifyAndAct(modelId, dummyProof(), statement({ subject: relayer!.address, nonce: 1n }))).to.emit(
          hub,
          "InferenceVerified",
        );
        await expect(hub.verifyAndAct(modelId, dummyProof(), statement({ subject: applicant.address, nonce: 2n }))).to.emit(hub, "InferenceVerified");
        expect(await hub.isNonceUsed(modelId, applicant.address, 3n)).to.equal(false);
      });
    });

    describe("verifier", function () {
      it("reverts with InferenceHubInvalidProof and changes no state when the verifier returns false", async function () {
        const { hub, verifier, creditGate, modelId, applicant } = await networkHelpers.loadFixture(deployFixture);
        await verifier.setResult(false);
        const signals = statement({ subject: applicant.address });

        await expect(hub.verifyAndAct(modelId, dummyProof(), signals))
          .to.be.revertedWithCustomError(hub, "InferenceHubInvalidProof")
          .withArgs(modelId);
        expect(await hub.isNonceUsed(modelId, applicant.address, 1n)).to.equal(false);
        expect((await creditGate.creditLineOf(applicant.address)).limit).to.equal(0n);

        await verifier.setResult(true);
        await expect(hub.verifyAndAct(modelId, dummyProof(), signals)).to.emit(hub, "InferenceVerified");
      });

      it("bubbles up a reverting verifier's error and burns no nonce", async function () {
        const { hub, modelId, applicant } = await networkHelpers.loadFixture(deployFixture);
        const reverting = await ethers.deployContract("RevertingInferenceVerifier");
        await upgradeModel(hub, networkHelpers.time, modelId, reverting, MODEL_COMMITMENT);

        await expect(hub.verifyAndAct(modelId, dummyProof(), statement({ subject: applicant.address }))).to.be.revertedWithCustomError(
          reverting,
          "RevertingInferenceVerifierFailed",
        );
        expect(await hub.isNonceUsed(modelId, applicant.address, 1n)).to.equal(false);
      });

      it("reverts entirely and burns no nonce when sent with too little gas", async function () {
        const { hub, creditGate, modelId, applicant } = await networkHelpers.loadFixture(deployFixture);
        const signals = statement({ subject: applicant.address });
        // The least gas that succeeds, found by bisection on eth_call (deterministic EVM gas).
        const succeeds = (gasLimit: bigint) =>
          hub.verifyAndAct.staticCall(modelId, dummyProof(), signals, { gasLimit }).then(
            () => true,
            () => false,
          );
        let [low, high] = [30_000n, await hub.verifyAndAct.estimateGas(modelId, dummyProof(), signals)];
        while (high - low > 1n) {
          const mid = (low + high) / 2n;
          if (await succeeds(mid)) high = mid;
          else low = mid;
        }

        // From running out early to running out at the very end, after the nonce was written.
        for (const gasLimit of [60_000n, high / 2n, high - 20_000n, high - 1_000n, high - 1n]) {
          await expect(hub.verifyAndAct(modelId, dummyProof(), signals, { gasLimit })).to.revert(ethers);
          expect(await hub.isNonceUsed(modelId, applicant.address, 1n)).to.equal(false);
          expect((await creditGate.creditLineOf(applicant.address)).limit).to.equal(0n);
        }
        await expect(hub.verifyAndAct(modelId, dummyProof(), signals, { gasLimit: high })).to.emit(creditGate, "CreditLineOpened");
      });
    });

    describe("consumer", function () {
      it("reverts everything and burns no nonce when the consumer reverts", async function () {
        const { hub, modelId, applicant } = await networkHelpers.loadFixture(deployFixture);
        const reverting = await ethers.deployContract("RevertingConsumer");
        await changeConsumer(hub, networkHelpers.time, modelId, reverting);
        const signals = statement({ subject: applicant.address, nonce: 9n });

        await expect(hub.verifyAndAct(modelId, dummyProof(), signals))
          .to.be.revertedWithCustomError(reverting, "RevertingConsumerFailed")
          .withArgs(modelId, applicant.address, 9n);
        expect(await hub.isNonceUsed(modelId, applicant.address, 9n)).to.equal(false);

        await changeConsumer(hub, networkHelpers.time, modelId, ethers.ZeroAddress);
        await expect(hub.verifyAndAct(modelId, dummyProof(), signals)).to.emit(hub, "InferenceVerified");
      });

      it("rejects re-entry from the consumer with ReentrancyGuardReentrantCall", async function () {
        const { hub, modelId, applicant, relayer } = await networkHelpers.loadFixture(deployFixture);
        const reentrant = await ethers.deployContract("ReentrantConsumer", [hub]);
        await changeConsumer(hub, networkHelpers.time, modelId, reentrant);
        await reentrant.prepare(modelId, dummyProof(), statement({ subject: relayer.address, nonce: 2n }));

        await expect(hub.verifyAndAct(modelId, dummyProof(), statement({ subject: applicant.address, nonce: 1n }))).to.be.revertedWithCustomError(
          hub,
          "ReentrancyGuardReentrantCall",
        );
        expect(await hub.isNonceUsed(modelId, applicant.address, 1n)).to.equal(false);
        expect(await hub.isNonceUsed(modelId, relayer.address, 2n)).to.equal(false);
      });
    });
  });

  describe("isNonceUsed", function () {
    it("is false for statements never verified, including other models'", async function () {
      const { hub, modelId, twoOutputModelId, applicant } = await networkHelpers.loadFixture(deployFixture);
      await hub.verifyAndAct(modelId, dummyProof(), statement({ subject: applicant.address }));

      expect(await hub.isNonceUsed(modelId, applicant.address, 1n)).to.equal(true);
      expect(await hub.isNonceUsed(twoOutputModelId, applicant.address, 1n)).to.equal(false);
      expect(await hub.isNonceUsed(modelId, applicant.address, 0n)).to.equal(false);
    });
  });
});
