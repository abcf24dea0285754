/**
 * Poseidon commitments: the model commitment (architecture + quantized weights + scales) that the
 * registry stores and the hub compares, and the input commitment Poseidon(inputs..., salt) that
 * binds a proof to one private input vector without revealing it.
 *
 * Long vectors are absorbed in chunks: h = Poseidon(v[0..15]), then h = Poseidon(h, next 15), ...
 * The circuit codegen emits exactly this chaining (see poseidonChunks).
 */
import { buildPoseidon } from "circomlibjs";
import { toField } from "../field.js";
import type { ModelIR } from "./ir.js";

/** circomlib's Poseidon takes at most 16 inputs. */
export const POSEIDON_MAX_INPUTS = 16;

type PoseidonFn = ((inputs: bigint[]) => unknown) & { F: { toObject(x: unknown): bigint } };
let poseidonPromise: Promise<PoseidonFn> | undefined;

/** circomlibjs's Poseidon, built once per process. */
async function poseidon(): Promise<PoseidonFn> {
  poseidonPromise ??= buildPoseidon() as Promise<PoseidonFn>;
  return poseidonPromise;
}

/** Splits n inputs into the chunk sizes the chained hash absorbs: 16, then 15 per step. */
export function poseidonChunks(n: number): number[] {
  if (n <= POSEIDON_MAX_INPUTS) return [n];
  const sizes = [POSEIDON_MAX_INPUTS];
  for (let left = n - POSEIDON_MAX_INPUTS; left > 0; left -= POSEIDON_MAX_INPUTS - 1) {
    sizes.push(Math.min(left, POSEIDON_MAX_INPUTS - 1));
  }
  return sizes;
}

/** Poseidon over any number of field elements, chained as described above. */
export async function poseidonHash(values: readonly bigint[]): Promise<bigint> {
  if (values.length === 0) throw new RangeError("cannot hash an empty vector");
  const hash = await poseidon();
  const h = (xs: bigint[]) => hash.F.toObject(hash(xs));
  const elems = values.map(toField);
  let at = 0;
  let acc: bigint | undefined;
  for (const size of poseidonChunks(elems.length)) {
    const chunk = elems.slice(at, at + size);
    acc = acc === undefined ? h(chunk) : h([acc, ...chunk]);
    at += size;
  }
  return acc!;
}

/** Domain tag: the ASCII bytes of "zkinfer/model/v1" as one field element. */
const MODEL_DOMAIN = BigInt("0x" + Buffer.from("zkinfer/model/v1").toString("hex"));

/**
 * The field elements a model commitment hashes: the architecture (shapes, op kinds, ReLU flags),
 * every scale, the declared input bounds, and every quantized weight and bias. Names, units and
 * descriptions are presentation and do not enter.
 */
export function modelCommitmentPreimage(ir: ModelIR): bigint[] {
  const out: bigint[] = [MODEL_DOMAIN, BigInt(ir.inputScale), BigInt(ir.features.length)];
  for (const f of ir.features) out.push(f.qmin, f.qmax);
  out.push(BigInt(ir.ops.length));
  for (const op of ir.ops) {
    if (op.kind === "dense") {
      out.push(1n, BigInt(op.weights.length), BigInt(op.weights[0]!.length));
      out.push(BigInt(op.inScale), BigInt(op.weightScale), BigInt(op.outScale), op.relu ? 1n : 0n);
      for (const row of op.weights) out.push(...row);
      out.push(...op.bias);
    } else if (op.kind === "relu") {
      out.push(2n, BigInt(op.in.length), BigInt(op.scale));
    } else if (op.kind === "leakyRelu") {
      out.push(3n, BigInt(op.in.length), BigInt(op.scale), BigInt(op.alphaBits), ...op.alpha);
    } else if (op.kind === "clip") {
      // A missing bound is encoded by a presence flag, so "no bound" never collides with a value.
      out.push(4n, BigInt(op.in.length), BigInt(op.scale), op.lo === null ? 0n : 1n, op.lo ?? 0n, op.hi === null ? 0n : 1n, op.hi ?? 0n);
    } else if (op.kind === "piecewise") {
      out.push(5n, BigInt(op.in.length), BigInt(op.scale), BigInt(op.slopeBits), op.y0, BigInt(op.breakpoints.length), ...op.breakpoints, ...op.deltas);
    } else if (op.kind === "max") {
      out.push(6n, BigInt(op.in.length), BigInt(op.groups.length));
      for (const g of op.groups) out.push(BigInt(g.length), ...g.map(BigInt));
    } else if (op.kind === "argmax") {
      out.push(7n, BigInt(op.in.length));
    } else if (op.kind === "treeEnsemble") {
      out.push(8n, BigInt(op.in.length), BigInt(op.inScale), BigInt(op.outScale), BigInt(op.base.length), ...op.base, BigInt(op.trees.length));
      for (const tree of op.trees) {
        out.push(BigInt(tree.length));
        for (const n of tree) {
          if (n.leaf) out.push(0n, ...n.leaf);
          else out.push(1n, BigInt(n.feature!), n.threshold!, BigInt(n.left!), BigInt(n.right!));
        }
      }
    } else {
      op satisfies never;
    }
  }
  out.push(BigInt(ir.outputs.length));
  for (const o of ir.outputs) out.push(BigInt(o.scale));
  return out.map(toField);
}

export async function modelCommitment(ir: ModelIR): Promise<bigint> {
  return poseidonHash(modelCommitmentPreimage(ir));
}

/** Poseidon(inputs..., salt): the circuit computes the same from its private inputs. */
export async function inputCommitment(inputs: readonly bigint[], salt: bigint): Promise<bigint> {
  return poseidonHash([...inputs, salt]);
}
