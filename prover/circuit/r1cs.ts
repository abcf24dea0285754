/**
 * An independent R1CS checker: evaluates <A,w> * <B,w> = <C,w> for every constraint over BN254
 * with BigInt. Tests use it to show that a tampered witness violates the constraints, which is a
 * stronger statement than "the witness generator refuses it" (the generator runs `<--` code a
 * malicious prover simply does not run).
 */
import { readFileSync } from "node:fs";
import { readR1cs } from "r1csfile";
import { FIELD_MODULUS } from "../field.js";

type LinearCombination = [index: number, coeff: bigint][];

export interface R1cs {
  nVars: number;
  nOutputs: number;
  nPubInputs: number;
  nPrvInputs: number;
  constraints: [LinearCombination, LinearCombination, LinearCombination][];
}

export async function loadR1cs(path: string): Promise<R1cs> {
  const raw = await readR1cs(path, { loadConstraints: true, loadMap: false, singleThread: true });
  const F = raw.F ?? raw.curve.Fr;
  const toLc = (lc: Record<string, unknown>): LinearCombination => Object.entries(lc).map(([i, v]) => [Number(i), BigInt(F.toObject(v))]);
  const constraints = raw.constraints.map((c: Record<string, unknown>[]) => [toLc(c[0]!), toLc(c[1]!), toLc(c[2]!)]);
  await raw.curve?.terminate?.();
  return { nVars: raw.nVars, nOutputs: raw.nOutputs, nPubInputs: raw.nPubInputs, nPrvInputs: raw.nPrvInputs, constraints };
}

/** Index of the first violated constraint, or -1 when the witness satisfies them all. */
export function firstViolatedConstraint(r1cs: R1cs, witness: readonly bigint[]): number {
  if (witness.length !== r1cs.nVars) throw new RangeError(`witness has ${witness.length} values, the r1cs ${r1cs.nVars} wires`);
  if (witness[0] !== 1n) return -2; // wire 0 is the constant 1
  const ev = (lc: LinearCombination) => lc.reduce((acc, [i, c]) => (acc + c * witness[i]!) % FIELD_MODULUS, 0n);
  return r1cs.constraints.findIndex(([a, b, c]) => (ev(a) * ev(b) - ev(c)) % FIELD_MODULUS !== 0n);
}

/** Signal name (e.g. "main.a0[3]") -> witness index, from circom's .sym file (eliminated signals omitted). */
export function loadSymbols(path: string): Map<string, number> {
  const map = new Map<string, number>();
  for (const line of readFileSync(path, "utf8").split("\n")) {
    const [, wire, , name] = line.split(",");
    if (name !== undefined && Number(wire) >= 0) map.set(name, Number(wire));
  }
  return map;
}

const touching = new WeakMap<R1cs, number[][]>();

/**
 * Whether setting witness[index] = value (all else unchanged) violates some constraint. Only the
 * constraints that mention the wire are evaluated, so a sweep over every wire stays cheap.
 */
export function changeViolates(r1cs: R1cs, witness: readonly bigint[], index: number, value: bigint): boolean {
  let byWire = touching.get(r1cs);
  if (!byWire) {
    byWire = Array.from({ length: r1cs.nVars }, () => []);
    r1cs.constraints.forEach((c, ci) => {
      for (const lc of c) for (const [i] of lc) if (byWire![i]!.at(-1) !== ci) byWire![i]!.push(ci);
    });
    touching.set(r1cs, byWire);
  }
  const w = witness.slice();
  w[index] = value;
  const ev = (lc: [number, bigint][]) => lc.reduce((acc, [i, c]) => (acc + c * w[i]!) % FIELD_MODULUS, 0n);
  return byWire[index]!.some((ci) => {
    const [a, b, c] = r1cs.constraints[ci]!;
    return (ev(a) * ev(b) - ev(c)) % FIELD_MODULUS !== 0n;
  });
}
