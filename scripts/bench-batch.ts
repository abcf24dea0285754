/**
 * Batch verification gas for the credit-score model (part of `npm run bench`; alone:
 * `npx tsx scripts/bench-batch.ts [--json]`, which updates `batch` in bench/results.json).
 *
 * One approved applicant (a repeat subject: its nonce word exists from an earlier proof) submits n
 * proofs with fresh nonces for n = 1, 2, 4, 8, 16, 32 through verifyAndActBatch. `gasTotal` is the
 * transaction's gas with the CreditGate, `gasPerProof` = gasTotal / n; `verifyGasPerProof` is the same
 * batch on the same verifier registered without a consumer, / n (hub + verifier + calldata + the
 * transaction's 21,000, the consumer excluded). The single verifyAndAct is measured in the same run,
 * for a first-time and a repeat subject, with and without the consumer.
 */
import { readFileSync, writeFileSync, existsSync } from "node:fs";
import { join } from "node:path";
import { REPO_ROOT, bundledSpecPath } from "../prover/artifacts/paths.js";
import { buildModel } from "../prover/build/buildModel.js";
import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";
import type { Hex } from "viem";
import { inferenceHubAbi } from "../prover/chain/abi.js";
import { connectProvider, type ChainClients } from "../prover/chain/connect.js";
import { deployCreditScore } from "../prover/chain/deploy.js";
import { submitInference } from "../prover/chain/submitInference.js";
import { writeAndWait } from "../prover/chain/write.js";
import { applicantFeatures, germanCreditSplit } from "../prover/data/germanCredit.js";
import { runReference } from "../prover/model/interpret.js";
import { encodeBatch } from "../prover/prove/calldata.js";
import { ModelProver, type ProveReturnType } from "../prover/prove/prover.js";

export const BATCH_SIZES = [1, 2, 4, 8, 16, 32] as const;

export interface BatchBenchEntry {
  n: number;
  gasTotal: number;
  gasPerProof: number;
  verifyGasPerProof: number;
}

export interface BatchBenchReturnType {
  model: string;
  subject: "repeat";
  entries: BatchBenchEntry[];
  single: {
    firstTimeSubject: { verifyAndActGas: number; withoutConsumerGas: number };
    repeatSubject: { verifyAndActGas: number; withoutConsumerGas: number };
  };
}

