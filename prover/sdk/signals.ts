/**
 * Trader SDK: read, follow and independently re-verify the signals a model published to a
 * SignalFeed (contracts/consumers/SignalFeed.sol), with viem.
 *
 * @example
 * ```ts
 * const client = createPublicClient({ transport: http(rpcUrl) });
 * const history = await getSignalHistory({ client, feed, modelId: 1n, fromBlock: 0n });
 * const stop = watchSignals({ client, feed, modelId: 1n, onSignal: (s) => console.log(s.epoch, s.direction) });
 * const { valid } = await verifyInferenceTransaction({ client, hub, txHash: history[0].txHash, verificationKey });
 * ```
 */
import type { Address, DecodeEventLogReturnType, Hash, Log, PublicClient } from "viem";
import { signalFeedAbi } from "../chain/abi.js";
import { ZkinferError } from "../errors.js";

/** A published signal, as the SignalPublished event and its transaction record it. */
export interface PublishedSignal {
  modelId: bigint;
  epoch: bigint;
  /** -1 sell, 0 hold, 1 buy. */
  direction: number;
  /** Fraction of the position to move, at scale SIZE_ONE = 1024. */
  size: number;
  /** The proof's beneficiary (the bot). */
  subject: Address;
  nonce: bigint;
  blockNumber: bigint;
  /** The verifyAndAct transaction: its calldata holds the proof, for {verifyInferenceTransaction}. */
  txHash: Hash;
}

export interface GetSignalHistoryParameters {
  client: PublicClient;
  feed: Address;
  modelId: bigint;
  /** First block to read (default 0: the whole history). */
  fromBlock?: bigint;
  toBlock?: bigint;
}

/** Every signal `modelId` published to `feed` in the block range, oldest first. */
export async function getSignalHistory({ client, feed, modelId, fromBlock = 0n, toBlock }: GetSignalHistoryParameters): Promise<PublishedSignal[]> {
  const logs = await client.getContractEvents({
    address: feed,
    abi: signalFeedAbi,
    eventName: "SignalPublished",
    args: { modelId },
    fromBlock,
    toBlock,
    // Strict: a log whose data does not decode is left out, so every signal has all its fields.
    strict: true,
  });
  return logs.map(toSignal);
}

export interface WatchSignalsParameters {
  client: PublicClient;
  feed: Address;
  modelId: bigint;
  onSignal: (signal: PublishedSignal) => void;
  onError?: (error: Error) => void;
  /** Polling interval in ms for HTTP transports (viem's default otherwise). */
  pollingInterval?: number;
}

/** Calls `onSignal` for each new signal of `modelId`; returns the function that stops watching. */
export function watchSignals({ client, feed, modelId, onSignal, onError, pollingInterval }: WatchSignalsParameters): () => void {
  return client.watchContractEvent({
    address: feed,
    abi: signalFeedAbi,
    eventName: "SignalPublished",
    args: { modelId },
    pollingInterval,
    strict: true,
    onLogs: (logs) => logs.forEach((log) => onSignal(toSignal(log))),
    onError,
  });
}

/**
 * A SignalPublished log as viem decodes it with the generated ABI in strict mode (every argument
 * present); a pending log has no block yet.
 */
type SignalPublishedLog = Pick<Log, "blockNumber" | "transactionHash"> & Pick<DecodeEventLogReturnType<typeof signalFeedAbi, "SignalPublished">, "args">;

function toSignal(log: SignalPublishedLog): PublishedSignal {
  const { modelId, epoch, direction, size, subject, nonce } = log.args;
  if (log.blockNumber === null || log.transactionHash === null) throw new ZkinferError("A SignalPublished log without a block: read mined logs only.");
  return { modelId, epoch, direction: Number(direction), size: Number(size), subject, nonce, blockNumber: log.blockNumber, txHash: log.transactionHash };
}
