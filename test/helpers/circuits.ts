/**
 * Test helpers for circuits: compile a spec into a throw-away folder and compute witnesses, so
 * circuit tests can compare the circuit with the reference interpreter and tamper with witnesses.
 */
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { WitnessCalculatorBuilder } from "circom_runtime";
import { circuitBaseName } from "../../prover/artifacts/paths.js";
import { generateCircuit } from "../../prover/circuit/codegen.js";
import { compileCircuit, type CircuitInfo } from "../../prover/circuit/compile.js";
import { firstViolatedConstraint, loadR1cs, loadSymbols, type R1cs } from "../../prover/circuit/r1cs.js";
import { privateWeights } from "../../prover/model/commitment.js";
import { modelCommitment } from "../../prover/circuit/commitment.js";
import { lowerModel, type ModelIR } from "../../prover/model/ir.js";
import { readModelSpec } from "../../prover/model/spec.js";
import { toField } from "../../prover/field.js";
import { seededRandom } from "../../prover/data/germanCredit.js";
import { poseidonHash } from "../../prover/model/poseidon.js";
import { attestationMessagePreimage, attesterKeyFromPrivate, signAttestationMessage, type AttesterKey } from "../../prover/attest/attestation.js";

/** What an attested circuit's witness is signed with, unless a test says otherwise. */
export interface WitnessAttestation {
  key?: AttesterKey;
  issuedAt?: bigint;
  expiresAt?: bigint;
  /** Override any attestation input after signing (for attacks). */
  override?: Record<string, bigint>;
}

/** A fixed test attester key (deterministic, so failures reproduce; never a real key). */
export async function testAttesterKey(seed = 1): Promise<AttesterKey> {
  return attesterKeyFromPrivate(Buffer.alloc(32, seed));
}

/**
 * The attestation inputs of an attested circuit for these quantized features and subject, signed
 * the way prover/attest/attestation.ts signs (the message is built independently of the circuit).
 */
export async function attestationInputs(
  ir: ModelIR,
  inputs: readonly bigint[],
  subject: bigint,
  { key, issuedAt = 1_700_000_000n, expiresAt = 1_800_000_000n, override = {} }: WitnessAttestation = {},
): Promise<Record<string, bigint>> {
  const k = key ?? (await testAttesterKey());
  const message = await poseidonHash(attestationMessagePreimage(ir, inputs, subject, issuedAt, expiresAt));
  const sig = await signAttestationMessage(k, message);
  return {
    attesterKeyHash: k.keyHash,
    validity: (issuedAt << 64n) + expiresAt,
    issuedAt,
    expiresAt,
    attesterAx: k.publicKey.x,
    attesterAy: k.publicKey.y,
    signatureR8x: sig.R8.x,
    signatureR8y: sig.R8.y,
    signatureS: sig.S,
    ...override,
  };
}

export interface CompiledModel {
  ir: ModelIR;
  commitment: bigint;
  info: CircuitInfo;
  r1cs: R1cs;
  symbols: Map<string, number>;
  /** For an attested model the inputs are signed by testAttesterKey() unless `attestation` says otherwise. */
  witness(
    inputs: readonly bigint[],
    extra?: { salt?: bigint; outputSalt?: bigint; subject?: bigint; nonce?: bigint; weights?: bigint[]; attestation?: WitnessAttestation },
  ): Promise<bigint[]>;
  /** -1 when the witness satisfies every constraint. */
  check(witness: readonly bigint[]): number;
  /** Witness indices of signals whose name matches. */
  wires(pattern: RegExp): number[];
}

const compiled = new Map<string, Promise<CompiledModel>>();

/** Compiles `specPath` once per test process (several suites may share one model's circuit). */
export function compileSpec(specPath: string): Promise<CompiledModel> {
  let m = compiled.get(specPath);
  if (!m) {
    m = compileSpecUncached(specPath);
    compiled.set(specPath, m);
  }
  return m;
}

async function compileSpecUncached(specPath: string): Promise<CompiledModel> {
  const ir = lowerModel(readModelSpec(specPath));
  const commitment = await modelCommitment(ir);
  const dir = mkdtempSync(join(tmpdir(), "zkinfer-circuit-"));
  const base = circuitBaseName(ir.name);
  const source = join(dir, `${base}.circom`);
  writeFileSync(source, generateCircuit({ ir, modelCommitment: commitment }));
  const info = await compileCircuit({ source, outDir: dir });
  const r1cs = await loadR1cs(join(dir, `${base}.r1cs`));
  const symbols = loadSymbols(join(dir, `${base}.sym`));
  const wc = await WitnessCalculatorBuilder(readFileSync(join(dir, `${base}_js`, `${base}.wasm`)));
  return {
    ir,
    commitment,
    info,
    r1cs,
    symbols,
    witness: async (inputs, extra = {}) => {
      const subject = extra.subject ?? 0xabcn;
      const input: Record<string, unknown> = { features: inputs.map(toField), salt: extra.salt ?? 7n, subject, nonce: extra.nonce ?? 1n };
      // Hashed outputs have their own salt (default 8, never the input salt's 7).
      if (ir.visibility.outputs === "hashed") input.outputSalt = extra.outputSalt ?? 8n;
      if (ir.visibility.weights === "private") {
        Object.assign(input, { weights: (extra.weights ?? privateWeights(ir)).map(toField), weightSalt: toField(ir.visibility.weightSalt!) });
      }
      if (ir.attestation) Object.assign(input, await attestationInputs(ir, inputs, subject, extra.attestation));
      return wc.calculateWitness(input, true);
    },
    check: (w) => firstViolatedConstraint(r1cs, w),
    wires: (pattern) => [...symbols].filter(([name]) => pattern.test(name)).map(([, i]) => i),
  };
}

/** A deterministic PRNG so failures reproduce (the one the data split uses). */
export const rng = seededRandom;

/** A uniformly random integer in [lo, hi]. */
export function randomBetween(next: () => number, lo: bigint, hi: bigint): bigint {
  const span = hi - lo + 1n;
  const r = BigInt(Math.floor(next() * 2 ** 30)) * BigInt(Math.floor(next() * 2 ** 30));
  return lo + (r % span);
}

/** One compiled segment circuit of a test: its info, constraints, symbols and witness calculator. */
export interface CompiledSegment {
  info: CircuitInfo;
  r1cs: R1cs;
  symbols: Map<string, number>;
  wc: { calculateWitness(input: Record<string, unknown>, sanity: boolean): Promise<bigint[]> };
}

/** Compiles rendered segment sources (renderSegments(...).sources) in a temporary folder, as `<prefix><i>.circom`. */
export async function compileSegmentSources(sources: readonly string[], prefix: string): Promise<CompiledSegment[]> {
  const dir = mkdtempSync(join(tmpdir(), `zkinfer-segments-${prefix}-`));
  const out: CompiledSegment[] = [];
  for (const [i, source] of sources.entries()) {
    const file = join(dir, `${prefix}${i}.circom`);
    writeFileSync(file, source);
    const info = await compileCircuit({ source: file, outDir: dir });
    out.push({
      info,
      r1cs: await loadR1cs(join(dir, `${prefix}${i}.r1cs`)),
      symbols: loadSymbols(join(dir, `${prefix}${i}.sym`)),
      wc: await WitnessCalculatorBuilder(readFileSync(join(dir, `${prefix}${i}_js`, `${prefix}${i}.wasm`))),
    });
  }
  return out;
}
