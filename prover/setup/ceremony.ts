/**
 * A multi-party phase-2 (circuit-specific) Groth16 setup: the ceremony that replaces the development
 * setup of ./groth16.ts before a deployment. The key is secure as long as ONE contributor destroyed
 * their randomness, so each contribution runs on the contributor's own machine, needing only the latest
 * zkey of the ceremony folder.
 *
 *   init        r1cs + ptau -> circuit_0000.zkey, transcript.json
 *   contribute  circuit_<n>.zkey -> circuit_<n+1>.zkey (one per contributor, in separate processes)
 *   verify      re-derives the initial key from the r1cs and ptau and checks every contribution
 *   finalize    a public random beacon -> circuit_final.zkey, verification_key.json
 *
 * All the cryptography is snarkjs's own (newZKey, contribute, beacon, verifyFromR1cs/verifyFromInit,
 * exportVerificationKey). The transcript only records what snarkjs already proves, so that `verify` can
 * name the step that fails: a file swapped after the fact (sha256), a contribution made on a stale key
 * (its history does not extend the previous one), or a key that does not derive from this circuit and
 * ptau (snarkjs's checks).
 */
import { createHash, randomBytes } from "node:crypto";
import { copyFileSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { resolve } from "node:path";
import * as snarkjs from "snarkjs";
import { z } from "zod";
import { artifactPath, ceremonyPath, recordedPath, resolveRecordedPath } from "../artifacts/paths.js";
import { stampPath } from "../build/cache.js";
import { ZkinferError } from "../errors.js";
import { sha256File } from "./groth16.js";
import { blake2bFile, classifyPtau, requiredPtauPower, type PtauSource } from "./ptau.js";
import { closeFilesOpenedBy } from "./closeFilesOpenedBy.js";
import { readSetupRecord, writeSetupRecord } from "./setupRecord.js";

/** A ceremony folder that is missing, malformed, or fails verification; `step` names what failed. */
export class CeremonyError extends ZkinferError {
  override name = "CeremonyError";
  constructor(
    message: string,
    readonly step: string,
  ) {
    super(message);
  }
}

const hex = (bytes: number) => z.string().regex(new RegExp(`^[0-9a-f]{${bytes * 2}}$`), `must be ${bytes} bytes of lowercase hex`);

const transcriptSchema = z.object({
  version: z.literal(1),
  model: z.string().min(1),
  /** The coordinator's spec file, so `finalize` can rebuild the model's verifier (a hint, not checked). */
  spec: z.string().optional(),
  circuit: z.object({ hash: hex(64), r1csSha256: hex(32), constraints: z.number().int().nonnegative() }),
  ptau: z.object({ path: z.string().min(1), power: z.number().int().min(1), source: z.enum(["hermez", "development", "user-unverified"]), blake2b: hex(64) }),
  initial: z.object({ sha256: hex(32) }),
  contributions: z.array(z.object({ name: z.string().min(1), hash: hex(64), sha256: hex(32), previousSha256: hex(32) })),
  beacon: z.object({ hex: z.string().regex(/^[0-9a-f]+$/), iterationsExp: z.number().int(), hash: hex(64), sha256: hex(32) }).nullable(),
});

export type CeremonyTranscript = z.infer<typeof transcriptSchema>;

export function readTranscript(dir: string): CeremonyTranscript {
  const path = ceremonyPath(dir, "transcript");
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, "utf8"));
  } catch (cause) {
    throw new CeremonyError(`${path} is missing or not JSON: is ${dir} a ceremony folder made by \`zkinfer ceremony init\`?`, "transcript");
  }
  const parsed = transcriptSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new CeremonyError(`${path}: ${issue.path.join(".") || "(root)"} ${issue.message}`, "transcript");
  }
  // Paths are stored relative to transcript.json (a published folder is read elsewhere); in memory they are absolute.
  const t = parsed.data;
  return { ...t, ...(t.spec ? { spec: resolveRecordedPath(path, t.spec) } : {}), ptau: { ...t.ptau, path: resolveRecordedPath(path, t.ptau.path) } };
}

function writeTranscript(dir: string, transcript: CeremonyTranscript): void {
  const path = ceremonyPath(dir, "transcript");
  const t = transcript;
  const stored = { ...t, ...(t.spec ? { spec: recordedPath(path, t.spec) } : {}), ptau: { ...t.ptau, path: recordedPath(path, t.ptau.path) } };
  writeFileSync(`${path}.tmp`, `${JSON.stringify(stored, null, 2)}\n`);
  renameSync(`${path}.tmp`, path);
}

