/**
 * The prover in the browser (the package's `zkinfer/browser` entry point, docs/BROWSER.md): the same
 * core as Node (./core.ts: spec validation, reference interpreter, witness, Groth16, calldata) with its
 * artifacts fetched over HTTP. Private inputs never leave the page: only the public artifacts are
 * requested.
 *
 * Two ways to use it:
 * - `loadModelProver(urls)` in any browser context (best in a Web Worker: a proof keeps a thread busy
 *   for about a second);
 * - `ProverWorkerClient` (./client.ts) in the page, talking to `zkinfer/browser/worker` (./worker.ts).
 */
import "./bufferGlobal.js";
import type { ArtifactUrls, LoadProgress } from "./client.js";
import { ModelProver, type ModelArtifacts } from "./core.js";

export * from "./client.js";
export { ModelProver, randomSalt, type ModelArtifacts, type ProveParameters, type ProveReturnType, type ProveStage } from "./core.js";
export { encodeProof, decodeProof, type Groth16Proof } from "./calldata.js";

/** Fetches a model's artifacts and builds its prover. */
export async function loadModelProver(
  urls: ArtifactUrls,
  { onProgress, fetch: fetchFn = fetch }: { onProgress?: (p: LoadProgress) => void; fetch?: typeof fetch } = {},
): Promise<ModelProver> {
  const entries = Object.entries(urls).filter((e): e is [keyof ArtifactUrls, string] => typeof e[1] === "string");
  const responses = await Promise.all(
    entries.map(async ([kind, url]) => {
      const response = await fetchFn(url);
      if (!response.ok) throw new Error(`fetching the ${kind} artifact ${url}: HTTP ${response.status}`);
      return [kind, response] as const;
    }),
  );
  const sizes = responses.map(([, r]) => Number(r.headers.get("content-length") ?? 0));
  const total = sizes.every((s) => s > 0) ? sizes.reduce((a, b) => a + b, 0) : 0;
  let loaded = 0;
  const bodies = await Promise.all(
    responses.map(async ([kind, response]) => [kind, await readBody(response, (n) => onProgress?.({ loaded: (loaded += n), total }))] as const),
  );
  const bytes = Object.fromEntries(bodies) as Record<keyof ArtifactUrls, Uint8Array | undefined>;
  const json = (b: Uint8Array | undefined) => (b ? JSON.parse(new TextDecoder().decode(b)) : undefined);
  const artifacts: ModelArtifacts = {
    spec: json(bytes.spec),
    source: urls.spec,
    wasm: bytes.wasm!,
    zkey: bytes.zkey!,
    verificationKey: json(bytes.vkey),
    circuitInfo: json(bytes.circuitInfo),
  };
  return ModelProver.fromArtifacts(artifacts);
}

async function readBody(response: Response, onChunk: (bytes: number) => void): Promise<Uint8Array> {
  if (!response.body) {
    const b = new Uint8Array(await response.arrayBuffer());
    onChunk(b.length);
    return b;
  }
  const chunks: Uint8Array[] = [];
  const reader = response.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    onChunk(value.length);
  }
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}
