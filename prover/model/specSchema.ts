/**
 * The JSON model spec: what a protocol team writes (or a trainer emits) to describe a model.
 * It is validated here, and every error names the field (e.g. `layers[0].bias[3]`). Everything
 * after this file reads the typed IR (./ir.ts), never the raw spec.
 */
import { z } from "zod";
import { validateGraph } from "../graph/lower.js";
import type { FloatNode, GraphSpec } from "../graph/types.js";
import { SpecValidationError } from "../errors.js";

const finite = z.number().refine(Number.isFinite, "must be a finite number");

/**
 * Free text of a spec. Generated circuits carry units in comments, so a unit is one short line from a
 * strict character set: a newline in a `unit` once closed the comment and injected circom code into
 * the circuit, under the same model commitment (docs/SECURITY.md, "Compiler"). Descriptions never
 * reach generated code; they are still one line without control characters, for every reader's sake.
 * Names are identifiers (their own patterns below).
 */
export const UNIT_PATTERN = /^[A-Za-z0-9 _.,%()/+^-]{1,64}$/;
const unitText = z.string().regex(UNIT_PATTERN, "must be 1 to 64 characters from A-Z a-z 0-9 space _ . , % ( ) / + ^ - (one line, no other character)");
const descriptionText = z
  .string()
  .max(1000, "must be at most 1000 characters")
  .regex(/^[^\p{Cc}\p{Zl}\p{Zp}]*$/u, "must be one line without control characters");
const scaleBits = z.number().int().min(0).max(64);

export const featureSchema = z
  .object({
    name: z.string().regex(/^[a-z][a-z0-9_]*$/, "must be snake_case: a-z, 0-9 and _, starting with a letter"),
    unit: unitText,
    min: finite,
    max: finite,
    description: descriptionText.optional(),
  })
  .strict()
  .refine((f) => f.min <= f.max, { message: "min must not exceed max", path: ["max"] });

const denseSchema = z
  .object({
    type: z.literal("dense"),
    /** weights[o][i]: row o holds the weights of output neuron o (ONNX Gemm transB layout). */
    weights: z.array(z.array(finite).min(1)).min(1),
    bias: z.array(finite).min(1),
    /** Overrides fixedPoint.weightBits for this layer. */
    weightBits: scaleBits.optional(),
    /** Overrides fixedPoint.activationBits for this layer's output. */
    outputBits: scaleBits.optional(),
  })
  .strict();

const reluSchema = z.object({ type: z.literal("relu") }).strict();

/**
 * max(x, alpha * x) per value (LeakyRelu: one alpha; PRelu: one per value). alpha is quantized at
 * `alphaBits` (default fixedPoint.weightBits).
 */
const leakyReluSchema = z
  .object({
    type: z.literal("leaky_relu"),
    alpha: z.array(finite).min(1),
    alphaBits: scaleBits.optional(),
  })
  .strict();

/** min(max(x, min), max); either bound may be omitted. */
const clipSchema = z
  .object({ type: z.literal("clip"), min: finite.optional(), max: finite.optional() })
  .strict()
  .refine((c) => c.min === undefined || c.max === undefined || c.min <= c.max, { message: "min must not exceed max", path: ["max"] });

/** sigmoid / tanh: the fn family's piecewise-linear table over the proven interval, with its measured error (prover/graph/families/fn.ts). */
const sigmoidSchema = z.object({ type: z.literal("sigmoid") }).strict();
const tanhSchema = z.object({ type: z.literal("tanh") }).strict();

/** out[o] = max over the input indices groups[o] (MaxPool lowers to this). */
const maxSchema = z.object({ type: z.literal("max"), groups: z.array(z.array(z.number().int().min(0)).min(1)).min(1) }).strict();

/** The index of the largest value; ties go to the LOWEST index. Final op only. */
const argmaxSchema = z.object({ type: z.literal("argmax") }).strict();

/**
 * Decision trees summed (scikit-learn TreeEnsemble semantics): a node goes LEFT when
 * x[feature] <= threshold. outputs[k] = base[k] + sum over trees of the reached leaf's value[k].
 * Leaf values are quantized at fixedPoint.activationBits.
 */
