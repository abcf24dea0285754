/**
 * `npm run app [-- --port N] [--host H]`: the web app on a local chain, nothing else to start.
 *
 * Builds the bundled models (cached) and the contracts, starts Hardhat's simulated chain (EDR,
 * in this process) and serves it over JSON-RPC at /rpc, deploys and registers the models through the
 * project's Ignition modules: credit-score and credit-score-attested behind CreditGates (a demo
 * bureau's key trusted for the attested one), the momentum-signal feed with a few epochs of S&P 500
 * closes recorded and their signals proved and verified, and a timelocked update announced for the
 * signal model. Then builds the web app (Vite) and serves it. When ready it prints one JSON line on
 * stdout: {"url": string, "rpc": string, "hub": string}; progress goes to stderr.
 * Stops on SIGINT/SIGTERM.
 */
import type { Contract } from "ethers";
import { network } from "hardhat";
import { build as viteBuild } from "vite";
import type { Abi, Address } from "viem";
import { fileURLToPath } from "node:url";
import { bundledSpecPath } from "../prover/artifacts/paths.js";
import { attestationToJson, generateAttesterKey, signAttestation } from "../prover/attest/attestation.js";
import { buildModel } from "../prover/build/buildModel.js";
import { timed } from "../prover/build/progress.js";
import { proveSignal, seedSignalMarket, signalFeatures, SIGNAL_WINDOW } from "./dev/signalStack.js";
import { applicantFeatures, applicantLabel, germanCreditSplit } from "../prover/data/germanCredit.js";
import { loadSp500, toCents } from "../prover/data/sp500.js";
import { modelCommitment } from "../prover/model/commitment.js";
import { runReference } from "../prover/model/interpret.js";
import { lowerModel } from "../prover/model/ir.js";
import { ModelProver, randomSalt } from "../prover/prove/prover.js";
import { readModelSpec } from "../prover/model/spec.js";
import { releaseCurves } from "../prover/setup/curve.js";
import type { AppConfig } from "../app/src/config.js";
import { appModule } from "../deploy/App.js";
import { startAppServer } from "./app-server.js";

const log = (line: string) => console.error(line);
const THRESHOLD = 0n;
const CREDIT_LIMIT = 10_000n;
/** Signals recorded, proved and verified at start (after the 5 closes the first window needs). */
const SIGNAL_EPOCHS = 6;
const BUREAU_VALIDITY_SECONDS = 30 * 24 * 3600;

function option(name: string, fallback: string): string {
  const at = process.argv.indexOf(name);
  return at < 0 ? fallback : (process.argv[at + 1] ?? fallback);
}

