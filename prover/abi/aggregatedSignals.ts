/**
 * The public-signal ABI of an AGGREGATED proof: one Groth16 proof carrying up to N statements of one
 * model (docs/AGGREGATION.md). This is the single definition: the aggregated circuit codegen
 * (prover/circuit/aggregate.ts) declares its outputs in this order, the prover encodes and decodes
 * with it, and contracts/libraries/AggregatedSignals.sol mirrors it (a test checks the two agree).
 *
 * For a batch size N (a power of two) and a model whose outputs pack into W - 1 words:
 *
 *   [0]                      modelCommitment   the model's commitment, as in a single proof
 *   [1]                      inputRoot         Poseidon Merkle root (depth log2 N, Poseidon(2) nodes) over
 *                                              the statements' input commitments, slot order; an empty
 *                                              slot's leaf is 0
 *   [2 + W i]                statement i       2^224 + nonce * 2^160 + subject, or 0 when slot i is empty
 *   [2 + W i + 1 .. W i + W] outputs i         the slot's public outputs packed (below), 0 when empty
 *
 * Why this shape: each public signal costs about 6.2k gas in the verifier's multi-scalar
 * multiplication, so a statement is two field elements (for models whose outputs fit one word), not
 * the k + 4 of a single proof. The per-statement input commitments cost one signal for the batch (the
 * root); each user opens their own with an inclusion path (verifyInclusion).
 *
 * Packing is injective. A statement word is bound by the proof as a whole (subject and nonce enter
 * nothing else in the circuit), and the hub and unpackStatement accept an active word only in
 * [2^224, 2^225), where word -> (subject = low 160 bits, nonce = next 64 bits) is a bijection. Output
 * j's digit out_j - min_j is range-checked in the circuit to bitLength(max_j - min_j) bits (its proven
 * range), so no digit spills into its neighbour; a word never reaches 2^248 < r.
 * An output that is a full field element (a Poseidon hash among the extra outputs) gets a word of
 * its own, unpacked (bits = 0 in the layout).
 *
 * Only models with private inputs that are not attested aggregate (an attested statement would need its
 * attester and window per slot; public inputs are the statement's bulk). Nonces are below 2^64.
 */
import { FIELD_MODULUS, bitLength, fromField, toField } from "../field.js";
import { ZkinferError } from "../errors.js";
import type { ModelIR } from "../model/ir.js";
import { publicOutputCount } from "../model/ir.js";
import { poseidonHash } from "../model/poseidon.js";

/** Per-batch fields, before the slots, in ABI order. */
export const AGGREGATED_BATCH_FIELDS = ["modelCommitment", "inputRoot"] as const;

/** Bits of the subject (an address) in a statement word. */
export const SUBJECT_BITS = 160;
/** Bits of the nonce in a statement word: an aggregated statement's nonce is below 2^64. */
export const AGGREGATED_NONCE_BITS = 64;
/** The marker bit of an active slot: statement = 2^224 + nonce * 2^160 + subject. */
export const ACTIVE_BIT = SUBJECT_BITS + AGGREGATED_NONCE_BITS;
/** Capacity of one packed output word (as the input packing: the word stays below 2^248 < r). */
export const OUTPUT_WORD_BITS = 248;
/** Largest batch size: keeps the tree's depth and the hub's loops small. */
export const MAX_AGGREGATION_SIZE = 1024;

/** One public output's place in the packed words: its proven range, or `bits = 0` for a raw field element. */
export interface PackedOutput {
  /** Index among the public outputs (publicOutputCount). */
  index: number;
  /** Smallest value the output can take (signed); the digit is value - min. 0 for a raw element. */
  min: bigint;
  /** Largest value the output can take. */
  max: bigint;
  /** bitLength(max - min), at least 1; 0: a full field element in a word of its own. */
  bits: number;
  /** Which output word of the slot (0-based), and the digit's offset in it. */
  word: number;
  shift: number;
}