const treeNodeSchema = z.union([
  z.object({ feature: z.number().int().min(0), threshold: finite, left: z.number().int().min(1), right: z.number().int().min(1) }).strict(),
  z.object({ leaf: z.array(finite).min(1) }).strict(),
]);
const treeEnsembleSchema = z
  .object({
    type: z.literal("tree_ensemble"),
    base: z.array(finite).min(1),
    trees: z.array(z.object({ nodes: z.array(treeNodeSchema).min(1) }).strict()).min(1),
  })
  .strict();

/**
 * out[i] = floor((x[inputs[i]] - x[reference]) * 2^outputBits / x[reference]): the relative change
 * of each selected value against a positive reference value, e.g. a window of prices against the
 * latest one (returns). The reference's declared minimum must be positive. One division gadget per
 * output (circuits/lib/divide.circom).
 */
const relativeChangeSchema = z
  .object({
    type: z.literal("relative_change"),
    inputs: z.array(z.number().int().min(0)).min(1),
    reference: z.number().int().min(0),
    outputBits: scaleBits,
  })
  .strict();

/**
 * A trading-signal head on one score s: direction = 1 when s >= hold, -1 when s <= -hold, else 0
 * (hold); size = min(|s|, 1) at 2^SIGNAL_SIZE_BITS when the direction is not 0, else 0. Outputs
 * [direction, size], what contracts/consumers/SignalFeed.sol reads.
 */
const signalHeadSchema = z
  .object({
    type: z.literal("signal_head"),
    hold: finite.refine((h) => h > 0, "must be positive"),
  })
  .strict();

/**
 * A tensor-graph layer (prover/graph/types.ts): a DAG of nodes over a tape of scalar values; the
 * layer's inputs are values 0..n-1, each node appends its outputs. Node parameters are checked by
 * their operator family (prover/graph/registry.ts). Must be the last layer before the output.
 */
const graphSchema = z
  .object({
    type: z.literal("graph"),
    // Each node's parameters are its family's to check (validateGraph): kept as they are, typed as a
    // FloatNode whose parameters are not known yet.
    nodes: z
      .array(
        z
          .object({ op: z.string().min(1), args: z.array(z.number().int().min(0)), name: z.string().optional() })
          .passthrough()
          .transform((node): FloatNode => node),
      )
      .min(1),
    outputs: z.array(z.number().int().min(0)).min(1),
    integerInputs: z.array(z.number().int().min(0)).optional(),
  })
  .strict();

const outputSchema = z
  .object({
    type: z.literal("output"),
    outputs: z
      .array(
        z
          .object({
            name: z.string().regex(/^[a-z][a-z0-9_]*$/, "must be snake_case"),
            unit: unitText,
            description: descriptionText.optional(),
          })
          .strict(),
      )
      .min(1),
  })
  .strict();

export const layerSchema = z.discriminatedUnion("type", [
  denseSchema,
  reluSchema,
  leakyReluSchema,
  clipSchema,
  sigmoidSchema,
  tanhSchema,
  maxSchema,
  argmaxSchema,
  treeEnsembleSchema,
  relativeChangeSchema,
  signalHeadSchema,
  graphSchema,
  outputSchema,
]);

const outputName = z.string().regex(/^[a-z][a-z0-9_]*$/, "must be snake_case");

/**
 * Outputs computed from the inputs rather than by the layers, appended after the layers' outputs in
 * the public signals: a feature's value as it is (e.g. the epoch a signal is for), or the Poseidon
 * hash of some features (e.g. a price window, which an on-chain price source hashes the same way).
 * They let a contract check WHICH inputs a proof ran on without an input opening.
 */
const extraOutputSchema = z.discriminatedUnion("type", [
  z.object({ type: z.literal("feature"), name: outputName, unit: unitText, feature: z.string(), description: descriptionText.optional() }).strict(),
  z
    .object({
      type: z.literal("poseidon"),
      name: outputName,
      unit: unitText,
      /** At most 16 features: one circomlib Poseidon, so a contract can recompute it with one call. */
      features: z.array(z.string()).min(1).max(16),
      description: descriptionText.optional(),
    })
    .strict(),
]);

