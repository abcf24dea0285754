/**
 * Deploying and checking a segmented model (docs/SEGMENTS.md, "Deploying"): what `zkinfer deploy` and
 * `zkinfer verify-deployment` need of a build made by `zkinfer segments build`.
 *
 * The local build is checked before anything is sent or compared: the segments record is the plan the
 * spec gives now, every segment's circuit is the text the plan renders (digest and commitment
 * included), every vkey is the one its final zkey holds, and the generated SegmentedVerifier is the
 * text the K keys give in order. A build that fails any of these is stale: `zkinfer segments build`.
 *
 * On chain, a segmented model is registered like any other (`registerModel`, the registry's timelock
 * and code-hash pin unchanged): its verifier is the SegmentedVerifier, its commitment the one that
 * covers every segment's circuit and their order.
 */
import { existsSync, readFileSync } from "node:fs";
import * as snarkjs from "snarkjs";
import { getAddress, type Address, type Hex, type PublicClient } from "viem";
import { artifactPath, verifierContractName } from "../artifacts/paths.js";
import { ZkinferError } from "../errors.js";
import { lowerModel, publicOutputCount } from "../model/ir.js";
import { readModelSpec } from "../model/spec.js";
import { readSegmentRecord, segmentRecordPath, type SegmentRecord } from "../segment/build.js";
import { renderSegments, segmentArtifactName, segmentedArtifactName, segmentKeyOwners } from "../segment/circuit.js";
import { distinctKeys, keyContractCode, SEGMENT_PROOF_BYTES, segmentedVerifierSource, segmentKeysHash, type KeyStorage } from "../segment/verifier.js";
import { g2, type Groth16VerificationKey } from "../setup/groth16Batch.js";
import { sha256File } from "../setup/groth16.js";
import { readSetupRecord as readSetupFile, type SetupRecord } from "../setup/setupRecord.js";
import { inferenceVerifierAbi } from "./abi.js";
import { compareRuntimeCode, compileModelVerifier, type CompiledContract, type RuntimeComparison } from "./compileVerifier.js";
import { decodeRevert } from "./revert.js";

/** One segment's key as the deployment records it. */
export interface SegmentKeyRecord {
  index: number;
  /** The artifact holding its circuit and key (`<model>-segment-<j>-of-<K>`: j = i, or the first segment of the same circuit, whose key it shares). */
  name: string;
  /** Its key among the distinct keys, in order of first use (segments of one circuit share one). */
  key: number;
  /** The segment circuit's digest, which the model commitment covers. */
  circuitDigest: string;
  /** keccak256 of the key's constants (alpha, beta, gamma, delta, IC), as the verifier embeds them. */
  keyDigest: Hex;
  /** sha256 of the final zkey the key was exported from. */
  zkeySha256: string;
}

/** What a segmented deployment is: the manifest's `segmented` field. */
export interface SegmentedDeploymentRecord {
  k: number;
  /** Where the verifier holds the keys: in its code, or each distinct key in a data contract (prover/segment/verifier.ts). */
  keyStorage: KeyStorage;
  /** With keyStorage "contracts": each distinct key's data contract, in key order (set once deployed). */
  keyContracts?: Address[];
  /** keccak256 of every key's constants in order: the verifier's seed domain (prover/segment/verifier.ts). */
  keysHash: Hex;
  segments: SegmentKeyRecord[];
}

/** A segmented build, checked (./deployModel.ts's segmentedDeploymentSpec makes it a ModelDeploymentSpec). */
export interface SegmentedBuild {
  name: string;
  version: string;
  verifierContract: string;
  /** The commitment over every segment's circuit, in order, rendered again from the spec. */
  modelCommitment: bigint;
  numOutputs: number;
  /** Of the whole inference (the last segment's signals). */
  numPublicSignals: number;
  segmented: SegmentedDeploymentRecord;
  /** Each segment's setup.json, in order. */
  setups: SetupRecord[];
  /** The K verification keys, in order. */
  vkeys: Groth16VerificationKey[];
  keyStorage: KeyStorage;
}

