/**
 * The page `npm run bench:browser` drives (scripts/bench-browser.ts): proves a model `runs` times in
 * the app's prover worker and returns each proof's timings, as the worker measured them (witness +
 * Groth16, the same span ModelProver.prove reports in Node) and as the page saw them (round trip).
 */
import { artifactUrls, ProverWorkerClient, type WorkerProveRequest } from "../../prover/prove/client.js";

const client = new ProverWorkerClient(new Worker(new URL("../../prover/prove/worker.ts", import.meta.url), { type: "module" }));

async function zkinferBench(model: string, base: string, request: WorkerProveRequest & { nonce: string }, runs: number) {
  await client.load(model, artifactUrls(new URL(base, location.href).toString()));
  const out: { proveMs: number; roundTripMs: number }[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    const p = await client.prove(model, { ...request, nonce: BigInt(request.nonce) + BigInt(i) });
    out.push({ proveMs: p.timings.witnessMs + p.timings.proveMs, roundTripMs: performance.now() - t0 });
  }
  return out;
}

(globalThis as { zkinferBench?: typeof zkinferBench }).zkinferBench = zkinferBench;
document.body.dataset.ready = "bench";
