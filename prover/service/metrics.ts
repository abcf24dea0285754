/**
 * Prometheus metrics of one service process. Queue depth by status, proof durations and failures by
 * kind are read from the queue at scrape time (`counts()`, `stats()`): the queue's truth, written
 * with the records by whichever process made the transition, so on Redis they include the jobs that
 * `zkinfer worker` processes proved, and every `serve` process on that queue reports the same
 * (cluster-wide) values; they survive restarts. Rejections and confirmations are this process's
 * own counters. A registry per service (not prom-client's global one), so tests can run several.
 */
import { Counter, Gauge, Registry, type MetricValueWithName } from "prom-client";
import { FAILURE_KINDS, JOB_STATUSES, type JobRecord } from "./jobs.js";
import { PROOF_DURATION_BUCKETS, type JobQueue } from "./queue/jobQueue.js";

export class ServiceMetrics {
  readonly registry = new Registry();
  readonly rejected: Counter;
  readonly confirmed: Counter;

  constructor(queue: JobQueue) {
    new Gauge({
      name: "zkinfer_queue_jobs",
      help: "Jobs by status (queued and proving are the queue depth).",
      labelNames: ["status"],
      registers: [this.registry],
      async collect() {
        const counts = await queue.counts();
        for (const s of JOB_STATUSES) this.set({ status: s }, counts[s]);
      },
    });
    // A histogram and a counter whose values live in the queue: prom-client renders any metric whose
    // get() returns its samples (its own Histogram can only observe in this process).
    const proofDuration = {
      name: "zkinfer_proof_duration_seconds",
      help: "Witness + Groth16 proof time per proved job (all provers of the queue, `zkinfer worker`s included).",
      async get() {
        const { proofs } = await queue.stats();
        let cumulative = 0;
        const values: MetricValueWithName<string>[] = PROOF_DURATION_BUCKETS.map((le, i) => {
          cumulative += proofs.buckets[i] ?? 0;
          return { metricName: "zkinfer_proof_duration_seconds_bucket", labels: { le }, value: cumulative };
        });
        values.push({ metricName: "zkinfer_proof_duration_seconds_bucket", labels: { le: "+Inf" }, value: proofs.count });
        values.push({ metricName: "zkinfer_proof_duration_seconds_sum", labels: {}, value: proofs.sumSeconds });
        values.push({ metricName: "zkinfer_proof_duration_seconds_count", labels: {}, value: proofs.count });
        return { name: this.name, help: this.help, type: "histogram" as never, values, aggregator: "sum" };
      },
    };
    const failures = {
      name: "zkinfer_job_failures_total",
      help: "Jobs that ended failed, by kind (input, prove, crash, revert, rpc).",
      async get() {
        const stats = await queue.stats();
        return {
          name: this.name,
          help: this.help,
          type: "counter" as never,
          values: FAILURE_KINDS.map((kind) => ({ metricName: "zkinfer_job_failures_total", labels: { kind }, value: stats.failures[kind] })),
          aggregator: "sum",
        };
      },
    };
    this.registry.registerMetric(proofDuration as never);
    this.registry.registerMetric(failures as never);
    this.rejected = new Counter({
      name: "zkinfer_requests_rejected_total",
      help: "Requests refused with a 4xx, by reason.",
      labelNames: ["reason"],
      registers: [this.registry],
    });
    this.confirmed = new Counter({
      name: "zkinfer_jobs_confirmed_total",
      help: "Jobs whose verifyAndAct this process confirmed on-chain.",
      registers: [this.registry],
    });
    queue.onTransition((job: JobRecord) => {
      if (job.status === "confirmed") this.confirmed.inc();
    });
  }
}
