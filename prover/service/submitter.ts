/**
 * Submission: one Submitter per signing key, so one place hands out that key's nonces in order.
 *
 * Exactly-once effect on-chain rests on two facts:
 * 1. The hub refuses a (model, subject, nonce) it has seen (InferenceHubNonceUsed). So before
 *    signing, and whenever the fate of a transaction is unclear, the submitter asks the hub whether
 *    the nonce is already used; if it is, it reads the statement that used it (the public signals of
 *    the transaction that emitted InferenceVerified) and confirms the job only when that statement
 *    is the job's own (a replay revert on resubmission is success, whoever sent the first
 *    transaction). Another statement under the same (subject, nonce), e.g. a squatter's proof of
 *    other features, fails the job with kind `conflict`: its proof was never recorded
 *    (docs/SECURITY.md, "Prover service").
 * 2. The signed transaction is written to the job record before it is broadcast. After a crash, the
 *    submitter rebroadcasts those exact bytes (same hash, same nonce) instead of signing a new one,
 *    so the service never has two live transactions for one job.
 *
 * RPC faults (timeouts, 5xx, dropped connections, missing receipts) are retried with exponential
 * backoff; a revert is not a fault and is not retried.
 */
import { BaseError, decodeFunctionData, encodeFunctionData, keccak256, type Abi, type Address, type Hex, type TransactionReceipt } from "viem";
import { revertName } from "../chain/revert.js";
import { encodeBatch } from "../prove/calldata.js";
import { HUB_ABI, type ChainClients } from "./chain.js";
import type { ConsumerEvent, JobRecord } from "./jobs.js";
import { BUNDLED_CONSUMER_ABIS, decodeReceiptLogs, jsonArgs, type NamedAbi } from "../chain/receiptLogs.js";

import { JobError, round } from "./queue/jobQueue.js";

/** The events of the bundled consumers, to tell a job's client what the consumer decided. */

export interface SubmitterOptions {
  clients: ChainClients;
  hub: Address;
  /** Model name -> on-chain model id. */
  modelIds: Record<string, bigint>;
  /**
   * Model name -> the consumer its record calls, with the consumer's ABI when the operator gave it
   * (`--consumer-abi`): its events are decoded into the job; without an ABI they are kept raw.
   */
  consumers?: Record<string, { address: Address; abi?: Abi }>;
  /** Persists a step of the job (the write-ahead log of the submission). */
  update: (id: string, patch: Partial<JobRecord>) => Promise<JobRecord>;
  /** Persists a step of several jobs in one atomic write (an aggregated batch's); needed by {@link Submitter.submitAggregated}. */
  updateMany?: (patches: { id: string; patch: Partial<JobRecord> }[]) => Promise<JobRecord[]>;
  /** Blocks on top of the receipt's block before a job is confirmed (1 = the including block). */
  confirmations?: number;
  /** Attempts per RPC call before a fault is final. */
  rpcAttempts?: number;
  /** First backoff delay; doubled per attempt up to 5 s. */
  backoffMs?: number;
  /** How long to wait for a receipt before asking whether the transaction was dropped or replaced. */
  receiptTimeoutMs?: number;
  pollMs?: number;
  log?: (line: string) => void;
}

/** How one job of {@link Submitter.submitBatch} ended: confirmed, or `error` as {@link Submitter.submit} would throw it. */
export interface BatchOutcome {
  id: string;
  error?: unknown;
}

/** How an aggregated batch's submission ended: landed (every job confirmed), or it cannot land and its jobs go back to single proofs. */
export type AggregatedOutcome = { landed: true } | { landed: false; reason: string };

export class Submitter {
  private nextNonce?: number;
  /** Serialises nonce assignment + signing + the write-ahead write. */
  private lock: Promise<unknown> = Promise.resolve();
  private stopped = false;
  private readonly o: Required<Omit<SubmitterOptions, "log" | "updateMany">> & Pick<SubmitterOptions, "updateMany"> & { log: (line: string) => void };

