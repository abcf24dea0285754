/**
 * Segmented proofs end to end on Hardhat's EVM, with real Groth16 proofs: a tiny model in 3 segments
 * (2^10 keys from one ptau), its generated SegmentedVerifier registered as the model's verifier in an
 * unchanged InferenceHub, and a recording consumer. docs/SECURITY.md C63-C72: each attack of issue 25
 * is rejected (InferenceHubInvalidProof) and changes nothing (no nonce used, no consumer call).
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { expect } from "chai";
import { network } from "hardhat";
import * as snarkjs from "snarkjs";
import { WitnessCalculatorBuilder } from "circom_runtime";
import { ContractFactory, type Contract } from "ethers";
import { concatHex, numberToHex, sliceHex, type Hex } from "viem";
import { artifactPath } from "../../prover/artifacts/paths.js";
import { compileContract } from "../../prover/chain/compileVerifier.js";
import { toField } from "../../prover/field.js";
import { loadSymbols } from "../../prover/circuit/r1cs.js";
import { runReference } from "../../prover/model/interpret.js";
import { encodeProof, type Groth16Proof } from "../../prover/prove/calldata.js";
import { buildSegments, type SegmentRecord } from "../../prover/segment/build.js";
import { segmentedArtifactName } from "../../prover/segment/circuit.js";
import { boundaryRanges } from "../../prover/segment/segments.js";
import { SegmentedProver, type SegmentedProofResult } from "../../prover/segment/prove.js";
import { connectAs } from "../contracts/helpers.js";
import { connectProvider } from "../../prover/chain/connect.js";
import { verifyInferenceTransaction } from "../../prover/sdk/verifyInferenceTransaction.js";
import { verifySegmentedProof } from "../../prover/segment/verify.js";

let hubAddress = "";
const await0 = (_hub: Contract) => hubAddress;

const tinySpec = fileURLToPath(new URL("../fixtures/segments-tiny.json", import.meta.url));
const otherSpec = fileURLToPath(new URL("../fixtures/segments-other.json", import.meta.url));
const MAX = 1000;

const connection = await network.create();
const { ethers, networkHelpers } = connection;

/** The proof bytes' parts: K proofs of 256 bytes, then K - 1 boundary words. */
function parts(proof: Hex, k: number): { proofs: Hex[]; boundaries: Hex[] } {
  const proofs = Array.from({ length: k }, (_, i) => sliceHex(proof, 256 * i, 256 * (i + 1)));
  const boundaries = Array.from({ length: k - 1 }, (_, i) => sliceHex(proof, 256 * k + 32 * i, 256 * k + 32 * (i + 1)));
  return { proofs, boundaries };
}
const join = (p: { proofs: Hex[]; boundaries: Hex[] }) => concatHex([...p.proofs, ...p.boundaries]);

