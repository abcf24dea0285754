/**
 * Deploying a model's stack on any JSON-RPC node through the same Ignition module production uses
 * (deploy/CreditScore.ts), so the development deployment never drifts from it: Hardhat's `localhost`
 * network with the node's URL, the deployer one of the node's accounts (a development node unlocks them).
 */
import { rmSync } from "node:fs";
import { join } from "node:path";
import type { Address } from "viem";
import { creditScoreModule } from "../../deploy/CreditScore.js";
import { REPO_ROOT } from "../artifacts/paths.js";
import { ZkinferError } from "../errors.js";
import { creditGateAbi } from "./abi.js";
import type { ChainClients } from "./connect.js";

export interface DeployCreditScoreStackParameters {
  verifierContract: string;
  name: string;
  version: string;
  modelCommitment: bigint;
  numOutputs: number;
  /** Minimum score (signed, at the output's fixed-point scale) that opens a credit line. */
  threshold: bigint;
  creditLimit: bigint;
  attested?: boolean;
}

export interface CreditScoreStack {
  hub: Address;
  verifier: Address;
  creditGate: Address;
  modelId: bigint;
  /** A block at or before the hub's deployment: where an indexer starts reading its events. */
  startBlock: number;
}

/**
 * Deploys hub, verifier and CreditGate with deploy/CreditScore.ts on the node behind `clients`, from
 * `clients.account` (which the node must hold: development nodes only).
 *
 * @example
 * ```ts
 * const clients = await connectChain("http://127.0.0.1:8545", HARDHAT_DEV_KEY);
 * const { hub, modelId } = await deployCreditScoreStack(clients, { ...model, threshold: 0n, creditLimit: 1_000n });
 * ```
 */
export async function deployCreditScoreStack({ publicClient, account }: ChainClients, model: DeployCreditScoreStackParameters): Promise<CreditScoreStack> {
  const url = publicClient.chain?.rpcUrls.default.http[0];
  if (url === undefined) throw new ZkinferError("The public client has no RPC URL: connect with connectChain().");
  const startBlock = Number(await publicClient.getBlockNumber()) + 1;
  // Hardhat is loaded only here: a development deployment is the one place the front ends need it.
  const { network } = await import("hardhat");
  const connection = await network.create({ network: "localhost", override: { url } });
  // Ignition journals deployments on a JSON-RPC network; this one is throwaway (a development node
  // restarts with the same chain id), so it gets its own journal, removed once the addresses are read.
  const deploymentId = `zkinfer-dev-${process.pid}-${Date.now()}`;
  try {
    const module = creditScoreModule(model.verifierContract, { attested: model.attested ?? false });
    const deployed = await connection.ignition.deploy(module, {
      deploymentId,
      defaultSender: account.address,
      parameters: {
        [module.id]: {
          modelCommitment: model.modelCommitment,
          numOutputs: model.numOutputs,
          metadataURI: `zkinfer:${model.name}@${model.version}`,
          threshold: model.threshold,
          creditLimit: model.creditLimit,
        },
      },
    });
    const [hub, verifier, creditGate] = (await Promise.all([deployed.hub, deployed.verifier, deployed.creditGate].map((c) => c.getAddress()))) as [Address, Address, Address];
    const modelId = await publicClient.readContract({ address: creditGate, abi: creditGateAbi, functionName: "modelId" });
    return { hub, verifier, creditGate, modelId, startBlock };
  } finally {
    await connection.close();
    rmSync(join(REPO_ROOT, "ignition", "deployments", deploymentId), { recursive: true, force: true });
  }
}
