/**
 * Chain helpers shared by the demo, the bench and the end-to-end tests: deploy the credit-score
 * stack through the same Ignition module production uses, submit a proof, and name a revert.
 */
import type { BaseContract, ContractTransactionReceipt } from "ethers";
import { creditScoreModule } from "../../deploy/CreditScore.js";
import type { BuiltModel } from "../build/buildModel.js";

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
}

export interface CreditScoreDeployment {
  hub: Contract;
  verifier: Contract;
  creditGate: Contract;
  modelId: bigint;
}

export async function deployCreditScore({ ignition, model, threshold, creditLimit, updateDelay }: DeployCreditScoreParameters): Promise<CreditScoreDeployment> {
  const module = creditScoreModule(model.verifierContract, { attested: model.attested ?? false });
  const { hub, verifier, creditGate } = await ignition.deploy(module, {
    parameters: {
      [module.id]: {
        modelCommitment: model.modelCommitment,
        numOutputs: model.numOutputs,
        metadataURI: `zkinfer:${model.name}@${model.version}`,
        threshold,
        creditLimit,
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

/**
 * The name of the custom error a failed call reverted with, decoded with the given contracts'
 * ABIs; throws the original error when it carries no recognisable revert data.
 */
export function revertName(error: unknown, contracts: readonly BaseContract[]): string {
  const data = findRevertData(error);
  if (data) {
    for (const c of contracts) {
      const parsed = c.interface.parseError(data);
      if (parsed) return parsed.name;
    }
  }
  throw error;
}

function findRevertData(error: unknown, depth = 0): string | undefined {
  if (!error || typeof error !== "object" || depth > 4) return undefined;
  const e = error as Record<string, unknown>;
  if (typeof e.data === "string" && e.data.startsWith("0x") && e.data.length >= 10) return e.data;
  for (const key of ["error", "info", "cause"]) {
    const found = findRevertData(e[key], depth + 1);
    if (found) return found;
  }
  return undefined;
}
