/**
 * A JSON-RPC proxy that injects the faults a real provider shows (docs/SECURITY.md 25): 5xx answers,
 * connections dropped before an answer, slow answers, and the nastiest one, a 5xx *after* the node
 * has executed the request (the client cannot tell whether its transaction went out). Faults follow
 * a deterministic per-method schedule, so a run is reproducible.
 */
import { createServer, type Server } from "node:http";
import { freePort } from "./localChain.js";

export type Fault = "ok" | "http500" | "drop" | "delay" | "forwardThen500";

export interface FaultyRpcOptions {
  target: string;
  /** Fault per call number (0-based) of a method; calls beyond the list, and methods not listed, pass. */
  schedule?: Record<string, Fault[]>;
  /** Every n-th call of any method gets this fault (applied when the schedule says nothing). */
  every?: { n: number; fault: Fault };
  delayMs?: number;
}

export interface FaultyRpc {
  url: string;
  /** How many faults were injected, by kind. */
  injected: Record<Fault, number>;
  close(): Promise<void>;
}

export async function startFaultyRpc(o: FaultyRpcOptions): Promise<FaultyRpc> {
  const calls = new Map<string, number>();
  let total = 0;
  const injected: Record<Fault, number> = { ok: 0, http500: 0, drop: 0, delay: 0, forwardThen500: 0 };
  const forward = async (body: string) => {
    const r = await fetch(o.target, { method: "POST", headers: { "content-type": "application/json" }, body });
    return { status: r.status, text: await r.text() };
  };
  const server: Server = createServer((req, res) => {
    let body = "";
    req.on("data", (d) => (body += d));
    req.on("end", async () => {
      let method = "batch";
      try {
        const parsed = JSON.parse(body);
        method = Array.isArray(parsed) ? "batch" : parsed.method;
      } catch {
        // forwarded as is
      }
      const n = calls.get(method) ?? 0;
      calls.set(method, n + 1);
      total++;
      let fault: Fault = o.schedule?.[method]?.[n] ?? "ok";
      if (fault === "ok" && o.every && total % o.every.n === 0) fault = o.every.fault;
      injected[fault]++;
      try {
        switch (fault) {
          case "http500":
            res.writeHead(503, { "content-type": "text/plain" }).end("injected fault: service unavailable");
            return;
          case "drop":
            req.socket.destroy();
            return;
          case "delay":
            await new Promise((r) => setTimeout(r, o.delayMs ?? 1500));
            break;
          case "forwardThen500":
            await forward(body);
            res.writeHead(502, { "content-type": "text/plain" }).end("injected fault: bad gateway after forwarding");
            return;
          case "ok":
            break;
        }
        const { status, text } = await forward(body);
        res.writeHead(status, { "content-type": "application/json" }).end(text);
      } catch {
        res.writeHead(502).end("upstream unreachable");
      }
    });
  });
  const port = await freePort();
  await new Promise<void>((r) => server.listen(port, "127.0.0.1", r));
  return {
    url: `http://127.0.0.1:${port}`,
    injected,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
