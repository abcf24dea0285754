/**
 * `npm run bench:browser [-- --json] [--runs N]`: browser proving against Node on this machine, in one
 * run. For credit-score and credit-score-attested it proves the same statement N times (after one
 * warm-up; Node and browser proofs alternate) in headless Chromium, in the app's prover Web Worker from served artifacts, and in Node with
 * ModelProver, and reports the medians of witness + Groth16 time (the span both measure alike).
 * With --json the last stdout line is {"models": [{"name", "browserProveMs", "nodeProveMs", ...}]}.
 */
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";
import { build as viteBuild } from "vite";
import { bundledSpecPath } from "../prover/artifacts/paths.js";
import { attestationToJson, generateAttesterKey, signAttestation } from "../prover/attest/attestation.js";
import { buildModel } from "../prover/build/buildModel.js";
import { applicantFeatures, germanCreditSplit } from "../prover/data/germanCredit.js";
import { ModelProver } from "../prover/prove/prover.js";
import { releaseCurves } from "../prover/setup/curve.js";
import { startAppServer } from "./app-server.js";
import { median } from "./stats.js";

const json = process.argv.includes("--json");
const runsAt = process.argv.indexOf("--runs");
const RUNS = runsAt < 0 ? 5 : Number(process.argv[runsAt + 1]);
const log = (line: string) => console.error(line);
const MODELS = ["credit-score", "credit-score-attested"];
const SUBJECT = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8";
const CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"];

async function main() {
  for (const m of MODELS) await buildModel({ specPath: bundledSpecPath(m), log });
  await viteBuild({ configFile: fileURLToPath(new URL("../app/vite.config.ts", import.meta.url)), logLevel: "error" });
  const { server, url } = await startAppServer({ appDir: fileURLToPath(new URL("../build/app", import.meta.url)), models: MODELS, config: {} });
  const browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: CHROMIUM_ARGS, headless: true });
  const results = [];
  try {
    const page = await browser.newPage();
    page.on("pageerror", (e) => log(`page error: ${e.message}`));
    await page.goto(`${url}bench.html`);
    await page.waitForSelector("body[data-ready]", { state: "attached" });
    const { test } = germanCreditSplit();
    const features = applicantFeatures(test[0]!);
    const bureau = await generateAttesterKey();
    for (const name of MODELS) {
      const prover = await ModelProver.load(bundledSpecPath(name));
      const now = Math.floor(Date.now() / 1000);
      const attestation = prover.ir.attestation
        ? await signAttestation({ ir: prover.ir, key: bureau, record: { subject: SUBJECT, features, issuedAt: now - 60, expiresAt: now + 3600 } })
        : undefined;
      const request = { features, subject: SUBJECT, nonce: 1n, attestation, now };
      // Alternate Node and browser proofs of the same statement (the attestation crosses to the page
      // as its JSON file), so that both meet the same load on a shared machine; the first of each warms up.
      const node: number[] = [];
      const browserRuns: { proveMs: number; roundTripMs: number }[] = [];
      for (let i = 0; i <= RUNS; i++) {
        const p = await prover.prove({ ...request, nonce: BigInt(i + 1) });
        if (i > 0) node.push(p.timings.witnessMs + p.timings.proveMs);
        const [b] = await page.evaluate(
          ([m, r]) =>
            (globalThis as unknown as { zkinferBench: (...a: unknown[]) => Promise<{ proveMs: number; roundTripMs: number }[]> }).zkinferBench(
              m,
              `models/${m}/`,
              r,
              1,
            ),
          [name, { features, subject: SUBJECT, nonce: String(i + 1), now, attestation: attestation ? attestationToJson(attestation) : undefined }] as const,
        );
        browserRuns.push(b!);
      }
      const warm = browserRuns.slice(1);
      const browserProveMs = Math.round(median(warm.map((r) => r.proveMs)));
      const nodeProveMs = Math.round(median(node));
      const row = {
        name,
        browserProveMs,
        nodeProveMs,
        ratio: Number((browserProveMs / nodeProveMs).toFixed(2)),
        browserRoundTripMs: Math.round(median(warm.map((r) => r.roundTripMs))),
        browserFirstProofMs: Math.round(browserRuns[0]!.roundTripMs),
        runs: RUNS,
      };
      results.push(row);
      log(
        `${name.padEnd(24)} browser ${String(browserProveMs).padStart(6)} ms   node ${String(nodeProveMs).padStart(6)} ms   x ${row.ratio}   (median of ${RUNS}; first browser proof ${row.browserFirstProofMs} ms with the curve's setup)`,
      );
    }
  } finally {
    await browser.close();
    server.close();
    await releaseCurves();
  }
  if (json) console.log(JSON.stringify({ models: results }));
}

await main();
process.exit(0);
