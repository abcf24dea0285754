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
import { publicInputRanges, type PublicInputRange } from "../../prover/abi/publicInputRanges.js";

const { ethers, networkHelpers } = await network.create();
const specPath = fileURLToPath(new URL("../fixtures/public-inputs.json", import.meta.url));

describe("Models with public inputs (real proofs through the hub)", function () {
  this.timeout(300_000);
  let prover: ModelProver;
  let proved: ProveReturnType;
  let bits: number;
  let ranges: PublicInputRange[];
  const features = { a: 1.5, b: 3, c: -0.5 };

  before(async () => {
    prover = await ModelProver.load(specPath);
    bits = prover.ir.visibility.publicInputBits!;
    ranges = publicInputRanges(prover.ir);
    proved = await prover.prove({ features, subject: "0x00000000000000000000000000000000000000a1", nonce: 1n });
  });

  async function deployFixture() {
    const [owner] = await ethers.getSigners();
    const deployed = await ethers.deployContract("InferenceHub", [3600n]);
    // The proof's subject (0x...a1) sends everything below: only the subject may submit on this model.
    const subject = "0x00000000000000000000000000000000000000a1";
    await networkHelpers.setBalance(subject, 10n ** 18n);
    const hub = connectAs(deployed, await ethers.getImpersonatedSigner(subject));
    const verifier = await ethers.deployContract("PublicInputsVerifier");
    await hub.registerPublicInputModel(verifier, prover.modelCommitment, 1, bits, ranges, "fixture:public-inputs");
    const modelId: bigint = await hub.modelCount();
    return { hub, verifier, modelId, owner: owner! };
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
    // The spec's ranges at 2^4: a in [-4, 4], b in [0, 8], c in [-1, 1].
    expect(ranges).to.deep.equal([
      { count: 1, min: -64n, max: 64n },
      { count: 1, min: 0n, max: 128n },
      { count: 1, min: -16n, max: 16n },
    ]);
    await expect(hub.registerPublicInputModel(verifier, prover.modelCommitment, 1, bits, ranges, "again"))
      .to.emit(hub, "ModelPublicInputsDeclared")
      .withArgs(2n, 3, bits);
    const model = await hub.getModel(2n);
    expect(model.numPublicInputs).to.equal(3n);
    expect(model.publicInputBits).to.equal(BigInt(bits));
    expect(model.attested).to.equal(false);
    expect(
      (await hub.publicInputRanges(2n)).map((r: { count: bigint; min: bigint; max: bigint }) => ({ count: Number(r.count), min: r.min, max: r.max })),
    ).to.deep.equal(ranges);
  });

  it("refuses a registration without inputs or with a bound outside [1, 250]", async () => {
    const { hub, verifier } = await networkHelpers.loadFixture(deployFixture);
    for (const [r, b, n] of [
      [[], 7, 0],
      [ranges, 0, 3],
      [ranges, 251, 3],
    ] as const) {
      await expect(hub.registerPublicInputModel(verifier, prover.modelCommitment, 1, b, r, ""))
        .to.be.revertedWithCustomError(hub, "ModelRegistryInvalidPublicInputs")
        .withArgs(n, b);
    }
  });

  it("refuses an empty range, min > max, or a range leaving [-2^B, 2^B) with ModelRegistryInvalidPublicInputRange", async () => {
    const { hub, verifier } = await networkHelpers.loadFixture(deployFixture);
    const b = 1n << BigInt(bits);
    for (const bad of [
      { count: 0, min: 0n, max: 1n },
      { count: 1, min: 2n, max: 1n },
      { count: 1, min: -b - 1n, max: 0n },
      { count: 1, min: 0n, max: b },
    ]) {
      await expect(hub.registerPublicInputModel(verifier, prover.modelCommitment, 1, bits, [ranges[0]!, bad], ""))
        .to.be.revertedWithCustomError(hub, "ModelRegistryInvalidPublicInputRange")
        .withArgs(1, bad.count, bad.min, bad.max);
    }
  });

  it("verifies a proof of the model on its public inputs through verifyAndAct", async () => {
    const { hub, modelId } = await networkHelpers.loadFixture(deployFixture);
    expect(await prover.verify(proved.proof, proved.publicSignals)).to.equal(true);
    await expect(hub.verifyAndAct(modelId, proved.proofBytes, proved.publicSignals))
      .to.emit(hub, "InferenceVerified")
      .withArgs(modelId, "0x00000000000000000000000000000000000000A1", 1n);
  });

  it("rejects the proof with a public input changed (another in-range value): InferenceHubInvalidProof", async () => {
    const { hub, modelId } = await networkHelpers.loadFixture(deployFixture);
    for (let i = 0; i < 3; i++) {
      const forged = proved.publicSignals.slice();
      forged[publicInputsIndex(1) + i] = toField(proved.decoded.inputs![i]! + 1n);
      expect(await prover.verify(proved.proof, forged), `input ${i}`).to.equal(false);
      await expect(hub.verifyAndAct(modelId, proved.proofBytes, forged))
        .to.be.revertedWithCustomError(hub, "InferenceHubInvalidProof")
        .withArgs(modelId);
    }
  });

  it("rejects a public input outside its declared range before verifying, naming the input (InferenceHubPublicInputOutOfRange)", async () => {
    const { hub, modelId } = await networkHelpers.loadFixture(deployFixture);
    const b = 1n << BigInt(bits);
    // Finding 5's forgery: [255, -256, 255] lies inside [-2^B, 2^B) (B = 8) but far outside the spec's ranges.
    const forged = proved.publicSignals.slice();
    [255n, -256n, 255n].forEach((v, i) => (forged[publicInputsIndex(1) + i] = toField(v)));
    await expect(hub.verifyAndAct(modelId, proved.proofBytes, forged))
      .to.be.revertedWithCustomError(hub, "InferenceHubPublicInputOutOfRange")
      .withArgs(modelId, 0, 255n, -64n, 64n);
    // Each input, one past either edge of its own range, and values far outside (p - 2^B - 1, (p - 1) / 2).
    for (const [i, bad] of [
      [0, 65n],
      [0, toField(-65n)],
      [1, toField(-1n)],
      [1, 129n],
      [2, 17n],
      [2, toField(-17n)],
      [2, FIELD_MODULUS - b - 1n],
      [2, (FIELD_MODULUS - 1n) / 2n],
    ] as const) {
      const copy = proved.publicSignals.slice();
      copy[publicInputsIndex(1) + i] = bad;
      await expect(hub.verifyAndAct(modelId, proved.proofBytes, copy))
        .to.be.revertedWithCustomError(hub, "InferenceHubPublicInputOutOfRange")
        .withArgs(modelId, i, bad, ranges[i]!.min, ranges[i]!.max);
    }
    expect(await hub.isNonceUsed(modelId, "0x00000000000000000000000000000000000000a1", 1n)).to.equal(false);
  });

  it("accepts each range's edges in the hub's check (the proof then fails on its own)", async () => {
    const { hub, modelId } = await networkHelpers.loadFixture(deployFixture);
    for (const [i, range] of ranges.entries()) {
      for (const edge of [toField(range.min), toField(range.max)]) {
        const forged = proved.publicSignals.slice();
        forged[publicInputsIndex(1) + i] = edge;
        if (edge === proved.publicSignals[publicInputsIndex(1) + i]) continue;
        await expect(hub.verifyAndAct(modelId, proved.proofBytes, forged)).to.be.revertedWithCustomError(hub, "InferenceHubInvalidProof");
      }
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
