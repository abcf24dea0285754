/**
 * One prover process: loads every model's witness generator and zkey once (ModelProver.load), then
 * proves the jobs its pool sends over IPC, one at a time. Proving is CPU-bound and synchronous in
 * long stretches (witness wasm, FFTs), so it never runs on the service's event loop.
 *
 * A process rather than a worker thread: snarkjs's thread helper (web-worker) treats any non-main
 * thread as one of its own workers and rewires its globals, and a process is what a real crash or an
 * OOM kill takes down without taking the service with it.
 */
import { toField } from "../field.js";
import { loadAggregatedProver, type AggregatedProver } from "../prove/aggregateNode.js";
import { ModelProver } from "../prove/prover.js";
import { releaseCurves } from "../setup/curve.js";
import { useSingleThreadCurve } from "./curve.js";
import type { ProverRequest, ProverResponse } from "./proverPool.js";

const send = (msg: ProverResponse) => process.send!(msg);
const { specs, aggregated, singleThreadCurve } = JSON.parse(process.env.ZKINFER_PROVER_CONFIG!) as {
  specs: Record<string, string>;
  aggregated: Record<string, number[]>;
  singleThreadCurve: boolean;
};

// The parent's death closes the IPC channel: a prover never outlives its service or worker.
process.on("disconnect", () => {
  void releaseCurves().finally(() => process.exit(0));
});

if (singleThreadCurve) await useSingleThreadCurve();
const provers = new Map<string, ModelProver>();
for (const [name, spec] of Object.entries(specs)) provers.set(name, await ModelProver.load(spec));

process.on("message", async (msg: ProverRequest) => {
  if (msg.type === "shutdown") {
    await releaseCurves();
    process.disconnect();
    return;
  }
  try {
    if (msg.type === "proveAggregated") return void send(await proveAggregated(msg));
    const prover = provers.get(msg.model);
    if (!prover) throw new Error(`model ${msg.model} is not loaded in this worker`);
    const r = await prover.prove({ features: msg.input, subject: msg.subject, nonce: BigInt(msg.nonce) });
    send({
      type: "proved",
      id: msg.id,
      result: {
        proof: r.proof,
        proofBytes: r.proofBytes,
        publicSignals: r.publicSignals.map(String),
        witnessMs: r.timings.witnessMs,
        proveMs: r.timings.proveMs,
      },
      rssMb: process.memoryUsage().rss / 2 ** 20,
    });
  } catch (e) {
    const error = e as Error;
    send({ type: "error", id: msg.id, name: error.name ?? "Error", message: error.message ?? String(e) });
  }
});

/** Aggregated provers, loaded on first use (an N = 64 key is large: only sizes that batch pay for it). */
const aggregatedProvers = new Map<string, Promise<AggregatedProver>>();

async function proveAggregated(msg: Extract<ProverRequest, { type: "proveAggregated" }>): Promise<ProverResponse> {
  if (!aggregated[msg.model]?.includes(msg.n)) throw new Error(`aggregated keys of ${msg.model} for N = ${msg.n} are not served by this prover`);
  const key = `${msg.model}/${msg.n}`;
  if (!aggregatedProvers.has(key)) aggregatedProvers.set(key, loadAggregatedProver(specs[msg.model]!, msg.n));
  const prover = await aggregatedProvers.get(key)!.catch((e: unknown) => {
    aggregatedProvers.delete(key);
    throw e;
  });
  const r = await prover.prove(msg.statements.map((s) => ({ features: s.input, subject: s.subject, nonce: BigInt(s.nonce) })));
  return {
    type: "aggregated",
    id: msg.id,
    result: {
      n: r.n,
      proof: r.proof,
      proofBytes: r.proofBytes,
      publicSignals: r.publicSignals.map(String),
      inputRoot: r.decoded.inputRoot.toString(),
      statements: r.statements.map((s) => ({
        slot: s.slot,
        outputs: s.outputs.map((o) => toField(o).toString()),
        inputCommitment: s.inputCommitment.toString(),
        inclusionPath: { slot: s.inclusionPath.slot, siblings: s.inclusionPath.siblings.map(String) },
      })),
      witnessMs: r.timings.witnessMs,
      proveMs: r.timings.proveMs,
    },
    rssMb: process.memoryUsage().rss / 2 ** 20,
  };
}

send({ type: "ready", rssMb: process.memoryUsage().rss / 2 ** 20 });
