/**
 * The signal model's entry of `npm run bench` (issue 6's targets): constraints, proving time per
 * signal (witness + Groth16, keys loaded once; median of RUNS) and the gas of a signal's
 * verifyAndAct with the SignalFeed consumer (median over RUNS consecutive epochs, each a first
 * signal for its epoch), plus the bare verifier call.
 */
import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";
import { bundledSpecPath } from "../prover/artifacts/paths.js";
import { buildModel } from "../prover/build/buildModel.js";
import { priceSourceAbi } from "../prover/chain/abi.js";
import { connectProvider } from "../prover/chain/connect.js";
import { deploySignals } from "../prover/chain/deploy.js";
import { estimateVerifyProofGas } from "../prover/chain/estimateVerifyProofGas.js";
import { submitInference } from "../prover/chain/submitInference.js";
import { writeAndWait } from "../prover/chain/write.js";
import { proveSignal, seedSignalMarket } from "./dev/signalStack.js";
import { compileContracts } from "./compile-contracts.js";
import { loadSp500, toCents } from "../prover/data/sp500.js";
import { ModelProver } from "../prover/prove/prover.js";
import { median, round } from "./stats.js";

const RUNS = 5;

export async function signalBench(hre: HardhatRuntimeEnvironment, log: (line: string) => void) {
  const name = "momentum-signal";
  log(`\n${name}`);
  const built = await buildModel({ specPath: bundledSpecPath(name), log });
  await compileContracts(hre);
  const prover = await ModelProver.load(bundledSpecPath(name));
  const connection = await hre.network.create();
  const chain = await connectProvider(connection.provider);
  const { publicClient } = chain;
  const [owner, bot] = [chain.as(chain.accounts[0]!), chain.as(chain.accounts[1]!)];
  const d = await deploySignals(
    { connection, publicClient },
    { verifierContract: built.verifierContract, modelCommitment: prover.modelCommitment, maxSlippageBps: 500n },
  );
  const days = loadSp500();
  const from = days.findIndex((x) => x.date === "2017-08-09");
  const prices = days.slice(from, from + 5 + RUNS).map((x) => toCents(x.close));
  for (const [i, c] of prices.entries())
    await writeAndWait({ ...owner, address: d.priceSource, abi: priceSourceAbi, functionName: "recordPrice", args: [BigInt(i + 1), c] });
  await seedSignalMarket(owner, d, prices[5]!);

  const proveMs: number[] = [];
  const witnessMs: number[] = [];
  const gas: number[] = [];
  let verifierGas = 0;
  for (let r = 0; r < RUNS; r++) {
    const epoch = BigInt(6 + r);
    const p = await proveSignal(prover, prices.slice(r, r + 6), epoch, bot.account.address);
    witnessMs.push(p.timings.witnessMs);
    proveMs.push(p.timings.witnessMs + p.timings.proveMs);
    if (r === 0) verifierGas = Number(await estimateVerifyProofGas(publicClient, { verifier: d.verifier, ...p, account: owner.account.address }));
    const { receipt } = await submitInference(bot, { hub: d.hub, modelId: d.modelId, ...p });
    gas.push(Number(receipt.gasUsed));
  }
  const entry = {
    name,
    constraints: built.circuit.nonLinearConstraints + built.circuit.linearConstraints,
    witnessMs: round(median(witnessMs), 2),
    proveMsPerSignal: round(median(proveMs)),
    verifyAndActGas: median(gas),
    verifierGas,
    feedAndHubGas: median(gas) - verifierGas,
    publicSignals: built.numPublicSignals,
  };
  log(`  constraints ${entry.constraints}; proving per signal ${entry.proveMsPerSignal} ms (witness ${entry.witnessMs} ms)`);
  log(`  gas: signal verifyAndAct ${entry.verifyAndActGas} = bare verifier ${verifierGas} + hub and SignalFeed ${entry.feedAndHubGas}`);
  return entry;
}
