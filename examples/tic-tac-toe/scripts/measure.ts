/**
 * Measures the game as a person plays it: `npm start`'s server on a free port, GAMES games played by
 * clicks in Chromium, then the receipts on the chain. Prints one JSON line: proving time of each
 * network move in the browser (witness + Groth16, ms, as the page reports it) and the gas of each
 * network move (verifyAndAct) and person's move (play).
 *                                             npx tsx scripts/measure.ts [games]   (after npm run build)
 */
import { spawn } from "node:child_process";
import { chromium } from "playwright-core";

const GAMES = Number(process.argv[2] ?? 2);
const child = spawn("npx", ["hardhat", "run", "scripts/serve.ts"], {
  env: { ...process.env, PORT: "0" },
  stdio: ["ignore", "pipe", "inherit"],
  // Its own process group: npx starts hardhat as a grandchild, and the group is stopped as one.
  detached: true,
});
const info = await new Promise<{ url: string; hub: string; game: string }>((resolve, reject) => {
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
  const page = await browser.newPage();
  await page.goto(info.url);
  const settled = () =>
    page.waitForFunction(() => /your turn|wins|draw|error/.test(document.getElementById("status")?.textContent ?? ""), undefined, { timeout: 300_000 });
  await settled();
  for (let g = 0; g < GAMES; g++) {
    if (g > 0) {
      await page.click("#new-game");
      await page.waitForFunction(() => Array.from(document.querySelectorAll("#board button")).every((b) => b.textContent === ""));
      await settled();
    }
    // Game g: the person's preference order rotates, so the games differ.
    const order = [4, 0, 8, 2, 6, 1, 3, 5, 7].map((_, i, a) => a[(i + g) % a.length]!);
    while ((await page.textContent("#status")) === "your turn") {
      const before = await page.textContent("#prove-ms");
      const free = await page.$$eval("#board button", (bs) => bs.map((b) => b.textContent === ""));
      await page.click(`#cell-${order.find((i) => free[i])!}`);
      // The page leaves "your turn" as soon as it sends the move, then settles when O has moved.
      await page.waitForFunction(() => document.getElementById("status")?.textContent !== "your turn", undefined, { timeout: 60_000 });
      await settled();
      const after = await page.textContent("#prove-ms");
      if (after && after !== before) proveMs.push(Number(after.split(" ms")[0]));
    }
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
  const gas: Record<string, number[]> = { networkMove: [], personMove: [] };
  const latest = Number(await rpc("eth_blockNumber", []));
  for (let n = 1; n <= latest; n++) {
    for (const tx of (await rpc("eth_getBlockByNumber", [`0x${n.toString(16)}`, true])).transactions) {
      const to = String(tx.to).toLowerCase();
      // play(uint256,uint256) is 68 bytes of calldata; newGame() 4.
      const kind =
        to === info.hub.toLowerCase() && tx.input.length > 1000
          ? "networkMove"
          : to === info.game.toLowerCase() && tx.input.length === 2 + 68 * 2
            ? "personMove"
            : undefined;
      if (kind) gas[kind]!.push(Number((await rpc("eth_getTransactionReceipt", [tx.hash])).gasUsed));
    }
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  console.log(
    JSON.stringify({ games: GAMES, browserProveMs: { median: median(proveMs), all: proveMs }, gas: { ...gas, medianNetworkMove: median(gas.networkMove!) } }),
  );
} finally {
  await browser.close();
  process.kill(-child.pid!, "SIGTERM");
}
