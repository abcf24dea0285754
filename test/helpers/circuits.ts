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
import { modelCommitment, privateWeights } from "../../prover/model/commitment.js";
import { lowerModel, type ModelIR } from "../../prover/model/ir.js";
import { readModelSpec } from "../../prover/model/spec.js";
import { toField } from "../../prover/field.js";
import { seededRandom } from "../../prover/data/germanCredit.js";

export interface CompiledModel {
  ir: ModelIR;
  commitment: bigint;
  info: CircuitInfo;
  r1cs: R1cs;
  symbols: Map<string, number>;
  witness(inputs: readonly bigint[], extra?: { salt?: bigint; subject?: bigint; nonce?: bigint; weights?: bigint[] }): Promise<bigint[]>;
  /** -1 when the witness satisfies every constraint. */
  check(witness: readonly bigint[]): number;
  /** Witness indices of signals whose name matches. */
  wires(pattern: RegExp): number[];
}

export async function compileSpec(specPath: string): Promise<CompiledModel> {
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
    witness: (inputs, extra = {}) =>
      wc.calculateWitness(
        {
          features: inputs.map(toField),
          salt: extra.salt ?? 7n,
          subject: extra.subject ?? 0xabcn,
          nonce: extra.nonce ?? 1n,
          ...(ir.visibility.weights === "private"
            ? { weights: (extra.weights ?? privateWeights(ir)).map(toField), weightSalt: toField(ir.visibility.weightSalt!) }
            : {}),
        },
        true,
      ),
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
