/**
 * /metrics reports proof durations and failures by kind for every job of the queue, whichever process
 * recorded it: on Redis, the jobs a `zkinfer worker` proved (another process, here another queue
 * connection with its own handler) show up in the metrics of the process that serves the API. With
 * both back ends the numbers are the queue's and survive a restart. (The CLI-level check, a real
 * `zkinfer worker` and the /metrics of `zkinfer serve`, is in faults.test.ts.)
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import { ServiceMetrics } from "../../prover/service/metrics.js";
import { JobError, type JobQueue } from "../../prover/service/queue/jobQueue.js";
import { RedisQueue } from "../../prover/service/queue/redisQueue.js";
import { SqliteQueue } from "../../prover/service/queue/sqliteQueue.js";
import { testRedisUrl, waitFor } from "./helpers.js";

const input = { duration_months: 12 };
const job = (i: number) => ({ owner: "tenant", model: "m", input, subject: "0x" + "ab".repeat(20), nonce: String(i), submit: false });

/** Proof time (witness + prove) per job nonce: 0.3 s, 1.5 s, 3 s; nonce 99 fails deterministically. */
const SECONDS: Record<string, number> = { "1": 0.3, "2": 1.5, "3": 3 };
const fakeProver = async (j: { nonce: string }) => {
  if (j.nonce === "99") throw new JobError("prove", "the witness does not satisfy the circuit", false);
  return { proof: {}, proofBytes: "0x", publicSignals: [], witnessMs: 100, proveMs: SECONDS[j.nonce]! * 1000 - 100 };
};

function sample(text: string, series: string): number | undefined {
  const line = text.split("\n").find((l) => l.startsWith(series + " "));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

async function expectRecorded(api: JobQueue) {
  const text = await new ServiceMetrics(api).registry.metrics();
  // Proofs of 0.3 s, 1.5 s and 3 s (witnessMs + proveMs), recorded by the other process.
  expect(sample(text, "zkinfer_proof_duration_seconds_count")).to.equal(3);
  expect(sample(text, "zkinfer_proof_duration_seconds_sum")! - 4.8)
    .to.be.lessThan(1e-9)
    .and.greaterThan(-1e-9);
  expect(sample(text, 'zkinfer_proof_duration_seconds_bucket{le="0.25"}')).to.equal(0);
  expect(sample(text, 'zkinfer_proof_duration_seconds_bucket{le="0.5"}')).to.equal(1);
  expect(sample(text, 'zkinfer_proof_duration_seconds_bucket{le="2"}')).to.equal(2);
  expect(sample(text, 'zkinfer_proof_duration_seconds_bucket{le="4"}')).to.equal(3);
  expect(sample(text, 'zkinfer_proof_duration_seconds_bucket{le="+Inf"}')).to.equal(3);
  expect(sample(text, 'zkinfer_job_failures_total{kind="prove"}')).to.equal(1);
  expect(sample(text, 'zkinfer_job_failures_total{kind="crash"}')).to.equal(0);
  expect(text).to.match(/# TYPE zkinfer_proof_duration_seconds histogram/);
}

describe("prover service metrics come from the queue", function () {
  this.timeout(60_000);

  it("Redis: /metrics of the API process counts proofs and failures recorded by a worker process", async function () {
    const url = await testRedisUrl();
    if (!url) return this.skip();
    const prefix = `zkt-metrics-${process.pid}-${Date.now()}`;
    const api = new RedisQueue({ url, prefix });
    const worker = new RedisQueue({ url, prefix });
    try {
      const ids: string[] = [];
      for (const nonce of [1, 2, 3, 99]) ids.push((await api.enqueue(job(nonce))).job.id);
      // The "worker process": its own connection and prove handler; the API queue has none.
      const seen: string[] = [];
      await worker.startProving(async (j) => {
        seen.push(j.id);
        return fakeProver(j);
      }, 2);
      await waitFor("the worker to record every job", async () => {
        const all = await Promise.all(ids.map((id) => api.get(id)));
        return all.every((j) => j!.status === "proved" || j!.status === "failed");
      });
      expect(seen).to.have.members(ids);
      await expectRecorded(api);
      // A restarted API process reads the same numbers.
      const again = new RedisQueue({ url, prefix });
      try {
        await expectRecorded(again);
      } finally {
        await again.close();
      }
    } finally {
      await worker.close();
      await api.close();
    }
  });

  it("SQLite: the same numbers, kept across a reopen of the queue", async () => {
    const dir = mkdtempSync(join(tmpdir(), "zkinfer-metrics-"));
    try {
      const path = join(dir, "jobs.sqlite");
      const queue = new SqliteQueue({ path });
      const ids: string[] = [];
      for (const nonce of [1, 2, 3, 99]) ids.push((await queue.enqueue(job(nonce))).job.id);
      await queue.startProving(fakeProver, 2);
      await waitFor("every job recorded", async () =>
        (await Promise.all(ids.map((id) => queue.get(id)))).every((j) => j!.status === "proved" || j!.status === "failed"),
      );
      await expectRecorded(queue);
      await queue.close();
      const reopened = new SqliteQueue({ path });
      try {
        await expectRecorded(reopened);
      } finally {
        await reopened.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
