/**
 * The distributed queue: BullMQ on Redis. Job records live in Redis hashes next to two BullMQ
 * queues, `prove` (any number of `zkinfer worker` processes on any number of machines) and `submit`
 * (the `serve` process that holds the signing key). BullMQ gives the delivery guarantees: a job whose
 * worker stops renewing its lock (killed, machine gone) is "stalled" and delivered again, up to
 * `maxAttempts` deliveries in all. BullMQ job ids are our job ids, so adding a job twice is a no-op.
 *
 * Redis durability is Redis's: run it with `appendonly yes` and `appendfsync always` (what .ci/run
 * does) so an acknowledged job survives a Redis crash. While Redis is down, ioredis holds commands
 * until it reconnects: the service pauses rather than failing jobs.
 */
import { Queue, Worker, type Job } from "bullmq";
import { Redis } from "ioredis";
import {
  FAILURE_KINDS,
  IdempotencyConflictError,
  JOB_STATUSES,
  emptyRecord,
  newJobId,
  requestFingerprint,
  scopedIdempotencyKey,
  type JobRecord,
  type JobStatus,
  type NewJob,
} from "../jobs.js";
import {
  DEFAULT_MAX_ATTEMPTS,
  JobError,
  asJobError,
  emptyStats,
  failedPatch,
  provedPatch,
  statsDelta,
  type JobQueue,
  type ProveHandler,
  type QueueStats,
  type SubmitHandler,
} from "./jobQueue.js";

export interface RedisQueueOptions {
  url: string;
  /** Key prefix, so several deployments (or test runs) share one Redis. */
  prefix?: string;
  maxAttempts?: number;
  /** How long a worker's claim on a job lasts without renewal; a killed worker's job is redelivered after it. */
  lockDurationMs?: number;
}

export class RedisQueue implements JobQueue {
  readonly backend = "redis" as const;
  private readonly redis: Redis;
  private readonly prefix: string;
  private readonly maxAttempts: number;
  private readonly lockDurationMs: number;
  private readonly proveQueue: Queue;
  private readonly submitQueue: Queue;
  private workers: Worker[] = [];
  private listeners: ((job: JobRecord, from: JobStatus) => void)[] = [];

  constructor({ url, prefix = "zkinfer", maxAttempts = DEFAULT_MAX_ATTEMPTS, lockDurationMs = 30_000 }: RedisQueueOptions) {
    this.prefix = prefix;
    this.maxAttempts = maxAttempts;
    this.lockDurationMs = lockDurationMs;
    // BullMQ's blocking connections need maxRetriesPerRequest: null (they wait on the server indefinitely).
    this.redis = new Redis(url, { maxRetriesPerRequest: null });
    const connection = this.redis;
    this.proveQueue = new Queue("prove", { connection, prefix });
    this.submitQueue = new Queue("submit", { connection, prefix });
  }

  private key(...parts: string[]): string {
    return [this.prefix, ...parts].join(":");
  }

  async enqueue(job: NewJob): Promise<{ job: JobRecord; created: boolean }> {
    const fingerprint = requestFingerprint(job);
    const record = emptyRecord(newJobId(), job, Date.now());
    if (job.idempotencyKey !== undefined) {
      // SET NX claims the key atomically across API processes; the loser reads the winner's job.
      const idem = this.key("idem", scopedIdempotencyKey(job.owner, job.idempotencyKey));
      const claimed = await this.redis.set(idem, `${record.id} ${fingerprint}`, "NX");
      if (claimed === null) {
        const [id, fp] = (await this.redis.get(idem))!.split(" ");
        if (fp !== fingerprint) throw new IdempotencyConflictError(id!);
        const existing = await this.waitForRecord(id!);
        return { job: existing, created: false };
      }
    }
    await this.redis.multi().set(this.key("job", record.id), JSON.stringify(record)).hincrby(this.key("counts"), "queued", 1).exec();
    await this.proveQueue.add("prove", { id: record.id }, { jobId: record.id, attempts: 1, removeOnComplete: true, removeOnFail: true });
    return { job: record, created: true };
  }

  /** The winner of an idempotency race writes the record right after claiming the key. */
  private async waitForRecord(id: string): Promise<JobRecord> {
    for (let i = 0; i < 50; i++) {
      const job = await this.get(id);
      if (job) return job;
      await new Promise((r) => setTimeout(r, 20));
    }
    throw new Error(`job ${id} of a reused idempotency key was never written`);
  }

  async get(id: string): Promise<JobRecord | undefined> {
    const text = await this.redis.get(this.key("job", id));
    return text ? (JSON.parse(text) as JobRecord) : undefined;
  }

  async update(id: string, patch: Partial<Omit<JobRecord, "id">>): Promise<JobRecord> {
    const before = await this.get(id);
    if (!before) throw new Error(`no job ${id}`);
    const after: JobRecord = { ...before, ...patch, updatedAt: Date.now() };
    const tx = this.redis.multi().set(this.key("job", id), JSON.stringify(after));
    if (after.status !== before.status) {
      tx.hincrby(this.key("counts"), before.status, -1).hincrby(this.key("counts"), after.status, 1);
      // The stats change in the same transaction as the record, whichever process (serve or a
      // `zkinfer worker`) writes it: /metrics of any serve process reads them (see stats()).
      const delta = statsDelta(before, after);
      if (delta.proofSeconds !== undefined) {
        tx.hincrby(this.key("stats"), "proofs.count", 1)
          .hincrbyfloat(this.key("stats"), "proofs.sum", delta.proofSeconds)
          .hincrby(this.key("stats"), `proofs.bucket.${delta.bucket}`, 1);
      }
      if (delta.failure) tx.hincrby(this.key("stats"), `failures.${delta.failure}`, 1);
    }
    await tx.exec();
    if (after.status !== before.status) for (const l of this.listeners) l(after, before.status);
    return after;
  }

