/**
 * The one revert decoder: the custom error a failed call or transaction reverted with, decoded with
 * the ABIs of every protocol contract (a hub call can revert with its consumer's error). It reads
 * viem's errors and the ethers errors Hardhat's test helpers throw alike.
 */
import { BaseError, ContractFunctionRevertedError, decodeErrorResult, type Hex } from "viem";
import { protocolErrorsAbi } from "./abi.js";

export interface DecodedRevert {
  /** The custom error's name, Error/Panic for Solidity's built-in ones, or "unknown revert" when the data matches no known error. */
  name: string;
  args: readonly unknown[];
}

/** The revert `error` carries, or undefined when `error` is not a revert (a network fault, a bug). */
export function decodeRevert(error: unknown): DecodedRevert | undefined {
  if (error instanceof BaseError) {
    const reverted = error.walk((e) => e instanceof ContractFunctionRevertedError);
    if (reverted instanceof ContractFunctionRevertedError) {
      if (reverted.data?.errorName) return { name: reverted.data.errorName, args: reverted.data.args ?? [] };
      // A call through an ABI that lacks the error (e.g. a consumer's error bubbling through the hub).
      if (reverted.raw) return decodeData(reverted.raw);
      return { name: reverted.signature ?? "unknown revert", args: [] };
    }
  }
  const data = findRevertData(error);
  return data === undefined ? undefined : decodeData(data);
}

/** The name of the custom error `error` reverted with, or undefined when it is not a revert. */
export function revertName(error: unknown): string | undefined {
  return decodeRevert(error)?.name;
}

/** Like {@link revertName}, for callers that expect a revert: rethrows `error` when it is not one. */
export function expectRevertName(error: unknown): string {
  const name = revertName(error);
  if (name === undefined) throw error;
  return name;
}

/** `Name(arg, ...)`, for messages. */
export function formatRevert({ name, args }: DecodedRevert): string {
  return `${name}(${args.map(String).join(", ")})`;
}

function decodeData(data: Hex): DecodedRevert {
  try {
    const { errorName, args } = decodeErrorResult({ abi: protocolErrorsAbi, data });
    return { name: errorName, args: args ?? [] };
  } catch {
    return { name: "unknown revert", args: [] };
  }
}

/** Revert data as viem (a `data` or `raw` field down the cause chain) or ethers (`data`, `error`, `info`) nest it. */
function findRevertData(error: unknown, depth = 0): Hex | undefined {
  if (!error || typeof error !== "object" || depth > 6) return undefined;
  const e = error as Record<string, unknown>;
  for (const key of ["data", "raw"]) {
    const v = e[key];
    if (typeof v === "string" && /^0x[0-9a-fA-F]{8,}$/.test(v)) return v as Hex;
  }
  for (const key of ["error", "info", "cause", "data"]) {
    const found = findRevertData(e[key], depth + 1);
    if (found) return found;
  }
  return undefined;
}
