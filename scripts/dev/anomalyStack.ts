/**
 * The anomaly model's proofs, as the guard demo and the end-to-end test use them: prove an epoch's
 * anomaly score over the recorded 6-close window, and read back what the proof states. Deploying the
 * stack is prover/chain/deploy.ts's deployAnomalyGuard (test/helpers/anomalyStack.ts for the tests).
 */
import type { ModelProver, ProveReturnType } from "../../prover/prove/prover.js";
import { signalFeatures } from "./signalStack.js";

/** Proves the anomaly score for `epoch`'s window (nonce = epoch: one score per epoch and subject). */
export function proveAnomaly(prover: ModelProver, window: readonly bigint[], epoch: bigint, subject: string): Promise<ProveReturnType> {
  return prover.prove({ features: signalFeatures(window, epoch), subject, nonce: epoch });
}

/** What an anomaly proof states: the score (signed, at the model's output scale), the epoch, the window hash. */
export function decodeAnomaly(p: ProveReturnType): { score: bigint; epoch: bigint; windowHash: bigint } {
  // The score is signed (p - x is -x); the epoch and the hash are read raw (a hash is not a signed number).
  return { score: BigInt(p.decoded.outputs[0]!), epoch: p.publicSignals[1]!, windowHash: p.publicSignals[2]! };
}
