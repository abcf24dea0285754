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
import { Queue, QueueEvents, UnrecoverableError, Worker, type Job } from "bullmq";
import { randomUUID } from "node:crypto";

import type { AggregationContext, AggregationStore, BatchRecord } from "../aggregator.js";
import { Redis, type ChainableCommander } from "ioredis";
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
  type SegmentTask,
  type SegmentTaskResult,
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

/**
 * Records a batch atomically (see ../aggregator.ts). KEYS: counts, stats, pending-submit, the batch,
 * then per job its record and its claim. ARGV: token, batch JSON, job count, the ids, the new
 * records, then the stats increments as (field, amount) pairs. Refuses (0, nothing written) unless
 * every claim is the token's and every job is still `proving`.
 */
const RECORD_BATCH = `
local n = tonumber(ARGV[3])
for i = 1, n do
  if redis.call("get", KEYS[4 + 2 * i]) ~= ARGV[1] then return 0 end
  local current = redis.call("get", KEYS[3 + 2 * i])
  if not current or cjson.decode(current).status ~= "proving" then return 0 end
end
for i = 1, n do
  redis.call("set", KEYS[3 + 2 * i], ARGV[3 + n + i])
  redis.call("del", KEYS[4 + 2 * i])
  redis.call("hincrby", KEYS[1], "proving", -1)
  redis.call("hincrby", KEYS[1], "proved", 1)
  redis.call("sadd", KEYS[3], ARGV[3 + i])
end
redis.call("set", KEYS[4], ARGV[2])
local k = 4 + 2 * n
while k < #ARGV do
  redis.call("hincrbyfloat", KEYS[2], ARGV[k], ARGV[k + 1])
  k = k + 2
end
return 1`;
const RENEW_CLAIMS = `
local lost = {}
for i = 1, #KEYS do
  if redis.call("get", KEYS[i]) == ARGV[1] then redis.call("pexpire", KEYS[i], ARGV[2]) else table.insert(lost, i) end
end
return lost`;
const RELEASE_CLAIMS = `
for i = 1, #KEYS do
  if redis.call("get", KEYS[i]) == ARGV[1] then redis.call("del", KEYS[i]) end
end
return 1`;

