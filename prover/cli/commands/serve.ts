/**
 * `zkinfer serve`: the prover service (HTTP API + queue + provers + submitter). See
 * prover/service/service.ts and docs/SERVICE.md.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import type { Abi, Address, Hex } from "viem";
import { buildRoot } from "../../artifacts/paths.js";
import { findContract } from "../../chain/contracts.js";
import { UsageError, ZkinferError } from "../../errors.js";
import { hashApiKey, newApiKey } from "../../service/auth.js";
import { DEFAULT_MIN_DEADLINE_SECONDS, startService } from "../../service/service.js";
import type { Command } from "../command.js";
import { DEFAULT_AGGREGATE_WAIT_MS, parseAggregateFlag } from "../../service/aggregator.js";
import type { AggregateOptions } from "../../service/service.js";

export const command: Command = {
  usage:
    "--models <dir>[,<dir>...] [--rpc <url>] [--hub <address> --model-id <name>=<id>[,...] --consumer <name>=<address>[,...] | --deploy] [--redis <url>] [--db <file>] [--workers <n>] [--port <n>] [--host <addr>] [--confirmations <n>] [--batch-max <n>] [--batch-wait-ms <ms>] [--redis-prefix <p>] [--lock-ms <ms>] [--consumer-abi <name>=<artifact.json|ContractName>[,...]] [--min-deadline <s>] [--allow-self-subject] [--aggregate <N,N,...|none>] [--aggregate-wait <ms>] | --hash-key <key>",
  summary:
    "Serves proofs over HTTP (/v1, OpenAPI at /v1/openapi.json). Jobs queue in SQLite (--db, default $ZKINFER_BUILD_DIR/service/jobs.sqlite) or, with --redis, in BullMQ " +
    "shared with `zkinfer worker` processes. With --rpc, proved jobs are submitted to InferenceHub.verifyAndAct with $ZKINFER_SUBMITTER_KEY; " +
    "one serve per key and chain (a lease on the host and, with --redis, in Redis: a second one refuses to start). " +
    "--batch-max n (default 1) sends up to n ready proofs of one model in one verifyAndActBatch, each proof waiting at most --batch-wait-ms (default 2000) for others; " +
    "a batch that reverts is resubmitted one proof at a time. " +
    "With --redis, ready jobs of one model are also aggregated: up to N statements in ONE proof and ONE verifyAndActAggregated transaction " +
    "(--aggregate 4,16 or none; default 4,16,64 where `zkinfer build --aggregate` made the keys and the hub has the aggregated verifier), " +
    `each job waiting at most --aggregate-wait ms (default ${DEFAULT_AGGREGATE_WAIT_MS}) for others, else proved singly (docs/AGGREGATION.md). ` +
    "With --hub, each model is served under the id --model-id names, and the service refuses to start unless that record is Active, " +
    "carries the model's commitment, calls the --consumer named and points to a verifier running the locally built verifier's code. " +
    "--deploy compiles the contracts (npx hardhat build) and deploys a development stack. " +
    "A request for another subject carries the subject's EIP-712 authorization of the submitter, checked on arrival (its deadline at least --min-deadline seconds ahead, default " +
    `${DEFAULT_MIN_DEADLINE_SECONDS}); ` +
    "a request whose subject is the submitter's own address is refused unless --allow-self-subject is given. " +
    "--consumer-abi decodes a custom consumer's events into the job (a Hardhat artifact file, or a contract name: your contractsDir's, then zkinfer's own); without it they are kept raw. " +
    "See docs/SERVICE.md. " +
    "API keys: $ZKINFER_API_KEY_HASHES (comma-separated SHA-256 hex of the keys; `--hash-key <key>` prints one); without it a key is generated and printed once.",
  async run(argv, ctx) {
    const { values } = parseArgs({
      args: argv,
      options: {
        models: { type: "string" },
        rpc: { type: "string" },
        hub: { type: "string" },
        "model-id": { type: "string" },
        consumer: { type: "string" },
        deploy: { type: "boolean", default: false },
        redis: { type: "string" },
        "redis-prefix": { type: "string" },
        "lock-ms": { type: "string" },
        db: { type: "string" },
        workers: { type: "string" },
        port: { type: "string", default: "8080" },
        host: { type: "string", default: "127.0.0.1" },
        confirmations: { type: "string", default: "1" },
        "batch-max": { type: "string", default: "1" },
        "batch-wait-ms": { type: "string", default: "2000" },
        "hash-key": { type: "string" },
        "consumer-abi": { type: "string" },
        "min-deadline": { type: "string" },
        "allow-self-subject": { type: "boolean", default: false },
        aggregate: { type: "string" },
        "aggregate-wait": { type: "string" },
      },
    });
    if (values["hash-key"] !== undefined) {
      console.log(hashApiKey(values["hash-key"]));
      return 0;
    }
    if (!values.models) throw new UsageError("--models is required, e.g. --models models/credit-score");
    const int = (name: string, v: string | undefined, min: number): number | undefined => {
      if (v === undefined) return undefined;
      if (!/^\d+$/.test(v) || Number(v) < min) throw new UsageError(`--${name} must be an integer >= ${min}, got ${v}`);
      return Number(v);
    };
    const key = process.env.ZKINFER_SUBMITTER_KEY as Hex | undefined;
    if (key !== undefined && !/^0x[0-9a-fA-F]{64}$/.test(key)) throw new UsageError("ZKINFER_SUBMITTER_KEY must be a 0x-prefixed 32-byte hex private key.");
    if (values.hub !== undefined && !/^0x[0-9a-fA-F]{40}$/.test(values.hub)) throw new UsageError(`--hub must be a 0x-prefixed address, got ${values.hub}`);

    // name=value pairs, e.g. --model-id credit-score=3,credit-logistic=4
    const pairs = (flag: string, text: string | undefined, value: RegExp, what: string): Map<string, string> => {
      const out = new Map<string, string>();
      for (const item of (text ?? "").split(",").filter(Boolean)) {
        const m = /^([^=]+)=(.+)$/.exec(item.trim());
        if (!m || !value.test(m[2]!)) throw new UsageError(`--${flag} takes <model name>=<${what}> pairs separated by commas, got ${item}`);
        out.set(m[1]!, m[2]!);
      }
      return out;
    };
    const ids = pairs("model-id", values["model-id"], /^[1-9][0-9]*$/, "on-chain id");
    const consumers = pairs("consumer", values.consumer, /^0x[0-9a-fA-F]{40}$/, "0x-prefixed address");
    if ((ids.size > 0 || consumers.size > 0) && values.hub === undefined) throw new UsageError("--model-id and --consumer go with --hub.");
    const named: Record<string, { modelId: bigint; consumer: Address }> = {};
    for (const name of new Set([...ids.keys(), ...consumers.keys()])) {
      if (!ids.has(name)) throw new UsageError(`--consumer names ${name} but --model-id does not: pass --model-id ${name}=<id>.`);
      if (!consumers.has(name))
        throw new UsageError(`--model-id names ${name} but --consumer does not: pass --consumer ${name}=<address> (the consumer its record must call).`);
      named[name] = { modelId: BigInt(ids.get(name)!), consumer: consumers.get(name) as Address };
    }

    const consumerAbis: Record<string, Abi> = {};
    for (const [name, source] of pairs("consumer-abi", values["consumer-abi"], /^.+$/, "Hardhat artifact file or contract name"))
      consumerAbis[name] = consumerAbi(source, ctx.contractsDir());
    if (Object.keys(consumerAbis).length > 0 && !values.rpc) throw new UsageError("--consumer-abi goes with --rpc: without a chain nothing is submitted.");
    if (values.deploy && !values.rpc) throw new UsageError("--deploy goes with --rpc <url>: the development chain to deploy to.");
    if (values["allow-self-subject"] && !values.rpc) throw new UsageError("--allow-self-subject goes with --rpc: without a chain nothing is submitted.");

    let hashes = (process.env.ZKINFER_API_KEY_HASHES ?? "")
      .split(",")
      .map((s) => s.trim())
      .filter(Boolean);
    if (hashes.length === 0) {
      const { key: apiKey, hash } = newApiKey();
      hashes = [hash];
      console.log(`API key for this run (not stored; set ZKINFER_API_KEY_HASHES to keep keys across runs): ${apiKey}`);
    }

    let onFatal!: (e: Error) => void;
    const fatal = new Promise<Error>((r) => (onFatal = r));
    const service = await startService({
      models: values.models.split(",").filter(Boolean),
      queue: values.redis
        ? { kind: "redis", url: values.redis, prefix: values["redis-prefix"], lockDurationMs: int("lock-ms", values["lock-ms"], 1000) }
        : { kind: "sqlite", path: values.db ?? join(buildRoot(), "service", "jobs.sqlite") },
      workers: int("workers", values.workers, 0) ?? (values.redis ? 0 : 1),
      chain: values.rpc
        ? {
            rpcUrl: values.rpc,
            privateKey: key,
            hub: values.hub as Address | undefined,
            models: named,
            // The bundled CreditGate's operating point: approve at log-odds >= 0.
            deploy: values.deploy ? { threshold: 0n, creditLimit: 10_000n } : undefined,
            confirmations: int("confirmations", values.confirmations, 1),
            batch: { maxBatch: int("batch-max", values["batch-max"], 1)!, maxWaitMs: int("batch-wait-ms", values["batch-wait-ms"], 0)! },
            allowSelfSubject: values["allow-self-subject"],
            minDeadlineSeconds: int("min-deadline", values["min-deadline"], 0),
            consumerAbis,
          }
        : undefined,
      aggregate: aggregateOptions(values.aggregate, values["aggregate-wait"]),
      apiKeyHashes: hashes,
      host: values.host,
      port: int("port", values.port, 0),
      log: (line) => console.log(line),
      onFatal,
    });
    console.log(
      `zkinfer serve: listening on ${service.url} (queue: ${service.queue.backend}; provers: ${service.pool?.size ?? 0}; ` +
        `models: ${[...service.models.keys()].join(", ")}${service.hub ? `; hub ${service.hub}` : "; no chain: proofs only"})`,
    );
    if (service.deployment) console.log(`deployment: ${JSON.stringify({ ...service.deployment, modelId: service.deployment.modelId.toString() })}`);
    const stop = await Promise.race([waitForSignal().then(() => undefined), fatal]);
    if (stop) console.error(`zkinfer serve: stopping: ${stop.message}`);
    else console.log("zkinfer serve: stopping (jobs in flight resume on the next start)");
    await service.close();
    return stop ? 1 : 0;
  },
};

/** A consumer's ABI from a Hardhat artifact file (or a bare ABI array), or by contract name: from the user's contractsDir (compiled for its ABI), else zkinfer's own. */
function consumerAbi(source: string, contractsDir: string | undefined): Abi {
  let abi: unknown;
  if (source.endsWith(".json") || source.includes("/")) {
    if (!existsSync(source))
      throw new ZkinferError(
        `--consumer-abi: no file ${source} (give a Hardhat artifact, e.g. artifacts/contracts/MyConsumer.sol/MyConsumer.json, or a contract name).`,
      );
    let parsed: unknown;
    try {
      parsed = JSON.parse(readFileSync(source, "utf8"));
    } catch (cause) {
      throw new ZkinferError(`--consumer-abi: ${source} is not JSON (${(cause as Error).message}).`, { cause });
    }
    abi = Array.isArray(parsed) ? parsed : (parsed as { abi?: unknown }).abi;
  } else {
    if (!/^[A-Za-z_$][A-Za-z0-9_$]*$/.test(source)) throw new UsageError(`--consumer-abi takes a Hardhat artifact file or a contract name, got ${source}.`);
    abi = findContract(source, { contractsDir, abiOnly: true }).abi;
  }
  if (!Array.isArray(abi) || !abi.some((item) => (item as { type?: unknown }).type === "event"))
    throw new ZkinferError(`--consumer-abi: ${source} has no ABI with events (a Hardhat artifact has them under "abi").`);
  return abi as Abi;
}

/** `--aggregate` and `--aggregate-wait` (serve and worker). */
export function aggregateOptions(sizes: string | undefined, wait: string | undefined): AggregateOptions {
  if (wait !== undefined && !/^\d+$/.test(wait)) throw new UsageError(`--aggregate-wait must be a whole number of milliseconds, got ${wait}`);
  try {
    return { sizes: sizes === undefined ? undefined : parseAggregateFlag(sizes), waitMs: wait === undefined ? undefined : Number(wait) };
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
}

export function waitForSignal(): Promise<void> {
  return new Promise((resolve) => {
    process.once("SIGINT", () => resolve());
    process.once("SIGTERM", () => resolve());
  });
}
