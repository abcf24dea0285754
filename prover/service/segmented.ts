/**
 * Jobs of segmented models in the prover service (docs/SEGMENTS.md, "In the prover service"). The
 * process that claims a job runs the model once (the reference interpreter gives every segment's
 * circuit input), then each segment is proved on its own:
 *
 * - on the Redis queue, as one queue task per segment, taken by any proving process (`zkinfer serve`
 *   or `zkinfer worker`, on any machine) that serves the model: one inference is shared by many
 *   workers, and a failed segment is delivered again on its own;
 * - on the embedded SQLite queue, on this process's own segment provers.
 *
 * Each segment's public signals must be the ones the interpreter predicts (else "compiler bug"), and
 * the job's record keeps, per segment, the deliveries it took and who proved it.
 */
import { hostname } from "node:os";
import { artifactPath } from "../artifacts/paths.js";
import { segmentProcessPool, type SegmentProcessPool } from "../segment/pool.js";
import { SegmentedProver } from "../segment/prove.js";
import { toField } from "../field.js";
import type { JobRecord, ProofResult, SegmentTask, SegmentTaskResult } from "./jobs.js";
import { JobError } from "./queue/jobQueue.js";
import type { ServiceModel } from "./models.js";

/** Where a job's segment tasks go: the Redis queue's segment tasks, or this process's provers. */
export type SegmentDispatch = (parent: string, task: SegmentTask) => Promise<SegmentTaskResult>;

/** This process's name in a segment's record. */
export const PROCESS_NAME = `${hostname()}:${process.pid}`;

/** Proves segment tasks of the served segmented models on `size` local processes. */
export class LocalSegmentProvers {
  private readonly pool: SegmentProcessPool;

  constructor(
    private readonly models: ReadonlyMap<string, ServiceModel>,
    size: number,
  ) {
    this.pool = segmentProcessPool(size);
  }

  /** Proves one task (the Redis queue's segment worker, or a job's own segments on SQLite). */
  async prove(task: SegmentTask, attempts = 1): Promise<SegmentTaskResult> {
    const segment = this.models.get(task.model)?.segments?.segments[task.index];
    if (!segment) throw new JobError("prove", `this process does not serve segment ${task.index} of ${task.model}`, false);
    const input = Object.fromEntries(Object.entries(task.input).map(([k, v]) => [k, Array.isArray(v) ? v.map(BigInt) : BigInt(v)]));
    const proved = await this.pool.proveFiles({ wasm: artifactPath(segment.name, "wasm"), zkey: artifactPath(segment.name, "zkey") }, input);
    return { proof: proved.proof, publicSignals: proved.publicSignals.map(String), provedBy: PROCESS_NAME, attempts };
  }

  busyPids(): number[] {
    return this.pool.busyPids();
  }

  peakRssMb(): number {
    return this.pool.peakRssMb();
  }

  close(): Promise<void> {
    return this.pool.close();
  }
}

/** Proves jobs of segmented models: the witness here, the segments through `dispatch`. */
export class SegmentedJobs {
  private readonly provers = new Map<string, Promise<SegmentedProver>>();

  constructor(
    private readonly models: ReadonlyMap<string, ServiceModel>,
    private readonly dispatch: SegmentDispatch,
    /** Segment attempts the prover itself makes (1 where the queue delivers a failed task again). */
    private readonly attempts: number,
  ) {}

  static servedIn(models: ReadonlyMap<string, ServiceModel>): boolean {
    return [...models.values()].some((m) => m.segments);
  }

  handles(model: string): boolean {
    return this.models.get(model)?.segments !== undefined;
  }

  async prove(job: Pick<JobRecord, "id" | "model" | "input" | "subject" | "nonce">): Promise<ProofResult> {
    if (!job.input) throw new JobError("input", `job ${job.id} has no input left to prove`, false);
    const model = this.models.get(job.model)!;
    let loading = this.provers.get(job.model);
    if (!loading) {
      this.provers.set(job.model, (loading = SegmentedProver.load(model.specPath)));
      loading.catch(() => this.provers.delete(job.model));
    }
    const prover = await loading;
    const started = performance.now();
    const runs = new Map<number, SegmentTaskResult>();
    const result = await prover.prove({
      features: job.input,
      subject: toField(BigInt(job.subject)),
      nonce: BigInt(job.nonce),
      attempts: this.attempts,
      concurrency: model.segments!.segments.length,
      proveSegment: async (index, input) => {
        const wire = Object.fromEntries(Object.entries(input).map(([k, v]) => [k, Array.isArray(v) ? v.map(String) : String(v)]));
        const done = await this.dispatch(job.id, { model: job.model, index, input: wire });
        // Local retries (SQLite) add up here; the Redis queue counts its own deliveries.
        runs.set(index, { ...done, attempts: Math.max(done.attempts, (runs.get(index)?.attempts ?? 0) + 1) });
        return { proof: done.proof, publicSignals: done.publicSignals.map(BigInt) };
      },
    });
    return {
      proof: result.segments.map((s) => s.proof),
      proofBytes: result.proof,
      publicSignals: result.publicSignals.map(String),
      witnessMs: 0,
      proveMs: performance.now() - started,
      segmented: {
        k: result.segments.length,
        segments: result.segments.map((_, i) => ({ attempts: runs.get(i)!.attempts, provedBy: runs.get(i)!.provedBy })),
      },
    };
  }
}
