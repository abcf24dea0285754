/**
 * The contract both queue back ends keep (SQLite embedded, BullMQ on Redis), so the API, the prover
 * pool and the submitter never know which one runs:
 *
 * - a job is stored durably before `enqueue` resolves (the API answers 202 only after that);
 * - a job is proved at least once and recorded as proved at most once: a worker that dies mid-proof
 *   leaves the job to be retried (up to `maxAttempts`), a duplicate delivery of a finished job is a no-op;
 * - the private input is deleted in the same write that records the proof (or the failure);
 * - a proved job with `submit` goes to the submission stage, which resumes after a crash from what
 *   the record says (see ../submitter.ts: the signed transaction is stored before it is broadcast).
 */
import { FAILURE_KINDS, type FailureKind, type JobRecord, type JobStatus, type NewJob, type ProofResult } from "../jobs.js";

/**
 * Proves one job. `"recorded"`: the handler (the aggregator, ../aggregator.ts) already recorded the
 * job's proof, with its batch, in one atomic write and queued its submission, or found it recorded
 * by another worker: the queue writes nothing.
 */
export type ProveHandler = (job: JobRecord) => Promise<ProofResult | "recorded">;
export type SubmitHandler = (job: JobRecord) => Promise<void>;

export interface JobQueue {
  readonly backend: "sqlite" | "redis";
  /** Stores a new job; with a known idempotency key and the same content, returns the first job instead. */
  enqueue(job: NewJob): Promise<{ job: JobRecord; created: boolean }>;
  get(id: string): Promise<JobRecord | undefined>;
  /** Merges `patch` into the record (the submitter's write-ahead log of its steps). */
  update(id: string, patch: Partial<Omit<JobRecord, "id">>): Promise<JobRecord>;
  counts(): Promise<Record<JobStatus, number>>;
  /**
   * Proof durations and failures by kind of every job this queue has recorded, whichever process
   * recorded them (a `zkinfer worker` on Redis included): kept with the records, updated in the same
   * write as the transition they count, so each is counted once and survives restarts.
   */
  stats(): Promise<QueueStats>;
  /** Starts proving queued jobs with `prove`, at most `concurrency` at a time. */
  startProving(prove: ProveHandler, concurrency: number): Promise<void>;
  /** Starts the submission stage (proved jobs with submit; submitted ones are resumed). */
  startSubmitting(submit: SubmitHandler): Promise<void>;
  /** Called with every job that reaches a final state or changes state (metrics, tests). */
  onTransition(listener: (job: JobRecord, from: JobStatus) => void): void;
  /** Stops taking work, waits for running handlers, closes connections. */
  close(): Promise<void>;
}

/** Upper bounds (seconds) of the proof-duration histogram's buckets; a last, implicit one is +Inf. */
export const PROOF_DURATION_BUCKETS = [0.1, 0.25, 0.5, 1, 2, 4, 8, 16, 32] as const;

export interface QueueStats {
  /** Witness + Groth16 time of each proved job: `buckets[i]` counts proofs in (bound i-1, bound i], the last one above 32 s. */
  proofs: { count: number; sumSeconds: number; buckets: number[] };
  failures: Record<FailureKind, number>;
}

/** What one state change adds to the stats: a proof duration (proving -> proved), a failure kind (-> failed). */
export function statsDelta(before: JobRecord, after: JobRecord): { proofSeconds?: number; bucket?: number; failure?: FailureKind } {
  const delta: { proofSeconds?: number; bucket?: number; failure?: FailureKind } = {};
  if (after.status === "proved" && before.status === "proving") {
    delta.proofSeconds = ((after.timings.witnessMs ?? 0) + (after.timings.proveMs ?? 0)) / 1000;
    const i = PROOF_DURATION_BUCKETS.findIndex((le) => delta.proofSeconds! <= le);
    delta.bucket = i < 0 ? PROOF_DURATION_BUCKETS.length : i;
  }
  if (after.status === "failed" && before.status !== "failed" && after.error) delta.failure = after.error.kind;
  return delta;
}

export function emptyStats(): QueueStats {
  return {
    proofs: { count: 0, sumSeconds: 0, buckets: new Array(PROOF_DURATION_BUCKETS.length + 1).fill(0) },
    failures: Object.fromEntries(FAILURE_KINDS.map((k) => [k, 0])) as Record<FailureKind, number>,
  };
}

/**
 * An error a handler throws to say how the job should end: `retryable` errors (a dead worker, a
 * transient fault) send the job back to the queue until the attempts run out; the others fail it at
 * once (a deterministic prover error would fail the same way every time: no retry storm).
 */
export class JobError extends Error {
  override name = "JobError";
  constructor(
    readonly kind: FailureKind,
    message: string,
    readonly retryable: boolean,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export function asJobError(error: unknown): JobError {
  if (error instanceof JobError) return error;
  const message = error instanceof Error ? error.message : String(error);
  // Errors from the prover itself (bad input that slipped past the API, a compiler-bug check) are
  // deterministic: retrying would only repeat them.
  const kind: FailureKind = error instanceof Error && error.name === "InputValidationError" ? "input" : "prove";
  return new JobError(kind, message, false, { cause: error });
}

/** The record after a proof: the input goes in the same write (retention: see docs/ARCHITECTURE.md). */
export function provedPatch(job: JobRecord, result: ProofResult): Partial<JobRecord> {
  return {
    status: "proved",
    input: null,
    proof: result.proof,
    proofBytes: result.proofBytes,
    publicSignals: result.publicSignals,
    timings: { ...job.timings, witnessMs: round(result.witnessMs), proveMs: round(result.proveMs) },
    error: null,
    ...(result.segmented ? { segmented: result.segmented } : {}),
  };
}

export function failedPatch(error: JobError): Partial<JobRecord> {
  return { status: "failed", input: null, error: { kind: error.kind, message: error.message } };
}

export function round(ms: number): number {
  return Math.round(ms * 10) / 10;
}

export const DEFAULT_MAX_ATTEMPTS = 3;
