/**
 * The accuracy bounty's entry of `npm run bench` (issue 17's target: the bounty circuit over all 300
 * held-out German Credit applicants fits this 2-core machine). Measures, on the 300-sample circuit:
 * constraints and ptau power; a fresh compile and a fresh Groth16 setup (zkey, contribution, beacon,
 * zkey verify) into a temporary folder, timed once each (the build itself is cached and untouched);
 * proving (witness + Groth16, keys loaded once; median of RUNS); the claim's verifyAndAct gas; and
 * the modeller's accuracy in float (the bundled logistic regression's float weights) vs in the
 * circuit (weights at 2^10).
 *
 * Alone: `npx tsx scripts/bench-bounty.ts [--json]`.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { artifactPath, bundledSpecPath } from "../prover/artifacts/paths.js";
import { buildBounty } from "../prover/build/buildBounty.js";
import { connectProvider } from "../prover/chain/connect.js";
import { compileCircuit } from "../prover/circuit/compile.js";
import { germanCreditTestSet } from "../prover/data/germanCreditBounty.js";
import { BountyProver } from "../prover/prove/bountyProver.js";
import { randomSalt } from "../prover/prove/core.js";
import { setupGroth16 } from "../prover/setup/groth16.js";
import { releaseCurves } from "../prover/setup/curve.js";
import { bountyArchitecture, creditLogisticBountyModel } from "./dev/bountyModels.js";
import { claimBounty, deployBountyStack, registerBountyModel } from "./dev/bountyStack.js";
import { median, round } from "./stats.js";

const NAME = "credit-bounty-300";
const RUNS = 3;

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function bountyBench(hre: any, log: (line: string) => void) {
  log(`\n${NAME} (accuracy bounty, 300 test samples as circuit constants)`);
  const testSet = germanCreditTestSet(300);
  const built = await buildBounty({ name: NAME, ir: bountyArchitecture(), testSet, log });

  // Fresh compile and setup, timed, in a temporary folder (the cached build is left as it is).
  const dir = mkdtempSync(join(tmpdir(), "zkinfer-bounty-bench-"));
  let compileMs: number;
  let setupMs: number;
  try {
    const t0 = performance.now();
    await compileCircuit({ source: artifactPath(NAME, "circuit"), outDir: dir });
    compileMs = performance.now() - t0;
    const t1 = performance.now();
    await setupGroth16({
      r1cs: artifactPath(NAME, "r1cs"),
      ptau: built.ptau.path,
      zkeyInitial: join(dir, "initial.zkey"),
      zkeyContributed: join(dir, "contributed.zkey"),
      zkeyFinal: join(dir, "final.zkey"),
      vkey: join(dir, "vkey.json"),
      log: () => {},
    });
    setupMs = performance.now() - t1;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }

  const prover = await BountyProver.load(NAME, testSet);
  const model = creditLogisticBountyModel(randomSalt().toString());
  const connection = await hre.network.create();
  const chain = await connectProvider(connection.provider);
  const [sponsor, modeller] = [chain.as(chain.accounts[0]!), chain.as(chain.accounts[1]!)];
  const s = await deployBountyStack(
    { connection, sponsor },
    { bountyName: NAME, testSetHash: built.testSetHash, testSamples: 300, minCorrect: 216, reward: 10n ** 21n, duration: 86_400n },
  );
  const proveMs: number[] = [];
  const witnessMs: number[] = [];
  let last;
  for (let r = 0; r < RUNS; r++) {
    last = await prover.prove({ ir: model, subject: modeller.account.address, nonce: BigInt(r + 1) });
    witnessMs.push(last.timings.witnessMs);
    proveMs.push(last.timings.witnessMs + last.timings.proveMs);
  }
  const modelId = await registerBountyModel(s.hub, modeller, s.verifier, last!.modelCommitment, s.bounty);
  const { receipt } = await claimBounty(s.hub, modeller, modelId, last!);

  // The modeller's float model: the bundled logistic regression's weights, unquantized.
  const spec = JSON.parse(readFileSync(bundledSpecPath("credit-logistic"), "utf8")) as { layers: [{ weights: [number[]]; bias: [number] }] };
  const [w, b] = [spec.layers[0].weights[0], spec.layers[0].bias[0]];
  const floatCorrect = testSet.samples.filter((row, i) => (row.reduce((acc, x, j) => acc + Number(x) * w[j]!, b) >= 0 ? 1 : 0) === testSet.labels[i]).length;

  const entry = {
    name: NAME,
    testSamples: testSet.samples.length,
    nonLinearConstraints: built.circuit.nonLinearConstraints,
    linearConstraints: built.circuit.linearConstraints,
    ptauPower: built.ptau.power,
    compileMs: round(compileMs),
    setupMs: round(setupMs),
    witnessMs: round(median(witnessMs), 2),
    proveMs: round(median(proveMs)),
    claimVerifyAndActGas: Number(receipt.gasUsed),
    correctCircuit: last!.correct,
    accuracyCircuit: round(last!.correct / testSet.samples.length, 4),
    correctFloat: floatCorrect,
    accuracyFloat: round(floatCorrect / testSet.samples.length, 4),
  };
  log(
    `  constraints ${entry.nonLinearConstraints} non-linear + ${entry.linearConstraints} linear (ptau 2^${entry.ptauPower}); compile ${entry.compileMs} ms, Groth16 setup ${entry.setupMs} ms`,
  );
  log(
    `  proving (witness + Groth16) ${entry.proveMs} ms, median of ${RUNS} (witness ${entry.witnessMs} ms); claim verifyAndAct ${entry.claimVerifyAndActGas} gas`,
  );
  log(
    `  accuracy: float ${entry.correctFloat}/300 (${(100 * entry.accuracyFloat).toFixed(1)}%), circuit ${entry.correctCircuit}/300 (${(100 * entry.accuracyCircuit).toFixed(1)}%)`,
  );
  return entry;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  try {
    const entry = await bountyBench((await import("hardhat")).default, console.log);
    if (process.argv.includes("--json")) console.log(JSON.stringify(entry));
  } finally {
    await releaseCurves();
  }
  process.exit(0);
}
