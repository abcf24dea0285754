/**
 * The signals path with real Groth16 proofs of the bundled momentum-signal model (private committed
 * weights) on Hardhat's EVM: PriceSource -> proof -> InferenceHub -> SignalFeed -> SignalVault, and
 * each rejection issue 6 names, with its custom error: a stale signal, an out-of-order epoch, a
 * window that is not the recorded one, a proof from the old commitment after an upgrade, an upgrade
 * applied before its delay, and a commitment made with other weights.
 */
import { expect } from "chai";
import type { Contract } from "ethers";
import { network } from "hardhat";
import { createPublicClient, custom, type Address } from "viem";
import { getSignalHistory } from "../../prover/sdk/signals.js";
import { verifyInferenceTransaction } from "../../prover/sdk/verifyInferenceTransaction.js";
import { signalIndex } from "../../prover/abi/publicSignals.js";
import { bundledSpecPath } from "../../prover/artifacts/paths.js";
import { buildModel } from "../../prover/build/buildModel.js";
import { expectRevertName } from "../../prover/chain/revert.js";
import { connectProvider } from "../../prover/chain/connect.js";
import { decodeSignal, proveSignal, rebalanceAsKeeper, seedSignalMarket, type SignalMarket } from "../../scripts/dev/signalStack.js";
import { deploySignalStack, signalMarketOf } from "../helpers/signalStack.js";
import { loadSp500, toCents } from "../../prover/data/sp500.js";
import { poseidonHash } from "../../prover/model/poseidon.js";
import { modelCommitment } from "../../prover/circuit/commitment.js";
import { readModelSpec } from "../../prover/model/spec.js";
import { ModelProver } from "../../prover/prove/prover.js";

const { ethers, ignition, networkHelpers, provider } = await network.create();
const SPEC = bundledSpecPath("momentum-signal");
const MAX_AGE = 3600n;
/** Closes from 2017-08-09: the model takes sides on several of the following days. */
const PRICES = (() => {
  const days = loadSp500();
  const at = days.findIndex((d) => d.date === "2017-08-09");
  return days.slice(at, at + 14).map((d) => toCents(d.close));
})();
const windowAt = (epoch: bigint) => PRICES.slice(Number(epoch) - 6, Number(epoch));

