/**
 * Segments of one circuit share one key (docs/SEGMENTS.md, "Identical segments share a key"): a model of
 * three identical blocks (test/fixtures/segments-repeat.json: the same dense weights, clipped to [-2, 2],
 * so the last two blocks read and make values of the same ranges), cut at the blocks, has two segments
 * whose circuits are the same code. The build compiles and sets up that circuit once, both segments
 * take its key, and the SegmentedVerifier holds it once with a per-segment index. Real proofs on
 * Hardhat's EVM: a shared key does not let a segment proof move to another place (the boundary
 * commitments bind each position), nor be repeated or replayed. docs/SECURITY.md 103-104.
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { expect } from "chai";
import { network } from "hardhat";
import { concatHex, parseEventLogs, sliceHex, type Address, type Hex } from "viem";
import { artifactPath } from "../../prover/artifacts/paths.js";
import { inferenceHubAbi } from "../../prover/chain/abi.js";
import { connectProvider, type ChainClients } from "../../prover/chain/connect.js";
import { hardhatArtifact } from "../../prover/chain/deployModel.js";
import { ContractRevertError } from "../../prover/chain/errors.js";
import { compileSegmentedVerifier, readSegmentedBuild } from "../../prover/chain/segmentedDeployment.js";
import { writeAndWait } from "../../prover/chain/write.js";
import { lowerModel } from "../../prover/model/ir.js";
import { readModelSpec } from "../../prover/model/spec.js";
import { specGraph } from "../../prover/model/specGraph.js";
import { buildSegments, type SegmentRecord } from "../../prover/segment/build.js";
import { planModelSegments } from "../../prover/segment/segments.js";
import { renderSegments, segmentArtifactName, segmentedArtifactName, segmentKeyOwners } from "../../prover/segment/circuit.js";
import { SegmentedProver, type SegmentedProofResult } from "../../prover/segment/prove.js";
import { verifySegmentedProof } from "../../prover/segment/verify.js";
import { deployRecordingStack } from "../../scripts/dev/recordingStack.js";

const repeatSpec = fileURLToPath(new URL("../fixtures/segments-repeat.json", import.meta.url));
/**
 * The plan's units are the input check, then the 9 nodes (dense, clip, three times dense, clip, then the
 * head's dense): cut after the first two blocks, then after each of the last two (whose inputs are both
 * clipped to [-2, 2] on every side), then before the head.
 */
const REPEAT_CUTS = [0, 5, 7, 9, 10];
const K = 4;

/** The proof bytes' parts: K proofs of 256 bytes, then K - 1 boundary words. */
function parts(proof: Hex): { proofs: Hex[]; boundaries: Hex[] } {
  const proofs = Array.from({ length: K }, (_, i) => sliceHex(proof, 256 * i, 256 * (i + 1)));
  const boundaries = Array.from({ length: K - 1 }, (_, i) => sliceHex(proof, 256 * K + 32 * i, 256 * K + 32 * (i + 1)));
  return { proofs, boundaries };
}
const joined = (proofs: Hex[], boundaries: Hex[]) => concatHex([...proofs, ...boundaries]);

