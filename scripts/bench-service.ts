/**
 * `npm run bench:service [-- --json] [-- --requests N] [-- --workers 1,2]`: the prover service under
 * load, end to end. For each worker count W: a fresh SQLite queue and a fresh deployment on a local
 * `hardhat node`, N requests posted at once over HTTP, each proved (real Groth16) and submitted
 * (verifyAndAct, confirmed). Reports proofs per minute (N / wall time from the first request to the
 * last confirmation), p50/p95 latency (request to confirmation, from the job records), peak RSS of a
 * prover process (the memory bound per worker), and from the chain itself: lost jobs (not
 * confirmed) and duplicated actions (a statement recorded twice, or any reverted transaction).
 *
 * The last stdout line with --json:
 * {"runs":[{"workers","requests","proofsPerMin","p50Ms","p95Ms","peakRssMb"}],"lost","duplicated"}
 */
import { createHash, randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { availableParallelism, tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { bundledSpecPath } from "../prover/artifacts/paths.js";
import { applicantFeatures, germanCreditSplit } from "../prover/data/germanCredit.js";
import { HARDHAT_DEV_KEY } from "../prover/service/chain.js";
import { startLocalChain } from "../prover/service/dev/localChain.js";
import { startService } from "../prover/service/service.js";
import { releaseCurves } from "../prover/setup/curve.js";
import { auditChain } from "../test/service/helpers.js";
import { dirname } from "node:path";

const { values } = parseArgs({
  args: process.argv.slice(2),
  options: { json: { type: "boolean", default: false }, requests: { type: "string", default: "24" }, workers: { type: "string", default: "1,2" } },
});
const N = Number(values.requests);
const workerCounts = values.workers!.split(",").map(Number);
const log = (line: string) => console.log(line);
const KEY = "zki_bench";

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

async function main() {
  log(`zkinfer service bench: ${N} requests per run, workers ${workerCounts.join(", ")} (this machine: ${availableParallelism()} cores)`);
  const chain = await startLocalChain();
  const dir = mkdtempSync(join(tmpdir(), "zkinfer-bench-"));
  const runs = [];
  let lost = 0;
  let duplicated = 0;
  try {
    const { test } = germanCreditSplit();
    for (const workers of workerCounts) {
      const service = await startService({
        models: [dirname(bundledSpecPath("credit-score"))],
        queue: { kind: "sqlite", path: join(dir, `w${workers}.sqlite`) },
        workers,
        chain: { rpcUrl: chain.url, privateKey: HARDHAT_DEV_KEY, deploy: { threshold: 0n, creditLimit: 1_000n } },
        apiKeyHashes: [createHash("sha256").update(KEY).digest("hex")],
        port: 0,
      });
      try {
        const headers = { "content-type": "application/json", authorization: `Bearer ${KEY}` };
        const started = Date.now();
        const ids = await Promise.all(
          Array.from({ length: N }, async (_, i) => {
            const body = { input: applicantFeatures(test[i % test.length]!), subject: "0x" + randomBytes(20).toString("hex"), nonce: i + 1 };
            const r = await fetch(`${service.url}/v1/models/credit-score/proofs`, { method: "POST", headers, body: JSON.stringify(body) });
            if (r.status !== 202) throw new Error(`request ${i}: ${r.status} ${await r.text()}`);
            return ((await r.json()) as { jobId: string }).jobId;
          }),
        );
        let jobs;
        for (;;) {
          jobs = await Promise.all(ids.map((id) => service.queue.get(id)));
          if (jobs.every((j) => j!.status === "confirmed" || j!.status === "failed")) break;
          await new Promise((r) => setTimeout(r, 100));
        }
        const wallMs = Math.max(...jobs.map((j) => j!.updatedAt)) - started;
        const latencies = jobs.map((j) => j!.updatedAt - j!.createdAt).sort((a, b) => a - b);
        const audit = await auditChain(chain.url, service.hub!, service.submitter!.address);
        const statements = new Set(audit.verified.map((v) => `${v.subject}/${v.nonce}`));
        const runLost = jobs.filter((j) => j!.status !== "confirmed").length;
        const runDuplicated = audit.verified.length - statements.size + audit.reverted + Math.max(0, audit.sent - N);
        lost += runLost;
        duplicated += runDuplicated;
        const run = {
          workers,
          requests: N,
          proofsPerMin: Math.round((N / wallMs) * 60_000 * 10) / 10,
          p50Ms: Math.round(percentile(latencies, 50)),
          p95Ms: Math.round(percentile(latencies, 95)),
          peakRssMb: Math.round(service.pool!.peakRssMb),
        };
        runs.push(run);
        log(
          `  ${workers} worker(s): ${run.proofsPerMin} proofs/min, p50 ${run.p50Ms} ms, p95 ${run.p95Ms} ms, peak prover RSS ${run.peakRssMb} MB, ` +
            `service RSS ${Math.round(process.memoryUsage().rss / 2 ** 20)} MB; on-chain: ${statements.size}/${N} recorded, lost ${runLost}, duplicated ${runDuplicated}`,
        );
      } finally {
        await service.close();
      }
    }
  } finally {
    await chain.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  const base = runs.find((r) => r.workers === 1);
  for (const r of runs) {
    if (base && r.workers > 1) log(`  scaling at ${r.workers} workers: ${(r.proofsPerMin / (base.proofsPerMin * r.workers)).toFixed(2)} of linear (target >= 0.80)`);
  }
  if (values.json) console.log(JSON.stringify({ runs, lost, duplicated }));
}

try {
  await main();
} finally {
  await releaseCurves();
}
process.exit(0);
