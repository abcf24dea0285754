/**
 * The service's view of the chain: the chain layer (prover/chain) it uses, and a development
 * deployment for a local node.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parseEventLogs, type Address, type Hex } from "viem";
import { REPO_ROOT } from "../artifacts/paths.js";
import { ZkinferError } from "../errors.js";
import { creditGateAbi, inferenceHubAbi } from "../chain/abi.js";
import type { ChainClients } from "../chain/connect.js";
import { DEFAULT_UPDATE_DELAY } from "../../deploy/InferenceHub.js";

export { HARDHAT_DEV_KEY, connectChain, withRetry, type ChainClients } from "../chain/connect.js";
export { findModelId } from "../chain/model.js";

/** The hub's and CreditGate's ABIs (generated from the compiled contracts: prover/chain/abi.generated.ts). */
export const HUB_ABI = inferenceHubAbi;
export const CREDIT_GATE_ABI = creditGateAbi;

export interface DevDeployment {
  hub: Address;
  verifier: Address;
  creditGate: Address;
  modelId: bigint;
  startBlock: number;
}

function artifact(path: string): { abi: unknown[]; bytecode: Hex } {
  try {
    return JSON.parse(readFileSync(join(REPO_ROOT, "artifacts", path), "utf8"));
  } catch (cause) {
    throw new ZkinferError(`Missing compiled contract artifacts/${path}. Run \`npx hardhat build\` after \`zkinfer build\`.`, { cause });
  }
}

/**
 * Development only: deploys a hub, the model's generated verifier and a CreditGate from Hardhat's
 * compiled artifacts, the same three steps as the Ignition module deploy/CreditScore.ts (which needs
 * an in-process Hardhat network; this runs against any JSON-RPC node).
 */
export async function deployDevStack(
  { publicClient, walletClient, account }: ChainClients,
  model: { verifierContract: string; name: string; version: string; modelCommitment: bigint; numOutputs: number; threshold: bigint; creditLimit: bigint },
): Promise<DevDeployment> {
  const deploy = async (path: string, args: unknown[] = []) => {
    const { abi, bytecode } = artifact(path);
    const hash = await walletClient.deployContract({ abi, bytecode, args, account, chain: walletClient.chain });
    const receipt = await publicClient.waitForTransactionReceipt({ hash });
    if (!receipt.contractAddress) throw new ZkinferError(`deploying ${path} failed (tx ${hash})`);
    return receipt;
  };
  const call = async (address: Address, functionName: "registerModel" | "setConsumer", args: readonly unknown[]) => {
    const hash = await walletClient.writeContract({ address, abi: HUB_ABI, functionName, args, account, chain: walletClient.chain } as never);
    return publicClient.waitForTransactionReceipt({ hash });
  };
  // The same two-day model-update timelock as the Ignition module's default.
  const hubReceipt = await deploy("contracts/InferenceHub.sol/InferenceHub.json", [DEFAULT_UPDATE_DELAY]);
  const hub = hubReceipt.contractAddress!;
  const name = model.verifierContract;
  const verifier = (await deploy(`build/contracts/${model.name}/${name}.sol/${name}.json`)).contractAddress!;
  const registered = await call(hub, "registerModel", [verifier, model.modelCommitment, model.numOutputs, `zkinfer:${model.name}@${model.version}`]);
  const [event] = parseEventLogs({ abi: HUB_ABI, logs: registered.logs, eventName: "ModelRegistered" });
  const modelId = (event as unknown as { args: { modelId: bigint } }).args.modelId;
  const creditGate = (await deploy("contracts/consumers/CreditGate.sol/CreditGate.json", [hub, modelId, account.address, model.threshold, model.creditLimit])).contractAddress!;
  await call(hub, "setConsumer", [modelId, creditGate]);
  return { hub, verifier, creditGate, modelId, startBlock: Number(hubReceipt.blockNumber) };
}
