/**
 * Wiring: models + queue + prover pool + submitter + HTTP API. `startService` is what
 * `zkinfer serve` runs; `startWorker` is `zkinfer worker` (prove only, Redis only).
 */
import type { Abi, Address, Hex } from "viem";
import { ApiKeys } from "./auth.js";
import { buildApi } from "./api.js";
import { HARDHAT_DEV_KEY, checkModelRecord, compileDevContracts, connectChain, deployDevStack, withRetry, type DevDeployment } from "./chain.js";
import type { FastifyInstance } from "fastify";
import { ServiceMetrics } from "./metrics.js";
import { loadServiceModels, type ServiceModel } from "./models.js";
import { ProverPool } from "./proverPool.js";
import type { JobQueue } from "./queue/jobQueue.js";
import { RedisQueue } from "./queue/redisQueue.js";
import { SqliteQueue, prepareDatabasePath } from "./queue/sqliteQueue.js";
import { SubmissionBatcher, type SubmissionBatcherOptions } from "./batcher.js";
import { Submitter } from "./submitter.js";
import { acquireHostLease, acquireRedisLease, type SubmitterLease } from "./submitterLease.js";
import { ZkinferError } from "../errors.js";
import { AggregatedSubmissions } from "./aggregatedSubmission.js";
import { Aggregator, DEFAULT_AGGREGATE_SIZES, DEFAULT_AGGREGATE_WAIT_MS, type AggregationContext } from "./aggregator.js";
import { chainSlotChecker, hubAggregatedSizes, localAggregatedSizes } from "./aggregationSetup.js";
import { createPublicClient, http, type PublicClient } from "viem";
import { LocalSegmentProvers, SegmentedJobs, type SegmentDispatch } from "./segmented.js";
import { JobError } from "./queue/jobQueue.js";

export type QueueConfig = { kind: "sqlite"; path: string } | { kind: "redis"; url: string; prefix?: string; lockDurationMs?: number };

export interface ServiceOptions {
  /** Model folders (holding spec.json) or spec files. */
  models: string[];
  queue: QueueConfig;
  /** Local prover processes (>= 1 with SQLite; 0 allowed with Redis, where `zkinfer worker`s prove). */
  workers: number;
  chain?: {
    rpcUrl: string;
    /** Submitter key; Hardhat's first dev account on chain 31337 when omitted. */
    privateKey?: Hex;
    hub?: Address;
    /**
     * With `hub`: for each served model, the on-chain id it is served under and the consumer its
     * record must call (`--model-id name=id --consumer name=address`). The service never picks an id
     * by commitment: anyone can register a copy of a model (docs/SECURITY.md, "Prover service").
     */
    models?: Record<string, { modelId: bigint; consumer: Address }>;
    /** Development: deploy hub + verifier + CreditGate when no hub is given. */
    deploy?: { threshold: bigint; creditLimit: bigint };
    confirmations?: number;
    rpcTimeoutMs?: number;
    /** Send up to `maxBatch` ready proofs of one model in one verifyAndActBatch, waiting at most `maxWaitMs` (default: one by one). */
    batch?: SubmissionBatcherOptions;
    /**
     * Let tenants have the service submit for its own submitter address (`--allow-self-subject`).
     * Off by default: such a job needs no authorization (docs/SECURITY.md 43).
     */
    allowSelfSubject?: boolean;
    /** The least time an `authorization`'s deadline must leave when the request arrives (default {@link DEFAULT_MIN_DEADLINE_SECONDS}). */
    minDeadlineSeconds?: number;
    /**
     * Per served model, the events of its consumer (e.g. from its Hardhat artifact: `--consumer-abi`),
     * to decode them into the job; without one, the consumer's logs are kept raw (topics and data).
     */
    consumerAbis?: Record<string, Abi>;
  };
  apiKeyHashes: string[];
  host?: string;
  port?: number;
  bodyLimit?: number;
  maxAttempts?: number;
  log?: (line: string) => void;
  /** The service cannot go on (its submitter lease was taken by another process); `zkinfer serve` exits. */
  onFatal?: (error: Error) => void;
  /** Directory of the host's submitter leases (default $ZKINFER_LEASE_DIR or <tmpdir>/zkinfer-submitter-leases). */
  leaseDir?: string;
  /** Aggregated proofs (docs/AGGREGATION.md, "The prover service"); Redis queue only. */
  aggregate?: AggregateOptions;
}

export interface AggregateOptions {
  /** Batch sizes (`--aggregate 4,16`); [] turns aggregation off; omitted: 4, 16 and 64 where the keys exist. */
  sizes?: number[];
  /** Longest wait of a job for others of its model (`--aggregate-wait`, default {@link DEFAULT_AGGREGATE_WAIT_MS}). */
  waitMs?: number;
}

