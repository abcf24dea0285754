/**
 * The signals stack as the contract and end-to-end tests use it: Ignition's ethers contracts on
 * Hardhat's in-process network (the tests' convention, for hardhat-ethers' chai matchers), deployed
 * through the same Ignition module and parameters as production (deploy/Signals.ts). Scripts deploy
 * through the chain layer instead (prover/chain/deploy.ts's deploySignals).
 */
import type { Contract } from "ethers";
import type { Address } from "viem";
import { signalsModule, signalsParameters, type SignalsParameters } from "../../deploy/Signals.js";
import type { SignalMarket } from "../../scripts/dev/signalStack.js";

export interface SignalStackParameters extends SignalsParameters {
  ignition: any;
  verifierContract: string;
}

/** Deploys the stack; returns Ignition's contracts and the model id. */
export async function deploySignalStack(p: SignalStackParameters) {
  const module = signalsModule(p.verifierContract);
  const deployed = await p.ignition.deploy(module, { parameters: signalsParameters(module, p) });
  const modelId: bigint = await deployed.hub.modelCount();
  return { ...deployed, modelId } as Record<"hub" | "verifier" | "poseidon" | "priceSource" | "feed" | "base" | "quote" | "amm" | "vault", Contract> & {
    modelId: bigint;
  };
}

/** The addresses scripts/dev/signalStack.ts's market helpers take. */
export async function signalMarketOf(d: Awaited<ReturnType<typeof deploySignalStack>>): Promise<SignalMarket> {
  const address = async (c: Contract) => (await c.getAddress()) as Address;
  return {
    feed: await address(d.feed),
    base: await address(d.base),
    quote: await address(d.quote),
    amm: await address(d.amm),
    vault: await address(d.vault),
    modelId: d.modelId,
  };
}
