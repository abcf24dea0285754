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
