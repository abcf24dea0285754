/**
 * The real functions the piecewise-linear family approximates (./families/fn.ts), each with its
 * domain: the compiled function is f(clamp(x, domain)), equal to f on the domain (outside it ONNX
 * gives NaN or infinity, which no fixed-point value represents).
 */
export interface RealFunction {
  f: (x: number, p: Record<string, number>) => number;
  /** Closed domain [lo, hi]; an open end is approached to the input's resolution. */
  domain?: [number, number];
  /** Parameters with defaults (ONNX attributes). */
  params?: Record<string, number>;
  /** True when the function is linear on each piece between `kinks` (exact with breakpoints there). */
  kinks?: (p: Record<string, number>) => number[];
  /**
   * True when f is monotone on its domain (whatever its parameters): between two sampled inputs
   * the table's approximation error is then bounded by the two ends alone (./families/fn.ts).
   */
  monotone?: boolean;
  /**
   * f(x + k period) = f(x) for every integer k (tan: pi): each element's input is reduced by the
   * multiple of the period nearest its interval's middle before the table (./families/fn.ts), so an
   * interval inside any one branch compiles; one that crosses a pole still has no bound.
   */
  period?: number;
  /**
   * True when ONNX defines f (finitely) beyond `domain` too (tan): there the compiled clamp is not
   * f, so an input that may leave the domain has no error bound.
   */
  finiteBeyond?: boolean;
  /**
   * alpha in (0, 1) with |f(a) - f(b)| <= |a - b|^alpha on the domain (sqrt: 1/2): a bound that
   * stays finite where f's slope does not (near 0).
   */
  holder?: (p: Record<string, number>) => number | undefined;
  /**
   * The function the circuit's table follows when it is not f itself: a rounding the fixed-point
   * value does not reproduce (a cast to float16). |f(x) - compiled.f(x)| <= compiled.gap(|x|), which
   * the error rule adds; Infinity where f is not finite (beyond the format's range).
   */
  compiled?: {
    f: (x: number, p: Record<string, number>) => number;
    kinks?: (p: Record<string, number>) => number[];
    gap: (mag: number, p: Record<string, number>) => number;
  };
}

/**
 * x rounded to nearest-even in a float format of m mantissa bits and exponent bias `bias` (subnormals
 * included), then saturated to +-max (`saturate` 1) or made infinite beyond it.
 */
function roundFloat(x: number, p: Record<string, number>): number {
  if (x === 0 || !Number.isFinite(x)) return x;
  const a = Math.abs(x);
  const e = Math.max(Math.floor(Math.log2(a)), 1 - p.bias!);
  const q = 2 ** (e - p.m!);
  const t = a / q;
  let k = Math.floor(t);
  const d = t - k;
  if (d > 0.5 || (d === 0.5 && k % 2 === 1)) k++;
  const r = k * q;
  return Math.sign(x) * (r > p.max! ? (p.saturate ? p.max! : Infinity) : r);
}

const erf = (x: number): number => {
  // Abramowitz-Stegun 7.1.26 is only 1e-7; use a series/continued fraction to ~1e-15.
  const t = Math.abs(x);
  if (t < 2.5) {
    let sum = t;
    let term = t;
    for (let n = 1; n < 100; n++) {
      term *= (-t * t) / n;
      const add = term / (2 * n + 1);
      sum += add;
      if (Math.abs(add) < 1e-17) break;
    }
    return Math.sign(x) * (2 / Math.sqrt(Math.PI)) * sum;
  }
  // erfc continued fraction for large |x|.
  let f = 0;
  for (let n = 60; n >= 1; n--) f = n / 2 / (t + f);
  const erfc = Math.exp(-t * t) / Math.sqrt(Math.PI) / (t + f);
  return Math.sign(x) * (1 - erfc);
};
const softplus = (x: number) => (x > 30 ? x : Math.log1p(Math.exp(x)));
const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));

