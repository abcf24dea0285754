// Root hook: snarkjs keeps a BN254 curve with worker threads alive per process; release it once all
// suites are done so the test process exits by itself.
after(async () => {
  const g = globalThis as { curve_bn128?: { terminate(): Promise<void> } };
  const curve = g.curve_bn128;
  delete g.curve_bn128;
  await curve?.terminate();
});
