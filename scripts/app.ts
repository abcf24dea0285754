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
import { network } from "hardhat";
import { build as viteBuild } from "vite";
import type { Abi, Address } from "viem";
import { creditScoreModuleParameters } from "../deploy/CreditScore.js";
import { signalsModuleParameters } from "../deploy/Signals.js";
import { creditGateAbi, inferenceHubAbi, priceSourceAbi } from "../prover/chain/abi.js";
import { connectProvider } from "../prover/chain/connect.js";
import { submitInference } from "../prover/chain/submitInference.js";
import { writeAndWait } from "../prover/chain/write.js";
import { fileURLToPath } from "node:url";
import { bundledSpecPath } from "../prover/artifacts/paths.js";
import { attestationToJson, generateAttesterKey, signAttestation } from "../prover/attest/attestation.js";
import { buildModel } from "../prover/build/buildModel.js";
import { timed } from "../prover/build/progress.js";
import { proveSignal, seedSignalMarket, signalFeatures, SIGNAL_WINDOW } from "./dev/signalStack.js";
import { applicantFeatures, applicantLabel, germanCreditSplit } from "../prover/data/germanCredit.js";
import { loadSp500, toCents } from "../prover/data/sp500.js";
import { modelCommitment } from "../prover/circuit/commitment.js";
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
  await timed(log, "build the web app (vite)", () =>
    viteBuild({ configFile: fileURLToPath(new URL("../app/vite.config.ts", import.meta.url)), logLevel: "warn" }),
  );

  const connection = await network.create();
  const { provider } = connection;
  const chain = await connectProvider(provider);
  const { publicClient } = chain;
  const owner = chain.as(chain.accounts[0]!);
  const bot = chain.as(chain.accounts[9]!);
  // One Ignition deployment, so that every model sits on one hub (deploy/App.ts).
  const signalProver = await ModelProver.load(bundledSpecPath("momentum-signal"));
  const { module, ids } = appModule({
    credit: built.credit.verifierContract,
    attested: built.attested.verifierContract,
    signal: built.signal.verifierContract,
  });
  const creditParameters = (m: typeof built.credit) => creditScoreModuleParameters({ ...m, threshold: THRESHOLD, creditLimit: CREDIT_LIMIT });
  // The demo bureau is trusted at registration: an attester trusted later waits the hub's timelock.
  const bureau = await generateAttesterKey();
  const deployed = await timed(log, "deploy the hub, the credit models with their CreditGates, the signals stack", () =>
    connection.ignition.deploy(module, {
      parameters: {
        [ids.credit]: creditParameters(built.credit),
        [ids.attested]: { ...creditParameters(built.attested), attesters: [bureau.keyHash] },
        [ids.signals]: {
          ...signalsModuleParameters({ modelCommitment: signalProver.modelCommitment, maxSlippageBps: 500n }),
          metadataURI: `zkinfer:${built.signal.name}@${built.signal.version}`,
        },
      },
    }),
  );
  const address = async (name: keyof typeof deployed) => (await deployed[name].getAddress()) as Address;
  const hubAddress = await address("hub");
  const modelIdOf = (gate: Address) => publicClient.readContract({ address: gate, abi: creditGateAbi, functionName: "modelId" });
  const creditGate = await address("creditGate");
  const attestedGate = await address("attestedGate");
  const creditId = await modelIdOf(creditGate);
  const attestedId = await modelIdOf(attestedGate);
  const feedAddress = await address("feed");
  let signalId = 0n;
  const modelCount = await publicClient.readContract({ address: hubAddress, abi: inferenceHubAbi, functionName: "modelCount" });
  for (let id = 1n; id <= modelCount; id++) {
    const model = await publicClient.readContract({ address: hubAddress, abi: inferenceHubAbi, functionName: "getModel", args: [id] });
    if (model.consumer === feedAddress) signalId = id;
  }
  const sig = {
    hub: hubAddress,
    verifier: await address("signalVerifier"),
    priceSource: await address("priceSource"),
    feed: feedAddress,
    base: await address("base"),
    quote: await address("quote"),
    amm: await address("amm"),
    vault: await address("vault"),
    modelId: signalId,
  };
  log(`  demo bureau trusted for credit-score-attested (key hash ${bureau.keyHash.toString().slice(0, 12)}...)`);

  // The signal feed: a few epochs of real closes, each signal proved by the bot and verified.
  const cents = signalReplay(signalProver);
  const recordPrice = (e: number) =>
    writeAndWait({ ...owner, address: sig.priceSource, abi: priceSourceAbi, functionName: "recordPrice", args: [BigInt(e), cents[e - 1]!] });
  for (let e = 1; e < SIGNAL_WINDOW; e++) await recordPrice(e);
  await seedSignalMarket(owner, sig, cents[SIGNAL_WINDOW - 2]!);
  await timed(log, `record, prove and verify ${SIGNAL_EPOCHS} signals`, async () => {
    for (let e = SIGNAL_WINDOW; e < SIGNAL_WINDOW + SIGNAL_EPOCHS; e++) {
      await recordPrice(e);
      const p = await proveSignal(signalProver, cents.slice(e - SIGNAL_WINDOW, e), BigInt(e), bot.account.address);
      await submitInference(bot, { hub: sig.hub, modelId: sig.modelId, ...p });
    }
  });
  // A timelocked update (the trader rotates its weight salt), so the models page shows one pending.
  const v2 = readModelSpec(bundledSpecPath("momentum-signal"));
  v2.version = "2.0.0";
  v2.visibility!.weightSalt = randomSalt().toString();
  await writeAndWait({
    ...owner,
    address: hubAddress,
    abi: inferenceHubAbi,
    functionName: "announceModelUpdate",
    args: [sig.modelId, sig.verifier, await modelCommitment(lowerModel(v2))],
  });

  // A demo applicant the model approves, to prefill the form (the page never sends it anywhere).
  const { test } = germanCreditSplit();
  const creditIr = lowerModel(readModelSpec(bundledSpecPath("credit-score")));
  const exampleIdx = test.find((i) => runReference(creditIr, applicantFeatures(i)).outputs[0]! >= THRESHOLD && applicantLabel(i) === 1)!;
  const example = applicantFeatures(exampleIdx);

  const abi = async (name: string) => (await hre.artifacts.readArtifact(name)).abi as Abi;
  const config: AppConfig = {
    rpc: "rpc",
    chainId: chain.chainId,
    hub: hubAddress,
    creditModels: [
      { name: "credit-score", artifacts: "models/credit-score/", modelId: creditId.toString(), gate: creditGate, attested: false, example },
      {
        name: "credit-score-attested",
        artifacts: "models/credit-score-attested/",
        modelId: attestedId.toString(),
        gate: attestedGate,
        attested: true,
        example,
      },
    ],
    signals: { name: "momentum-signal", modelId: sig.modelId.toString(), feed: feedAddress, priceSource: sig.priceSource },
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
      const issuedAt = Number((await publicClient.getBlock()).timestamp);
      const attestation = await signAttestation({
        ir: attestedIr,
        key: bureau,
        record: { subject, features: example, issuedAt, expiresAt: issuedAt + BUREAU_VALIDITY_SECONDS },
      });
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
    for (let e = SIGNAL_WINDOW; e < SIGNAL_WINDOW + SIGNAL_EPOCHS; e++)
      directions.add(runReference(prover.ir, signalFeatures(cents.slice(e - SIGNAL_WINDOW, e), BigInt(e))).outputs[0]!);
    if (directions.has(1n) && directions.has(-1n)) return cents;
  }
  return slice(start);
}

await main();
process.exit(0);
