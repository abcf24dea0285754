/**
 * PLONK and FFLONK setup with snarkjs. Both use the universal phase-1 ptau only: the proving key is
 * derived from the r1cs and the ptau deterministically, with no per-circuit contribution, so there
 * is no phase-2 ceremony (and no toxic waste beyond phase 1's). Their ptau must be larger than
 * Groth16's for the same circuit: the size is set by PLONK gates, not R1CS constraints, and FFLONK
 * commits to polynomials of degree ~9n.
 */
import { readR1cs } from "r1csfile";
import * as snarkjs from "snarkjs";
import { writeFileSync } from "node:fs";
import { ToolchainError } from "../errors.js";
import type { ProofSystem } from "../model/specSchema.js";
import { sha256File } from "./groth16.js";

/** A field element as r1csfile returns it, with the curve field it belongs to. */
type FieldElement = Uint8Array;
interface R1csField {
  zero: FieldElement;
  isZero(a: FieldElement): boolean;
  mul(a: FieldElement, b: FieldElement): FieldElement;
  sub(a: FieldElement, b: FieldElement): FieldElement;
}
type LinearCombination = Record<string, FieldElement>;

/**
 * The number of PLONK gates snarkjs makes from an r1cs (its plonk_setup and fflonk's
 * r1csConstraintProcessor, which agree): one per public signal, one per R1CS constraint, plus one
 * addition gate for every term beyond what the gate holds (3 wires for a linear constraint, 1 per
 * factor for a multiplication). Mirrors snarkjs 0.7.6's counting rule (a test compares it with a
 * real setup's domain), so the ptau power can be computed before any setup runs.
 */
export async function plonkGateCount(r1csPath: string): Promise<number> {
  const r1cs = (await readR1cs(r1csPath, { loadConstraints: true, loadMap: false, logger: undefined })) as {
    F: R1csField;
    nOutputs: number;
    nPubInputs: number;
    constraints: [LinearCombination, LinearCombination, LinearCombination][];
  };
  const F = r1cs.F;
  const nonZero = (lc: LinearCombination) => Object.entries(lc).filter(([, v]) => !F.isZero(v));
  const variables = (lc: LinearCombination) => nonZero(lc).filter(([s]) => s !== "0").length;
  const kind = (lc: LinearCombination) => (variables(lc) > 0 ? "var" : nonZero(lc).length > 0 ? "k" : "0");
  // k * lc1 - lc2, as snarkjs joins a constant factor into the output side.
  const join = (lc1: LinearCombination, k: FieldElement, lc2: LinearCombination): LinearCombination => {
    const res: LinearCombination = {};
    for (const [s, v] of Object.entries(lc1)) res[s] = F.mul(k, v);
    for (const [s, v] of Object.entries(lc2)) res[s] = F.sub(res[s] ?? F.zero, v);
    return res;
  };
  const extra = (lc: LinearCombination, maxC: number) => Math.max(0, variables(lc) - maxC);
  let gates = r1cs.nOutputs + r1cs.nPubInputs;
  for (const [a, b, c] of r1cs.constraints) {
    const ka = kind(a);
    const kb = kind(b);
    if (ka === "0" || kb === "0") gates += 1 + extra(c, 3);
    else if (ka === "k") gates += 1 + extra(join(b, a["0"]!, c), 3);
    else if (kb === "k") gates += 1 + extra(join(a, b["0"]!, c), 3);
    else gates += 1 + extra(a, 1) + extra(b, 1) + extra(c, 1);
  }
  return gates;
}

/** log2 of the evaluation domain snarkjs picks for `gates` PLONK gates (at least 2^3). */
export function plonkDomainPower(system: "plonk" | "fflonk", gates: number): number {
  // snarkjs: plonk takes the smallest power with 2^k >= gates; fflonk adds 2 blinding rows.
  return Math.max(3, Math.ceil(Math.log2(system === "fflonk" ? gates + 2 : gates)));
}

/**
 * The smallest ptau power snarkjs accepts for a circuit of `gates` PLONK gates. A ptau of power p
 * holds 2^(p+1) - 1 tau powers in G1. PLONK needs the domain itself (2^k <= 2^p, plus 6 blinding
 * points); FFLONK needs 9 * 2^k + 18 of them (its C2 polynomial has degree ~9n).
 */
export function universalPtauPower(system: "plonk" | "fflonk", gates: number): number {
  const k = plonkDomainPower(system, gates);
  if (system === "plonk") return Math.max(8, k);
  let p = k;
  while (2 ** (p + 1) - 1 < 9 * 2 ** k + 18) p++;
  return Math.max(8, p);
}

export interface SetupUniversalParameters {
  system: "plonk" | "fflonk";
  r1cs: string;
  ptau: string;
  zkeyFinal: string;
  vkey: string;
  log?: (line: string) => void;
}

export interface SetupUniversalReturnType {
  system: "plonk" | "fflonk";
  /** No circuit-specific contribution: the key is as trustworthy as the ptau (docs/SECURITY.md). */
  contributions: 0;
  /** sha256 of the proving key, for the manifest. */
  zkeySha256: string;
}

export async function setupUniversal(p: SetupUniversalParameters): Promise<SetupUniversalReturnType> {
  (p.log ?? (() => {}))(`    ${p.system} setup from the universal ptau (no per-circuit ceremony)...`);
  // snarkjs logs its refusals (a ptau too small) and returns without a key: say so here.
  const errors: string[] = [];
  const logger = { error: (m: string) => errors.push(m), warn: () => {}, info: () => {}, debug: () => {} };
  try {
    const result = await (p.system === "plonk"
      ? snarkjs.plonk.setup(p.r1cs, p.ptau, p.zkeyFinal, logger)
      : snarkjs.fflonk.setup(p.r1cs, p.ptau, p.zkeyFinal, logger));
    if ((result as unknown) === -1 || errors.length > 0) throw new Error(errors.join("; ") || "snarkjs returned no key");
  } catch (cause) {
    throw new ToolchainError(`snarkjs ${p.system} setup failed for ${p.r1cs} with ${p.ptau}: ${(cause as Error).message}`, { cause });
  }
  const vkey = await snarkjs.zKey.exportVerificationKey(p.zkeyFinal);
  writeFileSync(p.vkey, JSON.stringify(vkey, null, 2));
  return { system: p.system, contributions: 0, zkeySha256: sha256File(p.zkeyFinal) };
}

/** Whether a proof system needs a circuit-specific (phase-2) ceremony: Groth16 only. */
export function needsCircuitCeremony(system: ProofSystem): boolean {
  return system === "groth16";
}
