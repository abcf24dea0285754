/**
 * The sponsor's build of an accuracy bounty: the bounty circuit (prover/circuit/bounty.ts) over a
 * test set and an architecture -> r1cs/wasm -> ptau -> Groth16 keys -> the Solidity verifier the
 * AccuracyBounty pins. The same cached steps as a model build (./buildModel.ts).
 */
import { writeFileSync } from "node:fs";
import { publicSignalCount } from "../abi/publicSignals.js";
import { artifactPath } from "../artifacts/paths.js";
import { BOUNTY_OUTPUTS, generateBountyCircuit } from "../circuit/bounty.js";
import type { CircuitInfo } from "../circuit/compile.js";
import type { ModelIR } from "../model/ir.js";
import { testSetHash, type TestSet } from "../model/testSet.js";
import { buildKeysAndVerifier, compileStep, type BuiltModel } from "./buildModel.js";
import type { Log } from "./progress.js";

export interface BuildBountyParameters {
  /** kebab-case; names the build folder and the verifier contract. */
  name: string;
  /** The architecture (any weights: the circuit does not depend on them). */
  ir: ModelIR;
  testSet: TestSet;
  /** A ptau file instead of a development one (default $ZKINFER_PTAU). */
  ptau?: string;
  log?: Log;
}

export interface BuiltBounty {
  name: string;
  testSetHash: bigint;
  testSamples: number;
  circuit: CircuitInfo;
  numPublicSignals: number;
  ptau: BuiltModel["ptau"];
  setup: BuiltModel["setup"];
  verifierContract: string;
}

/**
 * @example
 * const bounty = await buildBounty({ name: "credit-bounty-300", ir: architecture, testSet: germanCreditTestSet() });
 */
export async function buildBounty({ name, ir, testSet, ptau, log = () => {} }: BuildBountyParameters): Promise<BuiltBounty> {
  const source = generateBountyCircuit({ name, ir, testSet });
  const circuit = await compileStep({ name, source, log });
  const hash = testSetHash(testSet);
  writeFileSync(artifactPath(name, "circuitInfo"), JSON.stringify({ ...circuit, testSetHash: hash.toString(), testSamples: testSet.samples.length }, null, 2));
  log(`    ${circuit.nonLinearConstraints} non-linear + ${circuit.linearConstraints} linear constraints, ${circuit.wires} wires`);
  const numPublicSignals = publicSignalCount(BOUNTY_OUTPUTS.length);
  const { setup, phase1, contract } = await buildKeysAndVerifier({ name, circuit, numPublicSignals, ptau, log });
  return { name, testSetHash: hash, testSamples: testSet.samples.length, circuit, numPublicSignals, ptau: phase1, setup, verifierContract: contract };
}