/** The packed layout of a model's public outputs: every output in order, new word before 248 bits. */
export interface AggregatedOutputLayout {
  outputs: PackedOutput[];
  /** Number of output words per slot. */
  words: number;
}

/**
 * The proven ranges of a model's public outputs, the input of the packing: the layer outputs'
 * bounds (public outputs), [0, 1] (a threshold decision), a full element (hashed outputs, a Poseidon
 * extra output), a feature's declared range (a feature extra output).
 */
export function outputRanges(ir: ModelIR): { min: bigint; max: bigint; raw: boolean }[] {
  const layer: { min: bigint; max: bigint; raw: boolean }[] =
    ir.visibility.outputs === "public"
      ? ir.outputs.map((o) => ({ min: o.bounds.lo, max: o.bounds.hi, raw: false }))
      : ir.visibility.outputs === "threshold"
        ? [{ min: 0n, max: 1n, raw: false }]
        : [{ min: 0n, max: 0n, raw: true }];
  const extra = (ir.extraOutputs ?? []).map((e) =>
    e.kind === "feature" ? { min: ir.features[e.feature]!.qmin, max: ir.features[e.feature]!.qmax, raw: false } : { min: 0n, max: 0n, raw: true },
  );
  return [...layer, ...extra];
}

/** The packing of `ir`'s public outputs (see the file comment). */
export function aggregatedOutputLayout(ir: ModelIR): AggregatedOutputLayout {
  const ranges = outputRanges(ir);
  if (ranges.length !== publicOutputCount(ir)) throw new Error("output ranges do not match publicOutputCount: update aggregatedOutputLayout");
  return packOutputRanges(ranges);
}

/** The layout of outputs with these ranges, in order: a new word before a digit would pass 248 bits. */
export function packOutputRanges(ranges: readonly { min: bigint; max: bigint; raw: boolean }[]): AggregatedOutputLayout {
  const outputs: PackedOutput[] = [];
  let word = -1;
  let used = OUTPUT_WORD_BITS; // forces a first word
  ranges.forEach((r, index) => {
    if (r.raw) {
      word++;
      outputs.push({ index, min: 0n, max: FIELD_MODULUS - 1n, bits: 0, word, shift: 0 });
      used = OUTPUT_WORD_BITS;
      return;
    }
    if (r.max < r.min) throw new RangeError(`output ${index}: empty range [${r.min}, ${r.max}]`);
    const bits = Math.max(1, bitLength(r.max - r.min));
    if (bits > OUTPUT_WORD_BITS) throw new RangeError(`output ${index}: range [${r.min}, ${r.max}] is wider than ${OUTPUT_WORD_BITS} bits`);
    if (used + bits > OUTPUT_WORD_BITS) {
      word++;
      used = 0;
    }
    outputs.push({ index, min: r.min, max: r.max, bits, word, shift: used });
    used += bits;
  });
  return { outputs, words: word + 1 };
}

/** Signals per slot: the statement word and the output words. */
export function slotSize(layout: AggregatedOutputLayout): number {
  return 1 + layout.words;
}

/** Number of public signals of an aggregated proof of size n. */
export function aggregatedSignalCount(n: number, layout: AggregatedOutputLayout): number {
  checkAggregationSize(n);
  return AGGREGATED_BATCH_FIELDS.length + n * slotSize(layout);
}

/** Index of slot i's statement word. */
export function statementIndex(i: number, layout: AggregatedOutputLayout): number {
  return AGGREGATED_BATCH_FIELDS.length + i * slotSize(layout);
}

/** Refuses a batch size the circuit, the hub and the tree do not take: a power of two in [2, 1024]. */
export function checkAggregationSize(n: number): void {
  if (!Number.isInteger(n) || n < 2 || n > MAX_AGGREGATION_SIZE || (n & (n - 1)) !== 0) {
    throw new ZkinferError(`aggregation size must be a power of two in [2, ${MAX_AGGREGATION_SIZE}], got ${n}`);
  }
}

