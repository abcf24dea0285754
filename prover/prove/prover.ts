/**
 * The prover: features -> reference output -> witness -> Groth16 proof -> calldata. The witness
 * generator and the zkey are loaded once per ModelProver and reused for every proof (loading them
 * per proof would dominate the cost of a small model).
 */
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { WitnessCalculatorBuilder } from "circom_runtime";
import * as snarkjs from "snarkjs";
import { decodePublicSignals, encodePublicSignals, type PublicSignals } from "../abi/publicSignals.js";
import { artifactPath } from "../artifacts/paths.js";
import { ZkinferError } from "../errors.js";
import { FIELD_MODULUS, toField } from "../field.js";
import { inputCommitment, modelCommitment, privateWeights, publicOutputs } from "../model/commitment.js";
import { lowerModel, publicOutputCount, type ModelIR } from "../model/ir.js";
import { runReference, type FeatureValues, type ReferenceResult } from "../model/interpret.js";
import { readModelSpec } from "../model/spec.js";
import { encodeProof, type Groth16Proof } from "./calldata.js";

interface WitnessCalculator {
  calculateWitness(input: Record<string, unknown>, sanityCheck: boolean): Promise<bigint[]>;
  calculateWTNSBin(input: Record<string, unknown>, sanityCheck: boolean): Promise<Uint8Array>;
}

export interface ProveParameters {
  features: FeatureValues;
  /** Beneficiary address (0x...). */
  subject: string;
  nonce: bigint;
  /** Input-commitment salt; a fresh random one when omitted (keep it to open the commitment). */
  salt?: bigint;
}

export interface ProveReturnType {
  proof: Groth16Proof;
  /** Flat public signals, in ABI order. */
  publicSignals: bigint[];
  decoded: PublicSignals;
  reference: ReferenceResult;
  salt: bigint;
  /** abi-encoded proof bytes for IInferenceVerifier / InferenceHub. */
  proofBytes: string;
  timings: { witnessMs: number; proveMs: number };
}

export class ModelProver {
  private constructor(
    readonly ir: ModelIR,
    readonly modelCommitment: bigint,
    private readonly witnessCalculator: WitnessCalculator,
    private readonly zkey: Uint8Array,
    readonly verificationKey: unknown,
  ) {}

  /** Loads a built model (see buildModel); throws when its artifacts are stale. */
  static async load(specPath: string): Promise<ModelProver> {
    const ir = lowerModel(readModelSpec(specPath));
    const commitment = await modelCommitment(ir);
    const info = JSON.parse(readFileSync(artifactPath(ir.name, "circuitInfo"), "utf8")) as { modelCommitment: string };
    if (BigInt(info.modelCommitment) !== commitment) {
      throw new ZkinferError(`The built circuit of ${ir.name} is stale (its model commitment differs from the spec's). Run \`npm run build:models\`.`);
    }
    const wc = (await WitnessCalculatorBuilder(readFileSync(artifactPath(ir.name, "wasm")))) as WitnessCalculator;
    const zkey = readFileSync(artifactPath(ir.name, "zkey"));
    const vkey = JSON.parse(readFileSync(artifactPath(ir.name, "vkey"), "utf8"));
    return new ModelProver(ir, commitment, wc, zkey, vkey);
  }

  /** The circuit's input object for already-validated features. */
  async circuitInput(p: ProveParameters & { salt: bigint }): Promise<{ input: Record<string, unknown>; reference: ReferenceResult }> {
    const reference = runReference(this.ir, p.features);
    const subject = BigInt(p.subject);
    if (subject >= 1n << 160n) throw new RangeError(`subject ${p.subject} is not a 20-byte address`);
    if (p.nonce < 0n || p.nonce >= FIELD_MODULUS) throw new RangeError(`nonce must be in [0, r), got ${p.nonce}`);
    return {
      reference,
      input: {
        features: reference.inputs.map(toField),
        salt: p.salt,
        subject,
        nonce: p.nonce,
        // Private weights are witness values the prover holds (from its secret spec); the circuit
        // hashes them into the public modelCommitment, which the registry pins.
        ...(this.ir.visibility.weights === "private" ? { weights: privateWeights(this.ir).map(toField), weightSalt: toField(this.ir.visibility.weightSalt!) } : {}),
      },
    };
  }

  /** Full witness as field elements (for tests that inspect or tamper with it). */
  async witness(p: ProveParameters & { salt: bigint }): Promise<bigint[]> {
    const { input } = await this.circuitInput(p);
    return this.witnessCalculator.calculateWitness(input, true);
  }

  async prove(p: ProveParameters): Promise<ProveReturnType> {
    const salt = p.salt ?? randomSalt();
    const { input, reference } = await this.circuitInput({ ...p, salt });
    const t0 = performance.now();
    const wtns = await this.witnessCalculator.calculateWTNSBin(input, true);
    const t1 = performance.now();
    const { proof, publicSignals } = await snarkjs.groth16.prove({ type: "mem", data: this.zkey }, { type: "mem", data: wtns });
    const t2 = performance.now();
    const signals = (publicSignals as string[]).map((s) => BigInt(s));
    const decoded = decodePublicSignals(signals, publicOutputCount(this.ir));

    // The circuit and the reference interpreter are two back ends of one IR: they must agree.
    const expected = encodePublicSignals({
      outputs: await publicOutputs(this.ir, reference.outputs, salt),
      modelCommitment: this.modelCommitment,
      inputCommitment: await inputCommitment(reference.inputs, salt),
      subject: BigInt(p.subject),
      nonce: p.nonce,
    });
    if (expected.some((x, i) => x !== signals[i])) {
      throw new ZkinferError(`Circuit and reference interpreter disagree on ${this.ir.name}: [${signals}] vs [${expected}]. This is a compiler bug.`);
    }
    return { proof, publicSignals: signals, decoded, reference, salt, proofBytes: encodeProof(proof), timings: { witnessMs: t1 - t0, proveMs: t2 - t1 } };
  }

  /** Off-chain verification against the model's verification key. */
  async verify(proof: Groth16Proof, publicSignals: readonly bigint[]): Promise<boolean> {
    return snarkjs.groth16.verify(this.verificationKey, publicSignals.map(String), proof);
  }
}

/** A uniformly random field element (248 random bits, well below r). */
export function randomSalt(): bigint {
  return BigInt("0x" + randomBytes(31).toString("hex"));
}
