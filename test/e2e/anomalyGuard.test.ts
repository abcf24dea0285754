/**
 * The anomaly guard with real Groth16 proofs of the bundled anomaly-guard model on Hardhat's EVM:
 * PriceSource -> proof -> InferenceHub -> AnomalyGuard -> SignalVault (Pausable). Issue 17: a calm
 * window does not pause, a flagged one pauses at once; stale data and another window's hash are
 * refused; only the guard's owner unpauses, only after the delay; and the attacks: a caller other
 * than the hub, a model registered by someone else pointing at the guard, a proof under another
 * model id, and replays.
 */
import { expect } from "chai";
import type { Contract } from "ethers";
import { network } from "hardhat";
import { bundledSpecPath } from "../../prover/artifacts/paths.js";
import { buildModel } from "../../prover/build/buildModel.js";
import { expectRevertName } from "../../prover/chain/revert.js";
import { loadSp500, toCents } from "../../prover/data/sp500.js";
import { runQuantized } from "../../prover/model/interpret.js";
import { ModelProver } from "../../prover/prove/prover.js";
import { connectProvider } from "../../prover/chain/connect.js";
import type { Address } from "viem";
import { decodeAnomaly, proveAnomaly } from "../../scripts/dev/anomalyStack.js";
import { anomalyMarketOf, deployAnomalyStack } from "../helpers/anomalyStack.js";
import { seedSignalMarket } from "../../scripts/dev/signalStack.js";

const { ethers, ignition, networkHelpers, provider } = await network.create();
const SPEC = bundledSpecPath("anomaly-guard");
const SIGNAL_SPEC = bundledSpecPath("momentum-signal");
const MAX_AGE = 3600n;
const UNPAUSE_DELAY = 86_400n;
/** S&P 500 closes from 2020-02-10: calm windows first, then the March 2020 sell-off. */
const PRICES = (() => {
  const days = loadSp500();
  const at = days.findIndex((d) => d.date === "2020-02-10");
  return days.slice(at, at + 30).map((d) => toCents(d.close));
})();
const windowAt = (epoch: bigint) => PRICES.slice(Number(epoch) - 6, Number(epoch));

