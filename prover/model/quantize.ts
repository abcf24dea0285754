/**
 * Float -> fixed point. A real x at scale s is the integer round(x * 2^s). Rounding is half away
 * from zero, computed once here for weights, biases and inputs; the circuit never sees a float.
 */
export function quantize(x: number, scaleBits: number): bigint {
  if (!Number.isFinite(x)) throw new RangeError(`cannot quantize ${x}`);
  const scaled = x * 2 ** scaleBits;
  const rounded = Math.sign(scaled) * Math.round(Math.abs(scaled));
  if (!Number.isSafeInteger(rounded)) {
    // Beyond 2^53 a double has no fractional part left, so its exact integer value is the result.
    return BigInt(Math.trunc(rounded).toLocaleString("fullwide", { useGrouping: false }));
  }
  return BigInt(rounded);
}

/** The real value of a fixed-point integer (lossy for huge values; for reports and decisions). */
export function dequantize(q: bigint, scaleBits: number): number {
  return Number(q) / 2 ** scaleBits;
}