  constructor(options: SubmitterOptions) {
    this.o = { confirmations: 1, rpcAttempts: 8, backoffMs: 100, receiptTimeoutMs: 15_000, pollMs: 100, log: () => {}, consumers: {}, ...options };
  }

  get address(): Address {
    return this.o.clients.account.address;
  }

  /** Stops retry loops (shutdown); the jobs stay `proved`/`submitted` and resume on the next start. */
  stop(): void {
    this.stopped = true;
  }

  /** Submits (or resumes) one proved job and follows it to confirmation; throws a JobError when it fails. */
  async submit(job: JobRecord): Promise<void> {
    const started = Date.now();
    const modelId = this.o.modelIds[job.model];
    if (modelId === undefined) throw new JobError("revert", `model ${job.model} has no on-chain id in this service`, false);
    const subject = job.subject as Address;
    const nonce = BigInt(job.nonce);
    let current = job;

    for (let round_ = 0; ; round_++) {
      if (round_ > 5) throw new JobError("rpc", "the transaction was dropped or replaced five times; giving up", false);
      if (current.status === "submitted" && current.rawTx && current.txHash) {
        const outcome = await this.follow(current, modelId, subject, nonce);
        if (outcome === "done") return;
        // Dropped or replaced without the statement on-chain: sign again with a fresh nonce.
        current = await this.o.update(current.id, { status: "proved", rawTx: null, txHash: null, txNonce: null });
        continue;
      }
      if (await this.onChain(modelId, subject, nonce)) return void (await this.alreadyDone(current, modelId, subject, nonce, started));
      const signals = (current.publicSignals ?? []).map(BigInt);
      // A relayed job carries the subject's authorization of this key (the hub checks it against
      // msg.sender); otherwise the subject is this key itself, or the model is attested.
      const auth = current.authorization;
      const data = auth
        ? encodeFunctionData({
            abi: HUB_ABI,
            functionName: "verifyAndActFor",
            args: [modelId, current.proofBytes as Hex, signals, BigInt(auth.deadline), auth.signature as Hex],
          })
        : encodeFunctionData({ abi: HUB_ABI, functionName: "verifyAndAct", args: [modelId, current.proofBytes as Hex, signals] });
      const gas = await this.estimate(data);
      if (gas === "replayed") return void (await this.alreadyDone(current, modelId, subject, nonce, started));
      current = await this.signAndRecord(current, data, gas, started);
      if ((await this.broadcast(current.rawTx as Hex, current.txHash as Hex)) === "nonceTaken") {
        // Another transaction of this key (sent by something else) holds our nonce: unless ours is
        // the one that was mined, sign again with a nonce re-read from the chain.
        const mined = await this.o.clients.publicClient.getTransactionReceipt({ hash: current.txHash as Hex }).catch(() => undefined);
        if (!mined) {
          this.o.log(`nonce ${current.txNonce} of ${this.address} was taken by another transaction; signing job ${current.id} again`);
          this.nextNonce = undefined;
          current = await this.o.update(current.id, { status: "proved", rawTx: null, txHash: null, txNonce: null });
        }
      }
    }
  }