async function main() {
  const port = Number(option("--port", "5173"));
  const host = option("--host", "127.0.0.1");

  const built = {
    credit: await buildModel({ specPath: bundledSpecPath("credit-score"), log }),
    attested: await buildModel({ specPath: bundledSpecPath("credit-score-attested"), log }),
    signal: await buildModel({ specPath: bundledSpecPath("momentum-signal"), log }),
  };
  const hre = (await import("hardhat")).default;
  await timed(log, "compile contracts", () => hre.tasks.getTask("build").run({ quiet: true }));
  await timed(log, "build the web app (vite)", () => viteBuild({ configFile: fileURLToPath(new URL("../app/vite.config.ts", import.meta.url)), logLevel: "warn" }));

  const { ethers, ignition, provider } = await network.create();
  const [owner, , , , , , , , , bot] = await ethers.getSigners();
  // One Ignition deployment, so that every model sits on one hub (deploy/App.ts).
  const signalProver = await ModelProver.load(bundledSpecPath("momentum-signal"));
  const { module, ids } = appModule({ credit: built.credit.verifierContract, attested: built.attested.verifierContract, signal: built.signal.verifierContract });
  const creditParameters = (m: typeof built.credit) => ({
    modelCommitment: m.modelCommitment,
    numOutputs: m.numOutputs,
    metadataURI: `zkinfer:${m.name}@${m.version}`,
    threshold: THRESHOLD,
    creditLimit: CREDIT_LIMIT,
  });
  // The demo bureau is trusted at registration: an attester trusted later waits the hub's timelock.
  const bureau = await generateAttesterKey();
  const d = (await timed(log, "deploy the hub, the credit models with their CreditGates, the signals stack", () =>
    ignition.deploy(module, {
      parameters: {
        [ids.credit]: creditParameters(built.credit),
        [ids.attested]: { ...creditParameters(built.attested), attesters: [bureau.keyHash] },
        [ids.signals]: { modelCommitment: signalProver.modelCommitment, maxSlippageBps: 500n, metadataURI: `zkinfer:${built.signal.name}@${built.signal.version}` },
      },
    }),
  )) as Record<string, Contract>;
  const hub = d.hub!;
  const hubAddress = (await hub.getAddress()) as Address;
  const creditId: bigint = await d.creditGate!.modelId();
  const attestedId: bigint = await d.attestedGate!.modelId();
  const feedAddress = await d.feed!.getAddress();
  let signalId = 0n;
  for (let id = 1n; id <= (await hub.modelCount()); id++) if ((await hub.getModel(id)).consumer === feedAddress) signalId = id;
  const sig = { ...d, verifier: d.signalVerifier!, modelId: signalId } as Parameters<typeof seedSignalMarket>[0];
  log(`  demo bureau trusted for credit-score-attested (key hash ${bureau.keyHash.toString().slice(0, 12)}...)`);

  // The signal feed: a few epochs of real closes, each signal proved by the bot and verified.
  const cents = signalReplay(signalProver);
  for (let e = 1; e < SIGNAL_WINDOW; e++) await (await sig.priceSource.recordPrice(e, cents[e - 1]!)).wait();
  await seedSignalMarket(sig, owner!, cents[SIGNAL_WINDOW - 2]!);
  await timed(log, `record, prove and verify ${SIGNAL_EPOCHS} signals`, async () => {
    for (let e = SIGNAL_WINDOW; e < SIGNAL_WINDOW + SIGNAL_EPOCHS; e++) {
      await (await sig.priceSource.recordPrice(e, cents[e - 1]!)).wait();
      const p = await proveSignal(signalProver, cents.slice(e - SIGNAL_WINDOW, e), BigInt(e), bot!.address);
      await (await (sig.hub.connect(bot) as Contract).verifyAndAct(sig.modelId, p.proofBytes, [...p.publicSignals])).wait();
    }
  });
  // A timelocked update (the trader rotates its weight salt), so the models page shows one pending.
  const v2 = readModelSpec(bundledSpecPath("momentum-signal"));
  v2.version = "2.0.0";
  v2.visibility!.weightSalt = randomSalt().toString();
  await (await hub.announceModelUpdate(sig.modelId, sig.verifier, await modelCommitment(lowerModel(v2)))).wait();

  // A demo applicant the model approves, to prefill the form (the page never sends it anywhere).
  const { test } = germanCreditSplit();
  const creditIr = lowerModel(readModelSpec(bundledSpecPath("credit-score")));
  const exampleIdx = test.find((i) => runReference(creditIr, applicantFeatures(i)).outputs[0]! >= THRESHOLD && applicantLabel(i) === 1)!;
  const example = applicantFeatures(exampleIdx);

  const abi = async (name: string) => (await hre.artifacts.readArtifact(name)).abi as Abi;
  const config: AppConfig = {
    rpc: "rpc",
    chainId: Number((await ethers.provider.getNetwork()).chainId),
    hub: hubAddress,
    creditModels: [
      { name: "credit-score", artifacts: "models/credit-score/", modelId: creditId.toString(), gate: (await d.creditGate!.getAddress()) as Address, attested: false, example },
      { name: "credit-score-attested", artifacts: "models/credit-score-attested/", modelId: attestedId.toString(), gate: (await d.attestedGate!.getAddress()) as Address, attested: true, example },
    ],
    signals: { name: "momentum-signal", modelId: sig.modelId.toString(), feed: feedAddress as Address, priceSource: (await sig.priceSource.getAddress()) as Address },
    demoBureau: "bureau/attestation",
    abis: { hub: await abi("InferenceHub"), creditGate: await abi("CreditGate"), signalFeed: await abi("SignalFeed"), priceSource: await abi("PriceSource") },
  };
  const attestedIr = lowerModel(readModelSpec(bundledSpecPath("credit-score-attested")));
  const { server, url } = await startAppServer({
    appDir: fileURLToPath(new URL("../build/app", import.meta.url)),
    // Public-weight models only: a served spec holds the weights.
    models: ["credit-score", "credit-score-attested"],
    config,
    host,
    port,
    rpc: (r) => provider.request(r),
    bureau: async (model, subject) => {
      if (model !== "credit-score-attested") throw new Error(`the demo bureau signs for credit-score-attested, not ${model}`);
      const issuedAt = Number((await ethers.provider.getBlock("latest"))!.timestamp);
      const attestation = await signAttestation({ ir: attestedIr, key: bureau, record: { subject, features: example, issuedAt, expiresAt: issuedAt + BUREAU_VALIDITY_SECONDS } });
      return attestationToJson(attestation);
    },
  });
  await releaseCurves();
  console.log(JSON.stringify({ url, rpc: `${url}rpc`, hub: hubAddress }));
  await new Promise<void>((stop) => {
    process.once("SIGINT", stop);
    process.once("SIGTERM", stop);
  });
  server.close();
}

/**
 * The closes to replay: the first stretch from 2019-09 on whose signals (by the reference
 * interpreter, with the bot's weights) include a buy and a sell, so the chart shows both.
 */
function signalReplay(prover: ModelProver): bigint[] {
  const days = loadSp500();
  const closes = days.map((d) => toCents(d.close));
  const start = days.findIndex((d) => d.date >= "2019-09-03");
  const slice = (first: number) => closes.slice(first - (SIGNAL_WINDOW - 1), first + SIGNAL_EPOCHS);
  for (let first = start; first + SIGNAL_EPOCHS < days.length; first++) {
    const cents = slice(first);
    const directions = new Set<bigint>();
    for (let e = SIGNAL_WINDOW; e < SIGNAL_WINDOW + SIGNAL_EPOCHS; e++) directions.add(runReference(prover.ir, signalFeatures(cents.slice(e - SIGNAL_WINDOW, e), BigInt(e))).outputs[0]!);
    if (directions.has(1n) && directions.has(-1n)) return cents;
  }
  return slice(start);
}

await main();
process.exit(0);
