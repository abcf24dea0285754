/**
 * Models with public inputs in the registry and the hub, with real Groth16 proofs of the
 * public-inputs fixture (built by `npm run build:models`) and its generated verifier: the inputs are
 * public signals after the nonce; the hub accepts a registered model's k + 4 + n signals, bounds each
 * input to the registered [-2^B, 2^B), and a changed public input fails verification.
 */
import { fileURLToPath } from "node:url";
import { expect } from "chai";
import { network } from "hardhat";
import { publicInputsIndex, publicSignalCount, signalIndex } from "../../prover/abi/publicSignals.js";
import { FIELD_MODULUS, toField } from "../../prover/field.js";
import { publicInputCount } from "../../prover/model/ir.js";
import { ModelProver, type ProveReturnType } from "../../prover/prove/prover.js";
import { connectAs } from "./helpers.js";

const { ethers, networkHelpers } = await network.create();
const specPath = fileURLToPath(new URL("../fixtures/public-inputs.json", import.meta.url));

describe("Models with public inputs (real proofs through the hub)", function () {
  this.timeout(300_000);
  let prover: ModelProver;
  let proved: ProveReturnType;
  let bits: number;
  const features = { a: 1.5, b: 3, c: -0.5 };

  before(async () => {
    prover = await ModelProver.load(specPath);
    bits = prover.ir.visibility.publicInputBits!;
    proved = await prover.prove({ features, subject: "0x00000000000000000000000000000000000000a1", nonce: 1n });
  });

  async function deployFixture() {
    const [owner, relayer] = await ethers.getSigners();
    const hub = await ethers.deployContract("InferenceHub", [3600n]);
    const verifier = await ethers.deployContract("PublicInputsVerifier");
    await hub.registerPublicInputModel(verifier, prover.modelCommitment, 1, 3, bits, "fixture:public-inputs");
    const modelId: bigint = await hub.modelCount();
    return { hub, verifier, modelId, owner: owner!, relayer: relayer! };
  }

  it("carries the inputs as public signals after the nonce, with inputCommitment = 0", () => {
    expect(publicInputCount(prover.ir)).to.equal(3);
    expect(proved.publicSignals).to.have.length(publicSignalCount(1, { publicInputs: 3 }));
    expect(proved.decoded.inputCommitment).to.equal(0n);
    expect(proved.decoded.inputs).to.deep.equal([24n, 48n, -8n]); // at 2^4
    expect(proved.publicSignals.slice(publicInputsIndex(1))).to.deep.equal([24n, 48n, -8n].map(toField));
  });

  it("registers the model with its input count and bound, and emits ModelPublicInputsDeclared", async () => {
    const { hub, verifier } = await networkHelpers.loadFixture(deployFixture);
    await expect(hub.registerPublicInputModel(verifier, prover.modelCommitment, 1, 3, bits, "again"))
      .to.emit(hub, "ModelPublicInputsDeclared")
      .withArgs(2n, 3, bits);
    const model = await hub.getModel(2n);
    expect(model.numPublicInputs).to.equal(3n);
    expect(model.publicInputBits).to.equal(BigInt(bits));
    expect(model.attested).to.equal(false);
  });

  it("refuses a registration without inputs or with a bound outside [1, 250]", async () => {
    const { hub, verifier } = await networkHelpers.loadFixture(deployFixture);
    for (const [n, b] of [[0, 7], [3, 0], [3, 251]] as const) {
      await expect(hub.registerPublicInputModel(verifier, prover.modelCommitment, 1, n, b, ""))
        .to.be.revertedWithCustomError(hub, "ModelRegistryInvalidPublicInputs")
        .withArgs(n, b);
    }
  });

  it("verifies a proof of the model on its public inputs through verifyAndAct", async () => {
    const { hub, modelId, relayer } = await networkHelpers.loadFixture(deployFixture);
    expect(await prover.verify(proved.proof, proved.publicSignals)).to.equal(true);
    await expect(connectAs(hub, relayer).verifyAndAct(modelId, proved.proofBytes, proved.publicSignals))
      .to.emit(hub, "InferenceVerified")
      .withArgs(modelId, "0x00000000000000000000000000000000000000A1", 1n);
  });

  it("rejects the proof with a public input changed (another in-range value): InferenceHubInvalidProof", async () => {
    const { hub, modelId } = await networkHelpers.loadFixture(deployFixture);
    for (let i = 0; i < 3; i++) {
      const forged = proved.publicSignals.slice();
      forged[publicInputsIndex(1) + i] = toField(proved.decoded.inputs![i]! + 1n);
      expect(await prover.verify(proved.proof, forged), `input ${i}`).to.equal(false);
      await expect(hub.verifyAndAct(modelId, proved.proofBytes, forged)).to.be.revertedWithCustomError(hub, "InferenceHubInvalidProof").withArgs(modelId);
    }
  });

  it("rejects a public input outside [-2^B, 2^B) before verifying, at both ends and at p - 2^B - 1", async () => {
    const { hub, modelId } = await networkHelpers.loadFixture(deployFixture);
    const b = 1n << BigInt(bits);
    for (const [i, bad] of [[0, b], [1, toField(-b - 1n)], [2, FIELD_MODULUS - b - 1n], [2, (FIELD_MODULUS - 1n) / 2n]] as const) {
      const forged = proved.publicSignals.slice();
      forged[publicInputsIndex(1) + i] = bad;
      await expect(hub.verifyAndAct(modelId, proved.proofBytes, forged))
        .to.be.revertedWithCustomError(hub, "InferenceHubPublicInputOutOfRange")
        .withArgs(modelId, i, bad);
    }
  });

  it("accepts the interval's edges -2^B and 2^B - 1 in the hub's range check (the proof then fails on its own)", async () => {
    const { hub, modelId } = await networkHelpers.loadFixture(deployFixture);
    const b = 1n << BigInt(bits);
    for (const edge of [toField(-b), b - 1n]) {
      const forged = proved.publicSignals.slice();
      forged[publicInputsIndex(1)] = edge;
      await expect(hub.verifyAndAct(modelId, proved.proofBytes, forged)).to.be.revertedWithCustomError(hub, "InferenceHubInvalidProof");
    }
  });

  it("rejects signals without the inputs (k + 4) or with one too many: InferenceHubInvalidSignalCount", async () => {
    const { hub, modelId } = await networkHelpers.loadFixture(deployFixture);
    const short = proved.publicSignals.slice(0, publicInputsIndex(1));
    await expect(hub.verifyAndAct(modelId, proved.proofBytes, short))
      .to.be.revertedWithCustomError(hub, "InferenceHubInvalidSignalCount")
      .withArgs(modelId, 8n, 5n);
    await expect(hub.verifyAndAct(modelId, proved.proofBytes, [...proved.publicSignals, 0n]))
      .to.be.revertedWithCustomError(hub, "InferenceHubInvalidSignalCount")
      .withArgs(modelId, 8n, 9n);
  });

  it("rejects a replay of the same statement", async () => {
    const { hub, modelId } = await networkHelpers.loadFixture(deployFixture);
    await hub.verifyAndAct(modelId, proved.proofBytes, proved.publicSignals);
    await expect(hub.verifyAndAct(modelId, proved.proofBytes, proved.publicSignals)).to.be.revertedWithCustomError(hub, "InferenceHubNonceUsed");
    expect(signalIndex("nonce", 1)).to.equal(publicInputsIndex(1) - 1);
  });
});
