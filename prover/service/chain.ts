/**
 * The service's view of the chain: the chain layer (prover/chain) it uses, and a development
 * deployment for a local node.
 */
import { creditGateAbi, inferenceHubAbi } from "../chain/abi.js";
import type { ChainClients } from "../chain/connect.js";
import { deployCreditScoreStack, type CreditScoreStack } from "../chain/deploy.js";

export { HARDHAT_DEV_KEY, connectChain, withRetry, type ChainClients } from "../chain/connect.js";
export { findModelId } from "../chain/model.js";

/** The hub's and CreditGate's ABIs (generated from the compiled contracts: prover/chain/abi.generated.ts). */
export const HUB_ABI = inferenceHubAbi;
export const CREDIT_GATE_ABI = creditGateAbi;

/** The development deployment `zkinfer serve --deploy` makes (deploy/CreditScore.ts through Ignition). */
export type DevDeployment = CreditScoreStack;

/** Development only: the credit-score stack for one model, deployed with its Ignition module (see prover/chain/deploy.ts). */
export function deployDevStack(
  clients: ChainClients,
  model: { verifierContract: string; name: string; version: string; modelCommitment: bigint; numOutputs: number; threshold: bigint; creditLimit: bigint },
): Promise<DevDeployment> {
  return deployCreditScoreStack(clients, model);
}
