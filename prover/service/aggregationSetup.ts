/**
 * What aggregation needs at start (./aggregator.ts): the sizes whose aggregated keys a process holds,
 * the sizes the hub takes for a served model (an aggregated verifier in force running the local
 * build's code, with the spec's output layout), and the per-slot check a batch runs before it is proved.
 */
import { keccak256, type Address, type PublicClient } from "viem";
import { aggregatedOutputLayout, encodeOutputLayout } from "../abi/aggregatedSignals.js";
import { BuildArtifactError } from "../artifacts/models.js";
import { readCircuitRecord } from "../artifacts/circuitRecord.js";
import { inferenceHubAbi } from "../chain/abi.js";
import { localVerifierRuntime, sameRuntimeCode } from "../chain/compileVerifier.js";
import { withRetry } from "../chain/connect.js";
import { aggregatedArtifactName, aggregationRefusal } from "../circuit/aggregate.js";
import { ZkinferError } from "../errors.js";
import { proofSystemOf } from "../model/specSchema.js";
import { readModelSpec } from "../model/spec.js";
import type { AggregationContext, SlotVerdict } from "./aggregator.js";
import { AuthorizationRefusal, checkAuthorization } from "./authorization.js";
import type { JobRecord } from "./jobs.js";
import type { ServiceModel } from "./models.js";
import { JobError } from "./queue/jobQueue.js";

const ZERO = "0x0000000000000000000000000000000000000000";

/**
 * Per model, the sizes of `sizes` whose aggregated keys are built and current for the model's build.
 * `explicit` (the operator named the sizes with --aggregate): a size without keys is an error naming
 * the build command; otherwise (the default sizes) it is skipped.
 */
export function localAggregatedSizes(
  models: Iterable<ServiceModel>,
  sizes: readonly number[],
  explicit: boolean,
  log: (line: string) => void = () => {},
): Record<string, number[]> {
  const out: Record<string, number[]> = {};
  for (const m of models) {
    const refusal = aggregationRefusal(m.ir) ?? (proofSystemOf(readModelSpec(m.specPath)) !== "groth16" ? `model ${m.name} does not use Groth16` : undefined);
    if (refusal) {
      if (explicit) log(`aggregation: ${refusal}; its jobs are proved singly`);
      continue;
    }
    const model = readCircuitRecord(m.name, m.specPath);
    out[m.name] = [];
    for (const n of sizes) {
      try {
        const record = readCircuitRecord(aggregatedArtifactName(m.name, n), m.specPath);
        if (record.modelCommitment !== model.modelCommitment) throw new BuildArtifactError(`the aggregated build of N = ${n} is stale`);
        out[m.name]!.push(n);
      } catch (e) {
        if (!(e instanceof BuildArtifactError)) throw e;
        if (explicit)
          throw new ZkinferError(
            `--aggregate ${sizes.join(",")}: model ${m.name} has no current aggregated keys for N = ${n} (${e.message.split(". ")[0]}). Run \`zkinfer build ${m.specPath} --aggregate ${n}\`, or leave N = ${n} out.`,
          );
      }
    }
    if (out[m.name]!.length > 0) log(`aggregation: ${m.name} has aggregated keys for N = ${out[m.name]!.join(", ")}`);
  }
  return out;
}

/**
 * The sizes of `sizes` for which the hub has an aggregated verifier in force for `modelId` that runs the
 * code compiled from the local build, with the spec's output layout. `explicit`: any other size is an
 * error naming what is wrong; otherwise it is skipped with a log line.
 */