describe("identical segments share one key (a model of repeated blocks, real proofs)", function () {
  this.timeout(900_000);
  let record: SegmentRecord;
  let a: SegmentedProofResult;
  let b: SegmentedProofResult;
  let clients: ChainClients;
  let alice: Address;
  const connection = network.create();

  before(async () => {
    record = await buildSegments({ specPath: repeatSpec, maxSegmentConstraints: 1000, cuts: REPEAT_CUTS });
    const prover = await SegmentedProver.load(repeatSpec);
    const { accounts, as } = await connectProvider((await connection).provider);
    alice = accounts[1]!;
    clients = as(alice);
    a = await prover.prove({ features: { a: 1.5, b: 3, c: -0.5 }, subject: BigInt(alice), nonce: 1n });
    b = await prover.prove({ features: { a: -4, b: 8, c: 1 }, subject: BigInt(alice), nonce: 2n });
  });

  const deploy = async () =>
    deployRecordingStack(clients, {
      verifier: compileSegmentedVerifier(await readSegmentedBuild(repeatSpec)),
      commitment: BigInt(record.modelCommitment),
      numOutputs: 2,
      uri: "test: shared keys",
    });
  const act = (hub: Address, modelId: bigint, proof: Hex, publicSignals: readonly bigint[]) =>
    writeAndWait({ ...clients, address: hub, abi: inferenceHubAbi, functionName: "verifyAndAct", args: [modelId, proof, [...publicSignals]] });

  it("builds 4 segments with 3 keys: segments 1 and 2 are one circuit, compiled and set up once", async () => {
    expect(record.segments.map((s) => s.digest)[1]).to.equal(record.segments[2]!.digest);
    expect(record.segments.map((s) => s.key)).to.deep.equal([0, 1, 1, 2]);
    expect(record.segments.map((s) => s.name)).to.deep.equal([0, 1, 1, 3].map((i) => segmentArtifactName("segments-repeat", i, K)));
    // Different keys elsewhere: a shared key is never assumed from the shape alone.
    expect(new Set(record.segments.map((s) => s.digest)).size).to.equal(3);
    const build = await readSegmentedBuild(repeatSpec);
    expect(build.segmented.segments.map((s) => s.keyDigest)[1]).to.equal(build.segmented.segments[2]!.keyDigest);
    expect(build.segmented.segments.map((s) => s.key)).to.deep.equal([0, 1, 1, 2]);
    // The verifier holds each distinct key once, and each segment's index into them.
    const source = readFileSync(artifactPath(segmentedArtifactName("segments-repeat"), "verifierContract"), "utf8");
    expect(source.match(/bytes private constant _KEY\d+ = /g)).to.have.length(3);
    expect(source).to.include('bytes private constant _KEY_OF = hex"0000000100010002";');
  });

  it("refuses forced cuts that do not rise from 0 to the unit count, naming them", () => {
    const spec = readModelSpec(repeatSpec);
    const plan = (cuts: number[]) => () => planModelSegments(lowerModel(spec), specGraph(spec), 1000, undefined, undefined, 1, cuts);
    for (const cuts of [
      [0, 7, 5, 10],
      [1, 5, 10],
      [0, 5, 9],
      [0, 5, 5, 10],
    ])
      expect(plan(cuts)).to.throw(`cuts must rise from 0 to the 10 units, got [${cuts.join(", ")}]`);
    expect(plan(REPEAT_CUTS)().segments.map((s) => [s.first, s.end])).to.deep.equal([
      [0, 5],
      [5, 7],
      [7, 9],
      [9, 10],
    ]);
  });

  it("gives the same weights at other ranges another circuit: the first dense-and-clip block of the weights does not share the key", async () => {
    const spec = readModelSpec(repeatSpec);
    const ir = lowerModel(spec);
    // Each block its own segment: the block at units 3..4 reads its third value in [-109, 128] (the first
    // block's clip binds one side only there), the next two read [-128, 128] everywhere.
    const plan = planModelSegments(ir, specGraph(spec), 1000, undefined, undefined, 1, [0, 3, 5, 7, 9, 10]);
    const { digests } = await renderSegments(ir, plan);
    expect(segmentKeyOwners(digests)).to.deep.equal([0, 1, 2, 2, 4]);
  });

  it("verifies an honest inference in one verifyAndAct, on chain and off chain", async () => {
    const { hub, modelId, consumer } = await deploy();
    const keys = record.segments.map((s) => JSON.parse(readFileSync(artifactPath(s.name, "vkey"), "utf8")) as object);
    expect(await verifySegmentedProof({ protocol: "groth16-segmented", segments: keys }, a.proof, a.publicSignals)).to.equal(true);
    const { receipt } = await act(hub, modelId, a.proof, a.publicSignals);
    const received = parseEventLogs({
      abi: hardhatArtifact("RecordingConsumer").abi as never,
      logs: receipt.logs.filter((l) => l.address.toLowerCase() === consumer.toLowerCase()),
    });
    expect(received).to.have.length(1);
    console.log(`      verifyAndAct, K = 4 segments with 3 keys, consumer included: ${receipt.gasUsed} gas`);
  });

  it("rejects a segment proof moved to the other place of its key (swapped, repeated, from another inference), on chain and off chain", async () => {
    const { hub, modelId } = await deploy();
    const keys = record.segments.map((s) => JSON.parse(readFileSync(artifactPath(s.name, "vkey"), "utf8")) as object);
    const pa = parts(a.proof);
    const pb = parts(b.proof);
    const [p0, p1, p2, p3] = pa.proofs as [Hex, Hex, Hex, Hex];
    const [b0, b1, b2] = pa.boundaries as [Hex, Hex, Hex];
    const forgeries: [string, Hex][] = [
      // The two proofs of the shared key swapped, the boundaries as they are.
      ["swapped", joined([p0, p2, p1, p3], pa.boundaries)],
      // Swapped, with the boundaries each moved proof claims: segment 2's proof reads b1 and makes b2, which
      // cannot also be what position 1 reads (b0) and makes; every arrangement breaks a link.
      ["swapped, boundaries as the moved proofs claim", joined([p0, p2, p1, p3], [b1, b2, b0])],
      ["segment 1's proof in both places", joined([p0, p1, p1, p3], pa.boundaries)],
      ["segment 2's proof in both places", joined([p0, p2, p2, p3], pa.boundaries)],
      ["segment 1's proof in both places, boundary 2 = boundary 1", joined([p0, p1, p1, p3], [b0, b1, b1])],
      // Another inference's proof of the shared key (same subject) in a's chain, at either place.
      ["b's segment 1 at place 2", joined([p0, p1, pb.proofs[1]!, p3], pa.boundaries)],
      ["b's segment 2 at place 1", joined([p0, pb.proofs[2]!, p2, p3], pa.boundaries)],
    ];
    for (const [what, proof] of forgeries) {
      expect(await verifySegmentedProof({ protocol: "groth16-segmented", segments: keys }, proof, a.publicSignals), what).to.equal(false);
      await reverts(act(hub, modelId, proof, a.publicSignals), /InferenceHubInvalidProof/, what);
    }
    // Nothing was acted on: a's own inference still goes through once.
    await act(hub, modelId, a.proof, a.publicSignals);
  });
});

/** `promise` fails with a decoded revert whose name matches `pattern`. */
async function reverts(promise: Promise<unknown>, pattern: RegExp, what: string) {
  try {
    await promise;
  } catch (e) {
    expect(e, what).to.be.instanceOf(ContractRevertError);
    expect((e as Error).message, what).to.match(pattern);
    return;
  }
  expect.fail(`${what}: expected a revert matching ${pattern}`);
}
