/**
 * An example's web page as a person uses it, for the Chromium tests: `hardhat node` on a free port,
 * the example's contracts deployed on it, the page built with vite (its `zkinfer/browser` import
 * resolved to this checkout while the examples run from the repository), and one local server for
 * the page, its config.json, the model's public artifacts and a JSON-RPC relay to the chain (same
 * origin, so the page needs no CORS).
 */
import { createReadStream, existsSync, readFileSync, statSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { extname, join, normalize } from "node:path";
import { type Abi, type Address, type Hex } from "viem";
import { build } from "vite";
import { REPO_ROOT, artifactPath } from "../../prover/artifacts/paths.js";
import { HARDHAT_DEV_KEY, connectChain, type ChainClients } from "../../prover/chain/connect.js";
import { startLocalChain, type LocalChain } from "../../scripts/dev/localChain.js";
import { EXAMPLES_DIR } from "./exampleStack.js";

export const CHROMIUM = "/usr/bin/chromium";
/** The flags of the project's browser tests: no sandbox (root in CI), no GPU, nothing phoning home. */
export const CHROMIUM_ARGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
];

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json",
  ".wasm": "application/wasm",
};

export interface ExampleWeb {
  url: string;
  rpc: string;
  chain: LocalChain;
  clients: ChainClients;
  stop(): Promise<void>;
}

/** Sends a contract creation from the deployer (development account 0) and returns the address. */
export async function deployContract(clients: ChainClients, abi: Abi, bytecode: string, args: unknown[] = []): Promise<Address> {
  const hash = await clients.walletClient.deployContract({ abi, bytecode: bytecode as Hex, args, account: clients.account, chain: clients.publicClient.chain });
  const receipt = await clients.publicClient.waitForTransactionReceipt({ hash });
  if (!receipt.contractAddress) throw new Error("deployment produced no contract");
  return receipt.contractAddress;
}

/** The hub's artifact as Hardhat compiled it for this repository (`hardhat test` compiles first). */
export function hubArtifact(): { abi: Abi; bytecode: string } {
  return JSON.parse(readFileSync(join(REPO_ROOT, "artifacts/contracts/InferenceHub.sol/InferenceHub.json"), "utf8"));
}

export async function startExampleWeb(p: {
  example: string;
  model: string;
  specPath: string;
  /** Deploys the example's contracts; returns the page's config.json. */
  deploy: (clients: ChainClients) => Promise<Record<string, unknown>>;
}): Promise<ExampleWeb> {
  const outDir = join(REPO_ROOT, "build", "examples", p.example, "web");
  const root = join(EXAMPLES_DIR, p.example, "web");
  await build({
    root,
    base: "./",
    configFile: false,
    envDir: false,
    publicDir: false,
    logLevel: "warn",
    resolve: { alias: { "zkinfer/browser": join(REPO_ROOT, "prover/prove/browser.ts") } },
    build: { outDir, emptyOutDir: true, target: "es2022", chunkSizeWarningLimit: 8192 },
    // circomlibjs and its dependencies read `global` (a Node name) at import time.
    define: { global: "globalThis" },
  });
  const chain = await startLocalChain();
  try {
    const clients = await connectChain(chain.url, HARDHAT_DEV_KEY);
    const config = { rpc: "rpc", chainId: clients.chainId, ...(await p.deploy(clients)) };
    const modelFiles: Record<string, string> = {
      "/model/spec.json": p.specPath,
      "/model/circuit.wasm": artifactPath(p.model, "wasm"),
      "/model/circuit.zkey": artifactPath(p.model, "zkey"),
      "/model/vkey.json": artifactPath(p.model, "vkey"),
      "/model/circuit.json": artifactPath(p.model, "circuitInfo"),
    };
    const server: Server = createServer((req, res) => {
      const path = decodeURIComponent(new URL(req.url ?? "/", "http://local").pathname);
      if (path === "/rpc" && req.method === "POST") {
        let body = "";
        req.on("data", (d) => (body += d));
        req.on("end", async () => {
          try {
            const r = await fetch(chain.url, { method: "POST", headers: { "content-type": "application/json" }, body });
            res.writeHead(r.status, { "content-type": "application/json" });
            res.end(await r.text());
          } catch (e) {
            res.writeHead(502).end((e as Error).message);
          }
        });
        return;
      }
      if (path === "/config.json") {
        res.writeHead(200, { "content-type": "application/json" });
        return void res.end(JSON.stringify(config, (_k, v) => (typeof v === "bigint" ? v.toString() : v)));
      }
      const file = modelFiles[path] ?? join(outDir, normalize(path === "/" ? "/index.html" : path));
      if (!file.startsWith(outDir) && !modelFiles[path]) return void res.writeHead(404).end();
      if (!existsSync(file) || !statSync(file).isFile()) return void res.writeHead(404).end("not found");
      res.writeHead(200, { "content-type": TYPES[extname(file)] ?? "application/octet-stream", "content-length": statSync(file).size });
      createReadStream(file).pipe(res);
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    return {
      url,
      rpc: chain.url,
      chain,
      clients,
      async stop() {
        await new Promise((r) => server.close(r));
        await chain.stop();
      },
    };
  } catch (e) {
    await chain.stop();
    throw e;
  }
}
