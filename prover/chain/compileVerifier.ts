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
 * The compiler's metadata trailer at the end of runtime code: a CBOR map (source hash, compiler
 * version) followed by its length as two bytes. It never executes, and its hash differs between two
 * compiles of the same contract from different paths, so it is the one part of the code a comparison
 * may set aside, and only when it is well formed: a definite-length map of 1 to 8 text keys whose
 * values (byte/text strings, booleans) end exactly where the length says.
 */
export interface MetadataTrailer {
  /** The code before the trailer, as bytes. */
  body: Uint8Array;
  /** The trailer's entries in order: key and value length (the values themselves are not compared). */
  entries: { key: string; value: Uint8Array }[];
}

/** Splits runtime code into its body and its metadata trailer; undefined when there is no well-formed trailer. */
export function metadataTrailer(code: Hex): MetadataTrailer | undefined {
  const bytes = hexToBytes(code);
  if (bytes.length < 2) return undefined;
  const length = (bytes[bytes.length - 2]! << 8) | bytes[bytes.length - 1]!;
  const start = bytes.length - 2 - length;
  if (length === 0 || start < 0) return undefined;
  const cbor = bytes.subarray(start, bytes.length - 2);
  let at = 0;
  // A CBOR head: major type and argument (lengths up to 2^16 - 1: all a trailer can hold).
  const head = (): { major: number; arg: number } | undefined => {
    if (at >= cbor.length) return undefined;
    const b = cbor[at++]!;
    const major = b >> 5;
    const info = b & 0x1f;
    if (info < 24) return { major, arg: info };
    if (info === 24 && at + 1 <= cbor.length) return { major, arg: cbor[at++]! };
    if (info === 25 && at + 2 <= cbor.length) return { major, arg: (cbor[at++]! << 8) | cbor[at++]! };
    return undefined;
  };
  const map = head();
  if (!map || map.major !== 5 || map.arg < 1 || map.arg > 8) return undefined;
  const entries: MetadataTrailer["entries"] = [];
  for (let i = 0; i < map.arg; i++) {
    const key = head();
    if (!key || key.major !== 3 || at + key.arg > cbor.length) return undefined;
    const name = new TextDecoder().decode(cbor.subarray(at, (at += key.arg)));
    const value = head();
    if (!value) return undefined;
    if (value.major === 2 || value.major === 3) {
      if (at + value.arg > cbor.length) return undefined;
      entries.push({ key: name, value: cbor.subarray(at, (at += value.arg)) });
    } else if (value.major === 7 && (value.arg === 20 || value.arg === 21)) {
      entries.push({ key: name, value: Uint8Array.of(value.arg) });
    } else return undefined;
  }
  if (at !== cbor.length) return undefined;
  return { body: bytes.subarray(0, start), entries };
}

/** The outcome of comparing deployed runtime code with the expected program. */
export type RuntimeComparison = { equal: true } | { equal: false; reason: string };

/**
 * Whether deployed runtime `code` is exactly the program `expected`: the same bytes up to the
 * compiler's metadata trailer, and a trailer of the same shape (same keys, same value lengths, the
 * same compiler version). Nothing else may differ: no fallback that looks for constants in the code,
 * so a contract that merely contains the verifier's bytes, a proxy that DELEGATECALLs to it, or code
 * compiled with other settings all fail, naming the first differing byte range.
 */
export function compareRuntimeCode(code: Hex | undefined, expected: Hex): RuntimeComparison {
  if (code === undefined || code === "0x") return { equal: false, reason: "there is no code at the address" };
  const want = metadataTrailer(expected);
  if (!want) throw new ToolchainError("the locally compiled verifier has no metadata trailer: cannot compare it with the chain");
  const got = metadataTrailer(code);
  const deployed = hexToBytes(code);
  // Without a trailer of its own, the deployed code is compared whole, against the expected body.
  const body = got?.body ?? deployed;
  const diff = firstDifference(body, want.body);
  if (diff) return { equal: false, reason: diff };
  if (!got)
    return {
      equal: false,
      reason: `the code ends without a well-formed compiler metadata trailer (${deployed.length} bytes, expected ${hexToBytes(expected).length})`,
    };
  const shape = (t: MetadataTrailer) => t.entries.map((e) => `${e.key}:${e.value.length}`).join(",");
  if (shape(got) !== shape(want)) return { equal: false, reason: `the compiler metadata trailer differs in shape: {${shape(got)}}, expected {${shape(want)}}` };
  const solc = (t: MetadataTrailer) => t.entries.find((e) => e.key === "solc")?.value.join(".");
  if (solc(got) !== solc(want)) return { equal: false, reason: `compiled by solc ${solc(got) ?? "(unknown)"}, expected ${solc(want) ?? "(unknown)"}` };
  return { equal: true };
}

/** Where two byte strings first differ, as a byte range of the deployed code; undefined when equal. */
function firstDifference(got: Uint8Array, want: Uint8Array): string | undefined {
  const common = Math.min(got.length, want.length);
  let start = 0;
  while (start < common && got[start] === want[start]) start++;
  if (start === common && got.length === want.length) return undefined;
  if (start === common)
    return `the code is ${got.length} bytes before its metadata, expected ${want.length}: it ${got.length > want.length ? "continues" : "stops"} at byte ${start}`;
  let end = start;
  while (end < common && got[end] !== want[end]) end++;
  const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");
  const shown = Math.min(end, start + 16);
  return `bytes [${start}, ${end}) differ: 0x${hex(got.subarray(start, shown))}${end > shown ? "…" : ""}, expected 0x${hex(want.subarray(start, shown))}${end > shown ? "…" : ""}${got.length !== want.length ? ` (and the code is ${got.length} bytes before its metadata, expected ${want.length})` : ""}`;
}

function hexToBytes(code: Hex): Uint8Array {
  return Uint8Array.from(Buffer.from(code.slice(2), "hex"));
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

/** Whether deployed runtime `code` is exactly the program `expected` (see compareRuntimeCode). */
export function sameRuntimeCode(code: Hex | undefined, expected: Hex): boolean {
  return compareRuntimeCode(code, expected).equal;
}
