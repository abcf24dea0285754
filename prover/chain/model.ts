/**
 * A model record of the registry (the InferenceHub): its one TypeScript type, derived from the ABI
 * generated from IModelRegistry.Model, its status, and the reads every front end needs.
 */
import type { Address, ContractFunctionReturnType, PublicClient } from "viem";
import { inferenceHubAbi } from "./abi.js";
import { withRetry } from "./connect.js";
import { UnknownModelError } from "./errors.js";
import { decodeRevert } from "./revert.js";

/** IModelRegistry.ModelStatus, by name. */
export const ModelStatus = { None: 0, Active: 1, Paused: 2, Retired: 3 } as const;
export type ModelStatus = (typeof ModelStatus)[keyof typeof ModelStatus];

/** The name of a status value, e.g. "Active". */
export function modelStatusName(status: number): keyof typeof ModelStatus {
  const names = Object.keys(ModelStatus) as (keyof typeof ModelStatus)[];
  return names.find((n) => ModelStatus[n] === status) ?? "None";
}

/** Every field of a registered model, as `getModel` returns it. */
export type Model = ContractFunctionReturnType<typeof inferenceHubAbi, "view", "getModel">;

/** A model update announced and not yet applied (readyAt 0: none). */
export type PendingModelUpdate = ContractFunctionReturnType<typeof inferenceHubAbi, "view", "pendingModelUpdate">;

/** The model `modelId` of the hub at `hub`; an {@link UnknownModelError} naming the ids it has when there is none. */
export async function readModel(publicClient: PublicClient, hub: Address, modelId: bigint, blockNumber?: bigint): Promise<Model> {
  try {
    return await publicClient.readContract({ address: hub, abi: inferenceHubAbi, functionName: "getModel", args: [modelId], blockNumber });
  } catch (error) {
    if (decodeRevert(error)?.name !== "ModelRegistryUnknownModel") throw error;
    const count = await readModelCount(publicClient, hub);
    const range = count === 0n ? "it has no models yet" : `its models are 1..${count}`;
    throw new UnknownModelError(`The hub at ${hub} has no model ${modelId} (${range}).`, { cause: error });
  }
}

export function readModelCount(publicClient: PublicClient, hub: Address): Promise<bigint> {
  return withRetry("modelCount", () => publicClient.readContract({ address: hub, abi: inferenceHubAbi, functionName: "modelCount" }));
}
