/**
 * The prover service aggregates (docs/AGGREGATION.md, "The prover service"): ready jobs of one model
 * fill a batch, proved as ONE aggregated Groth16 proof and submitted in ONE verifyAndActAggregated
 * transaction.
 *
 * Per process (a `zkinfer serve --redis` with provers, or a `zkinfer worker`): each delivered job of a
 * model with aggregated keys joins its model's group; the group is proved when it holds the largest
 * size, or when its first job has waited `waitMs`, with the smallest size that holds it. A group of one
 * (no batch formed in time), a job that cannot be batched, and every job of a batch whose proof fails
 * are proved on their own (single proofs, as without aggregation).
 *
 * Safety, with several workers on one Redis queue (./queue/redisQueue.ts):
 * - a job joins a group only under its CLAIM (SET NX PX, one token per process): two workers never put
 *   one job in two batches, even when BullMQ delivers it twice (a worker it thought stalled);
 * - the claim is a LEASE of `leaseMs`, renewed every third of it while the process lives: a worker that
 *   dies mid-batch stops renewing, and the job, delivered again by BullMQ once its lock expires, is
 *   claimed by another worker at most one lease later. Never stranded;
 * - the batch is recorded in ONE atomic write (a Lua script): every job's `proved` record with its
 *   `aggregation`, the batch record and the submission queue entries, and only if every claim is still
 *   this process's and every job still `proving`. A crash never leaves half a batch recorded;
 * - before proving, each slot is checked as the hub will check it (its nonce unused, a relayed job's
 *   authorization still valid for long enough); a job that fails the check leaves the batch alone
 *   (failed with kind `authorization`, or proved on its own) and the batch is formed from the rest.
 */
import { randomUUID } from "node:crypto";
import type { JobAggregation, JobRecord, ProofResult } from "./jobs.js";
import type { AggregatedProofResult, AggregatedStatementRequest } from "./proverPool.js";
import { JobError, round } from "./queue/jobQueue.js";
import { ZkinferError } from "../errors.js";

/** Batch sizes used when `--aggregate` is not given, where the model's keys exist. */
export const DEFAULT_AGGREGATE_SIZES = [4, 16, 64] as const;
/** Longest wait, in ms, of a job for others of its model (`--aggregate-wait`). */
export const DEFAULT_AGGREGATE_WAIT_MS = 2000;
/** Aggregated statements carry nonces below 2^64 (prover/abi/aggregatedSignals.ts). */
const NONCE_LIMIT = 1n << 64n;

/**
 * `--aggregate 4,16|none`: the batch sizes, ascending, each a power of two from 2; "none" turns
 * aggregation off. Throws a ZkinferError naming the flag and what it takes.
 */
export function parseAggregateFlag(text: string): number[] {
  if (text.trim() === "none") return [];
  const items = text.split(",").map((s) => s.trim());
  const sizes: number[] = [];
  for (const item of items) {
    const n = /^\d+$/.test(item) ? Number(item) : NaN;
    if (!(n >= 2 && n <= 1024 && (n & (n - 1)) === 0))
      throw new ZkinferError(`--aggregate takes batch sizes (powers of two from 2 to 1024) separated by commas, or none; got ${JSON.stringify(item)}`);
    if (!sizes.includes(n)) sizes.push(n);
  }
  return sizes.sort((a, b) => a - b);
}

/**
 * What `zkinfer serve` (the submitter, which has the chain) publishes for the workers: per served
 * model, its on-chain id and the batch sizes whose aggregated verifiers are in force on the hub and
 * run the local build's code. A worker batches a model only for those sizes.
 */
export interface AggregationContext {
  hub: string;
  chainId: number;
  /** The account that submits: the relayed jobs' authorizations name it. */
  submitter: string;
  /** The least time, in seconds, a relayed job's authorization must still leave when its batch is proved. */
  marginSeconds: number;
  models: Record<string, { modelId: string; sizes: number[] }>;
}

/** One batch as stored beside its jobs. */
export interface BatchRecord {
  batchId: string;
  model: string;
  n: number;
  /** By slot. */
  jobIds: string[];
  createdAt: number;
}

/** The queue's side of aggregation (./queue/redisQueue.ts implements it). */
export interface AggregationStore {
  /** Takes the job's claim for `ttlMs` unless another token holds it. */
  claim(id: string, token: string, ttlMs: number): Promise<boolean>;
  /** Extends the claims still held by `token`; returns the ids it no longer holds. */
  renewClaims(ids: string[], token: string, ttlMs: number): Promise<string[]>;
  releaseClaims(ids: string[], token: string): Promise<void>;
  /**
   * Writes every job's record (`after`, by slot), the batch record and their submissions in ONE atomic
   * step, only if `token` still holds every job's claim and each job is still `proving`; false
   * (nothing written) otherwise.
   */
  recordBatch(batch: BatchRecord, after: JobRecord[], before: JobRecord[], token: string): Promise<boolean>;
  get(id: string): Promise<JobRecord | undefined>;
  aggregationContext(): Promise<AggregationContext | undefined>;
}

