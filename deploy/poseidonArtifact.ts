/**
 * The Poseidon(n) contract as an artifact Ignition and ethers can deploy: bytecode and ABI generated
 * by circomlibjs (`poseidonContract`), which computes the same hash as circomlib's `Poseidon(n)`
 * circuit template and circomlibjs's `buildPoseidon`. Generated in memory, never committed.
 */
import { poseidonContract } from "circomlibjs";

export interface PoseidonArtifact {
  _format: "hh3-artifact-1";
  contractName: string;
  sourceName: string;
  abi: unknown[];
  bytecode: string;
  deployedBytecode: string;
  linkReferences: Record<string, never>;
  deployedLinkReferences: Record<string, never>;
  immutableReferences: Record<string, never>;
  inputSourceName: string;
  buildInfoId: string;
}

export function poseidonArtifact(nInputs: number): PoseidonArtifact {
  return {
    _format: "hh3-artifact-1",
    contractName: `Poseidon${nInputs}`,
    sourceName: "circomlibjs/poseidon_gencontract",
    abi: poseidonContract.generateABI(nInputs) as unknown[],
    bytecode: poseidonContract.createCode(nInputs) as string,
    deployedBytecode: "0x",
    linkReferences: {},
    deployedLinkReferences: {},
    immutableReferences: {},
    inputSourceName: "circomlibjs/poseidon_gencontract",
    buildInfoId: "circomlibjs",
  };
}
