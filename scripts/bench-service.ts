/**
 * `npm run bench:service [-- --json] [-- --requests N] [-- --workers 1,2] [-- --skip-e2e]`: the prover
 * service under load. The service is the real `zkinfer serve` process (SQLite queue, W prover
 * processes); this script is only its HTTP client. Two measurements, each with a fresh queue per
 * worker count W:
 *
 * 1. Proving throughput (`runs`, what the scaling target is about): N requests with `submit: false`
 *    posted at once, no chain. Proofs per minute = N / (last proof recorded - first request sent);
 *    latency = request to proof recorded (from the job records).
 * 2. End to end (`endToEnd`): the same N requests submitted to `verifyAndAct` on a local `hardhat
 *    node` and followed to confirmation. Rate and latency up to the last confirmation. The chain is a
 *    benchmark stand-in running on the same cores (a real chain runs elsewhere): it costs CPU per
 *    transaction here, which is why it is measured apart.
 *
 * Every run also reports the mean proof time per job (witness + Groth16, from the records), how busy
 * the W provers were (sum of proof times / (W x wall time)), the peak RSS of a prover (the memory
 * bound per worker), and where the CPU went (core-seconds of the provers, the service process, the
 * chain, this client, and every other process on the machine: a shared machine shows up there).
 * A control comes first: the same W prover processes fed directly by this script (no service, no
 * queue, no HTTP, no chain), i.e. what the machine allows at that moment (`bareProvers`).
 *
 * lost = jobs that did not reach proved (1) / confirmed (2); duplicated = from the chain itself:
 * a statement recorded twice, a reverted or an extra transaction.
 *
 * The last stdout line with --json:
 * {"runs":[{"workers","requests","proofsPerMin","p50Ms","p95Ms","peakRssMb",...}],"endToEnd":[...],"bareProvers":[...],"lost","duplicated"}
 *
 * `--aggregate N [--batches B] [--redis <url>]` measures instead the gas per job of single proofs vs
 * aggregated batches of N through the service (./dev/benchAggregatedService.ts); with --json its last
 * line is {"aggregatedService":{"model","n","jobs","single":{"gasPerJob",...},"aggregated":{"gasPerJob",...}}}.
 */
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { availableParallelism, tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { createPublicClient, http, type Address } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { applicantFeatures, germanCreditSplit } from "../prover/data/germanCredit.js";
import { HARDHAT_DEV_KEY, HUB_ABI } from "../prover/service/chain.js";
import { processTree, startCpuMeter } from "./dev/cpuAccounting.js";
import { startLocalChain, type LocalChain } from "./dev/localChain.js";
import { loadServiceModels } from "../prover/service/models.js";
import { ProverPool } from "../prover/service/proverPool.js";
import { releaseCurves } from "../prover/setup/curve.js";
import { MODEL_DIR, SERVE_READY, auditChain, call, newSubject, startCli } from "./dev/serviceHarness.js";
import { benchAggregatedService } from "./dev/benchAggregatedService.js";

const { values } = parseArgs({
  args: process.argv.slice(2),
  options: {
    json: { type: "boolean", default: false },
    requests: { type: "string", default: "24" },
    workers: { type: "string", default: "1,2" },
    "skip-e2e": { type: "boolean", default: false },
    aggregate: { type: "string" },
    batches: { type: "string", default: "2" },
    redis: { type: "string" },
  },
});
const N = Number(values.requests);
const workerCounts = values.workers!.split(",").map(Number);
const log = (line: string) => console.log(line);
const cores = availableParallelism();

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

function metricValue(text: string, status: string): number {
  return Number(new RegExp(`^zkinfer_queue_jobs\\{status="${status}"\\} (\\d+)`, "m").exec(text)?.[1] ?? 0);
}

interface Run {
  workers: number;
  requests: number;
  proofsPerMin: number;
  p50Ms: number;
  p95Ms: number;
  peakRssMb: number;
  /** Mean witness + Groth16 time per job. */
  proofMs: number;
  /** Sum of proof times / (workers x wall time). */
  proverBusy: number;
  /** Core-seconds during the run, by process group; null off Linux. */
  cpu: Record<string, number> | null;
  lost: number;
  duplicated: number;
}

async function run(workers: number, dir: string, chain?: LocalChain): Promise<Run> {
  const submit = chain !== undefined;
  const args = [
    "serve",
    "--models",
    MODEL_DIR,
    "--db",
    join(dir, `${submit ? "e2e" : "prove"}-w${workers}.sqlite`),
    "--workers",
    String(workers),
    "--port",
    "0",
  ];
  if (chain) args.push("--rpc", chain.url, "--deploy");
  const service = await startCli(args, SERVE_READY);
  try {
    const base = service.url!;
    const hub = (/hub (0x[0-9a-fA-F]{40})/.exec(service.output())?.[1] ?? undefined) as Address | undefined;
    const health = (await call(base, "GET", "/healthz")).json as { proverPids: number[] };
    const meter = startCpuMeter({
      provers: () => health.proverPids,
      service: () => [service.child.pid!],
      ...(chain ? { chain: () => processTree(chain.process.pid!) } : {}),
    });
    const { test } = germanCreditSplit();
    // The model the service serves: the latest registered on its hub (it deployed it at start).
    const servedModelId =
      chain && hub
        ? ((await createPublicClient({ transport: http(chain.url) }).readContract({ address: hub, abi: HUB_ABI, functionName: "modelCount" })) as bigint)
        : 0n;
    const started = Date.now();
    const ids = await Promise.all(
      Array.from({ length: N }, async (_, i) => {
        // A submitted job needs its subject's authorization of the service's key (the hub lets only the
        // subject, or a relayer it authorised, use up its nonce); a fresh subject per request.
        const s = newSubject();
        const authorization =
          submit && hub
            ? await s.authorization({ hub, modelId: servedModelId, nonce: i + 1, submitter: privateKeyToAccount(HARDHAT_DEV_KEY).address })
            : undefined;
        const body = {
          input: applicantFeatures(test[i % test.length]!),
          subject: s.address,
          nonce: i + 1,
          submit,
          ...(authorization ? { authorization } : {}),
        };
        const r = await call(base, "POST", "/v1/models/credit-score/proofs", body);
        if (r.status !== 202) throw new Error(`request ${i}: ${r.status} ${r.text}`);
        return r.json.jobId as string;
      }),
    );
    // One cheap scrape every 250 ms (not a GET per job): the client stays out of the service's way.
    // Timing comes from the records, not from this loop.
    for (;;) {
      const text = (await call(base, "GET", "/metrics")).text;
      const done = metricValue(text, submit ? "confirmed" : "proved") + metricValue(text, "failed");
      if (done >= N) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    const cpu = meter.stop();
    const jobs = await Promise.all(ids.map(async (id) => (await call(base, "GET", `/v1/jobs/${id}`)).json));
    const finished = (j: { updatedAt: string }) => Date.parse(j.updatedAt);
    const wallMs = Math.max(...jobs.map(finished)) - started;
    const latencies = jobs.map((j) => finished(j) - Date.parse(j.createdAt)).sort((a, b) => a - b);
    const proofMs = jobs.map((j) => (j.timings.witnessMs ?? 0) + (j.timings.proveMs ?? 0));
    const lost = jobs.filter((j) => j.status !== (submit ? "confirmed" : "proved")).length;
    let duplicated = 0;
    let onChain = "";
    if (chain && hub) {
      const audit = await auditChain(chain.url, hub, privateKeyToAccount(HARDHAT_DEV_KEY).address);
      const statements = new Set(audit.verified.map((v) => `${v.subject}/${v.nonce}`));
      duplicated = audit.verified.length - statements.size + audit.reverted + Math.max(0, audit.sent - N);
      onChain = `; on-chain: ${statements.size}/${N} recorded`;
    }
    const peak = (await call(base, "GET", "/healthz")).json.proverPeakRssMb as number;
    const r: Run = {
      workers,
      requests: N,
      proofsPerMin: Math.round((N / wallMs) * 60_000 * 10) / 10,
      p50Ms: Math.round(percentile(latencies, 50)),
      p95Ms: Math.round(percentile(latencies, 95)),
      peakRssMb: peak,
      proofMs: Math.round(proofMs.reduce((a, b) => a + b, 0) / N),
      proverBusy: Math.round((proofMs.reduce((a, b) => a + b, 0) / (workers * wallMs)) * 100) / 100,
      cpu,
      lost,
      duplicated,
    };
    const cpuText = cpu
      ? `; core-seconds over ${(wallMs / 1000).toFixed(1)} s: ${Object.entries(cpu)
          .map(([k, v]) => `${k} ${v}`)
          .join(", ")}`
      : "";
    log(
      `  ${workers} worker(s): ${r.proofsPerMin} proofs/min, p50 ${r.p50Ms} ms, p95 ${r.p95Ms} ms, proof ${r.proofMs} ms/job` +
        `${cpu ? ` (prover CPU ${Math.round((cpu.provers! / N) * 1000)} ms/job)` : ""}, provers busy ${Math.round(r.proverBusy * 100)}%, ` +
        `peak prover RSS ${r.peakRssMb} MB${onChain}, lost ${lost}, duplicated ${duplicated}${cpuText}`,
    );
    if (cpu && cpu.otherProcesses! > 0.1 * cores * (wallMs / 1000)) {
      log(`    NOTE: other processes on this machine used ${((cpu.otherProcesses! / wallMs) * 1000).toFixed(2)} of its ${cores} cores during this run`);
    }
    return r;
  } finally {
    await service.kill("SIGTERM");
  }
}

/**
 * The control: the same W prover processes fed directly (no HTTP, no queue, no service), so the
 * best this machine allows right now is measured next to what the service reaches.
 */
async function bareProvers(workers: number): Promise<{ workers: number; proofsPerMin: number; proofMs: number; cpu: Record<string, number> | null }> {
  const [model] = [...(await loadServiceModels([MODEL_DIR])).values()];
  const pool = new ProverPool({ specs: { [model!.name]: model!.specPath }, size: workers });
  try {
    await pool.ready();
    const meter = startCpuMeter({ provers: () => pool.pids() });
    const { test } = germanCreditSplit();
    const started = Date.now();
    const results = await Promise.all(
      Array.from({ length: N }, (_, i) =>
        pool.prove({
          id: `bare-${i}`,
          model: model!.name,
          input: applicantFeatures(test[i % test.length]!),
          subject: "0x" + randomBytes(20).toString("hex"),
          nonce: String(i + 1),
        }),
      ),
    );
    const wallMs = Date.now() - started;
    const cpu = meter.stop();
    const r = {
      workers,
      proofsPerMin: Math.round((N / wallMs) * 60_000 * 10) / 10,
      proofMs: Math.round(results.reduce((a, x) => a + x.witnessMs + x.proveMs, 0) / N),
      cpu,
    };
    const cpuText = cpu
      ? `; core-seconds over ${(wallMs / 1000).toFixed(1)} s: ${Object.entries(cpu)
          .map(([k, v]) => `${k} ${v}`)
          .join(", ")}`
      : "";
    log(
      `  ${workers} prover(s): ${r.proofsPerMin} proofs/min, proof ${r.proofMs} ms/job${cpu ? ` (prover CPU ${Math.round((cpu.provers! / N) * 1000)} ms/job)` : ""}${cpuText}`,
    );
    return r;
  } finally {
    await pool.close();
  }
}

function scaling(label: string, runs: { workers: number; proofsPerMin: number }[]): void {
  const base = runs.find((r) => r.workers === 1);
  for (const r of runs) {
    if (base && r.workers > 1)
      log(`  ${label} at ${r.workers} workers: ${(r.proofsPerMin / (base.proofsPerMin * r.workers)).toFixed(2)} of linear (target >= 0.80)`);
  }
}

async function main() {
  log(`zkinfer service bench: ${N} requests per run, workers ${workerCounts.join(", ")} (this machine: ${cores} cores)`);
  const dir = mkdtempSync(join(tmpdir(), "zkinfer-bench-"));
  const runs: Run[] = [];
  const endToEnd: Run[] = [];
  const bare = [];
  try {
    log("control: the same prover processes fed directly (no service, no queue, no HTTP, no chain):");
    for (const w of workerCounts) bare.push(await bareProvers(w));
    scaling("bare provers", bare);
    log("proving throughput (submit: false, no chain):");
    for (const w of workerCounts) runs.push(await run(w, dir));
    scaling("proving throughput", runs);
    if (!values["skip-e2e"]) {
      log("end to end (submitted and confirmed on a local hardhat node on the same machine):");
      const chain = await startLocalChain();
      try {
        for (const w of workerCounts) endToEnd.push(await run(w, dir, chain));
      } finally {
        await chain.stop();
      }
      scaling("end to end", endToEnd);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const all = [...runs, ...endToEnd];
  const lost = all.reduce((s, r) => s + r.lost, 0);
  const duplicated = all.reduce((s, r) => s + r.duplicated, 0);
  if (values.json) console.log(JSON.stringify({ runs, endToEnd, bareProvers: bare, lost, duplicated }));
}

try {
  if (values.aggregate !== undefined) {
    const result = await benchAggregatedService({
      n: Number(values.aggregate),
      batches: Number(values.batches),
      redisUrl: values.redis ?? process.env.ZKINFER_TEST_REDIS_URL ?? "redis://127.0.0.1:6379",
      log,
    });
    if (values.json) console.log(JSON.stringify({ aggregatedService: result }));
  } else await main();
} finally {
  await releaseCurves(); // loadServiceModels built a curve (the model commitment) in this process
}
process.exit(0);