/** What a slot check says of a job before its batch is proved. */
export type SlotVerdict = { ok: true } | { ok: false; single: true; why: string } | { ok: false; single: false; error: JobError };

export interface AggregatorOptions {
  store: AggregationStore;
  /** Model name -> the sizes whose aggregated keys this process's provers hold. */
  localSizes: Record<string, number[]>;
  waitMs: number;
  /** The claim's lease: a dead worker's jobs are free after at most this long. */
  leaseMs: number;
  proveSingle(job: JobRecord): Promise<ProofResult>;
  proveAggregated(batchId: string, model: string, n: number, statements: AggregatedStatementRequest[]): Promise<AggregatedProofResult>;
  /**
   * Checks a slot as the hub will (nonce unused, authorization valid for `marginSeconds` more); needs
   * the chain. Without it (a worker started without --rpc) relayed jobs are proved singly.
   */
  checkSlot?(job: JobRecord, ctx: AggregationContext): Promise<SlotVerdict>;
  log?(line: string): void;
}

type Outcome = "recorded" | "single" | "lost";

interface Member {
  job: JobRecord;
  settle(outcome: Outcome | JobError): void;
}

export class Aggregator {
  /** This process's claim token. */
  readonly token = randomUUID();
  private readonly groups = new Map<string, Member[]>();
  private readonly timers = new Map<string, NodeJS.Timeout>();
  /** Jobs whose claims this process holds (renewed together). */
  private readonly held = new Set<string>();
  private readonly renewer: NodeJS.Timeout;
  private context?: { at: number; value: AggregationContext | undefined };
  private closed = false;
  private readonly log: (line: string) => void;

  constructor(private readonly o: AggregatorOptions) {
    if (!(o.waitMs >= 0)) throw new RangeError(`waitMs = ${o.waitMs}: must be >= 0`);
    if (!(o.leaseMs >= 300)) throw new RangeError(`leaseMs = ${o.leaseMs}: must be >= 300`);
    this.log = o.log ?? (() => {});
    this.renewer = setInterval(() => void this.renew(), Math.floor(o.leaseMs / 3));
    this.renewer.unref();
  }

  /** The queue's prove handler: a single proof, or "recorded" once the job's batch is recorded. */
  async prove(job: JobRecord): Promise<ProofResult | "recorded"> {
    for (;;) {
      const sizes = await this.sizesFor(job);
      if (sizes.length === 0) return this.o.proveSingle(job);
      if (!(await this.claim(job))) return "recorded"; // finished by another worker meanwhile
      let outcome: Outcome | JobError;
      try {
        outcome = await this.join(job, sizes);
        if (outcome === "single") return await this.o.proveSingle(job);
      } finally {
        this.held.delete(job.id);
        await this.o.store.releaseClaims([job.id], this.token).catch(() => {});
      }
      if (outcome instanceof JobError) throw outcome;
      if (outcome === "recorded") return "recorded";
      // "lost": our claim lapsed before the batch was recorded (nothing was written): start over.
    }
  }

  /** Stops batching: waiting groups are proved singly by their handlers. */
  close(): void {
    this.closed = true;
    clearInterval(this.renewer);
    for (const model of [...this.groups.keys()]) {
      clearTimeout(this.timers.get(model));
      for (const m of this.groups.get(model) ?? []) m.settle("single");
    }
    this.groups.clear();
  }

  /** The sizes this job may be batched with: none when it cannot be batched. */
  private async sizesFor(job: JobRecord): Promise<number[]> {
    if (this.closed || job.single || !job.submit || job.input === null) return [];
    if (BigInt(job.nonce) >= NONCE_LIMIT) return [];
    const ctx = await this.contextNow();
    if (!ctx) return [];
    if (job.authorization && !this.o.checkSlot) return [];
    const served = ctx.models[job.model]?.sizes ?? [];
    return (this.o.localSizes[job.model] ?? []).filter((n) => served.includes(n)).sort((a, b) => a - b);
  }

  private async contextNow(): Promise<AggregationContext | undefined> {
    if (!this.context || Date.now() - this.context.at > 1000) this.context = { at: Date.now(), value: await this.o.store.aggregationContext() };
    return this.context.value;
  }

  /** Takes the job's claim, waiting while another live worker holds it; false once the job is no longer ours to prove. */
  private async claim(job: JobRecord): Promise<boolean> {
    for (;;) {
      const now = await this.o.store.get(job.id);
      if (!now || (now.status !== "queued" && now.status !== "proving")) return false;
      if (await this.o.store.claim(job.id, this.token, this.o.leaseMs)) {
        this.held.add(job.id);
        return true;
      }
      await sleep(Math.min(250, this.o.leaseMs / 4));
    }
  }

  private async renew(): Promise<void> {
    if (this.held.size === 0) return;
    try {
      const lost = await this.o.store.renewClaims([...this.held], this.token, this.o.leaseMs);
      if (lost.length > 0) this.log(`aggregator: lost the claims of ${lost.join(", ")} (the batch that holds them will not be recorded)`);
    } catch {
      // Redis away: the claims lapse if it stays away; recordBatch then refuses and nothing is half written.
    }
  }

