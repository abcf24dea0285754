/**
 * Poseidon commitments: the model commitment (architecture + quantized weights + scales) that the
 * registry stores and the hub compares, and the input commitment Poseidon(packed inputs..., salt)
 * that binds a proof to one private input vector without revealing it (inputPackingLayout).
 *
 * Long vectors are absorbed in chunks (./poseidon.ts). The commitment covers the circuit's digest,
 * which is the codegen's: this module takes the digest as an argument and the codegen imports this
 * one, so the one function that renders a circuit and commits to it is ../circuit/commitment.ts.
 */
import { keccak256, stringToHex } from "viem";
import { bitLength, toField } from "../field.js";
import type { ModelIR } from "./ir.js";
import { graphPreimage } from "../graph/emit.js";
import type { GraphNodeOf } from "../graph/registry.js";
import { POSEIDON_MAX_INPUTS, poseidonHash } from "./poseidon.js";

/**
 * Domain tag: the ASCII bytes of "zkinfer/model/v2" as one field element. v2: the model is one graph
 * of operator families (the layer IR of v1 is retired), so no v1 preimage can be read as a v2 one.
 */
const MODEL_DOMAIN = BigInt(stringToHex("zkinfer/model/v2"));

/** Domain tag of a model with public inputs: the ASCII bytes of "zkinfer/public-inputs/v1". */
const PUBLIC_INPUTS_DOMAIN = BigInt(stringToHex("zkinfer/public-inputs/v1"));
/** Domain tag of the extra-outputs suffix: "zkinfer/extra/v1". */
const EXTRA_OUTPUTS_DOMAIN = BigInt(stringToHex("zkinfer/extra/v1"));

/** Domain tag of an attested model: the ASCII bytes of "zkinfer/attested/v1". */
const ATTESTED_DOMAIN = BigInt(stringToHex("zkinfer/attested/v1"));

/**
 * Domain tag of the circuit identity suffix: the ASCII bytes of "zkinfer/circuit/v1". Every layout
 * ends with it and the circuit digest (prover/circuit/codegen.ts circuitDigest): the digest of the
 * very circuit the spec compiles to (its code, the circuit library, the codegen version), so two
 * different circuits never claim one commitment (docs/SECURITY.md, Compiler 2).
 */
const CIRCUIT_DOMAIN = BigInt(stringToHex("zkinfer/circuit/v1"));

/**
 * One element of the commitment preimage. Elements packing private weights or holding the weight
 * salt are read by the circuit from its private `weights[]` and `weightSalt` signals instead of a
 * constant, so the proof binds the weights it multiplies with to the commitment.
 */
export interface CommitmentElement {
  value: bigint;
  /**
   * A packed group of private weights: value = sum_i (w[first + i] + 2^(bits-1)) * 2^(bits * i). The
   * circuit builds the same linear combination from its `weights[]` signals, each range-checked to
   * `bits` bits so that the packing is injective (else w[0] + 2^bits, w[1] - 1 would pack alike).
   */
  pack?: { first: number; count: number; bits: number };
  /** The private-weight salt, read from the circuit's `weightSalt` signal. */
  salt?: true;
}

/** The affine nodes whose weights are private circuit inputs (a private-weight model's dense layers), in graph order. */
function privateNodes(ir: ModelIR): GraphNodeOf<"affine">[] {
  return ir.graph.nodes.filter((n): n is GraphNodeOf<"affine"> => n.family === "affine" && n.private);
}

/** The private weights in the order the circuit's `weights[]` input takes them: per private node, rows' weights then biases. */
export function privateWeights(ir: ModelIR): bigint[] {
  return privateNodes(ir).flatMap((n) => [...n.rows.flatMap((r) => r.w), ...n.rows.map((r) => r.b)]);
}

/**
 * The private weights in segments that share a packing width: per dense layer its weights, then its
 * biases (biases sit at the accumulator's finer scale and would widen every weight's digit).
 * bits = the segment's widest signed value plus a sign offset.
 */
