/**
 * Groups the service's ready proofs by model and submits them together with
 * {@link Submitter.submitBatch} (one verifyAndActBatch transaction): a group goes out when it holds
 * `maxBatch` proofs or its oldest proof has waited `maxWaitMs`. The queue still calls one handler per
 * job; each handler's promise settles with its own job's outcome. `maxBatch` 1 is plain
 * {@link Submitter.submit}.
 */
import type { JobRecord } from "./jobs.js";
import type { Submitter } from "./submitter.js";

export interface SubmissionBatcherOptions {
  /** Largest batch (>= 1); 1 submits every proof on its own. */
  maxBatch: number;
  /** Longest time a proof waits for others of its model before its batch is sent. */
  maxWaitMs: number;
}

interface Waiting {
  job: JobRecord;
  resolve: () => void;
  reject: (e: unknown) => void;
}

export class SubmissionBatcher {
  private readonly waiting = new Map<string, Waiting[]>();
  private readonly timers = new Map<string, NodeJS.Timeout>();

  constructor(
    private readonly submitter: Submitter,
    private readonly o: SubmissionBatcherOptions,
  ) {
    if (!Number.isInteger(o.maxBatch) || o.maxBatch < 1) throw new RangeError(`maxBatch = ${o.maxBatch}: a batch holds 1 or more proofs`);
    if (!(o.maxWaitMs >= 0)) throw new RangeError(`maxWaitMs = ${o.maxWaitMs}: must be >= 0`);
  }

  /** The queue's submit handler: resolves when `job` is confirmed, rejects as Submitter.submit would. */
  submit(job: JobRecord): Promise<void> {
    // Resumed submissions follow their recorded transaction; batching is for fresh proofs only.
    // Relayed jobs (an authorization) go through verifyAndActFor, which has no batch form.
    if (this.o.maxBatch === 1 || job.status !== "proved" || job.rawTx || job.authorization) return this.submitter.submit(job);
    return new Promise<void>((resolve, reject) => {
      const group = this.waiting.get(job.model) ?? [];
      group.push({ job, resolve, reject });
      this.waiting.set(job.model, group);
      if (group.length >= this.o.maxBatch) this.flush(job.model);
      else if (!this.timers.has(job.model))
        this.timers.set(
          job.model,
          setTimeout(() => this.flush(job.model), this.o.maxWaitMs),
        );
    });
  }

  /** Sends every waiting group now (shutdown, tests). */
  flushAll(): void {
    for (const model of [...this.waiting.keys()]) this.flush(model);
  }

  private flush(model: string): void {
    clearTimeout(this.timers.get(model));
    this.timers.delete(model);
    const group = this.waiting.get(model) ?? [];
    this.waiting.delete(model);
    if (group.length === 0) return;
    this.submitter.submitBatch(group.map((w) => w.job)).then(
      (outcomes) => {
        const byId = new Map(outcomes.map((o) => [o.id, o]));
        for (const w of group) {
          const outcome = byId.get(w.job.id);
          if (outcome && !("error" in outcome && outcome.error !== undefined)) w.resolve();
          else w.reject(outcome?.error ?? new Error(`job ${w.job.id} has no batch outcome`));
        }
      },
      (error: unknown) => group.forEach((w) => w.reject(error)),
    );
  }
}
