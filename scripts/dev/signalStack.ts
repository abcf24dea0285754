/**
 * The signals stack on a chain, as the demo, the bench, the app and the end-to-end test use it, through
 * the chain layer (deployed by prover/chain/deploy.ts's deploySignals): seed the AMM and the vault,
 * prove a signal for an epoch's window with the bot's private-weight model, and rebalance the vault
 * as its keeper.
 */
import type { Address } from "viem";
import { SIGNAL_WINDOW } from "../../deploy/Signals.js";
import { demoTokenAbi, signalFeedAbi, signalVaultAbi, simpleAmmAbi } from "../../prover/chain/abi.js";
import type { ChainClients } from "../../prover/chain/connect.js";
import { writeAndWait } from "../../prover/chain/write.js";
import type { ModelProver, ProveReturnType } from "../../prover/prove/prover.js";

export { SIGNAL_WINDOW };

/** The addresses the market helpers need (a {@link SignalsDeployment} has them). */
export interface SignalMarket {
  feed: Address;
  base: Address;
  quote: Address;
  amm: Address;
  vault: Address;
  modelId: bigint;
}

const E18 = 10n ** 18n;

/**
 * Pool liquidity at `priceCents` (quote per base, 2 decimals, as PriceSource records it) and vault
 * funds: `poolBase` whole base tokens in the pool and `vaultBase` in the vault, with the matching
 * quote amounts. `owner` must own both DemoTokens.
 */
export async function seedSignalMarket(owner: ChainClients, d: SignalMarket, priceCents: bigint, { poolBase = 10_000n, vaultBase = 10n } = {}): Promise<void> {
  const quoteFor = (baseUnits: bigint) => (baseUnits * E18 * priceCents) / 100n;
  const token = (address: Address, functionName: "mint" | "approve" | "transfer", args: readonly [Address, bigint]) =>
    writeAndWait({ ...owner, address, abi: demoTokenAbi, functionName, args });
  for (const t of [d.base, d.quote]) await token(t, "mint", [owner.account.address, 10n ** 12n * E18]);
  await token(d.base, "approve", [d.amm, poolBase * E18]);
  await token(d.quote, "approve", [d.amm, quoteFor(poolBase)]);
  await writeAndWait({ ...owner, address: d.amm, abi: simpleAmmAbi, functionName: "addLiquidity", args: [poolBase * E18, quoteFor(poolBase)] });
  await token(d.base, "transfer", [d.vault, vaultBase * E18]);
  await token(d.quote, "transfer", [d.vault, quoteFor(vaultBase)]);
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
 * `keeper` must be the vault's keeper.
 */
export async function rebalanceAsKeeper(
  keeper: ChainClients,
  d: SignalMarket,
  { toleranceBps = 50n, ttlSeconds = 300n }: { toleranceBps?: bigint; ttlSeconds?: bigint } = {},
) {
  const { publicClient } = keeper;
  const signal = await publicClient.readContract({ address: d.feed, abi: signalFeedAbi, functionName: "latestSignal", args: [d.modelId] });
  let minAmountOut = 0n;
  if (signal.direction !== 0 && signal.size !== 0) {
    const tokenIn = signal.direction > 0 ? d.quote : d.base;
    const balance = await publicClient.readContract({ address: tokenIn, abi: demoTokenAbi, functionName: "balanceOf", args: [d.vault] });
    const sizeOne = await publicClient.readContract({ address: d.feed, abi: signalFeedAbi, functionName: "SIZE_ONE" });
    const amountIn = (balance * BigInt(signal.size)) / BigInt(sizeOne);
    if (amountIn !== 0n) {
      const out = await publicClient.readContract({ address: d.amm, abi: simpleAmmAbi, functionName: "getAmountOut", args: [tokenIn, amountIn] });
      minAmountOut = (out * (10_000n - toleranceBps)) / 10_000n;
    }
  }
  const latest = await publicClient.getBlock();
  return writeAndWait({ ...keeper, address: d.vault, abi: signalVaultAbi, functionName: "rebalance", args: [minAmountOut, latest.timestamp + ttlSeconds] });
}
