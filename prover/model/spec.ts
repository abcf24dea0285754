/**
 * The JSON model spec: what a protocol team writes (or a trainer emits) to describe a model.
 * It is validated here, and every error names the field (e.g. `layers[0].bias[3]`). Everything
 * after this file reads the typed IR (./ir.ts), never the raw spec.
 */
import { readFileSync } from "node:fs";
import { z } from "zod";
import { SpecValidationError } from "../errors.js";

const finite = z.number().refine(Number.isFinite, "must be a finite number");
const scaleBits = z.number().int().min(0).max(64);

export const featureSchema = z
  .object({
    name: z.string().regex(/^[a-z][a-z0-9_]*$/, "must be snake_case: a-z, 0-9 and _, starting with a letter"),
    unit: z.string().min(1),
    min: finite,
    max: finite,
    description: z.string().optional(),
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

const outputSchema = z
  .object({
    type: z.literal("output"),
    outputs: z
      .array(
        z
          .object({
            name: z.string().regex(/^[a-z][a-z0-9_]*$/, "must be snake_case"),
            unit: z.string().min(1),
            description: z.string().optional(),
          })
          .strict(),
      )
      .min(1),
  })
  .strict();

export const layerSchema = z.discriminatedUnion("type", [denseSchema, reluSchema, outputSchema]);

export const modelSpecSchema = z
  .object({
    name: z.string().regex(/^[a-z][a-z0-9-]*$/, "must be kebab-case: a-z, 0-9 and -, starting with a letter"),
    version: z.string().regex(/^\d+\.\d+\.\d+$/, "must be a semantic version like 1.0.0"),
    description: z.string().optional(),
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
    attestation: z.object({ scheme: z.literal("eddsa-poseidon-v1") }).strict().optional(),
    /** Free-form provenance (training data, accuracy); not part of the commitment. */
    metadata: z.record(z.string(), z.unknown()).optional(),
  })
  .strict()
  .superRefine((spec, ctx) => {
    const names = new Set<string>();
    spec.features.forEach((f, i) => {
      if (names.has(f.name)) ctx.addIssue({ code: "custom", path: ["features", i, "name"], message: `duplicate feature "${f.name}"` });
      names.add(f.name);
    });
    // Shapes flow through the layers: each dense layer takes the previous width.
    let width = spec.features.length;
    spec.layers.forEach((layer, li) => {
      const last = li === spec.layers.length - 1;
      if (layer.type === "output") {
        if (!last) ctx.addIssue({ code: "custom", path: ["layers", li, "type"], message: "the output layer must come last" });
        if (layer.outputs.length !== width)
          ctx.addIssue({ code: "custom", path: ["layers", li, "outputs"], message: `names ${layer.outputs.length} outputs but the previous layer produces ${width}` });
        return;
      }
      if (last) ctx.addIssue({ code: "custom", path: ["layers", li, "type"], message: `the last layer must be "output", got "${layer.type}"` });
      if (layer.type === "dense") {
        layer.weights.forEach((row, o) => {
          if (row.length !== width)
            ctx.addIssue({ code: "custom", path: ["layers", li, "weights", o], message: `has ${row.length} weights but the layer's input has ${width} values` });
        });
        if (layer.bias.length !== layer.weights.length)
          ctx.addIssue({ code: "custom", path: ["layers", li, "bias"], message: `has ${layer.bias.length} entries but the layer has ${layer.weights.length} neurons` });
        width = layer.weights.length;
      }
    });
  });

export type ModelSpec = z.infer<typeof modelSpecSchema>;
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

/** Reads and validates a spec file. */
export function readModelSpec(path: string): ModelSpec {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, "utf8"));
  } catch (cause) {
    throw new SpecValidationError([{ path: "", message: `not valid JSON (${(cause as Error).message})` }], path);
  }
  return parseModelSpec(json, path);
}

function formatPath(path: PropertyKey[]): string {
  return path.reduce<string>(
    (acc, p) => (typeof p === "number" ? `${acc}[${p}]` : acc ? `${acc}.${String(p)}` : String(p)),
    "",
  );
}
