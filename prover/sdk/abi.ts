/**
 * ABIs of the protocol's contracts, read from their Hardhat artifacts so that the Solidity source
 * stays their one definition.
 */
import { readFileSync } from "node:fs";
import type { Abi } from "viem";
import { contractArtifactPath } from "../artifacts/paths.js";
import { ZkinferError } from "../errors.js";

const SOURCES = {
  InferenceHub: "InferenceHub.sol",
  CreditGate: "consumers/CreditGate.sol",
  SignalFeed: "consumers/SignalFeed.sol",
  PriceSource: "oracles/PriceSource.sol",
  SignalVault: "defi/SignalVault.sol",
} as const;

export type ContractName = keyof typeof SOURCES;

const cache = new Map<ContractName, Abi>();

/** The ABI of `name`; throws a ZkinferError telling what to run when the artifact is missing. */
export function contractAbi(name: ContractName): Abi {
  let abi = cache.get(name);
  if (!abi) {
    const path = contractArtifactPath(SOURCES[name], name);
    try {
      abi = JSON.parse(readFileSync(path, "utf8")).abi as Abi;
    } catch (cause) {
      throw new ZkinferError(`No compiled artifact for ${name} at ${path}. Run \`npx hardhat compile\` first.`, { cause });
    }
    cache.set(name, abi);
  }
  return abi;
}
