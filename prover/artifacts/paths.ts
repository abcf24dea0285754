/**
 * The one place that knows where artifacts live. Everything generated goes under the build root
 * (default <repo>/build in a clone, ./build where zkinfer is an installed package, outside git;
 * override with ZKINFER_BUILD_DIR, which the CLI sets from zkinfer.config.json's buildDir).
 * Development ptau files are shared by every checkout, so they are cached outside the source tree
 * (default ~/.cache/zkinfer/ptau; override with ZKINFER_CACHE_DIR).
 */
import { existsSync } from "node:fs";
import { homedir } from "node:os";
import { basename, dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { pascalName } from "./names.js";

/**
 * The package's root: the clone, or node_modules/zkinfer once installed. This file runs from
 * <root>/prover/artifacts (sources, through tsx) or <root>/dist/prover/artifacts (the compiled package).
 */
export const REPO_ROOT = packageRoot(resolve(fileURLToPath(new URL("../..", import.meta.url))));

function packageRoot(twoUp: string): string {
  return basename(twoUp) === "dist" ? resolve(twoUp, "..") : twoUp;
}

/**
 * Whether this is the installed package (compiled JS, no TypeScript sources) rather than a clone.
 * An installed package never writes into itself: its build root is the user's working directory.
 */
export const INSTALLED_PACKAGE = !existsSync(join(REPO_ROOT, "prover", "artifacts", "paths.ts"));

export type ArtifactKind =
  | "dir"
  | "stampDir"
  | "ir"
  | "circuit"
  | "r1cs"
  | "wasm"
  | "sym"
  | "circuitInfo"
  | "zkeyInitial"
  | "zkeyContributed"
  | "zkey"
  | "vkey"
  | "setupInfo"
  | "snarkjsVerifier"
  | "batchVerifier"
  | "verifierContract";

export function buildRoot(): string {
  return resolve(process.env.ZKINFER_BUILD_DIR ?? (INSTALLED_PACKAGE ? "build" : join(REPO_ROOT, "build")));
}

/**
 * A file of zkinfer's own sources that a build step hashes (a generator whose change must rebuild its
 * outputs): the .ts in a clone, the compiled .js in the installed package. `rel` is from the root, without extension.
 */
export function ownSourceFile(rel: string): string {
  const ts = join(REPO_ROOT, `${rel}.ts`);
  return existsSync(ts) ? ts : join(REPO_ROOT, "dist", `${rel}.js`);
}

/**
 * Hardhat artifacts of zkinfer's own contracts (InferenceHub, the bundled consumers): Hardhat's output
 * in a clone, the copy `npm run build:package` puts in dist/ in the installed package.
 */
export function ownContractArtifactsDir(): string {
  return INSTALLED_PACKAGE ? join(REPO_ROOT, "dist", "artifacts", "contracts") : join(REPO_ROOT, "artifacts", "contracts");
}

/** circom names its outputs after the main file; model names are kebab-case, circom wants _. */
export function circuitBaseName(model: string): string {
  return model.replace(/-/g, "_");
}

export { pascalName };

/** The contract snarkjs's template declares for a proof system ("plonk" -> PlonkVerifier). */
export function snarkjsVerifierContractName(system: "groth16" | "plonk" | "fflonk"): string {
  return `${system.charAt(0).toUpperCase()}${system.slice(1)}Verifier`;
}

/** Solidity contract name of a model's verifier (the snarkjs verifier + IInferenceVerifier adapter). */
export function verifierContractName(model: string): string {
  return `${pascalName(model)}Verifier`;
}

/** Where the generated Solidity verifiers of every model live (a Hardhat sources folder). */
export function generatedContractsDir(): string {
  return join(buildRoot(), "contracts");
}

export function artifactPath(model: string, kind: ArtifactKind): string {
  const dir = join(buildRoot(), "models", model);
  const base = circuitBaseName(model);
  const contracts = join(generatedContractsDir(), model);
  switch (kind) {
    case "dir":
      return dir;
    case "stampDir":
      return join(dir, ".stamps");
    case "ir":
      return join(dir, "model.ir.json");
    case "circuit":
      return join(dir, `${base}.circom`);
    case "r1cs":
      return join(dir, `${base}.r1cs`);
    case "wasm":
      return join(dir, `${base}_js`, `${base}.wasm`);
    case "sym":
      return join(dir, `${base}.sym`);
    case "circuitInfo":
      return join(dir, "circuit.json");
    case "zkeyInitial":
      return join(dir, `${base}_0000.zkey`);
    case "zkeyContributed":
      return join(dir, `${base}_0001.zkey`);
    case "zkey":
      return join(dir, `${base}_final.zkey`);
    case "vkey":
      return join(dir, "verification_key.json");
    case "setupInfo":
      return join(dir, "setup.json");
    case "snarkjsVerifier":
      // snarkjs's verifier of the model's proof system (contract Groth16Verifier, PlonkVerifier or FflonkVerifier).
      return join(contracts, "SnarkjsVerifier.sol");
    case "batchVerifier":
      return join(contracts, "Groth16BatchVerifier.sol");
    case "verifierContract":
      return join(contracts, `${verifierContractName(model)}.sol`);
    default:
      return kind satisfies never;
  }
}

export function ptauCacheDir(): string {
  return resolve(process.env.ZKINFER_CACHE_DIR ?? join(homedir(), ".cache", "zkinfer"), "ptau");
}

/** A development-only ptau made locally (see prover/setup/ptau.ts). */
export function devPtauPath(power: number): string {
  return join(ptauCacheDir(), `zkinfer_dev_bn128_${power}.ptau`);
}

/** Files of a phase-2 setup ceremony, all in one folder that travels between contributors (prover/setup/ceremony.ts). */
export type CeremonyFileKind = "transcript" | "zkey" | "finalZkey" | "vkey";

/** `index` is the contribution number for "zkey" (0 = the initial key made by `ceremony init`). */
export function ceremonyPath(dir: string, kind: CeremonyFileKind, index = 0): string {
  switch (kind) {
    case "transcript":
      return join(dir, "transcript.json");
    case "zkey":
      return join(dir, `circuit_${String(index).padStart(4, "0")}.zkey`);
    case "finalZkey":
      return join(dir, "circuit_final.zkey");
    case "vkey":
      return join(dir, "verification_key.json");
    default:
      return kind satisfies never;
  }
}

/** A chain's deployment manifest written by `zkinfer deploy`, meant to be committed: <dir>/<chainId>.json. */
export function chainManifestPath(dir: string, chainId: number): string {
  return join(dir, `${chainId}.json`);
}

/** Ignition's journal of a `zkinfer deploy` run (lets an interrupted deployment resume). */
export function ignitionDeploymentDir(dir: string, chainId: number, deploymentId: string): string {
  return join(dir, ".ignition", String(chainId), deploymentId);
}

/** Bundled model specs shipped with the repository. */
export function bundledSpecPath(model: string): string {
  return join(REPO_ROOT, "models", model, "spec.json");
}

/** Where the demo writes its deployment manifest. */
export function deploymentManifestPath(network: string): string {
  return join(buildRoot(), "deployments", `${network}.json`);
}

/**
 * The Hardhat artifact (ABI, bytecode) of a hand-written contract, e.g. ("consumers/SignalFeed.sol",
 * "SignalFeed"). Hardhat writes them on compile (`npx hardhat compile`; `npm test` and the demos do).
 */
export function contractArtifactPath(sourceFile: string, contractName: string): string {
  return join(REPO_ROOT, "artifacts", "contracts", sourceFile, `${contractName}.json`);
}

/**
 * A path as a record file (setup.json, a ceremony's transcript.json) stores it: relative to the
 * record's own folder, so the folder can be moved or published and read by someone else.
 */
export function recordedPath(recordFile: string, path: string): string {
  return relative(dirname(resolve(recordFile)), resolve(path)) || ".";
}

/** A path read from a record file, resolved against the record's folder (an absolute one, as older records hold, stays). */
export function resolveRecordedPath(recordFile: string, recorded: string): string {
  return resolve(dirname(resolve(recordFile)), recorded);
}
