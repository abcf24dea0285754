/**
 * Aggregated proofs end to end, with real Groth16 proofs on Hardhat's EVM: a tiny model's aggregated
 * keys for N = 2 and 4 (and a private-weight model's for N = 2, the "other model"), the generated
 * verifiers, InferenceHub.verifyAndActAggregated and a recording consumer. docs/SECURITY.md C53-C62:
 * every attack is rejected with a custom error and changes nothing (no nonce used, no consumer call).
 */
import { fileURLToPath } from "node:url";
import { expect } from "chai";
import { network } from "hardhat";
import * as snarkjs from "snarkjs";
import { ContractFactory, type Contract } from "ethers";
import { aggregatedOutputLayout, encodeOutputLayout, statementIndex, verifyInclusion } from "../../prover/abi/aggregatedSignals.js";
import { signSubmissionAuthorization } from "../../prover/abi/submissionAuthorization.js";
import { artifactPath } from "../../prover/artifacts/paths.js";
import { buildAggregated } from "../../prover/build/buildAggregated.js";
import { buildModel } from "../../prover/build/buildModel.js";
import { aggregatedArtifactName } from "../../prover/circuit/aggregate.js";
import { aggregatedCallArgs } from "../../prover/chain/submitAggregated.js";
import { compileModelVerifier } from "../../prover/chain/compileVerifier.js";
import { FIELD_MODULUS, toField } from "../../prover/field.js";
import { loadAggregatedProver, type AggregatedProver, type ProveAggregatedReturnType } from "../../prover/prove/aggregateNode.js";
import { decodeProofWords, encodeProof, encodeProofWords } from "../../prover/prove/calldata.js";
import { ModelProver } from "../../prover/prove/prover.js";
import { BASE_FIELD_MODULUS } from "../../prover/setup/groth16Batch.js";
import { verifyAggregatedTransaction } from "../../prover/sdk/verifyAggregatedTransaction.js";
import { connectProvider } from "../../prover/chain/connect.js";
import { connectAs } from "../contracts/helpers.js";

const tinySpec = fileURLToPath(new URL("../fixtures/aggregate-tiny.json", import.meta.url));
const otherSpec = fileURLToPath(new URL("../fixtures/private-small.json", import.meta.url));
const DELAY = 3600n;

const connection = await network.create();
const { ethers, networkHelpers } = connection;