export function weightSegments(ir: ModelIR): { first: number; count: number; bits: number }[] {
  const segments: { first: number; count: number; bits: number }[] = [];
  let first = 0;
  const widthOf = (values: bigint[]) => {
    const widest = values.reduce((m, w) => (w < 0n ? (-w > m ? -w : m) : w > m ? w : m), 0n);
    return Math.max(2, widest.toString(2).length + 1);
  };
  const fixed = ir.visibility.weightWidths;
  for (const node of privateNodes(ir)) {
    for (const values of [node.rows.flatMap((r) => r.w), node.rows.map((r) => r.b)]) {
      const at = segments.length;
      const bits = fixed ? fixed[at] : widthOf(values);
      if (bits === undefined) throw new RangeError(`visibility.weightWidths has ${fixed!.length} widths; the model has more weight segments`);
      // A fixed width admits exactly SignedBits' range [-2^(bits-1), 2^(bits-1)).
      const half = 1n << BigInt(bits - 1);
      const outside = values.find((w) => w < -half || w >= half);
      if (outside !== undefined) {
        const what = at % 2 === 0 ? "weights" : "biases";
        throw new RangeError(
          `weight segment ${at} (${what} of a dense layer) holds ${outside}, outside the ${bits} signed bits the circuit fixes ([-2^${bits - 1}, 2^${bits - 1}) at its scale)`,
        );
      }
      segments.push({ first, count: values.length, bits });
      first += values.length;
    }
  }
  if (fixed && fixed.length !== segments.length)
    throw new RangeError(`visibility.weightWidths has ${fixed.length} widths; the model has ${segments.length} weight segments`);
  return segments;
}

/** Packed digits (private weights, private inputs) stay below 2^248: one field element, no wrap, and room below r. */
const PACK_CAPACITY_BITS = 248;

/** Domain tag of the visibility suffix: "zkinfer/vis/v1". */
const VISIBILITY_DOMAIN = BigInt(stringToHex("zkinfer/vis/v1"));

/**
 * The commitment preimage of `ir` for the circuit whose digest is `circuit` (the codegen passes 0
 * while it renders the text it digests, see prover/circuit/codegen.ts circuitDigest): the model's
 * elements, then the circuit suffix (CIRCUIT_DOMAIN, digest). With private weights the circuit hashes
 * the preimage itself, so its layout is ordered for the circuit's cost: every constant first (the
 * model's structure as one keccak digest, the visibility, the weights' count and packing widths, the
 * circuit suffix), padded with zeros to a whole number of Poseidon chunks (circom computes a Poseidon
 * of constants at compile time: it costs no constraint), then the packed private weights and the salt,
 * the only chunks that cost constraints. Every layout has a fixed shape given the model's structure,
 * so the padding is unambiguous.
 */
export function commitmentLayout(ir: ModelIR, circuit: bigint): CommitmentElement[] {
  const suffix: CommitmentElement[] = [{ value: CIRCUIT_DOMAIN }, { value: toField(circuit) }];
  const v = ir.visibility;
  const elements = modelCommitmentValues(ir);
  if (v.weights === "public" && v.outputs === "public") return [...elements.map((value) => ({ value })), ...suffix];
  // The visibility is committed because the statement depends on what the outputs slot means.
  const outputsCode = { public: 0n, hashed: 1n, threshold: 2n }[v.outputs];
  const visibility = [VISIBILITY_DOMAIN, v.weights === "private" ? 1n : 0n, outputsCode, toField(v.threshold ?? 0n)];
  if (v.weights === "public") return [...[...elements, ...visibility].map((value) => ({ value })), ...suffix];
  // Private weights leave the model's preimage (a private node's preimage holds its shape only) and are
  // hashed PACKED (per segment, see weightSegments): hashing costs ~40 constraints per element, a range
  // check costs `bits`, so packing 248 / bits weights per element is several times cheaper per weight.
  // The model's public structure enters as ONE element, its keccak digest (as the circuit digest does):
  // binding by keccak's collision resistance, and no longer than the circuit's constants need.
  const segments = weightSegments(ir);
  const head: CommitmentElement[] = [
    ...[MODEL_DOMAIN, structureDigest(elements), ...visibility, BigInt(privateWeights(ir).length), BigInt(segments.length)].map((value) => ({ value })),
    // the widths are committed: they fix how the digits are read
    ...segments.map((s) => ({ value: BigInt(s.bits) })),
    ...suffix,
  ];
  let chunkEnd = POSEIDON_MAX_INPUTS;
  while (chunkEnd < head.length) chunkEnd += POSEIDON_MAX_INPUTS - 1;
  const padding = Array.from({ length: chunkEnd - head.length }, () => ({ value: 0n }));
  return [...head, ...padding, ...packedWeights(ir, segments), { value: toField(v.weightSalt!), salt: true }];
}

