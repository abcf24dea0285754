/**
 * The anomaly-guard stack on a chain, as the guard demo and the end-to-end test use it: deploy
 * (deploy/AnomalyGuard.ts: the signals stack, whose SignalVault the guard protects, the anomaly
 * model and the AnomalyGuard), prove an epoch's anomaly score over the recorded 6-close window, and
 * read back what the proof states.
 */
import type { Contract } from "ethers";
import { anomalyGuardModule } from "../../deploy/AnomalyGuard.js";
import { signalsModule } from "../../deploy/Signals.js";
import type { ModelProver, ProveReturnType } from "../../prover/prove/prover.js";
import type { Address } from "viem";
import { signalFeatures, type SignalMarket } from "./signalStack.js";

export interface AnomalyStackParameters {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  ignition: any;
  verifierContract: string;
  modelCommitment: bigint;
  /** The protected signals stack's model (its vault is what the guard pauses). */
  signalVerifierContract: string;
  signalModelCommitment: bigint;
  threshold?: bigint;
  maxAge?: bigint;
  unpauseDelay?: bigint;
}

/** Deploys the stack; returns the contracts and both model ids (Ignition's contract objects). */
export async function deployAnomalyStack(p: AnomalyStackParameters) {
  const module = anomalyGuardModule(p.verifierContract, p.signalVerifierContract);
  const parameters: Record<string, unknown> = { modelCommitment: p.modelCommitment };
  if (p.threshold !== undefined) parameters.threshold = p.threshold;
  if (p.maxAge !== undefined) parameters.maxAge = p.maxAge;
  if (p.unpauseDelay !== undefined) parameters.unpauseDelay = p.unpauseDelay;
  const deployed = await p.ignition.deploy(module, {
    parameters: { [module.id]: parameters, [signalsModule(p.signalVerifierContract).id]: { modelCommitment: p.signalModelCommitment } },
  });
  const modelId: bigint = await deployed.guard.modelId();
  return { ...deployed, modelId } as Record<
    "hub" | "verifier" | "anomalyVerifier" | "poseidon" | "priceSource" | "feed" | "base" | "quote" | "amm" | "vault" | "guard",
    Contract
  > & {
    modelId: bigint;
  };
}

/** The protected market's addresses, as scripts/dev/signalStack.ts's market helpers (seedSignalMarket) take them. */
export async function anomalyMarketOf(d: Awaited<ReturnType<typeof deployAnomalyStack>>): Promise<SignalMarket> {
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

/** Proves the anomaly score for `epoch`'s window (nonce = epoch: one score per epoch and subject). */
export function proveAnomaly(prover: ModelProver, window: readonly bigint[], epoch: bigint, subject: string): Promise<ProveReturnType> {
  return prover.prove({ features: signalFeatures(window, epoch), subject, nonce: epoch });
}

/** What an anomaly proof states: the score (signed, at the model's output scale), the epoch, the window hash. */
export function decodeAnomaly(p: ProveReturnType): { score: bigint; epoch: bigint; windowHash: bigint } {
  // The score is signed (p - x is -x); the epoch and the hash are read raw (a hash is not a signed number).
  return { score: BigInt(p.decoded.outputs[0]!), epoch: p.publicSignals[1]!, windowHash: p.publicSignals[2]! };
}
