/**
 * Ignition module: the InferenceHub, which is also the model registry. Every model module uses it
 * (`m.useModule`), so one deployment holds one hub shared by all models. Parameter `updateDelay`
 * (seconds, default two days): the timelock on model updates.
 *
 * @example
 * ```ts
 * import InferenceHubModule from "../deploy/InferenceHub.js";
 * const { hub } = await ignition.deploy(InferenceHubModule);
 * ```
 */
import { buildModule } from "@nomicfoundation/hardhat-ignition/modules";

/** Default time between announcing a model update and applying it: two days. */
export const DEFAULT_UPDATE_DELAY = 2n * 24n * 60n * 60n;

export default buildModule("InferenceHub", (m) => {
  // Seconds a model's new verifier or commitment must be announced before it applies.
  const updateDelay = m.getParameter("updateDelay", DEFAULT_UPDATE_DELAY);
  const hub = m.contract("InferenceHub", [updateDelay]);
  return { hub };
});