/** The proof systems a model can be built for (snarkjs's three, all over BN254). */
export const PROOF_SYSTEMS = ["groth16", "plonk", "fflonk"] as const;
export type ProofSystem = (typeof PROOF_SYSTEMS)[number];

export const modelSpecSchema = z
  .object({
    name: z.string().regex(/^[a-z][a-z0-9-]*$/, "must be kebab-case: a-z, 0-9 and -, starting with a letter"),
    version: z.string().regex(/^\d+\.\d+\.\d+$/, "must be a semantic version like 1.0.0"),
    description: descriptionText.optional(),
    fixedPoint: z
      .object({
        /** Inputs are quantized as round(x * 2^inputBits). */
        inputBits: scaleBits,
        /** Weights are quantized as round(w * 2^weightBits). */
        weightBits: scaleBits,
        /** Every dense layer's output is rescaled to 2^activationBits. */
        activationBits: scaleBits,
      })
      .strict(),
    features: z.array(featureSchema).min(1),
    layers: z.array(layerSchema).min(2),
    /**
     * Present when the features must be signed by a trusted attester (docs/ATTESTATION.md): the
     * circuit then verifies an EdDSA-Poseidon signature over them and the proof carries the
     * attester's key hash and the attestation's validity window as extra public signals.
     */
    attestation: z
      .object({ scheme: z.literal("eddsa-poseidon-v1") })
      .strict()
      .optional(),
    /**
     * What the proof reveals (docs/ARCHITECTURE.md, "Visibility"). Defaults: private inputs bound by
     * inputCommitment, public weights (circuit constants), public outputs.
     */
    visibility: z
      .object({
        /**
         * "private": the inputs stay secret, inputCommitment = Poseidon(packed inputs..., salt)
         * (prover/model/commitment.ts, inputPackingLayout).
         * "public": the quantized inputs are public signals appended after the ABI's fixed fields,
         * inputCommitment = 0; the hub bounds them (prover/abi/publicSignals.ts, publicInputBits).
         */
        inputs: z.enum(["private", "public"]).default("private"),
        /** "private": dense weights and biases are private inputs bound by modelCommitment = Poseidon(architecture, weights, weightSalt). */
        weights: z.enum(["public", "private"]).default("public"),
        /** The secret salt of a private-weight commitment (decimal; keep it with the weights). */
        weightSalt: z
          .string()
          .regex(/^\d{1,76}$/, "must be a decimal integer below the field size")
          .optional(),
        /**
         * Fixed signed packing widths of the private-weight segments (per dense layer: weights, then biases),
         * instead of each segment's widest value: a circuit fixed before the weights (an accuracy bounty's)
         * must not depend on them. Each value must fit in [-2^(width-1), 2^(width-1)) at its scale.
         */
        weightWidths: z.array(z.number().int().min(2).max(120)).min(1).optional(),
        /** "hashed": outputs[0] = Poseidon(outputs..., salt). "threshold": outputs[0] = (output >= threshold ? 1 : 0). */
        outputs: z.enum(["public", "hashed", "threshold"]).default("public"),
        /** The public threshold, in the output's real units, for outputs = "threshold". */
        threshold: finite.optional(),
      })
      .strict()
      .optional(),
    /** Outputs derived from the inputs, appended after the layers' outputs (see extraOutputSchema). */
    extraOutputs: z.array(extraOutputSchema).min(1).optional(),
    /**
     * The proof system the build sets the model up for (default "groth16"). "plonk" and "fflonk" use
     * the universal phase-1 ptau only (no per-circuit ceremony) and cannot batch. Not part of the
     * model commitment: it picks the keys and the verifier contract, not the circuit, and the registry
     * already pins the verifier per model id (docs/ARCHITECTURE.md, "Proof systems").
     */
    proofSystem: z.enum(PROOF_SYSTEMS).optional(),
    /** Free-form provenance (training data, accuracy); not part of the commitment. */
    metadata: z.record(z.string(), z.unknown()).optional(),
  })
  .strict()
  .superRefine((spec, ctx) => {
    const v = spec.visibility;
    if (v?.weights === "private" && v.weightSalt === undefined)
      ctx.addIssue({
        code: "custom",
        path: ["visibility", "weightSalt"],
        message: "private weights need a secret weightSalt (a random decimal integer below 2^248), or the commitment of a small model could be brute-forced",
      });
    // relative_change and signal_head have no weights, only public structure (indices, the hold band).
    const privateOk = new Set(["dense", "relu", "output", "relative_change", "signal_head"]);
    if (v?.weights === "private" && spec.layers.some((l) => !privateOk.has(l.type)))
      ctx.addIssue({
        code: "custom",
        path: ["visibility", "weights"],
        message:
          "private weights are compiled for dense/ReLU models (with relative_change and signal_head) only; the parameters of other layers would stay public constants",
      });
    if (v?.weightWidths !== undefined && v.weights !== "private")
      ctx.addIssue({
        code: "custom",
        path: ["visibility", "weightWidths"],
        message: 'weightWidths fix the packing of PRIVATE weights; set weights "private" or drop them',
      });
    if (v?.inputs === "public" && spec.attestation)
      ctx.addIssue({
        code: "custom",
        path: ["visibility", "inputs"],
        message: 'an attested model proves facts about PRIVATE signed inputs; use inputs "private" (or drop the attestation)',
      });
    if (v?.outputs === "threshold" && v.threshold === undefined)
      ctx.addIssue({ code: "custom", path: ["visibility", "threshold"], message: 'outputs "threshold" needs the public threshold' });
    const names = new Set<string>();
    spec.features.forEach((f, i) => {
      if (names.has(f.name)) ctx.addIssue({ code: "custom", path: ["features", i, "name"], message: `duplicate feature "${f.name}"` });
      names.add(f.name);
    });
    spec.extraOutputs?.forEach((e, i) => {
      const refs: [(string | number)[], string][] = e.type === "feature" ? [[["feature"], e.feature]] : e.features.map((f, j) => [["features", j], f]);
      for (const [at, name] of refs) {
        if (!names.has(name))
          ctx.addIssue({
            code: "custom",
            path: ["extraOutputs", i, ...at],
            message: `"${name}" is not a feature; the model's features are ${[...names].join(", ")}`,
          });
      }
    });
    // Shapes flow through the layers: each dense layer takes the previous width.
    let width = spec.features.length;
    spec.layers.forEach((layer, li) => {
      const last = li === spec.layers.length - 1;
      if (layer.type === "output") {
        if (!last) ctx.addIssue({ code: "custom", path: ["layers", li, "type"], message: "the output layer must come last" });
        if (layer.outputs.length !== width)
          ctx.addIssue({
            code: "custom",
            path: ["layers", li, "outputs"],
            message: `names ${layer.outputs.length} outputs but the previous layer produces ${width}`,
          });
        return;
      }
      if (last) ctx.addIssue({ code: "custom", path: ["layers", li, "type"], message: `the last layer must be "output", got "${layer.type}"` });
      if (layer.type === "dense") {
        layer.weights.forEach((row, o) => {
          if (row.length !== width)
            ctx.addIssue({
              code: "custom",
              path: ["layers", li, "weights", o],
              message: `has ${row.length} weights but the layer's input has ${width} values`,
            });
        });
        if (layer.bias.length !== layer.weights.length)
          ctx.addIssue({
            code: "custom",
            path: ["layers", li, "bias"],
            message: `has ${layer.bias.length} entries but the layer has ${layer.weights.length} neurons`,
          });
        width = layer.weights.length;
      } else if (layer.type === "leaky_relu") {
        if (layer.alpha.length !== 1 && layer.alpha.length !== width)
          ctx.addIssue({
            code: "custom",
            path: ["layers", li, "alpha"],
            message: `has ${layer.alpha.length} entries; give 1 or ${width} (the layer's input width)`,
          });
      } else if (layer.type === "max") {
        layer.groups.forEach((g, o) =>
          g.forEach((idx, j) => {
            if (idx >= width)
              ctx.addIssue({ code: "custom", path: ["layers", li, "groups", o, j], message: `index ${idx} is outside the layer's input (width ${width})` });
          }),
        );
        width = layer.groups.length;
      } else if (layer.type === "argmax") {
        if (spec.layers[li + 1]?.type !== "output")
          ctx.addIssue({ code: "custom", path: ["layers", li, "type"], message: "argmax must be the last layer before the output" });
        width = 1;
      } else if (layer.type === "relative_change") {
        [...layer.inputs, layer.reference].forEach((idx, j) => {
          if (idx >= width)
            ctx.addIssue({
              code: "custom",
              path: ["layers", li, ...(j < layer.inputs.length ? ["inputs", j] : ["reference"])],
              message: `index ${idx} is outside the layer's input (width ${width})`,
            });
        });
        width = layer.inputs.length;
      } else if (layer.type === "signal_head") {
        if (width !== 1)
          ctx.addIssue({ code: "custom", path: ["layers", li, "type"], message: `signal_head takes one score; the previous layer produces ${width}` });
        if (spec.layers[li + 1]?.type !== "output")
          ctx.addIssue({ code: "custom", path: ["layers", li, "type"], message: "signal_head must be the last layer before the output" });
        width = 2;
      } else if (layer.type === "graph") {
        if (spec.layers[li + 1]?.type !== "output")
          ctx.addIssue({ code: "custom", path: ["layers", li, "type"], message: "a graph layer must be the last layer before the output" });
        for (const message of validateGraph(layer as GraphSpec, width)) ctx.addIssue({ code: "custom", path: ["layers", li], message });
        width = layer.outputs.length;
      } else if (layer.type === "tree_ensemble") {
        const k = layer.base.length;
        layer.trees.forEach((tree, t) => checkTree(tree.nodes, width, k, ["layers", li, "trees", t, "nodes"], ctx));
        width = k;
      }
    });
  });