/** The sizes asked for, whether the operator named them, and each model's sizes whose keys this process holds. */
function aggregationPlan(o: { aggregate?: AggregateOptions; queue: QueueConfig }, models: Map<string, ServiceModel>, log: (line: string) => void) {
  const explicit = o.aggregate?.sizes !== undefined;
  const sizes = o.aggregate?.sizes ?? [...DEFAULT_AGGREGATE_SIZES];
  if (explicit && sizes.length > 0 && o.queue.kind !== "redis")
    throw new ZkinferError(
      "--aggregate needs the Redis queue (--redis <url>): a batch's jobs are claimed and recorded atomically in Redis. Pass --aggregate none, or --redis.",
    );
  // A segmented model is never aggregated (its statement is K proofs).
  const single = [...models.values()].filter((m) => !m.segments);
  const local = o.queue.kind === "redis" && sizes.length > 0 ? localAggregatedSizes(single, sizes, explicit, log) : {};
  return { explicit, sizes, local };
}

/** The aggregator of a proving process, when any model has aggregated keys here. */
function makeAggregator(
  queue: JobQueue,
  pool: ProverPool,
  local: Record<string, number[]>,
  o: { waitMs?: number; leaseMs: number; publicClient?: PublicClient; log: (line: string) => void },
): Aggregator | undefined {
  if (!(queue instanceof RedisQueue) || !Object.values(local).some((s) => s.length > 0)) return undefined;
  return new Aggregator({
    store: queue,
    localSizes: local,
    waitMs: o.waitMs ?? DEFAULT_AGGREGATE_WAIT_MS,
    leaseMs: o.leaseMs,
    proveSingle: (job) => pool.prove(job),
    proveAggregated: (id, model, n, statements) => pool.proveAggregated(id, model, n, statements),
    checkSlot: o.publicClient ? chainSlotChecker(o.publicClient) : undefined,
    log: o.log,
  });
}

/**
 * Starts proving: through the aggregator when there is one (its prove deliveries wait for a batch, so
 * the largest size is added to the concurrency); a segmented model's jobs through `segmented` (a job
 * waits for its segments, proved by the segment provers: `workers` more deliveries at once).
 */
async function startProvingWith(
  queue: JobQueue,
  pool: ProverPool | undefined,
  aggregator: Aggregator | undefined,
  local: Record<string, number[]>,
  segmented: ReturnType<typeof segmentedProving>,
): Promise<void> {
  const largest = Math.max(0, ...Object.values(local).flat());
  const size = (pool?.size ?? 0) + largest + (segmented ? segmented.size : 0);
  if (segmented && queue instanceof RedisQueue) await queue.startProvingSegments((task, attempts) => segmented.provers.prove(task, attempts), segmented.size);
  await queue.startProving(async (job) => {
    if (segmented?.jobs.handles(job.model)) {
      if (queue instanceof RedisQueue) await queue.discardSegmentInputs(job.id);
      return segmented.jobs.prove(job);
    }
    if (!pool) throw new JobError("prove", `this process does not prove ${job.model} in one proof`, false);
    return aggregator ? aggregator.prove(job) : pool.prove(job);
  }, size);
}

/**
 * The segmented models' provers (`size` processes) and jobs, when any is served: on Redis a job's
 * segments become queue tasks any proving process takes; on SQLite this process proves them itself.
 */
function segmentedProving(models: Map<string, ServiceModel>, queue: JobQueue, size: number) {
  if (!SegmentedJobs.servedIn(models) || size < 1) return undefined;
  const provers = new LocalSegmentProvers(models, size);
  const dispatch: SegmentDispatch =
    queue instanceof RedisQueue ? (parent, task) => queue.proveSegmentTask(parent, task) : (_parent, task) => provers.prove(task);
  // The Redis queue delivers a failed segment again itself; locally the prover retries it once more.
  return { size, provers, jobs: new SegmentedJobs(models, dispatch, queue instanceof RedisQueue ? 1 : 2) };
}

/** The served models proved in one proof (the prover pool loads those only). */
function singleProofSpecs(models: Map<string, ServiceModel>): Record<string, string> {
  return Object.fromEntries([...models.values()].filter((m) => !m.segments).map((m) => [m.name, m.specPath]));
}

export interface RunningService {
  url: string;
  app: FastifyInstance;
  queue: JobQueue;
  pool?: ProverPool;
  submitter?: Submitter;
  deployment?: DevDeployment;
  hub?: Address;
  modelIds: Record<string, bigint>;
  models: Map<string, ServiceModel>;
  close(): Promise<void>;
}

