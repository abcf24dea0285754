/**
 * Ignition module factory: a credit-score model on the shared hub, gated by a CreditGate.
 *
 * Deploys the model's verifier (by artifact name), registers the model in the hub (the deployer
 * becomes the model's owner), deploys a CreditGate bound to the hub and the new model id, and makes it
 * the model's consumer.
 *
 * Parameters (under the module's id, or under `$global`):
 * - `modelCommitment` (required): the Poseidon commitment to the model, < r.
 * - `threshold` (required): minimum score that opens a credit line, signed, at the output scale.
 * - `creditLimit` (required): limit granted to each credit line.
 * - `numOutputs` (default 1): number of outputs of the circuit.
 * - `metadataURI` (default ""): off-chain description of the model.
 * - `owner` (default: the deployer, account 0): owner of the CreditGate.
 *
 * With `{ attested: true }` the model is registered with `registerAttestedModel` (docs/ATTESTATION.md),
 * trusting the key hashes of the `attesters` parameter (default []) from registration on; any other
 * attester is announced and trusted after the hub's delay (docs/SECURITY.md C20).
 *
 * @example
 * ```ts
 * import { creditScoreModule } from "../deploy/CreditScore.js";
 * const module = creditScoreModule("CreditScoreVerifier");
 * const { hub, verifier, creditGate } = await ignition.deploy(module, {
 *   parameters: { [module.id]: { modelCommitment, threshold: 600n, creditLimit: 10_000n } },
 * });
 * ```
 */
import { buildModule } from "@nomicfoundation/hardhat-ignition/modules";
import InferenceHubModule from "./InferenceHub.js";

const modules = new Map<string, ReturnType<typeof build>>();

export interface CreditScoreParameters {
  modelCommitment: bigint;
  numOutputs: number;
  /** The model's name and version: the registration's metadata URI is `zkinfer:<name>@<version>`. */
  name: string;
  version: string;
  threshold: bigint;
  creditLimit: bigint;
  /** The hub's timelock in seconds (./InferenceHub.ts; default two days), when this deployment makes the hub. */
  updateDelay?: bigint;
  /** An attested model's attester key hashes, trusted from registration on (any later one waits the timelock). */
  attesters?: readonly bigint[];
}

/**
 * The deployment parameters of `module` for a model, spelled once for every caller (the chain
 * layer's deploys, the tests' Ignition fixtures).
 */
export function creditScoreParameters(module: { id: string }, p: CreditScoreParameters) {
  return {
    [module.id]: creditScoreModuleParameters(p),
    ...(p.updateDelay !== undefined ? { InferenceHub: { updateDelay: p.updateDelay } } : {}),
  };
}

/** The module's own entry of {@link creditScoreParameters}, for a module that uses this one (deploy/App.ts). */
export function creditScoreModuleParameters(p: Omit<CreditScoreParameters, "updateDelay">) {
  return {
    modelCommitment: p.modelCommitment,
    numOutputs: p.numOutputs,
    metadataURI: `zkinfer:${p.name}@${p.version}`,
    threshold: p.threshold,
    creditLimit: p.creditLimit,
    ...(p.attesters !== undefined ? { attesters: [...p.attesters] } : {}),
  };
}

/**
 * Returns the module for the verifier contract `verifierContractName` (e.g. the generated
 * "CreditScoreVerifier", or "MockInferenceVerifier" in tests). Its id is
 * `CreditScore_<verifierContractName>` (`CreditScoreAttested_<...>` when attested); the same object is
 * returned for the same arguments, so a deployment never sees two modules with one id.
 */
export function creditScoreModule(verifierContractName: string, { attested = false }: { attested?: boolean } = {}) {
  const key = `${attested ? "attested:" : ""}${verifierContractName}`;
  let module = modules.get(key);
  if (module === undefined) {
    module = build(verifierContractName, attested);
    modules.set(key, module);
  }
  return module;
}

function build(verifierContractName: string, attested: boolean) {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(verifierContractName)) {
    throw new TypeError(
      `Verifier contract name "${verifierContractName}" is not a Solidity identifier. ` +
        `Pass the contract's name as it appears in its artifact, e.g. "CreditScoreVerifier".`,
    );
  }
  return buildModule(`${attested ? "CreditScoreAttested" : "CreditScore"}_${verifierContractName}`, (m) => {
    const { hub } = m.useModule(InferenceHubModule);

    const verifier = m.contract(verifierContractName);
    const common = [verifier, m.getParameter<bigint>("modelCommitment"), m.getParameter<number>("numOutputs", 1)] as const;
    const metadataURI = m.getParameter<string>("metadataURI", "");
    const registration = attested
      ? m.call(hub, "registerAttestedModel", [...common, m.getParameter<bigint[]>("attesters", []), metadataURI])
      : m.call(hub, "registerModel", [...common, metadataURI]);
    const modelId = m.readEventArgument(registration, "ModelRegistered", "modelId");

    const creditGate = m.contract("CreditGate", [
      hub,
      modelId,
      m.getParameter("owner", m.getAccount(0)),
      m.getParameter<bigint>("threshold"),
      m.getParameter<bigint>("creditLimit"),
    ]);
    m.call(hub, "setConsumer", [modelId, creditGate]);

    return { hub, verifier, creditGate };
  });
}
