/**
 * The AccuracyBounty end to end with real Groth16 proofs through the InferenceHub (docs/SECURITY.md,
 * "Accuracy bounty"): the 16-applicant bounty circuit (the 300-applicant one is the demo's and the
 * bench's, built by the same generator), the sponsor's verifier pinned, a DemoToken reward escrowed.
 * Target: 10 of 16. The bundled logistic regression in the bounty architecture gets 10; the
 * majority baseline ("everyone is a good risk") 9.
 */
import { expect } from "chai";
import type { Contract, Signer } from "ethers";
import { network } from "hardhat";
import { buildBounty } from "../../prover/build/buildBounty.js";
import { circuitDigest } from "../../prover/circuit/codegen.js";
import { germanCreditTestSet } from "../../prover/data/germanCreditBounty.js";
import { toField } from "../../prover/field.js";
import { commitmentLayout, privateWeights } from "../../prover/model/commitment.js";
import type { ModelIR } from "../../prover/model/ir.js";
import { BountyProver, type ProveBountyReturnType } from "../../prover/prove/bountyProver.js";
import { bountyArchitecture, creditLogisticBountyModel, majorityBaselineModel } from "../../scripts/dev/bountyModels.js";
import { claimBounty, deployBountyStack, deployVerifier, registerBountyModel, type BountyStack } from "../helpers/bountyStack.js";

const NAME = "credit-bounty-16";
const OTHER = "credit-bounty-8";
const REWARD = 1_000n * 10n ** 18n;
const DURATION = 7n * 24n * 3600n;
const MIN_CORRECT = 10;

const { ethers, ignition, networkHelpers } = await network.create();