describe("end to end: verified trading signals from a private-weight model (real proofs)", function () {
  this.timeout(900_000);
  let prover: ModelProver;
  let d: Awaited<ReturnType<typeof deploySignalStack>>;
  let market: SignalMarket;
  let chain: Awaited<ReturnType<typeof connectProvider>>;
  let bot: Awaited<ReturnType<typeof ethers.getSigners>>[number];
  let recorded = 0n;
  const record = async (upTo: bigint) => {
    for (let e = recorded + 1n; e <= upTo; e++) await (await d.priceSource.recordPrice(e, PRICES[Number(e) - 1]!)).wait();
    recorded = upTo;
  };
  const submit = async (p: Awaited<ReturnType<typeof proveSignal>>) =>
    (await (d.hub.connect(bot) as Contract).verifyAndAct(d.modelId, p.proofBytes, [...p.publicSignals])).wait();
  const rejection = async (p: Awaited<ReturnType<typeof proveSignal>>) => {
    try {
      await submit(p);
    } catch (error) {
      return expectRevertName(error);
    }
    throw new Error("expected verifyAndAct to revert");
  };

  before(async () => {
    await buildModel({ specPath: SPEC });
    prover = await ModelProver.load(SPEC);
    const [owner, botSigner] = await ethers.getSigners();
    bot = botSigner!;
    d = await deploySignalStack({
      ignition,
      verifierContract: "MomentumSignalVerifier",
      modelCommitment: prover.modelCommitment,
      maxAge: MAX_AGE,
      maxSlippageBps: 500n,
    });
    await record(8n);
    market = await signalMarketOf(d);
    chain = await connectProvider(provider);
    await seedSignalMarket(chain.as(owner!.address as Address), market, PRICES[5]!);
  });

  it("proves a signal for an epoch's recorded window: the feed publishes it and the vault acts on it", async () => {
    const p = await proveSignal(prover, windowAt(6n), 6n, bot.address);
    const signal = decodeSignal(p);
    expect(signal.epoch).to.equal(6n);
    expect(signal.windowHash).to.equal(await d.priceSource.windowHash(6n));
    expect(signal.windowHash).to.equal(await poseidonHash(windowAt(6n)));
    await expect((d.hub.connect(bot) as Contract).verifyAndAct(d.modelId, p.proofBytes, [...p.publicSignals]))
      .to.emit(d.feed, "SignalPublished")
      .withArgs(d.modelId, 6n, signal.direction, signal.size, bot.address, 6n);
    const latest = await d.feed.latestSignal(d.modelId);
    expect([Number(latest.direction), Number(latest.size), latest.epoch]).to.deep.equal([signal.direction, signal.size, 6n]);
    const { events } = await rebalanceAsKeeper(chain.as(chain.accounts[0]!), market);
    expect(events.map((e) => e.eventName)).to.include("Rebalanced");
    expect(await d.vault.lastEpoch()).to.equal(6n);
  });

  it("lets a trader read the signal back and re-verify its proof off-chain against the model's verification key (SDK)", async () => {
    const client = createPublicClient({ transport: custom(provider) });
    const history = await getSignalHistory({ client, feed: (await d.feed.getAddress()) as Address, modelId: d.modelId });
    expect(history.map((h) => h.epoch)).to.deep.equal([6n]);
    const result = await verifyInferenceTransaction({
      client,
      hub: (await d.hub.getAddress()) as Address,
      txHash: history[0]!.txHash,
      verificationKey: prover.verificationKey as object,
    });
    expect(result).to.include({ valid: true, proofValid: true, commitmentMatches: true });
    expect(result.publicSignals[3]).to.equal(await d.priceSource.windowHash(6n));
  });

  it("rejects an out-of-order epoch with SignalFeedEpochOutOfOrder", async () => {
    await submit(await proveSignal(prover, windowAt(8n), 8n, bot.address));
    expect(await rejection(await proveSignal(prover, windowAt(7n), 7n, bot.address))).to.equal("SignalFeedEpochOutOfOrder");
  });

  it("rejects a window that is not the recorded one with SignalFeedWindowMismatch", async () => {
    await record(9n);
    const forged = windowAt(9n).map((c, i) => (i === 0 ? c + 1n : c)); // one cent off, honestly proved
    expect(await rejection(await proveSignal(prover, forged, 9n, bot.address))).to.equal("SignalFeedWindowMismatch");
  });

  it("rejects a stale signal (its epoch recorded more than maxAge ago) with SignalFeedStaleSignal", async () => {
    await networkHelpers.time.increase(MAX_AGE + 1n);
    expect(await rejection(await proveSignal(prover, windowAt(9n), 9n, bot.address))).to.equal("SignalFeedStaleSignal");
  });

  it("rejects a commitment made with other weights: the hub refuses it, and it cannot claim the registered one", async () => {
    await record(10n);
    const spec = readModelSpec(SPEC);
    const layer = spec.layers[1]!;
    if (layer.type !== "dense") throw new Error("momentum-signal layout changed");
    layer.weights[0]![0] = layer.weights[0]![0]! * 0.9; // one weight changed, same salt, same circuit
    const other = await ModelProver.loadWithWeights(SPEC, spec);
    expect(other.modelCommitment).to.not.equal(prover.modelCommitment);
    const p = await proveSignal(other, windowAt(10n), 10n, bot.address);
    expect(await rejection(p)).to.equal("InferenceHubCommitmentMismatch");
    const at = signalIndex("modelCommitment", 4);
    const forged = p.publicSignals.map(String);
    forged[at] = prover.modelCommitment.toString();
    expect(await prover.verify(p.proof, forged.map(BigInt))).to.equal(false);
    expect(await prover.verify(p.proof, p.publicSignals)).to.equal(true);
  });

  it("after a timelocked upgrade to v2 (new commitment, same verifier), refuses a proof from the old commitment", async () => {
    const spec = readModelSpec(SPEC);
    spec.version = "2.0.0";
    spec.visibility!.weightSalt = "1234567890123456789012345678901234567890"; // a rotated salt: a new commitment
    const v2 = await ModelProver.loadWithWeights(SPEC, spec);
    expect(v2.modelCommitment).to.equal(await modelCommitment(v2.ir));
    const owner = (await ethers.getSigners())[0]!;
    await (await (d.hub.connect(owner) as Contract).announceModelUpdate(d.modelId, d.verifier, v2.modelCommitment)).wait();
    try {
      await (d.hub.connect(owner) as Contract).applyModelUpdate.staticCall(d.modelId);
      throw new Error("expected applyModelUpdate to revert before the delay");
    } catch (error) {
      expect(expectRevertName(error)).to.equal("ModelRegistryUpdateNotReady");
    }
    await networkHelpers.time.increase((await d.hub.updateDelay()) + 1n);
    await (await (d.hub.connect(owner) as Contract).applyModelUpdate(d.modelId)).wait();
    await record(12n);
    expect(await rejection(await proveSignal(prover, windowAt(11n), 11n, bot.address))).to.equal("InferenceHubCommitmentMismatch");
    const p = await proveSignal(v2, windowAt(12n), 12n, bot.address);
    await expect((d.hub.connect(bot) as Contract).verifyAndAct(d.modelId, p.proofBytes, [...p.publicSignals])).to.emit(d.feed, "SignalPublished");
    expect((await d.feed.latestSignal(d.modelId)).epoch).to.equal(12n);
  });

  it("refuses to load weights that need another circuit", async () => {
    const spec = readModelSpec(SPEC);
    const layer = spec.layers[3]!;
    if (layer.type !== "dense") throw new Error("momentum-signal layout changed");
    layer.weights[0]![0] = 100; // far wider than any trained weight: the packing width changes
    let message = "";
    await ModelProver.loadWithWeights(SPEC, spec).catch((e: Error) => (message = e.message));
    expect(message).to.match(/does not compile to the circuit built for/);
  });
});
