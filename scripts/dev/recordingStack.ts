/**
 * A hub (update delay 0), one model's verifier registered in it, and a RecordingConsumer as its
 * consumer: the on-chain set-up of the tests that submit real proofs of a test model (the prover
 * service's aggregated and segmented suites, staged segmented verification).
 */
import type { Address, Hex } from "viem";
import { inferenceHubAbi } from "../../prover/chain/abi.js";
import type { CompiledContract } from "../../prover/chain/compileVerifier.js";
import type { ChainClients } from "../../prover/chain/connect.js";
import { hardhatArtifact } from "../../prover/chain/deployModel.js";
import { deployAndWait, writeAndWait } from "../../prover/chain/write.js";

export interface RecordingStack {
  hub: Address;
  verifier: Address;
  modelId: bigint;
  consumer: Address;
}

export async function deployRecordingStack(
  clients: ChainClients,
  model: { verifier: CompiledContract; commitment: bigint; numOutputs: number; uri: string },
): Promise<RecordingStack> {
  const hub = await deployAndWait({ ...clients, abi: inferenceHubAbi, bytecode: hardhatArtifact("InferenceHub").bytecode as Hex, args: [0n] });
  const verifier = await deployAndWait({ ...clients, abi: model.verifier.abi, bytecode: model.verifier.bytecode });
  const { events } = await writeAndWait({
    ...clients,
    address: hub,
    abi: inferenceHubAbi,
    functionName: "registerModel",
    args: [verifier, model.commitment, model.numOutputs, model.uri],
  });
  const registered = events.find((e) => e.eventName === "ModelRegistered");
  if (registered?.eventName !== "ModelRegistered") throw new Error("registerModel emitted no ModelRegistered");
  const recording = hardhatArtifact("RecordingConsumer");
  const consumer = await deployAndWait({ ...clients, abi: recording.abi as never, bytecode: recording.bytecode as Hex });
  await writeAndWait({ ...clients, address: hub, abi: inferenceHubAbi, functionName: "setConsumer", args: [registered.args.modelId, consumer] });
  return { hub, verifier, modelId: registered.args.modelId, consumer };
}
