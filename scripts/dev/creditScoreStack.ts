/**
 * Hardhat-side helpers shared by the demo, the bench and the end-to-end tests (Hardhat's in-process
 * network, Ignition's ethers contracts): deploy the credit-score stack through the same Ignition
 * module production uses, and submit a proof. Reverts are named by prover/chain/revert.ts.
 */
import type { ContractTransactionReceipt } from "ethers";
import { creditScoreModule } from "../../deploy/CreditScore.js";
import type { BuiltModel } from "../../prover/build/buildModel.js";

// Ignition and ethers contracts come from the Hardhat connection; their precise types depend on
// the artifacts, so they are handled structurally here.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Contract = any;

export interface DeployCreditScoreParameters {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- Ignition's helper is generic in the module type
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

export async function deployCreditScore({ ignition, model, threshold, creditLimit, updateDelay, attesters }: DeployCreditScoreParameters): Promise<CreditScoreDeployment> {
  const module = creditScoreModule(model.verifierContract, { attested: model.attested ?? false });
  const { hub, verifier, creditGate } = await ignition.deploy(module, {
    parameters: {
      [module.id]: {
        modelCommitment: model.modelCommitment,
        numOutputs: model.numOutputs,
        metadataURI: `zkinfer:${model.name}@${model.version}`,
        threshold,
        creditLimit,
        ...(model.attested ? { attesters: attesters ?? [] } : {}),
      },
      ...(updateDelay !== undefined ? { InferenceHub: { updateDelay } } : {}),
    },
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
