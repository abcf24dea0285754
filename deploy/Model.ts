/**
 * Ignition module factory for any built model: the hub (a new one, or an existing one at the `hub`
 * parameter), the model's generated verifier, its registration (plain, attested or with public
 * inputs, as its spec says) and, optionally, your consumer contract made the model's consumer.
 * `zkinfer deploy` uses it; it is a plain object, so it works from any folder (Hardhat's
 * `ignition deploy` task only looks in ignition/modules, `ignition.deploy(module)` takes it as is).
 *
 * Parameters (under the module's id):
 * - `modelCommitment` (required), `numOutputs` (default 1), `metadataURI` (default "").
 * - `attesters` (attested registration; default []): the attester key hashes trusted from registration
 *   on. Any other attester is announced and trusted after the hub's delay (docs/SECURITY.md C20).
 * - `publicInputBits`, `publicInputRanges` ([{count, min, max}], see prover/abi/publicInputRanges.ts):
 *   required with `registration: "public-inputs"`.
 * - `hub`: the existing hub's address, with `existingHub: true`.
 * - `updateDelay`: the new hub's timelock, in seconds (InferenceHub module; default two days).
 *
 * Consumer constructor arguments may use the placeholders "$hub", "$modelId" and "$deployer".
 *
 * @example
 * ```ts
 * const module = modelModule({ verifierContract: "CreditScoreVerifier", consumer: { contract: "CreditGate", args: ["$hub", "$modelId", "$deployer", 600, 10000] } });
 * await ignition.deploy(module, { parameters: { [module.id]: { modelCommitment } } });
 * ```
 */
import { buildModule } from "@nomicfoundation/hardhat-ignition/modules";
import InferenceHubModule from "./InferenceHub.js";

export type Registration = "plain" | "attested" | "public-inputs";

export interface ModelModuleOptions {
  verifierContract: string;
  registration?: Registration;
  existingHub?: boolean;
  consumer?: { contract: string; args: readonly unknown[] };
  /** A segmented verifier's key data contracts (artifact names, in key order): deployed first, their addresses its constructor's argument. */
  keyContracts?: readonly string[];
}

const modules = new Map<string, ReturnType<typeof build>>();

/** One module object per option set (Ignition refuses two modules with one id in a deployment). */
export function modelModule(options: ModelModuleOptions) {
  const key = JSON.stringify(options);
  let module = modules.get(key);
  if (module === undefined) {
    module = build(options);
    modules.set(key, module);
  }
  return module;
}

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

function build({ verifierContract, registration = "plain", existingHub = false, consumer, keyContracts }: ModelModuleOptions) {
  for (const name of [verifierContract, consumer?.contract, ...(keyContracts ?? [])]) {
    if (name !== undefined && !IDENTIFIER.test(name)) throw new TypeError(`Contract name "${name}" is not a Solidity identifier.`);
  }
  const id = [
    "Model",
    verifierContract,
    registration.replace("-", ""),
    existingHub ? "existingHub" : "newHub",
    consumer?.contract,
    keyContracts ? `keys${keyContracts.length}` : undefined,
  ]
    .filter(Boolean)
    .join("_");
  return buildModule(id, (m) => {
    const hub = existingHub ? m.contractAt("InferenceHub", m.getParameter<string>("hub")) : m.useModule(InferenceHubModule).hub;
    const verifier = keyContracts ? m.contract(verifierContract, [keyContracts.map((name) => m.contract(name))]) : m.contract(verifierContract);
    const common = [verifier, m.getParameter<bigint>("modelCommitment"), m.getParameter<number>("numOutputs", 1)] as const;
    const metadataURI = m.getParameter<string>("metadataURI", "");
    const registered =
      registration === "public-inputs"
        ? m.call(hub, "registerPublicInputModel", [
            ...common,
            m.getParameter<number>("publicInputBits"),
            m.getParameter("publicInputRanges") as never,
            metadataURI,
          ])
        : registration === "attested"
          ? m.call(hub, "registerAttestedModel", [...common, m.getParameter<bigint[]>("attesters", []), metadataURI])
          : m.call(hub, "registerModel", [...common, metadataURI]);
    const modelId = m.readEventArgument(registered, "ModelRegistered", "modelId");
    if (consumer === undefined) return { hub, verifier } as Record<string, typeof verifier | typeof hub>;

    const deployer = m.getAccount(0);
    const args = consumer.args.map((a) => (a === "$hub" ? hub : a === "$modelId" ? modelId : a === "$deployer" ? deployer : a));
    const consumerContract = m.contract(consumer.contract, args as never[]);
    m.call(hub, "setConsumer", [modelId, consumerContract]);
    return { hub, verifier, consumer: consumerContract } as Record<string, typeof verifier | typeof hub>;
  });
}