  /**
   * Submits proved jobs of ONE model in one verifyAndActBatch transaction and follows it. The same
   * signed transaction is written to every job's record before the broadcast (the write-ahead log of
   * {@link submit}), so after a crash each job resumes through {@link submit} and follows those bytes.
   * Falls back to one {@link submit} per job when the batch would revert or did revert (one bad
   * statement must not sink the others), when the transaction is dropped, and for jobs that are not
   * fresh (already sent, or already on-chain).
   */
  async submitBatch(jobs: JobRecord[]): Promise<BatchOutcome[]> {
    const started = Date.now();
    const models = new Set(jobs.map((j) => j.model));
    if (models.size !== 1) throw new RangeError(`a batch holds one model's jobs, got ${[...models].join(", ")}`);
    const modelId = this.o.modelIds[jobs[0]!.model];
    const outcomes = new Map<string, BatchOutcome>();
    const one = (j: JobRecord) =>
      this.submit(j).then(
        () => outcomes.set(j.id, { id: j.id }),
        (error: unknown) => outcomes.set(j.id, { id: j.id, error }),
      );
    const singly = (list: JobRecord[]) => Promise.all(list.map(one));
    // After a batch that would revert or did: one at a time, so a statement that lands first is seen
    // on-chain by the next job instead of racing it into a second, reverting transaction.
    const inTurn = async (list: JobRecord[]) => {
      for (const j of list) await one(j);
    };
    const result = () => jobs.map((j) => outcomes.get(j.id) ?? { id: j.id, error: new JobError("rpc", "not submitted", true) });

    const fresh: JobRecord[] = [];
    const others: JobRecord[] = [];
    for (const job of jobs) {
      // A relayed job (an authorization) goes through verifyAndActFor, which has no batch form; a PLONK or
      // FFLONK proof has none either (the hub batches Groth16 only and would revert the whole batch).
      const isFresh =
        modelId !== undefined &&
        job.status === "proved" &&
        !job.rawTx &&
        !job.authorization &&
        (job.proof as { protocol?: unknown } | null)?.protocol === "groth16" &&
        !(await this.onChain(modelId, job.subject as Address, BigInt(job.nonce)));
      (isFresh ? fresh : others).push(job);
    }
    const othersDone = singly(others);
    if (fresh.length < 2) {
      await Promise.all([othersDone, singly(fresh)]);
      return result();
    }

    const batch = encodeBatch(fresh.map((j) => ({ proofBytes: j.proofBytes as string, publicSignals: (j.publicSignals ?? []).map(BigInt) })));
    const data = encodeFunctionData({ abi: HUB_ABI, functionName: "verifyAndActBatch", args: [modelId!, batch.proofs, batch.publicSignals] });
    let gas: bigint | undefined;
    try {
      gas = await this.rpc("estimateGas", () => this.o.clients.publicClient.estimateGas({ account: this.o.clients.account, to: this.o.hub, data }));
    } catch (e) {
      const name = revertName(e);
      if (name === undefined) throw e;
      this.o.log(`a batch of ${fresh.length} ${jobs[0]!.model} proofs would revert with ${name}; submitting them one by one`);
    }
    let toSubmit = fresh;
    let fallback = true;
    if (gas !== undefined) {
      const recorded = await this.signAndRecordAll(fresh, data, gas, started);
      const { rawTx, txHash } = recorded[0]! as { rawTx: Hex; txHash: Hex };
      const sent = await this.broadcast(rawTx, txHash);
      const receipt = sent === "sent" ? await this.receiptOf(txHash) : undefined;
      if (receipt?.status === "reverted") {
        this.o.log(`batch transaction ${txHash} of ${fresh.length} proofs reverted; submitting them one by one`);
        toSubmit = await Promise.all(recorded.map((j) => this.o.update(j.id, { status: "proved", rawTx: null, txHash: null, txNonce: null })));
      } else {
        if (sent === "nonceTaken" && !receipt) this.nextNonce = undefined;
        fallback = false;
        // Mined: each job confirms from the receipt. Not seen (dropped, replaced, slow): each job
        // follows the recorded bytes on its own and re-signs singly if they never land.
        toSubmit = recorded;
      }
    }
    await Promise.all([othersDone, fallback ? inTurn(toSubmit) : singly(toSubmit)]);
    return result();
  }