export class RedisQueue implements JobQueue, AggregationStore {
  readonly backend = "redis" as const;
  private readonly redis: Redis;
  private readonly prefix: string;
  private readonly maxAttempts: number;
  private readonly lockDurationMs: number;
  private readonly proveQueue: Queue;
  private readonly submitQueue: Queue;
  private readonly segmentQueue: Queue;
  private segmentEvents?: Promise<QueueEvents>;
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
    this.segmentQueue = new Queue("segment", { connection, prefix });
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
    return this.updateWith(id, patch);
  }

  /** update, with more commands (`also`) in the same MULTI: written together or not at all. */
  private async updateWith(id: string, patch: Partial<Omit<JobRecord, "id">>, also?: (tx: ChainableCommander) => void): Promise<JobRecord> {
    const before = await this.get(id);
    if (!before) throw new Error(`no job ${id}`);
    const after: JobRecord = { ...before, ...patch, updatedAt: Date.now() };
    const tx = this.redis.multi().set(this.key("job", id), JSON.stringify(after));
    also?.(tx);
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

  // ---- aggregation (../aggregator.ts) ----

  async claim(id: string, token: string, ttlMs: number): Promise<boolean> {
    return (await this.redis.set(this.key("claim", id), token, "PX", ttlMs, "NX")) === "OK";
  }

  async renewClaims(ids: string[], token: string, ttlMs: number): Promise<string[]> {
    if (ids.length === 0) return [];
    const lost = (await this.redis.eval(RENEW_CLAIMS, ids.length, ...ids.map((id) => this.key("claim", id)), token, String(ttlMs))) as number[];
    return lost.map((i) => ids[i - 1]!);
  }

  async releaseClaims(ids: string[], token: string): Promise<void> {
    if (ids.length === 0) return;
    await this.redis.eval(RELEASE_CLAIMS, ids.length, ...ids.map((id) => this.key("claim", id)), token);
  }

  async recordBatch(batch: BatchRecord, after: JobRecord[], before: JobRecord[], token: string): Promise<boolean> {
    const stats: string[] = [];
    after.forEach((a, i) => {
      const delta = statsDelta({ ...before[i]!, status: "proving" }, a);
      if (delta.proofSeconds !== undefined) stats.push("proofs.count", "1", "proofs.sum", String(delta.proofSeconds), `proofs.bucket.${delta.bucket}`, "1");
    });
    const keys = [this.key("counts"), this.key("stats"), this.key("pending-submit"), this.key("batch", batch.batchId)];
    for (const a of after) keys.push(this.key("job", a.id), this.key("claim", a.id));
    const argv = [token, JSON.stringify(batch), String(after.length), ...after.map((a) => a.id), ...after.map((a) => JSON.stringify(a)), ...stats];
    const ok = (await this.redis.eval(RECORD_BATCH, keys.length, ...keys, ...argv)) === 1;
    if (!ok) return false;
    for (const a of after) for (const l of this.listeners) l(a, "proving");
    // Submissions: serve's submit worker sends the batch once (../aggregatedSubmission.ts). A crash
    // before these adds leaves the ids in pending-submit, queued again by the next serve start.
    for (const a of after) if (a.submit) await this.queueSubmission(a.id);
    return true;
  }

  async getBatch(batchId: string): Promise<BatchRecord | undefined> {
    const text = await this.redis.get(this.key("batch", batchId));
    return text ? (JSON.parse(text) as BatchRecord) : undefined;
  }

  async aggregationContext(): Promise<AggregationContext | undefined> {
    const text = await this.redis.get(this.key("aggregation"));
    return text ? (JSON.parse(text) as AggregationContext) : undefined;
  }

  /** Published by the serve process that submits (it knows the hub); workers read it before each batch. */
  async setAggregationContext(ctx: AggregationContext | undefined): Promise<void> {
    if (ctx) await this.redis.set(this.key("aggregation"), JSON.stringify(ctx));
    else await this.redis.del(this.key("aggregation"));
  }

  /** Writes several records in one MULTI (a batch's signed transaction, its confirmation). */
  async updateMany(patches: { id: string; patch: Partial<Omit<JobRecord, "id">> }[]): Promise<JobRecord[]> {
    const befores = await Promise.all(patches.map((p) => this.get(p.id)));
    const tx = this.redis.multi();
    const afters = patches.map(({ id, patch }, i) => {
      const before = befores[i];
      if (!before) throw new Error(`no job ${id}`);
      const after: JobRecord = { ...before, ...patch, updatedAt: Date.now() };
      tx.set(this.key("job", id), JSON.stringify(after));
      if (after.status !== before.status) {
        tx.hincrby(this.key("counts"), before.status, -1).hincrby(this.key("counts"), after.status, 1);
        const delta = statsDelta(before, after);
        if (delta.failure) tx.hincrby(this.key("stats"), `failures.${delta.failure}`, 1);
      }
      return after;
    });
    await tx.exec();
    afters.forEach((after, i) => {
      if (after.status !== befores[i]!.status) for (const l of this.listeners) l(after, befores[i]!.status);
    });
    return afters;
  }

  /**
   * Sends proved jobs of a batch that cannot land back to proving, each on its own (`single`): their
   * inputs were kept for this. One MULTI, then one prove delivery each.
   */
  async requeueSingle(ids: string[], reason: string): Promise<void> {
    await this.updateMany(
      ids.map((id) => ({
        id,
        patch: {
          status: "queued" as const,
          single: true,
          aggregation: null,
          proof: null,
          proofBytes: null,
          publicSignals: null,
          rawTx: null,
          txHash: null,
          txNonce: null,
          error: { kind: "revert" as const, message: reason },
        },
      })),
    );
    for (const id of ids) {
      await this.proveQueue.add("prove", { id }, { jobId: `${id}-single`, attempts: 1, removeOnComplete: true, removeOnFail: true });
      await this.redis.srem(this.key("pending-submit"), id);
    }
  }

  async startProving(prove: ProveHandler, concurrency: number): Promise<void> {
    await this.startWorker(
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
          if (result === "recorded") return;
          // The proved record and its place in pending-submit in one MULTI: a process killed between two
          // writes would leave a proved job that no restart submits.
          const pending = this.key("pending-submit");
          const proved = await this.updateWith(job.id, provedPatch(claimed, result), (tx) => {
            if (claimed.submit) tx.sadd(pending, job.id);
          });
          if (proved.submit) await this.queueSubmission(job.id);
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
      concurrency,
      // Each stall is one lost attempt; the processor above fails the job once the budget is spent.
      this.maxAttempts,
    );
  }

  /**
   * Proves one segment of job `parent` on whichever process takes it (../segmented.ts): a task whose
   * prover dies or fails is delivered again, on its own, up to maxAttempts times. The circuit input
   * (private values) is kept under its own key, deleted once the segment is proved or given up; the
   * BullMQ task only names it.
   */
  async proveSegmentTask(parent: string, task: SegmentTask): Promise<SegmentTaskResult> {
    const events = await (this.segmentEvents ??= (async () => {
      const e = new QueueEvents("segment", { connection: this.connection(), prefix: this.prefix });
      await e.waitUntilReady();
      return e;
    })());
    const id = `${parent}.${randomUUID().slice(0, 8)}.${task.index}`;
    const inputKey = this.key("segment-input", id);
    // A day at most: an input a crash left behind does not stay.
    await this.redis.set(inputKey, JSON.stringify(task), "PX", 86_400_000);
    try {
      const delivery = await this.segmentQueue.add(
        "segment",
        { inputKey },
        {
          jobId: id,
          attempts: this.maxAttempts,
          backoff: { type: "fixed", delay: 100 },
          // The task's result (a proof, public) stays an hour so a waiter that subscribes late still reads it.
          removeOnComplete: { age: 3600 },
          removeOnFail: { age: 3600 },
        },
      );
      return (await delivery.waitUntilFinished(events)) as SegmentTaskResult;
    } catch (e) {
      throw new JobError("prove", `segment ${task.index} of ${task.model}: ${(e as Error).message}`, false, { cause: e });
    } finally {
      await this.redis.del(inputKey);
    }
  }

  /**
   * Deletes the segment inputs an earlier run of job `parent` left (its process died while its segments
   * were queued): a new run proves with new salts, and the old tasks then find no input and end.
   */
  async discardSegmentInputs(parent: string): Promise<void> {
    let cursor = "0";
    do {
      const [next, keys] = await this.redis.scan(cursor, "MATCH", this.key("segment-input", `${parent}.*`), "COUNT", 1000);
      if (keys.length > 0) await this.redis.del(...keys);
      cursor = next;
    } while (cursor !== "0");
  }

  /** Proves segment tasks (of models `prove` serves) as they come, at most `concurrency` at a time. */
  async startProvingSegments(prove: (task: SegmentTask, attempts: number) => Promise<SegmentTaskResult>, concurrency: number): Promise<void> {
    await this.startWorker(
      "segment",
      async (delivery: Job<{ inputKey: string }>) => {
        const raw = await this.redis.get(delivery.data.inputKey);
        // Its waiter gave up (and deleted the input): nothing to prove.
        if (raw === null) throw new UnrecoverableError("the segment's input is gone (its job was given up)");
        return prove(JSON.parse(raw) as SegmentTask, delivery.attemptsStarted ?? delivery.attemptsMade + 1);
      },
      concurrency,
      this.maxAttempts,
    );
  }

  private async queueSubmission(id: string): Promise<void> {
    await this.submitQueue.add("submit", { id }, { jobId: id, attempts: 1, removeOnComplete: true, removeOnFail: true });
  }

  async startSubmitting(submit: SubmitHandler): Promise<void> {
    await this.startWorker(
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
      // The submitter orders nonces itself; many jobs may wait for receipts at once.
      64,
      100,
    );
    // Submissions a previous serve process had not finished (its BullMQ delivery may be gone).
    for (const id of await this.redis.smembers(this.key("pending-submit"))) await this.queueSubmission(id);
  }

  /** A BullMQ worker of queue `name` on its own connection, locked for --lock-ms and checked for stalls every half of it. */
  private async startWorker<T>(name: string, processor: (delivery: Job<T>) => Promise<unknown>, concurrency: number, maxStalledCount: number): Promise<void> {
    const worker = new Worker(name, processor, {
      connection: this.connection(),
      prefix: this.prefix,
      concurrency,
      lockDuration: this.lockDurationMs,
      stalledInterval: Math.max(1000, Math.floor(this.lockDurationMs / 2)),
      maxStalledCount,
    });
    worker.on("error", (e) => console.error(`zkinfer: ${name} worker: ${e.message}`));
    this.workers.push(worker);
    await worker.waitUntilReady();
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
    const events = this.segmentEvents;
    await Promise.allSettled([this.proveQueue.close(), this.submitQueue.close(), this.segmentQueue.close(), events?.then((e) => e.close())]);
    for (const c of this.connections) c.disconnect();
    this.redis.disconnect();
  }
}
