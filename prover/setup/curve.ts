/**
 * snarkjs (through ffjavascript) keeps one BN254 curve per process in a global, with worker
 * threads behind it. Those workers keep Node alive after the work is done; every entry point calls
 * releaseCurves() before it exits.
 */
export async function releaseCurves(): Promise<void> {
  const g = globalThis as { curve_bn128?: { terminate(): Promise<void> } };
  if (g.curve_bn128) {
    const curve = g.curve_bn128;
    delete g.curve_bn128;
    await curve.terminate();
  }
}
