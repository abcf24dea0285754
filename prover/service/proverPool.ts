/**
 * A pool of prover processes (./proverProcess.ts). Each holds every model's keys in memory, so a
 * job costs a witness and a proof, never a load. A process that dies while proving (crash, OOM
 * kill, SIGKILL) fails its job with a retryable `crash` error, and is replaced.
 */
import { fork, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import type { JobRecord, ProofResult } from "./jobs.js";
import { JobError } from "./queue/jobQueue.js";

/** One statement of an aggregated request: a job's input, subject and nonce. */
export interface AggregatedStatementRequest {
  input: Record<string, number>;
  subject: string;
  nonce: string;
}

/** What a prover returns for an aggregated batch (field elements as decimal strings). */
export interface AggregatedProofResult {
  n: number;
  proof: unknown;
  proofBytes: string;
  publicSignals: string[];
  inputRoot: string;
  /** By slot, the batch's statements in the order they were sent. */
  statements: { slot: number; outputs: string[]; inputCommitment: string; inclusionPath: { slot: number; siblings: string[] } }[];
  witnessMs: number;
  proveMs: number;
}

export type ProverRequest =
  | { type: "prove"; id: string; model: string; input: Record<string, number>; subject: string; nonce: string }
  | { type: "proveAggregated"; id: string; model: string; n: number; statements: AggregatedStatementRequest[] }
  | { type: "shutdown" };
export type ProverResponse =
  | { type: "ready"; rssMb: number }
  | { type: "proved"; id: string; result: ProofResult; rssMb: number }
  | { type: "aggregated"; id: string; result: AggregatedProofResult; rssMb: number }
  | { type: "error"; id: string; name: string; message: string };

export interface ProverPoolOptions {
  /** Model name -> spec path; every prover loads all of them. */
  specs: Record<string, string>;
  /** Model name -> the batch sizes whose aggregated keys a prover may load (on first use). */
  aggregated?: Record<string, number[]>;
  size: number;
  /** One core per proof (default true; see ./curve.ts). */
  singleThreadCurve?: boolean;
}

interface Slot {
  child: ChildProcess;
  ready: Promise<void>;
  rssMb: number;
  busy?: { id: string; resolve: (r: never) => void; reject: (e: Error) => void };
}

const ENTRY = fileURLToPath(new URL("./proverEntry.mjs", import.meta.url));

export class ProverPool {
  private slots: Slot[] = [];
  private waiting: (() => void)[] = [];
  private closed = false;
  /** Largest resident set any prover reported (MB): the bench's memory bound per worker. */
  peakRssMb = 0;

  constructor(private readonly options: ProverPoolOptions) {
    for (let i = 0; i < options.size; i++) this.slots.push(this.spawn());
  }

  get size(): number {
    return this.options.size;
  }

  /** Resolves once every prover has loaded its models (a missing build fails here, at start). */
  async ready(): Promise<void> {
    await Promise.all(this.slots.map((s) => s.ready));
  }

  private spawn(): Slot {
    const child = fork(ENTRY, [], {
      execArgv: [],
      env: {
        ...process.env,
        ZKINFER_PROVER_CONFIG: JSON.stringify({
          specs: this.options.specs,
          aggregated: this.options.aggregated ?? {},
          singleThreadCurve: this.options.singleThreadCurve ?? true,
        }),
      },
      stdio: ["ignore", "inherit", "inherit", "ipc"],
    });
    let markReady!: () => void;
    let markFailed!: (e: Error) => void;
    const ready = new Promise<void>((res, rej) => {
      markReady = res;
      markFailed = rej;
    });
    ready.catch(() => {});
    const slot: Slot = { child, ready, rssMb: 0 };
    child.on("message", (msg: ProverResponse) => {
      if ("rssMb" in msg) {
        slot.rssMb = msg.rssMb;
        this.peakRssMb = Math.max(this.peakRssMb, msg.rssMb);
      }
      if (msg.type === "ready") return markReady();
      const busy = slot.busy;
      if (!busy || busy.id !== msg.id) return;
      slot.busy = undefined;
      if (msg.type === "proved" || msg.type === "aggregated") (busy.resolve as (r: unknown) => void)(msg.result);
      else busy.reject(Object.assign(new Error(msg.message), { name: msg.name }));
      this.release();
    });
    child.on("exit", (code, signal) => {
      markFailed(new Error(`a prover process exited (${signal ?? `code ${code}`}) before it had loaded its models; is the model built? (zkinfer build)`));
      const busy = slot.busy;
      slot.busy = undefined;
      if (busy) busy.reject(new JobError("crash", `the prover process died while proving (${signal ?? `exit code ${code}`})`, true));
      if (!this.closed) {
        const index = this.slots.indexOf(slot);
        if (index >= 0) this.slots[index] = this.spawn();
        this.release();
      }
    });
    return slot;
  }

  private release(): void {
    this.waiting.shift()?.();
  }

  /** Proves one job on the next free prover. */
  async prove(job: Pick<JobRecord, "id" | "model" | "input" | "subject" | "nonce">): Promise<ProofResult> {
    if (!job.input) throw new JobError("input", `job ${job.id} has no input left to prove`, false);
    return this.run<ProofResult>({ type: "prove", id: job.id, model: job.model, input: job.input, subject: job.subject, nonce: job.nonce });
  }

  /** Proves a batch of statements of one model in one aggregated proof of size `n` on the next free prover. */
  proveAggregated(id: string, model: string, n: number, statements: AggregatedStatementRequest[]): Promise<AggregatedProofResult> {
    return this.run<AggregatedProofResult>({ type: "proveAggregated", id, model, n, statements });
  }

  private async run<T>(request: Extract<ProverRequest, { id: string }>): Promise<T> {
    for (;;) {
      if (this.closed) throw new JobError("crash", "the prover pool is shutting down", true);
      const slot = this.slots.find((s) => !s.busy);
      if (slot) {
        // Reserve before awaiting readiness, so two jobs never pick the same prover.
        return new Promise<T>((resolve, reject) => {
          slot.busy = { id: request.id, resolve: resolve as (r: never) => void, reject };
          slot.ready.then(
            () => slot.child.send(request satisfies ProverRequest),
            (e) => reject(new JobError("crash", (e as Error).message, true)),
          );
        });
      }
      await new Promise<void>((r) => this.waiting.push(r));
    }
  }

  /** Process ids of the provers busy right now (tests kill one to simulate a crash mid-proof). */
  busyPids(): number[] {
    return this.slots.filter((s) => s.busy).map((s) => s.child.pid!);
  }

  pids(): number[] {
    return this.slots.map((s) => s.child.pid!);
  }

  /** Asks each prover to release its curve workers and exit; kills those that do not. */
  async close(): Promise<void> {
    this.closed = true;
    for (const w of this.waiting.splice(0)) w();
    await Promise.all(
      this.slots.map(async (s) => {
        if (s.child.exitCode !== null || s.child.signalCode !== null) return;
        const exited = new Promise((r) => s.child.once("exit", r));
        if (s.busy)
          s.child.kill("SIGKILL"); // a proof in flight: the queue retries the job after restart
        else if (s.child.connected) s.child.send({ type: "shutdown" } satisfies ProverRequest);
        const timer = setTimeout(() => s.child.kill("SIGKILL"), 5000);
        await exited;
        clearTimeout(timer);
      }),
    );
  }
}
