/**
 * AnomalyGuard on the mock verifier (the real proofs are in test/e2e/anomalyGuard.test.ts): the
 * threshold's boundary with signed scores, freshness at its boundary, the delay's rules, and that a
 * refused score burns no nonce. Deployed as production deploys it (deploy/AnomalyGuard.ts).
 */
import { expect } from "chai";
import { network } from "hardhat";
import { deployAnomalyStack } from "../../helpers/anomalyStack.js";
import { FIELD_MODULUS, MODEL_COMMITMENT, connectAs, dummyProof, statement } from "../helpers.js";
import { MAX_AGE, PRICES, poseidonHash, windowAt } from "../signalsFixture.js";

const { ethers, ignition, networkHelpers } = await network.create();
const THRESHOLD = -500n;
const DELAY = 86_400n;

async function fixture() {
  const [owner, watcher, stranger] = await ethers.getSigners();
  const d = await deployAnomalyStack({
    ignition,
    verifierContract: "MockInferenceVerifier",
    modelCommitment: MODEL_COMMITMENT,
    signalVerifierContract: "MockInferenceVerifier",
    signalModelCommitment: MODEL_COMMITMENT,
    threshold: THRESHOLD,
    maxAge: MAX_AGE,
    unpauseDelay: DELAY,
  });
  for (const [i, price] of PRICES.entries()) await (await d.priceSource.recordPrice(BigInt(i + 1), price)).wait();
  return { ...d, owner: owner!, watcher: watcher!, stranger: stranger! };
}

/** An anomaly statement for `epoch` on its recorded window; `score` is signed (encoded r - |q| when negative). */
async function scoreFor(epoch: number, score: bigint, subject: string, nonce = BigInt(epoch)) {
  return statement({ outputs: [score, BigInt(epoch), await poseidonHash(windowAt(epoch))], subject, nonce });
}

