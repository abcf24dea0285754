/**
 * `npm run demo:guard [-- --json] [--days N] [--from YYYY-MM-DD]`: an anomaly guard pausing a vault on
 * a verified anomaly score, on Hardhat's in-process network, nothing to start by hand.
 *
 * Build the anomaly-guard model (public weights; cached) and the momentum-signal model whose
 * SignalVault the guard protects, deploy through deploy/AnomalyGuard.ts (the signals stack, the
 * anomaly model on the same hub and PriceSource, the AnomalyGuard made the vault's guard), then
 * replay S&P 500 closes (data/sp500) into the PriceSource: each day, a watcher proves the model's
 * score over the recorded 6-close window and calls verifyAndAct; a calm score is recorded, a score at
 * or above the threshold pauses the vault in the same transaction. Then the rejections, each named by
 * its custom error: a window recorded longer ago than the guard's freshness window (stale), and an
 * unpause by an account that is not the guard's owner (notOwner); and the owner's unpause, refused
 * before the delay and accepted after it.
 *
 * With --json the last stdout line is
 * {"days": N, "flagged": n, "paused": bool, "rejections": {"stale": name, "notOwner": name}}
 * where `paused` says whether the vault was paused by the guard at the end of the replay.
 */
import { network } from "hardhat";
import { bundledSpecPath } from "../prover/artifacts/paths.js";
import { buildModel } from "../prover/build/buildModel.js";
import { formatMs, timed } from "../prover/build/progress.js";
import { anomalyGuardAbi, priceSourceAbi, signalVaultAbi } from "../prover/chain/abi.js";
import { connectProvider, type ChainClients } from "../prover/chain/connect.js";
import { deployAnomalyGuard } from "../prover/chain/deploy.js";
import { expectRevertName } from "../prover/chain/revert.js";
import { submitInference } from "../prover/chain/submitInference.js";
import { writeAndWait } from "../prover/chain/write.js";
import { ModelProver } from "../prover/prove/prover.js";
import { releaseCurves } from "../prover/setup/curve.js";
import { compileContracts } from "./compile-contracts.js";
import { decodeAnomaly, proveAnomaly } from "./dev/anomalyStack.js";
import { sp500Replay } from "./dev/replay.js";
import { seedSignalMarket, SIGNAL_WINDOW } from "./dev/signalStack.js";

const MODEL = "anomaly-guard";
const PROTECTED_MODEL = "momentum-signal";
const MAX_AGE = 3600n;
const UNPAUSE_DELAY = 86_400n;

const json = process.argv.includes("--json");
const log = (line: string) => console.log(line);

