/**
 * The circuits of a segmented model (docs/SEGMENTS.md), one per segment of the plan, and the model
 * commitment that covers all of them in order.
 *
 * Every segment circuit has the single circuit's public-signal ABI (prover/abi/publicSignals.ts):
 * `outputs[k], modelCommitment, inputCommitment, subject, nonce`, so each is an ordinary statement:
 * - segment 0 reads the model's features, range-checked and committed exactly as the single circuit
 *   does (inputCommitment = Poseidon(packed features..., salt)): the user's input commitment;
 * - segment i > 0 reads the boundary values segment i - 1 handed on, range-checked at their proven
 *   intervals and packed by the same layout (inputPackingLayout), and its inputCommitment is
 *   Poseidon(packed boundary..., salt_i): the commitment segment i - 1 published as its one output;
 * - segment i < K - 1 publishes outputs[0] = Poseidon(packed boundary out..., salt_{i+1}). Its values
 *   are proven in their intervals by the range analysis (given its own range-checked inputs), so the
 *   packing here is a linear combination (no constraint); the reading segment range-checks them;
 * - segment K - 1 publishes the model's outputs slot as the single circuit does (public, threshold
 *   or hashed).
 * The salts are private and fresh per inference: a boundary commitment reveals nothing of the values.
 * Every segment carries the model commitment as a constant and binds subject and nonce, so a segment
 * proof is bound to its model, its place (its own verification key) and its inference.
 */
import { stringToHex, keccak256 } from "viem";
import { pascalName } from "../artifacts/names.js";
import { checkRenderable, circuitSourceDigest, balancedSum, emitOutputs, emitPoseidonChain, commentText } from "../circuit/codegen.js";
import { emitGraph, graphIncludes } from "../graph/emit.js";
import { ZkinferError } from "../errors.js";
import { toField } from "../field.js";
import { commitmentLayout, inputPackingLayout, type InputRange } from "../model/commitment.js";
import { publicOutputCount, type ModelIR } from "../model/ir.js";
import { poseidonHash } from "../model/poseidon.js";
import { boundaryRanges, planGraph, segmentationRefusal, segmentGraph, type SegmentPlan } from "./segments.js";

/** Domain tag of a segmented model's commitment: the ASCII bytes of "zkinfer/segments/v1". */
const SEGMENTS_DOMAIN = BigInt(stringToHex("zkinfer/segments/v1"));

/** The artifact name of segment i of a model split into k: its circuit, keys and vkey live under it. */
export function segmentArtifactName(model: string, i: number, k: number): string {
  return `${model}-segment-${i}-of-${k}`;
}

/**
 * For each segment, the first segment of the same circuit (the same digest: the same code, as the
 * digest is of the code without comments and every name in it is local). Such segments share one
 * compile, one key and one ceremony, kept under the first one's artifact name.
 */
export function segmentKeyOwners(digests: readonly (bigint | string)[]): number[] {
  const first = new Map<string, number>();
  return digests.map((d, i) => {
    if (!first.has(String(d))) first.set(String(d), i);
    return first.get(String(d))!;
  });
}

/** The artifact name of a segmented model's verifier contract. */
export function segmentedArtifactName(model: string): string {
  return `${model}-segmented`;
}

/**
 * Name of a segment's main template, e.g. credit-score -> CreditScoreSegment. The same for every segment
 * (and every name in a segment's code is local to it), so two segments that compute the same thing are
 * the same code: the same digest, one key (./build.ts).
 */
export function segmentTemplateName(model: string): string {
  return `${pascalName(model)}Segment`;
}

/** Number of public outputs of segment i: the model's outputs slot for the last, one boundary commitment otherwise. */
export function segmentOutputCount(ir: ModelIR, plan: SegmentPlan, i: number): number {
  return i === plan.segments.length - 1 ? publicOutputCount(ir) : 1;
}

export interface GenerateSegmentCircuitParameters {
  ir: ModelIR;
  plan: SegmentPlan;
  index: number;
  /** The segmented model's commitment (0 while rendering the text whose digest it covers). */
  modelCommitment: bigint;
}

