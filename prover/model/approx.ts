/**
 * The float sigmoid and tanh of a spec's `sigmoid` / `tanh` layers (calibration's float reference).
 * Their circuits are the `fn` family's piecewise-linear tables (prover/graph/families/fn.ts), built
 * for each value's proven interval, with a measured error bound.
 */
export type ApproxFunction = "sigmoid" | "tanh";

const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));

export const APPROX_FUNCTIONS: Record<ApproxFunction, (x: number) => number> = {
  sigmoid,
  tanh: Math.tanh,
};