/** The private weights packed per segment, 248 / bits of them per element (see CommitmentElement.pack). */
function packedWeights(ir: ModelIR, segments: { first: number; count: number; bits: number }[]): CommitmentElement[] {
  const weights = privateWeights(ir);
  const out: CommitmentElement[] = [];
  for (const { first: start, count: total, bits } of segments) {
    const per = Math.floor(PACK_CAPACITY_BITS / bits);
    const offset = 1n << BigInt(bits - 1);
    for (let first = start; first < start + total; first += per) {
      const count = Math.min(per, start + total - first);
      let value = 0n;
      for (let i = count - 1; i >= 0; i--) value = (value << BigInt(bits)) + weights[first + i]! + offset;
      out.push({ value, pack: { first, count, bits } });
    }
  }
  return out;
}

/** keccak256 of the elements (32 bytes each, big-endian), as one field element (248 bits). */
function structureDigest(elements: readonly bigint[]): bigint {
  let hex = "";
  for (const e of elements) hex += e.toString(16).padStart(64, "0");
  return BigInt(keccak256(`0x${hex}`)) >> 8n;
}

function modelCommitmentValues(ir: ModelIR): bigint[] {
  const out: bigint[] = [MODEL_DOMAIN, BigInt(ir.inputScale), BigInt(ir.features.length)];
  for (const f of ir.features) out.push(f.qmin, f.qmax);
  for (const v of graphPreimage(ir.graph)) out.push(v); // no spread: a graph's preimage can exceed the call stack
  out.push(BigInt(ir.outputs.length));
  for (const o of ir.outputs) out.push(BigInt(o.scale));
  // An attested circuit proves a different statement (and has a different public-signal layout):
  // its commitment must differ from the same weights' plain one. Appended only when attested, so
  // plain models keep their commitment.
  if (ir.attestation) out.push(ATTESTED_DOMAIN);
  // Public inputs change the public-signal layout and the bound the hub enforces: committed, and
  // appended only when set so that private-input models keep their commitment.
  if (ir.visibility.inputs === "public") out.push(PUBLIC_INPUTS_DOMAIN, BigInt(ir.visibility.publicInputBits!));
  // Extra outputs change what the statement says: committed, appended only when present.
  if (ir.extraOutputs) {
    out.push(EXTRA_OUTPUTS_DOMAIN, BigInt(ir.extraOutputs.length));
    for (const e of ir.extraOutputs) {
      if (e.kind === "feature") out.push(1n, BigInt(e.feature));
      else out.push(2n, BigInt(e.features.length), ...e.features.map(BigInt));
    }
  }
  return out.map(toField);
}

/**
 * The commitment of `ir` compiled to the circuit whose digest is `circuit`: with the digest the build
 * recorded, what the registry stores (no re-rendering: ../circuit/commitment.ts renders once at build
 * time); with another digest, what a different codegen or a tampered circuit of the same spec would
 * claim (tests and audits compare it).
 */
export async function modelCommitmentForCircuit(ir: ModelIR, circuit: bigint): Promise<bigint> {
  return poseidonHash(commitmentLayout(ir, circuit).map((e) => e.value));
}

/**
 * The outputs slot of the public signals: the outputs, or [1/0 for output >= threshold], or
 * [Poseidon(outputs..., salt)], per the model's output visibility; then the extra outputs, computed
 * from the quantized `inputs` (needed only when the model has extra outputs).
 */
export async function publicOutputs(ir: ModelIR, outputs: readonly bigint[], outputSalt: bigint, inputs?: readonly bigint[]): Promise<bigint[]> {
  return [...(await layerOutputs(ir, outputs, outputSalt)), ...(await extraOutputValues(ir, inputs))];
}

/** `outputSalt` salts hashed outputs only; it is never the input commitment's salt (docs/SECURITY.md, Circuits 11). */
async function layerOutputs(ir: ModelIR, outputs: readonly bigint[], outputSalt: bigint): Promise<bigint[]> {
  switch (ir.visibility.outputs) {
    case "public":
      return [...outputs];
    case "threshold":
      return [outputs[0]! >= ir.visibility.threshold! ? 1n : 0n];
    case "hashed":
      return [await poseidonHash([...outputs, outputSalt])];
    default:
      return ir.visibility.outputs satisfies never;
  }
}

