/**
 * Ignition module: the InferenceHub, which is also the model registry. Every model module uses it
 * (`m.useModule`), so one deployment holds one hub shared by all models.
 *
 * @example
 * ```ts
 * import InferenceHubModule from "../deploy/InferenceHub.js";
 * const { hub } = await ignition.deploy(InferenceHubModule);
 * ```
 */
import { buildModule } from "@nomicfoundation/hardhat-ignition/modules";

export default buildModule("InferenceHub", (m) => {
  const hub = m.contract("InferenceHub");
  return { hub };
});
