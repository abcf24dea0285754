/**
 * A real local JSON-RPC chain for the service's tests and bench: `hardhat node` (Hardhat's EDR, the
 * same EVM as the in-process network) as a child process on a free port.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { createServer } from "node:net";
import { join } from "node:path";
import { REPO_ROOT } from "../../prover/artifacts/paths.js";

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export interface LocalChain {
  url: string;
  process: ChildProcess;
  stop(): Promise<void>;
}

export interface StartLocalChainParameters {
  /** Another chain id than Hardhat's 31337, e.g. to stand in for a public network in a test. */
  chainId?: number;
}

export async function startLocalChain({ chainId }: StartLocalChainParameters = {}): Promise<LocalChain> {
  const port = await freePort();
  const args = ["node", "--port", String(port), ...(chainId === undefined ? [] : ["--chain-id", String(chainId)])];
  const child = spawn(join(REPO_ROOT, "node_modules", ".bin", "hardhat"), args, {
    cwd: REPO_ROOT,
    stdio: ["ignore", "pipe", "pipe"],
    // hardhat's bin runs on the `node` first on PATH: make it the Node 22 from node_modules.
    env: { ...process.env, PATH: `${join(REPO_ROOT, "node_modules", ".bin")}:${process.env.PATH}` },
  });
  let output = "";
  child.stdout!.on("data", (d) => (output += d));
  child.stderr!.on("data", (d) => (output += d));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 120_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`hardhat node exited (${child.exitCode}):\n${output}`);
    try {
      const r = await fetch(url, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_chainId", params: [] }),
      });
      if (r.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`hardhat node did not start within 120 s:\n${output}`);
    await new Promise((r) => setTimeout(r, 250));
  }
  return {
    url,
    process: child,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((r) => child.once("exit", r));
      child.kill("SIGTERM");
      await exited;
    },
  };
}
