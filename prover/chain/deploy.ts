/**
 * Deploying the bundled stacks through the same Ignition modules production uses (deploy/CreditScore.ts,
 * deploy/Signals.ts, deploy/AnomalyGuard.ts), so a development deployment never drifts from them: on Hardhat's in-process
 * network (the demos, the benches, the app) or on any JSON-RPC development node (`serve --deploy`),
 * the deployer one of the node's accounts.
 */
import { rmSync } from "node:fs";
import { join } from "node:path";
import type { NetworkConnection } from "hardhat/types/network";
// The `connection.ignition` type comes from the Ignition plugin's type extensions (erased at run time).
import type {} from "@nomicfoundation/hardhat-ignition-ethers";
import type { Address, PublicClient } from "viem";
import { anomalyGuardModule, anomalyGuardParameters, type AnomalyGuardParameters } from "../../deploy/AnomalyGuard.js";
import { creditScoreModule, creditScoreParameters, type CreditScoreParameters } from "../../deploy/CreditScore.js";
import { signalsModule, signalsParameters, type SignalsParameters } from "../../deploy/Signals.js";
import { REPO_ROOT } from "../artifacts/paths.js";
import { ZkinferError } from "../errors.js";
import { anomalyGuardAbi, creditGateAbi, inferenceHubAbi, signalVaultAbi } from "./abi.js";
import type { ChainClients } from "./connect.js";

/** What the Ignition helper needs of a Hardhat network connection. */
export type IgnitionConnection = Pick<NetworkConnection, "ignition">;

export interface DeployOn {
  connection: IgnitionConnection;
  publicClient: PublicClient;
  /** The deployer (an account the node signs for); Ignition's default, the node's first account, when omitted. */
  from?: Address;
  /** Ignition's journal id, for a deployment on a JSON-RPC node. */
  deploymentId?: string;
}

export interface DeployCreditScoreParameters extends CreditScoreParameters {
  verifierContract: string;
  attested?: boolean;
}

export interface CreditScoreDeployment {
  hub: Address;
  verifier: Address;
  creditGate: Address;
  modelId: bigint;
}

/**
 * Deploys hub, verifier and CreditGate with deploy/CreditScore.ts and registers the model.
 *
 * @example
 * ```ts
 * const connection = await network.create();
 * const { publicClient } = await connectProvider(connection.provider);
 * const { hub, modelId } = await deployCreditScore({ connection, publicClient }, { ...model, threshold: 0n, creditLimit: 1_000n });
 * ```
 */
export async function deployCreditScore(
  { connection, publicClient, from, deploymentId }: DeployOn,
  model: DeployCreditScoreParameters,
): Promise<CreditScoreDeployment> {
  const module = creditScoreModule(model.verifierContract, { attested: model.attested ?? false });
  const deployed = await connection.ignition.deploy(module, { deploymentId, defaultSender: from, parameters: creditScoreParameters(module, model) });
  const [hub, verifier, creditGate] = await addressesOf(deployed.hub, deployed.verifier, deployed.creditGate);
  const modelId = await publicClient.readContract({ address: creditGate, abi: creditGateAbi, functionName: "modelId" });
  return { hub, verifier, creditGate, modelId };
}

export interface DeploySignalsParameters extends SignalsParameters {
  verifierContract: string;
}

export type SignalsDeployment = Record<"hub" | "verifier" | "poseidon" | "priceSource" | "feed" | "base" | "quote" | "amm" | "vault", Address> & {
  modelId: bigint;
};

