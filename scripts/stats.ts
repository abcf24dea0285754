/** Small statistics shared by the benchmarks. */

/** The middle value (the upper one of an even count). */
export const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** x rounded to d decimals. */
export const round = (x: number, d = 1) => Math.round(x * 10 ** d) / 10 ** d;