/** Emits segment `index`'s circuit. Deterministic: the same IR, plan and commitment give the same text. */
export function generateSegmentCircuit({ ir, plan, index, modelCommitment }: GenerateSegmentCircuitParameters): string {
  checkRenderable(ir);
  const refusal = segmentationRefusal(ir);
  if (refusal) throw new ZkinferError(refusal);
  const seg = plan.segments[index];
  if (!seg) throw new RangeError(`segment ${index} does not exist (the plan has ${plan.segments.length})`);
  const k = plan.segments.length;
  const last = index === k - 1;
  const sub = segmentGraph(ir.graph, plan, seg);
  const lines: string[] = [];
  const emit = (s = "") => lines.push(s);
  emit("pragma circom 2.2.0;");
  emit();
  emit(`// AUTO-GENERATED by zkinfer from model ${ir.name}@${ir.version}: segment ${index} of ${k} (graph nodes ${seg.first}..${seg.end - 1}).`);
  emit("// Do not edit: it is rebuilt from the model spec by `zkinfer segments build` (prover/segment/circuit.ts).");
  emit();
  emit('include "circomlib/circuits/poseidon.circom";');
  for (const inc of new Set([
    "circuits/lib/binding.circom",
    "circuits/lib/pack.circom",
    "circuits/lib/packDigits.circom",
    "circuits/lib/compare.circom",
    ...graphIncludes(sub),
  ]))
    emit(`include "${inc}";`);
  emit();
  emit(`template ${segmentTemplateName(ir.name)}() {`);
  const opened = new Map(seg.opened.map((gi) => [gi, true]));
  emit(
    `    // Private inputs: the ${seg.groupsIn.length} group hashes committed at the cut before this segment (${index === 0 ? "the inputs' groups: the user's input commitment" : `segment ${index - 1}'s output`}),`,
  );
  emit(
    `    // the ${seg.inputs.length} values of the ${opened.size} groups it opens (tape values ${commentText(rangeText(seg.inputs))}), and the commitment's salt.`,
  );
  emit(`    signal input groupsIn[${seg.groupsIn.length}];`);
  if (seg.inputs.length) emit(`    signal input boundaryIn[${seg.inputs.length}];`);
  emit("    signal input salt;");
  if (!last) emit("    // The salt of this segment's boundary commitment (the next segment's `salt`).");
  if (!last) emit("    signal input outSalt;");
  if (last && ir.visibility.outputs === "hashed") emit("    signal input outputSalt;");
  emit("    signal input subject;");
  emit("    signal input nonce;");
  emit();
  emit("    // Public outputs, in the single circuit's ABI order.");
  emit(`    signal output outputs[${segmentOutputCount(ir, plan, index)}];`);
  emit("    signal output modelCommitment;");
  emit("    signal output inputCommitment;");
  emit();
  emit("    // inputCommitment = Poseidon(group hashes..., salt), chained in chunks of 16 then 15.");
  emitPoseidonChain([...seg.groupsIn.map((_, q) => `groupsIn[${q}]`), "salt"], "inputHash", emit);
  emit("    inputCommitment <== inputHash;");
  emitOpenings(ir, plan, seg, emit);
  if (sub.nodes.length) {
    emit(
      `    // Units ${seg.first}..${seg.end - 1} of the plan: graph nodes ${[...new Set(sub.nodes.map((n) => n.op))].join(", ")}, renumbered onto this segment's tape.`,
    );
    emit(`    signal model[${sub.outputs.length}];`);
    emitGraph(sub, "model", "boundaryIn", emit);
  }
  emit();
  if (last) {
    emitOutputs(ir, "model", emit);
  } else {
    emitBoundaryOut(ir, plan, seg, emit);
  }
  emit();
  emit("    // The segmented model's commitment: a constant (public weights), covering every segment's circuit in order.");
  emit(`    modelCommitment <== ${modelCommitment};`);
  emit();
  emit("    // Public inputs must sit in a non-linear constraint, or the proof would not bind them.");
  emit("    BindPublic(2)([subject, nonce]);");
  emit("}");
  emit();
  emit(`component main {public [subject, nonce]} = ${segmentTemplateName(ir.name)}();`);
  return lines.join("\n") + "\n";
}

function rangeText(values: readonly number[]): string {
  return values.length <= 8 ? values.join(", ") : `${values.slice(0, 4).join(", ")}, ..., ${values.slice(-2).join(", ")}`;
}

/** The ranges tape values [first, end) of the plan's tape are packed with: an input's declared range, another value's proven interval. */
export function groupRanges(ir: ModelIR, plan: Pick<SegmentPlan, "columns">, first: number, end: number): InputRange[] {
  const ivs = boundaryRanges(
    planGraph(ir.graph, plan),
    Array.from({ length: end - first }, (_, k) => first + k),
  );
  return ivs.map((r, k) => (first + k < ir.features.length ? { qmin: ir.features[first + k]!.qmin, qmax: ir.features[first + k]!.qmax } : r));
}

const param = (xs: (number | bigint | string)[]) => `[${xs.join(", ")}]`;

/**
 * The groups the segment opens: each group's values packed (an input group it checks: PackRanged, both
 * sides of the declared range; another: PackDigits, one decomposition, see circuits/lib/packDigits.circom),
 * hashed, and the hash constrained equal to the group's element of groupsIn.
 */
