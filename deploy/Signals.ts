/**
 * Ignition module factory: a trading-signal model on the shared hub, publishing to a SignalFeed
 * checked against an on-chain PriceSource, and a SignalVault that trades on a SimpleAMM pool of two
 * DemoTokens only on the feed's verified signals.
 *
 * Deploys: Poseidon(6) (circomlibjs bytecode), PriceSource (reporter: `owner`), SignalFeed, the
 * model's verifier (by artifact name), registers the model (4 outputs: direction, size, epoch,
 * window hash) with the feed as consumer, two DemoTokens (base, quote), the pool and the vault.
 * Liquidity and the vault's funds are left to the caller (amounts are a demo's choice).
 *
 * Parameters (under the module's id):
 * - `modelCommitment` (required): the model's Poseidon commitment, < r.
 * - `firstEpoch` (default 1): the epoch of the first recorded price.
 * - `maxAge` (default 3600): the feed's freshness window, in seconds.
 * - `maxSlippageBps` (default 300): the vault's slippage bound against the recorded price.
 * - `keeper` (default account 0): the only account that may call the vault's rebalance.
 * - `metadataURI` (default ""), `owner` (default account 0).
 *
 * @example
 * ```ts
 * const module = signalsModule("SignalBotVerifier");
 * const { hub, feed, vault } = await ignition.deploy(module, { parameters: { [module.id]: { modelCommitment } } });
 * ```
 */
import { buildModule } from "@nomicfoundation/hardhat-ignition/modules";
import { poseidonArtifact } from "./poseidonArtifact.js";
import InferenceHubModule from "./InferenceHub.js";

/** Outputs of a signal model, in order (see contracts/interfaces/ISignalFeed.sol). */
export const SIGNAL_NUM_OUTPUTS = 4;

/** Price features of a signal model: price_0 (oldest) .. price_5 (the epoch's), as PriceSource.WINDOW. */
export const SIGNAL_WINDOW = 6;

const modules = new Map<string, ReturnType<typeof build>>();

export interface SignalsParameters {
  modelCommitment: bigint;
  firstEpoch?: bigint;
  maxAge?: bigint;
  maxSlippageBps?: bigint;
}

/** The deployment parameters of `module`, spelled once for every caller; unset ones take the module's defaults. */
export function signalsParameters(module: { id: string }, p: SignalsParameters) {
  return { [module.id]: signalsModuleParameters(p) };
}

/** The module's own entry of {@link signalsParameters}, for a module that uses this one (deploy/App.ts). */
export function signalsModuleParameters({ modelCommitment, firstEpoch, maxAge, maxSlippageBps }: SignalsParameters): Record<string, bigint> {
  const parameters: Record<string, bigint> = { modelCommitment };
  if (firstEpoch !== undefined) parameters.firstEpoch = firstEpoch;
  if (maxAge !== undefined) parameters.maxAge = maxAge;
  if (maxSlippageBps !== undefined) parameters.maxSlippageBps = maxSlippageBps;
  return parameters;
}

/** The module for the verifier contract `verifierContractName`; one object per name (ids must be unique). */
export function signalsModule(verifierContractName: string) {
  let module = modules.get(verifierContractName);
  if (module === undefined) {
    module = build(verifierContractName);
    modules.set(verifierContractName, module);
  }
  return module;
}

function build(verifierContractName: string) {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(verifierContractName)) {
    throw new TypeError(`Verifier contract name "${verifierContractName}" is not a Solidity identifier.`);
  }
  return buildModule(`Signals_${verifierContractName}`, (m) => {
    const { hub } = m.useModule(InferenceHubModule);
    const owner = m.getParameter("owner", m.getAccount(0));

    const poseidon = m.contract("Poseidon6", poseidonArtifact(6));
    const priceSource = m.contract("PriceSource", [owner, poseidon, m.getParameter<bigint>("firstEpoch", 1n)]);
    const feed = m.contract("SignalFeed", [hub, priceSource, owner, m.getParameter<bigint>("maxAge", 3600n)]);

    const verifier = m.contract(verifierContractName);
    const registration = m.call(hub, "registerModel", [
      verifier,
      m.getParameter<bigint>("modelCommitment"),
      SIGNAL_NUM_OUTPUTS,
      m.getParameter<string>("metadataURI", ""),
    ]);
    const modelId = m.readEventArgument(registration, "ModelRegistered", "modelId");
    m.call(hub, "setConsumer", [modelId, feed]);

    const base = m.contract("DemoToken", ["Demo Ether", "dETH", owner], { id: "BaseToken" });
    const quote = m.contract("DemoToken", ["Demo Dollar", "dUSD", owner], { id: "QuoteToken" });
    const amm = m.contract("SimpleAMM", [base, quote]);
    const vault = m.contract("SignalVault", [
      owner,
      feed,
      modelId,
      amm,
      priceSource,
      m.getParameter<bigint>("maxSlippageBps", 300n),
      m.getParameter("keeper", m.getAccount(0)),
    ]);

    return { hub, verifier, poseidon, priceSource, feed, base, quote, amm, vault };
  });
}
