/**
 * Circuit codegen: the IR -> the model's main .circom file, built from the templates in
 * circuits/lib. The model's graph is emitted node by node by its families (prover/graph/emit.ts);
 * this file adds what every model has around it: the input range checks and commitment, the model
 * commitment, the outputs slot, the attestation and the public-signal bindings. Public weights are
 * compile-time constants, so a dense neuron's multiply-accumulate is a linear combination of input
 * signals and costs no constraint; only the gadgets, the declared input ranges and the input
 * commitment (over the packed inputs) cost constraints.
 *
 * The public signals come out in the ABI order of prover/abi/publicSignals.ts: circom lists the
 * main component's outputs first (outputs[], modelCommitment, inputCommitment, in declaration
 * order), then its public inputs (subject, nonce).
 */
import { ATTESTATION_FIELDS, BINDING_FIELDS, TIMESTAMP_BITS } from "../abi/publicSignals.js";
import { ATTESTATION_DOMAIN, attestationSchemaId } from "../attest/attestation.js";
import { pascalName } from "../artifacts/names.js";
import { bitLength } from "../field.js";
import { publicOutputCount, type ModelIR } from "../model/ir.js";
import { emitGraph, graphIncludes } from "../graph/emit.js";
import { keccak256, stringToBytes } from "viem";
import { includedLibraryDigest, includesOf, type CircuitLibrary } from "./library.js";
import { CIRCUIT_LIBRARY } from "./library.generated.js";
import { commitmentLayout, inputPackingLayout, privateWeights, weightSegments, type PackedInputWord } from "../model/commitment.js";
import { poseidonChunks } from "../model/poseidon.js";

export interface GenerateCircuitParameters {
  ir: ModelIR;
  /** The Poseidon model commitment; public weights make it a constant of the circuit. */
  modelCommitment: bigint;
  /**
   * Bench only: leave out the input range checks and the input commitment, to measure what the
   * layers themselves cost. Such a circuit does NOT enforce its input ranges: never deploy it.
   */
  omitInputHandling?: boolean;
  /** circuitDigest(ir), when the caller has it already (it renders the circuit once more). */
  circuitDigest?: bigint;
}

/** Name of the main template, e.g. credit-score -> CreditScoreModel. */
/**
 * Free text as the inside of a `//` comment: anything but printable ASCII (a newline above all, which
 * would end the comment and make the rest circuit code) becomes `?`.
 */
export function commentText(text: string): string {
  return text.replace(/[^\x20-\x7e]/g, "?");
}

export function mainTemplateName(model: string): string {
  return `${pascalName(model)}Model`;
}

/**
 * Emits the main circuit. The result is deterministic: the same IR gives the same text, which the
 * build cache relies on.
 *
 * @example
 * const source = generateCircuit({ ir, modelCommitment });
 */
export function generateCircuit({ ir, modelCommitment, omitInputHandling = false, circuitDigest: digest }: GenerateCircuitParameters): string {
  return renderCircuit(ir, modelCommitment, digest ?? circuitDigest(ir), omitInputHandling);
}

/**
 * The codegen's identity: bump it whenever the generator emits other code for some IR, though the
 * digest below changes with the code anyway; the tag keeps two generators that agree on a text
 * apart from each other in what they claim to be.
 */
export const CODEGEN_VERSION = "zkinfer/codegen/1";

/**
 * The digest of the circuit zkinfer generates from `ir`, which the model commitment covers
 * (prover/model/commitment.ts commitmentLayout): the main file's code as rendered with the two
 * self-referential constants (the commitment, and this digest inside it) at 0, the circuit library
 * files it includes, transitively (prover/circuit/library.ts includedLibraryDigest: each one's content
 * digest, and the circom2 and circomlib versions) and CODEGEN_VERSION. So a spec's commitment names one
 * circuit: another codegen, a patched gadget it includes or injected code yields another commitment,
 * and anyone can recompute it from the spec (`zkinfer verify-deployment` does); a gadget it does not
 * include does not change it. Comments are left out, so names and units (presentation, which the
 * circuit only carries in comments) do not change it.
 */
export function circuitDigest(ir: ModelIR): bigint {
  return circuitSourceDigest(renderCircuit(ir, 0n, 0n, false));
}

/**
 * The digest of a circuit's main-file text (see circuitDigest); `library` (the circuits/lib table)
 * defaults to this checkout's. Throws, naming it, on an include that is neither a file of the table
 * nor a circomlib circuit.
 */
