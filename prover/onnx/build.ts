/**
 * Writes small ONNX models (the onnx.proto subset of ./proto.ts): the tests' and the bench's own
 * models for operators no corpus file covers. Opset 17, one graph, float or int64 tensors.
 */
import { ModelProto } from "./proto.js";

/** AttributeProto types. */
const INT = 2;
const STRING = 3;
const STRINGS = 8;
const INTS = 7;
const FLOAT = 1;

export interface OnnxAttr {
  name: string;
  type: number;
  i?: number;
  f?: number;
  s?: Buffer;
  strings?: Buffer[];
  ints?: number[];
}
export const intAttr = (name: string, i: number): OnnxAttr => ({ name, type: INT, i });
export const intsAttr = (name: string, ints: number[]): OnnxAttr => ({ name, type: INTS, ints });
export const floatAttr = (name: string, f: number): OnnxAttr => ({ name, type: FLOAT, f });
export const stringAttr = (name: string, s: string): OnnxAttr => ({ name, type: STRING, s: Buffer.from(s) });
export const stringsAttr = (name: string, v: string[]): OnnxAttr => ({ name, type: STRINGS, strings: v.map((x) => Buffer.from(x)) });

export interface OnnxBuildNode {
  opType: string;
  input: string[];
  output: string[];
  attribute?: OnnxAttr[];
}

/** A constant tensor: float, int64 with `int64`, or another TensorProto type in int32_data (`dataType`: 2 uint8, 6 int32, 9 bool...). */
export interface OnnxInit {
  name: string;
  dims: number[];
  data: number[];
  int64?: boolean;
  dataType?: number;
}

/**
 * The model's bytes. Nodes are named `<opType>_<k>`; inputs are float tensors [name, shape];
 * outputs [name, TensorProto type (1 float, 7 int64), shape]; an input may give its type third (7: int64).
 */
export function buildOnnx(
  nodes: readonly OnnxBuildNode[],
  inputs: readonly (readonly [string, number[]] | readonly [string, number[], number])[],
  outputs: readonly [string, number, number[]][],
  inits: readonly OnnxInit[] = [],
): Uint8Array {
  const tensor = (name: string, elemType: number, dims: number[]) => ({
    name,
    type: { tensorType: { elemType, shape: { dim: dims.map((d) => ({ dimValue: d })) } } },
  });
  return ModelProto.encode(
    ModelProto.fromObject({
      irVersion: 8,
      producerName: "zkinfer",
      opsetImport: [{ domain: "", version: 17 }],
      graph: {
        name: "built",
        node: nodes.map((n, k) => ({ ...n, name: `${n.opType}_${k}`, attribute: n.attribute ?? [] })),
        initializer: inits.map((t) =>
          t.int64
            ? { name: t.name, dims: t.dims, dataType: 7, int64Data: t.data }
            : t.dataType !== undefined && t.dataType !== 1
              ? { name: t.name, dims: t.dims, dataType: t.dataType, int32Data: t.data }
              : { name: t.name, dims: t.dims, dataType: 1, floatData: t.data },
        ),
        input: inputs.map(([n, d, type]) => tensor(n, type ?? 1, d)),
        output: outputs.map(([n, type, d]) => tensor(n, type, d)),
      },
    }),
  ).finish();
}

/** Deterministic weights in [-1, 1), three decimals. */
export function seededWeights(n: number, seed: number): number[] {
  let s = seed;
  return Array.from({ length: n }, () => {
    s = (s * 1103515245 + 12345) % 2 ** 31;
    return Math.round(((s / 2 ** 31) * 2 - 1) * 1000) / 1000;
  });
}
