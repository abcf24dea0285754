/**
 * The circuit library's part of a circuit digest (prover/circuit/codegen.ts circuitSourceDigest): the
 * circuits/lib files a circuit includes, transitively, each by path and content digest, and the
 * circom2 and circomlib versions (which fix the compiler and circomlib's templates, so circomlib files
 * are covered by circomlib's version). A lib file the circuit does not reach does not enter, so adding
 * a gadget leaves the commitment of every model that does not include it unchanged.
 *
 * The table is prover/circuit/library.generated.ts (`npm run generate:circuit-library`): a constant,
 * not read at run time, because the browser prover computes commitments too and has no file system.
 */
import { keccak256, stringToBytes } from "viem";

/** One circuits/lib file: its content digest and what it includes, resolved as circom resolves it. */
export interface CircuitLibraryFile {
  /** keccak-256 of the file's bytes. */
  digest: `0x${string}`;
  /** Canonical include paths: `circuits/lib/<file>.circom` or `circomlib/circuits/<file>.circom`. */
  includes: readonly string[];
}

export interface CircuitLibrary {
  /** The circom2 package version (the compiler). */
  circom2: string;
  /** The circomlib package version: covers every `circomlib/...` include. */
  circomlib: string;
  /** Every circuits/lib/*.circom file, keyed by its path from the repository root. */
  files: Readonly<Record<string, CircuitLibraryFile>>;
}

/** A circuits/lib file as a generated circuit includes it (resolved through the `-l <repo root>` library path). */
export const LIB_INCLUDE = /^circuits\/lib\/[A-Za-z0-9_-]+\.circom$/;
/** A circomlib file as circuits include it (resolved through the `-l node_modules` library path). */
export const CIRCOMLIB_INCLUDE = /^circomlib\/circuits\/[A-Za-z0-9_-]+\.circom$/;

/** The include paths of a circuit's `include "...";` lines, in order. */
export function includesOf(code: string): string[] {
  return [...code.matchAll(/^include "([^"]*)";$/gm)].map((m) => m[1]!);
}

/**
 * The circuits/lib files `includes` reach through the library's include graph, sorted. An include
 * that is neither a file of the table nor a circomlib file is refused, naming it and its includer:
 * it would be compiled without being pinned by the digest.
 */
export function includedLibraryFiles(includes: readonly string[], library: CircuitLibrary, from = "the main circuit"): string[] {
  const reached = new Set<string>();
  const visit = (path: string, includer: string) => {
    if (CIRCOMLIB_INCLUDE.test(path) || reached.has(path)) return;
    const file = LIB_INCLUDE.test(path) ? library.files[path] : undefined;
    if (!file) {
      throw new Error(
        `${includer} includes "${path}", which is neither a circuits/lib file of the circuit library table ` +
          "(prover/circuit/library.generated.ts; `npm run generate:circuit-library` after adding one) nor a circomlib circuit; refusing to digest it",
      );
    }
    reached.add(path);
    for (const inc of file.includes) visit(inc, path);
  };
  for (const inc of includes) visit(inc, from);
  return [...reached].sort();
}

/**
 * The library digest of a circuit that includes `includes`: keccak-256 over the circom2 and circomlib
 * versions and the sorted (path, content digest) pairs of the circuits/lib files it reaches.
 */
export function includedLibraryDigest(includes: readonly string[], library: CircuitLibrary): `0x${string}` {
  const parts = [`circom2 ${library.circom2}`, `circomlib ${library.circomlib}`];
  for (const path of includedLibraryFiles(includes, library)) parts.push(`${path} ${library.files[path]!.digest}`);
  return keccak256(stringToBytes(parts.join("\n")));
}
