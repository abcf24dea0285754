/**
 * The game page in a real Chromium (Debian's package, driven by playwright-core): `npm start`'s
 * script serves it on a local chain; a person plays X by clicks, the page proves and submits every O
 * move, and the game ends on chain.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { expect } from "chai";
import { chromium, type Browser } from "playwright-core";

const CHROMIUM = "/usr/bin/chromium";
const CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"];

function serve(): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn("npx", ["hardhat", "run", "scripts/serve.ts"], { env: { ...process.env, PORT: "0" }, stdio: ["ignore", "pipe", "pipe"] });
  let stderr = "";
  child.stderr!.on("data", (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve, reject) => {
    let out = "";
    child.stdout!.on("data", (d: Buffer) => {
      out += d.toString();
      const line = out.split("\n").find((l) => l.startsWith("{"));
      if (line) resolve({ child, url: (JSON.parse(line) as { url: string }).url });
    });
    child.on("exit", (code) => reject(new Error(`scripts/serve.ts exited with ${code}:\n${stderr.slice(-4000)}`)));
  });
}

describe("tic-tac-toe page in Chromium", () => {
  let served: { child: ChildProcess; url: string };
  let browser: Browser;

  before(async () => {
    if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install -y chromium`);
    served = await serve();
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true });
  });

  after(async () => {
    await browser?.close();
    served?.child.kill("SIGTERM");
  });

  it("plays a game to its end by clicks, every O move proved in the page", async () => {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on("pageerror", (e) => errors.push(e.message));
    await page.goto(served.url);
    const settled = () =>
      page.waitForFunction(() => /your turn|wins|draw|error/.test(document.getElementById("status")?.textContent ?? ""), undefined, { timeout: 300_000 });
    await settled();
    let oMoves = 0;
    while ((await page.textContent("#status")) === "your turn") {
      const free = await page.$$eval("#board button", (bs) => bs.map((b) => b.textContent === ""));
      await page.click(`#cell-${[4, 0, 8, 2, 6, 1, 3, 5, 7].find((i) => free[i])!}`);
      await settled();
      if ((await page.textContent("#prove-ms")) !== "") oMoves++;
    }
    expect(await page.textContent("#status"), errors.join("\n")).to.match(/^(you win|O wins|draw)$/);
    const marks = await page.$$eval("#board button", (bs) => bs.map((b) => b.textContent));
    expect(marks.filter((m) => m === "O").length).to.be.at.least(2);
    expect(oMoves).to.be.at.least(2);
    expect(errors).to.deep.equal([]);
  });
});
