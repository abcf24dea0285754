/**
 * The embedded queue: one SQLite file (node:sqlite, built into Node 22), so `zkinfer serve` needs
 * nothing else running. One process owns the file; its proving slots are the prover pool's threads.
 *
 * Durability: WAL with synchronous=FULL, so a job the API acknowledged survives a crash of the
 * process (and of the machine). Recovery on open: a job left `proving` by a dead process goes back
 * to `queued` (its attempt was counted when it was claimed); proved-and-unsubmitted and submitted
 * jobs are handed to the submission stage again, which resumes from the record.
 */
import { DatabaseSync } from "node:sqlite";
import { accessSync, constants, mkdirSync, statSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { ZkinferError } from "../../errors.js";
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

export interface SqliteQueueOptions {
  path: string;
  maxAttempts?: number;
}

export class SqliteQueue implements JobQueue {
  readonly backend = "sqlite" as const;
  private readonly db: DatabaseSync;
  private readonly maxAttempts: number;
  private prove?: ProveHandler;
  private concurrency = 0;
  private running = new Set<Promise<void>>();
  /** Proving slots in use: freed as soon as a prover answers, before its result is written. */
  private busySlots = 0;
  private synchronous: "FULL" | "NORMAL" = "FULL";
  private submit?: SubmitHandler;
  private submitting = new Map<string, Promise<void>>();
  private closed = false;
  private listeners: ((job: JobRecord, from: JobStatus) => void)[] = [];

  constructor({ path, maxAttempts = DEFAULT_MAX_ATTEMPTS }: SqliteQueueOptions) {
    if (path !== ":memory:") prepareDatabasePath(path);
    try {
      this.db = new DatabaseSync(path);
    } catch (cause) {
      throw unusableDatabase(path, (cause as Error).message, cause);
    }
    this.maxAttempts = maxAttempts;
    try {
      this.initialise();
    } catch (cause) {
      this.db.close();
      throw unusableDatabase(path, (cause as Error).message, cause);
    }
  }

  private initialise(): void {
    this.db.exec(`
      PRAGMA journal_mode = WAL;
      PRAGMA synchronous = FULL;
      -- Overwrite freed content (e.g. a private input removed from its record) with zeros.
      PRAGMA secure_delete = ON;
      PRAGMA busy_timeout = 5000;
      CREATE TABLE IF NOT EXISTS jobs (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        id TEXT NOT NULL UNIQUE,
        status TEXT NOT NULL,
        idempotency_key TEXT UNIQUE,
        fingerprint TEXT NOT NULL,
        record TEXT NOT NULL
      );
      CREATE INDEX IF NOT EXISTS jobs_status ON jobs (status, seq);
      -- Proof-duration histogram and failures by kind, updated in the transaction of the transition they count.
      CREATE TABLE IF NOT EXISTS stats (key TEXT PRIMARY KEY, value REAL NOT NULL);
    `);
    // Jobs a previous process was proving when it died: their worker is gone, so they wait again.
    this.db.prepare(`UPDATE jobs SET status = 'queued', record = json_set(record, '$.status', 'queued') WHERE status = 'proving'`).run();
  }

  async enqueue(job: NewJob): Promise<{ job: JobRecord; created: boolean }> {
    const fingerprint = requestFingerprint(job);
    const idempotencyKey = job.idempotencyKey === undefined ? null : scopedIdempotencyKey(job.owner, job.idempotencyKey);
    if (idempotencyKey !== null) {
      const existing = this.db.prepare(`SELECT id, fingerprint FROM jobs WHERE idempotency_key = ?`).get(idempotencyKey) as
        { id: string; fingerprint: string } | undefined;
      if (existing) {
        if (existing.fingerprint !== fingerprint) throw new IdempotencyConflictError(existing.id);
        return { job: (await this.get(existing.id))!, created: false };
      }
    }
    const record = emptyRecord(newJobId(), job, Date.now());
    this.setSynchronous("FULL"); // acknowledged with 202 once this returns
    this.db
      .prepare(`INSERT INTO jobs (id, status, idempotency_key, fingerprint, record) VALUES (?, ?, ?, ?, ?)`)
      .run(record.id, record.status, idempotencyKey, fingerprint, JSON.stringify(record));
    queueMicrotask(() => this.pump());
    return { job: record, created: true };
  }

  async get(id: string): Promise<JobRecord | undefined> {
    const row = this.db.prepare(`SELECT record FROM jobs WHERE id = ?`).get(id) as { record: string } | undefined;
    return row ? (JSON.parse(row.record) as JobRecord) : undefined;
  }

  async update(id: string, patch: Partial<Omit<JobRecord, "id">>): Promise<JobRecord> {
    // The submitter's write-ahead of a signed transaction must be on disk before the broadcast.
    return this.write(id, patch, typeof patch.rawTx === "string");
  }

  /**
   * One record write, in one transaction with the stats it changes. `durable` writes wait for the
   * disk (synchronous=FULL: the WAL is fsynced before the commit returns); the others are durable
   * against a crash of the process but may be lost with the machine (synchronous=NORMAL), which
   * costs nothing: each such write only repeats work on loss (a claim or a proof is redone, a
   * confirmation is re-read from the chain). Durable: a new job (the API acknowledges it) and the
   * submitter's signed transaction (written before it is broadcast). A FULL commit also syncs every
   * NORMAL commit before it (one WAL).
   */
  private write(id: string, patch: Partial<Omit<JobRecord, "id">>, durable = false): JobRecord {
    const row = this.db.prepare(`SELECT record FROM jobs WHERE id = ?`).get(id) as { record: string } | undefined;
    if (!row) throw new Error(`no job ${id}`);
    const before = JSON.parse(row.record) as JobRecord;
    const after: JobRecord = { ...before, ...patch, updatedAt: Date.now() };
    const delta = after.status !== before.status ? statsDelta(before, after) : {};
    this.setSynchronous(durable ? "FULL" : "NORMAL");
    this.db.exec("BEGIN IMMEDIATE");
    try {
      this.db.prepare(`UPDATE jobs SET status = ?, record = ? WHERE id = ?`).run(after.status, JSON.stringify(after), id);
      const add = this.db.prepare(`INSERT INTO stats (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = value + excluded.value`);
      if (delta.proofSeconds !== undefined) {
        add.run("proofs.count", 1);
        add.run("proofs.sum", delta.proofSeconds);
        add.run(`proofs.bucket.${delta.bucket}`, 1);
      }
      if (delta.failure) add.run(`failures.${delta.failure}`, 1);
      this.db.exec("COMMIT");
    } catch (e) {
      this.db.exec("ROLLBACK");
      throw e;
    }
    if (after.status !== before.status) for (const l of this.listeners) l(after, before.status);
    return after;
  }

  private setSynchronous(mode: "FULL" | "NORMAL"): void {
    if (this.synchronous === mode) return;
    this.db.exec(`PRAGMA synchronous = ${mode}`);
    this.synchronous = mode;
  }

  async stats(): Promise<QueueStats> {
    const stats = emptyStats();
    for (const { key, value } of this.db.prepare(`SELECT key, value FROM stats`).all() as { key: string; value: number }[]) {
      if (key === "proofs.count") stats.proofs.count = value;
      else if (key === "proofs.sum") stats.proofs.sumSeconds = value;
      else if (key.startsWith("proofs.bucket.")) stats.proofs.buckets[Number(key.slice("proofs.bucket.".length))] = value;
      else if (key.startsWith("failures.") && (FAILURE_KINDS as readonly string[]).includes(key.slice("failures.".length)))
        stats.failures[key.slice("failures.".length) as keyof QueueStats["failures"]] = value;
    }
    return stats;
  }

  async counts(): Promise<Record<JobStatus, number>> {
    const counts = Object.fromEntries(JOB_STATUSES.map((s) => [s, 0])) as Record<JobStatus, number>;
    for (const row of this.db.prepare(`SELECT status, COUNT(*) AS n FROM jobs GROUP BY status`).all() as { status: JobStatus; n: number }[]) {
      counts[row.status] = Number(row.n);
    }
    return counts;
  }

  onTransition(listener: (job: JobRecord, from: JobStatus) => void): void {
    this.listeners.push(listener);
  }

  async startProving(prove: ProveHandler, concurrency: number): Promise<void> {
    this.prove = prove;
    this.concurrency = concurrency;
    this.pump();
  }

  async startSubmitting(submit: SubmitHandler): Promise<void> {
    this.submit = submit;
    const pending = this.db
      .prepare(`SELECT id FROM jobs WHERE status = 'submitted' OR (status = 'proved' AND json_extract(record, '$.submit') = 1) ORDER BY seq`)
      .all() as { id: string }[];
    for (const { id } of pending) this.handOver(id);
  }

  /** Claims queued jobs while there are free slots. Synchronous claim: one process, one event loop. */
  private pump(): void {
    if (!this.prove || this.closed) return;
    while (this.busySlots < this.concurrency) {
      const row = this.db.prepare(`SELECT id, record FROM jobs WHERE status = 'queued' ORDER BY seq LIMIT 1`).get() as
        { id: string; record: string } | undefined;
      if (!row) return;
      const queued = JSON.parse(row.record) as JobRecord;
      // One write claims the job and counts the attempt.
      const job = this.write(row.id, {
        status: "proving",
        attempts: queued.attempts + 1,
        timings: { ...queued.timings, queuedMs: queued.attempts === 0 ? Date.now() - queued.createdAt : queued.timings.queuedMs },
      });
      this.busySlots++;
      const run = this.runProof(job).finally(() => this.running.delete(run));
      this.running.add(run);
    }
  }

  private async runProof(job: JobRecord): Promise<void> {
    let outcome: { result: Awaited<ReturnType<ProveHandler>> } | { error: unknown };
    try {
      outcome = { result: await this.prove!(job) };
    } catch (error) {
      outcome = { error };
    }
    // The prover is free: give it its next job before recording this one, so it never waits for our writes.
    this.busySlots--;
    this.pump();
    if ("result" in outcome) {
      if (outcome.result === "recorded") return; // aggregation runs on the Redis queue only (../aggregator.ts)
      const proved = this.write(job.id, provedPatch(job, outcome.result));
      if (proved.submit) this.handOver(proved.id);
    } else {
      const error = asJobError(outcome.error);
      if (this.closed) return; // shutting down: the job stays `proving` and is re-queued on the next open
      if (error.retryable && job.attempts < this.maxAttempts) {
        this.write(job.id, { status: "queued", error: { kind: error.kind, message: error.message } });
        this.pump(); // the slot freed above may have found nothing queued before this write
      } else this.write(job.id, failedPatch(error.retryable ? new JobError(error.kind, `${error.message} (after ${job.attempts} attempts)`, false) : error));
    }
  }

  private handOver(id: string): void {
    if (!this.submit || this.submitting.has(id) || this.closed) return;
    const run = (async () => {
      const job = await this.get(id);
      if (!job || (job.status !== "proved" && job.status !== "submitted")) return;
      try {
        await this.submit!(job);
      } catch (e) {
        if (this.closed) return; // resumed from the record on the next start
        this.write(id, failedPatch(asJobError(e)));
      }
    })().finally(() => this.submitting.delete(id));
    this.submitting.set(id, run);
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.allSettled([...this.running, ...this.submitting.values()]);
    this.db.close();
  }
}

/**
 * Makes the job file's folder, one level at a time, and checks that it is a folder this process can
 * write, throwing one line that names the path otherwise. Why not `mkdirSync(dir, { recursive: true })`:
 * under /proc (and other pseudo file systems) Node's recursive mkdir never returns, and `serve --db`
 * spun for 9 minutes (issue 26).
 */
export function prepareDatabasePath(path: string): void {
  if (path === ":memory:") return;
  const file = resolve(path);
  const missing: string[] = [];
  let dir = dirname(file);
  for (;;) {
    let isDirectory: boolean;
    try {
      isDirectory = statSync(dir).isDirectory();
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "ENOENT" || dirname(dir) === dir) throw unusableDatabase(path, (e as Error).message, e);
      missing.unshift(dir);
      dir = dirname(dir);
      continue;
    }
    if (!isDirectory) throw unusableDatabase(path, `${dir} is not a directory`);
    break;
  }
  try {
    for (const d of missing) mkdirSync(d);
    accessSync(dirname(file), constants.W_OK);
  } catch (e) {
    throw unusableDatabase(path, (e as Error).message, e);
  }
  try {
    if (statSync(file).isDirectory()) throw unusableDatabase(path, `${file} is a directory`);
  } catch (e) {
    if (e instanceof ZkinferError) throw e;
  }
}

function unusableDatabase(path: string, reason: string, cause?: unknown): ZkinferError {
  return new ZkinferError(`Cannot use ${path} as the job database (--db): ${reason.split("\n")[0]}. Pass --db a file in a folder this process can write.`, {
    cause,
  });
}