export function circuitSourceDigest(source: string, library: CircuitLibrary = CIRCUIT_LIBRARY): bigint {
  const code = circuitCode(source);
  const libraryDigest = includedLibraryDigest(includesOf(code), library);
  // 248 bits: below the field's modulus, so the digest is one field element without reduction.
  return BigInt(keccak256(stringToBytes(`${CODEGEN_VERSION}\n${libraryDigest}\n${code}`))) >> 8n;
}

/**
 * A circuit's text without its `//` comments (and blank lines): what circom compiles. Stripping
 * agrees with circom's lexer only on text without block comments, string literals (but in `include`
 * lines) or characters outside printable ASCII, which the codegen never emits: such text is refused
 * rather than digested, so code can never hide where this function sees a comment.
 */
export function circuitCode(source: string): string {
  const out: string[] = [];
  source.split("\n").forEach((line, at) => {
    if (/[^\x20-\x7e]/.test(line)) throw new Error(`circuit line ${at + 1} has a character outside printable ASCII; refusing to digest it`);
    if (/^include "[A-Za-z0-9_./-]+";$/.test(line)) return void out.push(line);
    const comment = line.indexOf("//");
    const code = (comment < 0 ? line : line.slice(0, comment)).trimEnd();
    if (/"|\/\*|\*\//.test(code)) throw new Error(`circuit line ${at + 1} has a string or block comment; refusing to digest it`);
    if (code.trim()) out.push(code);
  });
  return out.join("\n");
}

function renderCircuit(ir: ModelIR, modelCommitment: bigint, circuit: bigint, omitInputHandling: boolean): string {
  checkRenderable(ir);
  const attested = ir.attestation !== undefined;
  const publicFeatures = ir.visibility.inputs === "public";
  if (publicFeatures && attested) throw new Error("a model is attested or has public inputs, not both");
  const n = ir.features.length;
  const hasPrivateWeights = ir.visibility.weights === "private";
  const lines: string[] = [];
  const emit = (s = "") => lines.push(s);

  emitIncludes(ir, emit);
  emitDeclarations(ir, emit);

  const inputWords = emitInputPacking(ir, omitInputHandling, emit);
  const prev = emitInference(ir, emit);

  emitOutputs(ir, prev, emit);
  emit();
  if (hasPrivateWeights) {
    emitPrivateWeightCommitment(ir, circuit, emit);
  } else {
    emit("    // Public weights are constants; the commitment pins which ones the registry accepts.");
    emit(`    modelCommitment <== ${modelCommitment};`);
  }
  emit();
  const featureSignals = Array.from({ length: n }, (_, i) => `features[${i}]`);
  if (publicFeatures) {
    emit("    // Public inputs: nothing to commit to (ABI: inputCommitment = 0).");
    emit("    inputCommitment <== 0;");
  } else if (omitInputHandling) {
    emit("    inputCommitment <== 0 * salt;");
  } else {
    emit("    // inputCommitment = Poseidon(packed features..., salt), chained in chunks of 16 then 15.");
    emitPoseidonChain([...inputWords.map((_, w) => `inputWord${w}`), "salt"], "inputHash", emit);
    emit(`    inputCommitment <== inputHash;`);
  }
  emit();
  const publicInputs = ["subject", "nonce"];
  if (attested) {
    emitAttestationCheck(ir, featureSignals, emit);
    publicInputs.push(...ATTESTATION_FIELDS);
  }
  emit("    // Public inputs must sit in a non-linear constraint, or the proof would not bind them.");
  emit(`    BindPublic(${publicInputs.length})([${publicInputs.join(", ")}]);`);
  if (publicFeatures) {
    emit("    // The public features too, all in ONE constraint (a feature with no weight would otherwise sit in none).");
    emit(`    BindPublicAll(${n})(features);`);
    publicInputs.push("features");
  }
  emit("}");
  emit();
  emit(`component main {public [${publicInputs.join(", ")}]} = ${mainTemplateName(ir.name)}();`);
  return lines.join("\n") + "\n";
}

/** Refuses an IR whose text could reach the circuit as code, and an ABI this generator does not hard-code. */
function checkRenderable(ir: ModelIR): void {
  // Guard the ABI assumption this generator hard-codes below.
  if (BINDING_FIELDS.join() !== "modelCommitment,inputCommitment,subject,nonce") {
    throw new Error("public-signal ABI changed: update the circuit codegen");
  }
  if (ATTESTATION_FIELDS.join() !== "attesterKeyHash,validity") {
    throw new Error("attestation ABI changed: update the circuit codegen");
  }
  // Text of the spec reaches the circuit only as identifiers validated here (an IR may be built
  // without readModelSpec) and as comments escaped by commentText (docs/SECURITY.md, "Compiler").
  if (!/^[a-z][a-z0-9-]*$/.test(ir.name)) throw new Error(`model name ${JSON.stringify(ir.name)} is not kebab-case; refusing to generate a circuit`);
  if (!/^\d+\.\d+\.\d+$/.test(ir.version))
    throw new Error(`model version ${JSON.stringify(ir.version)} is not a semantic version; refusing to generate a circuit`);
  for (const f of [...ir.features, ...ir.outputs]) {
    if (!/^[a-z][a-z0-9_]*$/.test(f.name)) throw new Error(`name ${JSON.stringify(f.name)} is not snake_case; refusing to generate a circuit`);
  }
}

/** The pragma, the header and the includes the model's ops need. */
function emitIncludes(ir: ModelIR, emit: (s?: string) => void): void {
  const attested = ir.attestation !== undefined;
  emit("pragma circom 2.2.0;");
  emit();
  emit(`// AUTO-GENERATED by zkinfer from model ${ir.name}@${ir.version}. Do not edit:`);
  emit("// it is rebuilt from the model spec by `npm run build:models` (prover/circuit/codegen.ts).");
  emit();
  emit('include "circomlib/circuits/poseidon.circom";');
  const includes = [
    ...(attested ? ["circuits/lib/attestation.circom"] : []),
    "circuits/lib/binding.circom",
    "circuits/lib/pack.circom",
    // IsNonNegative (a threshold output) and SignedBits (private weights).
    "circuits/lib/compare.circom",
    ...graphIncludes(ir.graph),
  ];
  for (const inc of new Set(includes)) emit(`include "${inc}";`);
  emit();
}

/** The main template's opening and its signals, in the order that makes the public-signal ABI. */
function emitDeclarations(ir: ModelIR, emit: (s?: string) => void): void {
  const attested = ir.attestation !== undefined;
  const publicFeatures = ir.visibility.inputs === "public";
  const n = ir.features.length;
  const k = publicOutputCount(ir);
  const hasPrivateWeights = ir.visibility.weights === "private";
  const numWeights = privateWeights(ir).length;
  emit(`template ${mainTemplateName(ir.name)}() {`);
  if (!publicFeatures) {
    emit(`    // Private inputs: features quantized at 2^${ir.inputScale}, in spec order, and the commitment salt.`);
    emit(`    signal input features[${n}];`);
  } else {
    emit("    // The inputs are public (declared below, after nonce): the salt commits to nothing here.");
  }
  emit("    signal input salt;");
  if (ir.visibility.outputs === "hashed") {
    emit("    // The hashed outputs' own salt: opening the output hash must not open the input commitment, nor the reverse.");
    emit("    signal input outputSalt;");
  }
  if (hasPrivateWeights) {
    emit(`    // Private weights: every dense weight and bias (quantized), in commitment order, and the model's secret salt.`);
    emit(`    signal input weights[${numWeights}];`);
    emit("    signal input weightSalt;");
  }
  emit("    // Public inputs, after the outputs in the public-signal ABI.");
  emit("    signal input subject;");
  emit("    signal input nonce;");
  if (attested) {
    emit("    // Attested model: public inputs appended after nonce (circom lists public inputs in declaration");
    emit("    // order, which is the ABI's), then the private key and signature.");
    emit("    signal input attesterKeyHash;");
    emit("    signal input validity;");
    emit("    signal input issuedAt;");
    emit("    signal input expiresAt;");
    emit("    signal input attesterAx;");
    emit("    signal input attesterAy;");
    emit("    signal input signatureR8x;");
    emit("    signal input signatureR8y;");
    emit("    signal input signatureS;");
  }
  if (publicFeatures) {
    emit(`    // Public inputs: features quantized at 2^${ir.inputScale}, in spec order, appended after nonce (circom lists`);
    emit("    // public inputs in declaration order, which is the ABI's). Not range-checked here: the hub refuses any");
    emit(`    // outside [-2^${ir.visibility.publicInputBits}, 2^${ir.visibility.publicInputBits}), and the range analysis proved that no intermediate wraps`);
    emit("    // for any input in that interval, so the outputs are the integer model's on exactly these inputs.");
    emit(`    signal input features[${n}];`);
  }
  emit();
  emit("    // Public outputs, in ABI order.");
  emit(`    signal output outputs[${k}];`);
  emit("    signal output modelCommitment;");
  emit("    signal output inputCommitment;");
  emit();
}

/** Range checks of the private features, packed into the input commitment's words; returns the words. */
function emitInputPacking(ir: ModelIR, omitInputHandling: boolean, emit: (s?: string) => void): PackedInputWord[] {
  const publicFeatures = ir.visibility.inputs === "public";
  if (omitInputHandling) emit("    // BENCH ONLY: input range checks and input commitment omitted. Not sound to deploy.");
  const inputWords = publicFeatures || omitInputHandling ? [] : inputPackingLayout(ir.features);
  if (inputWords.length) {
    emit("    // Every feature within its declared range (the overflow analysis assumed it), and its digit");
    emit("    // feature - min packed with its neighbours' into one element of the input commitment.");
  }
  inputWords.forEach(({ first, bits }, w) => {
    const members = bits.map((_, j) => first + j);
    for (const i of members) {
      const f = ir.features[i]!;
      emit(`    // features[${i}]: ${f.name} in [${f.min}, ${f.max}] ${commentText(f.unit)}`);
    }
    const param = (xs: (number | bigint | string)[]) => `[${xs.join(", ")}]`;
    const mins = members.map((i) => ir.features[i]!.qmin);
    const maxs = members.map((i) => ir.features[i]!.qmax);
    emit(
      `    signal inputWord${w} <== PackRanged(${bits.length}, ${param(bits)}, ${param(mins)}, ${param(maxs)})(${param(members.map((i) => `features[${i}]`))});`,
    );
  });
  emit();

  return inputWords;
}

/**
 * The model's inference: its graph, node by node (prover/graph/emit.ts), from `features` to the
 * returned signal array (the model's outputs). With private weights each weight is read from the
 * next `weights[]` signal, in the order of prover/model/commitment.ts privateWeights.
 */
function emitInference(ir: ModelIR, emit: (s?: string) => void): string {
  const graph = ir.graph;
  const name = "model";
  emit(`    // The model: ${graph.nodes.length} graph nodes (${[...new Set(graph.nodes.map((n) => n.op))].join(", ")}), ${graph.outputs.length} outputs.`);
  emit(`    signal ${name}[${graph.outputs.length}];`);
  let weightAt = 0;
  const privateWeight = ir.visibility.weights === "private" ? () => `weights[${weightAt++}]` : undefined;
  emitGraph(graph, name, "features", emit, privateWeight);
  if (privateWeight && weightAt !== privateWeights(ir).length)
    throw new Error(`codegen: the graph read ${weightAt} private weights; the commitment has ${privateWeights(ir).length}`);
  emit();
  return name;
}

/** The public outputs slot (the outputs, a threshold bit or their hash), then the extra outputs. */
function emitOutputs(ir: ModelIR, prev: string, emit: (s?: string) => void): void {
  const k = publicOutputCount(ir);
  if (ir.visibility.outputs === "public") {
    emit("    // Outputs: signed fixed point, negative values as p - |q|.");
    for (let o = 0; o < ir.outputs.length; o++) emit(`    outputs[${o}] <== ${prev}[${o}];`);
  } else if (ir.visibility.outputs === "threshold") {
    // Only the decision is revealed: a constrained sign bit of output - threshold.
    const bound = ir.outputs[0]!.bounds;
    const t = ir.visibility.threshold!;
    const kBits = Math.max(1, bitLength(bound.hi - t > 0n ? bound.hi - t : 0n), bitLength(t - bound.lo - 1n > 0n ? t - bound.lo - 1n : 0n));
    emit(`    // Outputs: only [${ir.outputs[0]!.name} >= ${t} (at 2^${ir.outputs[0]!.scale})], a constrained sign bit.`);
    emit(`    outputs[0] <== IsNonNegative(${kBits})(${prev}[0] - ${t});`);
  } else {
    emit("    // Outputs: only Poseidon(outputs..., outputSalt); whoever holds outputSalt can open it.");
    emitPoseidonChain([...Array.from({ length: ir.outputs.length }, (_, o) => `${prev}[${o}]`), "outputSalt"], "outputHash", emit);
    emit(`    outputs[0] <== outputHash;`);
  }
  const extras = ir.extraOutputs ?? [];
  if (extras.length) {
    const first = k - extras.length;
    emit("    // Extra outputs, computed from the (range-checked) inputs themselves, after the layers' outputs.");
    extras.forEach((e, j) => {
      if (e.kind === "feature") {
        emit(`    outputs[${first + j}] <== features[${e.feature}]; // ${e.name}: feature ${ir.features[e.feature]!.name} as it is`);
      } else {
        emit(
          `    // ${e.name}: one Poseidon(${e.features.length}) over ${e.features.map((i) => ir.features[i]!.name).join(", ")}, as a contract recomputes it.`,
        );
        emit(`    outputs[${first + j}] <== Poseidon(${e.features.length})([${e.features.map((i) => `features[${i}]`).join(", ")}]);`);
      }
    });
  }
}

/** The attestation: the signed message over the features, the signature check and the packed validity window. */
function emitAttestationCheck(ir: ModelIR, featureSignals: string[], emit: (s?: string) => void): void {
  // The same message prover/attest/attestation.ts signs: attestationMessagePreimage's layout.
  emit("    // The attester signed PoseidonChain(domain, schema id, features..., subject, issuedAt, expiresAt):");
  emit("    // the private features, the subject the proof pays out to, and the window the hub checks against");
  emit("    // block.timestamp. Changing any of them after signing breaks the signature check below.");
  const preimage = [String(ATTESTATION_DOMAIN), String(attestationSchemaId(ir)), ...featureSignals, "subject", "issuedAt", "expiresAt"];
  emitPoseidonChain(preimage, "attestedMessage", emit);
  emit("    component attestation = AttestationCheck();");
  emit("    attestation.message <== attestedMessage;");
  emit("    attestation.Ax <== attesterAx;");
  emit("    attestation.Ay <== attesterAy;");
  emit("    attestation.R8x <== signatureR8x;");
  emit("    attestation.R8y <== signatureR8y;");
  emit("    attestation.S <== signatureS;");
  emit("    attestation.keyHash <== attesterKeyHash;");
  emit();
  emit(`    // The window is public as one signal, validity = issuedAt * 2^${TIMESTAMP_BITS} + expiresAt (one signal less`);
  emit(`    // in the verifier, ~7k gas). Both below 2^${TIMESTAMP_BITS}, so the packing is injective and the hub's`);
  emit("    // unpacking gives back exactly the signed values.");
  emit(`    signal packedValidity <== PackValidity(${TIMESTAMP_BITS})(issuedAt, expiresAt);`);
  emit("    validity === packedValidity;");
  emit();
}

/**
 * Emits the private-weight commitment over the main template's `weights[]` and `weightSalt` signals
 * and assigns it to `modelCommitment`: the one circuit side of commitmentLayout, used by model
 * circuits and by accuracy-bounty circuits (prover/circuit/bounty.ts). `circuit` is the model circuit's
 * digest (circuitDigest; 0 while rendering the text it digests).
 */
export function emitPrivateWeightCommitment(ir: ModelIR, circuit: bigint, emit: (s?: string) => void): void {
  emit("    // Private weights: modelCommitment = Poseidon(architecture, scales, bounds, weights, visibility, weightSalt),");
  emit("    // computed from the very signals the layers multiply with, so a changed weight changes the commitment.");
  emit("    // Each weight within its segment's signed width, so packing 248 / width of them per field element is injective.");
  for (const seg of weightSegments(ir)) {
    emit(`    for (var k = ${seg.first}; k < ${seg.first + seg.count}; k++) {`);
    emit(`        SignedBits(${seg.bits})(weights[k]);`);
    emit("    }");
  }
  const packed = (first: number, count: number, bits: number) =>
    balancedSum(Array.from({ length: count }, (_, i) => `(weights[${first + i}] + ${1n << BigInt(bits - 1)})${i ? ` * ${1n << BigInt(bits * i)}` : ""}`));
  emitPoseidonChain(
    commitmentLayout(ir, circuit).map((e) => (e.pack ? packed(e.pack.first, e.pack.count, e.pack.bits) : e.salt ? "weightSalt" : String(e.value))),
    "modelHash",
    emit,
  );
  emit("    modelCommitment <== modelHash;");
}

/**
 * Emits `signal <name> <== Poseidon chain of args` (chunks of 16, then the running hash + 15), the
 * chaining of prover/model/commitment.ts's poseidonHash.
 */
function emitPoseidonChain(args: string[], name: string, emit: (s?: string) => void): void {
  let at = 0;
  let acc: string | undefined;
  const chunks = poseidonChunks(args.length);
  chunks.forEach((size, c) => {
    const part = args.slice(at, at + size);
    const ins = acc === undefined ? part : [acc, ...part];
    const out = c === chunks.length - 1 ? name : `${name}${c}`;
    emit(`    signal ${out} <== Poseidon(${ins.length})([${ins.join(", ")}]);`);
    acc = out;
    at += size;
  });
}

/**
 * t0 + t1 + ... as a balanced tree of parenthesised halves: circom parses a flat sum into a
 * left-deep tree and overflows its stack on a few hundred terms (a 784-input neuron); balanced,
 * the depth is 32 + log2(n).
 */
export function balancedSum(terms: string[]): string {
  if (terms.length <= 32) return terms.join(" + ");
  const mid = terms.length >> 1;
  return `(${balancedSum(terms.slice(0, mid))}) + (${balancedSum(terms.slice(mid))})`;
}
