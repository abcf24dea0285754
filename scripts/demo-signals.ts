/**
 * `npm run demo:signals [-- --json] [--steps N] [--from YYYY-MM-DD]`: verified trading signals on
 * Hardhat's in-process network, nothing to start by hand.
 *
 * Build the momentum-signal model (private committed weights; cached), deploy the signals stack
 * (deploy/Signals.ts: PriceSource, SignalFeed, SimpleAMM, SignalVault), then replay S&P 500 closes
 * (data/sp500) into the PriceSource: at each of N steps the reporter records the day's close, the
 * bot proves its signal over the recorded 6-close window with its secret weights and calls
 * verifyAndAct, and the vault rebalances on the verified signal. Then two rejections, each named by
 * its custom error: a signal whose prices were recorded longer ago than the feed's freshness window
 * (stale), and after a timelocked upgrade of the model's commitment, a proof from the old one.
 *
 * With --json the last stdout line is
 * {"steps": N, "verified": n, "vaultActions": n, "rejections": {"stale": name, "oldCommitment": name}}.
 */
import { network } from "hardhat";
import { bundledSpecPath } from "../prover/artifacts/paths.js";
import { buildModel } from "../prover/build/buildModel.js";
import { formatMs, timed } from "../prover/build/progress.js";
import { inferenceHubAbi, priceSourceAbi } from "../prover/chain/abi.js";
import { connectProvider, type ChainClients } from "../prover/chain/connect.js";
import { deploySignals } from "../prover/chain/deploy.js";
import { expectRevertName } from "../prover/chain/revert.js";
import { submitInference } from "../prover/chain/submitInference.js";
import { writeAndWait } from "../prover/chain/write.js";
import { sp500Replay } from "./dev/replay.js";
import { decodeSignal, proveSignal, rebalanceAsKeeper, seedSignalMarket, SIGNAL_WINDOW } from "./dev/signalStack.js";
import { randomSalt, ModelProver } from "../prover/prove/prover.js";
import { readModelSpec } from "../prover/model/spec.js";
import { releaseCurves } from "../prover/setup/curve.js";
import { compileContracts } from "./compile-contracts.js";

const MODEL = "momentum-signal";
const MAX_AGE = 3600n;
/** The vault trades at most 5% worse than the recorded price (the demo pool is not arbitraged). */
const MAX_SLIPPAGE_BPS = 500n;

const json = process.argv.includes("--json");
const log = (line: string) => console.log(line);

