/**
 * Accuracy-bounty circuits (design and attacks: docs/SECURITY.md, "Accuracy bounty"): a linear model with PRIVATE
 * committed weights evaluated on N public test samples that are constants of the circuit. Public
 * signals, in the ABI of prover/abi/publicSignals.ts with two outputs:
 *
 *   outputs[0] = correct       the number of samples whose label the model predicts (output >= 0 <=> label 1)
 *   outputs[1] = testSetHash   keccak of the quantized samples and labels (prover/model/testSet.ts), a constant
 *   modelCommitment            the private-weight commitment (commitmentLayout), as the registry stores it
 *   inputCommitment = 0        nothing private but the weights
 *   subject, nonce             the payee and the replay key, bound by BindPublic
 *
 * Cost: sample s's accumulator sum_i x_si w_i + b is a constant times a signal per term: linear, no
 * constraint. Its sign is one IsNonNegative(K_s) (K_s + 1 constraints), with K_s from the sample's own
 * values and the weights' FIXED widths, so |acc| < 2^K_s for every weight vector the commitment's range
 * checks admit (no wrap-around, whoever the prover is). The count is linear. The rest is the weight
 * commitment. The circuit depends on the architecture, the widths and the test set only: never on a
 * modeller's weights, so the sponsor builds it (and its verifier) before any modeller has a model.
 */
import { pascalName } from "../artifacts/paths.js";
import { bitLength } from "../field.js";
import { ZkinferError } from "../errors.js";
import { runQuantized } from "../model/interpret.js";
import { modelCommitmentForCircuit, privateWeights, weightSegments } from "../model/commitment.js";
import type { ModelIR } from "../model/ir.js";
import type { GraphNodeOf } from "../graph/registry.js";
import { checkTestSet, testSetHash, type TestSet } from "../model/testSet.js";
import { balancedSum, circuitSourceDigest, commentText, emitPrivateWeightCommitment } from "./codegen.js";

/** The bounty's outputs, in the order of the public signals' outputs slot. */
export const BOUNTY_OUTPUTS = ["correct", "testSetHash"] as const;

export interface BountyCircuitParameters {
  /** The circuit's name (kebab-case): the build folder and the verifier contract are named after it. */
  name: string;
  /** The architecture: one dense layer, one output, private weights at fixed widths (visibility.weightWidths). */
  ir: ModelIR;
  testSet: TestSet;
}

/** The dense layer of a bounty model; refuses any other architecture, naming what differs. */
export function bountyLayer(ir: ModelIR, testSet: TestSet): GraphNodeOf<"affine"> {
  checkTestSet(testSet);
  const op = ir.graph.nodes[0];
  if (ir.graph.nodes.length !== 1 || op?.family !== "affine" || op.rows.length !== 1 || op.relu || !op.private) {
    throw new ZkinferError(`model ${ir.name}: a bounty model is one dense layer with one output and no ReLU (a linear score; label 1 when score >= 0)`);
  }
  if (ir.visibility.weights !== "private" || !ir.visibility.weightWidths) {
    throw new ZkinferError(
      `model ${ir.name}: a bounty model needs visibility.weights "private" and fixed visibility.weightWidths, so that the circuit does not depend on the weights`,
    );
  }
  if (ir.visibility.outputs !== "public" || ir.visibility.inputs !== "private" || ir.attestation || ir.extraOutputs) {
    throw new ZkinferError(`model ${ir.name}: a bounty model has public outputs, no public inputs, no attestation and no extra outputs`);
  }
  if (ir.inputScale !== testSet.inputScale)
    throw new ZkinferError(`testSet.inputScale = ${testSet.inputScale}; model ${ir.name} takes inputs at 2^${ir.inputScale}`);
  const names = ir.features.map((f) => f.name);
  if (names.join() !== testSet.features.join())
    throw new ZkinferError(`testSet.features (${testSet.features.join(", ")}) differ from model ${ir.name}'s inputs (${names.join(", ")})`);
  testSet.samples.forEach((row, s) =>
    row.forEach((x, i) => {
      const f = ir.features[i]!;
      if (x < f.qmin || x > f.qmax)
        throw new ZkinferError(`testSet.samples[${s}][${i}] (${f.name}) = ${x} is outside the declared range [${f.qmin}, ${f.qmax}]`);
    }),
  );
  return op;
}

/**
 * K_s per sample: the smallest K with |sum_i x_si w_i + b| < 2^K for EVERY weight vector within the
 * fixed widths (|w| <= 2^(W-1), |b| <= 2^(Wb-1), the SignedBits ranges of the commitment).
 */
export function bountyComparisonBits(ir: ModelIR, testSet: TestSet): number[] {
  bountyLayer(ir, testSet);
  const [w, b] = weightSegments(ir).map((s) => 1n << BigInt(s.bits - 1));
  return testSet.samples.map((row) => Math.max(1, bitLength(row.reduce((sum, x) => sum + (x < 0n ? -x : x) * w!, b!))));
}

/** The reference count: samples whose label the model's quantized output (the interpreter's) predicts. */
export function bountyCorrect(ir: ModelIR, testSet: TestSet): number {
  bountyLayer(ir, testSet);
  return testSet.samples.filter((row, s) => (runQuantized(ir, row).outputs[0]! >= 0n ? 1 : 0) === testSet.labels[s]).length;
}

