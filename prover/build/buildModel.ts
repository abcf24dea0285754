/**
 * The build pipeline for one model: spec -> IR -> circuit -> r1cs/wasm -> ptau -> zkey/vkey ->
 * Solidity verifier. Every step is cached by the content hash of its inputs (./cache.ts), so a
 * second run only checks hashes.
 */
import { claimBuild } from "./buildSource.js";
import { mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, relative, sep } from "node:path";
import { publicSignalCount } from "../abi/publicSignals.js";
import { INSTALLED_PACKAGE, REPO_ROOT, artifactPath, ownSourceFile, snarkjsVerifierContractName, verifierContractName } from "../artifacts/paths.js";
import { compileCircuit, type CircuitInfo } from "../circuit/compile.js";
import { lowerModel, publicInputCount, publicOutputCount, type ModelIR } from "../model/ir.js";
import { renderModel } from "../circuit/commitment.js";
import { circuitRecordHashes, type CircuitRecord } from "../artifacts/circuitRecord.js";
import { readModelSpec } from "../model/spec.js";
import { proofSystemOf, type ProofSystem } from "../model/specSchema.js";
import { readSetupRecord, writeSetupRecord } from "../setup/setupRecord.js";
import { plonkGateCount, setupUniversal, universalPtauPower, type SetupUniversalReturnType } from "../setup/universal.js";
import { groth16BatchVerifierSource, type Groth16VerificationKey } from "../setup/groth16Batch.js";
import { groth16CompactVerifierSource } from "../setup/groth16Compact.js";
import { fflonkSignalLimitError, fflonkVerifierSource, type FflonkVerificationKey } from "../setup/fflonkVerifier.js";
import { SNARKJS_VERSION, exportSolidityVerifier, setupGroth16, sha256File, type SetupGroth16ReturnType } from "../setup/groth16.js";
import { currentCeremonySetup, type CeremonySetupInfo } from "../setup/ceremony.js";
import { requiredPtauPower, resolvePtau, type ResolvePtauReturnType } from "../setup/ptau.js";
import { cachedStep, contentHash } from "./cache.js";
import { timed, type Log } from "./progress.js";
import { ZkinferError } from "../errors.js";

const require = createRequire(import.meta.url);
const CIRCOM2_VERSION: string = JSON.parse(readFileSync(require.resolve("circom2/package.json"), "utf8")).version;
const CIRCOMLIB_VERSION: string = JSON.parse(readFileSync(require.resolve("circomlib/package.json"), "utf8")).version;

export interface BuildModelParameters {
  /** Path of the model spec JSON. */
  specPath: string;
  /** A ptau file to use instead of a development one (default $ZKINFER_PTAU). */
  ptau?: string;
  log?: Log;
}

export interface BuiltModel {
  name: string;
  version: string;
  ir: ModelIR;
  modelCommitment: bigint;
  numOutputs: number;
  numPublicSignals: number;
  /** The circuit verifies an attestation (docs/ATTESTATION.md); register it with registerAttestedModel. */
  attested: boolean;
  /** The spec's proof system (default groth16): which keys, prover and verifier contract the build made. */
  proofSystem: ProofSystem;
  circuit: CircuitInfo;
  ptau: ResolvePtauReturnType;
  /** A development setup (one local contributor) or the installed ceremony's record. */
  setup: ({ setup: "development" } & SetupGroth16ReturnType) | CeremonySetupInfo | ({ setup: "universal" } & SetupUniversalReturnType);
  verifierContract: string;
}

/**
 * @example
 * const model = await buildModel({ specPath: bundledSpecPath("credit-score"), log: console.log });
 */