  async counts(): Promise<Record<JobStatus, number>> {
    const raw = await this.redis.hgetall(this.key("counts"));
    return Object.fromEntries(JOB_STATUSES.map((s) => [s, Number(raw[s] ?? 0)])) as Record<JobStatus, number>;
  }

  async stats(): Promise<QueueStats> {
    const raw = await this.redis.hgetall(this.key("stats"));
    const stats = emptyStats();
    stats.proofs.count = Number(raw["proofs.count"] ?? 0);
    stats.proofs.sumSeconds = Number(raw["proofs.sum"] ?? 0);
    stats.proofs.buckets = stats.proofs.buckets.map((_, i) => Number(raw[`proofs.bucket.${i}`] ?? 0));
    for (const kind of FAILURE_KINDS) stats.failures[kind] = Number(raw[`failures.${kind}`] ?? 0);
    return stats;
  }

  onTransition(listener: (job: JobRecord, from: JobStatus) => void): void {
    this.listeners.push(listener);
  }

  async startProving(prove: ProveHandler, concurrency: number): Promise<void> {
    const worker = new Worker(
      "prove",
      async (delivery: Job<{ id: string }>) => {
        const job = await this.get(delivery.data.id);
        // A redelivery of a job that was already recorded (the worker died after the write): nothing to do.
        if (!job || (job.status !== "queued" && job.status !== "proving")) return;
        // The record counts every claim, including one whose worker was killed before it could
        // report (BullMQ redelivers a stalled job without counting it as an attempt).
        const attempts = Math.max(job.attempts + 1, delivery.attemptsStarted ?? 0);
        if (attempts > this.maxAttempts) {
          await this.update(job.id, failedPatch(new JobError("crash", `the worker died on this job ${attempts - 1} times`, false)));
          return;
        }
        const claimed = await this.update(job.id, {
          status: "proving",
          attempts,
          timings: { ...job.timings, queuedMs: job.timings.queuedMs ?? Date.now() - job.createdAt },
        });
        try {
          const result = await prove(claimed);
          const proved = await this.update(job.id, provedPatch(claimed, result));
          if (proved.submit) {
            await this.redis.sadd(this.key("pending-submit"), job.id);
            await this.queueSubmission(job.id);
          }
        } catch (e) {
          const error = asJobError(e);
          if (error.retryable && attempts < this.maxAttempts) {
            await this.update(job.id, { status: "queued", error: { kind: error.kind, message: error.message } });
            // Back into the queue under a new BullMQ id (this delivery ends as completed).
            await this.proveQueue.add("prove", { id: job.id }, { jobId: `${job.id}-r${attempts}`, attempts: 1, removeOnComplete: true, removeOnFail: true });
          } else {
            await this.update(job.id, failedPatch(error));
          }
        }
      },
      {
        connection: this.connection(),
        prefix: this.prefix,
        concurrency,
        lockDuration: this.lockDurationMs,
        stalledInterval: Math.max(1000, Math.floor(this.lockDurationMs / 2)),
        // Each stall is one lost attempt; the processor above fails the job once the budget is spent.
        maxStalledCount: this.maxAttempts,
      },
    );
    worker.on("error", (e) => console.error(`zkinfer: prove worker: ${e.message}`));
    this.workers.push(worker);
    await worker.waitUntilReady();
  }

  private async queueSubmission(id: string): Promise<void> {
    await this.submitQueue.add("submit", { id }, { jobId: id, attempts: 1, removeOnComplete: true, removeOnFail: true });
  }

  async startSubmitting(submit: SubmitHandler): Promise<void> {
    const worker = new Worker(
      "submit",
      async (delivery: Job<{ id: string }>) => {
        const job = await this.get(delivery.data.id);
        if (!job || (job.status !== "proved" && job.status !== "submitted")) {
          await this.redis.srem(this.key("pending-submit"), delivery.data.id);
          return;
        }
        try {
          await submit(job);
        } catch (e) {
          // Shutting down: the id stays in pending-submit and is queued again by the next start.
          if (this.closing) throw e;
          await this.update(job.id, failedPatch(asJobError(e)));
        }
        await this.redis.srem(this.key("pending-submit"), job.id);
      },
      {
        connection: this.connection(),
        prefix: this.prefix,
        // The submitter orders nonces itself; many jobs may wait for receipts at once.
        concurrency: 64,
        lockDuration: this.lockDurationMs,
        stalledInterval: Math.max(1000, Math.floor(this.lockDurationMs / 2)),
        maxStalledCount: 100,
      },
    );
    worker.on("error", (e) => console.error(`zkinfer: submit worker: ${e.message}`));
    this.workers.push(worker);
    await worker.waitUntilReady();
    // Submissions a previous serve process had not finished (its BullMQ delivery may be gone).
    for (const id of await this.redis.smembers(this.key("pending-submit"))) await this.queueSubmission(id);
  }

  private closing = false;
  /** Connections handed to BullMQ workers: BullMQ leaves a connection it was given open, so close() ends them. */
  private connections: Redis[] = [];

  private connection(): Redis {
    const c = this.redis.duplicate({ maxRetriesPerRequest: null });
    this.connections.push(c);
    return c;
  }

  async close(): Promise<void> {
    this.closing = true;
    await Promise.allSettled(this.workers.map((w) => w.close()));
    await Promise.allSettled([this.proveQueue.close(), this.submitQueue.close()]);
    for (const c of this.connections) c.disconnect();
    this.redis.disconnect();
  }
}
