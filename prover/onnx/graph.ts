/**
 * Decoding an ONNX file into plain typed objects: the graph's nodes, its constant tensors
 * (initializers and Constant nodes) and its one real input. Nothing here knows about the IR.
 */
import { OnnxImportError } from "../errors.js";
import { ModelProto, TensorProto } from "./proto.js";

/** A constant tensor, row-major, values as doubles (integer types converted exactly up to 2^53). */
export interface Tensor {
  dims: number[];
  data: number[];
}

export interface OnnxAttribute {
  name: string;
  f?: number;
  i?: number;
  s?: string;
  t?: Tensor;
  floats?: number[];
  ints?: number[];
  strings?: string[];
}

export interface OnnxNode {
  opType: string;
  /** The node's name, or `#index opType` when the exporter left it empty. */
  name: string;
  domain: string;
  inputs: string[];
  outputs: string[];
  attributes: Map<string, OnnxAttribute>;
}

export interface OnnxGraph {
  producer: string;
  opset: number;
  /** The graph's inputs that are not initializers; the importer compiles exactly one. */
  inputs: {
    name: string;
    shape: number[];
    /** TensorProto data type (1 = float when absent). */
    elemType?: number;
    /** True for a sequence, map or optional input (not compiled). */
    nonTensor?: boolean;
  }[];
  outputs: string[];
  constants: Map<string, Tensor>;
  nodes: OnnxNode[];
}

// TensorProto.DataType values the importer reads.
const FLOAT = 1;
const UINT8 = 2;
const INT8 = 3;
const UINT16 = 4;
const INT16 = 5;
const INT32 = 6;
const INT64 = 7;
const BOOL = 9;
const UINT32 = 12;
const UINT64 = 13;
const DOUBLE = 11;

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- protobufjs toObject output, read field by field below
type Raw = Record<string, any>;

/**
 * Tensor types narrower than 32 bits, decoded exactly to numbers (ONNX's TensorProto.DataType):
 * float16, bfloat16, the float8 variants, float4 E2M1, float8 E8M0, and the packed 4- and 2-bit
 * integers (low bits first).
 */
interface SmallFormat {
  bits: number;
  decode(v: number): number;
}

/** A sign-exponent-mantissa format: `fn` has no infinity (all-ones is NaN only with an all-ones mantissa), `uz` has NaN at 0x80 and no -0. */
function minifloat(e: number, m: number, bias: number, kind: "ieee" | "fn" | "fnuz" | "finite"): SmallFormat {
  const bits = 1 + e + m;
  return {
    bits,
    decode(v) {
      const sign = (v >> (e + m)) & 1 ? -1 : 1;
      const ex = (v >> m) & ((1 << e) - 1);
      const man = v & ((1 << m) - 1);
      if (kind === "fnuz" && v === 1 << (bits - 1)) return NaN;
      if (kind === "ieee" && ex === (1 << e) - 1) return man ? NaN : sign * Infinity;
      if (kind === "fn" && ex === (1 << e) - 1 && man === (1 << m) - 1) return NaN;
      return ex === 0 ? sign * man * 2 ** (1 - bias - m) : sign * (1 + man / 2 ** m) * 2 ** (ex - bias);
    },
  };
}

const SMALL_FORMATS: Record<number, SmallFormat> = {
  10: minifloat(5, 10, 15, "ieee"),
  16: minifloat(8, 7, 127, "ieee"),
  17: minifloat(4, 3, 7, "fn"),
  18: minifloat(4, 3, 8, "fnuz"),
  19: minifloat(5, 2, 15, "ieee"),
  20: minifloat(5, 2, 16, "fnuz"),
  21: { bits: 4, decode: (v) => v },
  22: { bits: 4, decode: (v) => (v >= 8 ? v - 16 : v) },
  23: minifloat(2, 1, 1, "finite"),
  24: { bits: 8, decode: (v) => (v === 255 ? NaN : 2 ** (v - 127)) },
  25: { bits: 2, decode: (v) => v },
  26: { bits: 2, decode: (v) => (v >= 2 ? v - 4 : v) },
};

function unpackSmall(raw: Uint8Array, count: number, f: SmallFormat): number[] {
  if (f.bits === 16) return Array.from({ length: raw.byteLength / 2 }, (_, k) => f.decode(raw[2 * k]! | (raw[2 * k + 1]! << 8)));
  if (f.bits === 8) return Array.from(raw, (b) => f.decode(b));
  const per = 8 / f.bits;
  return Array.from({ length: count }, (_, k) => f.decode((raw[Math.floor(k / per)]! >> ((k % per) * f.bits)) & ((1 << f.bits) - 1)));
}