  /**
   * Submits (or resumes) ONE aggregated batch: one verifyAndActAggregated transaction for all its jobs
   * (`jobs` by slot), all or none. The signed transaction is written to every job in one atomic write
   * before it is broadcast (the write-ahead log of {@link submit}); after a crash the same bytes are
   * followed. When the batch would revert, or did, nothing of it is on-chain: the caller sends its jobs
   * back to single proofs (their inputs were kept for this), so one slot cannot sink the others.
   */
  async submitAggregated(jobs: JobRecord[]): Promise<AggregatedOutcome> {
    const started = Date.now();
    const updateMany = this.o.updateMany;
    if (!updateMany) throw new Error("submitAggregated needs the queue's updateMany");
    const modelId = this.o.modelIds[jobs[0]!.model];
    if (modelId === undefined) throw new JobError("revert", `model ${jobs[0]!.model} has no on-chain id in this service`, false);
    const agg = jobs[0]!.aggregation!;
    for (let round_ = 0; ; round_++) {
      if (round_ > 5) throw new JobError("rpc", "the batch transaction was dropped or replaced five times; giving up", false);
      const sent = jobs.find((j) => j.status === "submitted" && j.rawTx && j.txHash);
      if (sent) {
        const receipt = await this.followBatch(sent.rawTx as Hex, sent.txHash as Hex, sent.txNonce);
        if (receipt === undefined) {
          // Dropped or replaced: nothing of the batch is on-chain (all or none); sign again.
          jobs = await updateMany(jobs.map((j) => ({ id: j.id, patch: { status: "proved" as const, rawTx: null, txHash: null, txNonce: null } })));
          continue;
        }
        if (receipt.status === "reverted") return { landed: false, reason: `batch transaction ${sent.txHash} reverted in block ${receipt.blockNumber}` };
        await this.waitConfirmations(receipt.blockNumber);
        await updateMany(
          jobs.map((j) => ({
            id: j.id,
            patch: {
              status: "confirmed" as const,
              input: null,
              consumerEvents: this.consumerEvents(receipt, j.model).filter((e, _, all) => mentions(e, j.subject) || !all.some((x) => mentions(x, j.subject))),
              txHash: sent.txHash,
              blockNumber: receipt.blockNumber.toString(),
              rawTx: null,
              timings: { ...j.timings, confirmMs: round(Date.now() - started) },
            },
          })),
        );
        return { landed: true };
      }
      const relayed = jobs.some((j) => j.authorization);
      const auths = relayed
        ? Array.from({ length: agg.n }, (_, slot) => {
            const a = jobs[slot]?.authorization;
            return { deadline: a ? BigInt(a.deadline) : 0n, signature: (a?.signature ?? "0x") as Hex };
          })
        : [];
      const data = encodeFunctionData({
        abi: HUB_ABI,
        functionName: "verifyAndActAggregated",
        args: [modelId, BigInt(agg.n), jobs[0]!.proofBytes as Hex, (jobs[0]!.publicSignals ?? []).map(BigInt), auths],
      });
      let gas: bigint;
      try {
        gas = await this.rpc("estimateGas", () => this.o.clients.publicClient.estimateGas({ account: this.o.clients.account, to: this.o.hub, data }));
      } catch (e) {
        const name = revertName(e);
        if (name === undefined) throw e;
        return { landed: false, reason: `the batch of ${jobs.length} would revert with ${name}` };
      }
      // One atomic write puts the signed transaction on every job of the batch.
      jobs = await this.signThen(data, gas, (signed) =>
        updateMany(jobs.map((j) => ({ id: j.id, patch: { ...signed, timings: { ...j.timings, submitMs: round(Date.now() - started) } } }))),
      );
      const first = jobs[0]!;
      if ((await this.broadcast(first.rawTx as Hex, first.txHash as Hex)) === "nonceTaken") {
        const mined = await this.o.clients.publicClient.getTransactionReceipt({ hash: first.txHash as Hex }).catch(() => undefined);
        if (!mined) {
          this.nextNonce = undefined;
          jobs = await updateMany(jobs.map((j) => ({ id: j.id, patch: { status: "proved" as const, rawTx: null, txHash: null, txNonce: null } })));
        }
      }
    }
  }