export async function buildModel({ specPath, ptau, log = () => {} }: BuildModelParameters): Promise<BuiltModel> {
  const spec = readModelSpec(specPath);
  const name = spec.name;
  const dir = artifactPath(name, "dir");
  mkdirSync(dir, { recursive: true });
  claimBuild(name, specPath);

  const ir = lowerModel(spec);
  // Lowered and rendered once, here: later steps read the record below (prover/artifacts/circuitRecord.ts).
  const { source, circuitDigest, modelCommitment: commitment } = await renderModel(ir);
  writeFileSync(artifactPath(name, "ir"), JSON.stringify(ir, (_k, v) => (typeof v === "bigint" ? v.toString() : v), 2));

  const circuit = await compileStep({ name, source, log });
  const record: CircuitRecord & typeof circuit = {
    ...circuit,
    modelCommitment: commitment.toString(),
    circuitDigest: circuitDigest.toString(),
    sha256: circuitRecordHashes(name, specPath),
  };
  writeFileSync(artifactPath(name, "circuitInfo"), JSON.stringify(record, null, 2));
  log(`    ${circuit.nonLinearConstraints} non-linear + ${circuit.linearConstraints} linear constraints, ${circuit.wires} wires`);

  const attested = ir.attestation !== undefined;
  const numPublicSignals = publicSignalCount(publicOutputCount(ir), { attested, publicInputs: publicInputCount(ir) });
  const system = proofSystemOf(spec);
  const { setup, phase1, contract } = await buildKeysAndVerifier({ name, circuit, numPublicSignals, system, ptau, log });

  return {
    name,
    version: spec.version,
    ir,
    modelCommitment: commitment,
    numOutputs: publicOutputCount(ir),
    numPublicSignals,
    attested,
    proofSystem: system,
    circuit,
    ptau: phase1,
    setup,
    verifierContract: contract,
  };
}

/**
 * Writes a main circuit's source to artifactPath(name, "circuit") and compiles it (cached by the source,
 * the circuits/lib files and the circom and circomlib versions). Shared by model and bounty builds.
 */
export async function compileStep({ name, source, log = () => {} }: { name: string; source: string; log?: Log }): Promise<CircuitInfo> {
  const circuitFile = artifactPath(name, "circuit");
  mkdirSync(artifactPath(name, "dir"), { recursive: true });
  writeIfChanged(circuitFile, source);

  const libDir = join(REPO_ROOT, "circuits", "lib");
  const libFiles = readdirSync(libDir).sort().map((f) => ({ file: join(libDir, f) }));
  const compiled = await timed(log, `compile ${name} circuit (circom2 ${CIRCOM2_VERSION})`, () =>
    cachedStep({
      stampDir: artifactPath(name, "stampDir"),
      step: "compile",
      hash: contentHash([source, ...libFiles, CIRCOM2_VERSION, CIRCOMLIB_VERSION]),
      outputs: [artifactPath(name, "r1cs"), artifactPath(name, "wasm"), artifactPath(name, "sym")],
      run: () => compileCircuit({ source: circuitFile, outDir: artifactPath(name, "dir") }),
    }), (r) => r.cached);
  return compiled.result;
}

export interface BuildKeysAndVerifierParameters {
  /** The build's name: artifactPath(name, ...) holds its r1cs and receives its keys and verifier. */
  name: string;
  circuit: CircuitInfo;
  numPublicSignals: number;
  /** Default groth16. PLONK and FFLONK keys derive from the ptau alone (no circuit ceremony, no batch verifier). */
  system?: ProofSystem;
  ptau?: string;
  log?: Log;
  /**
   * Groth16 only, default false: generate the compact verifier (prover/setup/groth16Compact.ts: the IC
   * points in a table, the MSM in a loop, no batch check) instead of snarkjs's behind the adapter. For
   * aggregated keys: snarkjs's unrolled verifier passes the 24,576-byte contract size limit at about 110
   * public signals, and aggregated proofs are not batched.
   */
  compact?: boolean;
  /**
   * Groth16: use a ptau of at least this power (default: the circuit's own). Segmented models
   * (prover/segment/build.ts) make every segment's key from ONE ptau, so that the keys share alpha and beta.
   */
  minPtauPower?: number;
}

/**
 * The steps after the circuit compile, shared by model and bounty builds: the powers of tau, the
 * Groth16 setup (or the installed ceremony's keys, or a PLONK/FFLONK setup) and the Solidity verifier
 * behind the adapter.
 */
