/**
 * The patient's page in a real Chromium (Debian's package, driven by playwright-core): `npm start`'s
 * script serves it on a local chain; the page proves in the browser, submits, and reveals to the
 * clinic; the chain is then asked what happened. The measurements never leave the page.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { expect } from "chai";
import { chromium, type Browser } from "playwright-core";

const CHROMIUM = "/usr/bin/chromium";
const CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"];

interface Served {
  url: string;
  patient: string;
  clinic: string;
}

function serve(): Promise<{ child: ChildProcess; info: Served }> {
  const child = spawn("npx", ["hardhat", "run", "scripts/serve.ts"], { env: { ...process.env, PORT: "0" }, stdio: ["ignore", "pipe", "pipe"] });
  let stderr = "";
  child.stderr!.on("data", (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve, reject) => {
    let out = "";
    child.stdout!.on("data", (d: Buffer) => {
      out += d.toString();
      const line = out.split("\n").find((l) => l.startsWith("{"));
      if (line) resolve({ child, info: JSON.parse(line) as Served });
    });
    child.on("exit", (code) => reject(new Error(`scripts/serve.ts exited with ${code}:\n${stderr.slice(-4000)}`)));
  });
}

describe("medical-triage page in Chromium", () => {
  let served: { child: ChildProcess; info: Served };
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

  it("proves in the page, records the hash, and the patient's reveal gets a referral", async () => {
    const page = await browser.newPage();
    const bodies: string[] = [];
    page.on("request", (r) => bodies.push(r.postData() ?? ""));
    const errors: string[] = [];
    page.on("pageerror", (e) => errors.push(e.message));
    await page.goto(served.info.url);
    await page.waitForFunction(() => document.getElementById("status")?.textContent === "ready", undefined, { timeout: 120_000 });
    // The form starts with a malignant aspirate of the held-out rows.
    await page.click("#prove");
    await page.waitForFunction(() => /recorded|error/.test(document.getElementById("status")?.textContent ?? ""), undefined, { timeout: 300_000 });
    expect(await page.textContent("#status"), errors.join("\n")).to.equal("recorded");
    expect(await page.textContent("#result")).to.match(/: refer$/);
    expect(await page.textContent("#hash")).to.match(/^\d{10,}$/);
    for (const b of bodies) expect(b).to.not.contain("radius_worst");
    await page.click("#reveal");
    await page.waitForFunction(() => (document.getElementById("clinic")?.textContent ?? "") !== "", undefined, { timeout: 120_000 });
    expect(await page.textContent("#clinic")).to.equal("referred: biopsy appointment reserved");
    expect(errors).to.deep.equal([]);
  });
});