/** The statement word of an active slot. */
export function packStatement(subject: bigint, nonce: bigint): bigint {
  if (subject < 0n || subject >= 1n << BigInt(SUBJECT_BITS)) throw new ZkinferError(`subject ${subject} is not a 20-byte address`);
  if (nonce < 0n || nonce >= 1n << BigInt(AGGREGATED_NONCE_BITS)) {
    throw new ZkinferError(`nonce must be in [0, 2^${AGGREGATED_NONCE_BITS}) for an aggregated statement, got ${nonce}`);
  }
  return (1n << BigInt(ACTIVE_BIT)) + (nonce << BigInt(SUBJECT_BITS)) + subject;
}

/** The subject and nonce of a statement word; undefined for an empty slot (0). */
export function unpackStatement(word: bigint): { subject: bigint; nonce: bigint } | undefined {
  if (word === 0n) return undefined;
  if (word >> BigInt(ACTIVE_BIT) !== 1n) throw new ZkinferError(`statement word ${word} has no active marker (2^${ACTIVE_BIT}) and is not 0`);
  return { subject: word & ((1n << BigInt(SUBJECT_BITS)) - 1n), nonce: (word >> BigInt(SUBJECT_BITS)) & ((1n << BigInt(AGGREGATED_NONCE_BITS)) - 1n) };
}

/** The output words of one slot, from its signed outputs (hashes as field elements). */
export function packOutputs(layout: AggregatedOutputLayout, outputs: readonly bigint[]): bigint[] {
  if (outputs.length !== layout.outputs.length) throw new ZkinferError(`expected ${layout.outputs.length} outputs, got ${outputs.length}`);
  const words = new Array<bigint>(layout.words).fill(0n);
  for (const o of layout.outputs) {
    const v = outputs[o.index]!;
    if (o.bits === 0) {
      words[o.word] = toField(v);
      continue;
    }
    if (v < o.min || v > o.max) throw new ZkinferError(`output ${o.index} = ${v} is outside its proven range [${o.min}, ${o.max}]`);
    words[o.word] = words[o.word]! + ((v - o.min) << BigInt(o.shift));
  }
  return words;
}

/** The signed outputs of a slot's words (as the hub decodes them for the consumer). */
export function unpackOutputs(layout: AggregatedOutputLayout, words: readonly bigint[]): bigint[] {
  return layout.outputs.map((o) => (o.bits === 0 ? fromField(words[o.word]!) : o.min + ((words[o.word]! >> BigInt(o.shift)) & ((1n << BigInt(o.bits)) - 1n))));
}

/**
 * The registry's form of the layout (`announceAggregatedVerifier`'s `outputLayout`): one word per
 * output, `bits << 248 | (min mod 2^248)` (min two's complement in 248 bits). The hub recomputes
 * word and shift with the same rule as packOutputRanges.
 */
export function encodeOutputLayout(layout: AggregatedOutputLayout): bigint[] {
  const mask = (1n << 248n) - 1n;
  return layout.outputs.map((o) => (BigInt(o.bits) << 248n) | (o.min & mask));
}

/**
 * The layout from the registry's form (encodeOutputLayout): what a reader of the chain needs to
 * unpack a verified batch's outputs. A packed output's max is the top of its digit's range (the
 * registry keeps widths, not maxima).
 */
export function decodeOutputLayout(entries: readonly bigint[]): AggregatedOutputLayout {
  return packOutputRanges(
    entries.map((e) => {
      const bits = Number(e >> 248n);
      let min = e & ((1n << 248n) - 1n);
      if (min >> 247n) min -= 1n << 248n;
      return bits === 0 ? { min: 0n, max: 0n, raw: true } : { min, max: min + (1n << BigInt(bits)) - 1n, raw: false };
    }),
  );
}

/** One statement of an aggregated proof, as decoded. */
export interface AggregatedStatement {
  slot: number;
  subject: bigint;
  nonce: bigint;
  /** Signed outputs (hashes as field elements). */
  outputs: bigint[];
}

