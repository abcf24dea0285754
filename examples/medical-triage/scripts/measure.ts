/**
 * Measures the dApp as a patient uses it: `npm start`'s server on a free port, the page in Chromium
 * proving RUNS times (each a fresh triage), then the receipts on the chain. Prints one JSON line:
 * proving time in the browser (witness + Groth16, ms, as the page reports it), gas of verifyAndAct
 * (record) and of reveal.                    npx tsx scripts/measure.ts [runs]   (after npm run build)
 */
import { spawn } from "node:child_process";
import { chromium } from "playwright-core";

const RUNS = Number(process.argv[2] ?? 5);
const child = spawn("npx", ["hardhat", "run", "scripts/serve.ts"], { env: { ...process.env, PORT: "0" }, stdio: ["ignore", "pipe", "inherit"] });
const info = await new Promise<{ url: string; hub: string; clinic: string }>((resolve, reject) => {
  let out = "";
  child.stdout!.on("data", (d: Buffer) => {
    out += d.toString();
    const line = out.split("\n").find((l) => l.startsWith("{"));
    if (line) resolve(JSON.parse(line));
  });
  child.on("exit", (code) => reject(new Error(`scripts/serve.ts exited with ${code}`)));
});
const browser = await chromium.launch({
  executablePath: "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
});
const proveMs: number[] = [];
try {
  for (let i = 0; i < RUNS; i++) {
    const page = await browser.newPage();
    await page.goto(info.url);
    await page.waitForFunction(() => document.getElementById("status")?.textContent === "ready", undefined, { timeout: 120_000 });
    await page.click("#prove");
    await page.waitForFunction(() => /recorded|error/.test(document.getElementById("status")?.textContent ?? ""), undefined, { timeout: 300_000 });
    proveMs.push(Number((await page.textContent("#prove-ms"))!.replace(/ ms$/, "")));
    if (i === 0) {
      await page.click("#reveal");
      await page.waitForFunction(() => (document.getElementById("clinic")?.textContent ?? "") !== "", undefined, { timeout: 120_000 });
    }
    await page.close();
  }
  /** The JSON-RPC fields this script reads: a block's transactions and a receipt's gas. */
  interface RpcResult {
    transactions: { to: string | null; input: string; hash: string }[];
    gasUsed: string;
  }
  const rpc = async (method: string, params: unknown[]) =>
    (
      (await (await fetch(new URL("rpc", info.url), { method: "POST", body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }) })).json()) as {
        result: RpcResult & string;
      }
    ).result;
  const gas: Record<string, number[]> = { verifyAndAct: [], reveal: [] };
  const latest = Number(await rpc("eth_blockNumber", []));
  for (let n = 1; n <= latest; n++) {
    for (const tx of (await rpc("eth_getBlockByNumber", [`0x${n.toString(16)}`, true])).transactions) {
      const to = String(tx.to).toLowerCase();
      const kind = to === info.hub.toLowerCase() && tx.input.length > 1000 ? "verifyAndAct" : to === info.clinic.toLowerCase() ? "reveal" : undefined;
      if (kind) gas[kind]!.push(Number((await rpc("eth_getTransactionReceipt", [tx.hash])).gasUsed));
    }
  }
  const sorted = [...proveMs].sort((a, b) => a - b);
  console.log(JSON.stringify({ runs: RUNS, browserProveMs: { median: sorted[Math.floor(sorted.length / 2)], all: proveMs }, gas }));
} finally {
  await browser.close();
  child.kill("SIGTERM");
}