export interface InitCeremonyParameters {
  /** Model name (its r1cs is read from the build unless `r1cs` is given). */
  model: string;
  /** The model's spec file, recorded for `finalize`. */
  spec?: string;
  r1cs?: string;
  ptau: string;
  dir: string;
  log?: (line: string) => void;
}

export async function initCeremony({
  model,
  spec,
  r1cs = artifactPath(model, "r1cs"),
  ptau,
  dir,
  log = () => {},
}: InitCeremonyParameters): Promise<CeremonyTranscript> {
  if (!existsSync(r1cs)) throw new CeremonyError(`${r1cs} does not exist: build the model first (\`zkinfer build <model>\`).`, "circuit");
  if (existsSync(ceremonyPath(dir, "transcript"))) throw new CeremonyError(`${dir} already holds a ceremony; give an empty --out folder.`, "transcript");
  const info = await snarkjs.r1cs.info(r1cs);
  const constraints = Number(info.nConstraints);
  const phase1 = await classifyPtau(ptau, requiredPtauPower(constraints, Number(info.nPubInputs) + Number(info.nOutputs)));
  if (phase1.source === "user-unverified")
    log(`ptau: ${ptau} is not a published Hermez file: the ceremony is labelled unverified-ptau; its phase 1 must be checked by whoever trusts it`);
  if (phase1.source === "development") log(`ptau: ${ptau} is this machine's DEVELOPMENT ptau: fine to rehearse a ceremony, never for a deployment`);
  mkdirSync(dir, { recursive: true });
  const zkey0 = ceremonyPath(dir, "zkey", 0);
  const csHash: Uint8Array = await snarkjs.zKey.newZKey(r1cs, ptau, zkey0);
  const transcript: CeremonyTranscript = {
    version: 1,
    model,
    ...(spec ? { spec: resolve(spec) } : {}),
    circuit: { hash: Buffer.from(csHash).toString("hex"), r1csSha256: sha256File(r1cs), constraints },
    ptau: { path: resolve(ptau), ...phase1 },
    initial: { sha256: sha256File(zkey0) },
    contributions: [],
    beacon: null,
  };
  writeTranscript(dir, transcript);
  return transcript;
}

export interface ContributeParameters {
  dir: string;
  name: string;
  /** A file whose bytes are mixed into the OS randomness (never stored). */
  entropyFile?: string;
}

export interface ContributeReturnType {
  index: number;
  /** The contribution hash the contributor publishes (blake2b-512, as `snarkjs zkey verify` prints it). */
  hash: string;
}

export async function contribute({ dir, name, entropyFile }: ContributeParameters): Promise<ContributeReturnType> {
  if (!/^[\x20-\x7e]{1,64}$/.test(name) || name.trim() !== name) {
    throw new CeremonyError(`--name must be 1 to 64 printable ASCII characters without surrounding spaces, got "${name}".`, "contribute");
  }
  const transcript = readTranscript(dir);
  if (transcript.beacon) throw new CeremonyError(`the ceremony in ${dir} is finalized: no more contributions.`, "contribute");
  const n = transcript.contributions.length;
  const previous = ceremonyPath(dir, "zkey", n);
  const expected = n === 0 ? transcript.initial.sha256 : transcript.contributions[n - 1]!.sha256;
  if (!existsSync(previous) || sha256File(previous) !== expected) {
    throw new CeremonyError(`${previous} is missing or is not the zkey the transcript records as the latest: get the current ceremony folder.`, "contribute");
  }
  // The secret is derived in memory from the OS's randomness (plus the user's file, hashed) and
  // dropped when this process exits; snarkjs mixes in 64 more random bytes of its own.
  const entropy = randomBytes(64).toString("hex") + (entropyFile ? createHash("sha512").update(readFileSync(entropyFile)).digest("hex") : "");
  const next = ceremonyPath(dir, "zkey", n + 1);
  const tmp = `${next}.tmp`;
  const hash: Uint8Array = await snarkjs.zKey.contribute(previous, tmp, name, entropy);
  renameSync(tmp, next);
  const entry = { name, hash: Buffer.from(hash).toString("hex"), sha256: sha256File(next), previousSha256: expected };
  writeTranscript(dir, { ...transcript, contributions: [...transcript.contributions, entry] });
  return { index: n + 1, hash: entry.hash };
}

