/**
 * Constraints of the circuit library's templates (circuits/lib/*.circom and circomlib's) as circom
 * 2.2 with -O2 counts them (non-linear + the linear ones it cannot substitute away): Num2Bits(n) is
 * n bit constraints (its sum is substituted), a product one. Each family's `constraints` adds these
 * up for its lowered node; prover/onnx/estimate.ts sums a model's, and its unit test holds the sum
 * against circom's own count.
 */

/** Num2Bits(n): n bit constraints. */
export const num2Bits = (n: number): number => n;

/** Rescale(K, SHIFT): Num2Bits(K + 1). */
export const rescale = (k: number): number => num2Bits(k + 1);

/** RescaleRelu(K, SHIFT): Num2Bits(K + 1) and the product with the sign bit. */
export const rescaleRelu = (k: number): number => num2Bits(k + 1) + 1;

/** IsNonNegative(K): Num2Bits(K + 1). */
export const isNonNegative = (k: number): number => num2Bits(k + 1);

/** MaxStep(K): a RescaleRelu. */
export const maxStep = (k: number): number => rescaleRelu(k);

/** DivFloor(Q, D): the product q * den, its equation, remainder and gap bits, quotient bits. */
export const divFloor = (q: number, d: number): number => 2 + 2 * num2Bits(d) + num2Bits(q + 1);

/** circomlib's IsZero: two constraints. */
export const isZero = (): number => 2;

/** InRange(N, MIN, MAX) over a span MAX - MIN: one or two Num2Bits(N) (the upper one skipped when MAX - MIN + 1 = 2^N). */
export function inRange(span: bigint): number {
  let n = 0;
  while (span >> BigInt(n) > 0n) n++;
  if (n === 0) return 1;
  return span + 1n === 1n << BigInt(n) ? num2Bits(n) : 2 * num2Bits(n);
}

/** circomlib's Poseidon partial rounds per width t = inputs + 1 (circuits/poseidon.circom N_ROUNDS_P). */
const POSEIDON_PARTIAL_ROUNDS = [56, 57, 56, 60, 60, 63, 64, 63, 60, 66, 60, 65, 70, 60, 64, 68];

/** circomlib's Poseidon over n inputs (1..16): 3 per x^5 S-box, t S-boxes per full round (8), 1 per partial round. */
export function poseidon(n: number): number {
  const t = n + 1;
  const partial = POSEIDON_PARTIAL_ROUNDS[t - 2];
  if (partial === undefined) throw new RangeError(`Poseidon takes 1..16 inputs, not ${n}`);
  return 3 * (8 * t + partial);
}
