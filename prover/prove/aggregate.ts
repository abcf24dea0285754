/**
 * The aggregated prover: up to N statements of one model -> one Groth16 proof (docs/AGGREGATION.md).
 * The keys of size N are loaded once per AggregatedProver and reused, like ModelProver's.
 *
 * Like ./core.ts this file imports nothing from Node (artifacts as bytes); ./aggregateNode.ts loads a
 * build from disk. The prover service batches jobs on top of `AggregatedProver.prove`.
 */
import { WitnessCalculatorBuilder } from "circom_runtime";
import * as snarkjs from "snarkjs";
import {
  aggregatedOutputLayout,
  checkAggregationSize,
  decodeAggregatedSignals,
  encodeAggregatedSignals,
  inclusionPaths,
  inputRoot,
  type AggregatedOutputLayout,
  type AggregatedSignals,
  type InclusionPath,
} from "../abi/aggregatedSignals.js";
import { aggregationRefusal } from "../circuit/aggregate.js";
import { ZkinferError } from "../errors.js";
import { toField } from "../field.js";
import { inputCommitment, modelCommitmentForCircuit, privateWeights, publicOutputs } from "../model/commitment.js";
import { lowerModel, type ModelIR } from "../model/ir.js";
import { runReference, type FeatureValues, type ReferenceResult } from "../model/interpret.js";
import { parseModelSpec, proofSystemOf } from "../model/specSchema.js";
import { encodeProof, type Groth16Proof } from "./calldata.js";
import { randomSalt } from "./core.js";

interface WitnessCalculator {
  calculateWTNSBin(input: Record<string, unknown>, sanityCheck: boolean): Promise<Uint8Array>;
  calculateWitness(input: Record<string, unknown>, sanityCheck: boolean): Promise<bigint[]>;
}

/** One statement of a batch: what ModelProver.prove takes, minus the attestation (plain models only). */
export interface AggregatedStatementParameters {
  features: FeatureValues;
  /** Beneficiary address (0x...). */
  subject: string;
  /** Below 2^64 for an aggregated statement. */
  nonce: bigint;
  /** Input-commitment salt; fresh and random when omitted (keep it to open the commitment). */
  salt?: bigint;
  /** Hashed-output models only: the output hash's salt; fresh and random when omitted. */
  outputSalt?: bigint;
}

/** One proved statement: where it sits, what it says, and how its owner shows its input commitment is in the root. */
export interface ProvedStatement {
  slot: number;
  subject: bigint;
  nonce: bigint;
  /** Signed outputs, as a single proof's decoded outputs. */
  outputs: bigint[];
  salt: bigint;
  outputSalt?: bigint;
  /** Poseidon(packed inputs, salt): the leaf at `slot`. */
  inputCommitment: bigint;
  /** The leaf's siblings up to the proof's inputRoot (verifyInclusion). */
  inclusionPath: InclusionPath;
  reference: ReferenceResult;
}

export interface ProveAggregatedReturnType {
  /** The batch size of the keys (the proof's slots). */
  n: number;
  proof: Groth16Proof;
  /** abi-encoded proof bytes for InferenceHub.verifyAndActAggregated. */
  proofBytes: string;
  /** Flat public signals, packed (prover/abi/aggregatedSignals.ts). */
  publicSignals: bigint[];
  decoded: AggregatedSignals;
  /** The statements in slot order (slot i = statements[i]; the slots after them are empty). */
  statements: ProvedStatement[];
  timings: { witnessMs: number; proveMs: number };
}

/** What an aggregated prover is made of; ./aggregateNode.ts reads them from a build. */
export interface AggregatedArtifacts {
  /** The model spec as parsed JSON. */
  spec: unknown;
  /** The batch size the keys were made for. */
  n: number;
  /** The aggregated circuit's witness generator. */
  wasm: Uint8Array;
  /** Its Groth16 proving key. */
  zkey: Uint8Array;
  verificationKey: unknown;
  /** The model's recorded single-circuit digest (its commitment covers it). */
  circuitDigest: bigint;
  source?: string;
}

