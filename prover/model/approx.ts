/**
 * Piecewise-linear approximations of sigmoid and tanh, the only non-polynomial activations the
 * importer accepts. A piecewise-linear f is y0 + sum_j d_j * relu(x - b_j): one ReLU gadget per
 * breakpoint, and the ReLU gadget is the cheapest sound comparison this compiler has.
 *
 * The breakpoints interpolate the true function at b_j and saturate outside [b_0, b_last] (the
 * slope deltas sum to zero). Measured maximum absolute error of the approximation itself (before
 * fixed-point rounding), checked by test/model/approx.test.ts on a fine grid:
 *   sigmoid: 25 breakpoints every 0.5 on [-6, 6]  -> max error 0.0030 (measured 0.00299 near x = -1.25)
 *   tanh:    25 breakpoints every 0.25 on [-3, 3] -> max error 0.0060 (measured 0.00597 near x = 0.63)
 * Fixed-point rounding adds at most (number of breakpoints + 1) units of the last place (2^-scale).
 */
export type ApproxFunction = "sigmoid" | "tanh";

export interface PiecewiseLinear {
  /** Value left of the first breakpoint. */
  y0: number;
  breakpoints: number[];
  /** Change of slope at each breakpoint. */
  deltas: number[];
  /** Documented bound on |f(x) - approximation(x)| over all reals. */
  maxError: number;
}

const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));

export const APPROX_FUNCTIONS: Record<ApproxFunction, (x: number) => number> = {
  sigmoid,
  tanh: Math.tanh,
};

function interpolate(f: (x: number) => number, lo: number, hi: number, step: number, maxError: number): PiecewiseLinear {
  const breakpoints: number[] = [];
  for (let x = lo; x <= hi + 1e-12; x += step) breakpoints.push(Math.round(x * 1e6) / 1e6);
  const slopes = breakpoints.slice(1).map((b, j) => (f(b) - f(breakpoints[j]!)) / (b - breakpoints[j]!));
  // Slope 0 left of the first and right of the last breakpoint: saturation.
  const withEnds = [0, ...slopes, 0];
  const deltas = breakpoints.map((_, j) => withEnds[j + 1]! - withEnds[j]!);
  return { y0: f(lo), breakpoints, deltas, maxError };
}

export const PIECEWISE: Record<ApproxFunction, PiecewiseLinear> = {
  sigmoid: interpolate(sigmoid, -6, 6, 0.5, 0.003),
  tanh: interpolate(Math.tanh, -3, 3, 0.25, 0.006),
};

/** The approximation in floating point (what the quantized model approximates). */
export function evalPiecewise(p: PiecewiseLinear, x: number): number {
  let y = p.y0;
  p.breakpoints.forEach((b, j) => (y += p.deltas[j]! * Math.max(0, x - b)));
  return y;
}