describe("end to end: AccuracyBounty pays the first model proven to reach the target (real proofs)", function () {
  this.timeout(900_000);
  const testSet = germanCreditTestSet(16);
  const otherSet = germanCreditTestSet(8);
  let signers: Signer[];
  let modeller: Signer;
  let rival: Signer;
  let attacker: Signer;
  let good: ModelIR;
  let baseline: ModelIR;
  let proofs: Record<"good" | "goodAgain" | "baseline" | "otherSet" | "rival", ProveBountyReturnType>;

  before(async () => {
    signers = await ethers.getSigners();
    [, modeller, rival, attacker] = signers as [Signer, Signer, Signer, Signer];
    await buildBounty({ name: NAME, ir: bountyArchitecture(), testSet });
    await buildBounty({ name: OTHER, ir: bountyArchitecture(), testSet: otherSet });
    const prover = await BountyProver.load(NAME, testSet);
    const otherProver = await BountyProver.load(OTHER, otherSet);
    good = creditLogisticBountyModel("31415926535897932384626433832795028841971");
    baseline = majorityBaselineModel("27182818284590452353602874713526624977572");
    const m = await modeller.getAddress();
    const r = await rival.getAddress();
    proofs = {
      good: await prover.prove({ ir: good, subject: m, nonce: 1n }),
      goodAgain: await prover.prove({ ir: good, subject: m, nonce: 2n }),
      baseline: await prover.prove({ ir: baseline, subject: r, nonce: 1n }),
      otherSet: await otherProver.prove({ ir: good, subject: m, nonce: 3n }),
      rival: await prover.prove({ ir: good, subject: r, nonce: 7n }),
    };
    expect(proofs.good.correct).to.equal(10);
    expect(proofs.baseline.correct).to.equal(9);
  });

  async function deployed(): Promise<BountyStack & { goodId: bigint }> {
    const stack = await deployBountyStack({
      ethers,
      ignition,
      bountyName: NAME,
      testSetHash: proofs.good.publicSignals[1]!,
      testSamples: 16,
      minCorrect: MIN_CORRECT,
      reward: REWARD,
      duration: DURATION,
    });
    const goodId = await registerBountyModel(
      stack.hub,
      modeller,
      await stack.verifier.getAddress(),
      proofs.good.modelCommitment,
      await stack.bounty.getAddress(),
    );
    return { ...stack, goodId };
  }
  const fixture = () => networkHelpers.loadFixture(deployed);
  const balance = async (token: Contract, who: Signer | Contract) => (await token.getFunction("balanceOf")(await who.getAddress())) as bigint;

  /** The bounty's whole state: a refused call must leave it exactly as it was. */
  async function state(s: BountyStack) {
    return {
      status: await s.bounty.getFunction("status")(),
      claim: (await s.bounty.getFunction("claim")()).toArray().map(String),
      escrow: await balance(s.token, s.bounty),
    };
  }

  it("pays the first valid claim to the proof's subject, once, and records the winning model commitment", async () => {
    const s = await fixture();
    const before = await balance(s.token, modeller);
    const receipt = await claimBounty(s.hub, modeller, s.goodId, proofs.good);
    expect(await balance(s.token, modeller)).to.equal(before + REWARD);
    expect(await balance(s.token, s.bounty)).to.equal(0n);
    expect(await s.bounty.getFunction("status")()).to.equal(2n); // Claimed
    const claim = await s.bounty.getFunction("claim")();
    expect(claim.winner).to.equal(await modeller.getAddress());
    expect(claim.correct).to.equal(10n);
    expect(claim.modelId).to.equal(s.goodId);
    expect(claim.modelCommitment).to.equal(proofs.good.modelCommitment);
    const event = receipt.logs.map((l: never) => s.bounty.interface.parseLog(l)).find((e: { name: string } | null) => e?.name === "BountyClaimed");
    expect(event.args.toArray().map(String)).to.deep.equal([await modeller.getAddress(), s.goodId, proofs.good.modelCommitment, 10n, REWARD].map(String));
  });

  it("refuses a second claim (AccuracyBountyAlreadyClaimed), even another valid proof, and pays nothing more", async () => {
    const s = await fixture();
    await claimBounty(s.hub, modeller, s.goodId, proofs.good);
    const snapshot = await state(s);
    await expect(claimBounty(s.hub, modeller, s.goodId, proofs.goodAgain))
      .to.be.revertedWithCustomError(s.bounty, "AccuracyBountyAlreadyClaimed")
      .withArgs(await modeller.getAddress());
    // A rival with their own registration of the same weights, too.
    const rivalId = await registerBountyModel(s.hub, rival, await s.verifier.getAddress(), proofs.rival.modelCommitment, await s.bounty.getAddress());
    await expect(claimBounty(s.hub, rival, rivalId, proofs.rival)).to.be.revertedWithCustomError(s.bounty, "AccuracyBountyAlreadyClaimed");
    expect(await state(s)).to.deep.equal(snapshot);
    expect(await s.hub.getFunction("isNonceUsed")(s.goodId, await modeller.getAddress(), 2n)).to.equal(false);
  });

  it("refuses a model below the target (AccuracyBountyBelowTarget): 9 of 16 < 10; no state changes, the nonce stays unused", async () => {
    const s = await fixture();
    const baselineId = await registerBountyModel(s.hub, rival, await s.verifier.getAddress(), proofs.baseline.modelCommitment, await s.bounty.getAddress());
    const snapshot = await state(s);
    await expect(claimBounty(s.hub, rival, baselineId, proofs.baseline))
      .to.be.revertedWithCustomError(s.bounty, "AccuracyBountyBelowTarget")
      .withArgs(9n, 10n);
    expect(await state(s)).to.deep.equal(snapshot);
    expect(await s.hub.getFunction("isNonceUsed")(baselineId, await rival.getAddress(), 1n)).to.equal(false);
  });

  it("refuses a claim after the deadline (AccuracyBountyAfterDeadline)", async () => {
    const s = await fixture();
    await networkHelpers.time.increaseTo(s.deadline + 1n);
    const snapshot = await state(s);
    await expect(claimBounty(s.hub, modeller, s.goodId, proofs.good)).to.be.revertedWithCustomError(s.bounty, "AccuracyBountyAfterDeadline");
    expect(await state(s)).to.deep.equal(snapshot);
  });

  it("refunds the sponsor only after the deadline, only once, and never a claimed bounty", async () => {
    const s = await fixture();
    await expect(s.bounty.getFunction("refund")()).to.be.revertedWithCustomError(s.bounty, "AccuracyBountyBeforeDeadline");
    await networkHelpers.time.increaseTo(s.deadline + 1n);
    const before = await balance(s.token, s.sponsor);
    // Anyone may trigger it; it pays the sponsor.
    await (await (s.bounty.connect(attacker) as Contract).getFunction("refund")()).wait();
    expect(await balance(s.token, s.sponsor)).to.equal(before + REWARD);
    expect(await balance(s.token, attacker)).to.equal(0n);
    expect(await s.bounty.getFunction("status")()).to.equal(3n); // Refunded
    await expect(s.bounty.getFunction("refund")()).to.be.revertedWithCustomError(s.bounty, "AccuracyBountyNotOpen").withArgs(3n);
    await expect(claimBounty(s.hub, modeller, s.goodId, proofs.good)).to.be.revertedWithCustomError(s.bounty, "AccuracyBountyAfterDeadline");

    const claimed = await fixture();
    await claimBounty(claimed.hub, modeller, claimed.goodId, proofs.good);
    await networkHelpers.time.increaseTo(claimed.deadline + 1n);
    await expect(claimed.bounty.getFunction("refund")()).to.be.revertedWithCustomError(claimed.bounty, "AccuracyBountyAlreadyClaimed");
  });

  it("refuses a proof over another test set (AccuracyBountyWrongTestSet), even from that test set's own verifier", async () => {
    const s = await fixture();
    const otherVerifier = await deployVerifier(modeller, OTHER);
    const id = await registerBountyModel(s.hub, modeller, await otherVerifier.getAddress(), proofs.otherSet.modelCommitment, await s.bounty.getAddress());
    await expect(claimBounty(s.hub, modeller, id, proofs.otherSet))
      .to.be.revertedWithCustomError(s.bounty, "AccuracyBountyWrongTestSet")
      .withArgs(proofs.good.publicSignals[1]!, proofs.otherSet.publicSignals[1]!);
  });

  it("attack: a model registered with another verifier (one that accepts anything) claiming N of N on the right test set is refused (AccuracyBountyWrongVerifier)", async () => {
    const s = await fixture();
    const fake = await ethers.deployContract("MockInferenceVerifier");
    const id = await registerBountyModel(s.hub, attacker, await fake.getAddress(), 12345n, await s.bounty.getAddress());
    const forged = [16n, proofs.good.publicSignals[1]!, 12345n, 0n, BigInt(await attacker.getAddress()), 1n];
    const snapshot = await state(s);
    await expect(claimBounty(s.hub, attacker, id, { proofBytes: "0x" + "00".repeat(256), publicSignals: forged }))
      .to.be.revertedWithCustomError(s.bounty, "AccuracyBountyWrongVerifier")
      .withArgs(id, await s.verifier.getAddress(), await fake.getAddress());
    expect(await state(s)).to.deep.equal(snapshot);
  });

  it("attack: a claim copied from the mempool cannot redirect the reward (another sender, or the subject changed)", async () => {
    const s = await fixture();
    // The copied transaction sent by the attacker: the hub takes a statement only from its subject.
    await expect(claimBounty(s.hub, attacker, s.goodId, proofs.good)).to.be.revertedWithCustomError(s.hub, "InferenceHubUnauthorizedSubmitter");
    // The subject rewritten to the attacker: the proof no longer verifies.
    const redirected = [...proofs.good.publicSignals];
    redirected[4] = BigInt(await attacker.getAddress());
    await expect(claimBounty(s.hub, attacker, s.goodId, { ...proofs.good, publicSignals: redirected })).to.be.revertedWithCustomError(
      s.hub,
      "InferenceHubInvalidProof",
    );
    // The attacker's own registration of the copied commitment: the proof still pays only its subject.
    const copyId = await registerBountyModel(s.hub, attacker, await s.verifier.getAddress(), proofs.good.modelCommitment, await s.bounty.getAddress());
    await expect(claimBounty(s.hub, attacker, copyId, proofs.good)).to.be.revertedWithCustomError(s.hub, "InferenceHubUnauthorizedSubmitter");
    expect(await balance(s.token, attacker)).to.equal(0n);
    // The modeller's own claim still goes through afterwards.
    await claimBounty(s.hub, modeller, s.goodId, proofs.good);
    expect(await balance(s.token, modeller)).to.equal(REWARD);
  });

  it("only the hub reports inferences (AccuracyBountyUnauthorizedCaller)", async () => {
    const s = await fixture();
    await expect(
      (s.bounty.connect(attacker) as Contract).getFunction("onInferenceVerified")(s.goodId, await attacker.getAddress(), 1n, [
        16n,
        proofs.good.publicSignals[1]!,
      ]),
    )
      .to.be.revertedWithCustomError(s.bounty, "AccuracyBountyUnauthorizedCaller")
      .withArgs(await attacker.getAddress());
  });

  it("keeps the weights off chain: no weight, packed weight word or salt in the claim's calldata or logs", async () => {
    const s = await fixture();
    const receipt = await claimBounty(s.hub, modeller, s.goodId, proofs.good);
    const tx = await ethers.provider.getTransaction(receipt.hash);
    const words = (hex: string) => new Set((hex.replace(/^0x/, "").match(/.{64}/g) ?? []).map((w) => BigInt(`0x${w}`)));
    // Calldata after the selector, every log's data and topics, as 32-byte words.
    const onChain = new Set([
      ...words(tx!.data.slice(10)),
      ...receipt.logs.flatMap((l: { data: string; topics: string[] }) => [...words(l.data), ...l.topics.map((t) => BigInt(t))]),
    ]);
    // The statement's own words (counts, offsets, lengths, the public signals) are small numbers too, so
    // weights in [0, 64) cannot be told apart from them; every other one (a negative weight is p - |w|,
    // a distinctive word) must be absent, as must the packed words the commitment hashes and the salt.
    const secret = [
      ...privateWeights(good)
        .filter((w) => w < 0n || w >= 64n)
        .map(toField),
      ...commitmentLayout(good, circuitDigest(good))
        .filter((e) => e.pack || e.salt)
        .map((e) => e.value),
    ];
    expect(secret.length).to.be.greaterThan(15);
    for (const value of secret) expect(onChain.has(value), `secret word ${value} on chain`).to.equal(false);
    // The stored state holds the commitment, not the weights: the bounty's claim record.
    const claim = await s.bounty.getFunction("claim")();
    expect(claim.modelCommitment).to.equal(proofs.good.modelCommitment);
  });
});
