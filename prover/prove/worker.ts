/**
 * The prover's Web Worker (the package's `zkinfer/browser/worker` entry point): loads models from
 * their fetched artifacts and proves on request, off the page's main thread. Protocol and client:
 * ./browser.ts. Nothing here sends data anywhere: the worker only fetches the artifact URLs it is given.
 */
import "./bufferGlobal.js";
import { parseAttestation } from "../attest/attestation.js";
import { decodeOutputs } from "../model/interpret.js";
import { loadModelProver } from "./browser.js";
import type { WorkerError, WorkerRequest, WorkerResponse } from "./client.js";
import type { ModelProver } from "./core.js";

// The worker global, typed by hand so that this file needs no DOM or WebWorker lib.
const scope = globalThis as unknown as {
  postMessage(message: WorkerResponse): void;
  addEventListener(type: "message", listener: (event: { data: WorkerRequest }) => void): void;
};

const provers = new Map<string, Promise<ModelProver>>();

scope.addEventListener("message", ({ data }) => void handle(data));

async function handle(request: WorkerRequest): Promise<void> {
  const { id } = request;
  try {
    if (request.type === "load") {
      let loading = provers.get(request.model);
      if (!loading) {
        loading = loadModelProver(request.urls, { onProgress: (p) => scope.postMessage({ id, type: "progress", progress: { stage: "download", ...p } }) });
        provers.set(request.model, loading);
        loading.catch(() => provers.delete(request.model));
      }
      const { ir } = await loading;
      scope.postMessage({ id, type: "loaded", model: { name: ir.name, version: ir.version, features: ir.features, attested: ir.attestation !== undefined } });
    } else {
      const loading = provers.get(request.model);
      if (!loading) throw new Error(`model ${request.model} is not loaded in the worker`);
      const prover = await loading;
      const r = request.request;
      const proof = await prover.prove(
        {
          features: r.features,
          subject: r.subject,
          nonce: r.nonce,
          salt: r.salt,
          now: r.now,
          attestation: r.attestation === undefined ? undefined : parseAttestation(r.attestation),
        },
        (stage) => scope.postMessage({ id, type: "progress", progress: { stage } }),
      );
      scope.postMessage({
        id,
        type: "proved",
        proof: {
          proofBytes: proof.proofBytes,
          publicSignals: proof.publicSignals,
          outputs: proof.decoded.outputs,
          outputValues: decodeOutputs(prover.ir, proof.decoded.outputs),
          salt: proof.salt,
          timings: proof.timings,
        },
      });
    }
  } catch (e) {
    const err = e as Error & { field?: string };
    const error: WorkerError = { name: err.name ?? "Error", message: err.message ?? String(e), ...(typeof err.field === "string" ? { field: err.field } : {}) };
    scope.postMessage({ id, type: "error", error });
  }
}
