/**
 * `npm run bench:service -- --aggregate N [--redis <url>] [--batches B] [--json]`: gas per job of the
 * prover service, single proofs vs aggregated batches of N, measured from the chain. The real `zkinfer
 * serve --redis` (one prover), a local `hardhat node`, credit-score with its CreditGate (the bundled
 * development stack, the hub's timelock passed with evm_increaseTime to apply the aggregated verifier),
 * first-time subjects (a fresh account per job), every job relayed (its subject's EIP-712
 * authorization). Gas per job = the gas of every transaction the service sent / the jobs confirmed.
 * Needs `zkinfer build models/credit-score --aggregate N` and a Redis.
 */
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { decodeFunctionData, type Address, type Hash } from "viem";
import { applicantFeatures, germanCreditSplit } from "../../prover/data/germanCredit.js";
import { signSubmissionAuthorization } from "../../prover/abi/submissionAuthorization.js";
import { inferenceHubAbi } from "../../prover/chain/abi.js";
import { deployAggregatedVerifiers } from "../../prover/chain/deployAggregated.js";
import { writeAndWait } from "../../prover/chain/write.js";
import { HARDHAT_DEV_KEY, connectChain, deployDevStack, type ChainClients } from "../../prover/service/chain.js";
import { loadServiceModels } from "../../prover/service/models.js";
import { startLocalChain } from "./localChain.js";
import { MODEL_DIR, SERVE_READY, call, startCli } from "./serviceHarness.js";

export interface AggregatedServiceGas {
  model: string;
  n: number;
  jobs: number;
  subjects: "first-time";
  submission: "relayed";
  consumer: "CreditGate";
  single: { gasPerJob: number; transactions: number };
  aggregated: { gasPerJob: number; transactions: number; batches: number };
}

export async function benchAggregatedService(o: { n: number; batches: number; redisUrl: string; log: (line: string) => void }): Promise<AggregatedServiceGas> {
  const jobs = o.n * o.batches;
  const chain = await startLocalChain();
  try {
    const clients = await connectChain(chain.url, HARDHAT_DEV_KEY);
    const [model] = [...(await loadServiceModels([MODEL_DIR])).values()];
    const stack = await deployDevStack(clients, { ...model!, modelCommitment: model!.commitment, numOutputs: 1, threshold: 0n, creditLimit: 10_000n });
    await applyAggregated(clients, chain.url, stack.hub, stack.modelId, model!.specPath, o.n);
    const measure = async (label: string, flags: string[], offset: number) => {
      const serve = await startCli(
        [
          "serve",
          "--models",
          MODEL_DIR,
          "--rpc",
          chain.url,
          "--hub",
          stack.hub,
          "--model-id",
          `credit-score=${stack.modelId}`,
          "--consumer",
          `credit-score=${stack.creditGate}`,
          "--redis",
          o.redisUrl,
          "--redis-prefix",
          `zkbench-${label}-${Date.now()}`,
          "--workers",
          "1",
          "--port",
          "0",
          ...flags,
        ],
        SERVE_READY,
      );
      try {
        const txs = await runJobs(serve.url!, clients, stack.hub, stack.modelId, jobs, offset);
        let gas = 0n;
        let calls = 0;
        for (const hash of txs) {
          const receipt = await clients.publicClient.getTransactionReceipt({ hash });
          gas += receipt.gasUsed;
          const tx = await clients.publicClient.getTransaction({ hash });
          if (decodeFunctionData({ abi: inferenceHubAbi, data: tx.input }).functionName === "verifyAndActAggregated") calls++;
        }
        const perJob = Number(gas / BigInt(jobs));
        o.log(`  ${label}: ${jobs} jobs in ${txs.size} transactions (${calls} aggregated), ${perJob.toLocaleString("en-US")} gas per job`);
        return { gasPerJob: perJob, transactions: txs.size, batches: calls };
      } finally {
        await serve.kill("SIGTERM");
      }
    };
    o.log(`service gas per job, credit-score with CreditGate, first-time relayed subjects, ${jobs} jobs each:`);
    const single = await measure("single", ["--aggregate", "none"], 0);
    const aggregated = await measure(`aggregated N = ${o.n}`, ["--aggregate", String(o.n), "--aggregate-wait", "60000"], jobs);
    o.log(`  aggregated / single: ${(aggregated.gasPerJob / single.gasPerJob).toFixed(3)}`);
    return {
      model: "credit-score",
      n: o.n,
      jobs,
      subjects: "first-time",
      submission: "relayed",
      consumer: "CreditGate",
      single: { gasPerJob: single.gasPerJob, transactions: single.transactions },
      aggregated,
    };
  } finally {
    await chain.stop();
  }
}

/** Deploys and announces credit-score's aggregated verifier for `n`, passes the hub's delay on the local chain, applies it. */
async function applyAggregated(clients: ChainClients, rpcUrl: string, hub: Address, modelId: bigint, specPath: string, n: number): Promise<void> {
  const [deployed] = await deployAggregatedVerifiers({ rpcUrl, privateKey: HARDHAT_DEV_KEY, hub, modelId, specPath, sizes: [n], allowDevSetup: true });
  if (deployed!.applied) return;
  const now = (await clients.publicClient.getBlock()).timestamp;
  await clients.publicClient.request({ method: "evm_increaseTime" as never, params: [Number(deployed!.readyAt - now) + 1] as never });
  await clients.publicClient.request({ method: "evm_mine" as never, params: [] as never });
  await writeAndWait({ ...clients, address: hub, abi: inferenceHubAbi, functionName: "applyAggregatedVerifier", args: [modelId, BigInt(n)] });
}

/** Posts `count` relayed requests of fresh subjects, waits for all to be confirmed, returns the transactions that recorded them. */
async function runJobs(base: string, clients: ChainClients, hub: Address, modelId: bigint, count: number, offset: number): Promise<Set<Hash>> {
  const { test } = germanCreditSplit();
  const now = (await clients.publicClient.getBlock()).timestamp;
  const ids = await Promise.all(
    Array.from({ length: count }, async (_, i) => {
      const account = privateKeyToAccount(generatePrivateKey());
      const a = await signSubmissionAuthorization(account, {
        hub,
        chainId: clients.chainId,
        modelId,
        subject: account.address,
        nonce: 1n,
        submitter: clients.account.address,
        deadline: now + 3600n,
      });
      const r = await call(base, "POST", "/v1/models/credit-score/proofs", {
        input: applicantFeatures(test[(offset + i) % test.length]!),
        subject: account.address,
        nonce: 1,
        authorization: { deadline: a.deadline.toString(), signature: a.signature },
      });
      if (r.status !== 202) throw new Error(`request ${i}: ${r.status} ${r.text}`);
      return r.json.jobId as string;
    }),
  );
  const deadline = Date.now() + 600_000;
  for (;;) {
    const jobs = await Promise.all(ids.map(async (id) => (await call(base, "GET", `/v1/jobs/${id}`)).json));
    const failed = jobs.filter((j) => j.status === "failed");
    if (failed.length > 0) throw new Error(`jobs failed: ${JSON.stringify(failed.map((j) => j.error))}`);
    if (jobs.every((j) => j.status === "confirmed")) return new Set(jobs.map((j) => j.txHash as Hash));
    if (Date.now() > deadline) throw new Error("jobs not confirmed within 10 minutes");
    await new Promise((r) => setTimeout(r, 500));
  }
}
