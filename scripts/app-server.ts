/**
 * The web app's HTTP server (used by `npm run app` and `npm run bench:browser`): the built app
 * (build/app), the public artifacts of the models it proves, /config.json, a JSON-RPC relay to the
 * local chain (same origin, so the page needs no CORS), and the local demo bureau. Node's http
 * module: a dependency would not earn its place for five routes.
 */
import { createReadStream, existsSync, statSync } from "node:fs";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { extname, join, normalize, resolve } from "node:path";
import { artifactPath, bundledSpecPath } from "../prover/artifacts/paths.js";

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json",
  ".wasm": "application/wasm",
  ".zkey": "application/octet-stream",
  ".svg": "image/svg+xml",
};

/** The files of a model the browser prover fetches (browser.ts artifactUrls), by served name. */
export function modelFiles(model: string): Record<string, string> {
  return {
    "spec.json": bundledSpecPath(model),
    "circuit.wasm": artifactPath(model, "wasm"),
    "circuit.zkey": artifactPath(model, "zkey"),
    "vkey.json": artifactPath(model, "vkey"),
    "circuit.json": artifactPath(model, "circuitInfo"),
  };
}

export interface AppServerOptions {
  /** The built app's directory (vite build output). */
  appDir: string;
  /** Models whose artifacts are served: only public-weight models (their spec holds the weights). */
  models: readonly string[];
  config: unknown;
  /** Relays JSON-RPC to the chain. */
  rpc?: (request: { method: string; params?: unknown[] }) => Promise<unknown>;
  /** The demo bureau: signs the demo applicant's features for a subject. */
  bureau?: (model: string, subject: string) => Promise<unknown>;
  host?: string;
  port?: number;
}

export async function startAppServer(o: AppServerOptions): Promise<{ server: Server; url: string }> {
  const appDir = resolve(o.appDir);
  const files = new Map(o.models.map((m) => [m, modelFiles(m)]));
  const server = createServer((req, res) => {
    handle(req, res).catch((e: Error) => {
      if (!res.headersSent) res.writeHead(500, { "content-type": "text/plain" });
      res.end(e.message);
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse) {
    const url = new URL(req.url ?? "/", "http://local");
    const path = decodeURIComponent(url.pathname);
    if (path === "/rpc" && req.method === "POST" && o.rpc) return relay(req, res, o.rpc);
    if (path === "/config.json") return json(res, 200, o.config);
    if (path === "/bureau/attestation" && o.bureau) {
      const model = url.searchParams.get("model") ?? "";
      const subject = url.searchParams.get("subject") ?? "";
      if (!/^0x[0-9a-fA-F]{40}$/.test(subject)) return text(res, 400, "subject must be a 20-byte 0x address");
      return json(res, 200, await o.bureau(model, subject));
    }
    const m = /^\/models\/([a-z0-9-]+)\/([a-z.]+)$/.exec(path);
    if (m) {
      const file = files.get(m[1]!)?.[m[2]!];
      return file ? sendFile(res, file) : text(res, 404, "not found");
    }
    const target = normalize(join(appDir, path === "/" ? "index.html" : path));
    if (!target.startsWith(appDir) || !existsSync(target) || !statSync(target).isFile()) return text(res, 404, "not found");
    return sendFile(res, target);
  }

  await new Promise<void>((done) => server.listen(o.port ?? 0, o.host ?? "127.0.0.1", done));
  const { address, port } = server.address() as AddressInfo;
  return { server, url: `http://${address}:${port}/` };
}

function sendFile(res: ServerResponse, file: string) {
  res.writeHead(200, {
    "content-type": TYPES[extname(file)] ?? "application/octet-stream",
    "content-length": statSync(file).size,
    "cache-control": "no-store",
  });
  createReadStream(file).pipe(res);
}

function text(res: ServerResponse, status: number, body: string) {
  res.writeHead(status, { "content-type": "text/plain; charset=utf-8" });
  res.end(body);
}

function json(res: ServerResponse, status: number, body: unknown) {
  res.writeHead(status, { "content-type": "application/json", "cache-control": "no-store" });
  res.end(JSON.stringify(body, (_k, v) => (typeof v === "bigint" ? v.toString() : v)));
}

interface JsonRpcRequest {
  id?: unknown;
  method: string;
  params?: unknown[];
}

async function relay(req: IncomingMessage, res: ServerResponse, rpc: NonNullable<AppServerOptions["rpc"]>) {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  let body: JsonRpcRequest | JsonRpcRequest[];
  try {
    body = JSON.parse(Buffer.concat(chunks).toString("utf8"));
  } catch {
    return json(res, 400, { jsonrpc: "2.0", id: null, error: { code: -32700, message: "parse error" } });
  }
  const one = async (r: JsonRpcRequest) => {
    try {
      return { jsonrpc: "2.0", id: r.id ?? null, result: await rpc({ method: r.method, params: r.params ?? [] }) };
    } catch (e) {
      const err = e as { code?: number; message?: string; data?: unknown };
      return {
        jsonrpc: "2.0",
        id: r.id ?? null,
        error: {
          code: typeof err.code === "number" ? err.code : -32603,
          message: err.message ?? String(e),
          ...(err.data !== undefined ? { data: err.data } : {}),
        },
      };
    }
  };
  return json(res, 200, Array.isArray(body) ? await Promise.all(body.map(one)) : await one(body));
}
