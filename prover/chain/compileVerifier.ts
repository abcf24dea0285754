/**
 * Compiles a model's generated verifier (build/contracts/<model>/<Model>Verifier.sol and what it
 * imports) with the npm `solc` and the project's settings. `zkinfer deploy` sends this bytecode and
 * `zkinfer verify-deployment` rebuilds it from the final zkey to compare with the chain: one compile,
 * no Hardhat project needed, so a model imported anywhere can be deployed and checked.
 */
import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { resolve } from "node:path";
import type { Abi, Hex } from "viem";
import { artifactPath, verifierContractName } from "../artifacts/paths.js";
import { ToolchainError, ZkinferError } from "../errors.js";
import { SOLC_SETTINGS, SOLC_VERSION } from "./solcSettings.js";

const require = createRequire(import.meta.url);

export interface CompiledContract {
  contractName: string;
  sourceName: string;
  abi: Abi;
  bytecode: Hex;
  deployedBytecode: Hex;
  /** Byte ranges of immutables in the runtime code (filled in by the constructor). */
  immutableReferences: Record<string, { start: number; length: number }[]>;
}

let solc: { compile(input: string, options: { import: (path: string) => { contents: string } | { error: string } }): string; version(): string } | undefined;

/** The model's verifier, compiled; throws when the model has not been built. */
export function compileModelVerifier(model: string): CompiledContract {
  const file = artifactPath(model, "verifierContract");
  if (!existsSync(file)) throw new ZkinferError(`${file} does not exist: build the model first (\`zkinfer build <model>\`).`);
  return compileContract(resolve(file), verifierContractName(model));
}

export interface CompileContractOptions {
  /**
   * Where package imports (`zkinfer/contracts/...`, `@openzeppelin/...`) are resolved from, as Node
   * resolves modules: the user's project. Default: zkinfer's own package.
   */
  resolveFrom?: string;
  /** Only the ABI (no code generation: much faster, for decoding events). */
  abiOnly?: boolean;
}

export function compileContract(file: string, contractName: string, { resolveFrom, abiOnly = false }: CompileContractOptions = {}): CompiledContract {
  solc ??= require("solc") as NonNullable<typeof solc>;
  const resolver = resolveFrom === undefined ? require : createRequire(resolve(resolveFrom, "package.json"));
  if (!solc.version().startsWith(SOLC_VERSION))
    throw new ToolchainError(`solc ${solc.version()} is installed; the contracts are compiled with ${SOLC_VERSION}.`);
  const input = {
    language: "Solidity",
    sources: { [file]: { content: readFileSync(file, "utf8") } },
    settings: {
      ...(abiOnly ? { evmVersion: SOLC_SETTINGS.evmVersion } : SOLC_SETTINGS),
      outputSelection: {
        [file]: {
          [contractName]: abiOnly ? ["abi"] : ["abi", "evm.bytecode.object", "evm.deployedBytecode.object", "evm.deployedBytecode.immutableReferences"],
        },
      },
    },
  };
  // Relative imports between absolute source names are file paths; a package import
  // (`zkinfer/contracts/interfaces/IInferenceConsumer.sol`) is resolved as Node resolves a module.
  const readImport = (path: string): { contents: string } | { error: string } => {
    if (existsSync(path)) return { contents: readFileSync(path, "utf8") };
    try {
      return { contents: readFileSync(resolver.resolve(path), "utf8") };
    } catch {
      return { error: `${path} not found (neither a file nor a package's file)` };
    }
  };
  const output = JSON.parse(solc.compile(JSON.stringify(input), { import: readImport })) as {
    errors?: { severity: string; formattedMessage: string }[];
    contracts?: Record<
      string,
      Record<
        string,
        {
          abi: Abi;
          evm?: { bytecode: { object: string }; deployedBytecode: { object: string; immutableReferences?: CompiledContract["immutableReferences"] } };
        }
      >
    >;
  };
  const errors = (output.errors ?? []).filter((e) => e.severity === "error");
  if (errors.length > 0) throw new ToolchainError(`solc could not compile ${file}:\n${errors.map((e) => e.formattedMessage).join("\n")}`);
  const c = output.contracts?.[file]?.[contractName];
  if (!c) throw new ToolchainError(`solc produced no contract ${contractName} from ${file}.`);
  return {
    contractName,
    sourceName: file,
    abi: c.abi,
    bytecode: `0x${c.evm?.bytecode.object ?? ""}`,
    deployedBytecode: `0x${c.evm?.deployedBytecode.object ?? ""}`,
    immutableReferences: c.evm?.deployedBytecode.immutableReferences ?? {},
  };
}

/**
 * Runtime code without its trailing CBOR metadata (source hashes and compiler version: they differ
 * between two compiles of the same contract from different paths, and do not execute).
 */
export function stripMetadata(code: Hex): string {
  const hex = code.slice(2);
  if (hex.length < 4) return hex;
  const length = parseInt(hex.slice(-4), 16);
  const cut = hex.length - 4 - length * 2;
  return cut > 0 ? hex.slice(0, cut) : hex;
}

/** `runtime` with every immutable written as the 32-byte word `value` (as the constructor does). */
export function fillImmutables(runtime: Hex, refs: CompiledContract["immutableReferences"], value: bigint): Hex {
  let hex = runtime.slice(2);
  const word = value.toString(16).padStart(64, "0");
  for (const ranges of Object.values(refs)) {
    for (const { start, length } of ranges) hex = hex.slice(0, start * 2) + word.slice(64 - length * 2) + hex.slice((start + length) * 2);
  }
  return `0x${hex}`;
}

/**
 * The runtime code the model's locally built verifier has once deployed: compiled here, with its
 * immutable (the public-signal count, from the verification key) written as its constructor does.
 * `zkinfer verify-deployment` and `zkinfer serve --hub` compare a registered verifier with it.
 */
export function localVerifierRuntime(model: string): { contractName: string; runtime: Hex } {
  const compiled = compileModelVerifier(model);
  const vkey = JSON.parse(readFileSync(artifactPath(model, "vkey"), "utf8")) as { nPublic: number };
  return { contractName: compiled.contractName, runtime: fillImmutables(compiled.deployedBytecode, compiled.immutableReferences, BigInt(vkey.nPublic)) };
}

/** Whether deployed runtime `code` is the program `expected` (compiler metadata aside). */
export function sameRuntimeCode(code: Hex | undefined, expected: Hex): boolean {
  return code !== undefined && code !== "0x" && stripMetadata(code) === stripMetadata(expected);
}