/** A tree is well-formed: children after their parent (so no cycles), each node reached once. */
function checkTree(nodes: z.infer<typeof treeNodeSchema>[], width: number, outputs: number, path: (string | number)[], ctx: z.RefinementCtx): void {
  const parents = new Array<number>(nodes.length).fill(0);
  nodes.forEach((n, i) => {
    if ("leaf" in n) {
      if (n.leaf.length !== outputs)
        ctx.addIssue({ code: "custom", path: [...path, i, "leaf"], message: `has ${n.leaf.length} values; the ensemble has ${outputs} outputs (base)` });
      return;
    }
    if (n.feature >= width)
      ctx.addIssue({ code: "custom", path: [...path, i, "feature"], message: `feature ${n.feature} is outside the input (width ${width})` });
    for (const side of ["left", "right"] as const) {
      const c = n[side];
      if (c <= i || c >= nodes.length)
        ctx.addIssue({ code: "custom", path: [...path, i, side], message: `child ${c} must come after its parent and exist (${nodes.length} nodes)` });
      else parents[c]!++;
    }
  });
  parents.forEach((p, i) => {
    if (i > 0 && p !== 1)
      ctx.addIssue({ code: "custom", path: [...path, i], message: `node is reached ${p} times; every node but the root needs exactly one parent` });
  });
}

export type ModelSpec = z.infer<typeof modelSpecSchema>;

/** A spec's proof system, "groth16" when it names none. */
export function proofSystemOf(spec: Pick<ModelSpec, "proofSystem">): ProofSystem {
  return spec.proofSystem ?? "groth16";
}
export type FeatureSpec = z.infer<typeof featureSchema>;
export type LayerSpec = z.infer<typeof layerSchema>;

/** Validates an already-parsed JSON value; throws SpecValidationError naming each bad field. */
export function parseModelSpec(value: unknown, source?: string): ModelSpec {
  const result = modelSpecSchema.safeParse(value);
  if (!result.success) {
    throw new SpecValidationError(
      result.error.issues.map((issue) => ({ path: formatPath(issue.path), message: issue.message })),
      source,
    );
  }
  return result.data;
}

function formatPath(path: PropertyKey[]): string {
  return path.reduce<string>((acc, p) => (typeof p === "number" ? `${acc}[${p}]` : acc ? `${acc}.${String(p)}` : String(p)), "");
}
