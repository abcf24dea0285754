/**
 * Prometheus metrics of one service process: queue depth by status (read from the queue at scrape
 * time, so it is the queue's truth, shared by every process on Redis), proof duration, and failures
 * by kind. A registry per service (not prom-client's global one), so tests can run several.
 */
import { Counter, Gauge, Histogram, Registry } from "prom-client";
import { FAILURE_KINDS, JOB_STATUSES, type JobRecord, type JobStatus } from "./jobs.js";
import type { JobQueue } from "./queue/jobQueue.js";

export class ServiceMetrics {
  readonly registry = new Registry();
  readonly proofDuration: Histogram;
  readonly failures: Counter;
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
    this.proofDuration = new Histogram({
      name: "zkinfer_proof_duration_seconds",
      help: "Witness + Groth16 proof time per job.",
      buckets: [0.1, 0.25, 0.5, 1, 2, 4, 8, 16, 32],
      registers: [this.registry],
    });
    this.failures = new Counter({ name: "zkinfer_job_failures_total", help: "Jobs that ended failed, by kind.", labelNames: ["kind"], registers: [this.registry] });
    for (const kind of FAILURE_KINDS) this.failures.inc({ kind }, 0);
    this.rejected = new Counter({ name: "zkinfer_requests_rejected_total", help: "Requests refused with a 4xx, by reason.", labelNames: ["reason"], registers: [this.registry] });
    this.confirmed = new Counter({ name: "zkinfer_jobs_confirmed_total", help: "Jobs whose verifyAndAct is confirmed on-chain.", registers: [this.registry] });
    queue.onTransition((job, from) => this.record(job, from));
  }

  private record(job: JobRecord, from: JobStatus): void {
    if (job.status === "proved" && from === "proving") this.proofDuration.observe(((job.timings.witnessMs ?? 0) + (job.timings.proveMs ?? 0)) / 1000);
    if (job.status === "failed" && job.error) this.failures.inc({ kind: job.error.kind });
    if (job.status === "confirmed") this.confirmed.inc();
  }
}