/** Deploys the signals stack with deploy/Signals.ts (liquidity and the vault's funds are the caller's). */
export async function deploySignals({ connection, publicClient, from, deploymentId }: DeployOn, p: DeploySignalsParameters): Promise<SignalsDeployment> {
  const module = signalsModule(p.verifierContract);
  const d = await connection.ignition.deploy(module, { deploymentId, defaultSender: from, parameters: signalsParameters(module, p) });
  const [hub, verifier, poseidon, priceSource, feed, base, quote, amm, vault] = await addressesOf(
    d.hub,
    d.verifier,
    d.poseidon,
    d.priceSource,
    d.feed,
    d.base,
    d.quote,
    d.amm,
    d.vault,
  );
  // The module registers one model on a hub it may share: the newest one is its.
  const modelId = await publicClient.readContract({ address: hub, abi: inferenceHubAbi, functionName: "modelCount" });
  return { hub, verifier, poseidon, priceSource, feed, base, quote, amm, vault, modelId };
}

export interface DeployAnomalyGuardParameters extends AnomalyGuardParameters {
  verifierContract: string;
  /** The protected signals stack's verifier (its vault is what the guard pauses). */
  signalVerifierContract: string;
}

export type AnomalyGuardDeployment = SignalsDeployment & {
  anomalyVerifier: Address;
  guard: Address;
  /** The anomaly model's id (SignalsDeployment's `modelId` is the signal model's). */
  anomalyModelId: bigint;
};

/**
 * Deploys the anomaly guard with deploy/AnomalyGuard.ts: the signals stack, the anomaly model on the
 * same hub and PriceSource, and the AnomalyGuard made the vault's guard.
 */
export async function deployAnomalyGuard(
  { connection, publicClient, from, deploymentId }: DeployOn,
  p: DeployAnomalyGuardParameters,
): Promise<AnomalyGuardDeployment> {
  const module = anomalyGuardModule(p.verifierContract, p.signalVerifierContract);
  const d = await connection.ignition.deploy(module, {
    deploymentId,
    defaultSender: from,
    parameters: anomalyGuardParameters(module, p.signalVerifierContract, p),
  });
  const [hub, verifier, poseidon, priceSource, feed, base, quote, amm, vault, anomalyVerifier, guard] = await addressesOf(
    d.hub,
    d.verifier,
    d.poseidon,
    d.priceSource,
    d.feed,
    d.base,
    d.quote,
    d.amm,
    d.vault,
    d.anomalyVerifier,
    d.guard,
  );
  // Both models are registered on a hub the modules may share: each is read from its own consumer.
  const [modelId, anomalyModelId] = await Promise.all([
    publicClient.readContract({ address: vault, abi: signalVaultAbi, functionName: "modelId" }),
    publicClient.readContract({ address: guard, abi: anomalyGuardAbi, functionName: "modelId" }),
  ]);
  return { hub, verifier, poseidon, priceSource, feed, base, quote, amm, vault, modelId, anomalyVerifier, guard, anomalyModelId };
}

export interface CreditScoreStack extends CreditScoreDeployment {
  /** A block at or before the hub's deployment: where an indexer starts reading its events. */
  startBlock: number;
}

/**
 * {@link deployCreditScore} on the JSON-RPC node behind `clients`, from `clients.account` (which the
 * node must hold: development nodes only), through Hardhat's `localhost` network with the node's URL.
 *
 * @example
 * ```ts
 * const clients = await connectChain("http://127.0.0.1:8545", HARDHAT_DEV_KEY);
 * const { hub, modelId } = await deployCreditScoreStack(clients, { ...model, threshold: 0n, creditLimit: 1_000n });
 * ```
 */
export async function deployCreditScoreStack({ publicClient, account }: ChainClients, model: DeployCreditScoreParameters): Promise<CreditScoreStack> {
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
    return { ...(await deployCreditScore({ connection, publicClient, from: account.address, deploymentId }, model)), startBlock };
  } finally {
    await connection.close();
    rmSync(join(REPO_ROOT, "ignition", "deployments", deploymentId), { recursive: true, force: true });
  }
}

/** The addresses of Ignition's deployed contracts, in order. */
async function addressesOf<T extends readonly { getAddress(): Promise<string> }[]>(...contracts: T): Promise<{ [K in keyof T]: Address }> {
  return (await Promise.all(contracts.map((c) => c.getAddress()))) as { [K in keyof T]: Address };
}