/**
 * Whether `zkinfer deploy`/`verify-deployment` take the model's segmented build: when asked (`--segmented`),
 * or when the model has a segments record and no single build (a model over the single-proof limit).
 */
export function usesSegmentedBuild(model: string, requested: boolean): boolean {
  if (requested) return true;
  return !existsSync(artifactPath(model, "vkey")) && existsSync(segmentRecordPath(model));
}

/**
 * The segmented build of `specPath`'s model, checked against the spec (see the module comment), as
 * deploy and verify-deployment use it. Throws naming what is stale.
 *
 * @example
 * const model = await readSegmentedBuild("models/big.json");
 * console.log(model.segmented.k, model.modelCommitment);
 */
export async function readSegmentedBuild(specPath: string): Promise<SegmentedBuild> {
  const spec = readModelSpec(specPath);
  const ir = lowerModel(spec);
  const record = readSegmentRecord(spec.name);
  const stale = (what: string): never => {
    throw new ZkinferError(`the segmented build of ${spec.name} is stale: ${what}; run \`zkinfer segments build ${specPath}\``);
  };
  if (record.model !== spec.name) stale(`${segmentRecordPath(spec.name)} is model ${record.model}'s`);
  const k = record.plan.segments.length;
  if (record.segments.length !== k) stale(`the record lists ${record.segments.length} segments for a plan of ${k}`);
  // The commitment over every segment's circuit, in order, rendered again from the spec and the recorded plan.
  const rendered = await renderSegments(ir, record.plan).catch((e: Error) => stale(`its recorded plan does not fit the spec (${e.message})`));
  if (String(rendered.modelCommitment) !== record.modelCommitment)
    stale(`the spec and the recorded plan give commitment ${rendered.modelCommitment}, the build recorded ${record.modelCommitment}`);
  // Segments of one circuit (one digest) share the first one's circuit, key and setup.
  const owners = segmentKeyOwners(rendered.digests);
  const distinct = [...new Set(owners)];
  const keys = new Map<number, { setup: SetupRecord; vkey: Groth16VerificationKey; zkeySha256: string }>();
  for (const o of distinct) keys.set(o, await checkedSegmentKey(segmentArtifactName(spec.name, o, k), o, rendered.sources[o]!, stale));
  const vkeys = owners.map((o) => keys.get(o)!.vkey);
  const setups = owners.map((o) => keys.get(o)!.setup);
  const segments: SegmentKeyRecord[] = owners.map((o, i) => {
    const name = segmentArtifactName(spec.name, o, k);
    const recorded = record.segments[i]!;
    if (recorded.name !== name) stale(`segment ${i} is recorded as ${recorded.name}, expected ${name}`);
    if (recorded.key !== distinct.indexOf(o)) stale(`segment ${i} is recorded with key ${recorded.key}, expected ${distinct.indexOf(o)}`);
    if (recorded.digest !== String(rendered.digests[i])) stale(`segment ${i}'s recorded circuit digest is not the rendered circuit's`);
    const { vkey, zkeySha256 } = keys.get(o)!;
    return { index: i, name, key: distinct.indexOf(o), circuitDigest: String(rendered.digests[i]), keyDigest: segmentKeysHash([vkey]) as Hex, zkeySha256 };
  });
  const contractName = verifierContractName(segmentedArtifactName(spec.name));
  if (record.verifierContract !== contractName) stale(`the record names verifier ${record.verifierContract}, expected ${contractName}`);
  return {
    name: spec.name,
    version: spec.version,
    verifierContract: contractName,
    modelCommitment: rendered.modelCommitment,
    numOutputs: publicOutputCount(ir),
    numPublicSignals: vkeys[k - 1]!.nPublic,
    segmented: { k, keyStorage: record.keyStorage ?? "inline", keysHash: segmentKeysHash(vkeys) as Hex, segments },
    setups,
    vkeys,
    keyStorage: record.keyStorage ?? "inline",
  };
}