function tensorFromProto(t: Raw, where: string): Tensor {
  const dims: number[] = (t.dims ?? []).map(Number);
  const count = dims.reduce((a, b) => a * b, 1);
  if (t.dataLocation === 1)
    throw new OnnxImportError(`${where}: tensor ${t.name} uses external data, which zkinfer cannot read. Re-export with the weights inside the file.`);
  let data: number[];
  const raw: Uint8Array | undefined = t.rawData && t.rawData.length ? t.rawData : undefined;
  if (raw) {
    const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
    const read: Record<number, [number, (o: number) => number]> = {
      [FLOAT]: [4, (o) => view.getFloat32(o, true)],
      [DOUBLE]: [8, (o) => view.getFloat64(o, true)],
      [INT64]: [8, (o) => Number(view.getBigInt64(o, true))],
      [INT32]: [4, (o) => view.getInt32(o, true)],
      [INT8]: [1, (o) => view.getInt8(o)],
      [UINT8]: [1, (o) => view.getUint8(o)],
      [UINT16]: [2, (o) => view.getUint16(o, true)],
      [INT16]: [2, (o) => view.getInt16(o, true)],
      [UINT32]: [4, (o) => view.getUint32(o, true)],
      [UINT64]: [8, (o) => Number(view.getBigUint64(o, true))],
      [BOOL]: [1, (o) => view.getUint8(o)],
    };
    const r = read[t.dataType];
    const small = SMALL_FORMATS[t.dataType];
    if (!r && small) data = unpackSmall(raw, count, small);
    else if (!r)
      throw new OnnxImportError(
        `${where}: tensor ${t.name} has data type ${t.dataType}, which zkinfer does not read (float, double, int8/16/32/64, uint8/16/32/64, bool).`,
      );
    else data = Array.from({ length: raw.byteLength / r[0] }, (_, k) => r[1](k * r[0]));
  } else if (SMALL_FORMATS[t.dataType]) {
    // int32_data holds each float16/bfloat16/float8 value's bits, or packed bytes of 4/2-bit types.
    const f = SMALL_FORMATS[t.dataType]!;
    const words: number[] = (t.int32Data ?? []).map(Number);
    data = f.bits >= 8 ? words.map((w) => f.decode(w & ((1 << f.bits) - 1))) : unpackSmall(Uint8Array.from(words), count, f);
  } else {
    data = (t.floatData?.length ? t.floatData : t.doubleData?.length ? t.doubleData : t.int64Data?.length ? t.int64Data : (t.int32Data ?? [])).map(Number);
  }
  if (data.length !== count) throw new OnnxImportError(`${where}: tensor ${t.name} has ${data.length} values for shape [${dims}].`);
  return { dims, data };
}

/** Parses one serialized TensorProto (a .pb file of the ONNX backend tests). */
export function parseTensor(bytes: Uint8Array, source = "tensor"): Tensor {
  let raw: Raw;
  try {
    raw = TensorProto.toObject(TensorProto.decode(bytes), { longs: Number, bytes: Uint8Array, defaults: false }) as Raw;
  } catch (cause) {
    throw new OnnxImportError(`${source} does not parse as an ONNX TensorProto: ${(cause as Error).message}.`, { cause });
  }
  return tensorFromProto(raw, source);
}

/** Parses ONNX bytes. Errors say what is wrong and name the file. */
export function parseOnnx(bytes: Uint8Array, source = "model"): OnnxGraph {
  let model: Raw;
  try {
    model = ModelProto.toObject(ModelProto.decode(bytes), { longs: Number, bytes: Uint8Array, defaults: false }) as Raw;
  } catch (cause) {
    throw new OnnxImportError(`${source} does not parse as an ONNX model (protobuf ModelProto): ${(cause as Error).message}.`, { cause });
  }
  const g: Raw | undefined = model.graph;
  if (!g || !Array.isArray(g.node) || g.node.length === 0) {
    throw new OnnxImportError(`${source} does not parse as an ONNX model: it has no graph or no nodes.`);
  }
  const constants = new Map<string, Tensor>();
  for (const t of g.initializer ?? []) constants.set(t.name, tensorFromProto(t, source));

  const nodes: OnnxNode[] = g.node.map((n: Raw, index: number) => {
    const name = n.name || `#${index} ${n.opType}`;
    const attributes = new Map<string, OnnxAttribute>();
    for (const a of n.attribute ?? []) {
      attributes.set(a.name, {
        name: a.name,
        // proto3-style decoding drops zero scalars: an explicit 0 (e.g. Trilu upper = 0) must not read as absent.
        f: a.f ?? (a.type === 1 ? 0 : undefined),
        i: a.i ?? (a.type === 2 ? 0 : undefined),
        s: a.s ? Buffer.from(a.s).toString("utf8") : undefined,
        t: a.t ? tensorFromProto(a.t, `${source} node ${name}`) : undefined,
        floats: a.floats,
        ints: a.ints?.map(Number),
        strings: a.strings?.map((b: Uint8Array) => Buffer.from(b).toString("utf8")),
      });
    }
    return { opType: n.opType ?? "", name, domain: n.domain ?? "", inputs: n.input ?? [], outputs: n.output ?? [], attributes };
  });

  const inputs = (g.input ?? [])
    .filter((i: Raw) => !constants.has(i.name))
    .map((i: Raw) => {
      const dims: Raw[] = i.type?.tensorType?.shape?.dim ?? [];
      const shape = dims.map((d, k) => {
        if (typeof d.dimValue === "number" && d.dimValue > 0) return d.dimValue;
        // A symbolic first dimension is the batch: zkinfer proves one example at a time.
        if (k === 0) return 1;
        throw new OnnxImportError(`${source}: input ${i.name} has a symbolic dimension ${k} (${d.dimParam ?? "?"}); only the batch dimension may be symbolic.`);
      });
      // A sequence, map or optional input (the decoder reads tensor types only): refused on import.
      const nonTensor = !!i.type && !i.type.tensorType;
      return { name: i.name as string, shape, elemType: Number(i.type?.tensorType?.elemType ?? FLOAT), ...(nonTensor ? { nonTensor } : {}) };
    });
  const opset = Math.max(0, ...(model.opsetImport ?? []).filter((o: Raw) => !o.domain || o.domain === "ai.onnx").map((o: Raw) => Number(o.version)));
  return {
    producer: model.producerName ?? "",
    opset,
    inputs,
    outputs: (g.output ?? []).map((o: Raw) => o.name),
    constants,
    nodes,
  };
}
