/**
 * The signals stack deployed as production deploys it (deploy/Signals.ts), with the mock verifier,
 * and prices recorded for epochs 1..10. Shared by the PriceSource, SignalFeed and SignalVault tests.
 */
import { deploySignalStack } from "../helpers/signalStack.js";
import { MODEL_COMMITMENT, statement } from "./helpers.js";

/** Poseidon as circomlib computes it (one Poseidon for up to 16 inputs), for the expected window hashes. */
export { poseidonHash } from "../../prover/model/poseidon.js";

/** Prices in cents (2 decimals), epochs 1..10. */
export const PRICES = [300_000n, 301_250n, 299_800n, 302_400n, 305_000n, 303_300n, 306_100n, 308_000n, 307_250n, 310_500n];
export const MAX_AGE = 3600n;
export const SIZE_ONE = 1024n;

/** The window of 6 prices ending at `epoch` (1-based), oldest first. */
export function windowAt(epoch: number): bigint[] {
  return PRICES.slice(epoch - 6, epoch);
}

export async function deploySignals(ethers: any, ignition: any) {
  const [owner, bot, stranger] = await ethers.getSigners();
  const deployed = await deploySignalStack({ ignition, verifierContract: "MockInferenceVerifier", modelCommitment: MODEL_COMMITMENT });
  for (const [i, price] of PRICES.entries()) await (await deployed.priceSource.recordPrice(BigInt(i + 1), price)).wait();
  return { ...deployed, owner, bot, stranger };
}

/** The public signals of a signal proof: direction, size, epoch, window hash. */
export function signalStatement(o: { direction: bigint; size: bigint; epoch: bigint; windowHash: bigint; subject: string; nonce?: bigint }): bigint[] {
  return statement({ outputs: [o.direction, o.size, o.epoch, o.windowHash], subject: o.subject, nonce: o.nonce ?? o.epoch });
}