/**
 * The circuit, setup and key of segment `i`'s build `name` (its own, or the first segment of the same
 * circuit's), checked: the circuit file is the rendered text, the zkey the one setup.json records, the
 * vkey the one the zkey holds (exported again).
 */
async function checkedSegmentKey(
  name: string,
  i: number,
  source: string,
  stale: (what: string) => never,
): Promise<{ setup: SetupRecord; vkey: Groth16VerificationKey; zkeySha256: string }> {
  const circuit = artifactPath(name, "circuit");
  if (!existsSync(circuit) || readFileSync(circuit, "utf8") !== source) stale(`segment ${i}'s circuit ${circuit} is not the rendered one`);
  const setup = readSetupFile(name);
  const zkey = artifactPath(name, "zkey");
  if (!setup || !existsSync(zkey)) stale(`segment ${i} has no keys (${zkey})`);
  const zkeySha256 = sha256File(zkey);
  if (zkeySha256 !== setup!.zkeySha256) stale(`segment ${i}'s zkey is not the one its setup.json records`);
  const vkey = JSON.parse(readFileSync(artifactPath(name, "vkey"), "utf8")) as Groth16VerificationKey;
  const exported = (await snarkjs.zKey.exportVerificationKey(zkey)) as unknown as Groth16VerificationKey;
  if (segmentKeysHash([vkey]) !== segmentKeysHash([exported])) stale(`segment ${i}'s verification key is not the one its final zkey holds`);
  return { setup: setup!, vkey: exported, zkeySha256 };
}

/**
 * The generated SegmentedVerifier, compiled, after checking that the build's file is exactly the text
 * the K keys give in order (so what is deployed, and compared, follows from the keys).
 */
export function compileSegmentedVerifier(model: SegmentedBuild, record: SegmentRecord = readSegmentRecord(model.name)): CompiledContract {
  const artifact = segmentedArtifactName(model.name);
  const file = artifactPath(artifact, "verifierContract");
  if (!existsSync(file)) throw new ZkinferError(`${file} does not exist: run \`zkinfer segments build\` for ${model.name}`);
  const text = readFileSync(file, "utf8");
  const interfaceImport = /import \{IInferenceVerifier\} from "([^"]+)";/.exec(text)?.[1];
  const again = segmentedVerifierSource({
    vkeys: model.vkeys,
    contractName: model.verifierContract,
    interfaceImport: interfaceImport ?? "",
    provenance: `${record.model}@${record.version} (model commitment ${record.modelCommitment})`,
    keyStorage: model.keyStorage,
  });
  if (interfaceImport === undefined || again !== text)
    throw new ZkinferError(`${file} is not the verifier the ${model.segmented.k} segment keys of ${model.name} give: run \`zkinfer segments build\``);
  return compileModelVerifier(artifact);
}

/**
 * The setup verdict of a segmented model: its segments' verdicts (`verdict(setup)` for each), the first
 * refused one, else the first development-grade one, else segment 0's; the reason names the segment.
 */
export function segmentedSetupVerdict<V extends { allowed: boolean; developmentOnly: boolean; reason: string }>(
  setups: readonly SetupRecord[],
  verdict: (setup: SetupRecord) => V,
): V {
  const all = setups.map(verdict);
  const at = Math.max(
    0,
    all.findIndex((v) => !v.allowed),
  );
  const worst = all.some((v) => !v.allowed)
    ? at
    : Math.max(
        0,
        all.findIndex((v) => v.developmentOnly),
      );
  const v = all[worst]!;
  return { ...v, reason: `${setups.length} segment keys; segment ${worst}'s ${v.reason}` };
}