  /** The receipt of a batch transaction, rebroadcasting the same bytes while it is missing; undefined when it was dropped or replaced. */
  private async followBatch(rawTx: Hex, hash: Hex, txNonce: number | null): Promise<TransactionReceipt | undefined> {
    const { publicClient, account } = this.o.clients;
    const sentAt = Date.now();
    let lastRebroadcast = Date.now();
    for (;;) {
      if (this.stopped) throw new JobError("rpc", "the service is stopping", true);
      const receipt = await publicClient.getTransactionReceipt({ hash }).catch(() => undefined);
      if (receipt) return receipt;
      if (Date.now() - lastRebroadcast > 2_000) {
        lastRebroadcast = Date.now();
        await this.broadcast(rawTx, hash);
      }
      if (Date.now() - sentAt > this.o.receiptTimeoutMs) {
        const mined = await publicClient.getTransactionCount({ address: account.address, blockTag: "latest" }).catch(() => undefined);
        if (mined !== undefined && txNonce !== null && mined > txNonce) {
          const again = await publicClient.getTransactionReceipt({ hash }).catch(() => undefined);
          if (again) return again;
          this.nextNonce = undefined;
          return undefined;
        }
        if (Date.now() - sentAt > this.o.receiptTimeoutMs * 8)
          throw new JobError("rpc", `no receipt for ${hash} after ${Math.round((Date.now() - sentAt) / 1000)} s`, false);
      }
      await sleep(this.o.pollMs);
    }
  }

  /** Signs `data` once and records the transaction on every job, as {@link signAndRecord} does for one. */
  private async signAndRecordAll(jobs: JobRecord[], data: Hex, gas: bigint, started: number): Promise<JobRecord[]> {
    const first = await this.signAndRecord(jobs[0]!, data, gas, started);
    const { rawTx, txHash, txNonce } = first;
    const rest = await Promise.all(
      jobs
        .slice(1)
        .map((j) => this.o.update(j.id, { status: "submitted", rawTx, txHash, txNonce, timings: { ...j.timings, submitMs: round(Date.now() - started) } })),
    );
    return [first, ...rest];
  }

  /** The receipt of `hash`, polled until it exists or the receipt timeout passes (then undefined). */
  private async receiptOf(hash: Hex): Promise<TransactionReceipt | undefined> {
    const until = Date.now() + this.o.receiptTimeoutMs;
    while (Date.now() < until && !this.stopped) {
      const receipt = await this.o.clients.publicClient.getTransactionReceipt({ hash }).catch(() => undefined);
      if (receipt) return receipt;
      await sleep(this.o.pollMs);
    }
    return undefined;
  }

  /** Simulates the call: the gas to send with, a replay (success), or a JobError for any other revert. */
  private async estimate(data: Hex): Promise<bigint | "replayed"> {
    try {
      return await this.rpc("estimateGas", () => this.o.clients.publicClient.estimateGas({ account: this.o.clients.account, to: this.o.hub, data }));
    } catch (e) {
      const name = revertName(e);
      if (name === "InferenceHubNonceUsed") return "replayed";
      if (name !== undefined) throw new JobError("revert", `verifyAndAct would revert with ${name}`, false, { cause: e });
      throw e;
    }
  }

  private async signAndRecord(job: JobRecord, data: Hex, gas: bigint, started: number): Promise<JobRecord> {
    return this.signThen(data, gas, (signed) => this.o.update(job.id, { ...signed, timings: { ...job.timings, submitMs: round(Date.now() - started) } }));
  }

  /**
   * Assigns the next nonce, signs `data` and hands the signed transaction to `record`, which writes it
   * (the write-ahead log) before anything is broadcast; serialised, so nonces go out in order.
   */
  private async signThen<T>(
    data: Hex,
    gas: bigint,
    record: (signed: { status: "submitted"; rawTx: Hex; txHash: Hex; txNonce: number }) => Promise<T>,
  ): Promise<T> {
    const run = this.lock.then(async () => {
      const { publicClient, account, chainId } = this.o.clients;
      this.nextNonce ??= await this.rpc("getTransactionCount", () => publicClient.getTransactionCount({ address: account.address, blockTag: "pending" }));
      const fees = await this.rpc("estimateFeesPerGas", () => publicClient.estimateFeesPerGas());
      const txNonce = this.nextNonce;
      const rawTx = await account.signTransaction!({
        type: "eip1559",
        chainId,
        nonce: txNonce,
        to: this.o.hub,
        data,
        // 20% headroom: the estimate is exact for this state, but a block may change warm/cold slots.
        gas: (gas * 12n) / 10n,
        maxFeePerGas: fees.maxFeePerGas,
        maxPriorityFeePerGas: fees.maxPriorityFeePerGas,
      });
      // Written before the broadcast: after a crash, these bytes are sent again, never new ones.
      const recorded = await record({ status: "submitted", rawTx, txHash: keccak256(rawTx), txNonce });
      this.nextNonce = txNonce + 1;
      return recorded;
    });
    this.lock = run.catch(() => {});
    return run;
  }

