/**
 * `zkinfer worker --redis <url>`: a proving-only process on the shared BullMQ queue. Start as many as
 * there are cores to spare, on as many machines as reach the Redis server; `zkinfer serve --redis`
 * takes the requests and submits the proofs.
 */
import { parseArgs } from "node:util";
import { UsageError } from "../../errors.js";
import { startWorker } from "../../service/service.js";
import type { Command } from "../command.js";
import { aggregateOptions, waitForSignal } from "./serve.js";

export const command: Command = {
  usage:
    "--redis <url> --models <dir>[,<dir>...] [--workers <n>] [--redis-prefix <p>] [--lock-ms <ms>] [--aggregate <N,N,...|none>] [--aggregate-wait <ms>] [--rpc <url>]",
  summary:
    "Proves jobs from the Redis queue of `zkinfer serve --redis` with <n> prover processes (default 1), each loading the models' keys once. " +
    "Aggregates as serve does (--aggregate, --aggregate-wait; the sizes the serve process found on the hub); with --rpc it checks each slot " +
    "against the chain before a batch is proved and batches relayed jobs too, without it relayed jobs are proved singly.",
  async run(argv) {
    const { values } = parseArgs({
      args: argv,
      options: {
        redis: { type: "string" },
        models: { type: "string" },
        workers: { type: "string", default: "1" },
        "redis-prefix": { type: "string" },
        "lock-ms": { type: "string" },
        aggregate: { type: "string" },
        "aggregate-wait": { type: "string" },
        rpc: { type: "string" },
      },
    });
    if (!values.redis) throw new UsageError("--redis <url> is required (the worker takes its jobs from the shared queue).");
    if (!values.models) throw new UsageError("--models is required, e.g. --models models/credit-score");
    if (values["lock-ms"] !== undefined && !/^\d{4,}$/.test(values["lock-ms"]))
      throw new UsageError(`--lock-ms must be an integer >= 1000, got ${values["lock-ms"]}`);
    if (!/^[1-9]\d*$/.test(values.workers!)) throw new UsageError(`--workers must be a positive integer, got ${values.workers}`);
    const worker = await startWorker({
      models: values.models.split(",").filter(Boolean),
      redisUrl: values.redis,
      prefix: values["redis-prefix"],
      workers: Number(values.workers),
      lockDurationMs: values["lock-ms"] ? Number(values["lock-ms"]) : undefined,
      aggregate: aggregateOptions(values.aggregate, values["aggregate-wait"]),
      rpcUrl: values.rpc,
    });
    const provers = [
      ...(worker.pool ? [`${worker.pool.size} prover(s), pids ${worker.pool.pids().join(", ")}`] : []),
      ...(worker.segmentProvers ? [`${Number(values.workers)} segment prover(s)`] : []),
    ];
    console.log(`zkinfer worker: proving with ${provers.join(" and ")}`);
    await waitForSignal();
    console.log("zkinfer worker: stopping");
    await worker.close();
    return 0;
  },
};