/** The segment count a deployed SegmentedVerifier expects, from the proof length it names when given none; undefined when it names none. */
export async function deployedSegmentCount(client: PublicClient, verifier: Address): Promise<number | undefined> {
  try {
    await client.readContract({ address: verifier, abi: inferenceVerifierAbi, functionName: "verify", args: ["0x", []] });
  } catch (error) {
    const revert = decodeRevert(error);
    if (revert?.name !== "InferenceVerifierInvalidProofLength") return undefined;
    // K proofs of 256 bytes, then K - 1 boundary words.
    const expected = Number(revert.args[0]);
    const k = (expected + 32) / (SEGMENT_PROOF_BYTES + 32);
    return Number.isInteger(k) && k >= 1 ? k : undefined;
  }
  return undefined;
}

/**
 * Why deployed code is not the verifier of these keys, beyond the first differing bytes: the segment
 * count it expects, and which of the K keys its code does not hold or holds in another order (each key's
 * delta, random per setup, is a constant of the contract). A diagnosis only: the check itself is the exact comparison.
 */
export async function diagnoseSegmentedVerifier(
  client: PublicClient,
  verifier: Address,
  code: Hex,
  localRuntime: Hex,
  model: SegmentedBuild,
): Promise<string[]> {
  const notes: string[] = [];
  const k = model.segmented.k;
  const deployedK = await deployedSegmentCount(client, verifier);
  if (deployedK !== undefined && deployedK !== k) notes.push(`it verifies ${deployedK} segment${deployedK === 1 ? "" : "s"}, the build has ${k}`);
  // Each distinct key's delta (random per setup, so one key's own) as the code pushes its four words.
  const { keys, keyOf } = distinctKeys(model.vkeys);
  const segmentsOf = (j: number) => keyOf.flatMap((x, i) => (x === j ? [i] : [])).join("+");
  const deltas = keys.map((key) => g2(key.vk_delta_2).map(pushedWord));
  if (model.keyStorage === "contracts") return notes;
  const offsets = (runtime: Hex) =>
    deltas.map((words) => {
      const at = words.map((w) => runtime.toLowerCase().indexOf(w));
      return at.some((o) => o < 0) ? -1 : Math.min(...at);
    });
  const found = offsets(code);
  const missing = found.flatMap((o, i) => (o < 0 ? [i] : []));
  if (missing.length)
    notes.push(`its code does not hold the ${missing.length > 1 ? "keys of segments" : "key of segment"} ${missing.map(segmentsOf).join(", ")}`);
  else {
    // Where the honest compile puts key i, the deployed code holds key rank[i].
    const rank = (xs: number[]) => xs.map((_, i) => i).sort((a, b) => xs[a]! - xs[b]!);
    const want = rank(offsets(localRuntime));
    const got = rank(found);
    const order = want.map((_, j) => got[want.indexOf(j)]!);
    if (got.join() !== want.join()) notes.push(`it holds the ${keys.length} keys in another order (${order.join(", ")})`);
  }
  return notes;
}

/**
 * The key data contracts a deployed verifier names: the address in each `_KEY_CONTRACT<j>` immutable
 * of its code, at the places the local compile says (solc numbers the immutables in declaration order,
 * so key j's is the j-th id); undefined when the code is too short to hold them, or a key's places disagree.
 */
export function keyContractAddresses(code: Hex, compiled: CompiledContract, keys: number): Address[] | undefined {
  const ids = Object.keys(compiled.immutableReferences).sort((a, b) => Number(a) - Number(b));
  if (ids.length !== keys) throw new ZkinferError(`the compiled ${compiled.contractName} has ${ids.length} immutables for ${keys} key contracts`);
  const hex = code.slice(2);
  const out: Address[] = [];
  for (const id of ids) {
    const words = compiled.immutableReferences[id]!.map(({ start, length }) => hex.slice(2 * start, 2 * (start + length)));
    if (words.some((w) => w.length !== 64 || w !== words[0])) return undefined;
    out.push(getAddress(`0x${words[0]!.slice(24)}`));
  }
  return out;
}