  /**
   * Sends the signed bytes. "Already known" means it arrived (a 5xx after the node took the first
   * send); "nonce too low" means the nonce is used, by this transaction (mined meanwhile) or by
   * another one: the caller decides which from the chain.
   */
  private async broadcast(rawTx: Hex, txHash: Hex): Promise<"sent" | "nonceTaken"> {
    try {
      await this.rpc(
        "sendRawTransaction",
        () => this.o.clients.publicClient.sendRawTransaction({ serializedTransaction: rawTx }),
        (e) => knownTransaction(e) || nonceTooLow(e),
      );
    } catch (e) {
      if (knownTransaction(e)) return "sent";
      if (nonceTooLow(e)) return "nonceTaken";
      // Still unclear after the retries; follow() decides from the chain, not from this error.
      const seen = await this.o.clients.publicClient.getTransaction({ hash: txHash }).catch(() => undefined);
      if (!seen) this.o.log(`broadcast of ${txHash} failed (${shortMessage(e)}); will rebroadcast while following`);
    }
    return "sent";
  }

  /**
   * Waits for the receipt, rebroadcasting the same bytes while it is missing. Returns "done" once
   * the job is confirmed, or "resign" when the transaction was dropped or replaced and the
   * statement is not on-chain.
   */
  private async follow(job: JobRecord, modelId: bigint, subject: Address, nonce: bigint): Promise<"done" | "resign"> {
    const { publicClient, account } = this.o.clients;
    const hash = job.txHash as Hex;
    const sentAt = Date.now();
    let receipt: TransactionReceipt | undefined;
    let lastRebroadcast = Date.now();
    while (!receipt) {
      if (this.stopped) throw new JobError("rpc", "the service is stopping", true);
      receipt = await publicClient.getTransactionReceipt({ hash }).catch(() => undefined);
      if (receipt) break;
      if (Date.now() - lastRebroadcast > 2_000) {
        lastRebroadcast = Date.now();
        await this.broadcast(job.rawTx as Hex, hash);
      }
      if (Date.now() - sentAt > this.o.receiptTimeoutMs) {
        // Our nonce slot may have been filled by another transaction (replaced) or dropped.
        const mined = await publicClient.getTransactionCount({ address: account.address, blockTag: "latest" }).catch(() => undefined);
        if (mined !== undefined && job.txNonce !== null && mined > job.txNonce) {
          const again = await publicClient.getTransactionReceipt({ hash }).catch(() => undefined);
          if (again) {
            receipt = again;
            break;
          }
          if (await this.onChain(modelId, subject, nonce)) {
            await this.alreadyDone(job, modelId, subject, nonce, sentAt);
            return "done";
          }
          this.nextNonce = undefined; // resynchronise from the chain
          return "resign";
        }
        if (Date.now() - sentAt > this.o.receiptTimeoutMs * 8)
          throw new JobError("rpc", `no receipt for ${hash} after ${Math.round((Date.now() - sentAt) / 1000)} s`, false);
      }
      await sleep(this.o.pollMs);
    }
    if (receipt.status === "reverted") {
      // Someone else landed the same statement between our simulation and our block: still success.
      if (await this.onChain(modelId, subject, nonce)) {
        await this.alreadyDone(job, modelId, subject, nonce, sentAt);
        return "done";
      }
      throw new JobError("revert", `transaction ${hash} reverted in block ${receipt.blockNumber}`, false);
    }
    await this.waitConfirmations(receipt.blockNumber);
    await this.o.update(job.id, {
      status: "confirmed",
      consumerEvents: this.consumerEvents(receipt, job.model),
      blockNumber: receipt.blockNumber.toString(),
      rawTx: null,
      timings: { ...job.timings, confirmMs: round(Date.now() - sentAt) },
    });
    return "done";
  }

