/**
 * Finding a contract by name: in the user's own project first (their Solidity sources, compiled here
 * with the project's solc settings, so no Hardhat build of theirs is needed), then zkinfer's own
 * contracts (InferenceHub and the bundled consumers, compiled by Hardhat in a clone and shipped in the
 * package's dist/). `zkinfer deploy --consumer <Name>` deploys what this finds, and `zkinfer submit`
 * decodes a consumer's events with its ABI.
 */
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import type { Abi } from "viem";
import { REPO_ROOT, ownContractArtifactsDir } from "../artifacts/paths.js";
import { ZkinferError } from "../errors.js";
import { compileContract, type CompiledContract } from "./compileVerifier.js";

export interface FindContractParameters {
  /** The user's Solidity sources (zkinfer.config.json's contractsDir); its parent is the project, where imports resolve. */
  contractsDir?: string;
  /** Only the ABI is needed (decoding events): skips code generation. */
  abiOnly?: boolean;
}

/** Every .sol file under `dir`, skipping node_modules. */
function solidityFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const entry of readdirSync(d)) {
      if (entry === "node_modules" || entry.startsWith(".")) continue;
      const path = join(d, entry);
      if (statSync(path).isDirectory()) walk(path);
      else if (entry.endsWith(".sol")) out.push(path);
    }
  };
  walk(dir);
  return out;
}

/** The source files under `contractsDir` that declare a (non-abstract) contract `name`. */
export function findContractSource(contractsDir: string, name: string): string[] {
  if (!existsSync(contractsDir)) return [];
  const declares = new RegExp(`^\\s*contract\\s+${name.replace(/[^A-Za-z0-9_$]/g, "")}\\b`, "m");
  return solidityFiles(contractsDir).filter((file) => declares.test(readFileSync(file, "utf8")));
}

/** A Hardhat artifact `<name>.json` under `root`, or undefined. Throws when several contracts share the name. */
function findHardhatArtifact(root: string, name: string): string | undefined {
  if (!existsSync(root)) return undefined;
  const found: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir)) {
      const path = join(dir, entry);
      if (statSync(path).isDirectory()) walk(path);
      else if (entry === `${name}.json`) found.push(path);
    }
  };
  walk(root);
  if (found.length > 1) throw new ZkinferError(`Several contracts are named ${name} (${found.join(", ")}); rename one.`);
  return found[0];
}

/**
 * The compiled contract `name`: from the user's contractsDir when a source there declares it, else
 * zkinfer's own. Throws naming where it looked.
 *
 * @example
 * ```ts
 * const gate = findContract("MyGate", { contractsDir: "contracts" });
 * ```
 */
export function findContract(name: string, { contractsDir, abiOnly = false }: FindContractParameters = {}): CompiledContract {
  if (!/^[A-Za-z_$][A-Za-z0-9_$]*$/.test(name)) throw new ZkinferError(`"${name}" is not a Solidity contract name`);
  // zkinfer's own contracts folder (a clone's) is what its Hardhat artifacts were built from.
  if (contractsDir !== undefined && resolve(contractsDir) !== join(REPO_ROOT, "contracts")) {
    const sources = findContractSource(contractsDir, name);
    if (sources.length > 1) throw new ZkinferError(`Several files in ${contractsDir} declare contract ${name} (${sources.join(", ")}); rename one.`);
    if (sources.length === 1) return compileContract(sources[0]!, name, { resolveFrom: dirname(contractsDir), abiOnly });
  }
  const own = findHardhatArtifact(ownContractArtifactsDir(), name);
  if (own !== undefined) {
    const a = JSON.parse(readFileSync(own, "utf8")) as CompiledContract & { deployedBytecode: `0x${string}` };
    return {
      contractName: name,
      sourceName: relative(ownContractArtifactsDir(), dirname(own)),
      abi: a.abi as Abi,
      bytecode: a.bytecode,
      deployedBytecode: a.deployedBytecode,
      immutableReferences: a.immutableReferences ?? {},
    };
  }
  const where = contractsDir === undefined ? "" : `${contractsDir} (your contracts) nor in `;
  throw new ZkinferError(
    `No contract named ${name} in ${where}zkinfer's own contracts. Put its source in your contractsDir (zkinfer.config.json, default ./contracts).`,
  );
}