async function main() {
  // The first score needs 5 closes before it; the stale rejection uses one more day.
  const { count: days, replay, cents } = sp500Replay({ countFlag: "--days", countDefault: 10, fromDefault: "2020-02-24", after: 1 });

  log(`zkinfer anomaly guard demo: S&P 500 closes -> PriceSource -> anomaly model proof -> InferenceHub -> AnomalyGuard -> SignalVault.pause()`);
  const built = await buildModel({ specPath: bundledSpecPath(MODEL), log });
  const protectedBuilt = await buildModel({ specPath: bundledSpecPath(PROTECTED_MODEL), log });
  if (built.ptau.source === "development") log(`  NOTE: development-only ptau and single-contributor phase 2: fine for this demo, never for a deployment.`);
  const hre = (await import("hardhat")).default;
  await timed(log, "compile contracts (solc 0.8.37 from npm)", () => compileContracts(hre));
  const prover = await ModelProver.load(bundledSpecPath(MODEL));
  const signalProver = await ModelProver.load(bundledSpecPath(PROTECTED_MODEL));

  const connection = await network.create();
  const { networkHelpers } = connection;
  const chain = await connectProvider(connection.provider);
  const [owner, watcher, stranger] = chain.accounts.slice(0, 3).map((address) => chain.as(address)) as [ChainClients, ChainClients, ChainClients];
  const { publicClient } = chain;
  const d = await timed(log, "deploy the signals stack (PriceSource, SignalFeed, AMM, SignalVault), the anomaly model and the AnomalyGuard", () =>
    deployAnomalyGuard(
      { connection, publicClient },
      {
        verifierContract: built.verifierContract,
        modelCommitment: prover.modelCommitment,
        signalVerifierContract: protectedBuilt.verifierContract,
        signals: { modelCommitment: signalProver.modelCommitment },
        maxAge: MAX_AGE,
        unpauseDelay: UNPAUSE_DELAY,
      },
    ),
  );
  // The deployer (account 0) owns the tokens, the vault and the guard.
  await seedSignalMarket(owner, d, cents[SIGNAL_WINDOW - 1]!);
  const readGuard = <fn extends "threshold" | "pausedAt">(functionName: fn) =>
    publicClient.readContract({ address: d.guard, abi: anomalyGuardAbi, functionName });
  const vaultPaused = () => publicClient.readContract({ address: d.vault, abi: signalVaultAbi, functionName: "paused" });
  const threshold = await readGuard("threshold");
  // The score's fixed-point scale, for display: the threshold and the scores are compared as integers on-chain.
  const scale = 2 ** prover.ir.outputs[0]!.scale;
  log(`  model ${MODEL} #${d.anomalyModelId} (public weights, commitment ${prover.modelCommitment.toString().slice(0, 16)}...) -> guard ${d.guard}`);
  log(
    `  threshold: score (log-odds of a 4% sell-off within 5 days) >= ${Number(threshold) / scale}; freshness ${MAX_AGE} s; unpause delay ${UNPAUSE_DELAY / 3600n} h`,
  );

  let epoch = 0n;
  const recordNext = async () => {
    epoch++;
    await writeAndWait({ ...owner, address: d.priceSource, abi: priceSourceAbi, functionName: "recordPrice", args: [epoch, cents[Number(epoch) - 1]!] });
    return epoch;
  };
  const windowAt = (e: bigint) => cents.slice(Number(e) - SIGNAL_WINDOW, Number(e));
  for (let i = 0; i < SIGNAL_WINDOW - 1; i++) await recordNext();

  let flagged = 0;
  let pausedOn: string | undefined;
  const proveTimes: number[] = [];
  log(`\nDay  date        close     score   P(sell-off)  prove     verifyAndAct gas  vault`);
  for (let day = 0; day < days; day++) {
    const e = await recordNext();
    const p = await proveAnomaly(prover, windowAt(e), e, watcher.account.address);
    proveTimes.push(p.timings.witnessMs + p.timings.proveMs);
    const { score } = decodeAnomaly(p);
    const { receipt } = await submitInference(watcher, { hub: d.hub, modelId: d.anomalyModelId, ...p });
    if (score >= threshold) flagged++;
    const paused = await vaultPaused();
    if (paused && pausedOn === undefined) pausedOn = replay[Number(e) - 1]!.date;
    const logit = Number(score) / scale;
    log(
      `${String(day + 1).padStart(3)}  ${replay[Number(e) - 1]!.date}  ${(Number(cents[Number(e) - 1]!) / 100).toFixed(2).padStart(8)}  ${logit.toFixed(3).padStart(6)}  ` +
        `${(100 / (1 + Math.exp(-logit))).toFixed(1).padStart(9)}%  ${formatMs(proveTimes.at(-1)!).padStart(8)}  ${String(receipt.gasUsed).padStart(16)}  ` +
        `${score >= threshold ? (pausedOn === replay[Number(e) - 1]!.date ? "FLAGGED: paused" : "flagged (already paused)") : "calm"}`,
    );
  }
  const paused = await vaultPaused();

  log(`\nRejections (each reverts the whole call: no state changes, no nonce burnt)`);
  const rejection = async (send: () => Promise<unknown>) => {
    try {
      await send();
    } catch (error) {
      return expectRevertName(error);
    }
    throw new Error("a call the guard must refuse was accepted");
  };
  const staleEpoch = await recordNext();
  await networkHelpers.time.increase(MAX_AGE + 1n);
  const p = await proveAnomaly(prover, windowAt(staleEpoch), staleEpoch, watcher.account.address);
  const stale = await rejection(() => submitInference(watcher, { hub: d.hub, modelId: d.anomalyModelId, ...p }));
  log(`  score for epoch ${staleEpoch}, prices recorded ${MAX_AGE + 1n} s ago: ${stale}`);
  const unpause = (as: ChainClients) => writeAndWait({ ...as, address: d.guard, abi: anomalyGuardAbi, functionName: "unpause", args: [] });
  const notOwner = await rejection(() => unpause(stranger));
  log(`  unpause by ${stranger.account.address}, not the guard's owner: ${notOwner}`);
  if (paused) {
    const early = await rejection(() => unpause(owner));
    log(`  unpause by the owner before the ${UNPAUSE_DELAY / 3600n} h delay: ${early}`);
    const pausedAt = await readGuard("pausedAt");
    await networkHelpers.time.increaseTo(pausedAt + UNPAUSE_DELAY);
    await unpause(owner);
    log(`  unpause by the owner after the delay: accepted (vault paused: ${await vaultPaused()})`);
  }

  const sorted = [...proveTimes].sort((a, b) => a - b);
  log(
    `\n${days} days scored on-chain, ${flagged} flagged; the vault was ${pausedOn ? `paused on ${pausedOn}` : "never paused"}; median proving time ${formatMs(sorted[Math.floor(sorted.length / 2)]!)} per score`,
  );
  if (json) console.log(JSON.stringify({ days, flagged, paused, rejections: { stale, notOwner } }));
}

try {
  await main();
} finally {
  await releaseCurves();
}
process.exit(0);
