/**
 * Error forms: the error of a value against the float graph as a linear form over shared noise
 * symbols (affine arithmetic), float - quantized = sum_s c_s * eps_s with every |eps_s| <= 1.
 *
 * A symbol stands for ONE unknown quantity (an input's rounding, a node output's own rounding or
 * approximation error), so two values that share it share that unknown: an affine map composes the
 * forms exactly (|W2 W1| instead of |W2| |W1| on the errors they carry), which is where a deep
 * linear/ReLU stack's worst case gets its looseness. The bound of a value is the form's l1 norm; a
 * family that does not track forms gives its output a fresh symbol of its scalar bound, which is
 * sound whatever the correlation (a fresh symbol claims nothing about the others).
 *
 * `FRESH` (-1) in a family's form is the node output's own new symbol; the lowering
 * (./lower.ts) numbers it.
 */
import { SparseAccumulator } from "./accumulator.js";

export interface ErrForm {
  /** Symbols, increasing (FRESH first when present). */
  sym: number[];
  c: number[];
}

export const FRESH = -1;

/** Longest form kept: beyond it the smallest terms are merged into the value's own symbol. */
export const MAX_TERMS = 256;

/** The bound the form proves: sum |c|. */
export function l1(f: ErrForm): number {
  let s = 0;
  for (const c of f.c) s += Math.abs(c);
  return s;
}

/** combineForms sums into it, by symbol (a convolution's rows each sum hundreds of forms of up to MAX_TERMS terms). */
const acc = new SparseAccumulator();

/**
 * sum_k w_k f_k + own * FRESH. A form longer than MAX_TERMS keeps its largest terms and adds the
 * rest's l1 to the fresh symbol (sound: a fresh symbol may take any value in [-1, 1]).
 */
export function combineForms(forms: readonly ErrForm[], w: readonly number[], own: number): ErrForm {
  const order = acc.begin();
  let freshSum: number | undefined;
  forms.forEach((f, k) => {
    const wk = w[k]!;
    if (wk === 0) return;
    for (let j = 0; j < f.sym.length; j++) {
      const s = f.sym[j]!;
      if (s === FRESH) {
        freshSum = (freshSum ?? 0) + wk * f.c[j]!;
        continue;
      }
      acc.add(s, wk * f.c[j]!);
    }
  });
  const accC = acc.values;
  let fresh = Math.abs(own) + Math.abs(freshSum ?? 0);
  // The symbols with a term, first seen first; over MAX_TERMS, the largest |c| kept (ties: first seen,
  // as a stable sort of the terms gives) and the rest summed into the fresh symbol in that order.
  let kept: number[] = [];
  for (const s of order) if (accC[s] !== 0) kept.push(s);
  if (kept.length > MAX_TERMS) {
    const nz = kept;
    const byMagnitude = Array.from(nz.keys()).sort((a, b) => Math.abs(accC[nz[b]!]!) - Math.abs(accC[nz[a]!]!) || a - b);
    for (let j = MAX_TERMS; j < byMagnitude.length; j++) fresh += Math.abs(accC[nz[byMagnitude[j]!]!]!);
    kept = byMagnitude.slice(0, MAX_TERMS).map((j) => nz[j]!);
  }
  kept.sort((a, b) => a - b);
  const out: ErrForm = { sym: [], c: [] };
  if (fresh > 0) {
    out.sym.push(FRESH);
    out.c.push(fresh);
  }
  for (const s of kept) {
    out.sym.push(s);
    out.c.push(accC[s]!);
  }
  return out;
}

/** A form of one symbol. */
export function single(sym: number, c: number): ErrForm {
  return c === 0 ? { sym: [], c: [] } : { sym: [sym], c: [Math.abs(c)] };
}