function emitOpenings(ir: ModelIR, plan: SegmentPlan, seg: SegmentPlan["segments"][number], emit: (s?: string) => void): void {
  const checked = new Set(seg.checked);
  let at = 0;
  for (const gi of seg.opened) {
    const gr = plan.groups[gi]!;
    const q = seg.groupsIn.indexOf(gi);
    const ranges = groupRanges(ir, plan, gr.first, gr.end);
    const check = checked.has(gi);
    emit();
    emit(
      check
        ? `    // Input group ${gi} (features ${gr.first}..${gr.end - 1}): each within its declared range (the analysis assumed it), packed, hashed (one word: as it is): groupsIn[${q}].`
        : `    // Group ${gi} (tape values ${gr.first}..${gr.end - 1}), made and range-proven before this segment: its digits decomposed, packed, hashed (one word: as it is): groupsIn[${q}].`,
    );
    const words = inputPackingLayout(ranges).map(({ first, bits }, w) => {
      const members = bits.map((_, j) => first + j);
      const ins = param(members.map((j) => `boundaryIn[${at + j}]`));
      const mins = param(members.map((j) => ranges[j]!.qmin));
      // Named by its place in this segment's list (q), not the plan's group index: the code stays local to the segment.
      const name = `g${q}w${w}`;
      emit(
        check
          ? `    signal ${name} <== PackRanged(${bits.length}, ${param(bits)}, ${mins}, ${param(members.map((j) => ranges[j]!.qmax))})(${ins});`
          : `    signal ${name} <== PackDigits(${bits.length}, ${param(bits)}, ${mins})(${ins});`,
      );
      return name;
    });
    if (words.length > 1) emitPoseidonChain(words, `group${q}`, emit);
    emit(`    groupsIn[${q}] === ${words.length > 1 ? `group${q}` : words[0]};`);
    at += gr.end - gr.first;
  }
  emit();
}

/**
 * The boundary handed on: the list of groups alive at the cut after this segment, each either one it
 * made (its values packed as a reader opens them and hashed; no range check here: the range analysis
 * proves them in their intervals given this segment's opened values) or one it passes through (its
 * groupsIn element as it is), committed with outSalt.
 */
function emitBoundaryOut(ir: ModelIR, plan: SegmentPlan, seg: SegmentPlan["segments"][number], emit: (s?: string) => void): void {
  emit("    // The boundary handed on: the groups it made, packed and hashed, and the groups it passes through, committed with outSalt.");
  let at = 0;
  // Signals named by the group's place o in the list handed on (local to the segment, as the openings are).
  const list = seg.groupsOut.map((gi, o) => {
    const gr = plan.groups[gi]!;
    if (gr.unit < seg.first) return `groupsIn[${seg.groupsIn.indexOf(gi)}]`;
    const ranges = groupRanges(ir, plan, gr.first, gr.end);
    const words = inputPackingLayout(ranges).map(({ first, bits }, w) => {
      let shift = 0n;
      const terms = bits.map((b, j) => {
        const term = `(model[${at + first + j}] - ${ranges[first + j]!.qmin})${shift ? ` * ${1n << shift}` : ""}`;
        shift += BigInt(b);
        return term;
      });
      emit(`    signal out${o}w${w} <== ${balancedSum(terms)};`);
      return `out${o}w${w}`;
    });
    at += gr.end - gr.first;
    if (words.length === 1) return words[0]!;
    emitPoseidonChain(words, `made${o}`, emit);
    return `made${o}`;
  });
  emitPoseidonChain([...list, "outSalt"], "outHash", emit);
  emit("    outputs[0] <== outHash;");
}

/**
 * The preimage of a segmented model's commitment: the domain, the model itself (the keccak digest of
 * its single-circuit layout with a 0 circuit digest: graph, scales, ranges, weights, visibility), the
 * segment count, each segment's first node, then each segment circuit's digest in order. So the
 * commitment names one model, one cut and K exact circuits in one order.
 */
export function segmentedCommitmentPreimage(ir: ModelIR, plan: SegmentPlan, digests: readonly bigint[]): bigint[] {
  if (digests.length !== plan.segments.length) throw new RangeError(`${digests.length} digests for ${plan.segments.length} segments`);
  let hex = "";
  for (const e of commitmentLayout(ir, 0n)) hex += toField(e.value).toString(16).padStart(64, "0");
  const model = BigInt(keccak256(`0x${hex}`)) >> 8n;
  return [SEGMENTS_DOMAIN, model, BigInt(plan.segments.length), ...plan.segments.map((s) => BigInt(s.first)), ...digests.map(toField)];
}

export interface RenderedSegments {
  sources: string[];
  digests: bigint[];
  modelCommitment: bigint;
}

/**
 * Renders every segment and commits to them: each digest from the text with the commitment at 0
 * (circuitSourceDigest: code, included library files, codegen version), the commitment over the
 * preimage closed by the digests, then each text with it.
 */
export async function renderSegments(ir: ModelIR, plan: SegmentPlan): Promise<RenderedSegments> {
  const digests = plan.segments.map((_, index) => circuitSourceDigest(generateSegmentCircuit({ ir, plan, index, modelCommitment: 0n })));
  const modelCommitment = await poseidonHash(segmentedCommitmentPreimage(ir, plan, digests));
  const sources = plan.segments.map((_, index) => generateSegmentCircuit({ ir, plan, index, modelCommitment }));
  return { sources, digests, modelCommitment };
}