describe("end to end: aggregated proofs -> verifyAndActAggregated (real proofs, tiny models)", function () {
  this.timeout(900_000);
  let p2: AggregatedProver;
  let p4: AggregatedProver;
  let other2: AggregatedProver;
  let single: ModelProver;
  let alice: string;
  let bob: string;
  /** Three of alice's statements in a batch of 4 (slot 3 empty). */
  let batch4: ProveAggregatedReturnType;
  /** Two of alice's statements, nonces 10 and 11. */
  let batch2: ProveAggregatedReturnType;
  const features = [
    { a: 1.5, b: 3, c: -0.5 },
    { a: -4, b: 8, c: 1 },
    { a: 4, b: 0, c: -1 },
  ];

  before(async () => {
    await buildModel({ specPath: tinySpec });
    await buildModel({ specPath: otherSpec });
    for (const n of [2, 4]) await buildAggregated({ specPath: tinySpec, n });
    await buildAggregated({ specPath: otherSpec, n: 2 });
    p2 = await loadAggregatedProver(tinySpec, 2);
    p4 = await loadAggregatedProver(tinySpec, 4);
    other2 = await loadAggregatedProver(otherSpec, 2);
    single = await ModelProver.load(tinySpec);
    const signers = await ethers.getSigners();
    alice = signers[1]!.address;
    bob = signers[2]!.address;
    batch4 = await p4.prove(features.map((f, i) => ({ features: f, subject: alice, nonce: BigInt(i + 1) })));
    batch2 = await p2.prove(features.slice(0, 2).map((f, i) => ({ features: f, subject: alice, nonce: BigInt(10 + i) })));
  });

  async function deployVerifier(name: string): Promise<string> {
    const c = compileModelVerifier(name);
    const [deployer] = await ethers.getSigners();
    const v = await new ContractFactory(c.abi as never, c.bytecode, deployer).deploy();
    await v.waitForDeployment();
    return v.getAddress();
  }

  async function deployFixture() {
    const [owner, a, b] = await ethers.getSigners();
    const hub = (await ethers.deployContract("InferenceHub", [DELAY])) as unknown as Contract;
    const consumer = await ethers.deployContract("RecordingConsumer");
    const register = async (prover: AggregatedProver, sizes: number[]) => {
      const verifier = await deployVerifier(prover.ir.name);
      const tx = await hub.registerModel(verifier, prover.modelCommitment, prover.layout.outputs.length, "ipfs://test");
      await tx.wait();
      const modelId = await hub.modelCount();
      await (await hub.setConsumer(modelId, await consumer.getAddress())).wait();
      for (const n of sizes) {
        const agg = await deployVerifier(aggregatedArtifactName(prover.ir.name, n));
        await (await hub.announceAggregatedVerifier(modelId, n, agg, encodeOutputLayout(prover.layout))).wait();
      }
      return modelId as bigint;
    };
    const modelId = await register(p4, [2, 4]);
    const otherId = await register(other2, [2]);
    await networkHelpers.time.increase(Number(DELAY));
    for (const n of [2, 4]) await (await hub.applyAggregatedVerifier(modelId, n)).wait();
    await (await hub.applyAggregatedVerifier(otherId, 2)).wait();
    return { hub, consumer, modelId, otherId, owner: owner!, aliceHub: connectAs(hub, a!), bobHub: connectAs(hub, b!), bobSigner: b!, aliceSigner: a! };
  }

  const args = (
    modelId: bigint,
    b: { n: number; proofBytes: string; publicSignals: readonly bigint[] },
    authorizations?: Parameters<typeof aggregatedCallArgs>[0]["authorizations"],
  ) => aggregatedCallArgs({ modelId, n: b.n, proofBytes: b.proofBytes, publicSignals: b.publicSignals, authorizations });

  async function expectUnused(hub: Contract, modelId: bigint, nonces: bigint[], subject = alice) {
    for (const n of nonces) expect(await hub.isNonceUsed(modelId, subject, n), `nonce ${n}`).to.equal(false);
  }

  /** (-A, -B, C): another valid proof of the same statements. */
  function rerandomised(proofBytes: string): string {
    const w = decodeProofWords(proofBytes);
    const q = BASE_FIELD_MODULUS;
    return encodeProofWords([w[0]!, q - w[1]!, w[2]!, w[3]!, q - w[4]!, q - w[5]!, w[6]!, w[7]!]);
  }

  it("verifies three statements in a proof of 4 and calls the consumer for each with the single proof's outputs", async () => {
    const { aliceHub, hub, consumer, modelId } = await networkHelpers.loadFixture(deployFixture);
    expect(await p4.verify(batch4.proof, batch4.publicSignals)).to.equal(true);
    const tx = await aliceHub.verifyAndActAggregated(...args(modelId, batch4));
    await expect(tx).to.emit(hub, "AggregatedProofVerified").withArgs(modelId, 4n, batch4.decoded.inputRoot, 3n);
    for (const [i, s] of batch4.statements.entries()) {
      // The very outputs a single proof of the same statement carries.
      const one = await single.prove({ features: features[i]!, subject: alice, nonce: 100n + BigInt(i), salt: s.salt });
      expect(s.outputs).to.deep.equal(one.decoded.outputs);
      expect(s.inputCommitment).to.equal(one.decoded.inputCommitment);
      await expect(tx).to.emit(hub, "InferenceVerified").withArgs(modelId, alice, s.nonce);
      await expect(tx)
        .to.emit(consumer, "InferenceReceived")
        .withArgs(await hub.getAddress(), modelId, alice, s.nonce, s.outputs.map(toField));
      expect(await hub.isNonceUsed(modelId, alice, s.nonce)).to.equal(true);
    }
    const receipt = await tx.wait();
    const consumerAddress = await consumer.getAddress();
    expect(receipt.logs.filter((l: { address: string }) => l.address === consumerAddress).length).to.equal(3); // the empty slot acted on nothing
    console.log(`      verifyAndActAggregated, 3 statements in N = 4, consumer included: ${receipt.gasUsed} gas`);
  });

  it("lets the SDK verify the transaction and each user's own statement with its inclusion path", async () => {
    const { aliceHub, hub, modelId } = await networkHelpers.loadFixture(deployFixture);
    const tx = await aliceHub.verifyAndActAggregated(...args(modelId, batch4));
    await tx.wait();
    const verificationKey = p4.verificationKey as object;
    const { publicClient } = await connectProvider(connection.provider);
    for (const s of batch4.statements) {
      const r = await verifyAggregatedTransaction({
        client: publicClient,
        hub: (await hub.getAddress()) as `0x${string}`,
        txHash: tx.hash,
        verificationKey,
        outputLayout: p4.layout,
        statement: { slot: s.slot, inputCommitment: s.inputCommitment, inclusionPath: s.inclusionPath },
      });
      expect(
        r.valid,
        JSON.stringify(r, (_k, v) => (typeof v === "bigint" ? String(v) : v)),
      ).to.equal(true);
      expect(r.statement?.subject).to.equal(BigInt(alice));
      expect(r.statement?.outputs).to.deep.equal(s.outputs);
    }
    // Another commitment at slot 0 (a claim the user never made) is not included.
    const s0 = batch4.statements[0]!;
    expect(await verifyInclusion(batch4.decoded.inputRoot, s0.inputCommitment + 1n, s0.inclusionPath)).to.equal(false);
  });

  it("has a compact verifier that accepts the proof, and returns false for a signal >= r or another proof", async () => {
    const { hub, modelId } = await networkHelpers.loadFixture(deployFixture);
    const [record] = await hub.aggregatedVerifier(modelId, 4);
    const verifier = new ethers.Contract(record.verifier, ["function verify(bytes proof, uint256[] publicSignals) view returns (bool)"], ethers.provider);
    expect(await verifier.verify(batch4.proofBytes, batch4.publicSignals)).to.equal(true);
    const unreduced = [...batch4.publicSignals];
    unreduced[2] = unreduced[2]! + FIELD_MODULUS; // the same field element, not reduced
    expect(await verifier.verify(batch4.proofBytes, unreduced)).to.equal(false);
    expect(await verifier.verify(batch2.proofBytes, batch4.publicSignals)).to.equal(false);
  });

  it("rejects a forged statement (a better output than proved) with InferenceHubInvalidProof, changing nothing", async () => {
    const { aliceHub, modelId, hub } = await networkHelpers.loadFixture(deployFixture);
    const forged = [...batch4.publicSignals];
    const at = statementIndex(0, p4.layout) + 1;
    forged[at] = forged[at]! + 1n;
    await expect(aliceHub.verifyAndActAggregated(...args(modelId, { ...batch4, publicSignals: forged })))
      .to.be.revertedWithCustomError(hub, "InferenceHubInvalidProof")
      .withArgs(modelId);
    await expectUnused(hub, modelId, [1n, 2n, 3n]);
  });

  it("rejects a proof of another model: by its commitment, and by the proof when the commitment is rewritten", async () => {
    const { aliceHub, hub, modelId } = await networkHelpers.loadFixture(deployFixture);
    const theirs = await other2.prove([{ features: { a: 1, b: 2, c: 0 }, subject: alice, nonce: 20n }]);
    await expect(aliceHub.verifyAndActAggregated(...args(modelId, theirs))).to.be.revertedWithCustomError(hub, "InferenceHubCommitmentMismatch");
    const disguised = [...theirs.publicSignals];
    disguised[0] = p2.modelCommitment;
    await expect(aliceHub.verifyAndActAggregated(...args(modelId, { ...theirs, publicSignals: disguised })))
      .to.be.revertedWithCustomError(hub, "InferenceHubInvalidProof")
      .withArgs(modelId);
    await expectUnused(hub, modelId, [20n]);
  });

  it("rejects a statement duplicated inside one proof with InferenceHubNonceUsed, changing nothing", async () => {
    const { aliceHub, hub, modelId } = await networkHelpers.loadFixture(deployFixture);
    // The prover refuses to make it...
    const refused = await p2.prove([0, 1].map((i) => ({ features: features[i]!, subject: alice, nonce: 30n }))).then(
      () => "",
      (e: Error) => e.message,
    );
    expect(refused).to.match(/appears twice/);
    // ...so a malicious prover fills the circuit input itself.
    const { input } = await p2.circuitInput([0, 1].map((i) => ({ features: features[i]!, subject: alice, nonce: 30n + BigInt(i), salt: 5n })));
    (input.nonce as bigint[])[1] = 30n;
    const { proof, publicSignals } = await snarkjs.groth16.fullProve(
      input as never,
      artifactPath(aggregatedArtifactName("aggregate-tiny", 2), "wasm"),
      artifactPath(aggregatedArtifactName("aggregate-tiny", 2), "zkey"),
    );
    const dup = { n: 2, proofBytes: encodeProof(proof), publicSignals: publicSignals.map(BigInt) };
    await expect(aliceHub.verifyAndActAggregated(...args(modelId, dup)))
      .to.be.revertedWithCustomError(hub, "InferenceHubNonceUsed")
      .withArgs(modelId, alice, 30n);
    await expectUnused(hub, modelId, [30n]);
  });

  it("rejects a statement already verified (another batch, or a single proof) and a reused nonce, changing nothing", async () => {
    const { aliceHub, hub, modelId } = await networkHelpers.loadFixture(deployFixture);
    await (await aliceHub.verifyAndActAggregated(...args(modelId, batch2))).wait();
    // Nonce 11 again, with other inputs, next to a fresh nonce 12.
    const again = await p2.prove([
      { features: features[2]!, subject: alice, nonce: 12n },
      { features: features[2]!, subject: alice, nonce: 11n },
    ]);
    await expect(aliceHub.verifyAndActAggregated(...args(modelId, again)))
      .to.be.revertedWithCustomError(hub, "InferenceHubNonceUsed")
      .withArgs(modelId, alice, 11n);
    await expectUnused(hub, modelId, [12n]);
    // A single proof for nonce 10 (used by the batch), and a batch for a nonce a single proof used.
    const one = await single.prove({ features: features[0]!, subject: alice, nonce: 10n });
    await expect(aliceHub.verifyAndAct(modelId, one.proofBytes, one.publicSignals)).to.be.revertedWithCustomError(hub, "InferenceHubNonceUsed");
    const first = await single.prove({ features: features[0]!, subject: alice, nonce: 40n });
    await (await aliceHub.verifyAndAct(modelId, first.proofBytes, first.publicSignals)).wait();
    const late = await p2.prove([
      { features: features[1]!, subject: alice, nonce: 41n },
      { features: features[1]!, subject: alice, nonce: 40n },
    ]);
    await expect(aliceHub.verifyAndActAggregated(...args(modelId, late))).to.be.revertedWithCustomError(hub, "InferenceHubNonceUsed");
    await expectUnused(hub, modelId, [41n]);
  });

  it("rejects a replayed batch proof, also re-randomised, with InferenceHubNonceUsed", async () => {
    const { aliceHub, hub, modelId } = await networkHelpers.loadFixture(deployFixture);
    await (await aliceHub.verifyAndActAggregated(...args(modelId, batch2))).wait();
    await expect(aliceHub.verifyAndActAggregated(...args(modelId, batch2))).to.be.revertedWithCustomError(hub, "InferenceHubNonceUsed");
    await expect(aliceHub.verifyAndActAggregated(...args(modelId, { ...batch2, proofBytes: rerandomised(batch2.proofBytes) }))).to.be.revertedWithCustomError(
      hub,
      "InferenceHubNonceUsed",
    );
  });

  it("rejects an empty slot made to act: a statement word by the proof, outputs without a statement by the hub", async () => {
    const { aliceHub, hub, modelId } = await networkHelpers.loadFixture(deployFixture);
    const at = statementIndex(3, p4.layout);
    const acting = [...batch4.publicSignals];
    acting[at] = batch4.publicSignals[statementIndex(0, p4.layout)]! + 100n; // slot 0's word for another subject
    acting[at + 1] = batch4.publicSignals[statementIndex(0, p4.layout) + 1]!;
    const actingSubject = `0x${(BigInt(alice) + 100n).toString(16).padStart(40, "0")}`;
    await expect(aliceHub.verifyAndActAggregated(...args(modelId, { ...batch4, publicSignals: acting })))
      .to.be.revertedWithCustomError(hub, "InferenceHubUnauthorizedSubmitter")
      .withArgs(modelId, ethers.getAddress(actingSubject), alice);
    const outputsOnly = [...batch4.publicSignals];
    outputsOnly[at + 1] = 7n;
    await expect(aliceHub.verifyAndActAggregated(...args(modelId, { ...batch4, publicSignals: outputsOnly })))
      .to.be.revertedWithCustomError(hub, "InferenceHubEmptySlotNotEmpty")
      .withArgs(modelId, 3n);
    // An own statement word put in the empty slot (so the submitter is authorised): the proof fails.
    const own = [...batch4.publicSignals];
    own[at] = (1n << 224n) + (99n << 160n) + BigInt(alice);
    await expect(aliceHub.verifyAndActAggregated(...args(modelId, { ...batch4, publicSignals: own })))
      .to.be.revertedWithCustomError(hub, "InferenceHubInvalidProof")
      .withArgs(modelId);
    await expectUnused(hub, modelId, [1n, 2n, 3n, 99n]);
  });

  it("rejects a proof for one N submitted as another: signal count, padded signals, a size without a verifier", async () => {
    const { aliceHub, hub, modelId } = await networkHelpers.loadFixture(deployFixture);
    await expect(aliceHub.verifyAndActAggregated(...args(modelId, { ...batch2, n: 4 }))).to.be.revertedWithCustomError(hub, "InferenceHubInvalidSignalCount");
    const padded = { ...batch2, n: 4, publicSignals: [...batch2.publicSignals, 0n, 0n, 0n, 0n] };
    await expect(aliceHub.verifyAndActAggregated(...args(modelId, padded)))
      .to.be.revertedWithCustomError(hub, "InferenceHubInvalidProof")
      .withArgs(modelId);
    await expect(aliceHub.verifyAndActAggregated(...args(modelId, { ...batch2, n: 8 })))
      .to.be.revertedWithCustomError(hub, "InferenceHubNoAggregatedVerifier")
      .withArgs(modelId, 8n);
    await expectUnused(hub, modelId, [10n, 11n]);
  });

  it("requires the subject, or its authorization per statement, for every statement of a relayed batch", async () => {
    const { bobHub, hub, modelId, aliceSigner } = await networkHelpers.loadFixture(deployFixture);
    await expect(bobHub.verifyAndActAggregated(...args(modelId, batch2)))
      .to.be.revertedWithCustomError(hub, "InferenceHubUnauthorizedSubmitter")
      .withArgs(modelId, alice, bob);
    const hubAddress = (await hub.getAddress()) as `0x${string}`;
    const deadline = BigInt(await networkHelpers.time.latest()) + 3600n;
    const sign = (nonce: bigint, submitter = bob) =>
      signSubmissionAuthorization(aliceSigner, {
        hub: hubAddress,
        chainId: 31337,
        modelId,
        subject: alice as `0x${string}`,
        nonce,
        submitter: submitter as `0x${string}`,
        deadline,
      });
    const good = [await sign(10n), await sign(11n)];
    const [m, n, proof, signals, auths] = args(modelId, batch2, good);
    await expect(bobHub.verifyAndActAggregated(m, n, proof, signals, auths.slice(0, 1)))
      .to.be.revertedWithCustomError(hub, "InferenceHubInvalidAuthorizationCount")
      .withArgs(2n, 1n);
    // One statement's authorization is for another nonce: that statement fails, so the batch does.
    await expect(bobHub.verifyAndActAggregated(...args(modelId, batch2, [good[0], await sign(12n)])))
      .to.be.revertedWithCustomError(hub, "InferenceHubInvalidAuthorization")
      .withArgs(modelId, alice, bob);
    await expectUnused(hub, modelId, [10n, 11n]);
    const tx = await bobHub.verifyAndActAggregated(...args(modelId, batch2, good));
    await expect(tx).to.emit(hub, "InferenceVerified").withArgs(modelId, alice, 11n);
  });

  it("keeps the registry's rules for aggregated verifiers: owner, timelock, no attested model, removal", async () => {
    const { hub, modelId, aliceHub, aliceSigner } = await networkHelpers.loadFixture(deployFixture);
    const verifier = (await hub.getModel(modelId)).verifier;
    await expect(aliceHub.announceAggregatedVerifier(modelId, 8, verifier, encodeOutputLayout(p4.layout))).to.be.revertedWithCustomError(
      hub,
      "ModelRegistryUnauthorizedAccount",
    );
    await expect(hub.announceAggregatedVerifier(modelId, 3, verifier, encodeOutputLayout(p4.layout)))
      .to.be.revertedWithCustomError(hub, "ModelRegistryInvalidAggregationSize")
      .withArgs(3n);
    await expect(hub.announceAggregatedVerifier(modelId, 8, verifier, [])).to.be.revertedWithCustomError(hub, "ModelRegistryInvalidOutputLayout");
    await (await hub.announceAggregatedVerifier(modelId, 8, verifier, encodeOutputLayout(p4.layout))).wait();
    await expect(hub.applyAggregatedVerifier(modelId, 8)).to.be.revertedWithCustomError(hub, "ModelRegistryAggregatedVerifierNotReady");
    await expect(hub.applyAggregatedVerifier(modelId, 16)).to.be.revertedWithCustomError(hub, "ModelRegistryAggregatedVerifierNotAnnounced");
    const attested = await (await hub.registerAttestedModel(verifier, 5n, 2, [], "x")).wait();
    void attested;
    const attestedId = await hub.modelCount();
    await expect(hub.announceAggregatedVerifier(attestedId, 2, verifier, encodeOutputLayout(p4.layout)))
      .to.be.revertedWithCustomError(hub, "ModelRegistryAggregationNotSupported")
      .withArgs(attestedId);
    await (await hub.removeAggregatedVerifier(modelId, 2)).wait();
    await expect(connectAs(hub, aliceSigner).verifyAndActAggregated(...args(modelId, batch2)))
      .to.be.revertedWithCustomError(hub, "InferenceHubNoAggregatedVerifier")
      .withArgs(modelId, 2n);
    const [record, layout] = await hub.aggregatedVerifier(modelId, 4);
    expect(record.slotSize).to.equal(2n);
    expect(layout).to.deep.equal(encodeOutputLayout(aggregatedOutputLayout(p4.ir)));
  });
});
