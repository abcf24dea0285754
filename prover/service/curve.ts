/**
 * ffjavascript's default BN254 curve spreads every multi-exponentiation over a thread per core. That
 * is right for one big proof, wrong for a service that already runs one prover per core: the pools
 * would fight over the same cores. A prover worker therefore installs a single-threaded curve as the
 * process-wide (here: thread-wide) curve that snarkjs picks up, so W workers use W cores.
 * releaseCurves() (../setup/curve.ts) terminates it like the default one.
 */
import { buildBn128 } from "ffjavascript";

export async function useSingleThreadCurve(): Promise<void> {
  const g = globalThis as { curve_bn128?: unknown };
  if (g.curve_bn128) return;
  g.curve_bn128 = await buildBn128(true);
}
