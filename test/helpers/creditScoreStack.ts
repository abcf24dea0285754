/**
 * The credit-score stack as the contract and end-to-end tests use it: Ignition's ethers contracts on
 * Hardhat's in-process network (the tests' convention, for hardhat-ethers' chai matchers), deployed
 * through the same Ignition module and parameters as production (deploy/CreditScore.ts). Scripts
 * deploy through the chain layer instead (prover/chain/deploy.ts).
 */
import type { ContractTransactionReceipt } from "ethers";
import { creditScoreModule, creditScoreParameters } from "../../deploy/CreditScore.js";
import type { BuiltModel } from "../../prover/build/buildModel.js";

// Ignition's ethers contracts take their methods from an index signature: handled structurally here.
type Contract = any;

export interface DeployCreditScoreParameters {
  ignition: { deploy: (module: any, options?: any) => Promise<Record<string, Contract>> };
  model: Pick<BuiltModel, "verifierContract" | "modelCommitment" | "numOutputs" | "name" | "version"> & { attested?: boolean };
  /** Minimum score (signed, at the output's fixed-point scale) that opens a credit line. */
  threshold: bigint;
  creditLimit: bigint;
  /** The hub's timelock in seconds (deploy/InferenceHub.ts; default two days), when this call deploys the hub. */
  updateDelay?: bigint;
  /** An attested model's attester key hashes, trusted from registration on (later ones wait the timelock). */
  attesters?: bigint[];
}

export interface CreditScoreDeployment {
  hub: Contract;
  verifier: Contract;
  creditGate: Contract;
  modelId: bigint;
}

export async function deployCreditScore({
  ignition,
  model,
  threshold,
  creditLimit,
  updateDelay,
  attesters,
}: DeployCreditScoreParameters): Promise<CreditScoreDeployment> {
  const module = creditScoreModule(model.verifierContract, { attested: model.attested ?? false });
  const { hub, verifier, creditGate } = await ignition.deploy(module, {
    parameters: creditScoreParameters(module, { ...model, threshold, creditLimit, updateDelay, ...(model.attested ? { attesters: attesters ?? [] } : {}) }),
  });
  return { hub, verifier, creditGate, modelId: await creditGate.modelId() };
}

/** Sends verifyAndAct and waits for the receipt. */
export async function submitInference(
  hub: Contract,
  modelId: bigint,
  proofBytes: string,
  publicSignals: readonly bigint[],
  overrides: Record<string, unknown> = {},
): Promise<ContractTransactionReceipt> {
  const tx = await hub.verifyAndAct(modelId, proofBytes, [...publicSignals], overrides);
  return tx.wait();
}