export interface AggregatedSignals {
  modelCommitment: bigint;
  inputRoot: bigint;
  /** One entry per slot; undefined for an empty slot. */
  slots: (AggregatedStatement | undefined)[];
}

/** Flattens to the field elements the aggregated verifier takes, in ABI order. */
export function encodeAggregatedSignals(n: number, layout: AggregatedOutputLayout, s: AggregatedSignals): bigint[] {
  checkAggregationSize(n);
  if (s.slots.length !== n) throw new ZkinferError(`expected ${n} slots, got ${s.slots.length}`);
  const out = [s.modelCommitment, s.inputRoot];
  for (const st of s.slots) {
    if (!st) out.push(0n, ...new Array<bigint>(layout.words).fill(0n));
    else out.push(packStatement(st.subject, st.nonce), ...packOutputs(layout, st.outputs));
  }
  for (const x of out) if (x < 0n || x >= FIELD_MODULUS) throw new ZkinferError(`public signal ${x} is not a field element`);
  return out;
}

/** Reads a flat aggregated signal array (decimal strings or bigints). */
export function decodeAggregatedSignals(signals: readonly (string | bigint)[], n: number, layout: AggregatedOutputLayout): AggregatedSignals {
  const expected = aggregatedSignalCount(n, layout);
  if (signals.length !== expected) {
    throw new ZkinferError(`expected ${expected} aggregated public signals (2 + ${n} slots of ${slotSize(layout)}), got ${signals.length}`);
  }
  const v = signals.map((x) => BigInt(x));
  const slots: (AggregatedStatement | undefined)[] = [];
  for (let i = 0; i < n; i++) {
    const at = statementIndex(i, layout);
    const st = unpackStatement(v[at]!);
    slots.push(st && { slot: i, ...st, outputs: unpackOutputs(layout, v.slice(at + 1, at + 1 + layout.words)) });
  }
  return { modelCommitment: v[0]!, inputRoot: v[1]!, slots };
}

/** Depth of the input-commitment tree of a batch of n. */
export function treeDepth(n: number): number {
  checkAggregationSize(n);
  return Math.log2(n);
}

/** Every level of the tree, leaves first (level 0 = the n leaves, last = [root]). */
export async function inputTreeLevels(leaves: readonly bigint[]): Promise<bigint[][]> {
  checkAggregationSize(leaves.length);
  const levels = [leaves.map(toField)];
  while (levels.at(-1)!.length > 1) {
    const prev = levels.at(-1)!;
    const next: bigint[] = [];
    for (let i = 0; i < prev.length; i += 2) next.push(await poseidonHash([prev[i]!, prev[i + 1]!]));
    levels.push(next);
  }
  return levels;
}

/** The root over the slots' input commitments (0 for an empty slot). */
export async function inputRoot(leaves: readonly bigint[]): Promise<bigint> {
  return (await inputTreeLevels(leaves)).at(-1)![0]!;
}

/** A statement's inclusion path: its slot and the sibling at each level, leaf level first. */
export interface InclusionPath {
  slot: number;
  siblings: bigint[];
}

/** The inclusion paths of every slot. */
export async function inclusionPaths(leaves: readonly bigint[]): Promise<InclusionPath[]> {
  const levels = await inputTreeLevels(leaves);
  return leaves.map((_, slot) => ({ slot, siblings: levels.slice(0, -1).map((level, d) => level[(slot >> d) ^ 1]!) }));
}

/**
 * Whether `leaf` (an input commitment) sits at `path.slot` of the tree whose root is `root`. The slot
 * ties the leaf to its statement word and outputs at that slot of the same proof.
 */
export async function verifyInclusion(root: bigint, leaf: bigint, path: InclusionPath): Promise<boolean> {
  if (!Number.isInteger(path.slot) || path.slot < 0 || path.slot >= 2 ** path.siblings.length) return false;
  let h = toField(leaf);
  for (const [d, sibling] of path.siblings.entries()) {
    h = (path.slot >> d) & 1 ? await poseidonHash([sibling, h]) : await poseidonHash([h, sibling]);
  }
  return h === root;
}
