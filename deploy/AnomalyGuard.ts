/**
 * Ignition module factory: an AnomalyGuard protecting the signals stack's SignalVault (deploy/Signals.ts).
 * The anomaly model runs on the same PriceSource windows as the signal model; a verified score at or
 * above the guard's threshold pauses the vault.
 *
 * Deploys: the signals stack (its own parameters, under its module's id), the anomaly model's verifier
 * (by artifact name), registers the model (3 outputs: score, epoch, window hash), the AnomalyGuard
 * as its consumer, and makes the guard the vault's guard (`setGuard`, by account 0, the vault's owner).
 *
 * Parameters (under the module's id):
 * - `modelCommitment` (required): the anomaly model's commitment, < r.
 * - `threshold` (default 0): the lowest score that pauses, at the model's output scale.
 * - `maxAge` (default 3600): the guard's freshness window, in seconds.
 * - `unpauseDelay` (default one day): seconds from a pause to the owner's earliest unpause.
 * - `metadataURI` (default ""), `owner` (default account 0): the guard's owner.
 *
 * @example
 * ```ts
 * const module = anomalyGuardModule("AnomalyGuardVerifier", "MomentumSignalVerifier");
 * const parameters = anomalyGuardParameters(module, "MomentumSignalVerifier", { modelCommitment, signals: { modelCommitment: signalCommitment } });
 * const { guard, vault } = await ignition.deploy(module, { parameters });
 * ```
 */
import { buildModule } from "@nomicfoundation/hardhat-ignition/modules";
import { signalsModule, signalsModuleParameters, type SignalsParameters } from "./Signals.js";

/** Outputs of an anomaly model, in order (see contracts/interfaces/IAnomalyGuard.sol). */
export const ANOMALY_NUM_OUTPUTS = 3;

/** Default seconds between a pause and the owner's earliest unpause: one day. */
export const DEFAULT_UNPAUSE_DELAY = 24n * 60n * 60n;

const modules = new Map<string, ReturnType<typeof build>>();

export interface AnomalyGuardParameters {
  /** The anomaly model's commitment. */
  modelCommitment: bigint;
  threshold?: bigint;
  maxAge?: bigint;
  unpauseDelay?: bigint;
  /** The protected signals stack's own parameters (deploy/Signals.ts), under its module's id. */
  signals: SignalsParameters;
}

/**
 * The deployment parameters of `module` (from {@link anomalyGuardModule}) and of the signals module it
 * uses, spelled once for every caller; unset ones take the modules' defaults.
 */
export function anomalyGuardParameters(module: ReturnType<typeof anomalyGuardModule>, signalVerifierName: string, p: AnomalyGuardParameters) {
  const parameters: Record<string, bigint> = { modelCommitment: p.modelCommitment };
  if (p.threshold !== undefined) parameters.threshold = p.threshold;
  if (p.maxAge !== undefined) parameters.maxAge = p.maxAge;
  if (p.unpauseDelay !== undefined) parameters.unpauseDelay = p.unpauseDelay;
  return { [module.id]: parameters, [signalsModule(signalVerifierName).id]: signalsModuleParameters(p.signals) };
}

/** The module for the anomaly verifier `verifierContractName` guarding the vault of `signalsModule(signalVerifierName)`. */
export function anomalyGuardModule(verifierContractName: string, signalVerifierName: string) {
  const key = `${verifierContractName}_${signalVerifierName}`;
  let module = modules.get(key);
  if (module === undefined) {
    module = build(verifierContractName, signalVerifierName);
    modules.set(key, module);
  }
  return module;
}

function build(verifierContractName: string, signalVerifierName: string) {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(verifierContractName)) {
    throw new TypeError(`Verifier contract name "${verifierContractName}" is not a Solidity identifier.`);
  }
  return buildModule(`AnomalyGuard_${verifierContractName}_${signalVerifierName}`, (m) => {
    const signals = m.useModule(signalsModule(signalVerifierName));
    const { hub, priceSource, vault } = signals;
    const owner = m.getParameter("owner", m.getAccount(0));

    const verifier = m.contract(verifierContractName, [], { id: "AnomalyVerifier" });
    const registration = m.call(
      hub,
      "registerModel",
      [verifier, m.getParameter<bigint>("modelCommitment"), ANOMALY_NUM_OUTPUTS, m.getParameter<string>("metadataURI", "")],
      { id: "registerAnomalyModel" },
    );
    const modelId = m.readEventArgument(registration, "ModelRegistered", "modelId", { id: "anomalyModelId" });
    const guard = m.contract("AnomalyGuard", [
      hub,
      modelId,
      priceSource,
      vault,
      owner,
      m.getParameter<bigint>("threshold", 0n),
      m.getParameter<bigint>("maxAge", 3600n),
      m.getParameter<bigint>("unpauseDelay", DEFAULT_UNPAUSE_DELAY),
    ]);
    m.call(hub, "setConsumer", [modelId, guard], { id: "setAnomalyConsumer" });
    m.call(vault, "setGuard", [guard]);

    return { ...signals, anomalyVerifier: verifier, guard };
  });
}