  private async waitConfirmations(block: bigint): Promise<void> {
    while (this.o.confirmations > 1) {
      const head = await this.rpc("getBlockNumber", () => this.o.clients.publicClient.getBlockNumber({ cacheTime: 0 }));
      if (head - block + 1n >= BigInt(this.o.confirmations)) return;
      await sleep(this.o.pollMs * 5);
    }
  }

  private onChain(modelId: bigint, subject: Address, nonce: bigint): Promise<boolean> {
    return this.rpc("isNonceUsed", () =>
      this.o.clients.publicClient.readContract({ address: this.o.hub, abi: HUB_ABI, functionName: "isNonceUsed", args: [modelId, subject, nonce] }),
    ) as Promise<boolean>;
  }

  /**
   * A job whose (model, subject, nonce) is already used: confirmed when the recorded statement is
   * this job's own (same public signals), with the transaction that recorded it; otherwise failed
   * with kind `conflict`, naming that transaction.
   */
  private async alreadyDone(job: JobRecord, modelId: bigint, subject: Address, nonce: bigint, started: number): Promise<void> {
    // Retried like every other read: swallowing a faulty RPC answer here confirmed a job without the
    // hash of the transaction that recorded it.
    const logs = (await this.rpc("getContractEvents", () =>
      this.o.clients.publicClient.getContractEvents({
        address: this.o.hub,
        abi: HUB_ABI,
        eventName: "InferenceVerified",
        args: { modelId, subject },
        fromBlock: 0n,
      }),
    )) as unknown as { args: { nonce: bigint }; transactionHash: Hex; blockNumber: bigint }[];
    const log = logs.find((l) => l.args.nonce === nonce);
    const where = `model ${job.model} (id ${modelId}), subject ${subject}, nonce ${nonce}`;
    if (!log) {
      throw new JobError(
        "conflict",
        `the hub records ${where} as used but no InferenceVerified event of it was found; this job's proof was not recorded`,
        false,
      );
    }
    const own = job.publicSignals ?? [];
    const statements = await this.landedStatements(log.transactionHash, modelId, own.length);
    const landed = statements?.find((st) => st.length === own.length && st.every((v, i) => v.toString() === own[i])) ?? statements?.[0];
    if (landed === undefined || landed.length !== own.length || landed.some((v, i) => v.toString() !== own[i])) {
      throw new JobError(
        "conflict",
        `nonce ${nonce} of subject ${subject} was already used on model ${job.model} (id ${modelId}) by another statement (transaction ${log.transactionHash}` +
          `${landed === undefined ? ", whose signals the service cannot read" : ", with other public signals"}); this job's proof was NOT recorded. Send the request again with a fresh nonce.`,
        false,
      );
    }
    // A transaction of ours that did land keeps its hash; otherwise the one the logs name (a copy of our proof: it benefits the same subject).
    const ours = job.txHash !== null && log.transactionHash === job.txHash;
    const receipt = await this.rpc("getTransactionReceipt", () => this.o.clients.publicClient.getTransactionReceipt({ hash: log.transactionHash }));
    await this.o.update(job.id, {
      status: "confirmed",
      consumerEvents: this.consumerEvents(receipt, job.model),
      alreadyOnChain: !ours,
      txHash: log.transactionHash,
      blockNumber: log.blockNumber.toString(),
      rawTx: null,
      timings: { ...job.timings, confirmMs: round(Date.now() - started) },
    });
  }

  /**
   * What the consumer said in a receipt: every log of a contract other than the hub, decoded with
   * the model's consumer ABI (when given) or the bundled consumers' ABIs, and kept raw (topics and
   * data, `event` null) when neither decodes it, so a consumer the service does not know loses nothing.
   */
  private consumerEvents(receipt: TransactionReceipt, model: string): ConsumerEvent[] {
    const consumer = this.o.consumers[model];
    const own: NamedAbi[] = consumer?.abi !== undefined ? [["consumer", consumer.abi]] : [];
    const logs = decodeReceiptLogs(receipt.logs, {
      abisFor: (address) => (address.toLowerCase() === consumer?.address.toLowerCase() ? [...own, ...BUNDLED_CONSUMER_ABIS] : BUNDLED_CONSUMER_ABIS),
      skip: [this.o.hub],
    });
    return logs.map(({ address, event, args, topics, data }) => ({ contract: address, event, args: args === null ? null : jsonArgs(args), topics, data }));
  }

