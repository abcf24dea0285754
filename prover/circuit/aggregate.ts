/**
 * The aggregated circuit of a model: N copies of its inference, one statement per slot, in one
 * Groth16 proof (docs/AGGREGATION.md). Public signals as prover/abi/aggregatedSignals.ts.
 *
 * The model's inference core (range-checked features -> layers -> public outputs, and the input
 * commitment) is emitted as its own template, `<Model>Statement`, by the very functions that emit
 * the single circuit's body (./codegen.ts), so the two cannot drift; the single circuit's text is
 * left as it was, so no model commitment changes. The aggregated main template instantiates the core
 * N times. Weights appear once: public weights are constants of the core; private weights are ONE
 * input array shared by every slot, range-checked and committed (modelCommitment) once per batch.
 *
 * Per slot: `active` is a constrained bit; the statement word is active * (2^224 + nonce * 2^160 +
 * subject); each output word is active * (the outputs packed by PackRanged at their proven ranges);
 * the tree leaf is active * inputCommitment. So an empty slot's public fields are all 0 whatever its
 * private inputs: it acts on nothing, and cannot be made to (a non-zero word needs active = 1, and
 * then the slot is a statement like any other, with its nonce and authorization checked).
 *
 * subject and nonce are NOT decomposed in the circuit (224 constraints a slot saved): nothing in the
 * inference depends on them, so the statement IS its word, which the proof binds (it sits in the
 * product with `active`). The hub accepts an active word only in [2^224, 2^225) (marker = 1), where
 * word -> (low 160 bits, next 64 bits) is a bijection: one word, one (subject, nonce). A word outside
 * is refused (InferenceHubInvalidStatement); 0 is an empty slot. The outputs, which the consumer
 * reads, ARE range-checked before packing (PackRanged), so one word decodes to one output vector.
 * The leaves form a Poseidon(2) Merkle tree whose root is public.
 */
import { ATTESTATION_FIELDS } from "../abi/publicSignals.js";
import { ACTIVE_BIT, SUBJECT_BITS, aggregatedOutputLayout, checkAggregationSize, slotSize, type AggregatedOutputLayout } from "../abi/aggregatedSignals.js";
import { pascalName } from "../artifacts/names.js";
import { ZkinferError } from "../errors.js";
import { publicOutputCount, type ModelIR } from "../model/ir.js";
import { privateWeights } from "../model/commitment.js";
import { checkRenderable, emitIncludes, emitInputPacking, emitInference, emitOutputs, emitPoseidonChain, emitPrivateWeightCommitment } from "./codegen.js";

export interface GenerateAggregatedCircuitParameters {
  ir: ModelIR;
  /** Batch size: a power of two in [2, 1024]. */
  n: number;
  /** The model's commitment (a constant of the circuit with public weights). */
  modelCommitment: bigint;
  /** The model's SINGLE circuit digest (circuitDigest), which the commitment layout covers. */
  circuitDigest: bigint;
}

/** The artifact name of a model's aggregated circuit of size n: its keys and verifier live under it. */
export function aggregatedArtifactName(model: string, n: number): string {
  return `${model}-aggregated-${n}`;
}

/** Name of the inference-core template, e.g. credit-score -> CreditScoreStatement. */
export function statementTemplateName(model: string): string {
  return `${pascalName(model)}Statement`;
}

/** Why a model cannot aggregate, or undefined when it can. */
export function aggregationRefusal(ir: ModelIR): string | undefined {
  if (ir.attestation !== undefined)
    return `model ${ir.name} is attested: an attested statement needs its own attester and window; aggregation takes plain private-input models`;
  if (ir.visibility.inputs === "public") return `model ${ir.name} has public inputs: they are a statement's bulk and do not aggregate`;
  return undefined;
}

/**
 * Emits the aggregated circuit of `ir` for batches of `n`. Deterministic, like generateCircuit.
 *
 * @example
 * const source = generateAggregatedCircuit({ ir, n: 16, modelCommitment, circuitDigest });
 */
export function generateAggregatedCircuit({ ir, n, modelCommitment, circuitDigest }: GenerateAggregatedCircuitParameters): string {
  checkAggregationSize(n);
  checkRenderable(ir);
  const refusal = aggregationRefusal(ir);
  if (refusal) throw new ZkinferError(refusal);
  if (ATTESTATION_FIELDS.length !== 2) throw new Error("attestation ABI changed: update the aggregated codegen");
  const layout = aggregatedOutputLayout(ir);
  const lines: string[] = [];
  const emit = (s = "") => lines.push(s);
  emitIncludes(ir, emit);
  emitStatementTemplate(ir, emit);
  emitAggregatedMain(ir, n, layout, modelCommitment, circuitDigest, emit);
  return lines.join("\n") + "\n";
}