export async function batchBench(hre: HardhatRuntimeEnvironment, log: (line: string) => void): Promise<BatchBenchReturnType> {
  const name = "credit-score";
  log(`\nbatch verification (${name})`);
  const built = await buildModel({ specPath: bundledSpecPath(name), log: () => {} });
  await hre.tasks.getTask("build").run({ quiet: true });
  const prover = await ModelProver.load(bundledSpecPath(name));
  const connection = await hre.network.create();
  const chain = await connectProvider(connection.provider);
  const { publicClient } = chain;
  const [owner, subjectClients, otherClients] = chain.accounts.slice(0, 3).map((a) => chain.as(a)) as [ChainClients, ChainClients, ChainClients];
  const subject = subjectClients.account.address;

  const { test } = germanCreditSplit();
  const approved = test.filter((i) => runReference(prover.ir, applicantFeatures(i)).outputs[0]! >= 0n);
  const total = BATCH_SIZES.reduce((a, n) => a + n, 0);
  // Nonce 1 makes the subject a repeat one; the others go into the single call and the batches; all in the first
  // 256-nonce word, as a subject counting its nonces up uses it.
  const proofs: ProveReturnType[] = [];
  for (let k = 0; k <= total + 1; k++) {
    proofs.push(await prover.prove({ features: applicantFeatures(approved[k % approved.length]!), subject, nonce: BigInt(k + 1) }));
  }
  const firstTime = await prover.prove({ features: applicantFeatures(approved[0]!), subject: otherClients.account.address, nonce: 1n });
  log(`  ${proofs.length + 1} proofs made`);

  const d = await deployCreditScore({ connection, publicClient }, { ...built, threshold: 0n, creditLimit: 10_000n });
  // The same verifier and commitment registered without a consumer: nonces are per model, so the
  // same statements are fresh there.
  await writeAndWait({
    ...owner,
    address: d.hub,
    abi: inferenceHubAbi,
    functionName: "registerModel",
    args: [d.verifier, built.modelCommitment, built.numOutputs, "bench: no consumer"],
  });
  const bare = await publicClient.readContract({ address: d.hub, abi: inferenceHubAbi, functionName: "modelCount" });
  const gasOf = async (sent: Promise<{ receipt: { gasUsed: bigint } }>) => Number((await sent).receipt.gasUsed);
  const single1 = (from: ChainClients, modelId: bigint, p: ProveReturnType) => gasOf(submitInference(from, { hub: d.hub, modelId, ...p }));
  const batch = (modelId: bigint, b: { proofs: Hex; publicSignals: readonly bigint[] }) =>
    gasOf(
      writeAndWait({ ...subjectClients, address: d.hub, abi: inferenceHubAbi, functionName: "verifyAndActBatch", args: [modelId, b.proofs, b.publicSignals] }),
    );

  const firstWith = await single1(otherClients, d.modelId, firstTime);
  const firstWithout = await single1(otherClients, bare, firstTime);
  // The subject's first proof (nonce 1) creates its words; the next single call is a repeat subject's.
  await single1(subjectClients, d.modelId, proofs[0]!);
  await single1(subjectClients, bare, proofs[0]!);
  const single = {
    firstTimeSubject: { verifyAndActGas: firstWith, withoutConsumerGas: firstWithout },
    repeatSubject: { verifyAndActGas: 0, withoutConsumerGas: 0 },
  };
  log(`  single verifyAndAct, first-time subject: ${firstWith} gas (${firstWithout} without the consumer)`);

  const entries: BatchBenchEntry[] = [];
  let next = 1;
  for (const n of BATCH_SIZES) {
    const items = proofs.slice(next, next + n);
    next += n;
    const b = encodeBatch(items);
    let gasTotal: number;
    let withoutConsumer: number;
    if (n === 1) {
      // n = 1 through the single entry point too: the repeat subject's verifyAndAct.
      single.repeatSubject.verifyAndActGas = await single1(subjectClients, d.modelId, items[0]!);
      single.repeatSubject.withoutConsumerGas = await single1(subjectClients, bare, items[0]!);
      log(
        `  single verifyAndAct, repeat subject: ${single.repeatSubject.verifyAndActGas} gas (${single.repeatSubject.withoutConsumerGas} without the consumer)`,
      );
      // The same statement as a batch of one, under fresh nonces (proof 0 and the one above are used).
      const fresh = encodeBatch([proofs[next]!]);
      next += 1;
      gasTotal = await batch(d.modelId, fresh);
      withoutConsumer = await batch(bare, fresh);
    } else {
      gasTotal = await batch(d.modelId, b);
      withoutConsumer = await batch(bare, b);
    }
    const entry = { n, gasTotal, gasPerProof: Math.round(gasTotal / n), verifyGasPerProof: Math.round(withoutConsumer / n) };
    entries.push(entry);
    log(`  n=${String(n).padStart(2)}: ${gasTotal} gas, ${entry.gasPerProof} per proof, ${entry.verifyGasPerProof} per proof without the consumer`);
  }
  return { model: name, subject: "repeat", entries, single };
}

if (process.argv[1]?.endsWith("bench-batch.ts")) {
  const { releaseCurves } = await import("../prover/setup/curve.js");
  try {
    const hre = (await import("hardhat")).default;
    const json = process.argv.includes("--json");
    const batch = await batchBench(hre, (l) => (json ? process.stderr.write(l + "\n") : console.log(l)));
    const file = join(REPO_ROOT, "bench", "results.json");
    const results = existsSync(file) ? JSON.parse(readFileSync(file, "utf8")) : {};
    writeFileSync(file, JSON.stringify({ ...results, batch }, null, 2) + "\n");
    if (json) console.log(JSON.stringify({ batch }));
  } finally {
    await releaseCurves();
  }
  process.exit(0);
}
