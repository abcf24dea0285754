/**
 * A segmented inference verified over several transactions (issue 25 point 4, "where K is too large for
 * one block"; docs/SEGMENTS.md): the generated SegmentedVerifier's `stage` checks a range of segments
 * and records it; the unchanged hub's `verifyAndAct` then has `verify` check only the rest and acts
 * once. Real proofs of the tiny 3-segment fixture on Hardhat's EVM. docs/SECURITY.md 97-98.
 */
import { fileURLToPath } from "node:url";
import { expect } from "chai";
import { network } from "hardhat";
import { encodeFunctionData, parseEventLogs, type Address, type Hex } from "viem";
import { inferenceHubAbi } from "../../prover/chain/abi.js";
import { connectProvider, type ChainClients } from "../../prover/chain/connect.js";
import { hardhatArtifact } from "../../prover/chain/deployModel.js";
import { ContractRevertError } from "../../prover/chain/errors.js";
import { segmentedVerifierStagingAbi, stageSegments, stagedInferenceKey } from "../../prover/chain/stageSegments.js";
import { writeAndWait } from "../../prover/chain/write.js";
import { compileSegmentedVerifier, readSegmentedBuild } from "../../prover/chain/segmentedDeployment.js";
import { deployRecordingStack } from "../../scripts/dev/recordingStack.js";
import { buildSegments, type SegmentRecord } from "../../prover/segment/build.js";
import { SegmentedProver, type SegmentedProofResult } from "../../prover/segment/prove.js";

const tinySpec = fileURLToPath(new URL("../fixtures/segments-tiny.json", import.meta.url));