describe("AnomalyGuard", function () {
  it("pauses at the threshold exactly, not one below it (negative scores decoded as negative)", async function () {
    const { hub, guard, vault, modelId, watcher } = await networkHelpers.loadFixture(fixture);
    const submit = async (epoch: number, score: bigint) =>
      connectAs(hub, watcher).verifyAndAct(modelId, dummyProof(), await scoreFor(epoch, score, watcher.address));
    await expect(submit(6, THRESHOLD - 1n))
      .to.emit(guard, "AnomalyScored")
      .withArgs(6, THRESHOLD - 1n, false, watcher.address, 6n);
    expect(await vault.paused()).to.equal(false);
    await expect(submit(7, THRESHOLD)).to.emit(guard, "GuardTripped");
    expect(await vault.paused()).to.equal(true);
  });

  it("reads r - 1 as the score -1: below a threshold of 0, never a huge positive score", async function () {
    const { hub, guard, vault, modelId, owner, watcher } = await networkHelpers.loadFixture(fixture);
    await connectAs(guard, owner).setThreshold(0n);
    const signals = await scoreFor(6, -1n, watcher.address);
    expect(signals[0]).to.equal(FIELD_MODULUS - 1n);
    await expect(connectAs(hub, watcher).verifyAndAct(modelId, dummyProof(), signals))
      .to.emit(guard, "AnomalyScored")
      .withArgs(6, -1n, false, watcher.address, 6n);
    expect(await vault.paused()).to.equal(false);
  });

  it("accepts a window exactly maxAge old and refuses one a second older with AnomalyGuardStaleWindow, burning no nonce", async function () {
    const { hub, guard, priceSource, modelId, watcher } = await networkHelpers.loadFixture(fixture);
    const recordedAt: bigint = await priceSource.recordedAt(10);
    await networkHelpers.time.setNextBlockTimestamp(recordedAt + MAX_AGE + 1n);
    await expect(connectAs(hub, watcher).verifyAndAct(modelId, dummyProof(), await scoreFor(10, 0n, watcher.address)))
      .to.be.revertedWithCustomError(guard, "AnomalyGuardStaleWindow")
      .withArgs(10, MAX_AGE + 1n, MAX_AGE);
    expect(await hub.isNonceUsed(modelId, watcher.address, 10n)).to.equal(false);
    expect(await guard.scored(10)).to.equal(false);
  });

  it("accepts a window exactly maxAge old", async function () {
    const { hub, guard, priceSource, modelId, watcher } = await networkHelpers.loadFixture(fixture);
    const recordedAt: bigint = await priceSource.recordedAt(10);
    await networkHelpers.time.setNextBlockTimestamp(recordedAt + MAX_AGE);
    await expect(connectAs(hub, watcher).verifyAndAct(modelId, dummyProof(), await scoreFor(10, 0n, watcher.address))).to.emit(guard, "AnomalyScored");
  });

  it("refuses another window's hash and an epoch without a window", async function () {
    const { hub, guard, priceSource, modelId, watcher } = await networkHelpers.loadFixture(fixture);
    const other = statement({ outputs: [0n, 9n, await poseidonHash(windowAt(8))], subject: watcher.address, nonce: 9n });
    await expect(connectAs(hub, watcher).verifyAndAct(modelId, dummyProof(), other))
      .to.be.revertedWithCustomError(guard, "AnomalyGuardWindowMismatch")
      .withArgs(9, await priceSource.windowHash(9), await poseidonHash(windowAt(8)));
    // Epoch 2^64 + 6 must not be read as epoch 6 (a truncated cast would).
    const wrapped = statement({ outputs: [0n, (1n << 64n) + 6n, await poseidonHash(windowAt(6))], subject: watcher.address, nonce: 1n });
    await expect(connectAs(hub, watcher).verifyAndAct(modelId, dummyProof(), wrapped)).to.be.revertedWithCustomError(priceSource, "PriceSourceUnknownEpoch");
    expect(await guard.scored(6)).to.equal(false);
  });

  it("a flagged score while paused records the score and does not restart the delay", async function () {
    const { hub, guard, vault, modelId, watcher } = await networkHelpers.loadFixture(fixture);
    await connectAs(hub, watcher).verifyAndAct(modelId, dummyProof(), await scoreFor(6, 0n, watcher.address));
    const pausedAt: bigint = await guard.pausedAt();
    await networkHelpers.time.increase(600);
    await expect(connectAs(hub, watcher).verifyAndAct(modelId, dummyProof(), await scoreFor(10, 100n, watcher.address)))
      .to.emit(guard, "AnomalyScored")
      .withArgs(10, 100n, true, watcher.address, 10n)
      .and.not.to.emit(guard, "GuardTripped");
    expect(await guard.pausedAt()).to.equal(pausedAt);
    expect(await vault.paused()).to.equal(true);
  });

  it("the owner unpauses at pausedAt + delay exactly, not a second before; setters are the owner's", async function () {
    const { hub, guard, vault, modelId, owner, watcher, stranger } = await networkHelpers.loadFixture(fixture);
    await connectAs(hub, watcher).verifyAndAct(modelId, dummyProof(), await scoreFor(6, 0n, watcher.address));
    const pausedAt: bigint = await guard.pausedAt();
    await networkHelpers.time.setNextBlockTimestamp(pausedAt + DELAY - 1n);
    await expect(connectAs(guard, owner).unpause())
      .to.be.revertedWithCustomError(guard, "AnomalyGuardUnpauseTooEarly")
      .withArgs(pausedAt + DELAY, pausedAt + DELAY - 1n);
    await networkHelpers.time.setNextBlockTimestamp(pausedAt + DELAY);
    await expect(connectAs(guard, owner).unpause())
      .to.emit(vault, "Unpaused")
      .withArgs(await guard.getAddress());
    await expect(connectAs(guard, stranger).setMaxAge(1n)).to.be.revertedWithCustomError(guard, "OwnableUnauthorizedAccount").withArgs(stranger.address);
    await expect(connectAs(guard, owner).setMaxAge(1n)).to.emit(guard, "MaxAgeUpdated").withArgs(MAX_AGE, 1n);
    expect(await guard.maxAge()).to.equal(1n);
  });

  it("the vault's owner can replace the guard (its own power, like withdraw), nobody else", async function () {
    const { vault, owner, stranger } = await networkHelpers.loadFixture(fixture);
    await expect(connectAs(vault, stranger).setGuard(stranger.address)).to.be.revertedWithCustomError(vault, "OwnableUnauthorizedAccount");
    await expect(connectAs(vault, owner).setGuard(stranger.address)).to.emit(vault, "GuardUpdated");
    expect(await vault.guard()).to.equal(stranger.address);
  });

  it("refuses a model with another number of outputs than 3 (a guard wired to the wrong model)", async function () {
    const { priceSource, vault, owner } = await networkHelpers.loadFixture(fixture);
    // A guard whose "hub" is an account, so the hook can be called with any outputs.
    const guard = await ethers.deployContract("AnomalyGuard", [owner.address, 1n, priceSource, vault, owner.address, 0n, MAX_AGE, DELAY]);
    const hash = await poseidonHash(windowAt(6));
    await expect(connectAs(guard, owner).onInferenceVerified(1n, owner.address, 6n, [0n, 6n, hash, 0n]))
      .to.be.revertedWithCustomError(guard, "AnomalyGuardInvalidOutputCount")
      .withArgs(4);
    // Calm (-1), since this guard is not the vault's guard and a flagged score's pause would revert.
    await expect(connectAs(guard, owner).onInferenceVerified(1n, owner.address, 6n, [FIELD_MODULUS - 1n, 6n, hash])).to.emit(guard, "AnomalyScored");
  });

  it("reverts the whole verification when the guard may not pause its target (not the vault's guard)", async function () {
    const { priceSource, vault, owner } = await networkHelpers.loadFixture(fixture);
    const guard = await ethers.deployContract("AnomalyGuard", [owner.address, 1n, priceSource, vault, owner.address, 0n, MAX_AGE, DELAY]);
    await expect(connectAs(guard, owner).onInferenceVerified(1n, owner.address, 6n, [0n, 6n, await poseidonHash(windowAt(6))]))
      .to.be.revertedWithCustomError(vault, "SignalVaultUnauthorizedGuard")
      .withArgs(await guard.getAddress());
    expect(await guard.scored(6)).to.equal(false);
  });
});
