/**
 * The modeller's prover for an accuracy bounty: private weights (a model spec in the bounty's
 * architecture) -> witness of the sponsor's bounty circuit -> Groth16 proof of "these committed
 * weights label `correct` of the N test samples correctly", for a payee (`subject`) and a nonce.
 * The circuit's wasm and zkey are loaded once.
 */
import { readFileSync } from "node:fs";
import { WitnessCalculatorBuilder } from "circom_runtime";
import * as snarkjs from "snarkjs";
import { decodePublicSignals, encodePublicSignals, type PublicSignals } from "../abi/publicSignals.js";
import { artifactPath } from "../artifacts/paths.js";
import { BOUNTY_OUTPUTS, bountyCorrect, bountyModelCommitment, generateBountyCircuit } from "../circuit/bounty.js";
import { ZkinferError } from "../errors.js";
import { FIELD_MODULUS, toField } from "../field.js";
import { privateWeights } from "../model/commitment.js";
import type { ModelIR } from "../model/ir.js";
import { testSetHash, type TestSet } from "../model/testSet.js";
import { encodeProof, type Groth16Proof } from "./calldata.js";

interface WitnessCalculator {
  calculateWitness(input: Record<string, unknown>, sanityCheck: boolean): Promise<bigint[]>;
  calculateWTNSBin(input: Record<string, unknown>, sanityCheck: boolean): Promise<Uint8Array>;
}

export interface ProveBountyParameters {
  /** The modeller's model (private weights and salt) in the bounty's architecture. */
  ir: ModelIR;
  /** The payee (0x...): the bounty pays the subject, whoever submits. */
  subject: string;
  nonce: bigint;
}

export interface ProveBountyReturnType {
  proof: Groth16Proof;
  /** abi-encoded proof bytes for InferenceHub.verifyAndAct. */
  proofBytes: string;
  /** Flat public signals, in ABI order: [correct, testSetHash, modelCommitment, 0, subject, nonce]. */
  publicSignals: bigint[];
  decoded: PublicSignals;
  correct: number;
  modelCommitment: bigint;
  timings: { witnessMs: number; proveMs: number };
}

export class BountyProver {
  private constructor(
    readonly name: string,
    readonly testSet: TestSet,
    readonly testSetHash: bigint,
    private readonly witnessCalculator: WitnessCalculator,
    private readonly zkey: Uint8Array,
    readonly verificationKey: unknown,
  ) {}

  /** Loads the bounty circuit `name` built by buildBounty for `testSet`; throws when it was built for another test set. */
  static async load(name: string, testSet: TestSet): Promise<BountyProver> {
    const hash = testSetHash(testSet);
    const info = JSON.parse(readFileSync(artifactPath(name, "circuitInfo"), "utf8")) as { testSetHash?: string };
    if (info.testSetHash !== hash.toString()) {
      throw new ZkinferError(
        `the bounty circuit ${name} was built for test set ${info.testSetHash ?? "(none: not a bounty build)"}, not ${hash}: rebuild it (buildBounty)`,
      );
    }
    const wc = (await WitnessCalculatorBuilder(readFileSync(artifactPath(name, "wasm")))) as WitnessCalculator;
    const vkey = JSON.parse(readFileSync(artifactPath(name, "vkey"), "utf8"));
    return new BountyProver(name, testSet, hash, wc, readFileSync(artifactPath(name, "zkey")), vkey);
  }

  /** The circuit's input; refuses a model whose architecture or widths are not the built circuit's. */
  circuitInput({ ir, subject, nonce }: ProveBountyParameters): Record<string, unknown> {
    const built = readFileSync(artifactPath(this.name, "circuit"), "utf8");
    if (generateBountyCircuit({ name: this.name, ir, testSet: this.testSet }) !== built) {
      throw new ZkinferError(`model ${ir.name} does not fit the bounty circuit ${this.name} (architecture, scales or weight widths differ)`);
    }
    const s = BigInt(subject);
    if (s < 0n || s >= 1n << 160n) throw new ZkinferError(`subject ${subject} is not a 20-byte address`);
    if (nonce < 0n || nonce >= FIELD_MODULUS) throw new ZkinferError(`nonce must be in [0, r), got ${nonce}`);
    return { weights: privateWeights(ir).map(toField), weightSalt: toField(ir.visibility.weightSalt!), subject: s, nonce };
  }

  /** Full witness (for soundness tests that tamper with it). */
  async witness(p: ProveBountyParameters): Promise<bigint[]> {
    return this.witnessCalculator.calculateWitness(this.circuitInput(p), true);
  }

  async prove(p: ProveBountyParameters): Promise<ProveBountyReturnType> {
    const input = this.circuitInput(p);
    const t0 = performance.now();
    const wtns = await this.witnessCalculator.calculateWTNSBin(input, true);
    const t1 = performance.now();
    const { proof, publicSignals } = await snarkjs.groth16.prove({ type: "mem", data: this.zkey }, { type: "mem", data: wtns });
    const t2 = performance.now();
    const signals = (publicSignals as string[]).map((x) => BigInt(x));
    // The circuit and the reference interpreter must agree on the count, the hash and the commitment.
    const correct = bountyCorrect(p.ir, this.testSet);
    const commitment = await bountyModelCommitment({ name: this.name, ir: p.ir, testSet: this.testSet });
    const expected = encodePublicSignals({
      outputs: [BigInt(correct), this.testSetHash],
      modelCommitment: commitment,
      inputCommitment: 0n,
      subject: BigInt(p.subject),
      nonce: p.nonce,
    });
    if (expected.length !== signals.length || expected.some((x, i) => x !== signals[i])) {
      throw new ZkinferError(`bounty circuit ${this.name} and the reference interpreter disagree: [${signals}] vs [${expected}]. This is a compiler bug.`);
    }
    return {
      proof,
      proofBytes: encodeProof(proof),
      publicSignals: signals,
      decoded: decodePublicSignals(signals, BOUNTY_OUTPUTS.length),
      correct,
      modelCommitment: commitment,
      timings: { witnessMs: t1 - t0, proveMs: t2 - t1 },
    };
  }

  async verify(proof: Groth16Proof, publicSignals: readonly bigint[]): Promise<boolean> {
    return snarkjs.groth16.verify(this.verificationKey, publicSignals.map(String), proof);
  }
}