/** Default least time an authorization's deadline must leave: the queue, the proof and the transaction fit in it. */
export const DEFAULT_MIN_DEADLINE_SECONDS = 120;

export function openQueue(config: QueueConfig, maxAttempts?: number): JobQueue {
  return config.kind === "sqlite"
    ? new SqliteQueue({ path: config.path, maxAttempts })
    : new RedisQueue({ url: config.url, prefix: config.prefix, maxAttempts, lockDurationMs: config.lockDurationMs });
}

export async function startService(o: ServiceOptions): Promise<RunningService> {
  const log = o.log ?? (() => {});
  if (o.queue.kind === "sqlite" && o.workers < 1)
    throw new ZkinferError("With the embedded SQLite queue the service proves itself: --workers must be at least 1.");
  const models = await loadServiceModels(o.models);
  const plan = aggregationPlan(o, models, log);
  // Before the chain (a deployment takes a while): an unusable job file is said at once.
  if (o.queue.kind === "sqlite") prepareDatabasePath(o.queue.path);
  for (const name of Object.keys(o.chain?.consumerAbis ?? {}))
    if (!models.has(name))
      throw new ZkinferError(`--consumer-abi names ${name}, which this service does not serve (it serves ${[...models.keys()].join(", ")}).`);

  // --deploy compiles what it deploys first (synchronous solc: before any connection is opened).
  if (o.chain?.deploy && !o.chain.hub) await compileDevContracts(log);

  // Chain first: a service that cannot reach its chain or find its models refuses to start.
  let submitterParts: ServiceChain | undefined;
  const modelIds: Record<string, bigint> = {};
  const leases: SubmitterLease[] = [];
  const releaseLeases = async () => {
    for (const lease of leases.splice(0).reverse()) await lease.release();
  };
  let submitter: Submitter | undefined;
  try {
    if (o.chain) {
      submitterParts = await connectServiceChain(o, o.chain, models, leases, log, (error) => {
        submitter?.stop();
        o.onFatal?.(error);
      });
      Object.assign(modelIds, submitterParts.modelIds);
    }
  } catch (e) {
    await releaseLeases();
    throw e;
  }

  const queue = openQueue(o.queue, o.maxAttempts);
  const metrics = new ServiceMetrics(queue);
  const specs = singleProofSpecs(models);
  const pool = o.workers > 0 && Object.keys(specs).length > 0 ? new ProverPool({ specs, size: o.workers, aggregated: plan.local }) : undefined;
  const segmented = segmentedProving(models, queue, o.workers);
  let aggregator: Aggregator | undefined;
  try {
    // What the workers batch with: published by the submitting process only (a serve without a chain
    // leaves it alone); it stays while that process is down, and the batches wait for it.
    if (queue instanceof RedisQueue && submitterParts) await queue.setAggregationContext(await aggregationContext(submitterParts, o, models, plan, log));
    if (pool) {
      await pool.ready();
      aggregator = makeAggregator(queue, pool, plan.local, {
        waitMs: o.aggregate?.waitMs,
        leaseMs: (o.queue.kind === "redis" ? o.queue.lockDurationMs : undefined) ?? 30_000,
        publicClient: submitterParts?.clients.publicClient,
        log,
      });
    }
    if (pool || segmented) await startProvingWith(queue, pool, aggregator, plan.local, segmented);
    if (submitterParts) {
      submitter = new Submitter({
        clients: submitterParts.clients,
        hub: submitterParts.hub,
        modelIds,
        consumers: Object.fromEntries(
          Object.entries(submitterParts.consumers).map(([name, address]) => [name, { address, abi: o.chain?.consumerAbis?.[name] }]),
        ),
        update: (id, patch) => queue.update(id, patch),
        updateMany: queue instanceof RedisQueue ? (patches) => queue.updateMany(patches) : undefined,
        confirmations: o.chain?.confirmations,
        log: (line) => log(`submitter: ${line}`),
      });
      const batcher = new SubmissionBatcher(submitter, o.chain?.batch ?? { maxBatch: 1, maxWaitMs: 0 });
      const aggregated = queue instanceof RedisQueue ? new AggregatedSubmissions(queue, submitter, log) : undefined;
      await queue.startSubmitting((job) => (job.aggregation && aggregated ? aggregated.submit(job) : batcher.submit(job)));
    }
  } catch (e) {
    aggregator?.close();
    await pool?.close();
    await segmented?.provers.close();
    await queue.close();
    await releaseLeases();
    throw e;
  }

  const app = await buildApi({
    models,
    modelIds,
    queue,
    metrics,
    apiKeys: new ApiKeys(o.apiKeyHashes),
    canSubmit: submitter !== undefined,
    submitter: submitter?.address,
    relay:
      submitter && submitterParts
        ? {
            publicClient: submitterParts.clients.publicClient,
            hub: submitterParts.hub,
            chainId: submitterParts.clients.chainId,
            submitter: submitter.address,
            minDeadlineSeconds: o.chain?.minDeadlineSeconds ?? DEFAULT_MIN_DEADLINE_SECONDS,
          }
        : undefined,
    allowSelfSubject: o.chain?.allowSelfSubject ?? false,
    bodyLimit: o.bodyLimit,
    health: async () => ({
      workers: pool?.size ?? segmented?.size ?? 0,
      proverPids: pool?.pids() ?? [],
      // Largest resident set a prover of this process reported: the memory bound per worker.
      proverPeakRssMb: pool ? Math.round(pool.peakRssMb) : null,
      submitter: submitter?.address ?? null,
    }),
  });
  const url = await app.listen({ host: o.host ?? "127.0.0.1", port: o.port ?? 8080 });

  let closing: Promise<void> | undefined;
  return {
    url,
    app,
    queue,
    pool,
    submitter,
    deployment: submitterParts?.deployment,
    hub: submitterParts?.hub,
    modelIds,
    models,
    close() {
      closing ??= (async () => {
        await app.close();
        submitter?.stop();
        aggregator?.close();
        await pool?.close();
        await segmented?.provers.close();
        await queue.close();
        await releaseLeases();
      })();
      return closing;
    },
  };
}

