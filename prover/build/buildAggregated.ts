/**
 * The build of a model's aggregated circuit of size N (docs/AGGREGATION.md): the aggregated circuit
 * (prover/circuit/aggregate.ts) -> r1cs/wasm -> ptau -> Groth16 keys -> Solidity verifier, through
 * the same cached steps as the model's own build, under the artifact name `<model>-aggregated-<N>`.
 * The model must be built first: the aggregated circuit carries the model's commitment, which covers
 * the single circuit's recorded digest.
 */
import { writeFileSync } from "node:fs";
import { aggregatedOutputLayout, aggregatedSignalCount, checkAggregationSize, slotSize } from "../abi/aggregatedSignals.js";
import { readCircuitRecord, circuitRecordHashes, type CircuitRecord } from "../artifacts/circuitRecord.js";
import { artifactPath } from "../artifacts/paths.js";
import { aggregatedArtifactName, aggregationRefusal, generateAggregatedCircuit } from "../circuit/aggregate.js";
import type { CircuitInfo } from "../circuit/compile.js";
import { ZkinferError } from "../errors.js";
import { lowerModel } from "../model/ir.js";
import { readModelSpec } from "../model/spec.js";
import { proofSystemOf } from "../model/specSchema.js";
import { buildKeysAndVerifier, compileStep, type BuiltModel } from "./buildModel.js";
import type { Log } from "./progress.js";

export interface BuildAggregatedParameters {
  specPath: string;
  /** Batch size: a power of two in [2, 1024]. */
  n: number;
  ptau?: string;
  log?: Log;
}

export interface BuiltAggregated {
  /** The model's name. */
  model: string;
  n: number;
  /** The artifact name the keys and verifier live under (`<model>-aggregated-<n>`). */
  name: string;
  modelCommitment: bigint;
  numPublicSignals: number;
  /** Signals per slot (statement word + output words). */
  slotSize: number;
  circuit: CircuitInfo;
  setup: BuiltModel["setup"];
  verifierContract: string;
}

/** What the aggregated build records beside the circuit record's fields. */
export interface AggregatedRecordExtra {
  aggregated: { model: string; n: number; slotSize: number };
}

/**
 * @example
 * const built = await buildAggregated({ specPath: bundledSpecPath("credit-score"), n: 16, log: console.log });
 */
export async function buildAggregated({ specPath, n, ptau, log = () => {} }: BuildAggregatedParameters): Promise<BuiltAggregated> {
  checkAggregationSize(n);
  const spec = readModelSpec(specPath);
  if (proofSystemOf(spec) !== "groth16") throw new ZkinferError(`model ${spec.name} uses ${proofSystemOf(spec)}: aggregated proofs are Groth16 only`);
  const ir = lowerModel(spec);
  const refusal = aggregationRefusal(ir);
  if (refusal) throw new ZkinferError(refusal);
  // The model's own build: its recorded commitment and digest are what the aggregated proof carries.
  const model = readCircuitRecord(spec.name, specPath);
  const name = aggregatedArtifactName(spec.name, n);
  const source = generateAggregatedCircuit({ ir, n, modelCommitment: BigInt(model.modelCommitment), circuitDigest: BigInt(model.circuitDigest) });
  const circuit = await compileStep({ name, source, log });
  const layout = aggregatedOutputLayout(ir);
  const record: CircuitRecord & CircuitInfo & AggregatedRecordExtra = {
    ...circuit,
    modelCommitment: model.modelCommitment,
    circuitDigest: model.circuitDigest,
    sha256: circuitRecordHashes(name, specPath),
    aggregated: { model: spec.name, n, slotSize: slotSize(layout) },
  };
  writeFileSync(artifactPath(name, "circuitInfo"), JSON.stringify(record, null, 2));
  log(`    ${circuit.nonLinearConstraints} non-linear + ${circuit.linearConstraints} linear constraints (${n} slots), ${circuit.wires} wires`);
  const numPublicSignals = aggregatedSignalCount(n, layout);
  // The compact verifier (prover/setup/groth16Compact.ts): snarkjs's unrolled one passes the contract
  // size limit at about 110 signals (credit-score N = 64 has 130), and aggregated proofs are not batched.
  const { setup, contract } = await buildKeysAndVerifier({ name, circuit, numPublicSignals, system: "groth16", ptau, log, compact: true });
  return {
    model: spec.name,
    n,
    name,
    modelCommitment: BigInt(model.modelCommitment),
    numPublicSignals,
    slotSize: slotSize(layout),
    circuit,
    setup,
    verifierContract: contract,
  };
}