export interface VerifyCeremonyParameters {
  dir: string;
  /** The circuit to check against (default: the model's r1cs in the local build, made from its sources). */
  r1cs?: string;
  /** The phase-1 file (default: the one recorded in the transcript). */
  ptau?: string;
}

export interface CeremonyReport {
  valid: boolean;
  circuit: string;
  ptau: string;
  contributions: { name: string; hash: string }[];
  beacon: string | null;
  error: string | null;
}

/** Verifies a ceremony folder; never throws for a bad ceremony (the report names the failing step). */
export async function verifyCeremony(p: VerifyCeremonyParameters): Promise<CeremonyReport & { ptauSource?: PtauSource }> {
  let transcript: CeremonyTranscript | undefined;
  try {
    transcript = readTranscript(p.dir);
    await checkCeremony(transcript, p);
    return { ...summary(transcript), valid: true, error: null, ptauSource: transcript.ptau.source };
  } catch (error) {
    if (!(error instanceof CeremonyError)) throw error;
    const base = transcript ? summary(transcript) : { circuit: "", ptau: "", contributions: [], beacon: null };
    return { ...base, valid: false, error: `${error.step}: ${error.message}` };
  }
}

function summary(t: CeremonyTranscript) {
  return {
    circuit: t.circuit.hash,
    ptau: t.ptau.blake2b,
    contributions: t.contributions.map(({ name, hash }) => ({ name, hash })),
    beacon: t.beacon?.hex ?? null,
  };
}

async function checkCeremony(
  t: CeremonyTranscript,
  { dir, r1cs = artifactPath(t.model, "r1cs"), ptau = t.ptau.path }: VerifyCeremonyParameters,
): Promise<void> {
  if (!existsSync(r1cs)) throw new CeremonyError(`${r1cs} does not exist: build model ${t.model} from its sources, or pass --r1cs.`, "circuit");
  const r1csSha = sha256File(r1cs);
  if (r1csSha !== t.circuit.r1csSha256) {
    throw new CeremonyError(
      `${r1cs} (sha256 ${r1csSha.slice(0, 16)}…) is not the circuit this ceremony was run for (sha256 ${t.circuit.r1csSha256.slice(0, 16)}…).`,
      "circuit",
    );
  }
  if (!existsSync(ptau)) throw new CeremonyError(`${ptau} does not exist: pass the phase-1 file with --ptau.`, "ptau");
  const ptauHash = await blake2bFile(ptau);
  if (ptauHash !== t.ptau.blake2b) {
    throw new CeremonyError(
      `${ptau} (blake2b ${ptauHash.slice(0, 16)}…) is not the phase-1 file this ceremony was run with (blake2b ${t.ptau.blake2b.slice(0, 16)}…).`,
      "ptau",
    );
  }

  const zkey0 = ceremonyPath(dir, "zkey", 0);
  fileMatches(zkey0, t.initial.sha256, "initial zkey");
  // snarkjs recomputes the initial key from the r1cs and ptau and compares every section.
  const init = await snarkjsVerify(() => snarkjs.zKey.verifyFromR1cs(r1cs, ptau, zkey0, logger));
  if (!init.ok) throw new CeremonyError(`${zkey0} does not derive from this r1cs and ptau: ${init.error}`, "initial zkey");
  if (init.circuitHash !== t.circuit.hash)
    throw new CeremonyError(`the circuit hash snarkjs computes (${init.circuitHash.slice(0, 16)}…) differs from the transcript's.`, "initial zkey");

  let previousSha = t.initial.sha256;
  for (const [i, c] of t.contributions.entries()) {
    const step = `contribution ${i + 1} (${c.name})`;
    const file = ceremonyPath(dir, "zkey", i + 1);
    fileMatches(file, c.sha256, step);
    if (c.previousSha256 !== previousSha) throw new CeremonyError(`it was made on a stale zkey, not on contribution ${i}'s output.`, step);
    const result = await snarkjsVerify(() => snarkjs.zKey.verifyFromInit(zkey0, ptau, file, logger));
    if (!result.ok) throw new CeremonyError(`snarkjs zkey verify failed: ${result.error}`, step);
    checkHistory(result.history, t.contributions.slice(0, i + 1), step);
    previousSha = c.sha256;
  }

  if (t.beacon) {
    const step = "beacon";
    const file = ceremonyPath(dir, "finalZkey");
    fileMatches(file, t.beacon.sha256, step);
    const result = await snarkjsVerify(() => snarkjs.zKey.verifyFromInit(zkey0, ptau, file, logger));
    if (!result.ok) throw new CeremonyError(`snarkjs zkey verify failed: ${result.error}`, step);
    checkHistory(result.history.slice(0, -1), t.contributions, step);
    const last = result.history.at(-1);
    if (!last || last.beacon !== t.beacon.hex || last.hash !== t.beacon.hash) {
      throw new CeremonyError(`the final zkey's last contribution is not the beacon ${t.beacon.hex} of the transcript.`, step);
    }
  }
}