  /**
   * The statements (public signals) a verifyAndAct(For) or verifyAndActBatch transaction to the hub
   * carried for `modelId` (a batch's flat signals cut into statements of `width`), or undefined when
   * it is not such a call (e.g. a call through another contract).
   */
  private async landedStatements(txHash: Hex, modelId: bigint, width: number): Promise<(readonly bigint[])[] | undefined> {
    const tx = await this.rpc("getTransaction", () => this.o.clients.publicClient.getTransaction({ hash: txHash }));
    if (tx.to?.toLowerCase() !== this.o.hub.toLowerCase()) return undefined;
    try {
      const call = decodeFunctionData({ abi: HUB_ABI, data: tx.input });
      // verifyAndActFor (a relayer with the subject's authorization) carries the same first three arguments.
      if (call.functionName !== "verifyAndAct" && call.functionName !== "verifyAndActFor" && call.functionName !== "verifyAndActBatch") return undefined;
      const [id, , signals] = call.args as unknown as [bigint, Hex, readonly bigint[]];
      if (id !== modelId) return undefined;
      if (call.functionName !== "verifyAndActBatch") return [signals];
      if (width <= 0 || signals.length % width !== 0) return undefined;
      return Array.from({ length: signals.length / width }, (_, i) => signals.slice(i * width, (i + 1) * width));
    } catch {
      return undefined;
    }
  }

  /** One RPC call with exponential backoff on faults; `final` marks errors that are answers, not faults. */
  private async rpc<T>(what: string, call: () => Promise<T>, final: (e: unknown) => boolean = () => false): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await call();
      } catch (e) {
        if (revertName(e) !== undefined || final(e) || attempt >= this.o.rpcAttempts || this.stopped) {
          if (revertName(e) === undefined && !final(e))
            throw new JobError("rpc", `${what} failed ${attempt} times: ${shortMessage(e)}`, this.stopped, { cause: e });
          throw e;
        }
        const delay = Math.min(5_000, this.o.backoffMs * 2 ** (attempt - 1));
        this.o.log(`${what}: ${shortMessage(e)}; retry ${attempt} in ${delay} ms`);
        await sleep(delay);
      }
    }
  }
}

/** The event a log is under `abi`, or undefined when `abi` has no event that decodes it. */
function knownTransaction(e: unknown): boolean {
  const text = shortMessage(e).toLowerCase() + " " + (e instanceof BaseError ? (e.details?.toLowerCase() ?? "") : "");
  return text.includes("already known") || text.includes("known transaction") || text.includes("already imported");
}

function nonceTooLow(e: unknown): boolean {
  const text = shortMessage(e).toLowerCase() + " " + (e instanceof BaseError ? (e.details?.toLowerCase() ?? "") : "");
  return text.includes("nonce too low") || text.includes("nonce has already been used") || text.includes("nonce is too low");
}

/**
 * Whether a consumer event names `subject` (a decoded argument; in a raw log, a topic or an ABI word of
 * its data): a batch job keeps its own statement's events.
 */
function mentions(e: ConsumerEvent, subject: string): boolean {
  const address = subject.toLowerCase().slice(2);
  if (e.args !== null) return JSON.stringify(e.args).toLowerCase().includes(address);
  const word = "0".repeat(24) + address;
  const data = e.data.toLowerCase().slice(2);
  const inData = Array.from({ length: Math.floor(data.length / 64) }, (_, i) => data.slice(i * 64, i * 64 + 64)).includes(word);
  return inData || e.topics.some((t) => t.toLowerCase().endsWith(word));
}

function shortMessage(e: unknown): string {
  if (e instanceof BaseError) return e.shortMessage;
  return e instanceof Error ? e.message : String(e);
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
