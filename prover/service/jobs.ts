/**
 * The job model shared by the API, both queue back ends, the prover pool and the submitter. One
 * definition, so "same job semantics with both back ends" is a property of the types, not a hope.
 */
import { createHash, randomBytes, randomUUID } from "node:crypto";

/** queued -> proving -> proved [-> submitted -> confirmed]; any step may end in failed. */
export const JOB_STATUSES = ["queued", "proving", "proved", "submitted", "confirmed", "failed"] as const;
export type JobStatus = (typeof JOB_STATUSES)[number];

/**
 * Why a job failed (the `kind` label of the failures metric):
 * - `input`: the prover refused the input (caught at the API in practice; kept for defence in depth);
 * - `prove`: the prover threw (witness or proof);
 * - `crash`: the worker died on it more often than the retry budget allows;
 * - `revert`: verifyAndAct reverts for a reason other than replay (e.g. paused model, bad proof);
 * - `rpc`: the chain stayed unreachable past the submitter's retry budget.
 */
export const FAILURE_KINDS = ["input", "prove", "crash", "revert", "rpc"] as const;
export type FailureKind = (typeof FAILURE_KINDS)[number];

/** What a client asks for; validated by the API before it is stored. */
export interface NewJob {
  model: string;
  /** Feature name -> value (private: deleted once the proof is done). */
  input: Record<string, number>;
  /** Beneficiary address, checksummed or lower-case 0x + 40 hex. */
  subject: string;
  /** Decimal string (a uint below r); a random 128-bit nonce when the client gives none. */
  nonce: string;
  submit: boolean;
  idempotencyKey?: string;
  /**
   * The subject's EIP-712 authorization of this service's submitting account (see
   * prover/abi/submissionAuthorization.ts): the job is then sent with verifyAndActFor. Without it the
   * hub accepts the job only on an attested model or when the subject is the submitter itself.
   */
  authorization?: { deadline: string; signature: string };
}

export interface StepTimings {
  queuedMs?: number;
  witnessMs?: number;
  proveMs?: number;
  submitMs?: number;
  confirmMs?: number;
}

export interface JobRecord {
  id: string;
  model: string;
  subject: string;
  nonce: string;
  submit: boolean;
  status: JobStatus;
  /** Present only while the job waits or is being proved; null afterwards (see retention in docs). */
  input: Record<string, number> | null;
  attempts: number;
  createdAt: number;
  updatedAt: number;
  timings: StepTimings;
  proof: unknown | null;
  proofBytes: string | null;
  publicSignals: string[] | null;
  /** Hash of the transaction this service signed for the job (written before it is broadcast). */
  txHash: string | null;
  /** The signed transaction itself, so a restart rebroadcasts the same bytes instead of signing anew. */
  rawTx: string | null;
  txNonce: number | null;
  blockNumber: string | null;
  /** True when the statement was already on-chain (a replay revert on resubmission): success, no new tx. */
  alreadyOnChain: boolean;
  error: { kind: FailureKind; message: string } | null;
  /** See {@link NewJob.authorization}; null when the request had none. */
  authorization?: { deadline: string; signature: string } | null;
}

/** What a prover returns for one job. */
export interface ProofResult {
  proof: unknown;
  proofBytes: string;
  publicSignals: string[];
  witnessMs: number;
  proveMs: number;
}

export function newJobId(): string {
  return randomUUID();
}

/** A random nonce for clients that do not choose one: 128 bits, so two never collide in practice. */
export function randomNonce(): string {
  return BigInt("0x" + randomBytes(16).toString("hex")).toString();
}

/**
 * Fingerprint of a request's content, stored with its idempotency key: a retried request with the
 * same key and the same content gets the first job; the same key with other content is a client bug
 * and gets 409 instead of silently returning a proof of something else.
 */
export function requestFingerprint(job: NewJob): string {
  const canonical = JSON.stringify([job.model, job.subject.toLowerCase(), job.nonce, job.submit, Object.entries(job.input).sort(([a], [b]) => (a < b ? -1 : 1))]);
  return createHash("sha256").update(canonical).digest("hex");
}

export function emptyRecord(id: string, job: NewJob, now: number): JobRecord {
  return {
    id,
    model: job.model,
    subject: job.subject,
    nonce: job.nonce,
    submit: job.submit,
    status: "queued",
    input: job.input,
    attempts: 0,
    createdAt: now,
    updatedAt: now,
    timings: {},
    proof: null,
    proofBytes: null,
    publicSignals: null,
    txHash: null,
    rawTx: null,
    txNonce: null,
    blockNumber: null,
    alreadyOnChain: false,
    error: null,
    authorization: job.authorization ?? null,
  };
}

/** The job as the API shows it: never the private input, never the raw transaction. */
export function publicView(job: JobRecord) {
  return {
    id: job.id,
    model: job.model,
    status: job.status,
    subject: job.subject,
    nonce: job.nonce,
    submit: job.submit,
    attempts: job.attempts,
    createdAt: new Date(job.createdAt).toISOString(),
    updatedAt: new Date(job.updatedAt).toISOString(),
    timings: job.timings,
    proof: job.proof,
    proofBytes: job.proofBytes,
    publicSignals: job.publicSignals,
    txHash: job.txHash,
    blockNumber: job.blockNumber,
    alreadyOnChain: job.alreadyOnChain,
    error: job.error,
  };
}

/** Thrown by a queue when an idempotency key is reused with another request. */
export class IdempotencyConflictError extends Error {
  override name = "IdempotencyConflictError";
  constructor(readonly existingJobId: string) {
    super(`idempotencyKey was already used for another request (job ${existingJobId}); use a new key for a new request.`);
  }
}