function fileMatches(file: string, sha256: string, step: string): void {
  if (!existsSync(file)) throw new CeremonyError(`${file} is missing.`, step);
  if (sha256File(file) !== sha256)
    throw new CeremonyError(`${file} is not the file the transcript records (sha256 differs): it was replaced or altered.`, step);
}

/** The contribution history inside a zkey must be exactly the transcript's, in order. */
function checkHistory(history: HistoryEntry[], expected: { name: string; hash: string }[], step: string): void {
  if (history.length !== expected.length) {
    throw new CeremonyError(`its zkey holds ${history.length} contribution(s) where the transcript has ${expected.length}: it was made on a stale zkey.`, step);
  }
  for (const [j, e] of expected.entries()) {
    if (history[j]!.hash !== e.hash) {
      throw new CeremonyError(
        `its zkey's contribution ${j + 1} (hash ${history[j]!.hash.slice(0, 16)}…) is not ${e.name}'s (${e.hash.slice(0, 16)}…): it was made on a stale or foreign zkey.`,
        step,
      );
    }
  }
}

interface HistoryEntry {
  name: string;
  hash: string;
  beacon?: string;
}

// snarkjs reports through a logger (and a few failures through console.log); collect both.
let messages: { level: string; text: string }[] = [];
const logger = {
  info: (text: string) => messages.push({ level: "info", text }),
  warn: (text: string) => messages.push({ level: "warn", text }),
  error: (text: string) => messages.push({ level: "error", text }),
  debug: () => {},
};

async function snarkjsVerify(run: () => Promise<boolean>): Promise<{ ok: boolean; error: string; circuitHash: string; history: HistoryEntry[] }> {
  messages = [];
  const consoleLog = console.log;
  console.log = (...args: unknown[]) => messages.push({ level: "error", text: args.join(" ") });
  let ok: boolean;
  try {
    ok = await closeFilesOpenedBy(run);
  } catch (error) {
    // A corrupted point or section makes snarkjs throw rather than return false.
    ok = false;
    messages.push({ level: "error", text: (error as Error).message });
  } finally {
    console.log = consoleLog;
  }
  const hashOf = (text: string) => text.slice(text.indexOf("\n")).replace(/\s+/g, "");
  // snarkjs lists the contributions last first, each as "contribution #<n> <name>:" and its hash.
  const history: HistoryEntry[] = [];
  let circuitHash = "";
  let current: HistoryEntry | undefined;
  for (const { level, text } of messages) {
    if (level !== "info") continue;
    const m = /^contribution #(\d+) ?(.*):\n/.exec(text);
    if (m) history[Number(m[1]) - 1] = current = { name: m[2]!, hash: hashOf(text) };
    else if (text.startsWith("Circuit Hash:")) circuitHash = hashOf(text);
    else if (text.startsWith("Beacon generator: ") && current) current.beacon = text.slice("Beacon generator: ".length).trim();
  }
  const error =
    messages
      .filter((m) => m.level === "error")
      .map((m) => m.text.trim())
      .join("; ") || "snarkjs reported the key invalid";
  return { ok, error, circuitHash, history };
}

export interface FinalizeCeremonyParameters extends VerifyCeremonyParameters {
  /** A public random value fixed after the last contribution (e.g. a future block hash), as hex. */
  beaconHex: string;
  /** log2 of the beacon's hash iterations (snarkjs allows 10 to 63). */
  iterationsExp?: number;
}

