/**
 * The web app in a real Chromium (Debian's package, driven by playwright-core): `npm run app`'s own
 * script starts the local chain, deploys the bundled models and serves the app; the page proves in
 * its Web Worker and submits from a development account; the chain is then asked what happened.
 * Saves a screenshot of each page to docs/ (committed: the README shows them).
 */
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import { expect } from "chai";
import { chromium, type Browser, type Page, type Request } from "playwright-core";
import { createPublicClient, http, parseAbi, type Address, type Hex } from "viem";
import { bundledSpecPath } from "../../prover/artifacts/paths.js";
import { applicantFeatures, germanCreditSplit } from "../../prover/data/germanCredit.js";
import { runReference } from "../../prover/model/interpret.js";
import { lowerModel } from "../../prover/model/ir.js";
import { readModelSpec } from "../../prover/model/spec.js";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const CHROMIUM = "/usr/bin/chromium";
/** The flags of ../shared/ENVIRONMENT.md: no sandbox (root in CI), no GPU, nothing phoning home. */
const CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"];
const gateAbi = parseAbi(["function creditLineOf(address) view returns ((uint128 limit, int64 score, uint64 openedAt))"]);
const hubAbi = parseAbi(["function modelCount() view returns (uint256)"]);

interface AppInfo {
  url: string;
  rpc: string;
  hub: Address;
}

/** Starts scripts/app.ts (what `npm run app` runs) on a free port; resolves with its JSON line. */
function startApp(): Promise<{ child: ChildProcess; info: AppInfo }> {
  const tsx = createRequire(import.meta.url).resolve("tsx/cli");
  const child = spawn(process.execPath, [tsx, "scripts/app.ts", "--port", "0"], { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] });
  let stderr = "";
  child.stderr!.on("data", (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve, reject) => {
    let out = "";
    child.stdout!.on("data", (d: Buffer) => {
      out += d.toString();
      const line = out.split("\n").find((l) => l.startsWith("{"));
      if (line) resolve({ child, info: JSON.parse(line) as AppInfo });
    });
    child.on("exit", (code) => reject(new Error(`npm run app exited with ${code} before it was ready:\n${stderr.slice(-4000)}`)));
  });
}