describe("end to end: segmented proofs -> SegmentedVerifier -> verifyAndAct (real proofs, 3 segments)", function () {
  this.timeout(900_000);
  let tiny: SegmentedProver;
  let other: SegmentedProver;
  let record: SegmentRecord;
  let alice: string;
  /** alice's inference, nonce 1, and another of hers (other features), nonce 2; the other model's, nonce 1. */
  let a: SegmentedProofResult;
  let b: SegmentedProofResult;
  let o: SegmentedProofResult;
  const featuresA = { a: 1.5, b: 3, c: -0.5 };
  const featuresB = { a: -4, b: 8, c: 1 };

  before(async () => {
    record = await buildSegments({ specPath: tinySpec, maxSegmentConstraints: MAX, minSegments: 3 });
    await buildSegments({ specPath: otherSpec, maxSegmentConstraints: MAX, minSegments: 3 });
    tiny = await SegmentedProver.load(tinySpec);
    other = await SegmentedProver.load(otherSpec);
    alice = (await ethers.getSigners())[1]!.address;
    a = await tiny.prove({ features: featuresA, subject: BigInt(alice), nonce: 1n });
    b = await tiny.prove({ features: featuresB, subject: BigInt(alice), nonce: 2n });
    o = await other.prove({ features: featuresA, subject: BigInt(alice), nonce: 1n });
  });

  async function deployVerifier(model: string): Promise<string> {
    const c = compileContract(
      artifactPath(segmentedArtifactName(model), "verifierContract"),
      `${model === "segments-tiny" ? "SegmentsTiny" : "SegmentsOther"}SegmentedVerifier`,
    );
    const [deployer] = await ethers.getSigners();
    const v = await new ContractFactory(c.abi as never, c.bytecode, deployer).deploy();
    await v.waitForDeployment();
    return v.getAddress();
  }

  async function deployFixture() {
    const [, aliceSigner] = await ethers.getSigners();
    const hub = (await ethers.deployContract("InferenceHub", [3600n])) as unknown as Contract;
    hubAddress = await hub.getAddress();
    const consumer = await ethers.deployContract("RecordingConsumer");
    const register = async (model: string, commitment: bigint) => {
      await (await hub.registerModel(await deployVerifier(model), commitment, 2, "ipfs://test")).wait();
      const modelId = (await hub.modelCount()) as bigint;
      await (await hub.setConsumer(modelId, await consumer.getAddress())).wait();
      return modelId;
    };
    const modelId = await register("segments-tiny", BigInt(record.modelCommitment));
    const otherId = await register("segments-other", BigInt(other.record.modelCommitment));
    return { hub, consumer, modelId, otherId, aliceHub: connectAs(hub, aliceSigner!) };
  }

  async function expectRejected(
    submit: Promise<unknown>,
    hub: Contract,
    consumer: Awaited<ReturnType<typeof ethers.deployContract>>,
    nonce: bigint,
    modelId: bigint,
  ) {
    await expect(submit).to.be.revertedWithCustomError(hub, "InferenceHubInvalidProof");
    expect(await hub.isNonceUsed(modelId, alice, nonce)).to.equal(false);
    expect((await consumer.queryFilter(consumer.filters.InferenceReceived!())).length).to.equal(0);
  }

  it("verifies the 3 proofs and their chain in one verifyAndAct, and calls the consumer once with the model's outputs", async () => {
    const { hub, consumer, modelId, aliceHub } = await networkHelpers.loadFixture(deployFixture);
    expect(record.segments.length).to.equal(3);
    const tx = await aliceHub.verifyAndAct(modelId, a.proof, a.publicSignals);
    const outputs = runReference(tiny.ir, featuresA).outputs.map(toField);
    await expect(tx)
      .to.emit(consumer, "InferenceReceived")
      .withArgs(await hub.getAddress(), modelId, alice, 1n, outputs);
    const receipt = await tx.wait();
    expect(await hub.isNonceUsed(modelId, alice, 1n)).to.equal(true);
    // The same inference again: the nonce is spent.
    await expect(aliceHub.verifyAndAct(modelId, a.proof, a.publicSignals)).to.be.revertedWithCustomError(hub, "InferenceHubNonceUsed");
    console.log(`      verifyAndAct, K = 3 segments (8 pairings), consumer included: ${receipt.gasUsed} gas`);
  });

  it("lets the SDK verify the transaction off-chain with the segments' keys, and refuses a key set in another order", async () => {
    const { hub, modelId, aliceHub } = await networkHelpers.loadFixture(deployFixture);
    const tx = await aliceHub.verifyAndAct(modelId, a.proof, a.publicSignals);
    await tx.wait();
    const keys = record.segments.map((s) => JSON.parse(readFileSync(artifactPath(s.name, "vkey"), "utf8")) as object);
    const { publicClient } = await connectProvider(connection.provider);
    const check = (segments: object[]) =>
      verifyInferenceTransaction({
        client: publicClient,
        hub: await0(hub) as `0x${string}`,
        txHash: tx.hash,
        verificationKey: { protocol: "groth16-segmented", segments },
      });
    const r = await check(keys);
    expect([r.valid, r.proofValid, r.commitmentMatches, r.eventEmitted]).to.deep.equal([true, true, true, true]);
    expect(r.publicSignals).to.deep.equal(a.publicSignals);
    expect((await check([keys[1]!, keys[0]!, keys[2]!])).proofValid).to.equal(false);
    expect(await verifySegmentedProof({ protocol: "groth16-segmented", segments: keys }, b.proof, a.publicSignals)).to.equal(false);
  });

  it("rejects a segment whose input commitment is not its predecessor's output (a boundary from another inference)", async () => {
    const { hub, consumer, modelId, aliceHub } = await networkHelpers.loadFixture(deployFixture);
    const pa = parts(a.proof, 3);
    const pb = parts(b.proof, 3);
    // Segment 1 and 2 of inference B after segment 0 of A, each boundary as its own proof claims it.
    const mixed = [...b.publicSignals];
    mixed[3] = a.publicSignals[3]!; // A's input commitment, B's outputs and nonce
    await expectRejected(
      aliceHub.verifyAndAct(modelId, join({ proofs: [pa.proofs[0]!, pb.proofs[1]!, pb.proofs[2]!], boundaries: pb.boundaries }), mixed),
      hub,
      consumer,
      2n,
      modelId,
    );
    // A's proofs with the first boundary replaced by B's.
    await expectRejected(
      aliceHub.verifyAndAct(modelId, join({ proofs: pa.proofs, boundaries: [pb.boundaries[0]!, pa.boundaries[1]!] }), a.publicSignals),
      hub,
      consumer,
      1n,
      modelId,
    );
    // A boundary word shifted by one.
    const shifted = numberToHex(BigInt(pa.boundaries[1]!) + 1n, { size: 32 });
    await expectRejected(
      aliceHub.verifyAndAct(modelId, join({ proofs: pa.proofs, boundaries: [pa.boundaries[0]!, shifted] }), a.publicSignals),
      hub,
      consumer,
      1n,
      modelId,
    );
  });

  it("rejects reordered segments", async () => {
    const { hub, consumer, modelId, aliceHub } = await networkHelpers.loadFixture(deployFixture);
    const pa = parts(a.proof, 3);
    await expectRejected(
      aliceHub.verifyAndAct(modelId, join({ proofs: [pa.proofs[1]!, pa.proofs[0]!, pa.proofs[2]!], boundaries: pa.boundaries }), a.publicSignals),
      hub,
      consumer,
      1n,
      modelId,
    );
    await expectRejected(
      aliceHub.verifyAndAct(
        modelId,
        join({ proofs: [pa.proofs[0]!, pa.proofs[1]!, pa.proofs[2]!], boundaries: [pa.boundaries[1]!, pa.boundaries[0]!] }),
        a.publicSignals,
      ),
      hub,
      consumer,
      1n,
      modelId,
    );
  });

  it("rejects a segment of another model (same shape, other weights), alone or as a whole chain", async () => {
    const { hub, consumer, modelId, otherId, aliceHub } = await networkHelpers.loadFixture(deployFixture);
    const pa = parts(a.proof, 3);
    const po = parts(o.proof, 3);
    // The other model's segment 1 with its boundaries, in this model's chain.
    await expectRejected(
      aliceHub.verifyAndAct(modelId, join({ proofs: [pa.proofs[0]!, po.proofs[1]!, pa.proofs[2]!], boundaries: pa.boundaries }), a.publicSignals),
      hub,
      consumer,
      1n,
      modelId,
    );
    await expectRejected(
      aliceHub.verifyAndAct(modelId, join({ proofs: [pa.proofs[0]!, po.proofs[1]!, pa.proofs[2]!], boundaries: po.boundaries }), a.publicSignals),
      hub,
      consumer,
      1n,
      modelId,
    );
    // Its whole chain under this model's id: the commitment differs (the hub), and under its own commitment the keys differ.
    await expect(aliceHub.verifyAndAct(modelId, o.proof, o.publicSignals)).to.be.revertedWithCustomError(hub, "InferenceHubCommitmentMismatch");
    const forged = [...o.publicSignals];
    forged[2] = BigInt(record.modelCommitment);
    await expectRejected(aliceHub.verifyAndAct(modelId, o.proof, forged), hub, consumer, 1n, modelId);
    // And it verifies under its own model.
    await (await aliceHub.verifyAndAct(otherId, o.proof, o.publicSignals)).wait();
  });

  it("rejects a boundary value outside its proven range (a proof of a witness that breaks the range check)", async () => {
    const { hub, consumer, modelId, aliceHub } = await networkHelpers.loadFixture(deployFixture);
    const seg = record.segments[1]!;
    const input = a.witnesses.circuitInputs[1]!;
    // A malicious prover's witness: the honest one with a boundary value = max + 1 (the witness generator refuses
    // such an input, so the wire is patched in the honest witness file: section 2 holds 32-byte words from byte 76).
    // The first value with a wire of its own (circom substitutes a one-value group's value by its list element).
    const wc = await WitnessCalculatorBuilder(readFileSync(artifactPath(seg.name, "wasm")));
    const wtns = await wc.calculateWTNSBin(input, true);
    const symbols = loadSymbols(artifactPath(seg.name, "sym"));
    const j = record.plan.segments[1]!.inputs.findIndex((_, k) => (symbols.get(`main.boundaryIn[${k}]`) ?? -1) >= 0);
    expect(j).to.be.at.least(0);
    const range = boundaryRanges(tiny.ir.graph, record.plan.segments[1]!.inputs)[j]!;
    const wire = symbols.get(`main.boundaryIn[${j}]`)!;
    const word = 76 + 32 * wire;
    let v = range.qmax + 1n;
    for (let i = 0; i < 32; i++, v >>= 8n) wtns[word + i] = Number(v & 0xffn);
    const { proof, publicSignals } = (await snarkjs.groth16.prove(
      { type: "mem", data: readFileSync(artifactPath(seg.name, "zkey")) } as never,
      { type: "mem", data: wtns } as never,
    )) as unknown as {
      proof: Groth16Proof;
      publicSignals: string[];
    };
    expect(BigInt(publicSignals[2]!)).to.equal(BigInt(parts(a.proof, 3).boundaries[0]!)); // the same claimed chain
    const pa = parts(a.proof, 3);
    // The chain as the bad witness claims it: its own input commitment (over the out-of-range value) as boundary 0.
    const claimed = numberToHex(BigInt(publicSignals[2]!), { size: 32 });
    await expectRejected(
      aliceHub.verifyAndAct(
        modelId,
        join({ proofs: [pa.proofs[0]!, encodeProof(proof), pa.proofs[2]!], boundaries: [claimed, pa.boundaries[1]!] }),
        a.publicSignals,
      ),
      hub,
      consumer,
      1n,
      modelId,
    );
    await expectRejected(
      aliceHub.verifyAndAct(modelId, join({ proofs: [pa.proofs[0]!, encodeProof(proof), pa.proofs[2]!], boundaries: pa.boundaries }), a.publicSignals),
      hub,
      consumer,
      1n,
      modelId,
    );
  });

  it("rejects a segment proof replayed into another inference (another nonce, another subject)", async () => {
    const { hub, consumer, modelId, aliceHub } = await networkHelpers.loadFixture(deployFixture);
    const pa = parts(a.proof, 3);
    const pb = parts(b.proof, 3);
    // A's last segment in B's chain (B's nonce): segment 2's key binds A's nonce.
    await expectRejected(
      aliceHub.verifyAndAct(modelId, join({ proofs: [pb.proofs[0]!, pb.proofs[1]!, pa.proofs[2]!], boundaries: pb.boundaries }), b.publicSignals),
      hub,
      consumer,
      2n,
      modelId,
    );
    // All of A's proofs under nonce 2.
    const renonced = [...a.publicSignals];
    renonced[renonced.length - 1] = 2n;
    await expectRejected(aliceHub.verifyAndAct(modelId, a.proof, renonced), hub, consumer, 2n, modelId);
    // B verifies on its own.
    await (await aliceHub.verifyAndAct(modelId, b.proof, b.publicSignals)).wait();
  });
});
