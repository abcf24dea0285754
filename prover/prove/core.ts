/**
 * The prover: features -> reference output -> witness -> Groth16 proof -> calldata. The witness
 * generator and the zkey are loaded once per ModelProver and reused for every proof (loading them
 * per proof would dominate the cost of a small model).
 *
 * This file is the one implementation for Node and the browser: it imports nothing from Node and
 * takes its artifacts as bytes. The loaders only fetch them: ./prover.ts (files, Node) and
 * ./browser.ts (fetch, browsers and Web Workers).
 */
import { WitnessCalculatorBuilder } from "circom_runtime";
import * as snarkjs from "snarkjs";
import { decodePublicSignals, encodePublicSignals, type PublicSignals } from "../abi/publicSignals.js";
import { attestationCircuitInput, verifyAttestation, type Attestation } from "../attest/attestation.js";
import { AttestationFeatureMismatchError, AttestationFormatError, AttestationSubjectError } from "../attest/errors.js";
import { ZkinferError } from "../errors.js";
import { FIELD_MODULUS, toField } from "../field.js";
import { inputCommitment, modelCommitmentForCircuit, privateWeights, publicOutputs } from "../model/commitment.js";
import { modelCommitment } from "../circuit/commitment.js";
import { lowerModel, publicInputCount, publicOutputCount, type ModelIR } from "../model/ir.js";
import { runReference, type FeatureValues, type ReferenceResult } from "../model/interpret.js";
import { parseModelSpec, proofSystemOf, type ProofSystem } from "../model/specSchema.js";
import { assertProofSystem, encodeProof, proofSystemOfProof, type FflonkProof, type Groth16Proof, type PlonkProof, type SnarkProof } from "./calldata.js";

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
   * Hashed-output models only: the output hash's own salt, a fresh random one when omitted (keep it
   * to open the outputs). Separate from `salt`, so opening one commitment never opens the other.
   */
  outputSalt?: bigint;
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

/** What a prover is made of; the loaders read or fetch these (artifactPath kinds spec, wasm, zkey, vkey, circuitInfo). */
export interface ModelArtifacts {
  /** The model spec as parsed JSON (validated by fromArtifacts). */
  spec: unknown;
  /** circuit.wasm, the witness generator. */
  wasm: Uint8Array;
  /** The proving key (Groth16, PLONK or FFLONK: the spec's `proofSystem`). */
  zkey: Uint8Array;
  /** The verification key JSON. */
  verificationKey: unknown;
  /** The build's circuit info; when given, its model commitment must be the spec's. */
  circuitInfo?: { modelCommitment: string; circuitDigest?: string };
  /** The error for stale artifacts (the Node loader names the command that rebuilds the model). */
  staleError?: () => Error;
  /** Where the spec came from, for error messages. */
  source?: string;
}

/** Stages of a proof, for progress reporting (a browser progress bar). */
export type ProveStage = "validate" | "witness" | "prove" | "check";

export interface ProveReturnType {
  /** snarkjs's proof object; its `protocol` names the proof system. */
  proof: SnarkProof;
  proofSystem: ProofSystem;
  /** Flat public signals, in ABI order. */
  publicSignals: bigint[];
  decoded: PublicSignals;
  reference: ReferenceResult;
  salt: bigint;
  /** The output hash's salt (hashed-output models only). */
  outputSalt?: bigint;
  /** abi-encoded proof bytes for IInferenceVerifier / InferenceHub. */
  proofBytes: string;
  timings: { witnessMs: number; proveMs: number };
}

export class ModelProver {
  protected constructor(
    readonly ir: ModelIR,
    readonly modelCommitment: bigint,
    protected readonly witnessCalculator: WitnessCalculator,
    protected readonly zkey: Uint8Array,
    readonly verificationKey: unknown,
    readonly proofSystem: ProofSystem = "groth16",
  ) {}

