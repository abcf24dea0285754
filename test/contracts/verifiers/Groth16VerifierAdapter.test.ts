import { expect } from "chai";
import { id } from "ethers";
import { network } from "hardhat";
import { encodeGroth16Proof, mockGroth16Proof } from "../helpers.js";

const { ethers, networkHelpers } = await network.create();

/**
 * Groth16AdaptedVerifierMock is composed exactly like a generated verifier
 * (`is Groth16Verifier, Groth16VerifierAdapter(5)`), with a cryptography-free stand-in that has
 * snarkjs's signature and accepts only when every word arrives where snarkjs reads it.
 */
async function deployFixture() {
  const verifier = await ethers.deployContract("Groth16AdaptedVerifierMock");
  const signals = [1000n, 11n, 22n, 33n, 44n];
  return { verifier, signals };
}

describe("Groth16VerifierAdapter", function () {
  it("tail-calls snarkjs's verifyProof(uint256[2],uint256[2][2],uint256[2],uint256[5])", async function () {
    const { verifier, signals } = await networkHelpers.loadFixture(deployFixture);
    expect(verifier.interface.getFunction("verifyProof")!.selector).to.equal(id("verifyProof(uint256[2],uint256[2][2],uint256[2],uint256[5])").slice(0, 10));

    expect(await verifier.verify(mockGroth16Proof(signals[0]!), signals)).to.equal(true);
  });

  it("passes the proof words and signals in snarkjs's calldata layout", async function () {
    const { verifier, signals } = await networkHelpers.loadFixture(deployFixture);
    // The same words through snarkjs's own entry point: the adapter must agree with it.
    const a: [bigint, bigint] = [1001n, 1002n];
    const b: [[bigint, bigint], [bigint, bigint]] = [
      [1003n, 1004n],
      [1005n, 1006n],
    ];
    const c: [bigint, bigint] = [1007n, 1008n];
    expect(await verifier.verifyProof(a, b, c, signals)).to.equal(true);
    expect(await verifier.verify(encodeGroth16Proof(a, b, c), signals)).to.equal(true);
  });

  it("returns false when a proof word is out of place", async function () {
    const { verifier, signals } = await networkHelpers.loadFixture(deployFixture);
    const swappedB = encodeGroth16Proof(
      [1001n, 1002n],
      [
        [1004n, 1003n],
        [1006n, 1005n],
      ],
      [1007n, 1008n],
    );
    expect(await verifier.verify(swappedB, signals)).to.equal(false);
    expect(await verifier.verify(mockGroth16Proof(999n), signals)).to.equal(false);
  });

  it("returns false when the generated verifier returns false", async function () {
    const { verifier, signals } = await networkHelpers.loadFixture(deployFixture);
    // The stand-in rejects a zero last signal.
    expect(await verifier.verify(mockGroth16Proof(signals[0]!), [...signals.slice(0, 4), 0n])).to.equal(false);
  });

  it("rejects a proof that is not 256 bytes with InferenceVerifierInvalidProofLength", async function () {
    const { verifier, signals } = await networkHelpers.loadFixture(deployFixture);
    const proof = mockGroth16Proof(signals[0]!);
    for (const bad of ["0x", proof.slice(0, -2), `${proof}00`, `${proof}${"00".repeat(32)}`]) {
      await expect(verifier.verify(bad, signals))
        .to.be.revertedWithCustomError(verifier, "InferenceVerifierInvalidProofLength")
        .withArgs(256, (bad.length - 2) / 2);
    }
  });

  it("rejects a signal count other than 5 with InferenceVerifierInvalidSignalCount", async function () {
    const { verifier, signals } = await networkHelpers.loadFixture(deployFixture);
    const proof = mockGroth16Proof(signals[0]!);
    for (const bad of [[], signals.slice(0, 4), [...signals, 55n]]) {
      await expect(verifier.verify(proof, bad)).to.be.revertedWithCustomError(verifier, "InferenceVerifierInvalidSignalCount").withArgs(5, bad.length);
    }
  });
});