describe("end to end: the anomaly guard pauses the vault on a verified anomaly (real proofs)", function () {
  this.timeout(900_000);
  let prover: ModelProver;
  let d: Awaited<ReturnType<typeof deployAnomalyStack>>;
  let owner: Awaited<ReturnType<typeof ethers.getSigners>>[number];
  let watcher: Awaited<ReturnType<typeof ethers.getSigners>>[number];
  let stranger: Awaited<ReturnType<typeof ethers.getSigners>>[number];
  /** The reference interpreter's score per epoch (independent of the circuit and the chain). */
  let scoreOf: (epoch: bigint) => bigint;
  let calmEpoch: bigint;
  let flaggedEpoch: bigint;
  let recorded = 0n;
  const record = async (upTo: bigint) => {
    for (let e = recorded + 1n; e <= upTo; e++) await (await d.priceSource.recordPrice(e, PRICES[Number(e) - 1]!)).wait();
    recorded = upTo;
  };
  const submit = (p: Awaited<ReturnType<typeof proveAnomaly>>, from = watcher, modelId = d.modelId) =>
    (d.hub.connect(from) as Contract).verifyAndAct(modelId, p.proofBytes, [...p.publicSignals]);
  const rejection = async (p: Awaited<ReturnType<typeof proveAnomaly>>, from = watcher, modelId = d.modelId) => {
    try {
      await (await submit(p, from, modelId)).wait();
    } catch (error) {
      return expectRevertName(error);
    }
    throw new Error("expected verifyAndAct to revert");
  };

  before(async () => {
    await buildModel({ specPath: SPEC });
    await buildModel({ specPath: SIGNAL_SPEC });
    prover = await ModelProver.load(SPEC);
    const signalProver = await ModelProver.load(SIGNAL_SPEC);
    [owner, watcher, stranger] = (await ethers.getSigners()) as [typeof owner, typeof watcher, typeof stranger];
    const ir = prover.ir;
    scoreOf = (epoch) => runQuantized(ir, [...windowAt(epoch), epoch]).outputs[0]!;
    const epochs = Array.from({ length: PRICES.length - 5 }, (_, i) => BigInt(i + 6));
    // The last calm epoch before the first flagged one: the guard sees calm, then the sell-off.
    const firstFlagged = epochs.find((e) => scoreOf(e) >= 0n);
    if (firstFlagged === undefined) throw new Error("the model flags no day of the March 2020 sell-off: the fixture's premise is gone");
    flaggedEpoch = firstFlagged;
    calmEpoch = flaggedEpoch - 1n;
    expect(scoreOf(calmEpoch) < 0n, "the day before is calm").to.equal(true);
    d = await deployAnomalyStack({
      ignition,
      verifierContract: "AnomalyGuardVerifier",
      modelCommitment: prover.modelCommitment,
      signalVerifierContract: "MomentumSignalVerifier",
      signalModelCommitment: signalProver.modelCommitment,
      maxAge: MAX_AGE,
      unpauseDelay: UNPAUSE_DELAY,
    });
    await seedSignalMarket((await connectProvider(provider)).as(owner.address as Address), await anomalyMarketOf(d), PRICES[0]!);
  });

  it("is wired as deployed: the guard is the anomaly model's consumer and the vault's guard", async () => {
    expect(await d.vault.guard()).to.equal(await d.guard.getAddress());
    expect((await d.hub.getModel(d.modelId)).consumer).to.equal(await d.guard.getAddress());
    expect(await d.vault.paused()).to.equal(false);
  });

  it("refuses a window whose proven hash is another window's (prices the recorder did not record)", async () => {
    await record(calmEpoch);
    // A valid proof of the model on the previous epoch's prices, claimed for this epoch.
    const p = await proveAnomaly(prover, windowAt(calmEpoch - 1n), calmEpoch, watcher.address);
    expect(await rejection(p)).to.equal("AnomalyGuardWindowMismatch");
    expect(await d.guard.scored(calmEpoch)).to.equal(false);
  });

  it("scores a calm window without pausing", async () => {
    const p = await proveAnomaly(prover, windowAt(calmEpoch), calmEpoch, watcher.address);
    const s = decodeAnomaly(p);
    expect(s.score).to.equal(scoreOf(calmEpoch));
    expect(s.windowHash).to.equal(await d.priceSource.windowHash(calmEpoch));
    await expect(submit(p)).to.emit(d.guard, "AnomalyScored").withArgs(calmEpoch, s.score, false, watcher.address, calmEpoch);
    expect(await d.vault.paused()).to.equal(false);
    expect(await d.guard.pausedAt()).to.equal(0n);
    expect(await d.guard.scored(calmEpoch)).to.equal(true);
  });

  it("refuses a stale window: recorded longer ago than maxAge", async () => {
    await record(flaggedEpoch);
    await networkHelpers.time.increase(MAX_AGE + 1n);
    const p = await proveAnomaly(prover, windowAt(flaggedEpoch), flaggedEpoch, watcher.address);
    expect(await rejection(p)).to.equal("AnomalyGuardStaleWindow");
    expect(await d.vault.paused()).to.equal(false);
  });

  it("pauses the vault at once on a flagged window; the vault's trading path then reverts", async () => {
    const epoch = flaggedEpoch + 1n;
    await record(epoch);
    expect(scoreOf(epoch) >= 0n, "the next sell-off day is flagged too").to.equal(true);
    const p = await proveAnomaly(prover, windowAt(epoch), epoch, watcher.address);
    const s = decodeAnomaly(p);
    expect(s.score).to.equal(scoreOf(epoch));
    const tx = submit(p);
    await expect(tx).to.emit(d.guard, "AnomalyScored").withArgs(epoch, s.score, true, watcher.address, epoch);
    const at = BigInt((await ethers.provider.getBlock("latest"))!.timestamp);
    await expect(tx)
      .to.emit(d.guard, "GuardTripped")
      .withArgs(epoch, s.score, at + UNPAUSE_DELAY);
    await expect(tx)
      .to.emit(d.vault, "Paused")
      .withArgs(await d.guard.getAddress());
    expect(await d.vault.paused()).to.equal(true);
    expect(await d.guard.pausedAt()).to.equal(at);
    // The keeper (account 0) calls rebalance: the pause check comes before anything else.
    const deadline = at + 300n;
    await expect((d.vault.connect(owner) as Contract).rebalance(0n, deadline)).to.be.revertedWithCustomError(d.vault, "EnforcedPause");
  });

  it("refuses replays: the same proof (hub nonce) and the same epoch proved by someone else (already scored)", async () => {
    const epoch = flaggedEpoch + 1n;
    const p = await proveAnomaly(prover, windowAt(epoch), epoch, watcher.address);
    expect(await rejection(p)).to.equal("InferenceHubNonceUsed");
    const other = await proveAnomaly(prover, windowAt(epoch), epoch, stranger.address);
    expect(await rejection(other, stranger)).to.equal("AnomalyGuardAlreadyScored");
  });

  it("refuses a caller other than the hub, a model registered by someone else, and a proof under another model id", async () => {
    const epoch = flaggedEpoch + 2n;
    await record(epoch);
    const p = await proveAnomaly(prover, windowAt(epoch), epoch, stranger.address);
    const outputs = [...p.publicSignals.slice(0, 3)];
    await expect((d.guard.connect(stranger) as Contract).onInferenceVerified(d.modelId, stranger.address, epoch, outputs))
      .to.be.revertedWithCustomError(d.guard, "AnomalyGuardUnauthorizedCaller")
      .withArgs(stranger.address);
    // The same verifier and commitment registered again by a stranger, pointing at the guard.
    const hub = d.hub.connect(stranger) as Contract;
    await (await hub.registerModel(d.anomalyVerifier, prover.modelCommitment, 3, "")).wait();
    const rogueId: bigint = await d.hub.modelCount();
    await (await hub.setConsumer(rogueId, d.guard)).wait();
    expect(await rejection(p, stranger, rogueId)).to.equal("AnomalyGuardUnknownModel");
    // The proof under the signal model's id: another commitment and signal count.
    expect(await rejection(p, stranger, await d.vault.modelId())).to.equal("InferenceHubInvalidSignalCount");
    expect(await d.guard.scored(epoch)).to.equal(false);
  });

  it("only the guard unpauses the vault, only through its owner, only after the delay", async () => {
    await expect((d.vault.connect(owner) as Contract).unpause())
      .to.be.revertedWithCustomError(d.vault, "SignalVaultUnauthorizedGuard")
      .withArgs(owner.address);
    await expect((d.vault.connect(stranger) as Contract).pause())
      .to.be.revertedWithCustomError(d.vault, "SignalVaultUnauthorizedGuard")
      .withArgs(stranger.address);
    await expect((d.guard.connect(stranger) as Contract).unpause())
      .to.be.revertedWithCustomError(d.guard, "OwnableUnauthorizedAccount")
      .withArgs(stranger.address);
    const pausedAt: bigint = await d.guard.pausedAt();
    await expect((d.guard.connect(owner) as Contract).unpause())
      .to.be.revertedWithCustomError(d.guard, "AnomalyGuardUnpauseTooEarly")
      .withArgs(pausedAt + UNPAUSE_DELAY, (t: bigint) => t < pausedAt + UNPAUSE_DELAY);
    expect(await d.vault.paused()).to.equal(true);
    await networkHelpers.time.increaseTo(pausedAt + UNPAUSE_DELAY);
    await expect((d.guard.connect(owner) as Contract).unpause())
      .to.emit(d.guard, "GuardReleased")
      .withArgs(owner.address, pausedAt)
      .and.to.emit(d.vault, "Unpaused");
    expect(await d.vault.paused()).to.equal(false);
    expect(await d.guard.pausedAt()).to.equal(0n);
    await expect((d.guard.connect(owner) as Contract).unpause()).to.be.revertedWithCustomError(d.guard, "AnomalyGuardNotTripped");
  });

  it("lets only the owner set the threshold; a threshold above the score keeps a flagged-at-0 window calm", async () => {
    await expect((d.guard.connect(stranger) as Contract).setThreshold(0n)).to.be.revertedWithCustomError(d.guard, "OwnableUnauthorizedAccount");
    const epoch = flaggedEpoch + 3n;
    await record(epoch);
    const p = await proveAnomaly(prover, windowAt(epoch), epoch, watcher.address);
    const { score } = decodeAnomaly(p);
    expect(score >= 0n).to.equal(scoreOf(epoch) >= 0n);
    // At the threshold's boundary: score + 1 does not pause, the score itself would.
    await expect((d.guard.connect(owner) as Contract).setThreshold(score + 1n))
      .to.emit(d.guard, "ThresholdUpdated")
      .withArgs(0n, score + 1n);
    await expect(submit(p)).to.emit(d.guard, "AnomalyScored").withArgs(epoch, score, false, watcher.address, epoch);
    expect(await d.vault.paused()).to.equal(false);
    await (await (d.guard.connect(owner) as Contract).setThreshold(score)).wait();
    const next = epoch + 1n;
    await record(next);
    const q = await proveAnomaly(prover, windowAt(next), next, watcher.address);
    const flagged = decodeAnomaly(q).score >= score;
    await (await submit(q)).wait();
    expect(await d.vault.paused()).to.equal(flagged);
  });
});
