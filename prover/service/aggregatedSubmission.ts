/**
 * The submission of aggregated batches (./aggregator.ts records them): the queue still delivers one
 * submission per job; the first delivery of a batch sends the batch (Submitter.submitAggregated, one
 * transaction for all its jobs) and every delivery of that batch waits for it. A batch that cannot land
 * sends its jobs back to single proofs (their inputs were kept until now for this).
 */
import type { JobRecord } from "./jobs.js";
import type { RedisQueue } from "./queue/redisQueue.js";
import type { Submitter } from "./submitter.js";

export class AggregatedSubmissions {
  private readonly running = new Map<string, Promise<void>>();

  constructor(
    private readonly queue: RedisQueue,
    private readonly submitter: Submitter,
    private readonly log: (line: string) => void = () => {},
  ) {}

  /** The queue's submit handler for a job with `aggregation`: settles when its batch has landed or gone back to single proofs. */
  submit(job: JobRecord): Promise<void> {
    const batchId = job.aggregation!.batchId;
    let run = this.running.get(batchId);
    if (!run) {
      run = this.send(job).finally(() => this.running.delete(batchId));
      this.running.set(batchId, run);
    }
    return run;
  }

  private async send(job: JobRecord): Promise<void> {
    const batch = await this.queue.getBatch(job.aggregation!.batchId);
    if (!batch) throw new Error(`job ${job.id} names batch ${job.aggregation!.batchId}, which is not recorded`);
    const ids = batch.jobIds;
    const jobs = await Promise.all(ids.map((id) => this.queue.get(id)));
    const live = jobs.filter(
      (j): j is JobRecord => j !== undefined && (j.status === "proved" || j.status === "submitted") && j.aggregation?.batchId === job.aggregation!.batchId,
    );
    // Already settled by an earlier delivery (the records are written for the whole batch at once).
    if (live.length === 0) return;
    if (live.length !== ids.length)
      throw new Error(`batch ${job.aggregation!.batchId} is partly settled (${live.length} of ${ids.length} jobs pending): not submitted`);
    const outcome = await this.submitter.submitAggregated(live);
    if (outcome.landed) return;
    this.log(`submitter: ${outcome.reason}; its ${ids.length} jobs are proved again, each on its own`);
    await this.queue.requeueSingle(ids, `${outcome.reason}; proved again on its own`);
  }
}