export interface WorkerOptions {
  models: string[];
  redisUrl: string;
  prefix?: string;
  workers: number;
  lockDurationMs?: number;
  maxAttempts?: number;
  aggregate?: AggregateOptions;
  /** A chain to check a batch's slots against (nonces, relayed jobs' authorizations); without it relayed jobs are proved singly. */
  rpcUrl?: string;
}

/** A proving-only process on the Redis queue: any number of them, on any number of machines. */
export async function startWorker(
  o: WorkerOptions,
): Promise<{ pool?: ProverPool; segmentProvers?: LocalSegmentProvers; queue: JobQueue; close(): Promise<void> }> {
  const models = await loadServiceModels(o.models);
  const log = (line: string) => console.log(line);
  const plan = aggregationPlan({ aggregate: o.aggregate, queue: { kind: "redis", url: o.redisUrl } }, models, log);
  const queue = new RedisQueue({ url: o.redisUrl, prefix: o.prefix, maxAttempts: o.maxAttempts, lockDurationMs: o.lockDurationMs });
  const specs = singleProofSpecs(models);
  const pool = Object.keys(specs).length > 0 ? new ProverPool({ specs, size: o.workers, aggregated: plan.local }) : undefined;
  await pool?.ready();
  const segmented = segmentedProving(models, queue, o.workers);
  const publicClient = o.rpcUrl ? (createPublicClient({ transport: http(o.rpcUrl) }) as PublicClient) : undefined;
  const aggregator = pool && makeAggregator(queue, pool, plan.local, { waitMs: o.aggregate?.waitMs, leaseMs: o.lockDurationMs ?? 30_000, publicClient, log });
  await startProvingWith(queue, pool, aggregator, plan.local, segmented);
  return {
    pool,
    segmentProvers: segmented?.provers,
    queue,
    async close() {
      aggregator?.close();
      await pool?.close();
      await segmented?.provers.close();
      await queue.close();
    },
  };
}

/** What the submitting serve publishes for every proving process: the hub, the submitter, per model its id and the sizes the hub takes. */
async function aggregationContext(
  chain: ServiceChain,
  o: ServiceOptions,
  models: Map<string, ServiceModel>,
  plan: ReturnType<typeof aggregationPlan>,
  log: (line: string) => void,
): Promise<AggregationContext | undefined> {
  const context: AggregationContext = {
    hub: chain.hub,
    chainId: chain.clients.chainId,
    submitter: chain.clients.account.address,
    // Half the least deadline a request must leave: the batch's proof and its transaction fit in it.
    marginSeconds: Math.floor((o.chain?.minDeadlineSeconds ?? DEFAULT_MIN_DEADLINE_SECONDS) / 2),
    models: {},
  };
  for (const [name, sizes] of Object.entries(plan.local)) {
    if (sizes.length === 0) continue;
    const served = await hubAggregatedSizes(chain.clients.publicClient, chain.hub, models.get(name)!, chain.modelIds[name]!, sizes, plan.explicit, log);
    if (served.length > 0) context.models[name] = { modelId: chain.modelIds[name]!.toString(), sizes: served };
  }
  return Object.keys(context.models).length > 0 ? context : undefined;
}