export const FUNCTIONS: Record<string, RealFunction> = {
  exp: { f: Math.exp, monotone: true },
  log: { f: Math.log, domain: [0, Infinity], monotone: true },
  sqrt: { f: Math.sqrt, domain: [0, Infinity], monotone: true, holder: () => 0.5 },
  rsqrt: { f: (x) => 1 / Math.sqrt(x), domain: [0, Infinity], monotone: true },
  reciprocal_pos: { f: (x) => 1 / x, domain: [0, Infinity], monotone: true },
  reciprocal_neg: { f: (x) => 1 / x, domain: [-Infinity, 0], monotone: true },
  erf: { f: erf, monotone: true },
  tanh: { f: Math.tanh, monotone: true },
  sigmoid: { f: sigmoid, monotone: true },
  softplus: { f: softplus, monotone: true },
  softsign: { f: (x) => x / (1 + Math.abs(x)), monotone: true },
  mish: { f: (x) => x * Math.tanh(softplus(x)) },
  gelu: { f: (x) => 0.5 * x * (1 + erf(x / Math.SQRT2)) },
  gelu_tanh: { f: (x) => 0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x ** 3))) },
  elu: { f: (x, p) => (x >= 0 ? x : p.alpha! * Math.expm1(x)), params: { alpha: 1 } },
  celu: { f: (x, p) => Math.max(0, x) + Math.min(0, p.alpha! * Math.expm1(x / p.alpha!)), params: { alpha: 1 } },
  selu: { f: (x, p) => p.gamma! * (x > 0 ? x : p.alpha! * Math.expm1(x)), params: { alpha: 1.6732632423543772, gamma: 1.0507009873554805 } },
  hard_sigmoid: {
    f: (x, p) => Math.max(0, Math.min(1, p.alpha! * x + p.beta!)),
    params: { alpha: 0.2, beta: 0.5 },
    kinks: (p) => [-p.beta! / p.alpha!, (1 - p.beta!) / p.alpha!],
  },
  hard_swish: { f: (x) => x * Math.max(0, Math.min(1, x / 6 + 0.5)) },
  relu: { f: (x) => Math.max(0, x), kinks: () => [0] },
  leaky_relu: { f: (x, p) => (x >= 0 ? x : p.alpha! * x), params: { alpha: 0.01 }, kinks: () => [0] },
  abs: { f: Math.abs, kinks: () => [0] },
  clip: {
    f: (x, p) => Math.min(p.max!, Math.max(p.min!, x)),
    params: { min: -Infinity, max: Infinity },
    kinks: (p) => [p.min!, p.max!].filter(Number.isFinite),
  },
  sin: { f: Math.sin },
  cos: { f: Math.cos },
  tan: { f: Math.tan, domain: [-1.56, 1.56], monotone: true, finiteBeyond: true, period: Math.PI },
  asin: { f: Math.asin, domain: [-1, 1], monotone: true },
  acos: { f: Math.acos, domain: [-1, 1], monotone: true },
  atan: { f: Math.atan, monotone: true },
  pow: {
    f: (x, p) => x ** p.exponent!,
    params: { exponent: 1 },
    domain: [0, Infinity],
    holder: (p) => (p.exponent! > 0 && p.exponent! < 1 ? p.exponent! : undefined),
  },
  exp_base: { f: (x, p) => p.base! ** x, params: { base: Math.E } },
  // Cast to a narrower float format: compiled as the identity (clipped to +-max when saturating);
  // the format's rounding, half a unit in the last place (relative 2^-(m+1), absolute 2^-(bias+m)
  // among subnormals), is the gap the error rule adds.
  round_float: {
    f: roundFloat,
    params: { m: 10, bias: 15, max: 65504, saturate: 0 },
    compiled: {
      f: (x, p) => (p.saturate ? Math.min(p.max!, Math.max(-p.max!, x)) : x),
      kinks: (p) => (p.saturate ? [-p.max!, p.max!] : []),
      gap: (mag, p) => (!p.saturate && mag > p.max! ? Infinity : 2 ** -(p.m! + 1) * Math.min(mag, p.max!) + 2 ** -(p.bias! + p.m!)),
    },
  },
};