export async function hubAggregatedSizes(
  publicClient: PublicClient,
  hub: Address,
  m: ServiceModel,
  modelId: bigint,
  sizes: readonly number[],
  explicit: boolean,
  log: (line: string) => void = () => {},
): Promise<number[]> {
  const layout = encodeOutputLayout(aggregatedOutputLayout(m.ir));
  const served: number[] = [];
  for (const n of sizes) {
    let read: readonly [{ verifier: Address }, readonly bigint[]];
    try {
      read = await withRetry(
        "aggregatedVerifier",
        () => publicClient.readContract({ address: hub, abi: inferenceHubAbi, functionName: "aggregatedVerifier", args: [modelId, BigInt(n)] }),
        4,
      );
    } catch (e) {
      // A hub from before aggregated proofs has no such function: nothing to batch with there.
      const why = `the hub did not answer aggregatedVerifier(${modelId}, ${n}) (${(e as Error).message.split("\n")[0]}): a hub without aggregated proofs?`;
      if (explicit) throw new ZkinferError(`Refusing to aggregate ${m.name} with --aggregate ${sizes.join(",")}: ${why}`, { cause: e });
      log(`aggregation: ${m.name}: ${why}; not batching`);
      break;
    }
    const [record, registered] = read;
    let problem: string | undefined;
    if (record.verifier === ZERO)
      problem = `the hub has no aggregated verifier in force for (model ${modelId}, N = ${n}) (zkinfer deploy --aggregate, or zkinfer registry aggregate)`;
    else {
      const local = localVerifierRuntime(aggregatedArtifactName(m.name, n));
      const code = await withRetry("getCode", () => publicClient.getCode({ address: record.verifier }));
      if (!sameRuntimeCode(code, local.runtime))
        problem = `the aggregated verifier ${record.verifier} for N = ${n} does not run the code of ${local.contractName} compiled from the local build (runtime code hash ${code ? keccak256(code) : "none"})`;
      else if (registered.length !== layout.length || registered.some((x, i) => x !== layout[i]))
        problem = `the output layout registered for N = ${n} is not the spec's`;
    }
    if (problem === undefined) served.push(n);
    else if (explicit) throw new ZkinferError(`Refusing to aggregate ${m.name} with --aggregate ${sizes.join(",")}: ${problem}.`);
    else if (record.verifier !== ZERO) log(`aggregation: ${m.name}: ${problem}; not batching N = ${n}`);
  }
  if (served.length > 0) log(`aggregation: ${m.name} (id ${modelId}) is batched with N = ${served.join(", ")}`);
  return served;
}

/**
 * The check of one slot before its batch is proved, as the hub will check it: its (model, subject,
 * nonce) unused (else the job is proved on its own, whose submission tells its own statement from
 * another's), and a relayed job's authorization valid for at least `ctx.marginSeconds` more (else the
 * job fails with kind `authorization`, and only it leaves the batch).
 */
export function chainSlotChecker(publicClient: PublicClient) {
  return async (job: JobRecord, ctx: AggregationContext): Promise<SlotVerdict> => {
    const modelId = BigInt(ctx.models[job.model]!.modelId);
    let used: boolean;
    try {
      used = (await withRetry("isNonceUsed", () =>
        publicClient.readContract({
          address: ctx.hub as Address,
          abi: inferenceHubAbi,
          functionName: "isNonceUsed",
          args: [modelId, job.subject as Address, BigInt(job.nonce)],
        }),
      )) as boolean;
    } catch (e) {
      return { ok: false, single: true, why: `the chain did not answer (${(e as Error).message.split("\n")[0]})` };
    }
    if (used) return { ok: false, single: true, why: `nonce ${job.nonce} of ${job.subject} is already used on-chain` };
    if (!job.authorization) return { ok: true };
    try {
      await checkAuthorization(
        { publicClient, hub: ctx.hub as Address, chainId: ctx.chainId, submitter: ctx.submitter as Address, minDeadlineSeconds: ctx.marginSeconds },
        {
          modelId,
          subject: job.subject as Address,
          nonce: BigInt(job.nonce),
          deadline: BigInt(job.authorization.deadline),
          signature: job.authorization.signature as `0x${string}`,
        },
      );
      return { ok: true };
    } catch (e) {
      if (!(e instanceof AuthorizationRefusal)) throw e;
      if (e.status === 503) return { ok: false, single: true, why: e.message };
      return {
        ok: false,
        single: false,
        error: new JobError("authorization", `the job's authorization no longer holds as its batch was formed: ${e.message}`, false),
      };
    }
  };
}
