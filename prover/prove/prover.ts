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
import { attestationCircuitInput, verifyAttestation, type Attestation } from "../attest/attestation.js";
import { AttestationFeatureMismatchError, AttestationFormatError, AttestationSubjectError } from "../attest/errors.js";
import { ZkinferError } from "../errors.js";
import { FIELD_MODULUS, toField } from "../field.js";
import { inputCommitment, modelCommitment, privateWeights, publicOutputs } from "../model/commitment.js";
import { lowerModel, publicInputCount, publicOutputCount, type ModelIR } from "../model/ir.js";
import { runReference, type FeatureValues, type ReferenceResult } from "../model/interpret.js";
import { readModelSpec, type ModelSpec } from "../model/spec.js";
import { generateCircuit } from "../circuit/codegen.js";
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
  /**
   * Required by an attested model (docs/ATTESTATION.md), refused by a plain one: the attester's
   * signature over `features` and `subject`. It is checked before proving.
   */
  attestation?: Attestation;
  /**
   * Unix seconds at which the attestation must be valid (the hub checks block.timestamp); default
   * the wall clock. Only for attested models.
   */
  now?: number;
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

  /**
   * Loads the circuit built for `builtSpecPath` with the private weights (and salt) of `spec`: a new
   * version of a private-weight model that compiles to the SAME circuit (same architecture and
   * widths) needs no new build, only a new registered commitment. Throws when the circuits differ.
   */
  static async loadWithWeights(builtSpecPath: string, spec: ModelSpec): Promise<ModelProver> {
    const built = await ModelProver.load(builtSpecPath);
    const ir = lowerModel(spec);
    if (ir.visibility.weights !== "private" || ir.name !== built.ir.name) {
      throw new ZkinferError(`loadWithWeights needs a private-weight version of ${built.ir.name}, got ${ir.name} with ${ir.visibility.weights} weights`);
    }
    const commitment = await modelCommitment(ir);
    // The header names the version; everything below it is the circuit.
    const body = (x: ModelIR, c: bigint) => generateCircuit({ ir: x, modelCommitment: c }).split("\n").filter((l) => !l.startsWith("// AUTO-GENERATED")).join("\n");
    if (body(ir, commitment) !== body(built.ir, built.modelCommitment)) {
      throw new ZkinferError(`${ir.name}@${ir.version} does not compile to the circuit built for ${built.ir.version} (architecture or weight widths differ): build it as its own model.`);
    }
    return new ModelProver(ir, commitment, built.witnessCalculator, built.zkey, built.verificationKey);
  }

  /** The circuit's input object for already-validated features. */
  async circuitInput(p: ProveParameters & { salt: bigint }): Promise<{ input: Record<string, unknown>; reference: ReferenceResult }> {
    const reference = runReference(this.ir, p.features);
    const subject = BigInt(p.subject);
    if (subject >= 1n << 160n) throw new RangeError(`subject ${p.subject} is not a 20-byte address`);
    if (p.nonce < 0n || p.nonce >= FIELD_MODULUS) throw new RangeError(`nonce must be in [0, r), got ${p.nonce}`);
    const input: Record<string, unknown> = {
      features: reference.inputs.map(toField),
      salt: p.salt,
      subject,
      nonce: p.nonce,
      // Private weights are witness values the prover holds (from its secret spec); the circuit
      // hashes them into the public modelCommitment, which the registry pins.
      ...(this.ir.visibility.weights === "private" ? { weights: privateWeights(this.ir).map(toField), weightSalt: toField(this.ir.visibility.weightSalt!) } : {}),
    };
    if (this.ir.attestation) {
      const attestation = await this.checkAttestation(p, reference.inputs, subject);
      Object.assign(input, attestationCircuitInput(attestation));
    } else if (p.attestation) {
      throw new AttestationFormatError(`model ${this.ir.name} does not take attested inputs; prove without an attestation`, "attestation");
    }
    return { reference, input };
  }

  /**
   * For an attested model: the attestation verifies (signature, schema, S < l, validity at `now`)
   * and signs exactly these features and this subject. Throws a typed error naming what differs,
   * before any proving: the circuit would refuse the witness anyway.
   */
  private async checkAttestation(p: ProveParameters, quantized: readonly bigint[], subject: bigint): Promise<Attestation> {
    const attestation = p.attestation;
    if (!attestation) {
      throw new AttestationFormatError(
        `model ${this.ir.name} takes attested inputs: pass the attester's signed record (zkinfer attest) as \`attestation\``,
        "attestation",
      );
    }
    const verified = await verifyAttestation(this.ir, attestation, { now: p.now ?? Math.floor(Date.now() / 1000) });
    if (verified.subject !== subject) {
      throw new AttestationSubjectError(
        `the attestation was issued for subject ${attestation.subject}, not ${p.subject}: a proof can only benefit the attested subject.`,
      );
    }
    this.ir.features.forEach((f, i) => {
      if (verified.quantized[i] !== quantized[i]) {
        throw new AttestationFeatureMismatchError(
          `feature \`${f.name}\` = ${p.features[f.name]} differs from the attested value ${attestation.features[f.name]} (${f.unit}). ` +
            `Prove with the attested values.`,
          f.name,
        );
      }
    });
    return attestation;
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
    const attested = this.ir.attestation !== undefined;
    const publicInputs = publicInputCount(this.ir);
    const decoded = decodePublicSignals(signals, publicOutputCount(this.ir), { attested, publicInputs });

    // The circuit and the reference interpreter are two back ends of one IR: they must agree.
    const expected = encodePublicSignals({
      outputs: await publicOutputs(this.ir, reference.outputs, salt, reference.inputs),
      modelCommitment: this.modelCommitment,
      // Public inputs are public signals themselves: no commitment (0).
      inputCommitment: publicInputs ? 0n : await inputCommitment(this.ir.features, reference.inputs, salt),
      subject: BigInt(p.subject),
      nonce: p.nonce,
      attestation:
        attested && p.attestation
          ? {
              attesterKeyHash: p.attestation.attester.keyHash,
              issuedAt: BigInt(p.attestation.issuedAt),
              expiresAt: BigInt(p.attestation.expiresAt),
            }
          : undefined,
      ...(publicInputs ? { inputs: reference.inputs } : {}),
    });
    if (expected.length !== signals.length || expected.some((x, i) => x !== signals[i])) {
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
