/**
 * An accuracy bounty's state (contracts/consumers/AccuracyBounty.sol), typed from the generated ABI:
 * what a modeller checks before working (the pinned verifier and test-set hash, N, k, the deadline)
 * and what anyone reads after (status, the winning claim).
 */
import type { Address, ContractFunctionReturnType, PublicClient } from "viem";
import { accuracyBountyAbi } from "./abi.js";

/** IAccuracyBounty.Status, by name. */
export const BountyStatus = { Unfunded: 0, Open: 1, Claimed: 2, Refunded: 3 } as const;

export type BountyTerms = ContractFunctionReturnType<typeof accuracyBountyAbi, "view", "terms">;
export type BountyClaim = ContractFunctionReturnType<typeof accuracyBountyAbi, "view", "claim">;

export interface BountyState {
  terms: BountyTerms;
  status: keyof typeof BountyStatus;
  claim: BountyClaim;
}

/**
 * The bounty at `bounty`: terms, status and claim, read at one block.
 *
 * @example
 * const { terms, status, claim } = await readBounty(publicClient, "0x...");
 */
export async function readBounty(publicClient: PublicClient, bounty: Address): Promise<BountyState> {
  const blockNumber = await publicClient.getBlockNumber();
  const read = <F extends "terms" | "status" | "claim">(functionName: F) =>
    publicClient.readContract({ address: bounty, abi: accuracyBountyAbi, functionName, blockNumber });
  const [terms, status, claim] = await Promise.all([read("terms"), read("status"), read("claim")]);
  const names = Object.keys(BountyStatus) as (keyof typeof BountyStatus)[];
  return { terms: terms as BountyTerms, status: names.find((n) => BountyStatus[n] === Number(status)) ?? "Unfunded", claim: claim as BountyClaim };
}
