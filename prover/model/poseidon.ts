/**
 * Poseidon over any number of field elements (circomlibjs), the one hash of commitments and
 * attestations. Long vectors are absorbed in chunks: h = Poseidon(v[0..15]), then
 * h = Poseidon(h, next 15), ... The circuit codegen emits exactly this chaining (see poseidonChunks).
 */
import { buildPoseidon } from "circomlibjs";
import { toField } from "../field.js";

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