export class AggregatedProver {
  protected constructor(
    readonly ir: ModelIR,
    readonly n: number,
    readonly modelCommitment: bigint,
    readonly layout: AggregatedOutputLayout,
    protected readonly witnessCalculator: WitnessCalculator,
    protected readonly zkey: Uint8Array,
    readonly verificationKey: unknown,
  ) {}

  /**
   * A prover from an aggregated build's artifacts. Refuses an attested or public-input model, and a
   * model whose proof system is not Groth16 (aggregation pays one pairing for N statements: Groth16's).
   */
  static async fromArtifacts(a: AggregatedArtifacts): Promise<AggregatedProver> {
    checkAggregationSize(a.n);
    const spec = parseModelSpec(a.spec, a.source);
    const ir = lowerModel(spec);
    const refusal = aggregationRefusal(ir);
    if (refusal) throw new ZkinferError(refusal);
    if (proofSystemOf(spec) !== "groth16") throw new ZkinferError(`model ${ir.name} uses ${proofSystemOf(spec)}: aggregated keys are Groth16`);
    const commitment = await modelCommitmentForCircuit(ir, a.circuitDigest);
    const wc = (await WitnessCalculatorBuilder(a.wasm)) as WitnessCalculator;
    return new this(ir, a.n, commitment, aggregatedOutputLayout(ir), wc, a.zkey, a.verificationKey);
  }

  /** The circuit input for these statements (tests tamper with the witness it gives). */
  async circuitInput(statements: readonly (AggregatedStatementParameters & { salt: bigint; outputSalt?: bigint })[]): Promise<{
    input: Record<string, unknown>;
    references: ReferenceResult[];
  }> {
    if (statements.length === 0 || statements.length > this.n) {
      throw new ZkinferError(`an aggregated proof of size ${this.n} carries 1 to ${this.n} statements, got ${statements.length}`);
    }
    const hashed = this.ir.visibility.outputs === "hashed";
    const references = statements.map((s, i) => {
      try {
        return runReference(this.ir, s.features);
      } catch (e) {
        throw new ZkinferError(`statement ${i}: ${(e as Error).message}`);
      }
    });
    const seen = new Set<string>();
    statements.forEach((s, i) => {
      if (!/^0x[0-9a-fA-F]{40}$/.test(s.subject)) throw new ZkinferError(`statement ${i}: subject must be a 0x-prefixed 20-byte address, got "${s.subject}"`);
      if (s.nonce < 0n || s.nonce >= 1n << 64n) throw new ZkinferError(`statement ${i}: nonce must be in [0, 2^64) for an aggregated proof, got ${s.nonce}`);
      const key = `${BigInt(s.subject)}:${s.nonce}`;
      if (seen.has(key)) throw new ZkinferError(`statement ${i}: (subject ${s.subject}, nonce ${s.nonce}) appears twice in the batch; the hub would refuse it`);
      seen.add(key);
    });
    // Empty slots run the model on the first statement's inputs (any in-range input would do: their
    // public fields are forced to 0 by active = 0).
    const filler = references[0]!.inputs.map(toField);
    const pad = <T>(xs: T[], empty: T) => [...xs, ...new Array<T>(this.n - xs.length).fill(empty)];
    const input: Record<string, unknown> = {
      features: pad(
        references.map((r) => r.inputs.map(toField)),
        filler,
      ),
      salt: pad(
        statements.map((s) => s.salt),
        0n,
      ),
      ...(hashed
        ? {
            outputSalt: pad(
              statements.map((s) => s.outputSalt ?? 0n),
              0n,
            ),
          }
        : {}),
      subject: pad(
        statements.map((s) => BigInt(s.subject)),
        0n,
      ),
      nonce: pad(
        statements.map((s) => s.nonce),
        0n,
      ),
      active: pad(
        statements.map(() => 1n),
        0n,
      ),
      ...(this.ir.visibility.weights === "private"
        ? { weights: privateWeights(this.ir).map(toField), weightSalt: toField(this.ir.visibility.weightSalt!) }
        : {}),
    };
    return { input, references };
  }

