import type { EventLog } from "ethers";
import { expect } from "chai";
import { network } from "hardhat";
import { FIELD_MODULUS, dummyProof, upgradeModel, connectAs } from "../helpers.js";
import { MAX_AGE, SIZE_ONE, deploySignals, poseidonHash, signalStatement, windowAt } from "../signalsFixture.js";

const { ethers, ignition, networkHelpers } = await network.create();

const fixture = () => deploySignals(ethers, ignition);
/** The bot, the subject of the signals below, submits them itself (only the subject may, on this model). */
const [, botSigner] = await ethers.getSigners();

/** A signal for `epoch` on its recorded window, by `bot`. */
async function signalFor(epoch: number, subject: string, direction = 1n, size = SIZE_ONE / 2n, nonce = BigInt(epoch)) {
  return signalStatement({ direction, size, epoch: BigInt(epoch), windowHash: await poseidonHash(windowAt(epoch)), subject, nonce });
}

describe("SignalFeed", function () {
  it("publishes a verified signal as the model's latest, emitting SignalPublished", async function () {
    const { hub, feed, modelId, bot } = await networkHelpers.loadFixture(fixture);
    const signals = await signalFor(8, bot.address, -1n, 300n);

    await expect(connectAs(hub, botSigner!).verifyAndAct(modelId, dummyProof(), signals))
      .to.emit(feed, "SignalPublished")
      .withArgs(modelId, 8, -1, 300, bot.address, 8n);
    const latest = await feed.latestSignal(modelId);
    expect([latest.direction, latest.size, latest.epoch]).to.deep.equal([-1n, 300n, 8n]);
    expect(latest.publishedAt).to.equal(BigInt(await networkHelpers.time.latest()));
  });

  it("keeps history in events and the newest signal as latest", async function () {
    const { hub, feed, modelId, bot } = await networkHelpers.loadFixture(fixture);
    for (const epoch of [6, 7, 9]) await connectAs(hub, botSigner!).verifyAndAct(modelId, dummyProof(), await signalFor(epoch, bot.address));
    const events = await feed.queryFilter(feed.filters.SignalPublished(modelId));
    expect(events.map((e: unknown) => (e as EventLog).args.epoch)).to.deep.equal([6n, 7n, 9n]);
    expect((await feed.latestSignal(modelId)).epoch).to.equal(9n);
  });

  it("rejects an epoch not newer than the latest with SignalFeedEpochOutOfOrder, burning no nonce", async function () {
    const { hub, feed, modelId, bot } = await networkHelpers.loadFixture(fixture);
    await connectAs(hub, botSigner!).verifyAndAct(modelId, dummyProof(), await signalFor(9, bot.address));
    for (const epoch of [9, 7]) {
      // A fresh nonce, so that only the epoch is wrong.
      const nonce = 100n + BigInt(epoch);
      await expect(connectAs(hub, botSigner!).verifyAndAct(modelId, dummyProof(), await signalFor(epoch, bot.address, 1n, 1n, nonce)))
        .to.be.revertedWithCustomError(feed, "SignalFeedEpochOutOfOrder")
        .withArgs(modelId, epoch, 9);
      expect(await hub.isNonceUsed(modelId, bot.address, nonce)).to.equal(false);
    }
  });

  it("rejects a stale signal, one second past maxAge, with SignalFeedStaleSignal", async function () {
    const { hub, feed, priceSource, modelId, bot } = await networkHelpers.loadFixture(fixture);
    const recordedAt = await priceSource.recordedAt(10);
    const signals = await signalFor(10, bot.address);

    await networkHelpers.time.setNextBlockTimestamp(recordedAt + MAX_AGE + 1n);
    await expect(connectAs(hub, botSigner!).verifyAndAct(modelId, dummyProof(), signals))
      .to.be.revertedWithCustomError(feed, "SignalFeedStaleSignal")
      .withArgs(10, MAX_AGE + 1n, MAX_AGE);
    await expect(feed.latestSignal(modelId)).to.be.revertedWithCustomError(feed, "SignalFeedNoSignal").withArgs(modelId);
  });

  it("accepts a signal exactly maxAge old", async function () {
    const { hub, feed, priceSource, modelId, bot } = await networkHelpers.loadFixture(fixture);
    await networkHelpers.time.setNextBlockTimestamp((await priceSource.recordedAt(10)) + MAX_AGE);
    await expect(connectAs(hub, botSigner!).verifyAndAct(modelId, dummyProof(), await signalFor(10, bot.address))).to.emit(feed, "SignalPublished");
  });

  it("rejects a window hash other than the recorded one with SignalFeedWindowMismatch", async function () {
    const { hub, feed, modelId, bot } = await networkHelpers.loadFixture(fixture);
    // The window of epoch 9 claimed for epoch 10: prices of the prover's choosing.
    const wrong = await poseidonHash(windowAt(9));
    const signals = signalStatement({ direction: 1n, size: 10n, epoch: 10n, windowHash: wrong, subject: bot.address });
    await expect(connectAs(hub, botSigner!).verifyAndAct(modelId, dummyProof(), signals))
      .to.be.revertedWithCustomError(feed, "SignalFeedWindowMismatch")
      .withArgs(10, await poseidonHash(windowAt(10)), wrong);
  });

  it("rejects an epoch without a recorded window with the price source's PriceSourceUnknownEpoch", async function () {
    const { hub, priceSource, modelId, bot } = await networkHelpers.loadFixture(fixture);
    for (const epoch of [5n, 11n, FIELD_MODULUS - 1n]) {
      const signals = signalStatement({ direction: 0n, size: 0n, epoch, windowHash: 1n, subject: bot.address, nonce: 1n });
      await expect(connectAs(hub, botSigner!).verifyAndAct(modelId, dummyProof(), signals)).to.be.revertedWithCustomError(
        priceSource,
        "PriceSourceUnknownEpoch",
      );
    }
  });

  it("rejects a direction outside -1..1 or a size outside 0..SIZE_ONE with SignalFeedInvalidSignal", async function () {
    const { hub, feed, modelId, bot } = await networkHelpers.loadFixture(fixture);
    const windowHash = await poseidonHash(windowAt(10));
    for (const [direction, size] of [
      [2n, 1n],
      [-2n, 1n],
      [1n, SIZE_ONE + 1n],
      [1n, -1n],
    ] as const) {
      const signals = signalStatement({ direction, size, epoch: 10n, windowHash, subject: bot.address });
      await expect(connectAs(hub, botSigner!).verifyAndAct(modelId, dummyProof(), signals))
        .to.be.revertedWithCustomError(feed, "SignalFeedInvalidSignal")
        .withArgs(direction, size);
    }
  });

  it("rejects a model with other than 4 outputs with SignalFeedInvalidOutputCount", async function () {
    const { hub, feed, verifier, bot } = await networkHelpers.loadFixture(fixture);
    await hub.registerModel(verifier, 5n, 3, "three outputs");
    const other = await hub.modelCount();
    await hub.setConsumer(other, feed);
    const signals = signalStatement({ direction: 1n, size: 1n, epoch: 10n, windowHash: 1n, subject: bot.address }).slice(1);
    signals[3] = 5n; // the commitment of the 3-output model sits one place earlier
    await expect(connectAs(hub, botSigner!).verifyAndAct(other, dummyProof(), signals))
      .to.be.revertedWithCustomError(feed, "SignalFeedInvalidOutputCount")
      .withArgs(3);
  });

  it("keeps signals per model: another model pointed at the feed does not move this one's", async function () {
    const { hub, feed, verifier, modelId, stranger, bot } = await networkHelpers.loadFixture(fixture);
    await connectAs(hub, stranger).registerModel(verifier, 5n, 4, "a stranger's model");
    const other = await hub.modelCount();
    await connectAs(hub, stranger).setConsumer(other, feed);
    await connectAs(hub, botSigner!).verifyAndAct(modelId, dummyProof(), await signalFor(8, bot.address, 1n, 100n));

    const hash = await poseidonHash(windowAt(10));
    const signals = signalStatement({ direction: -1n, size: SIZE_ONE, epoch: 10n, windowHash: hash, subject: stranger.address });
    signals[4] = 5n;
    await connectAs(hub, stranger).verifyAndAct(other, dummyProof(), signals);
    expect((await feed.latestSignal(modelId)).epoch).to.equal(8n);
    expect((await feed.latestSignal(other)).direction).to.equal(-1n);
  });

  it("rejects any caller but the hub with SignalFeedUnauthorizedCaller", async function () {
    const { feed, modelId, stranger } = await networkHelpers.loadFixture(fixture);
    await expect(connectAs(feed, stranger).onInferenceVerified(modelId, stranger.address, 1n, [1n, 1n, 10n, 1n]))
      .to.be.revertedWithCustomError(feed, "SignalFeedUnauthorizedCaller")
      .withArgs(stranger.address);
  });

  it("rejects a proof made with the old commitment once the model is upgraded", async function () {
    const { hub, modelId, verifier, bot } = await networkHelpers.loadFixture(fixture);
    const oldSignals = await signalFor(9, bot.address);
    const newCommitment = 42n;
    await upgradeModel(hub, networkHelpers.time, modelId, verifier, newCommitment);
    await expect(connectAs(hub, botSigner!).verifyAndAct(modelId, dummyProof(), oldSignals))
      .to.be.revertedWithCustomError(hub, "InferenceHubCommitmentMismatch")
      .withArgs(modelId, newCommitment, oldSignals[4]);
  });

  it("rejects signals of a retired model with InferenceHubModelNotActive", async function () {
    const { hub, modelId, bot } = await networkHelpers.loadFixture(fixture);
    await hub.retireModel(modelId);
    await expect(connectAs(hub, botSigner!).verifyAndAct(modelId, dummyProof(), await signalFor(9, bot.address)))
      .to.be.revertedWithCustomError(hub, "InferenceHubModelNotActive")
      .withArgs(modelId, 3);
  });

  it("lets the owner change maxAge, emitting MaxAgeUpdated, and no one else", async function () {
    const { feed, stranger } = await networkHelpers.loadFixture(fixture);
    await expect(feed.setMaxAge(60n)).to.emit(feed, "MaxAgeUpdated").withArgs(MAX_AGE, 60n);
    expect(await feed.maxAge()).to.equal(60n);
    await expect(connectAs(feed, stranger).setMaxAge(1n)).to.be.revertedWithCustomError(feed, "OwnableUnauthorizedAccount").withArgs(stranger.address);
  });
});
