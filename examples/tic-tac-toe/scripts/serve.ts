/**
 * `npm start`: the game page on a local chain. Deploys the InferenceHub, the model's verifier (built
 * by `zkinfer build`) and TicTacToe on Hardhat's in-process network, builds the page (vite) and serves
 * it with the model's public artifacts, config.json and a JSON-RPC relay to the chain. Prints one JSON
 * line {url, hub, game}. PORT chooses the port (default 8080; 0 for a free one).
 */
import { createReadStream, existsSync, readFileSync, statSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { extname, join, normalize } from "node:path";
import { fileURLToPath } from "node:url";
import { network } from "hardhat";
import { build } from "vite";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const MODEL = "tic-tac-toe";
// zkinfer build's layout under build/ (zkinfer.config.json's buildDir).
const MODEL_DIR = join(ROOT, "build", "models", MODEL);
const BASE = MODEL.replace(/-/g, "_");
const MODEL_FILES: Record<string, string> = {
  "/model/spec.json": join(ROOT, "model", "spec.json"),
  "/model/circuit.wasm": join(MODEL_DIR, `${BASE}_js`, `${BASE}.wasm`),
  "/model/circuit.zkey": join(MODEL_DIR, `${BASE}_final.zkey`),
  "/model/vkey.json": join(MODEL_DIR, "verification_key.json"),
  "/model/circuit.json": join(MODEL_DIR, "circuit.json"),
};
const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".json": "application/json",
  ".wasm": "application/wasm",
};

for (const file of Object.values(MODEL_FILES)) if (!existsSync(file)) throw new Error(`${file} is missing: run \`npm run build\` first`);
await build({ configFile: join(ROOT, "vite.config.ts") });

const { ethers, provider } = await network.create();
const hub = await ethers.deployContract("InferenceHub", [2n * 24n * 3600n]);
const verifier = await ethers.deployContract("TicTacToeVerifier");
const { modelCommitment } = JSON.parse(readFileSync(MODEL_FILES["/model/circuit.json"]!, "utf8")) as { modelCommitment: string };
// 10 outputs: the move, then the nine cells of the proved board.
await (await hub.registerModel(await verifier.getAddress(), BigInt(modelCommitment), 10, MODEL)).wait();
const modelId = await hub.modelCount();
const game = await ethers.deployContract("TicTacToe", [await hub.getAddress(), modelId]);
await (await hub.setConsumer(modelId, await game.getAddress())).wait();
const config = { rpc: "rpc", chainId: 31337, hub: await hub.getAddress(), modelId: modelId.toString(), game: await game.getAddress(), account: 1 };

const dist = join(ROOT, "dist");
const server = createServer((req, res) => {
  const path = decodeURIComponent(new URL(req.url ?? "/", "http://local").pathname);
  if (path === "/rpc" && req.method === "POST") {
    let body = "";
    req.on("data", (d) => (body += d));
    req.on("end", async () => {
      const { id, method, params } = JSON.parse(body) as { id: number; method: string; params?: unknown[] };
      let reply: unknown;
      try {
        reply = { jsonrpc: "2.0", id, result: await provider.request({ method, params }) };
      } catch (e) {
        reply = { jsonrpc: "2.0", id, error: { code: -32000, message: (e as Error).message } };
      }
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify(reply));
    });
    return;
  }
  if (path === "/config.json") {
    res.writeHead(200, { "content-type": "application/json" });
    return void res.end(JSON.stringify(config));
  }
  const file = MODEL_FILES[path] ?? join(dist, normalize(path === "/" ? "/index.html" : path));
  if (!(MODEL_FILES[path] || file.startsWith(dist)) || !existsSync(file) || !statSync(file).isFile()) return void res.writeHead(404).end("not found");
  res.writeHead(200, { "content-type": TYPES[extname(file)] ?? "application/octet-stream", "content-length": statSync(file).size });
  createReadStream(file).pipe(res);
});
await new Promise<void>((r) => server.listen(Number(process.env.PORT ?? 8080), "127.0.0.1", r));
const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
console.log(JSON.stringify({ url, hub: config.hub, game: config.game }));
