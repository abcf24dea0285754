/** A segment prover process (./pool.ts): proves one segment per message, keeping each segment's keys after first use. */
import { readFileSync } from "node:fs";
import * as snarkjs from "snarkjs";
import type { SegmentWorkerRequest, SegmentWorkerResponse } from "./pool.js";

const keys = new Map<string, Uint8Array>();
const load = (path: string) => {
  let k = keys.get(path);
  if (!k) keys.set(path, (k = readFileSync(path)));
  return k;
};
const rssMb = () => Math.round(process.memoryUsage().rss / 2 ** 20);

process.on("message", (m: SegmentWorkerRequest) => {
  void (async () => {
    let reply: SegmentWorkerResponse;
    try {
      const { proof, publicSignals } = (await snarkjs.groth16.fullProve(m.input as never, load(m.wasm), load(m.zkey))) as unknown as {
        proof: Extract<SegmentWorkerResponse, { ok: true }>["proof"];
        publicSignals: string[];
      };
      reply = { id: m.id, ok: true, proof, publicSignals, rssMb: rssMb() };
    } catch (e) {
      reply = { id: m.id, ok: false, error: e instanceof Error ? e.message : String(e), rssMb: rssMb() };
    }
    process.send!(reply);
  })();
});
process.on("SIGTERM", () => process.exit(0));