async function main() {
  // The first signal needs 5 closes before it; the two rejections use 2 more days after the steps.
  const { count: steps, replay, cents } = sp500Replay({ countFlag: "--steps", countDefault: 8, fromDefault: "2017-08-16", after: 2 });

  log(`zkinfer signals demo: S&P 500 closes -> PriceSource -> private-weight model proof -> InferenceHub -> SignalFeed -> SignalVault`);
  const built = await buildModel({ specPath: bundledSpecPath(MODEL), log });
  if (built.ptau.source === "development") log(`  NOTE: development-only ptau and single-contributor phase 2: fine for this demo, never for a deployment.`);
  const hre = (await import("hardhat")).default;
  await timed(log, "compile contracts (solc 0.8.37 from npm)", () => compileContracts(hre));
  const prover = await ModelProver.load(bundledSpecPath(MODEL));

  const connection = await network.create();
  const { networkHelpers } = connection;
  const chain = await connectProvider(connection.provider);
  const [reporter, bot] = chain.accounts.slice(0, 2).map((address) => chain.as(address)) as [ChainClients, ChainClients];
  const { publicClient } = chain;
  const d = await timed(log, "deploy PriceSource, SignalFeed, hub + verifier, AMM and vault; register the model", () =>
    deploySignals(
      { connection, publicClient },
      { verifierContract: built.verifierContract, modelCommitment: prover.modelCommitment, maxAge: MAX_AGE, maxSlippageBps: MAX_SLIPPAGE_BPS },
    ),
  );
  let epoch = 0n;
  const recordNext = async () => {
    epoch++;
    await writeAndWait({ ...reporter, address: d.priceSource, abi: priceSourceAbi, functionName: "recordPrice", args: [epoch, cents[Number(epoch) - 1]!] });
    return epoch;
  };
  const windowAt = (e: bigint) => cents.slice(Number(e) - SIGNAL_WINDOW, Number(e));
  const dollars = (c: bigint) => (Number(c) / 100).toFixed(2);
  for (let i = 0; i < SIGNAL_WINDOW - 1; i++) await recordNext();
  await seedSignalMarket(reporter, d, cents[SIGNAL_WINDOW - 1]!);
  log(`  model ${MODEL} #${d.modelId}: commitment ${prover.modelCommitment.toString().slice(0, 16)}... (weights private); feed freshness ${MAX_AGE} s`);
  log(`  pool seeded at ${dollars(cents[SIGNAL_WINDOW - 1]!)} dUSD per dETH; vault holds 10 dETH and the same value in dUSD`);

  const sides = { "1": "BUY ", "-1": "SELL", "0": "hold" } as Record<string, string>;
  let verified = 0;
  let vaultActions = 0;
  const proveTimes: number[] = [];
  log(`\nStep  date        close     signal        prove     verifyAndAct gas  vault`);
  for (let step = 0; step < steps; step++) {
    const e = await recordNext();
    const p = await proveSignal(prover, windowAt(e), e, bot.account.address);
    proveTimes.push(p.timings.witnessMs + p.timings.proveMs);
    const s = decodeSignal(p);
    const { receipt } = await submitInference(bot, { hub: d.hub, modelId: d.modelId, ...p });
    verified++;
    // The reporter deployed the stack, so it is the vault's keeper.
    const rebalance = await rebalanceAsKeeper(reporter, d);
    const event = rebalance.events.find((x) => x.eventName === "Rebalanced");
    if (event?.eventName !== "Rebalanced") throw new Error("the vault did not rebalance");
    vaultActions++;
    const { amountIn, amountOut } = event.args;
    const trade =
      s.direction === 0
        ? "no trade"
        : s.direction > 0
          ? `${fmt18(amountIn)} dUSD -> ${fmt18(amountOut)} dETH`
          : `${fmt18(amountIn)} dETH -> ${fmt18(amountOut)} dUSD`;
    log(
      `${String(step + 1).padStart(4)}  ${replay[Number(e) - 1]!.date}  ${dollars(cents[Number(e) - 1]!).padStart(8)}  ${sides[String(s.direction)]} ${String(s.size).padStart(4)}/1024  ` +
        `${formatMs(proveTimes.at(-1)!).padStart(8)}  ${String(receipt.gasUsed).padStart(16)}  ${trade}`,
    );
  }

  log(`\nRejections (each reverts the whole verifyAndAct: no state changes, no nonce burnt)`);
  const rejection = async (p: Awaited<ReturnType<typeof proveSignal>>) => {
    try {
      await submitInference(bot, { hub: d.hub, modelId: d.modelId, ...p });
    } catch (error) {
      return expectRevertName(error);
    }
    throw new Error("the hub accepted a signal it must refuse");
  };
  // Stale: the next close is recorded, then the bot waits past the feed's freshness window.
  const staleEpoch = await recordNext();
  await networkHelpers.time.increase(MAX_AGE + 1n);
  const stale = await rejection(await proveSignal(prover, windowAt(staleEpoch), staleEpoch, bot.account.address));
  log(`  signal for epoch ${staleEpoch}, prices recorded ${MAX_AGE + 1n} s ago: ${stale}`);

  // Upgrade: the trader rotates the commitment (same strategy, new secret salt: same circuit and verifier).
  const v2Spec = readModelSpec(bundledSpecPath(MODEL));
  v2Spec.version = "2.0.0";
  v2Spec.visibility!.weightSalt = randomSalt().toString();
  const v2 = await ModelProver.loadWithWeights(bundledSpecPath(MODEL), v2Spec);
  await writeAndWait({
    ...reporter,
    address: d.hub,
    abi: inferenceHubAbi,
    functionName: "announceModelUpdate",
    args: [d.modelId, d.verifier, v2.modelCommitment],
  });
  const delay = await publicClient.readContract({ address: d.hub, abi: inferenceHubAbi, functionName: "updateDelay" });
  await networkHelpers.time.increase(delay + 1n);
  await writeAndWait({ ...reporter, address: d.hub, abi: inferenceHubAbi, functionName: "applyModelUpdate", args: [d.modelId] });
  log(`  model #${d.modelId} upgraded to v2 (commitment ${v2.modelCommitment.toString().slice(0, 16)}...) after the ${Number(delay) / 3600} h timelock`);
  const nextEpoch = await recordNext();
  const oldCommitment = await rejection(await proveSignal(prover, windowAt(nextEpoch), nextEpoch, bot.account.address));
  log(`  signal for epoch ${nextEpoch} proved with the v1 weights: ${oldCommitment}`);
  const fresh = await proveSignal(v2, windowAt(nextEpoch), nextEpoch, bot.account.address);
  await submitInference(bot, { hub: d.hub, modelId: d.modelId, ...fresh });
  log(`  the same epoch proved with v2: accepted (direction ${decodeSignal(fresh).direction})`);

  const sorted = [...proveTimes].sort((a, b) => a - b);
  log(
    `\n${verified}/${steps} signals verified on-chain, ${vaultActions} vault rebalances; median proving time ${formatMs(sorted[Math.floor(sorted.length / 2)]!)} per signal`,
  );
  if (json) console.log(JSON.stringify({ steps, verified, vaultActions, rejections: { stale, oldCommitment } }));
}

/** A token amount with 18 decimals, to 4 places. */
function fmt18(x: bigint): string {
  return (Number(x / 10n ** 14n) / 1e4).toFixed(4);
}

try {
  await main();
} finally {
  await releaseCurves();
}
process.exit(0);