/** The extra outputs' values (a feature as it is, or one Poseidon over features), in declaration order. */
export async function extraOutputValues(ir: ModelIR, inputs?: readonly bigint[]): Promise<bigint[]> {
  if (!ir.extraOutputs) return [];
  if (!inputs) throw new RangeError(`model ${ir.name} has extra outputs: pass the quantized inputs`);
  const values: bigint[] = [];
  for (const e of ir.extraOutputs) {
    values.push(e.kind === "feature" ? inputs[e.feature]! : await poseidonHash(e.features.map((i) => inputs[i]!)));
  }
  return values;
}

/** A private input's declared range, quantized (a FeatureIR has these). */
export interface InputRange {
  qmin: bigint;
  qmax: bigint;
}

/**
 * One field element of the packed inputs: the features `first .. first + bits.length - 1`, feature
 * first + j as the digit (x - qmin) in `bits[j]` bits at bit offset bits[0] + ... + bits[j-1].
 */
export interface PackedInputWord {
  first: number;
  bits: number[];
}

/**
 * The packing layout of private inputs, the one definition the input commitment, the circuit codegen
 * (circuits/lib/pack.circom's PackRanged, one per word) and the tests use. Feature i becomes the digit
 * x_i - qmin_i, in [0, qmax_i - qmin_i] so non-negative whatever the sign of the range, written in
 * bitLength(qmax_i - qmin_i) bits (0 for a constant feature); digits are laid side by side in spec
 * order, lowest bits first, and a word is closed when the next digit would pass PACK_CAPACITY_BITS.
 * A word is thus below 2^248 < r (no wrap), and since each digit is below 2^bits (the circuit's range
 * check decomposes x - qmin into exactly those bits) the word determines every digit, hence every
 * feature: the packing is injective. A range that is not a power of two just leaves some digit
 * values unused.
 */
export function inputPackingLayout(features: readonly InputRange[]): PackedInputWord[] {
  if (features.length === 0) throw new RangeError("a model needs at least one input to commit to");
  const words: PackedInputWord[] = [{ first: 0, bits: [] }];
  let used = 0;
  features.forEach((f, i) => {
    if (f.qmax < f.qmin) throw new RangeError(`input ${i}: empty range [${f.qmin}, ${f.qmax}]`);
    const bits = bitLength(f.qmax - f.qmin);
    if (bits > PACK_CAPACITY_BITS) throw new RangeError(`input ${i}: range [${f.qmin}, ${f.qmax}] is wider than ${PACK_CAPACITY_BITS} bits`);
    if (used + bits > PACK_CAPACITY_BITS) {
      words.push({ first: i, bits: [] });
      used = 0;
    }
    words[words.length - 1]!.bits.push(bits);
    used += bits;
  });
  return words;
}

/** The packed words of quantized `inputs` (see inputPackingLayout); refuses an input outside its range. */
export function packInputs(features: readonly InputRange[], inputs: readonly bigint[]): bigint[] {
  if (inputs.length !== features.length) throw new RangeError(`expected ${features.length} inputs, got ${inputs.length}`);
  return inputPackingLayout(features).map(({ first, bits }) => {
    let word = 0n;
    for (let j = bits.length - 1; j >= 0; j--) {
      const i = first + j;
      const f = features[i]!;
      const x = inputs[i]!;
      if (x < f.qmin || x > f.qmax) throw new RangeError(`input ${i} = ${x} is outside its declared range [${f.qmin}, ${f.qmax}]`);
      word = (word << BigInt(bits[j]!)) + (x - f.qmin);
    }
    return word;
  });
}

/**
 * inputCommitment = Poseidon(packed inputs..., salt) (chained as poseidonHash): the circuit computes
 * the same from its private, range-checked inputs. The layout follows from the declared ranges, which
 * the model commitment covers, so a model's proofs all use one layout.
 */
export async function inputCommitment(features: readonly InputRange[], inputs: readonly bigint[], salt: bigint): Promise<bigint> {
  return poseidonHash([...packInputs(features, inputs), salt]);
}