describe("web app in Chromium: prove in the browser, submit from the applicant's wallet", function () {
  let app: { child: ChildProcess; info: AppInfo };
  let browser: Browser;
  let config: { creditModels: { name: string; gate: Address; modelId: string }[] };
  const client = () => createPublicClient({ transport: http(app.info.rpc) });
  const ir = lowerModel(readModelSpec(bundledSpecPath("credit-score")));
  const { test } = germanCreditSplit();
  const score = (i: number) => runReference(ir, applicantFeatures(i)).outputs[0]!;
  const approvedApplicant = applicantFeatures(test.find((i) => score(i) > 0n)!);
  const refusedApplicant = applicantFeatures(test.find((i) => score(i) < 0n)!);
  // Development accounts: 0 deployed the models, 9 is the signal bot; each test applies from its own.
  const accounts = new Map<number, Address>();

  before(async function () {
    this.timeout(900_000);
    // No silent skip: CI installs Chromium (.ci/run); without it this suite fails, naming the fix.
    if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install -y chromium (see .ci/run)`);
    app = await startApp();
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true });
    config = (await (await fetch(new URL("config.json", app.info.url))).json()) as typeof config;
    const list = (await client().request({ method: "eth_accounts" as never })) as unknown as Address[];
    list.forEach((a, i) => accounts.set(i, a));
  });

  after(async () => {
    await browser?.close();
    if (app && app.child.exitCode === null) {
      const exited = new Promise((r) => app.child.once("exit", r));
      app.child.kill("SIGTERM");
      await exited;
    }
  });

  async function open(path: string, account?: number): Promise<Page> {
    const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
    page.on("pageerror", (e) => console.error(`page error: ${e.message}`));
    page.on("console", (m) => m.type() === "error" && console.error(`page console: ${m.text()}`));
    await page.goto(`${app.info.url}${account === undefined ? "" : `?account=${account}`}${path}`);
    await page.waitForSelector(`body[data-ready]`, { state: "attached", timeout: 120_000 });
    return page;
  }

  async function fill(page: Page, features: Record<string, number>) {
    for (const [name, value] of Object.entries(features)) await page.getByTestId(`feature-${name}`).fill(String(value));
  }

  async function prove(page: Page) {
    await page.getByTestId("prove").click();
    await page.waitForSelector('[data-testid="salt"], [data-testid="error"]:not([hidden])', { state: "attached", timeout: 300_000 });
  }

  async function submit(page: Page) {
    await page.getByTestId("submit").click();
    await page.waitForSelector('[data-testid="decision"], [data-testid="error"]:not([hidden])', { state: "attached", timeout: 120_000 });
  }

  async function creditLine(model: string, subject: Address): Promise<bigint> {
    const gate = config.creditModels.find((m) => m.name === model)!.gate;
    return (await client().readContract({ address: gate, abi: gateAbi, functionName: "creditLineOf", args: [subject] })).limit;
  }

  it("opens on the applicant page for credit-score with a field per feature", async () => {
    const page = await open("");
    expect(await page.evaluate(() => document.body.dataset.page)).to.equal("applicant");
    for (const f of ir.features) expect(await page.getByTestId(`feature-${f.name}`).count(), f.name).to.equal(1);
    expect(await page.getByTestId("feature-duration_months").getAttribute("max")).to.equal("72");
    await page.close();
  });

  it("proves in the page and submits: approved, the chain opened the credit line, and no request carried a feature or the salt", async () => {
    const subject = accounts.get(1)!;
    const page = await open("#/applicant/credit-score", 1);
    await fill(page, approvedApplicant);
    const requests: Request[] = [];
    page.on("request", (r) => requests.push(r));
    page.on("worker", (w) => w.on("console", () => {}));
    await prove(page);
    expect(await page.getByTestId("error").isHidden(), await page.getByTestId("error").innerText()).to.equal(true);
    const salt = BigInt((await page.getByTestId("salt").textContent()) ?? "");
    await submit(page);
    expect(await page.getByTestId("decision").textContent()).to.equal("approved");
    const hash = (await page.getByTestId("tx-hash").textContent()) as Hex;
    expect(hash).to.match(/^0x[0-9a-f]{64}$/);
    await page.screenshot({ path: `${ROOT}docs/app-applicant.png`, fullPage: true });

    // The chain agrees: the transaction succeeded, from the applicant, and the line is open.
    const receipt = await client().getTransactionReceipt({ hash });
    expect(receipt.status).to.equal("success");
    expect(receipt.from.toLowerCase()).to.equal(subject.toLowerCase());
    expect(await creditLine("credit-score", subject)).to.equal(10_000n);
    expect(await page.getByTestId("credit-line").textContent()).to.equal("10000");
    expect(Number(await page.getByTestId("gas").textContent())).to.equal(Number(receipt.gasUsed));

    // Privacy: every request of proving and submission (page and worker), URL and body.
    expect(requests.length, "the submission made no request?").to.be.greaterThan(0);
    // blob: URLs are not network requests: snarkjs's thread workers, created in the page from memory.
    const local = requests.filter((r) => r.url().startsWith("blob:"));
    for (const r of local) expect(r.url().startsWith(`blob:${new URL(app.info.url).origin}/`), r.url()).to.equal(true);
    const network = requests.filter((r) => !r.url().startsWith("blob:"));
    const texts = network.map((r) => `${r.method()} ${r.url()}\n${r.postData() ?? ""}`.toLowerCase());
    const hex = salt.toString(16);
    const forbidden = [
      salt.toString(),
      hex,
      // Each feature's name (a JSON payload of the form would carry them).
      ...ir.features.map((f) => f.name),
      // The distinctive feature value as an ABI word (a calldata encoding of the features).
      BigInt(approvedApplicant.credit_amount!).toString(16).padStart(64, "0"),
    ];
    for (const t of texts) for (const f of forbidden) expect(t.includes(f), `request carries ${f}:\n${t.slice(0, 300)}`).to.equal(false);
    // The only requests are JSON-RPC to the app's chain (the artifacts were fetched before proving).
    for (const r of network) expect(new URL(r.url()).pathname, r.url()).to.equal("/rpc");
    const sent = network.filter((r) => (r.postData() ?? "").includes("eth_sendTransaction"));
    expect(sent).to.have.length(1);
    await page.close();
  });

  it("replaying the same submission shows the hub's replay error, and changes nothing", async () => {
    const subject = accounts.get(2)!;
    const page = await open("#/applicant/credit-score", 2);
    await fill(page, approvedApplicant);
    await prove(page);
    await submit(page);
    expect(await page.getByTestId("decision").textContent()).to.equal("approved");
    const before = await client().getBlockNumber();
    await submit(page);
    const error = page.getByTestId("error");
    expect(await error.getAttribute("data-error")).to.equal("InferenceHubNonceUsed");
    expect(await error.innerText()).to.contain("already used");
    expect(await client().getBlockNumber()).to.equal(before);
    expect(await creditLine("credit-score", subject)).to.equal(10_000n);
    await page.close();
  });

  it("a refused applicant gets no credit line, on the page and on chain", async () => {
    const subject = accounts.get(3)!;
    const page = await open("#/applicant/credit-score", 3);
    await fill(page, refusedApplicant);
    await prove(page);
    await submit(page);
    expect(await page.getByTestId("decision").textContent()).to.equal("refused");
    expect(await creditLine("credit-score", subject)).to.equal(0n);
    await page.close();
  });

  it("submits through an injected EIP-1193 wallet (window.ethereum) when the browser has one", async () => {
    const subject = accounts.get(6)!;
    const page = await browser.newPage();
    // A minimal injected wallet: it holds development account 6 and relays to the chain (which signs
    // for its unlocked accounts), as a browser extension would relay to its own node.
    await page.addInitScript(
      ([rpc, account]) => {
        let id = 0;
        const requests: string[] = [];
        (window as unknown as { walletRequests: string[] }).walletRequests = requests;
        (window as unknown as { ethereum: unknown }).ethereum = {
          async request({ method, params }: { method: string; params?: unknown[] }) {
            requests.push(method);
            if (method === "eth_requestAccounts" || method === "eth_accounts") return [account];
            const res = await fetch(rpc, {
              method: "POST",
              headers: { "content-type": "application/json" },
              body: JSON.stringify({ jsonrpc: "2.0", id: ++id, method, params: params ?? [] }),
            });
            const body = await res.json();
            if (body.error) throw Object.assign(new Error(body.error.message), body.error);
            return body.result;
          },
          on() {},
          removeListener() {},
        };
      },
      [app.info.rpc, subject] as const,
    );
    await page.goto(`${app.info.url}#/applicant/credit-score`);
    await page.waitForSelector("body[data-ready]", { state: "attached", timeout: 120_000 });
    expect(await page.getByTestId("wallet").innerText())
      .to.contain(subject)
      .and.to.contain("your wallet");
    await fill(page, approvedApplicant);
    await prove(page);
    await submit(page);
    expect(await page.getByTestId("decision").textContent()).to.equal("approved");
    const receipt = await client().getTransactionReceipt({ hash: (await page.getByTestId("tx-hash").textContent()) as Hex });
    expect(receipt.from.toLowerCase()).to.equal(subject.toLowerCase());
    const walletRequests = await page.evaluate(() => (window as unknown as { walletRequests: string[] }).walletRequests);
    expect(walletRequests).to.include("eth_requestAccounts").and.to.include("eth_sendTransaction");
    expect(await creditLine("credit-score", subject)).to.equal(10_000n);
    await page.close();
  });

  it("a feature outside its declared range shows the field's error without proving", async () => {
    const page = await open("#/applicant/credit-score", 4);
    await fill(page, { ...approvedApplicant, duration_months: 500 });
    await prove(page);
    const message = await page.getByTestId("error").innerText();
    expect(message).to.contain("duration_months").and.to.contain("outside the declared range [1, 72]");
    expect(await page.getByTestId("feature-error-duration_months").innerText()).to.contain("outside the declared range");
    const stages = (await page.getByTestId("progress").getAttribute("data-stages")) ?? "";
    expect(stages.split(",")).to.not.include("witness");
    expect(await page.getByTestId("salt").count()).to.equal(0);
    expect(await page.getByTestId("submit").isDisabled()).to.equal(true);
    await page.close();
  });

  it("an attested applicant proves the bureau's signed features in the page and is approved", async () => {
    const subject = accounts.get(5)!;
    const page = await open("#/applicant/credit-score-attested", 5);
    await page.getByTestId("bureau").click();
    await page.waitForSelector('[data-testid="attested-features"] table');
    await prove(page);
    expect(await page.getByTestId("error").isHidden(), await page.getByTestId("error").innerText()).to.equal(true);
    await submit(page);
    expect(await page.getByTestId("decision").textContent()).to.equal("approved");
    expect(await creditLine("credit-score-attested", subject)).to.equal(10_000n);
    await page.screenshot({ path: `${ROOT}docs/app-applicant-attested.png`, fullPage: true });
    await page.close();
  });

  it("the models page lists every registered model with its status and the pending update", async () => {
    const page = await open("#/models");
    const count = await client().readContract({ address: app.info.hub, abi: hubAbi, functionName: "modelCount" });
    expect(count).to.equal(3n);
    const rows = page.getByTestId("models").locator("tbody tr");
    expect(await rows.count()).to.equal(Number(count));
    for (let id = 1; id <= Number(count); id++) expect(await page.getByTestId(`model-status-${id}`).textContent()).to.equal("active");
    const pending = await Promise.all([1, 2, 3].map((id) => page.getByTestId(`model-pending-${id}`).textContent()));
    expect(pending.filter((p) => p!.includes("can apply at"))).to.have.length(1);
    expect(await page.getByTestId("inferences").locator("tbody tr").count()).to.be.greaterThan(0);
    await page.screenshot({ path: `${ROOT}docs/app-models.png`, fullPage: true });
    await page.close();
  });

  it("the signals page charts the verified signals over the recorded prices", async () => {
    const page = await open("#/signals");
    expect(await page.getByTestId("signals").locator("tbody tr").count()).to.equal(6);
    expect(await page.getByTestId("signal-chart").locator("path").count()).to.equal(6);
    await page.screenshot({ path: `${ROOT}docs/app-signals.png`, fullPage: true });
    await page.close();
  });
});