  /**
   * A prover from a model's built artifacts, as bytes or parsed JSON: the spec (validated here, errors
   * name the field), the witness generator (circuit.wasm), the proving key (zkey) and the
   * verification key. With `circuitInfo` (the build's circuit.json) it throws when the artifacts
   * are stale: built for another model commitment than the spec's.
   */
  static async fromArtifacts(artifacts: ModelArtifacts): Promise<ModelProver> {
    const spec = parseModelSpec(artifacts.spec, artifacts.source);
    const ir = lowerModel(spec);
    const system = proofSystemOf(spec);
    // A key built for another system (the spec's proofSystem changed since the build) cannot prove.
    const keySystem = (artifacts.verificationKey as { protocol?: unknown } | null)?.protocol;
    if (keySystem !== system) {
      throw (
        artifacts.staleError?.() ??
        new ZkinferError(
          `The verification key of ${ir.name} is for ${String(keySystem)}, but its spec says proofSystem ${system}. Run \`npm run build:models\`.`,
        )
      );
    }
    // The build recorded its circuit's digest: the commitment follows from the IR and that digest,
    // without rendering the circuit again (an old record without it: rendered here).
    const info = artifacts.circuitInfo;
    const commitment = info?.circuitDigest !== undefined ? await modelCommitmentForCircuit(ir, BigInt(info.circuitDigest)) : await modelCommitment(ir);
    if (info && BigInt(info.modelCommitment) !== commitment) {
      throw (
        artifacts.staleError?.() ??
        new ZkinferError(`The built circuit of ${ir.name} is stale (its model commitment differs from the spec's). Run \`npm run build:models\`.`)
      );
    }
    const wc = (await WitnessCalculatorBuilder(artifacts.wasm)) as WitnessCalculator;
    return new this(ir, commitment, wc, artifacts.zkey, artifacts.verificationKey, system);
  }

  /**
   * This prover's circuit and keys for another IR of the same circuit (a new private-weight version:
   * the caller checks that both compile to the same circuit, see ./prover.ts loadWithWeights).
   */
  protected withModel(ir: ModelIR, commitment: bigint): this {
    const Self = this.constructor as new (ir: ModelIR, c: bigint, wc: WitnessCalculator, zkey: Uint8Array, vkey: unknown, system: ProofSystem) => this;
    return new Self(ir, commitment, this.witnessCalculator, this.zkey, this.verificationKey, this.proofSystem);
  }

