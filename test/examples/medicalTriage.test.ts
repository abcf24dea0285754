/**
 * examples/medical-triage from this repository: the trainer reproduces the committed spec, the
 * circuit's integer model agrees with the float one, and on Hardhat's EVM a real proof lands through
 * verifyAndAct with only the output's hash on chain, which the patient alone can open to the clinic.
 */
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { expect } from "chai";
import { network } from "hardhat";
import { poseidonArtifact } from "../../deploy/poseidonArtifact.js";
import { buildModel } from "../../prover/build/buildModel.js";
import { FIELD_MODULUS } from "../../prover/field.js";
import { decodeOutputs, runReference } from "../../prover/model/interpret.js";
import { ModelProver, type ProveReturnType } from "../../prover/prove/prover.js";
import { FEATURES, SPEC_PATH, loadData, split, trainSpec } from "../../examples/medical-triage/scripts/train.js";
import { EXAMPLES_DIR, compileExample, deployHubAndModel } from "./exampleStack.js";

const features = (x: number[]) => Object.fromEntries(FEATURES.map((f, i) => [f.name, x[i]!]));

describe("examples/medical-triage: private triage, opened by the patient", function () {
  this.timeout(600_000);
  let prover: ModelProver;
  let malignant: number[];
  let benign: number[];
  const proofs = new Map<string, ProveReturnType>();

  before(async () => {
    await buildModel({ specPath: SPEC_PATH });
    prover = await ModelProver.load(SPEC_PATH);
    const { test } = split(loadData());
    const logit = (x: number[]) => decodeOutputs(prover.ir, runReference(prover.ir, features(x)).outputs)[0]!;
    malignant = test.find((e) => e.y === 1 && logit(e.x) > 1)!.x;
    benign = test.find((e) => e.y === 0 && logit(e.x) < -1)!.x;
  });

  async function proofFor(x: number[], subject: string, nonce: bigint): Promise<ProveReturnType> {
    const key = `${x}/${subject}/${nonce}`;
    if (!proofs.has(key)) proofs.set(key, await prover.prove({ features: features(x), subject, nonce }));
    return proofs.get(key)!;
  }

  async function deployFixture() {
    const { ethers } = await network.create();
    const [owner, patient, other] = await ethers.getSigners();
    const { hub, modelId } = await deployHubAndModel(ethers, { name: "medical-triage", modelCommitment: prover.modelCommitment, numOutputs: 1 });
    const c = compileExample("medical-triage", ["TriageRecord.sol", "ClinicReferral.sol"]);
    const record = await (await ethers.getContractFactory(c.TriageRecord!.abi, c.TriageRecord!.bytecode)).deploy(await hub.getAddress(), modelId);
    await (await hub.setConsumer(modelId, await record.getAddress())).wait();
    const p2 = poseidonArtifact(2);
    const poseidon = await (await ethers.getContractFactory(p2.abi, p2.bytecode)).deploy();
    // Refer at a malignancy logit >= 0 (the output's scale is 2^10).
    const clinic = await (
      await ethers.getContractFactory(c.ClinicReferral!.abi, c.ClinicReferral!.bytecode)
    ).deploy(await record.getAddress(), await poseidon.getAddress(), 0n);
    return { owner: owner!, patient: patient!, other: other!, hub: hub.connect(patient!) as any, modelId, record, clinic: clinic.connect(patient!) as any };
  }

  it("the trainer reproduces the committed spec byte for byte", () => {
    expect(JSON.stringify(trainSpec(), null, 2) + "\n").to.equal(readFileSync(SPEC_PATH, "utf8"));
  });

  it("the data file is the one the spec names (sha256)", () => {
    const spec = JSON.parse(readFileSync(SPEC_PATH, "utf8"));
    expect(
      createHash("sha256")
        .update(readFileSync(join(EXAMPLES_DIR, "medical-triage", spec.metadata.dataFile)))
        .digest("hex"),
    ).to.equal(spec.metadata.dataSha256);
  });

  it("the circuit's integer model classifies the held-out patients as well as the float one (>= 95%)", () => {
    const { test } = split(loadData());
    const correct = test.filter((e) => (runReference(prover.ir, features(e.x)).outputs[0]! >= 0n ? 1 : 0) === e.y).length;
    expect(correct / test.length).to.be.at.least(0.95);
  });

  it("records only the output hash; the patient's reveal refers a malignant result", async () => {
    const { hub, modelId, record, clinic, patient } = await deployFixture();
    const p = await proofFor(malignant, patient.address, 1n);
    const tx = await hub.verifyAndAct(modelId, p.proofBytes, [...p.publicSignals]);
    await tx.wait();
    const malignancy = p.reference.outputs[0]!;
    // The hash is what the chain holds; the value is in neither the signals nor the calldata.
    expect(await record.outputHashOf(patient.address, 1n)).to.equal(p.publicSignals[0]);
    expect(p.publicSignals).to.not.include(malignancy);
    expect(tx.data.toLowerCase()).to.not.contain(malignancy.toString(16).padStart(64, "0"));
    await expect(clinic.reveal(1n, malignancy, p.outputSalt!))
      .to.emit(clinic, "Referred")
      .withArgs(patient.address, 1n, malignancy);
    expect(await clinic.referred(patient.address)).to.equal(true);
    await expect(clinic.reveal(1n, malignancy, p.outputSalt!)).to.be.revertedWithCustomError(clinic, "ClinicReferralAlreadyRevealed");
  });

  it("a benign result revealed is not referred (a negative logit travels as r - |q|)", async () => {
    const { hub, modelId, clinic, patient } = await deployFixture();
    const p = await proofFor(benign, patient.address, 2n);
    await (await hub.verifyAndAct(modelId, p.proofBytes, [...p.publicSignals])).wait();
    const q = p.reference.outputs[0]!;
    expect(q < 0n).to.equal(true);
    await expect(clinic.reveal(2n, FIELD_MODULUS + q, p.outputSalt!))
      .to.emit(clinic, "NotReferred")
      .withArgs(patient.address, 2n, q);
    expect(await clinic.referred(patient.address)).to.equal(false);
  });

  it("refuses a wrong opening: another value, another salt, the value plus r, or someone else's record", async () => {
    const { hub, modelId, clinic, patient, other } = await deployFixture();
    const p = await proofFor(benign, patient.address, 3n);
    await (await hub.verifyAndAct(modelId, p.proofBytes, [...p.publicSignals])).wait();
    const value = FIELD_MODULUS + p.reference.outputs[0]!;
    // The benign patient cannot claim a referral-level result...
    await expect(clinic.reveal(3n, 5000n, p.outputSalt!)).to.be.revertedWithCustomError(clinic, "ClinicReferralWrongOpening");
    await expect(clinic.reveal(3n, value, p.outputSalt! + 1n)).to.be.revertedWithCustomError(clinic, "ClinicReferralWrongOpening");
    // ...nor open the same hash with an alias of the value or the salt (Poseidon reduces mod r).
    await expect(clinic.reveal(3n, value + FIELD_MODULUS, p.outputSalt!)).to.be.revertedWithCustomError(clinic, "ClinicReferralNotAFieldElement");
    await expect(clinic.reveal(3n, value, p.outputSalt! + FIELD_MODULUS)).to.be.revertedWithCustomError(clinic, "ClinicReferralNotAFieldElement");
    // Another account holds no record under this nonce, even with the right opening.
    await expect(clinic.connect(other).reveal(3n, value, p.outputSalt!)).to.be.revertedWithCustomError(clinic, "ClinicReferralNoRecord");
  });

  it("the hub refuses a proof whose output hash was swapped, and the record accepts only the hub", async () => {
    const { hub, modelId, record, patient } = await deployFixture();
    const honest = await proofFor(malignant, patient.address, 4n);
    const forged = [...honest.publicSignals];
    forged[0] = (await proofFor(benign, patient.address, 4n)).publicSignals[0]!;
    await expect(hub.verifyAndAct(modelId, honest.proofBytes, forged)).to.be.revertedWithCustomError(hub, "InferenceHubInvalidProof");
    await expect(record.onInferenceVerified(modelId, patient.address, 4n, [1n])).to.be.revertedWithCustomError(record, "TriageRecordUnauthorizedCaller");
  });
});