export async function buildKeysAndVerifier({
  name,
  circuit,
  numPublicSignals,
  system = "groth16",
  ptau,
  log = () => {},
  compact = false,
  minPtauPower = 0,
}: BuildKeysAndVerifierParameters): Promise<{ setup: BuiltModel["setup"]; phase1: ResolvePtauReturnType; contract: string }> {
  const stampDir = artifactPath(name, "stampDir");
  const isCached = (r: { cached: boolean }) => r.cached;
  // Before the setup: a verifier that could never be deployed is refused with the reason.
  const fflonkLimit = system === "fflonk" ? fflonkSignalLimitError(name, numPublicSignals) : undefined;
  if (fflonkLimit) throw new ZkinferError(fflonkLimit);
  const power =
    system === "groth16"
      ? Math.max(minPtauPower, requiredPtauPower(circuit.nonLinearConstraints + circuit.linearConstraints, numPublicSignals))
      : universalPtauPower(system, await plonkGateCount(artifactPath(name, "r1cs")));
  // A finalized ceremony installed for this exact circuit (`zkinfer ceremony finalize`) replaces the
  // development setup; if the circuit changed since, its keys no longer fit and a development setup is made.
  let setup: BuiltModel["setup"];
  let phase1: ResolvePtauReturnType;
  // Only Groth16 has a circuit-specific ceremony; PLONK and FFLONK keys derive from the ptau alone.
  const ceremony = system === "groth16" ? currentCeremonySetup(name) : undefined;
  if (system !== "groth16") {
    phase1 = await timed(log, `powers of tau (2^${power}, ${system})`, () => resolvePtau({ power, ptau, log }));
    const universal = await timed(log, `${system} setup (zkey, vkey)`, () =>
      cachedStep({
        stampDir,
        step: "setup",
        hash: contentHash([{ file: artifactPath(name, "r1cs") }, { file: phase1.path }, SNARKJS_VERSION, system]),
        outputs: [artifactPath(name, "zkey"), artifactPath(name, "vkey")],
        run: () => setupUniversal({ system, r1cs: artifactPath(name, "r1cs"), ptau: phase1.path, zkeyFinal: artifactPath(name, "zkey"), vkey: artifactPath(name, "vkey"), log }),
      }), isCached);
    setup = { setup: "universal", ...universal.result };
    writeSetupRecord(name, { ...setup, ptau: phase1 });
  } else if (ceremony) {
    log(`    groth16 setup: ceremony (${ceremony.contributions} contributions, transcript ${ceremony.transcript})`);
    setup = ceremony;
    phase1 = ceremony.ptau;
  } else {
    if (readSetupKind(name) === "ceremony") log(`    the circuit changed since its ceremony: making a DEVELOPMENT setup; run a new ceremony before deploying`);
    phase1 = await timed(log, `powers of tau (2^${power})`, () => resolvePtau({ power, ptau, log }));
    const dev = await timed(log, "groth16 setup (zkey, contribution, beacon, vkey)", () =>
      cachedStep({
        stampDir,
        step: "setup",
        hash: contentHash([{ file: artifactPath(name, "r1cs") }, { file: phase1.path }, SNARKJS_VERSION, system]),
        outputs: [artifactPath(name, "zkey"), artifactPath(name, "vkey")],
        run: () =>
          setupGroth16({
            r1cs: artifactPath(name, "r1cs"),
            ptau: phase1.path,
            zkeyInitial: artifactPath(name, "zkeyInitial"),
            zkeyContributed: artifactPath(name, "zkeyContributed"),
            zkeyFinal: artifactPath(name, "zkey"),
            vkey: artifactPath(name, "vkey"),
            log,
          }),
      }), isCached);
    setup = { setup: "development", ...dev.result };
    writeSetupRecord(name, { ...setup, ptau: phase1 });
  }

  const contract = verifierContractName(name);
  await timed(log, `solidity verifier ${contract}`, () =>
    cachedStep({
      stampDir,
      step: "verifier",
      hash: contentHash([
        { file: artifactPath(name, "zkey") },
        { file: ownSourceFile("prover/setup/groth16Batch") },
        { file: ownSourceFile("prover/setup/fflonkVerifier") },
        SNARKJS_VERSION,
        String(numPublicSignals),
        system,
        "adapter-v5",
        ...(compact ? [{ file: ownSourceFile("prover/setup/groth16Compact") }, "compact"] : []),
      ]),
      outputs: [
        ...(system === "fflonk" || compact ? [] : [artifactPath(name, "snarkjsVerifier")]),
        ...(system === "groth16" && !compact ? [artifactPath(name, "batchVerifier")] : []),
        artifactPath(name, "verifierContract"),
      ],
      run: async () => {
        const file = artifactPath(name, "snarkjsVerifier");
        mkdirSync(dirname(file), { recursive: true });
        // Files of an earlier build of this model (another proof system, or the old Groth16Verifier.sol name).
        rmSync(join(dirname(file), "Groth16Verifier.sol"), { force: true });
        rmSync(artifactPath(name, "batchVerifier"), { force: true });
        if (system === "groth16" && compact) {
          rmSync(file, { force: true });
          const verifierFile = artifactPath(name, "verifierContract");
          writeFileSync(
            verifierFile,
            groth16CompactVerifierSource({
              vkey: JSON.parse(readFileSync(artifactPath(name, "vkey"), "utf8")) as Groth16VerificationKey,
              contractName: contract,
              interfaceImport: importPath(verifierFile, join(REPO_ROOT, "contracts", "interfaces", "IInferenceVerifier.sol")),
              provenance: `${name}, zkey sha256 ${sha256File(artifactPath(name, "zkey"))}`,
            }),
          );
          return contract;
        }
        if (system === "fflonk") {
          // Our own verifier, generated from the key alone (no snarkjs template, no adapter): see
          // prover/setup/fflonkVerifier.ts for why it is snarkjs's check at a fraction of the gas.
          rmSync(file, { force: true });
          const verifierFile = artifactPath(name, "verifierContract");
          writeFileSync(
            verifierFile,
            fflonkVerifierSource({
              vkey: JSON.parse(readFileSync(artifactPath(name, "vkey"), "utf8")) as FflonkVerificationKey,
              contractName: contract,
              interfaceImport: importPath(verifierFile, join(REPO_ROOT, "contracts", "interfaces", "IInferenceVerifier.sol")),
              provenance: `model ${name}, zkey sha256 ${sha256File(artifactPath(name, "zkey"))}`,
            }),
          );
          return contract;
        }
        writeFileSync(file, await exportSolidityVerifier(artifactPath(name, "zkey")));
        if (system !== "groth16") {
          writeFileSync(artifactPath(name, "verifierContract"), plonkFamilyAdapterSource(name, system, numPublicSignals, sha256File(artifactPath(name, "zkey"))));
          return contract;
        }
        const vkey = JSON.parse(readFileSync(artifactPath(name, "vkey"), "utf8")) as Groth16VerificationKey;
        const batchFile = artifactPath(name, "batchVerifier");
        writeFileSync(batchFile, groth16BatchVerifierSource({
          vkey,
          interfaceImport: importPath(batchFile, join(REPO_ROOT, "contracts", "interfaces", "IBatchInferenceVerifier.sol")),
          provenance: `model ${name} (zkey sha256 ${sha256File(artifactPath(name, "zkey"))})`,
        }));
        writeFileSync(artifactPath(name, "verifierContract"), adapterSource(name, numPublicSignals, sha256File(artifactPath(name, "zkey"))));
        return contract;
      },
    }), isCached);

  return { setup, phase1, contract };
}


