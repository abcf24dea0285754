/**
 * The page's side of the browser prover (part of the package's `zkinfer/browser` entry point): the
 * Web Worker protocol and its client. Light on purpose: no prover code, so a page that proves in a
 * worker does not load snarkjs on its main thread. The worker is ./worker.ts.
 */
import type { ProveStage } from "./core.js";
import type { FeatureIR } from "../model/ir.js";
import type { FeatureValues } from "../model/interpret.js";

/** Where a model's built artifacts are served. */
export interface ArtifactUrls {
  spec: string;
  wasm: string;
  zkey: string;
  vkey: string;
  /** The build's circuit.json; when given, a stale build is refused. */
  circuitInfo?: string;
}

/** The URLs of a model's artifacts under one directory, in the names `npm run app` serves them. */
export function artifactUrls(base: string): ArtifactUrls {
  const dir = base.endsWith("/") ? base : `${base}/`;
  return { spec: `${dir}spec.json`, wasm: `${dir}circuit.wasm`, zkey: `${dir}circuit.zkey`, vkey: `${dir}vkey.json`, circuitInfo: `${dir}circuit.json` };
}

/** Download progress over all of a model's artifacts, in bytes (total 0 while unknown). */
export interface LoadProgress {
  loaded: number;
  total: number;
}

/** What the page asks the worker to prove. BigInts cross postMessage as they are (structured clone). */
export interface WorkerProveRequest {
  features: FeatureValues;
  subject: string;
  nonce: bigint;
  /** An attested model's signed record, as parsed JSON (the worker validates it). */
  attestation?: unknown;
  /** Unix seconds the attestation must be valid at (the chain's clock). */
  now?: number;
  salt?: bigint;
}

/** What a proof gives the page: all it needs to submit, and the salt to keep. */
export interface WorkerProof {
  proofBytes: string;
  publicSignals: bigint[];
  /** Signed outputs at their fixed-point scale, and as numbers. */
  outputs: bigint[];
  outputValues: number[];
  salt: bigint;
  timings: { witnessMs: number; proveMs: number };
}

export interface LoadedModel {
  name: string;
  version: string;
  features: FeatureIR[];
  attested: boolean;
}

export type WorkerRequest =
  { id: number; type: "load"; model: string; urls: ArtifactUrls } | { id: number; type: "prove"; model: string; request: WorkerProveRequest };

/** Errors cross as plain data; `field` names the offending input when there is one. */
export interface WorkerError {
  name: string;
  message: string;
  field?: string;
}

export type WorkerProgress = { stage: "download"; loaded: number; total: number } | { stage: ProveStage };

export type WorkerResponse =
  | { id: number; type: "progress"; progress: WorkerProgress }
  | { id: number; type: "loaded"; model: LoadedModel }
  | { id: number; type: "proved"; proof: WorkerProof }
  | { id: number; type: "error"; error: WorkerError };

/** The part of a DOM Worker the client uses (so this file needs no DOM types). */
export interface WorkerLike {
  postMessage(message: unknown): void;
  addEventListener(type: "message", listener: (event: { data: unknown }) => void): void;
}

/** An error the worker reported; `field` names the input when the worker's validation refused one. */
export class ProverWorkerError extends Error {
  readonly field?: string;
  constructor(e: WorkerError) {
    super(e.message);
    this.name = e.name;
    this.field = e.field;
  }
}

/**
 * The page's side of the prover worker.
 *
 * @example
 * const worker = new Worker(new URL("zkinfer/browser/worker", import.meta.url), { type: "module" });
 * const prover = new ProverWorkerClient(worker);
 * await prover.load("credit-score", artifactUrls("/models/credit-score/"));
 * const proof = await prover.prove("credit-score", { features, subject, nonce: 1n }, (p) => render(p));
 */
export class ProverWorkerClient {
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (r: WorkerResponse) => void; onProgress?: (p: WorkerProgress) => void }>();

  constructor(private readonly worker: WorkerLike) {
    worker.addEventListener("message", ({ data }) => {
      const response = data as WorkerResponse;
      const entry = this.pending.get(response.id);
      if (!entry) return;
      if (response.type === "progress") entry.onProgress?.(response.progress);
      else {
        this.pending.delete(response.id);
        entry.resolve(response);
      }
    });
  }

  async load(model: string, urls: ArtifactUrls, onProgress?: (p: WorkerProgress) => void): Promise<LoadedModel> {
    const r = await this.call({ type: "load", model, urls }, onProgress);
    if (r.type !== "loaded") throw new Error(`unexpected worker answer ${r.type}`);
    return r.model;
  }

  async prove(model: string, request: WorkerProveRequest, onProgress?: (p: WorkerProgress) => void): Promise<WorkerProof> {
    const r = await this.call({ type: "prove", model, request }, onProgress);
    if (r.type !== "proved") throw new Error(`unexpected worker answer ${r.type}`);
    return r.proof;
  }

  private call(
    message: WorkerRequest extends infer R ? (R extends WorkerRequest ? Omit<R, "id"> : never) : never,
    onProgress?: (p: WorkerProgress) => void,
  ): Promise<WorkerResponse> {
    const id = this.nextId++;
    return new Promise<WorkerResponse>((resolve, reject) => {
      this.pending.set(id, {
        resolve: (r) => (r.type === "error" ? reject(new ProverWorkerError(r.error)) : resolve(r)),
        onProgress,
      });
      this.worker.postMessage({ ...message, id });
    });
  }
}
