/**
 * The job model shared by the API, both queue back ends, the prover pool and the submitter. One
 * definition, so "same job semantics with both back ends" is a property of the types, not a hope.
 */
import type { Groth16Proof } from "../prove/calldata.js";
import { createHash, randomBytes, randomUUID } from "node:crypto";
import { fromField } from "../field.js";
import type { ModelIR } from "../model/ir.js";
import { dequantize } from "../model/quantize.js";

/** queued -> proving -> proved [-> submitted -> confirmed]; any step may end in failed. */
export const JOB_STATUSES = ["queued", "proving", "proved", "submitted", "confirmed", "failed"] as const;
export type JobStatus = (typeof JOB_STATUSES)[number];

/**
 * Why a job failed (the `kind` label of the failures metric):
 * - `input`: the prover refused the input (caught at the API in practice; kept for defence in depth);
 * - `prove`: the prover threw (witness or proof);
 * - `crash`: the worker died on it more often than the retry budget allows;
 * - `revert`: verifyAndAct reverts for a reason other than replay (e.g. paused model, bad proof);
 * - `rpc`: the chain stayed unreachable past the submitter's retry budget;
 * - `conflict`: the job's (model, subject, nonce) was used by another statement (other public
 *   signals) before its own transaction landed: its proof was never recorded;
 * - `authorization`: the job's `authorization` no longer held when its aggregated batch was formed
 *   (its deadline too close, or the subject's contract wallet refuses it): the job was dropped from the
 *   batch, the others went on (docs/AGGREGATION.md, "The prover service").
 */
export const FAILURE_KINDS = ["input", "prove", "crash", "revert", "rpc", "conflict", "authorization"] as const;
export type FailureKind = (typeof FAILURE_KINDS)[number];

/** What a client asks for; validated by the API before it is stored. */
export interface NewJob {
  /** The API key (its SHA-256 hash) that created the job: only that key reads it or reuses its idempotency key. */
  owner: string;
  model: string;
  /** Feature name -> value (private: deleted once the proof is done; an aggregated job's once its batch lands). */
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
  /** See NewJob.owner; never shown by the API. */
  owner: string;
  model: string;
  subject: string;
  nonce: string;
  submit: boolean;
  status: JobStatus;
  /** Present only while the job waits or is being proved (an aggregated job: until its batch lands); null afterwards (see retention in docs). */
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
  /** True when this job's statement (same public signals) was already on-chain, recorded by another transaction: success, no new tx. */
  alreadyOnChain: boolean;
  /**
   * What the model's consumer said in the transaction that recorded the statement (e.g. CreditGate's
   * CreditLineOpened or CreditRefused), decoded when the service has the consumer's ABI, raw otherwise; null before then.
   */
  consumerEvents: ConsumerEvent[] | null;
  error: { kind: FailureKind; message: string } | null;
  /** See {@link NewJob.authorization}; null when the request had none. */
  authorization?: { deadline: string; signature: string } | null;
  /**
   * Set when the job was proved in an aggregated batch: its statement's place in the batch's proof
   * (`proof`, `proofBytes` and `publicSignals` are then the batch's). Null or absent for a single proof.
   */
  aggregation?: JobAggregation | null;
  /** Set when the job was proved in segments (a segmented model): how each segment went. Null or absent otherwise. */
  segmented?: JobSegmented | null;
  /** True once the job must be proved on its own (its aggregated batch would not land); it is never batched again. */
  single?: boolean;
}

/**
 * A job's statement in an aggregated proof (docs/AGGREGATION.md): what the subject needs to check, with
 * the SDK's verifyAggregatedTransaction, that the batch transaction verified their own statement.
 * Field elements as decimal strings.
 */
export interface JobAggregation {
  /** The batch (one aggregated proof, one transaction). */
  batchId: string;
  /** The keys' batch size (the proof's slots). */
  n: number;
  /** This statement's slot. */
  slot: number;
  /** The batch's jobs by slot: those of this job's API key; null for another key's job. */
  jobIds: (string | null)[];
  /** The Poseidon root of the batch's input commitments (a public signal of the proof). */
  inputRoot: string;
  /** This statement's input commitment: the leaf at `slot`. */
  inputCommitment: string;
  /** The leaf's siblings up to `inputRoot`. */
  inclusionPath: { slot: number; siblings: string[] };
  /** The statement's outputs as field elements, as a single proof's public signals carry them. */
  outputs: string[];
}

