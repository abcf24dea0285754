/**
 * The signals stack on a chain, as the demo, the end-to-end test and the bench use it: deploy
 * (deploy/Signals.ts), seed the AMM and the vault, record prices, prove a signal for an epoch's
 * window with the bot's private-weight model, and submit it.
 */
import type { Contract } from "ethers";
import { signalsModule } from "../../deploy/Signals.js";
import type { ModelProver, ProveReturnType } from "../prove/prover.js";

/** Price features of a signal model: price_0 (oldest) .. price_5 (the epoch's), as PriceSource.WINDOW. */
export const SIGNAL_WINDOW = 6;

export interface SignalStackParameters {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  ignition: any;
  verifierContract: string;
  modelCommitment: bigint;
  firstEpoch?: bigint;
  maxAge?: bigint;
  maxSlippageBps?: bigint;
}

/** Deploys the stack; returns the contracts and the model id (Ignition's contract objects). */
export async function deploySignalStack(p: SignalStackParameters) {
  const module = signalsModule(p.verifierContract);
  const parameters: Record<string, unknown> = { modelCommitment: p.modelCommitment };
  if (p.firstEpoch !== undefined) parameters.firstEpoch = p.firstEpoch;
  if (p.maxAge !== undefined) parameters.maxAge = p.maxAge;
  if (p.maxSlippageBps !== undefined) parameters.maxSlippageBps = p.maxSlippageBps;
  const deployed = await p.ignition.deploy(module, { parameters: { [module.id]: parameters } });
  const modelId: bigint = await deployed.hub.modelCount();
  return { ...deployed, modelId } as Record<"hub" | "verifier" | "poseidon" | "priceSource" | "feed" | "base" | "quote" | "amm" | "vault", Contract> & { modelId: bigint };
}

const E18 = 10n ** 18n;

/**
 * Pool liquidity at `priceCents` (quote per base, 2 decimals, as PriceSource records it) and vault
 * funds: `baseUnits` whole base tokens in the pool and `vaultBase` in the vault, with the matching
 * quote amounts. `owner` must own both DemoTokens.
 */
export async function seedSignalMarket(
  d: Awaited<ReturnType<typeof deploySignalStack>>,
  owner: { address: string },
  priceCents: bigint,
  { poolBase = 10_000n, vaultBase = 10n } = {},
): Promise<void> {
  const quoteFor = (baseUnits: bigint) => (baseUnits * E18 * priceCents) / 100n;
  for (const token of [d.base, d.quote]) await (await token.mint(owner.address, 10n ** 12n * E18)).wait();
  await (await d.base.approve(d.amm, poolBase * E18)).wait();
  await (await d.quote.approve(d.amm, quoteFor(poolBase))).wait();
  await (await d.amm.addLiquidity(poolBase * E18, quoteFor(poolBase))).wait();
  await (await d.base.transfer(d.vault, vaultBase * E18)).wait();
  await (await d.quote.transfer(d.vault, quoteFor(vaultBase))).wait();
}

/** The model's features for the window of 6 prices (cents, oldest first) ending at `epoch`. */
export function signalFeatures(window: readonly bigint[], epoch: bigint): Record<string, number> {
  if (window.length !== SIGNAL_WINDOW) throw new RangeError(`a signal window has ${SIGNAL_WINDOW} prices, got ${window.length}`);
  const features: Record<string, number> = { epoch: Number(epoch) };
  window.forEach((c, i) => (features[`price_${i}`] = Number(c)));
  return features;
}

/** Proves the signal for `epoch` (nonce = epoch: one signal per epoch and bot). */
export function proveSignal(prover: ModelProver, window: readonly bigint[], epoch: bigint, subject: string): Promise<ProveReturnType> {
  return prover.prove({ features: signalFeatures(window, epoch), subject, nonce: epoch });
}

/** The signal a proof states: direction (-1, 0, 1), size (of 1024), epoch, window hash. */
export function decodeSignal(p: ProveReturnType): { direction: number; size: number; epoch: bigint; windowHash: bigint } {
  // direction is signed (p - 1 for a sell); the epoch and the hash are read raw (a hash is not a signed number).
  const [direction, size] = p.decoded.outputs;
  return { direction: Number(direction), size: Number(size), epoch: p.publicSignals[2]!, windowHash: p.publicSignals[3]! };
}

/**
 * The vault's rebalance as its keeper sends it: the minimum output quoted from the pool now, less
 * `toleranceBps`, and a deadline `ttlSeconds` ahead, so that a sandwich of this transaction can take at
 * most that tolerance and a transaction stuck in the mempool expires (contracts/defi/SignalVault.sol).
 * `d.vault` must be connected as the keeper.
 */
export async function rebalanceAsKeeper(
  d: Awaited<ReturnType<typeof deploySignalStack>>,
  { toleranceBps = 50n, ttlSeconds = 300n }: { toleranceBps?: bigint; ttlSeconds?: bigint } = {},
) {
  const signal = await d.feed.latestSignal(d.modelId);
  let minAmountOut = 0n;
  if (signal.direction !== 0n && signal.size !== 0n) {
    const tokenIn = signal.direction > 0n ? d.quote : d.base;
    const [balance, sizeOne]: bigint[] = [await tokenIn.balanceOf(d.vault), await d.feed.SIZE_ONE()];
    const amountIn = (balance! * BigInt(signal.size)) / sizeOne!;
    if (amountIn !== 0n) minAmountOut = ((await d.amm.getAmountOut(tokenIn, amountIn)) * (10_000n - toleranceBps)) / 10_000n;
  }
  const latest = await d.vault.runner!.provider!.getBlock("latest");
  return d.vault.rebalance(minAmountOut, BigInt(latest!.timestamp) + ttlSeconds);
}
