/**
 * AccuracyBounty's own rules that need no proof (the unit tier): the terms checked at creation, who
 * funds and when, a claim on an unfunded bounty. Deployed as production deploys it
 * (deploy/AccuracyBounty.ts); the pinned verifier is the test-only MockInferenceVerifier because these
 * paths never reach a proof. Every rule that does is performed with real proofs in
 * test/e2e/accuracyBounty.test.ts.
 */
import { expect } from "chai";
import type { Contract } from "ethers";
import { network } from "hardhat";
import { accuracyBountyModule } from "../../../deploy/AccuracyBounty.js";
import InferenceHubModule from "../../../deploy/InferenceHub.js";
import { connectAs, dummyProof } from "../helpers.js";

const { ethers, ignition, networkHelpers } = await network.create();
const module = accuracyBountyModule("unit");
const REWARD = 500n;
const HASH = 12345n;

async function deployFixture() {
  const [sponsor, modeller, stranger] = await ethers.getSigners();
  const { hub } = await ignition.deploy(InferenceHubModule);
  const verifier = await ethers.deployContract("MockInferenceVerifier");
  const token = await ethers.deployContract("DemoToken", ["Bounty Dollar", "bUSD", sponsor!.address]);
  const now = BigInt((await ethers.provider.getBlock("latest"))!.timestamp);
  const terms = {
    verifier: await verifier.getAddress(),
    testSetHash: HASH,
    testSamples: 16,
    minCorrect: 10,
    deadline: now + 3600n,
    token: await token.getAddress(),
    reward: REWARD,
    sponsor: sponsor!.address,
  };
  const { bounty } = await ignition.deploy(module, { parameters: { [module.id]: { hub: await hub.getAddress(), ...terms } } });
  await (await token.getFunction("mint")(sponsor!.address, REWARD)).wait();
  await (await token.getFunction("approve")(await bounty.getAddress(), REWARD)).wait();
  return { hub: hub as Contract, verifier, token, bounty: bounty as Contract, terms, sponsor: sponsor!, modeller: modeller!, stranger: stranger! };
}

describe("AccuracyBounty (no proofs: creation and funding)", function () {
  it("refuses invalid terms at creation, naming the field", async () => {
    const { hub, terms } = await networkHelpers.loadFixture(deployFixture);
    const hubAddress = await hub.getAddress();
    const bad: [string, Partial<typeof terms>][] = [
      ["verifier", { verifier: ethers.ZeroAddress }],
      ["testSamples", { testSamples: 0, minCorrect: 0 }],
      ["minCorrect", { minCorrect: 0 }],
      ["minCorrect", { minCorrect: 17 }],
      ["deadline", { deadline: 1n }],
      ["token", { token: ethers.ZeroAddress }],
      ["reward", { reward: 0n }],
      ["sponsor", { sponsor: ethers.ZeroAddress }],
    ];
    const factory = await ethers.getContractFactory("AccuracyBounty");
    for (const [field, change] of bad) {
      await expect(factory.deploy(hubAddress, { ...terms, ...change }), field)
        .to.be.revertedWithCustomError(factory, "AccuracyBountyInvalidTerms")
        .withArgs(field);
    }
    await expect(factory.deploy(ethers.ZeroAddress, terms)).to.be.revertedWithCustomError(factory, "AccuracyBountyInvalidTerms").withArgs("hub");
  });

  it("stores the terms as given; starts unfunded", async () => {
    const { bounty, hub, terms } = await networkHelpers.loadFixture(deployFixture);
    expect((await bounty.getFunction("terms")()).toArray().map(String)).to.deep.equal(Object.values(terms).map(String));
    expect(await bounty.getFunction("hub")()).to.equal(await hub.getAddress());
    expect(await bounty.getFunction("status")()).to.equal(0n);
  });

  it("is funded by the sponsor only, once, and not after the deadline", async () => {
    const { bounty, token, sponsor, stranger } = await networkHelpers.loadFixture(deployFixture);
    await expect(connectAs(bounty, stranger).fund()).to.be.revertedWithCustomError(bounty, "AccuracyBountyUnauthorizedSponsor").withArgs(stranger.address);
    await expect(bounty.getFunction("fund")())
      .to.emit(bounty, "BountyFunded")
      .withArgs(sponsor.address, await token.getAddress(), REWARD);
    expect(await token.getFunction("balanceOf")(await bounty.getAddress())).to.equal(REWARD);
    expect(await bounty.getFunction("status")()).to.equal(1n);
    await expect(bounty.getFunction("fund")()).to.be.revertedWithCustomError(bounty, "AccuracyBountyNotOpen").withArgs(1n);

    const late = await deployFixture();
    await networkHelpers.time.increaseTo(late.terms.deadline + 1n);
    await expect(late.bounty.getFunction("fund")()).to.be.revertedWithCustomError(late.bounty, "AccuracyBountyAfterDeadline");
  });

  it("refuses a claim on an unfunded bounty and a refund of one (AccuracyBountyNotOpen)", async () => {
    const { hub, bounty, verifier, modeller, terms } = await networkHelpers.loadFixture(deployFixture);
    await (await connectAs(hub, modeller).registerModel(await verifier.getAddress(), 7n, 2, "")).wait();
    const modelId: bigint = await hub.getFunction("modelCount")();
    await (await connectAs(hub, modeller).setConsumer(modelId, await bounty.getAddress())).wait();
    const signals = [16n, HASH, 7n, 0n, BigInt(modeller.address), 1n];
    await expect(connectAs(hub, modeller).verifyAndAct(modelId, dummyProof(), signals))
      .to.be.revertedWithCustomError(bounty, "AccuracyBountyNotOpen")
      .withArgs(0n);
    await networkHelpers.time.increaseTo(terms.deadline + 1n);
    await expect(bounty.getFunction("refund")()).to.be.revertedWithCustomError(bounty, "AccuracyBountyNotOpen").withArgs(0n);
  });
});