/** Main template name, e.g. credit-bounty-300 -> CreditBounty300Bounty. */
export function bountyTemplateName(name: string): string {
  return `${pascalName(name)}Bounty`;
}

/**
 * The bounty's main .circom (deterministic: the build cache relies on it).
 *
 * @example
 * const source = generateBountyCircuit({ name: "credit-bounty-12", ir, testSet });
 */
export function generateBountyCircuit(p: BountyCircuitParameters): string {
  return renderBountyCircuit(p, bountyCircuitDigest(p));
}

/**
 * The bounty circuit's digest (circuitSourceDigest of its text with the digest itself at 0): the
 * circuit identity a modeller's commitment carries. It depends on the architecture, the weight widths
 * and the test set, never on the weights or the model's name, so every modeller's model of the
 * bounty commits under the one circuit the sponsor built.
 */
export function bountyCircuitDigest(p: BountyCircuitParameters): bigint {
  return circuitSourceDigest(renderBountyCircuit(p, 0n));
}

/** A modeller's model commitment under the bounty circuit: what it registers and what the proof states. */
export function bountyModelCommitment(p: BountyCircuitParameters): Promise<bigint> {
  return modelCommitmentForCircuit(p.ir, bountyCircuitDigest(p));
}

function renderBountyCircuit({ name, ir, testSet }: BountyCircuitParameters, digest: bigint): string {
  if (!/^[a-z][a-z0-9-]*$/.test(name)) throw new ZkinferError(`bounty circuit name ${JSON.stringify(name)} is not kebab-case`);
  const op = bountyLayer(ir, testSet);
  const bits = bountyComparisonBits(ir, testSet);
  const n = ir.features.length;
  const numWeights = privateWeights(ir).length;
  const hash = testSetHash(testSet);
  const lines: string[] = [];
  const emit = (s = "") => lines.push(s);
  emit("pragma circom 2.2.0;");
  emit();
  // Nothing of the model but its architecture (not even its name): the circuit is the sponsor's.
  emit(`// AUTO-GENERATED by zkinfer (prover/circuit/bounty.ts): accuracy bounty ${name}, ${testSet.samples.length} test samples,`);
  emit(`// test-set hash ${hash}. Do not edit.`);
  emit();
  emit('include "circomlib/circuits/poseidon.circom";');
  emit('include "circuits/lib/binding.circom";');
  emit('include "circuits/lib/compare.circom";');
  emit();
  emit(`template ${bountyTemplateName(name)}() {`);
  emit(`    // Private: the ${n} weights and the bias (quantized, commitment order) and the commitment's salt.`);
  emit(`    signal input weights[${numWeights}];`);
  emit("    signal input weightSalt;");
  emit("    // Public inputs, after the outputs in the public-signal ABI: the payee and the replay key.");
  emit("    signal input subject;");
  emit("    signal input nonce;");
  emit();
  emit("    // Public outputs, in ABI order: outputs = [correct, testSetHash].");
  emit("    signal output outputs[2];");
  emit("    signal output modelCommitment;");
  emit("    signal output inputCommitment;");
  emit();
  // The commitment carries this circuit's identity (bountyCircuitDigest), as a model circuit's carries its own.
  emitPrivateWeightCommitment(ir, digest, emit);
  emit("    inputCommitment <== 0;");
  emit();
  emit(`    // Sample s: acc = sum_i x_si * weights[i] + bias at 2^${op.accScale}, constants times signals (no constraint).`);
  emit("    // positive[s] = (acc >= 0), the top bit of acc + 2^K_s in K_s + 1 bits; K_s bounds |acc| for every weight");
  emit("    // the commitment's range checks admit, so the decomposition cannot wrap around the field.");
  emit(`    signal positive[${testSet.samples.length}];`);
  const correctTerms: string[] = [];
  let negatives = 0;
  testSet.samples.forEach((row, s) => {
    const terms = row.flatMap((x, i) => (x === 0n ? [] : [`${x} * weights[${i}]`]));
    terms.push(`weights[${n}]`);
    emit(`    // sample ${s}, label ${testSet.labels[s]}${s === 0 ? ` (${commentText(testSet.features.join(", "))})` : ""}`);
    emit(`    positive[${s}] <== IsNonNegative(${bits[s]})(${balancedSum(terms)});`);
    if (testSet.labels[s] === 1) correctTerms.push(`positive[${s}]`);
    else {
      negatives++;
      correctTerms.push(`- positive[${s}]`);
    }
  });
  emit();
  emit("    // correct = #{label 1 and positive} + #{label 0 and not positive}: linear in the sign bits.");
  emit(`    outputs[0] <== ${balancedSum([String(negatives), ...correctTerms]).replace(/\+ -/g, "-")};`);
  emit("    // The test set this circuit's constants are; the bounty compares it with the one its sponsor fixed.");
  emit(`    outputs[1] <== ${hash};`);
  emit();
  emit("    // Public inputs must sit in a non-linear constraint, or the proof would not bind them.");
  emit("    BindPublic(2)([subject, nonce]);");
  emit("}");
  emit();
  emit(`component main {public [subject, nonce]} = ${bountyTemplateName(name)}();`);
  return lines.join("\n") + "\n";
}