  /** The full witness (for tests that tamper with it). */
  async witness(statements: readonly (AggregatedStatementParameters & { salt: bigint; outputSalt?: bigint })[]): Promise<bigint[]> {
    const { input } = await this.circuitInput(statements);
    return this.witnessCalculator.calculateWitness(input, true);
  }

  /**
   * Proves 1 to n statements in one proof; slot i holds statements[i]. The public signals are checked
   * against the reference interpreter (a disagreement is a compiler bug), and every statement gets
   * its inclusion path.
   *
   * @example
   * ```ts
   * const prover = await loadAggregatedProver(bundledSpecPath("credit-score"), 16);
   * const batch = await prover.prove(applicants.map((a, i) => ({ features: a, subject: lender, nonce: BigInt(i) })));
   * await submitAggregated(clients, { hub, modelId, n: batch.n, proofBytes: batch.proofBytes, publicSignals: batch.publicSignals });
   * ```
   */
  async prove(statements: readonly AggregatedStatementParameters[]): Promise<ProveAggregatedReturnType> {
    const hashed = this.ir.visibility.outputs === "hashed";
    const salted = statements.map((s) => ({
      ...s,
      salt: s.salt ?? randomSalt(),
      ...(hashed ? { outputSalt: s.outputSalt ?? randomSalt() } : {}),
    }));
    const { input, references } = await this.circuitInput(salted);
    const t0 = performance.now();
    const wtns = await this.witnessCalculator.calculateWTNSBin(input, true);
    const t1 = performance.now();
    const { proof, publicSignals } = (await snarkjs.groth16.prove({ type: "mem", data: this.zkey }, { type: "mem", data: wtns })) as {
      proof: Groth16Proof;
      publicSignals: string[];
    };
    const t2 = performance.now();
    const signals = publicSignals.map((x) => BigInt(x));

    const leaves: bigint[] = new Array<bigint>(this.n).fill(0n);
    const outputs: bigint[][] = [];
    for (const [i, s] of salted.entries()) {
      const r = references[i]!;
      leaves[i] = await inputCommitment(this.ir.features, r.inputs, s.salt);
      outputs.push(await publicOutputs(this.ir, r.outputs, s.outputSalt ?? 0n, r.inputs));
    }
    const expected = encodeAggregatedSignals(this.n, this.layout, {
      modelCommitment: this.modelCommitment,
      inputRoot: await inputRoot(leaves),
      slots: Array.from({ length: this.n }, (_, i) =>
        i < salted.length ? { slot: i, subject: BigInt(salted[i]!.subject), nonce: salted[i]!.nonce, outputs: outputs[i]! } : undefined,
      ),
    });
    if (expected.length !== signals.length || expected.some((x, i) => x !== signals[i])) {
      throw new ZkinferError(
        `Aggregated circuit and reference interpreter disagree on ${this.ir.name}: [${signals}] vs [${expected}]. This is a compiler bug.`,
      );
    }
    const paths = await inclusionPaths(leaves);
    return {
      n: this.n,
      proof,
      proofBytes: encodeProof(proof),
      publicSignals: signals,
      decoded: decodeAggregatedSignals(signals, this.n, this.layout),
      statements: salted.map((s, i) => ({
        slot: i,
        subject: BigInt(s.subject),
        nonce: s.nonce,
        outputs: outputs[i]!,
        salt: s.salt,
        ...(s.outputSalt === undefined ? {} : { outputSalt: s.outputSalt }),
        inputCommitment: leaves[i]!,
        inclusionPath: paths[i]!,
        reference: references[i]!,
      })),
      timings: { witnessMs: t1 - t0, proveMs: t2 - t1 },
    };
  }

  /** Off-chain verification against the aggregated verification key. */
  async verify(proof: Groth16Proof, publicSignals: readonly bigint[]): Promise<boolean> {
    return snarkjs.groth16.verify(this.verificationKey, publicSignals.map(String), proof);
  }
}