/**
 * A job proved in segments (docs/SEGMENTS.md, "In the prover service"): `proof` holds the K segment
 * proofs, `proofBytes` the SegmentedVerifier's bytes (K proofs, then the K - 1 boundary commitments).
 */
export interface JobSegmented {
  /** The number of segments. */
  k: number;
  /** Per segment, in order: the deliveries it took (a failed segment is retried on its own) and the process that proved it. */
  segments: { attempts: number; provedBy: string }[];
}

/**
 * One log a contract other than the hub emitted in the transaction that recorded the statement. Decoded
 * (`event` and `args`, integers as decimal strings: uint256 and int256 do not fit JSON numbers) when the
 * service has the consumer's ABI (`--consumer-abi`, or a bundled consumer); otherwise `event` and `args`
 * are null and `topics` and `data` carry it raw, so nothing the consumer said is lost.
 */
export interface ConsumerEvent {
  contract: string;
  event: string | null;
  args: Record<string, unknown> | null;
  topics: string[];
  data: string;
}

/** One segment to prove: its model, its index, its circuit input (field elements as decimal strings). */
export interface SegmentTask {
  model: string;
  index: number;
  input: Record<string, string | string[]>;
}

/** A proved segment, as it crosses processes. */
export interface SegmentTaskResult {
  proof: Groth16Proof;
  publicSignals: string[];
  /** host:pid of the process that proved it. */
  provedBy: string;
  /** Deliveries of the task, this one included. */
  attempts: number;
}

/** What a prover returns for one job. */
export interface ProofResult {
  proof: unknown;
  proofBytes: string;
  publicSignals: string[];
  witnessMs: number;
  proveMs: number;
  /** A segmented model's job: how its segments were proved. */
  segmented?: JobSegmented;
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
  const canonical = JSON.stringify([
    job.model,
    job.subject.toLowerCase(),
    job.nonce,
    job.submit,
    Object.entries(job.input).sort(([a], [b]) => (a < b ? -1 : 1)),
  ]);
  return createHash("sha256").update(canonical).digest("hex");
}

export function emptyRecord(id: string, job: NewJob, now: number): JobRecord {
  return {
    id,
    owner: job.owner,
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
    consumerEvents: null,
    error: null,
    authorization: job.authorization ?? null,
    aggregation: null,
  };
}

/**
 * The job as the API shows it: never the private input, never the raw transaction. `outputs` are the
 * proved outputs in the model's units (from the public signals; null until proved, or when the model
 * reveals only a hash or a decision bit of them: see `outputVisibility`).
 */
export function publicView(job: JobRecord, model?: ModelIR) {
  const visibility = model?.visibility.outputs ?? null;
  // An aggregated job's outputs are its own statement's, not the batch's first signals.
  const words = job.aggregation ? job.aggregation.outputs : job.publicSignals;
  const outputs =
    model && visibility === "public" && words
      ? Object.fromEntries(model.outputs.map((o, k) => [o.name, dequantize(fromField(BigInt(words[k]!)), o.scale)]))
      : null;
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
    outputVisibility: visibility,
    outputs,
    consumerEvents: job.consumerEvents ?? null,
    txHash: job.txHash,
    blockNumber: job.blockNumber,
    alreadyOnChain: job.alreadyOnChain,
    aggregation: job.aggregation ?? null,
    segmented: job.segmented ?? null,
    error: job.error,
  };
}

/**
 * The stored form of an idempotency key: scoped to the API key that sent it, so another tenant
 * reusing the same string gets its own job, never a 409 that names someone else's.
 */
export function scopedIdempotencyKey(owner: string, idempotencyKey: string): string {
  return `${owner}:${idempotencyKey}`;
}

/** Thrown by a queue when an idempotency key is reused with another request. */
export class IdempotencyConflictError extends Error {
  override name = "IdempotencyConflictError";
  constructor(readonly existingJobId: string) {
    super(`idempotencyKey was already used for another request (job ${existingJobId}); use a new key for a new request.`);
  }
}
