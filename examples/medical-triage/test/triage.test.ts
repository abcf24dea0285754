/**
 * The triage dApp on Hardhat's network with real proofs: the trainer reproduces the committed spec,
 * a proof lands through verifyAndAct with only the output's hash on chain, the patient alone can open
 * it to the clinic, and wrong openings are refused.
 */
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { expect } from "chai";
import { poseidonContract } from "circomlibjs";
import { network } from "hardhat";
import { ModelProver, type ProveReturnType } from "zkinfer/prover";
import { FEATURES, SPEC_PATH, forward, loadData, split, trainSpec } from "../scripts/train.js";

const R = 21888242871839275222246405745257275088548364400416034343698204186575808495617n;
const features = (x: number[]) => Object.fromEntries(FEATURES.map((f, i) => [f.name, x[i]!]));

describe("medical-triage: private triage, opened by the patient", () => {
  let prover: ModelProver;
  const spec = JSON.parse(readFileSync(SPEC_PATH, "utf8"));
  const [d1, , d2] = spec.layers;
  const floatLogit = (x: number[]) => forward({ w1: d1.weights, b1: d1.bias, w2: d2.weights[0], b2: d2.bias[0] }, x);
  const { test } = split(loadData());
  const malignant = test.find((e) => e.y === 1 && floatLogit(e.x) > 2)!.x;
  const benign = test.find((e) => e.y === 0 && floatLogit(e.x) < -2)!.x;
  const proofs = new Map<string, ProveReturnType>();

  before(async () => {
    // The artifacts `npm test` built first (zkinfer build, into zkinfer.config.json's buildDir).
    process.env.ZKINFER_BUILD_DIR ??= resolve("build");
    prover = await ModelProver.load(SPEC_PATH);
  });

  async function proofFor(x: number[], subject: string, nonce: bigint): Promise<ProveReturnType> {
    const key = `${x}/${subject}/${nonce}`;
    if (!proofs.has(key)) proofs.set(key, await prover.prove({ features: features(x), subject, nonce }));
    return proofs.get(key)!;
  }

  async function deploy() {
    const { ethers } = await network.create();
    const [, patient, other] = await ethers.getSigners();
    const hub = await ethers.deployContract("InferenceHub", [2n * 24n * 3600n]);
    const verifier = await ethers.deployContract("MedicalTriageVerifier");
    await (await hub.registerModel(await verifier.getAddress(), prover.modelCommitment, 1, "medical-triage")).wait();
    const modelId = await hub.modelCount();
    const record = await ethers.deployContract("TriageRecord", [await hub.getAddress(), modelId]);
    await (await hub.setConsumer(modelId, await record.getAddress())).wait();
    const poseidon = await (await ethers.getContractFactory(poseidonContract.generateABI(2), poseidonContract.createCode(2))).deploy();
    const clinic = await ethers.deployContract("ClinicReferral", [await record.getAddress(), await poseidon.getAddress(), 0n]);
    return { patient: patient!, other: other!, hub: hub.connect(patient!), modelId, record, clinic: clinic.connect(patient!) };
  }

  it("the trainer reproduces the committed spec byte for byte, from the data file it names", () => {
    expect(JSON.stringify(trainSpec(), null, 2) + "\n").to.equal(readFileSync(SPEC_PATH, "utf8"));
    expect(
      createHash("sha256")
        .update(readFileSync(resolve(spec.metadata.dataFile)))
        .digest("hex"),
    ).to.equal(spec.metadata.dataSha256);
  });

  it("records only the output hash; the patient's reveal refers a malignant result", async () => {
    const { hub, modelId, record, clinic, patient } = await deploy();
    const p = await proofFor(malignant, patient.address, 1n);
    const tx = await hub.verifyAndAct(modelId, p.proofBytes, [...p.publicSignals]);
    await tx.wait();
    const malignancy = p.reference.outputs[0]!;
    expect(malignancy > 0n).to.equal(true);
    expect(await record.outputHashOf(patient.address, 1n)).to.equal(p.publicSignals[0]);
    expect(p.publicSignals).to.not.include(malignancy);
    expect(tx.data.toLowerCase()).to.not.contain(malignancy.toString(16).padStart(64, "0"));
    await expect(clinic.reveal(1n, malignancy, p.outputSalt!))
      .to.emit(clinic, "Referred")
      .withArgs(patient.address, 1n, malignancy);
    expect(await clinic.referred(patient.address)).to.equal(true);
    await expect(clinic.reveal(1n, malignancy, p.outputSalt!)).to.be.revertedWithCustomError(clinic, "ClinicReferralAlreadyRevealed");
  });

  it("refuses a wrong opening: another value, another salt, an alias mod r, someone else's record", async () => {
    const { hub, modelId, clinic, patient, other } = await deploy();
    const p = await proofFor(benign, patient.address, 3n);
    await (await hub.verifyAndAct(modelId, p.proofBytes, [...p.publicSignals])).wait();
    const value = R + p.reference.outputs[0]!;
    await expect(clinic.reveal(3n, 5000n, p.outputSalt!)).to.be.revertedWithCustomError(clinic, "ClinicReferralWrongOpening");
    await expect(clinic.reveal(3n, value, p.outputSalt! + 1n)).to.be.revertedWithCustomError(clinic, "ClinicReferralWrongOpening");
    await expect(clinic.reveal(3n, value + R, p.outputSalt!)).to.be.revertedWithCustomError(clinic, "ClinicReferralNotAFieldElement");
    await expect(clinic.connect(other).reveal(3n, value, p.outputSalt!)).to.be.revertedWithCustomError(clinic, "ClinicReferralNoRecord");
    await expect(clinic.reveal(3n, value, p.outputSalt!)).to.emit(clinic, "NotReferred");
  });

  it("the hub refuses a proof whose output hash was swapped", async () => {
    const { hub, modelId, patient } = await deploy();
    const honest = await proofFor(malignant, patient.address, 4n);
    const forged = [...honest.publicSignals];
    forged[0] = (await proofFor(benign, patient.address, 4n)).publicSignals[0]!;
    await expect(hub.verifyAndAct(modelId, honest.proofBytes, forged)).to.be.revertedWithCustomError(hub, "InferenceHubInvalidProof");
  });
});
