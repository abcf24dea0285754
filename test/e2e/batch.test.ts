/**
 * verifyAndActBatch end to end: real credit-score proofs, the generated verifier's batch check, the hub
 * and the CreditGate deployed through the production Ignition module. One applicant (the subject)
 * submits its own proofs, nonces 1..4, as a subject must for a model without attested inputs.
 */
import { expect } from "chai";
import { network } from "hardhat";
import { signalIndex } from "../../prover/abi/publicSignals.js";
import { bundledSpecPath } from "../../prover/artifacts/paths.js";
import { deployCreditScore } from "../helpers/creditScoreStack.js";
import { applicantFeatures, germanCreditSplit } from "../../prover/data/germanCredit.js";
import { decodeProofWords, encodeBatch, encodeProofWords } from "../../prover/prove/calldata.js";
import { ModelProver, type ProveReturnType } from "../../prover/prove/prover.js";
import { BASE_FIELD_MODULUS } from "../../prover/setup/groth16Batch.js";
import { connectAs } from "../contracts/helpers.js";

describe("end to end: a batch of credit-score proofs -> verifyAndActBatch -> credit lines", () => {
  let prover: ModelProver;
  const proofs: ProveReturnType[] = [];
  let trees: ProveReturnType;
  /** The subject of proof i (one applicant, nonce i + 1). */
  let subjects: string[];

  before(async function () {
    this.timeout(300_000);
    prover = await ModelProver.load(bundledSpecPath("credit-score"));
    const { test } = germanCreditSplit();
    const { ethers } = await network.create();
    const alice = (await ethers.getSigners())[1]!.address;
    subjects = [alice, alice, alice, alice];
    for (let i = 0; i < 4; i++) {
      proofs.push(await prover.prove({ features: applicantFeatures(test[i]!), subject: alice, nonce: BigInt(i + 1) }));
    }
    const treesProver = await ModelProver.load(bundledSpecPath("credit-trees"));
    trees = await treesProver.prove({ features: applicantFeatures(test[0]!), subject: subjects[0]!, nonce: 1n });
  });

  async function deployFixture() {
    const { ethers, ignition } = await network.create();
    const model = {
      name: prover.ir.name,
      version: prover.ir.version,
      verifierContract: "CreditScoreVerifier",
      modelCommitment: prover.modelCommitment,
      numOutputs: prover.ir.outputs.length,
    };
    const d = await deployCreditScore({ ignition, model, threshold: 0n, creditLimit: 5_000n });
    const alice = (await ethers.getSigners())[1]!;
    return { ethers, ...d, hub: connectAs(d.hub, alice) };
  }

  /** (-A, -B, C): another valid proof of the same statement. */
  function rerandomised(p: ProveReturnType) {
    const w = decodeProofWords(p.proofBytes);
    const q = BASE_FIELD_MODULUS;
    return { proofBytes: encodeProofWords([w[0]!, q - w[1]!, w[2]!, w[3]!, q - w[4]!, q - w[5]!, w[6]!, w[7]!]), publicSignals: p.publicSignals };
  }

  it("verifies a batch of four and calls the CreditGate for each applicant", async () => {
    const { hub, creditGate, modelId } = await deployFixture();
    const b = encodeBatch(proofs);
    const tx = await hub.verifyAndActBatch(modelId, b.proofs, b.publicSignals);
    for (const [i, p] of proofs.entries()) {
      const score = p.decoded.outputs[0]!;
      if (score >= 0n) await expect(tx).to.emit(creditGate, "CreditLineOpened").withArgs(subjects[i], 5_000n, score);
      else await expect(tx).to.emit(creditGate, "CreditRefused").withArgs(subjects[i], score, 0n);
      await expect(tx)
        .to.emit(hub, "InferenceVerified")
        .withArgs(modelId, subjects[i], BigInt(i + 1));
      expect(await hub.isNonceUsed(modelId, subjects[i]!, BigInt(i + 1))).to.equal(true);
    }
    console.log(`      verifyAndActBatch of 4 real proofs, CreditGate included: ${(await tx.wait())!.gasUsed} gas`);
  });

  it("rejects a batch with one forged proof with InferenceHubInvalidBatchProof and changes nothing", async () => {
    const { hub, creditGate, modelId } = await deployFixture();
    const forged = proofs.map((p) => ({ proofBytes: p.proofBytes, publicSignals: [...p.publicSignals] }));
    forged[2]!.publicSignals[0] = forged[2]!.publicSignals[0]! + 1000n; // a better score than proved
    const b = encodeBatch(forged);
    await expect(hub.verifyAndActBatch(modelId, b.proofs, b.publicSignals))
      .to.be.revertedWithCustomError(hub, "InferenceHubInvalidBatchProof")
      .withArgs(modelId, 4n);
    for (let i = 0; i < 4; i++) expect(await hub.isNonceUsed(modelId, subjects[i]!, BigInt(i + 1))).to.equal(false);
    expect((await creditGate.creditLineOf(subjects[0]!)).limit).to.equal(0n);
  });

  it("rejects a re-randomised copy of a proof inside the batch, and of a proof already used", async () => {
    const { hub, modelId } = await deployFixture();
    const inside = encodeBatch([proofs[0]!, proofs[1]!, rerandomised(proofs[0]!)]);
    await expect(hub.verifyAndActBatch(modelId, inside.proofs, inside.publicSignals))
      .to.be.revertedWithCustomError(hub, "InferenceHubNonceUsed")
      .withArgs(modelId, subjects[0], 1n);
    expect(await hub.isNonceUsed(modelId, subjects[1]!, 2n)).to.equal(false);

    await (await hub.verifyAndAct(modelId, proofs[0]!.proofBytes, proofs[0]!.publicSignals)).wait();
    const later = encodeBatch([proofs[1]!, rerandomised(proofs[0]!)]);
    await expect(hub.verifyAndActBatch(modelId, later.proofs, later.publicSignals))
      .to.be.revertedWithCustomError(hub, "InferenceHubNonceUsed")
      .withArgs(modelId, subjects[0], 1n);
    expect(await hub.isNonceUsed(modelId, subjects[1]!, 2n)).to.equal(false);
  });

  it("reverts entirely when sent with too little gas, burning no nonce; the same batch then succeeds", async () => {
    const { hub, modelId } = await deployFixture();
    const b = encodeBatch(proofs.slice(0, 2));
    const needed = await hub.verifyAndActBatch.estimateGas(modelId, b.proofs, b.publicSignals);
    const rejected = await hub.verifyAndActBatch(modelId, b.proofs, b.publicSignals, { gasLimit: needed - 20_000n }).then(
      () => false,
      () => true,
    );
    expect(rejected).to.equal(true);
    for (const n of [1n, 2n]) expect(await hub.isNonceUsed(modelId, subjects[0]!, n)).to.equal(false);
    await (await hub.verifyAndActBatch(modelId, b.proofs, b.publicSignals, { gasLimit: needed })).wait();
    for (const n of [1n, 2n]) expect(await hub.isNonceUsed(modelId, subjects[0]!, n)).to.equal(true);
  });

  it("rejects a proof of another model: by its commitment, and by the batch check when the commitment is rewritten", async () => {
    const { hub, modelId } = await deployFixture();
    const b = encodeBatch([proofs[1]!, trees]);
    await expect(hub.verifyAndActBatch(modelId, b.proofs, b.publicSignals)).to.be.revertedWithCustomError(hub, "InferenceHubCommitmentMismatch");
    const disguised = { proofBytes: trees.proofBytes, publicSignals: [...trees.publicSignals] };
    disguised.publicSignals[signalIndex("modelCommitment", 1)] = prover.modelCommitment;
    const d = encodeBatch([proofs[1]!, disguised]);
    await expect(hub.verifyAndActBatch(modelId, d.proofs, d.publicSignals))
      .to.be.revertedWithCustomError(hub, "InferenceHubInvalidBatchProof")
      .withArgs(modelId, 2n);
  });
});