describe("segmented verification over several transactions (stage, then one verifyAndAct)", function () {
  this.timeout(600_000);
  let record: SegmentRecord;
  let a: SegmentedProofResult;
  let b: SegmentedProofResult;
  let clients: ChainClients;
  let alice: Address;
  const connection = await0();

  before(async () => {
    record = await buildSegments({ specPath: tinySpec, maxSegmentConstraints: 1000, minSegments: 3 });
    expect(record.segments.length).to.equal(3);
    const prover = await SegmentedProver.load(tinySpec);
    const { accounts, as } = await connectProvider((await connection).provider);
    alice = accounts[1]!;
    clients = as(alice);
    a = await prover.prove({ features: { a: 1.5, b: 3, c: -0.5 }, subject: BigInt(alice), nonce: 1n });
    b = await prover.prove({ features: { a: -4, b: 8, c: 1 }, subject: BigInt(alice), nonce: 2n });
  });

  /** A fresh hub with the tiny model's SegmentedVerifier and a recording consumer. */
  const deploy = async () =>
    deployRecordingStack(clients, {
      verifier: compileSegmentedVerifier(await readSegmentedBuild(tinySpec)),
      commitment: BigInt(record.modelCommitment),
      numOutputs: 2,
      uri: "test: staged",
    });

  const staged = (verifier: Address, p: SegmentedProofResult) =>
    clients.publicClient.readContract({
      address: verifier,
      abi: segmentedVerifierStagingAbi,
      functionName: "staged",
      args: [stagedInferenceKey(p.proof, p.publicSignals)],
    });

  async function act(hub: Address, modelId: bigint, p: SegmentedProofResult) {
    return writeAndWait({ ...clients, address: hub, abi: inferenceHubAbi, functionName: "verifyAndAct", args: [modelId, p.proof, p.publicSignals] });
  }

  /** The gas verifyAndAct would use (a call, nothing sent). */
  const actGas = (hub: Address, modelId: bigint, p: SegmentedProofResult) =>
    clients.publicClient.estimateGas({
      account: alice,
      to: hub,
      data: encodeFunctionData({ abi: inferenceHubAbi, functionName: "verifyAndAct", args: [modelId, p.proof, p.publicSignals] }),
    });

  it("stages the 3 segments over 2 transactions, then verifyAndAct acts once, checking nothing more", async () => {
    const { verifier, hub, modelId, consumer } = await deploy();
    const unstagedGas = await actGas(hub, modelId, a);
    const { transactions } = await stageSegments({ clients, verifier, proof: a.proof, publicSignals: a.publicSignals, k: 3, perTransaction: 2 });
    expect(transactions.map((t) => [t.from, t.to])).to.deep.equal([
      [0, 2],
      [2, 3],
    ]);
    expect(await staged(verifier, a)).to.equal(3n);
    // Staging again is a no-op: the record already covers every segment.
    expect((await stageSegments({ clients, verifier, proof: a.proof, publicSignals: a.publicSignals, k: 3, perTransaction: 2 })).transactions).to.deep.equal(
      [],
    );
    const stagedGas = await actGas(hub, modelId, a);
    const { receipt } = await act(hub, modelId, a);
    const received = parseEventLogs({
      abi: hardhatArtifact("RecordingConsumer").abi as never,
      logs: receipt.logs.filter((l) => l.address.toLowerCase() === consumer.toLowerCase()),
    });
    expect(received).to.have.length(1);
    console.log(
      `      stage [0,2): ${transactions[0]!.gasUsed} gas, [2,3): ${transactions[1]!.gasUsed} gas; verifyAndAct then ${receipt.gasUsed} gas (unstaged: ${unstagedGas} estimated, staged: ${stagedGas})`,
    );
    expect(stagedGas < unstagedGas).to.equal(true);
  });

  it("with the first segments staged, verifyAndAct verifies the rest itself, and rejects a wrong rest", async () => {
    const { verifier, hub, modelId } = await deploy();
    await stageSegments({ clients, verifier, proof: a.proof, publicSignals: a.publicSignals, k: 3, perTransaction: 1, upTo: 1 });
    expect(await staged(verifier, a)).to.equal(1n);
    await act(hub, modelId, a);
    // Segment 0 of a forged inference is a's own and stages; its segment 1 is b's: the hub's verify checks [1, 3) and rejects it.
    const forged = { ...b, proof: `${b.proof.slice(0, 2 + 256 * 2)}${a.proof.slice(2 + 256 * 2, 2 + 2 * 256 * 2)}${b.proof.slice(2 + 2 * 256 * 2)}` as Hex };
    await stageSegments({ clients, verifier, proof: forged.proof, publicSignals: forged.publicSignals, k: 3, perTransaction: 1, upTo: 1 });
    expect(await staged(verifier, forged)).to.equal(1n);
    await reverts(act(hub, modelId, forged), /InferenceHubInvalidProof/);
  });

  it("refuses a range out of order or beyond K, and a range that does not verify, changing nothing", async () => {
    const { verifier } = await deploy();
    const stage = (p: SegmentedProofResult, from: number, to: number) =>
      writeAndWait({
        ...clients,
        address: verifier,
        abi: segmentedVerifierStagingAbi,
        functionName: "stage",
        args: [p.proof, p.publicSignals, BigInt(from), BigInt(to)],
      });
    await reverts(stage(a, 1, 2), /SegmentedVerifierRangeInvalid\(0, 1, 2\)/);
    await reverts(stage(a, 0, 4), /SegmentedVerifierRangeInvalid\(0, 0, 4\)/);
    await reverts(stage(a, 0, 0), /SegmentedVerifierRangeInvalid\(0, 0, 0\)/);
    // Segment 1 of b under a's signals and boundaries: its proof does not verify there.
    const forged = `${a.proof.slice(0, 2 + 256 * 2)}${b.proof.slice(2 + 256 * 2, 2 + 2 * 256 * 2)}${a.proof.slice(2 + 2 * 256 * 2)}` as Hex;
    await stage({ ...a, proof: forged }, 0, 1); // segment 0 is a's own: it verifies
    await reverts(stage({ ...a, proof: forged }, 1, 2), /SegmentedVerifierSegmentsInvalid\(1, 2\)/);
    expect(await staged(verifier, { ...a, proof: forged })).to.equal(1n);
    // Another subject's signals with a's proofs: rejected from the first segment.
    const signals = [...a.publicSignals];
    signals[signals.length - 2] = signals[signals.length - 2]! + 1n;
    await reverts(stage({ ...a, publicSignals: signals }, 0, 3), /SegmentedVerifierSegmentsInvalid\(0, 3\)/);
    expect(await staged(verifier, { ...a, publicSignals: signals })).to.equal(0n);
  });
});

/** `promise` fails with a decoded revert whose name and arguments match `pattern` (writeAndWait sends nothing then). */
async function reverts(promise: Promise<unknown>, pattern: RegExp) {
  try {
    await promise;
  } catch (e) {
    expect(e).to.be.instanceOf(ContractRevertError);
    expect((e as Error).message).to.match(pattern);
    return;
  }
  expect.fail(`expected a revert matching ${pattern}`);
}

/** One Hardhat network connection for the file. */
function await0() {
  return network.create();
}