/**
 * The per-model contract: snarkjs's verifier behind the IInferenceVerifier adapter. `verify` tail-calls
 * snarkjs's `verifyProof` internally (see contracts/verifiers/Groth16VerifierAdapter.sol for why that is
 * sound); the `uint256[N]` cast is the only per-model part.
 */
function adapterSource(model: string, numPublicSignals: number, zkeySha256: string): string {
  const file = artifactPath(model, "verifierContract");
  const adapter = importPath(file, join(REPO_ROOT, "contracts", "verifiers", "Groth16VerifierAdapter.sol"));
  return `// SPDX-License-Identifier: MIT
// AUTO-GENERATED by zkinfer (prover/build/buildModel.ts) for model ${model}; zkey sha256 ${zkeySha256}.
// Never edit: regenerate with \`npm run build:models\`.
pragma solidity ^0.8.28;

import {Groth16Verifier} from "./SnarkjsVerifier.sol";
import {Groth16VerifierAdapter} from "${adapter}";
import {Groth16BatchVerifier} from "./Groth16BatchVerifier.sol";

/// @notice Groth16 verifier of model \`${model}\` (${numPublicSignals} public signals) behind IInferenceVerifier,
/// with the batch check generated from the same key (IBatchInferenceVerifier).
contract ${verifierContractName(model)} is Groth16Verifier, Groth16VerifierAdapter(${numPublicSignals}), Groth16BatchVerifier {
    /// @dev See {IInferenceVerifier-verify}: a tail call into snarkjs's verifyProof, whose return word is this one's.
    function verify(bytes calldata proof, uint256[] calldata publicSignals) external view returns (bool) {
        (uint256[2] calldata a, uint256[2][2] calldata b, uint256[2] calldata c) = _groth16Proof(proof, publicSignals);
        uint256[${numPublicSignals}] calldata signals;
        assembly ("memory-safe") {
            signals := publicSignals.offset
        }
        return verifyProof(a, b, c, signals);
    }
}
`;
}

