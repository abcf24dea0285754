import { expect } from "chai";
import { network } from "hardhat";
import { creditScoreModule } from "../../deploy/CreditScore.js";
import { CREDIT_LIMIT, MODEL_COMMITMENT, THRESHOLD, connectAs, dummyProof, mockGroth16Proof, statement } from "./helpers.js";

const { ethers, ignition, networkHelpers } = await network.create();

const withMockVerifier = creditScoreModule("MockInferenceVerifier");
const withAdaptedVerifier = creditScoreModule("Groth16AdaptedVerifierMock");

/**
 * Upper bound on the gas of the whole verifyAndAct transaction, verifier cryptography excluded. The
 * real budget is 310,000 with snarkjs's Groth16 verifier for 5 signals (~181k pairing + ~6.15k per
 * signal + a few k), so everything else must stay under ~90k. EVM gas is deterministic: a change that
 * crosses this line is a reviewed event, not noise.
 */
const GAS_BOUND_WITHOUT_PAIRING = 95_000n;

/** The credit model deployed twice as production does: with the mock verifier, and through the Groth16 adapter. */
async function deployFixture() {
  const [, applicant] = await ethers.getSigners();
  const parameters = { modelCommitment: MODEL_COMMITMENT, threshold: THRESHOLD, creditLimit: CREDIT_LIMIT };
  const mock = await ignition.deploy(withMockVerifier, { parameters: { [withMockVerifier.id]: parameters } });
  const adapted = await ignition.deploy(withAdaptedVerifier, { parameters: { [withAdaptedVerifier.id]: parameters } });
  return { mock, adapted, applicant };
}

describe("verifyAndAct gas", function () {
  it("stays under the bound for a first-time applicant with the mock verifier", async function () {
    const { mock, applicant } = await networkHelpers.loadFixture(deployFixture);
    const modelId: bigint = await mock.creditGate.modelId();
    const signals = statement({ outputs: [THRESHOLD], subject: applicant.address });

    // Sent by the subject itself: the direct path, the one the 310k budget is for.
    const tx = await connectAs(mock.hub, applicant!).verifyAndAct(modelId, dummyProof(), signals);
    await expect(tx).to.emit(mock.creditGate, "CreditLineOpened");
    const { gasUsed } = (await tx.wait())!;
    console.log(`      verifyAndAct, mock verifier, credit line opened: ${gasUsed} gas`);
    expect(gasUsed).to.be.lessThan(GAS_BOUND_WITHOUT_PAIRING);
  });

  it("stays under the bound for a first-time applicant through the Groth16 adapter", async function () {
    const { adapted, applicant } = await networkHelpers.loadFixture(deployFixture);
    const modelId: bigint = await adapted.creditGate.modelId();
    const signals = statement({ outputs: [THRESHOLD], subject: applicant.address });

    const tx = await connectAs(adapted.hub, applicant!).verifyAndAct(modelId, mockGroth16Proof(signals[0]!), signals);
    await expect(tx).to.emit(adapted.creditGate, "CreditLineOpened");
    const { gasUsed } = (await tx.wait())!;
    console.log(`      verifyAndAct, Groth16 adapter + stand-in verifyProof, credit line opened: ${gasUsed} gas`);
    expect(gasUsed).to.be.lessThan(GAS_BOUND_WITHOUT_PAIRING);
  });
});

describe("verifyAndAct gas, public inputs (784-56-10 MLP shape)", function () {
  it("checks 784 public inputs against one registered range [0, 255] for less than the earlier [-2^B, 2^B) check cost", async function () {
    const [owner] = await ethers.getSigners();
    const hub = await ethers.deployContract("InferenceHub", [3600n]);
    const verifier = await ethers.deployContract("MockInferenceVerifier");
    // The MLP's pixels: 784 inputs at 2^-8 in [0, 255/256] -> one run [0, 255], B = 8.
    await hub.registerPublicInputModel(verifier, MODEL_COMMITMENT, 10, 8, [{ count: 784, min: 0n, max: 255n }], "");
    const signals = [...statement({ outputs: Array(10).fill(5n), subject: owner!.address }), ...Array.from({ length: 784 }, (_, i) => BigInt(i % 256))];
    const { gasUsed } = (await (await hub.verifyAndAct(1n, dummyProof(), signals)).wait())!;
    // Before the declared ranges (a [-2^B, 2^B) check only): 461,964 gas for the same call.
    console.log(`      verifyAndAct, 784 public inputs in one range, mock verifier, no consumer: ${gasUsed} gas`);
    expect(gasUsed).to.be.lessThan(461_964n);
  });
});