/** What the service submits with: its clients, the hub, the served models' ids and consumers. */
interface ServiceChain {
  clients: Awaited<ReturnType<typeof connectChain>>;
  hub: Address;
  deployment?: DevDeployment;
  consumers: Record<string, Address>;
  modelIds: Record<string, bigint>;
}

/**
 * Connects to the chain, takes the submitter's leases (pushed onto `leases`, released by the caller
 * on failure), deploys the development stack with --deploy, and checks each served model's on-chain
 * record: a service that cannot reach its chain or find its models refuses to start.
 */
async function connectServiceChain(
  o: ServiceOptions,
  chain: NonNullable<ServiceOptions["chain"]>,
  models: Awaited<ReturnType<typeof loadServiceModels>>,
  leases: SubmitterLease[],
  log: (line: string) => void,
  onLeaseLost: (error: Error) => void,
): Promise<ServiceChain> {
  const modelIds: Record<string, bigint> = {};
  const probe = await connectChain(chain.rpcUrl, chain.privateKey ?? HARDHAT_DEV_KEY, chain.rpcTimeoutMs);
  if (!chain.privateKey) {
    if (probe.chainId !== 31337)
      throw new ZkinferError(`No submitter key: set ZKINFER_SUBMITTER_KEY (the development key is only used on chain 31337, this is ${probe.chainId}).`);
    log(`NOTE: submitting with Hardhat's public development key ${probe.account.address} (chain 31337 only).`);
  }
  // One submitter per key and chain, across processes (./submitterLease.ts); before --deploy, which signs too.
  const genesis = await withRetry("the genesis block", () => probe.publicClient.getBlock({ blockNumber: 0n }));
  const target = { address: probe.account.address, chainId: probe.chainId, genesisHash: genesis.hash! };
  leases.push(acquireHostLease(target, o.leaseDir));
  if (o.queue.kind === "redis") {
    leases.push(
      await acquireRedisLease(target, {
        url: o.queue.url,
        ttlMs: o.queue.lockDurationMs ?? 10_000,
        log: (line) => log(`submitter: ${line}`),
        onLost: (error) => {
          log(`submitter: ${error.message}`);
          onLeaseLost(error);
        },
      }),
    );
  }
  let hub = chain.hub;
  let deployment: DevDeployment | undefined;
  let expected = chain.models ?? {};
  if (!hub) {
    if (!chain.deploy) throw new ZkinferError("No hub address: pass --hub <address> (or --deploy on a development chain).");
    if (models.size !== 1) throw new ZkinferError("--deploy deploys one model's stack; pass exactly one model.");
    const m = [...models.values()][0]!;
    if (m.segments)
      throw new ZkinferError(
        `--deploy deploys the development stack of a model proved in one proof; ${m.name} is served in segments: deploy it with \`zkinfer deploy --segmented\`, then pass --hub, --model-id and --consumer.`,
      );
    deployment = await deployDevStack(probe, { ...m, modelCommitment: m.commitment, numOutputs: m.ir.outputs.length, ...chain.deploy });
    hub = deployment.hub;
    expected = { [m.name]: { modelId: deployment.modelId, consumer: deployment.creditGate } };
    log(`deployed hub ${deployment.hub}, verifier ${deployment.verifier}, CreditGate ${deployment.creditGate}; model ${m.name} is id ${deployment.modelId}`);
  }
  for (const m of models.values()) {
    const named = expected[m.name];
    if (!named) {
      throw new ZkinferError(
        `Refusing to serve ${m.name} on the hub at ${hub} without its on-chain id and consumer: pass --model-id ${m.name}=<id> --consumer ${m.name}=<address> ` +
          `(the service never picks an id by commitment: anyone can register a copy of a model with their own consumer).`,
      );
    }
    await checkModelRecord(probe.publicClient, hub, {
      ...m,
      attested: m.ir.attestation !== undefined,
      ...named,
      ...(m.segmentedBuild ? { segmentedBuild: m.segmentedBuild } : {}),
    });
    modelIds[m.name] = named.modelId;
  }
  for (const name of Object.keys(expected))
    if (!models.has(name))
      throw new ZkinferError(`--model-id/--consumer name ${name}, which this service does not serve (it serves ${[...models.keys()].join(", ")}).`);
  return { clients: probe, hub, deployment, consumers: Object.fromEntries(Object.entries(expected).map(([name, e]) => [name, e.consumer])), modelIds };
}
