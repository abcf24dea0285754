/**
 * Proving a segmented model (docs/SEGMENTS.md, "Proving"): the reference interpreter runs the model
 * ONCE (./witness.ts), then each segment is proved on its own from its slice of the tape, so segments
 * prove in parallel (on several processes: ./pool.ts) and a failed segment is retried alone. Each
 * segment's public signals must equal the ones the interpreter predicts, else "compiler bug".
 */
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import * as snarkjs from "snarkjs";
import { concatHex, numberToHex, type Hex } from "viem";
import { artifactPath } from "../artifacts/paths.js";
import { ZkinferError } from "../errors.js";
import { FIELD_MODULUS } from "../field.js";
import { quantizeInputs, type FeatureValues } from "../model/interpret.js";
import { lowerModel, type ModelIR } from "../model/ir.js";
import { readModelSpec } from "../model/spec.js";
import { encodeProof, type Groth16Proof } from "../prove/calldata.js";
import { checkSegmentRecord, readSegmentRecord, type SegmentRecord } from "./build.js";
import { segmentWitnesses, type SegmentWitnesses } from "./witness.js";

/** A random field element (a salt). */
export function randomFieldElement(): bigint {
  return BigInt(`0x${randomBytes(32).toString("hex")}`) % FIELD_MODULUS;
}

export interface SegmentProof {
  proof: Groth16Proof;
  publicSignals: bigint[];
}

/** Proves one segment from its circuit input; the caller compares the public signals. */
export type ProveSegment = (index: number, input: Record<string, bigint | bigint[]>) => Promise<SegmentProof>;

export interface ProveSegmentedParameters {
  features: FeatureValues;
  subject: bigint;
  nonce: bigint;
  /** Default random. */
  salt?: bigint;
  outputSalt?: bigint;
  /** Default random, one per cut. */
  boundarySalts?: bigint[];
  /** Attempts per segment (default 2): a failed segment is retried on its own. */
  attempts?: number;
  /** Segments proved at once (default 1; with a pool, its size). */
  concurrency?: number;
  /** Proves this inference's segments instead of the prover's own (the service sends each to its queue). */
  proveSegment?: ProveSegment;
}

export interface SegmentedProofResult {
  /** IInferenceVerifier's `proof`: the K segment proofs, then the K - 1 boundary commitments. */
  proof: Hex;
  publicSignals: bigint[];
  segments: SegmentProof[];
  witnesses: SegmentWitnesses;
  /** Per segment, the attempts it took. */
  attempts: number[];
}

/** The verifier's `proof` bytes from the segment proofs and the boundary commitments. */
export function encodeSegmentedProof(proofs: readonly Groth16Proof[], boundaryCommitments: readonly bigint[]): Hex {
  if (boundaryCommitments.length !== proofs.length - 1) throw new RangeError(`${proofs.length} proofs need ${proofs.length - 1} boundary commitments`);
  return concatHex([...proofs.map((p) => encodeProof(p)), ...boundaryCommitments.map((c) => numberToHex(c, { size: 32 }))]);
}

export class SegmentedProver {
  private constructor(
    readonly ir: ModelIR,
    readonly record: SegmentRecord,
    private readonly proveOne: ProveSegment,
  ) {}

  /**
   * Loads a built segmented model; `proveSegment` proves one segment (default: in this process, from its
   * wasm and zkey on disk; ./pool.ts gives one that proves on worker processes).
   */
  static async load(specPath: string, proveSegment?: ProveSegment): Promise<SegmentedProver> {
    const ir = lowerModel(readModelSpec(specPath));
    const record = readSegmentRecord(ir.name);
    await checkSegmentRecord(ir, record);
    return new SegmentedProver(ir, record, proveSegment ?? localSegmentProver(record));
  }

  async prove(p: ProveSegmentedParameters): Promise<SegmentedProofResult> {
    const k = this.record.segments.length;
    const witnesses = await segmentWitnesses(this.ir, this.record.plan, BigInt(this.record.modelCommitment), {
      inputs: quantizeInputs(this.ir, p.features),
      salt: p.salt ?? randomFieldElement(),
      subject: p.subject,
      nonce: p.nonce,
      ...(p.outputSalt !== undefined ? { outputSalt: p.outputSalt } : this.ir.visibility.outputs === "hashed" ? { outputSalt: randomFieldElement() } : {}),
      boundarySalts: p.boundarySalts ?? Array.from({ length: k - 1 }, randomFieldElement),
    });
    const attempts = new Array<number>(k).fill(0);
    const segments = new Array<SegmentProof>(k);
    const maxAttempts = p.attempts ?? 2;
    const one = async (i: number) => {
      for (;;) {
        attempts[i]!++;
        try {
          const proved = await (p.proveSegment ?? this.proveOne)(i, witnesses.circuitInputs[i]!);
          const expected = witnesses.segmentSignals[i]!;
          if (proved.publicSignals.length !== expected.length || proved.publicSignals.some((s, j) => s !== expected[j]))
            throw new ZkinferError(`compiler bug: segment ${i}'s public signals differ from the reference interpreter's`);
          segments[i] = proved;
          return;
        } catch (e) {
          if (e instanceof ZkinferError || attempts[i]! >= maxAttempts) throw e;
        }
      }
    };
    // A queue of segment indexes drained by `concurrency` runners.
    let next = 0;
    const runners = Array.from({ length: Math.max(1, Math.min(k, p.concurrency ?? 1)) }, async () => {
      while (next < k) await one(next++);
    });
    await Promise.all(runners);
    return {
      proof: encodeSegmentedProof(
        segments.map((s) => s.proof),
        witnesses.boundaryCommitments,
      ),
      publicSignals: witnesses.publicSignals,
      segments,
      witnesses,
      attempts,
    };
  }
}

/** Proves segments in this process, each from its wasm and zkey (read once). */
export function localSegmentProver(record: SegmentRecord): ProveSegment {
  const keys = new Map<number, { wasm: Uint8Array; zkey: Uint8Array }>();
  return async (i, input) => {
    const seg = record.segments[i];
    if (!seg) throw new RangeError(`segment ${i} does not exist`);
    let key = keys.get(i);
    if (!key) keys.set(i, (key = { wasm: readFileSync(artifactPath(seg.name, "wasm")), zkey: readFileSync(artifactPath(seg.name, "zkey")) }));
    const { proof, publicSignals } = (await snarkjs.groth16.fullProve(input as never, key.wasm, key.zkey)) as unknown as {
      proof: Groth16Proof;
      publicSignals: string[];
    };
    return { proof, publicSignals: publicSignals.map(BigInt) };
  };
}