  private join(job: JobRecord, sizes: number[]): Promise<Outcome | JobError> {
    return new Promise((settle) => {
      const group = this.groups.get(job.model) ?? [];
      group.push({ job, settle });
      this.groups.set(job.model, group);
      if (group.length >= sizes[sizes.length - 1]!) this.flush(job.model, sizes);
      else if (!this.timers.has(job.model))
        this.timers.set(
          job.model,
          setTimeout(() => this.flush(job.model, sizes), this.o.waitMs),
        );
    });
  }

  private flush(model: string, sizes: number[]): void {
    clearTimeout(this.timers.get(model));
    this.timers.delete(model);
    const group = this.groups.get(model) ?? [];
    this.groups.delete(model);
    if (group.length < 2) return group.forEach((m) => m.settle("single"));
    void this.proveBatch(model, sizes, group).catch((e: unknown) => {
      this.log(`aggregator: a batch of ${group.length} ${model} jobs failed (${(e as Error).message}); proving them singly`);
      group.forEach((m) => m.settle("single"));
    });
  }

  /** Checks every slot, drops the jobs that fail, proves the rest as one batch and records it atomically. */
  private async proveBatch(model: string, sizes: number[], group: Member[]): Promise<void> {
    const ctx = await this.contextNow();
    let members = group;
    if (ctx && this.o.checkSlot) {
      const verdicts = await Promise.all(group.map((m) => this.o.checkSlot!(m.job, ctx)));
      members = [];
      group.forEach((m, i) => {
        const v = verdicts[i]!;
        if (v.ok) return void members.push(m);
        if (v.single) {
          this.log(`aggregator: job ${m.job.id} leaves its batch (${v.why}); proving it singly`);
          return m.settle("single");
        }
        this.log(`aggregator: job ${m.job.id} dropped from its batch: ${v.error.message}`);
        m.settle(v.error);
      });
    }
    // A (subject, nonce) twice in the group (the prover refuses it, the hub would too): all its jobs go on
    // their own, where the first to land wins and the others end as conflicts; the batch never races them.
    const count = new Map<string, number>();
    const key = (m: Member) => `${m.job.subject.toLowerCase()}/${BigInt(m.job.nonce)}`;
    for (const m of members) count.set(key(m), (count.get(key(m)) ?? 0) + 1);
    members = members.filter((m) => count.get(key(m)) === 1 || (m.settle("single"), false));
    if (members.length < 2) return members.forEach((m) => m.settle("single"));
    const n = sizes.find((s) => s >= members.length)!;
    const batchId = randomUUID();
    const started = Date.now();
    const result = await this.o.proveAggregated(
      batchId,
      model,
      n,
      members.map((m) => ({ input: m.job.input!, subject: m.job.subject, nonce: m.job.nonce })),
    );
    const batch: BatchRecord = { batchId, model, n, jobIds: members.map((m) => m.job.id), createdAt: started };
    const before = await Promise.all(members.map(async (m) => (await this.o.store.get(m.job.id)) ?? m.job));
    const after = before.map((job, slot) =>
      provedInBatch(
        job,
        batch,
        result,
        slot,
        before.map((b) => b.owner),
      ),
    );
    const recorded = await this.o.store.recordBatch(batch, after, before, this.token);
    this.log(
      recorded
        ? `aggregator: batch ${batchId}: ${members.length} ${model} jobs in one proof of N = ${n} (${Math.round(result.witnessMs + result.proveMs)} ms)`
        : `aggregator: batch ${batchId} was not recorded (a claim lapsed or a job finished elsewhere); its jobs start over`,
    );
    members.forEach((m) => m.settle(recorded ? "recorded" : "lost"));
  }
}

/**
 * A job's record once its batch is proved. Its input stays until the batch lands (it is re-proved
 * singly if the batch cannot land). `owners` are the batch's jobs' API keys by slot: the record names
 * only the jobs of its own key (another key's job is null), as reading another key's job is a 404.
 */
export function provedInBatch(job: JobRecord, batch: BatchRecord, result: AggregatedProofResult, slot: number, owners: string[]): JobRecord {
  const st = result.statements[slot]!;
  const aggregation: JobAggregation = {
    batchId: batch.batchId,
    n: batch.n,
    slot: st.slot,
    jobIds: batch.jobIds.map((id, i) => (owners[i] === job.owner ? id : null)),
    inputRoot: result.inputRoot,
    inputCommitment: st.inputCommitment,
    inclusionPath: st.inclusionPath,
    outputs: st.outputs,
  };
  return {
    ...job,
    status: "proved",
    proof: result.proof,
    proofBytes: result.proofBytes,
    publicSignals: result.publicSignals,
    aggregation,
    timings: { ...job.timings, witnessMs: round(result.witnessMs), proveMs: round(result.proveMs) },
    error: null,
    updatedAt: Date.now(),
  };
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
