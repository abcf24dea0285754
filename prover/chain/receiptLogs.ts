/**
 * A transaction receipt's logs, decoded: the one decoder `zkinfer submit` and the prover service's job
 * record share. Each log is tried against the ABIs its caller names for that address, in order, and is
 * kept raw (topics and data) when none decodes it, so an event nobody here knows is never lost.
 */
import { decodeEventLog, getAddress, type Abi, type Address, type Hex } from "viem";
import { accuracyBountyAbi, anomalyGuardAbi, creditGateAbi, signalFeedAbi } from "./abi.js";

/** A contract name with the ABI to decode its events. */
export type NamedAbi = readonly [name: string, abi: Abi];

/** zkinfer's own consumers, tried on any log no more specific ABI decodes. */
export const BUNDLED_CONSUMER_ABIS: readonly NamedAbi[] = [
  ["CreditGate", creditGateAbi],
  ["SignalFeed", signalFeedAbi],
  ["AnomalyGuard", anomalyGuardAbi],
  ["AccuracyBounty", accuracyBountyAbi],
];

/** One log of a receipt. `event` and `args` are null when no ABI given for it decodes it. */
export interface DecodedLog {
  /** The emitting contract, checksummed. */
  address: Address;
  /** Name of the ABI that decoded it, or the name the caller knows the address by; null when neither. */
  contract: string | null;
  event: string | null;
  /** Event arguments as viem decodes them (bigints, arrays, structs), by name. */
  args: Record<string, unknown> | null;
  topics: Hex[];
  data: Hex;
}

export interface DecodeReceiptLogsOptions {
  /** The ABIs to try for a log of `address`, most specific first. */
  abisFor: (address: Address) => readonly NamedAbi[];
  /** A name for an address no ABI decodes (e.g. a deployment manifest's contract name). */
  nameOf?: (address: Address) => string | undefined;
  /** Leave out logs of these addresses (e.g. the hub, when only the consumer's events matter). */
  skip?: readonly Address[];
}

/**
 * Decodes each log with the first ABI that decodes it strictly (the topics and data must match the
 * event exactly: a same-named event of another layout does not count).
 *
 * @example
 * const events = decodeReceiptLogs(receipt.logs, { abisFor: () => BUNDLED_CONSUMER_ABIS });
 */
export function decodeReceiptLogs(
  logs: readonly { address: Address; topics: readonly Hex[]; data: Hex }[],
  { abisFor, nameOf, skip = [] }: DecodeReceiptLogsOptions,
): DecodedLog[] {
  const skipped = new Set(skip.map((a) => a.toLowerCase()));
  const out: DecodedLog[] = [];
  for (const log of logs) {
    if (skipped.has(log.address.toLowerCase())) continue;
    const address = getAddress(log.address);
    const raw = { address, topics: [...log.topics], data: log.data };
    let decoded: DecodedLog | undefined;
    for (const [contract, abi] of abisFor(address)) {
      try {
        const e = decodeEventLog({ abi, topics: log.topics as [Hex, ...Hex[]], data: log.data, strict: true });
        const decodedArgs = e.args as unknown;
        // An event with unnamed parameters decodes to an array: keep it under their positions.
        const args = Array.isArray(decodedArgs)
          ? Object.fromEntries(decodedArgs.map((x: unknown, i) => [String(i), x]))
          : { ...(decodedArgs as Record<string, unknown>) };
        decoded = { ...raw, contract, event: String(e.eventName), args };
        break;
      } catch {
        // not this ABI's event: try the next one
      }
    }
    out.push(decoded ?? { ...raw, contract: nameOf?.(address) ?? null, event: null, args: null });
  }
  return out;
}

/** Event arguments as JSON: integers as decimal strings (uint256 does not fit a JSON number), arrays and structs kept. */
export function jsonArgs(args: unknown): Record<string, unknown> {
  const convert = (v: unknown): unknown =>
    typeof v === "bigint"
      ? v.toString()
      : Array.isArray(v)
        ? v.map(convert)
        : v !== null && typeof v === "object"
          ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, convert(x)]))
          : typeof v === "number"
            ? String(v)
            : v;
  // An event with unnamed parameters decodes to an array: keep it under their positions.
  const out = convert(args ?? {});
  return Array.isArray(out) ? Object.fromEntries(out.map((x, i) => [String(i), x])) : (out as Record<string, unknown>);
}
