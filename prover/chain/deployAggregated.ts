/**
 * Deploys a model's aggregated verifiers (built with `zkinfer build --aggregate N`) and announces them
 * for the registered model (docs/AGGREGATION.md); with an update delay of 0 (a local rehearsal) they are
 * applied at once, otherwise `zkinfer registry aggregate <id> <N> --apply` applies each after the delay.
 */
import type { Address, Hex } from "viem";
import { aggregatedOutputLayout, encodeOutputLayout } from "../abi/aggregatedSignals.js";
import { aggregatedArtifactName } from "../circuit/aggregate.js";
import { ZkinferError } from "../errors.js";
import { lowerModel } from "../model/ir.js";
import { readModelSpec } from "../model/spec.js";
import { inferenceHubAbi } from "./abi.js";
import { compileModelVerifier } from "./compileVerifier.js";
import { connectChain } from "./connect.js";
import { readSetupRecord, setupVerdict } from "./deployModel.js";
import { deployAndWait, writeAndWait } from "./write.js";

export interface DeployAggregatedParameters {
  rpcUrl: string;
  privateKey: Hex;
  hub: Address;
  modelId: bigint;
  specPath: string;
  /** Batch sizes whose aggregated builds exist. */
  sizes: readonly number[];
  allowDevSetup?: boolean;
  log?: (line: string) => void;
}

export interface DeployedAggregatedVerifier {
  n: number;
  verifier: Address;
  contractName: string;
  /** Unix seconds from which it applies; 0 when it was applied at once (update delay 0). */
  readyAt: bigint;
  applied: boolean;
}

/**
 * @example
 * const deployed = await deployAggregatedVerifiers({ rpcUrl, privateKey, hub, modelId: 1n, specPath, sizes: [4, 16] });
 */
export async function deployAggregatedVerifiers(p: DeployAggregatedParameters): Promise<DeployedAggregatedVerifier[]> {
  const log = p.log ?? (() => {});
  const clients = await connectChain(p.rpcUrl, p.privateKey);
  const ir = lowerModel(readModelSpec(p.specPath));
  const layout = encodeOutputLayout(aggregatedOutputLayout(ir));
  const deployed: DeployedAggregatedVerifier[] = [];
  for (const n of p.sizes) {
    const name = aggregatedArtifactName(ir.name, n);
    const verdict = setupVerdict(readSetupRecord(name), clients.chainId, p.allowDevSetup);
    if (!verdict.allowed) throw new ZkinferError(`aggregated keys for N = ${n}: ${verdict.reason}`);
    const compiled = compileModelVerifier(name);
    const verifier = await deployAndWait({ ...clients, abi: compiled.abi, bytecode: compiled.bytecode });
    const { events } = await writeAndWait({
      ...clients,
      address: p.hub,
      abi: inferenceHubAbi,
      functionName: "announceAggregatedVerifier",
      args: [p.modelId, BigInt(n), verifier, layout],
    });
    const readyAt = events.find((e) => e.eventName === "AggregatedVerifierAnnounced")?.args.readyAt ?? 0n;
    const latest = (await clients.publicClient.getBlock()).timestamp;
    let applied = false;
    if (readyAt <= latest) {
      await writeAndWait({ ...clients, address: p.hub, abi: inferenceHubAbi, functionName: "applyAggregatedVerifier", args: [p.modelId, BigInt(n)] });
      applied = true;
    }
    log(
      applied
        ? `aggregated verifier N = ${n}: ${compiled.contractName} at ${verifier}, applied`
        : `aggregated verifier N = ${n}: ${compiled.contractName} at ${verifier}, announced; apply it from ${new Date(Number(readyAt) * 1000).toISOString()} with \`zkinfer registry aggregate ${p.modelId} ${n} --apply\``,
    );
    deployed.push({ n, verifier, contractName: compiled.contractName, readyAt: applied ? 0n : readyAt, applied });
  }
  return deployed;
}