/**
 * The per-model contract of a PLONK model: snarkjs's verifier behind the IInferenceVerifier
 * adapter, which re-encodes the call for the template's fixed calldata layout (see
 * contracts/verifiers/PlonkFamilyVerifierAdapter.sol). No batch check: batching is Groth16's. FFLONK models get
 * their own generated verifier instead (prover/setup/fflonkVerifier.ts).
 */
function plonkFamilyAdapterSource(model: string, system: "plonk", numPublicSignals: number, zkeySha256: string): string {
  const file = artifactPath(model, "verifierContract");
  const adapter = importPath(file, join(REPO_ROOT, "contracts", "verifiers", "PlonkFamilyVerifierAdapter.sol"));
  const base = snarkjsVerifierContractName(system);
  return `// SPDX-License-Identifier: MIT
// AUTO-GENERATED by zkinfer (prover/build/buildModel.ts) for model ${model}; zkey sha256 ${zkeySha256}.
// Never edit: regenerate with \`npm run build:models\`.
pragma solidity ^0.8.28;

import {${base}} from "./SnarkjsVerifier.sol";
import {PlonkFamilyVerifierAdapter} from "${adapter}";

/// @notice ${system.toUpperCase()} verifier of model \`${model}\` (${numPublicSignals} public signals) behind IInferenceVerifier.
contract ${verifierContractName(model)} is ${base}, PlonkFamilyVerifierAdapter(${numPublicSignals}) {
    /// @dev See {IInferenceVerifier-verify}: snarkjs's verifyProof, called in the calldata layout it reads.
    function verify(bytes calldata proof, uint256[] calldata publicSignals) external view returns (bool) {
        return _verifyBySelfCall(${base}.verifyProof.selector, proof, publicSignals);
    }
}
`;
}

/**
 * An import path from the file `from` to zkinfer's contract `to`. In this repository a relative path
 * (always starting with . so solc resolves it relatively). From an installed package, the package
 * import `zkinfer/contracts/...`: the build lies in the user's project, and Hardhat 3 refuses a file
 * path into node_modules (HHE902); compileContract resolves the package import as Node does.
 */
function importPath(from: string, to: string): string {
  if (INSTALLED_PACKAGE) return `zkinfer/${relative(REPO_ROOT, to).split(sep).join("/")}`;
  const rel = relative(dirname(from), to);
  return rel.startsWith(".") ? rel : `./${rel}`;
}

/** "development" or "ceremony", as the model's setup.json records it (undefined before a first build). */
export function readSetupKind(model: string): string | undefined {
  const record = readSetupRecord(model);
  return record === undefined ? undefined : (record.setup ?? "development");
}

function writeIfChanged(path: string, text: string): void {
  let old: string | undefined;
  try {
    old = readFileSync(path, "utf8");
  } catch {
    old = undefined;
  }
  if (old !== text) writeFileSync(path, text);
}