/** The inference core: features (+ shared private weights) -> outputs and the input commitment. */
function emitStatementTemplate(ir: ModelIR, emit: (s?: string) => void): void {
  const k = publicOutputCount(ir);
  const hasPrivateWeights = ir.visibility.weights === "private";
  emit("// One statement's inference: the single circuit's body without its bindings (subject, nonce, model");
  emit("// commitment), emitted by the same functions (prover/circuit/codegen.ts).");
  emit(`template ${statementTemplateName(ir.name)}() {`);
  emit(`    signal input features[${ir.features.length}];`);
  emit("    signal input salt;");
  if (ir.visibility.outputs === "hashed") emit("    signal input outputSalt;");
  if (hasPrivateWeights) emit(`    signal input weights[${privateWeights(ir).length}];`);
  emit(`    signal output outputs[${k}];`);
  emit("    signal output inputCommitment;");
  emit();
  const words = emitInputPacking(ir, false, emit);
  const prev = emitInference(ir, emit);
  emitOutputs(ir, prev, emit);
  emit();
  emit("    // inputCommitment = Poseidon(packed features..., salt), as in the single circuit.");
  emitPoseidonChain([...words.map((_, w) => `inputWord${w}`), "salt"], "inputHash", emit);
  emit("    inputCommitment <== inputHash;");
  emit("}");
  emit();
}

function emitAggregatedMain(ir: ModelIR, n: number, layout: AggregatedOutputLayout, modelCommitment: bigint, digest: bigint, emit: (s?: string) => void): void {
  const f = ir.features.length;
  const size = slotSize(layout);
  const hasPrivateWeights = ir.visibility.weights === "private";
  const hashed = ir.visibility.outputs === "hashed";
  const name = `${pascalName(ir.name)}Aggregated${n}`;
  emit(`// ${n} statements of ${ir.name}@${ir.version} in one proof. Public signals (prover/abi/aggregatedSignals.ts):`);
  emit(`// modelCommitment, inputRoot, then per slot its statement word and ${layout.words} packed output word(s).`);
  emit(`template ${name}() {`);
  emit(`    signal input features[${n}][${f}];`);
  emit(`    signal input salt[${n}];`);
  if (hashed) emit(`    signal input outputSalt[${n}];`);
  emit(`    signal input subject[${n}];`);
  emit(`    signal input nonce[${n}];`);
  emit("    // 1 for a statement, 0 for an empty slot.");
  emit(`    signal input active[${n}];`);
  if (hasPrivateWeights) {
    emit("    // Private weights: ONE copy for every slot, opened (committed) once per batch.");
    emit(`    signal input weights[${privateWeights(ir).length}];`);
    emit("    signal input weightSalt;");
  }
  emit();
  emit("    // Public outputs, in ABI order (all public signals of this circuit are outputs).");
  emit("    signal output modelCommitment;");
  emit("    signal output inputRoot;");
  emit(`    signal output slots[${n * size}];`);
  emit();
  if (hasPrivateWeights) {
    emitPrivateWeightCommitment(ir, digest, emit);
  } else {
    emit("    // Public weights are constants of the statement template; the commitment is the model's.");
    emit(`    modelCommitment <== ${modelCommitment};`);
  }
  emit();
  const stName = statementTemplateName(ir.name);
  const marker = 1n << BigInt(ACTIVE_BIT);
  const nonceShift = 1n << BigInt(SUBJECT_BITS);
  const param = (xs: (number | bigint | string)[]) => `[${xs.join(", ")}]`;
  for (let i = 0; i < n; i++) {
    const base = i * size;
    emit(`    // Slot ${i}.`);
    emit(`    component st${i} = ${stName}();`);
    emit(`    st${i}.features <== features[${i}];`);
    emit(`    st${i}.salt <== salt[${i}];`);
    if (hashed) emit(`    st${i}.outputSalt <== outputSalt[${i}];`);
    if (hasPrivateWeights) emit(`    st${i}.weights <== weights;`);
    emit(`    active[${i}] * (active[${i}] - 1) === 0;`);
    emit(`    slots[${base}] <== active[${i}] * (${marker} + nonce[${i}] * ${nonceShift} + subject[${i}]);`);
    for (let w = 0; w < layout.words; w++) {
      const members = layout.outputs.filter((o) => o.word === w);
      if (members.length === 1 && members[0]!.bits === 0) {
        emit(`    slots[${base + 1 + w}] <== active[${i}] * st${i}.outputs[${members[0]!.index}];`);
        continue;
      }
      const word = `slot${i}_word${w}`;
      emit(
        `    signal ${word} <== PackRanged(${members.length}, ${param(members.map((o) => o.bits))}, ${param(members.map((o) => o.min))}, ${param(members.map((o) => o.max))})(${param(members.map((o) => `st${i}.outputs[${o.index}]`))});`,
      );
      emit(`    slots[${base + 1 + w}] <== active[${i}] * ${word};`);
    }
    emit(`    signal leaf${i} <== active[${i}] * st${i}.inputCommitment;`);
    emit();
  }
  emit("    // The input commitments' Merkle tree (Poseidon(2) nodes), leaves in slot order.");
  let level = Array.from({ length: n }, (_, i) => `leaf${i}`);
  let depth = 0;
  while (level.length > 1) {
    const next: string[] = [];
    for (let j = 0; j < level.length; j += 2) {
      const node = `node${depth + 1}_${j / 2}`;
      emit(`    signal ${node} <== Poseidon(2)([${level[j]}, ${level[j + 1]}]);`);
      next.push(node);
    }
    level = next;
    depth++;
  }
  emit(`    inputRoot <== ${level[0]};`);
  emit("}");
  emit();
  emit(`component main = ${name}();`);
}