  /** The circuit's input object for already-validated features. */
  async circuitInput(p: ProveParameters & { salt: bigint }): Promise<{ input: Record<string, unknown>; reference: ReferenceResult }> {
    const hashed = this.ir.visibility.outputs === "hashed";
    if (hashed && p.outputSalt === undefined) throw new RangeError(`model ${this.ir.name} hashes its outputs: pass outputSalt`);
    if (!hashed && p.outputSalt !== undefined) throw new RangeError(`model ${this.ir.name} does not hash its outputs: outputSalt is not used`);
    const reference = runReference(this.ir, p.features);
    const subject = BigInt(p.subject);
    if (subject >= 1n << 160n) throw new RangeError(`subject ${p.subject} is not a 20-byte address`);
    if (p.nonce < 0n || p.nonce >= FIELD_MODULUS) throw new RangeError(`nonce must be in [0, r), got ${p.nonce}`);
    const input: Record<string, unknown> = {
      features: reference.inputs.map(toField),
      salt: p.salt,
      ...(hashed ? { outputSalt: p.outputSalt } : {}),
      subject,
      nonce: p.nonce,
      // Private weights are witness values the prover holds (from its secret spec); the circuit
      // hashes them into the public modelCommitment, which the registry pins.
      ...(this.ir.visibility.weights === "private"
        ? { weights: privateWeights(this.ir).map(toField), weightSalt: toField(this.ir.visibility.weightSalt!) }
        : {}),
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

  async prove(p: ProveParameters, onStage?: (stage: ProveStage) => void): Promise<ProveReturnType> {
    const salt = p.salt ?? randomSalt();
    onStage?.("validate");
    const outputSalt = this.ir.visibility.outputs === "hashed" ? (p.outputSalt ?? randomSalt()) : undefined;
    const { input, reference } = await this.circuitInput({ ...p, salt, outputSalt });
    onStage?.("witness");
    const t0 = performance.now();
    const wtns = await this.witnessCalculator.calculateWTNSBin(input, true);
    const t1 = performance.now();
    onStage?.("prove");
    const { proof, publicSignals } = await proveWith(this.proofSystem, this.zkey, wtns);
    const t2 = performance.now();
    onStage?.("check");
    const signals = (publicSignals as string[]).map((s) => BigInt(s));
    const attested = this.ir.attestation !== undefined;
    const publicInputs = publicInputCount(this.ir);
    const decoded = decodePublicSignals(signals, publicOutputCount(this.ir), { attested, publicInputs });

    // The circuit and the reference interpreter are two back ends of one IR: they must agree.
    const expected = encodePublicSignals({
      outputs: await publicOutputs(this.ir, reference.outputs, outputSalt ?? 0n, reference.inputs),
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
    return {
      proof,
      proofSystem: this.proofSystem,
      publicSignals: signals,
      decoded,
      reference,
      salt,
      ...(outputSalt === undefined ? {} : { outputSalt }),
      proofBytes: encodeProof(proof),
      timings: { witnessMs: t1 - t0, proveMs: t2 - t1 },
    };
  }

  /** Off-chain verification against the model's verification key; a proof of another system throws. */
  async verify(proof: SnarkProof, publicSignals: readonly bigint[]): Promise<boolean> {
    return verifySnarkProof(this.verificationKey, publicSignals, proof);
  }
}

/** snarkjs's prover of `system` on an in-memory proving key and witness. */
async function proveWith(system: ProofSystem, zkey: Uint8Array, wtns: Uint8Array): Promise<{ proof: SnarkProof; publicSignals: string[] }> {
  const key = { type: "mem", data: zkey } as const;
  const witness = { type: "mem", data: wtns } as const;
  switch (system) {
    case "groth16":
      return snarkjs.groth16.prove(key, witness);
    case "plonk":
      return snarkjs.plonk.prove(key, witness);
    case "fflonk":
      return snarkjs.fflonk.prove(key, witness);
  }
}

/**
 * Checks a snarkjs proof of any system against a verification key off-chain (the CLI's verify, the
 * SDK's re-verification). The key's `protocol` must be the proof's: a proof of one system given to
 * another's key throws naming both, instead of snarkjs failing deep in its arithmetic.
 */
export async function verifySnarkProof(verificationKey: unknown, publicSignals: readonly (bigint | string)[], proof: SnarkProof): Promise<boolean> {
  const keySystem = (verificationKey as { protocol?: unknown } | null)?.protocol;
  if (keySystem !== "groth16" && keySystem !== "plonk" && keySystem !== "fflonk") {
    throw new ZkinferError(`The verification key's \`protocol\` is ${JSON.stringify(keySystem)}: expected a snarkjs groth16, plonk or fflonk key.`);
  }
  assertProofSystem(proof, keySystem, "the verification key");
  const signals = publicSignals.map(String);
  // snarkjs's plonk/fflonk verifiers report a failed check through the logger (and crash without
  // one): the answer is the boolean, so the messages are dropped.
  const quiet = { error: () => {}, warn: () => {}, info: () => {}, debug: () => {} };
  switch (proofSystemOfProof(proof)) {
    case "groth16":
      return snarkjs.groth16.verify(verificationKey, signals, proof as Groth16Proof, quiet);
    case "plonk":
      return snarkjs.plonk.verify(verificationKey, signals, proof as PlonkProof, quiet);
    case "fflonk":
      return snarkjs.fflonk.verify(verificationKey, signals, proof as FflonkProof, quiet);
  }
}

/** A uniformly random field element (248 random bits, well below r). */
export function randomSalt(): bigint {
  // Web Crypto: global in Node >= 19, browsers and workers.
  const bytes = globalThis.crypto.getRandomValues(new Uint8Array(31));
  return bytes.reduce((acc, b) => (acc << 8n) | BigInt(b), 0n);
}