/** `runtime` with key j's immutable written as `addresses[j]` (as the constructor does). */
export function withKeyContracts(runtime: Hex, compiled: CompiledContract, addresses: readonly Address[]): Hex {
  const ids = Object.keys(compiled.immutableReferences).sort((a, b) => Number(a) - Number(b));
  let hex = runtime.slice(2);
  ids.forEach((id, j) => {
    const word = addresses[j]!.slice(2).toLowerCase().padStart(64, "0");
    for (const { start, length } of compiled.immutableReferences[id]!)
      hex = hex.slice(0, 2 * start) + word.slice(64 - 2 * length) + hex.slice(2 * (start + length));
  });
  return `0x${hex}`;
}

/**
 * Whether each key data contract holds its key byte for byte (code 0x00, then the key's bytes: what the
 * verifier reads), naming for each one that does not what it holds instead (another key of the build,
 * other code, or none).
 */
export async function compareKeyContracts(
  client: PublicClient,
  addresses: readonly Address[],
  model: SegmentedBuild,
): Promise<{ ok: boolean; detail: string }> {
  const { keys, keyOf } = distinctKeys(model.vkeys);
  const codes = keys.map((key) => keyContractCode(key).toLowerCase());
  const segmentsOf = (j: number) => keyOf.flatMap((x, i) => (x === j ? [i] : [])).join(", ");
  const problems: string[] = [];
  for (const [j, address] of addresses.entries()) {
    const code = ((await client.getCode({ address })) ?? "0x").toLowerCase();
    if (code === codes[j]) continue;
    const other = codes.indexOf(code);
    problems.push(
      `key ${j}'s contract ${address} (segments ${segmentsOf(j)}) ${
        code === "0x"
          ? "has no code"
          : other >= 0
            ? `holds key ${other} (segments ${segmentsOf(other)})`
            : `holds other code (${(code.length - 2) / 2} bytes, expected ${(codes[j]!.length - 2) / 2})`
      }`,
    );
  }
  return problems.length
    ? { ok: false, detail: problems.join("; ") }
    : { ok: true, detail: `the ${keys.length} key contracts hold the ${keys.length} keys byte for byte (${addresses.join(", ")})` };
}

/**
 * The exact code comparison, with the diagnosis when it fails. A verifier of key data contracts is
 * compared with the local compile whose immutables are the addresses its own code names (only they may
 * differ), and those contracts' code with the keys (`keyContracts`).
 */
export async function compareSegmentedVerifier(
  client: PublicClient,
  verifier: Address,
  compiled: CompiledContract,
  model: SegmentedBuild,
): Promise<RuntimeComparison & { notes: string[]; keyContracts?: { addresses: Address[]; ok: boolean; detail: string } }> {
  const code = (await client.getCode({ address: verifier })) ?? "0x";
  let localRuntime = compiled.deployedBytecode;
  let keyContracts: { addresses: Address[]; ok: boolean; detail: string } | undefined;
  if (model.keyStorage === "contracts") {
    const addresses = keyContractAddresses(code, compiled, distinctKeys(model.vkeys).keys.length);
    if (addresses) {
      localRuntime = withKeyContracts(localRuntime, compiled, addresses);
      keyContracts = { addresses, ...(await compareKeyContracts(client, addresses, model)) };
    }
  }
  const same = compareRuntimeCode(code, localRuntime);
  if (same.equal) return { ...same, notes: [], ...(keyContracts ? { keyContracts } : {}) };
  // A verifier of key contracts holds no key in its code: the diagnosis is the segment count only.
  const notes = code === "0x" ? [] : await diagnoseSegmentedVerifier(client, verifier, code, localRuntime, model);
  return { ...same, notes, ...(keyContracts ? { keyContracts } : {}) };
}

/** A 32-byte word as the code pushes it: hex without its leading zero bytes (PUSH1..PUSH32). */
function pushedWord(w: bigint): string {
  const hex = w.toString(16);
  return hex.length % 2 ? `0${hex}` : hex;
}
