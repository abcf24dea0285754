/**
 * The anomaly-guard stack as the contract and end-to-end tests use it: Ignition's ethers contracts on
 * Hardhat's in-process network (the tests' convention, for hardhat-ethers' chai matchers), deployed
 * through the same Ignition module and parameters as production (deploy/AnomalyGuard.ts). Scripts
 * deploy through the chain layer instead (prover/chain/deploy.ts's deployAnomalyGuard).
 */
import type { Contract } from "ethers";
import { anomalyGuardModule, anomalyGuardParameters } from "../../deploy/AnomalyGuard.js";
import type { SignalMarket } from "../../scripts/dev/signalStack.js";
import { signalMarketOf } from "./signalStack.js";

export interface AnomalyStackParameters {
  ignition: any;
  verifierContract: string;
  modelCommitment: bigint;
  /** The protected signals stack's model (its vault is what the guard pauses). */
  signalVerifierContract: string;
  signalModelCommitment: bigint;
  threshold?: bigint;
  maxAge?: bigint;
  unpauseDelay?: bigint;
}

/** Deploys the stack; returns Ignition's contracts and the anomaly model's id. */
export async function deployAnomalyStack(p: AnomalyStackParameters) {
  const module = anomalyGuardModule(p.verifierContract, p.signalVerifierContract);
  const deployed = await p.ignition.deploy(module, {
    parameters: anomalyGuardParameters(module, p.signalVerifierContract, { ...p, signals: { modelCommitment: p.signalModelCommitment } }),
  });
  const modelId: bigint = await deployed.guard.modelId();
  return { ...deployed, modelId } as Record<
    "hub" | "verifier" | "anomalyVerifier" | "poseidon" | "priceSource" | "feed" | "base" | "quote" | "amm" | "vault" | "guard",
    Contract
  > & {
    modelId: bigint;
  };
}

/** The protected market's addresses, as scripts/dev/signalStack.ts's market helpers (seedSignalMarket) take them. */
export async function anomalyMarketOf(d: Awaited<ReturnType<typeof deployAnomalyStack>>): Promise<SignalMarket> {
  // The vault's model is the signal model (the guard's is the anomaly model).
  return signalMarketOf({ ...d, modelId: (await d.vault.modelId()) as bigint });
}