export async function finalizeCeremony(p: FinalizeCeremonyParameters): Promise<CeremonyReport> {
  const beaconHex = p.beaconHex.toLowerCase().replace(/^0x/, "");
  if (!/^([0-9a-f]{2}){1,255}$/.test(beaconHex)) throw new CeremonyError(`--beacon must be 1 to 255 bytes of hex, got "${p.beaconHex}".`, "beacon");
  const iterationsExp = p.iterationsExp ?? 10;
  if (!Number.isInteger(iterationsExp) || iterationsExp < 10 || iterationsExp > 63)
    throw new CeremonyError(`--iterations must be an integer from 10 to 63 (log2 of the hash iterations), got ${p.iterationsExp}.`, "beacon");
  const before = await verifyCeremony(p);
  if (!before.valid) throw new CeremonyError(`the ceremony does not verify, so it cannot be finalized: ${before.error}`, "verify");
  const t = readTranscript(p.dir);
  if (t.beacon) throw new CeremonyError(`the ceremony in ${p.dir} is already finalized.`, "beacon");
  if (t.contributions.length === 0) throw new CeremonyError(`the ceremony has no contribution yet: run \`zkinfer ceremony contribute\` first.`, "beacon");
  const last = ceremonyPath(p.dir, "zkey", t.contributions.length);
  const final = ceremonyPath(p.dir, "finalZkey");
  const hash = await snarkjs.zKey.beacon(last, `${final}.tmp`, "zkinfer final beacon", beaconHex, iterationsExp);
  if (!hash) throw new CeremonyError(`snarkjs refused the beacon ${beaconHex}.`, "beacon");
  renameSync(`${final}.tmp`, final);
  writeTranscript(p.dir, { ...t, beacon: { hex: beaconHex, iterationsExp, hash: Buffer.from(hash).toString("hex"), sha256: sha256File(final) } });
  const after = await verifyCeremony(p);
  if (!after.valid) throw new CeremonyError(`the finalized ceremony does not verify: ${after.error}`, "beacon");
  writeFileSync(ceremonyPath(p.dir, "vkey"), `${JSON.stringify(await snarkjs.zKey.exportVerificationKey(final), null, 2)}\n`);
  return after;
}

/** What setup.json records for a model whose keys come from a ceremony (see installCeremonySetup). */
export interface CeremonySetupInfo {
  setup: "ceremony";
  /** The ceremony folder (its transcript.json): absolute in memory, relative to setup.json on disk. */
  transcript: string;
  contributions: number;
  beaconHex: string;
  zkeySha256: string;
  r1csSha256: string;
  ptau: { path: string; power: number; source: PtauSource; blake2b: string };
}

/**
 * Makes a finalized ceremony the model's setup: its final zkey and verification key replace the
 * development ones in the build, and setup.json records the transcript. The next build regenerates
 * the Solidity verifier from this zkey (and falls back to a development setup if the circuit changed).
 */
export function installCeremonySetup(dir: string): CeremonySetupInfo {
  const t = readTranscript(dir);
  if (!t.beacon) throw new CeremonyError(`the ceremony in ${dir} is not finalized.`, "beacon");
  const model = t.model;
  copyFileSync(ceremonyPath(dir, "finalZkey"), artifactPath(model, "zkey"));
  copyFileSync(ceremonyPath(dir, "vkey"), artifactPath(model, "vkey"));
  const info: CeremonySetupInfo = {
    setup: "ceremony",
    transcript: resolve(dir),
    contributions: t.contributions.length,
    beaconHex: t.beacon.hex,
    zkeySha256: t.beacon.sha256,
    r1csSha256: t.circuit.r1csSha256,
    ptau: t.ptau,
  };
  writeSetupRecord(model, { ...info });
  // The development setup's stamp no longer describes the zkey on disk.
  rmSync(stampPath(artifactPath(model, "stampDir"), "setup"), { force: true });
  return info;
}

/** The ceremony setup recorded for `model`, if it still matches the model's r1cs and zkey. */
export function currentCeremonySetup(model: string): CeremonySetupInfo | undefined {
  const info = readSetupRecord(model);
  if (info?.setup !== "ceremony" || !info.transcript || !info.ptau.path) return undefined;
  const c = info as unknown as CeremonySetupInfo;
  if (!existsSync(artifactPath(model, "r1cs")) || !existsSync(artifactPath(model, "zkey"))) return undefined;
  if (sha256File(artifactPath(model, "r1cs")) !== c.r1csSha256 || sha256File(artifactPath(model, "zkey")) !== c.zkeySha256) return undefined;
  return c;
}
