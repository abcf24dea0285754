/**
 * The signal model's entry of `npm run bench` (issue 6's targets): constraints, proving time per
 * signal (witness + Groth16, keys loaded once; median of RUNS) and the gas of a signal's
 * verifyAndAct with the SignalFeed consumer (median over RUNS consecutive epochs, each a first
 * signal for its epoch), plus the bare verifier call.
 */
import type { Contract } from "ethers";
import { bundledSpecPath } from "../prover/artifacts/paths.js";
import { buildModel } from "../prover/build/buildModel.js";
import { decodeProofWords } from "../prover/prove/calldata.js";
import { deploySignalStack, proveSignal, seedSignalMarket } from "./dev/signalStack.js";
import { compileContracts } from "./compile-contracts.js";
import { loadSp500, toCents } from "../prover/data/sp500.js";
import { ModelProver } from "../prover/prove/prover.js";
import { median, round } from "./stats.js";

const RUNS = 5;

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function signalBench(hre: any, log: (line: string) => void) {
  const name = "momentum-signal";
  log(`\n${name}`);
  const built = await buildModel({ specPath: bundledSpecPath(name), log });
  await compileContracts(hre);
  const prover = await ModelProver.load(bundledSpecPath(name));
  const { ethers, ignition } = await hre.network.create();
  const [owner, bot] = await ethers.getSigners();
  const d = await deploySignalStack({ ignition, verifierContract: built.verifierContract, modelCommitment: prover.modelCommitment, maxSlippageBps: 500n });
  const days = loadSp500();
  const from = days.findIndex((x) => x.date === "2017-08-09");
  const prices = days.slice(from, from + 5 + RUNS).map((x) => toCents(x.close));
  for (const [i, c] of prices.entries()) await (await d.priceSource.getFunction("recordPrice")(BigInt(i + 1), c)).wait();
  await seedSignalMarket(d, owner, prices[5]!);

  const proveMs: number[] = [];
  const witnessMs: number[] = [];
  const gas: number[] = [];
  let verifierGas = 0;
  for (let r = 0; r < RUNS; r++) {
    const epoch = BigInt(6 + r);
    const p = await proveSignal(prover, prices.slice(r, r + 6), epoch, bot.address);
    witnessMs.push(p.timings.witnessMs);
    proveMs.push(p.timings.witnessMs + p.timings.proveMs);
    if (r === 0) {
      const w = decodeProofWords(p.proofBytes);
      verifierGas = Number(await d.verifier.getFunction("verifyProof").estimateGas([w[0], w[1]], [[w[2], w[3]], [w[4], w[5]]], [w[6], w[7]], p.publicSignals));
    }
    const receipt = await (await (d.hub.connect(bot) as Contract).getFunction("verifyAndAct")(d.modelId, p.proofBytes, [...p.publicSignals])).wait();
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
