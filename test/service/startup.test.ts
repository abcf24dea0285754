/**
 * `zkinfer serve` at start (issue 26, the service's rough edges), through the real CLI:
 * - an unusable `--db` fails at once with one line naming the path (it spun for 9 minutes: Node's
 *   recursive mkdir never returns under /proc), and nothing else is started;
 * - `--deploy` compiles the contracts it deploys (before, a missing artifact crashed it with HHE1000).
 */
import { spawn } from "node:child_process";
import { cpSync, existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import { REPO_ROOT } from "../../prover/artifacts/paths.js";
import { startLocalChain, type LocalChain } from "../../scripts/dev/localChain.js";
import { MODEL_DIR, SERVE_READY, call, startCli, waitFor } from "./helpers.js";

/** Runs `zkinfer <args>` to its end (killed after `timeoutMs`): exit code, stdout, stderr, and how long it took. */
function runCli(args: string[], timeoutMs = 60_000): Promise<{ code: number | null; stdout: string; stderr: string; ms: number }> {
  const bin = join(REPO_ROOT, "node_modules", ".bin");
  const started = Date.now();
  const child = spawn(join(bin, "node"), ["--import", "tsx", join(REPO_ROOT, "prover", "cli", "run.ts"), ...args], {
    cwd: REPO_ROOT,
    env: { ...process.env, PATH: `${bin}:${process.env.PATH}`, NODE_NO_WARNINGS: "1", ZKINFER_API_KEY_HASHES: "00".repeat(32) },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d) => (stdout += d));
  child.stderr.on("data", (d) => (stderr += d));
  const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
  return new Promise((resolve) =>
    child.once("exit", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, ms: Date.now() - started });
    }),
  );
}

describe("zkinfer serve at start", function () {
  this.timeout(600_000);
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), "zkinfer-startup-"));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("fails at once, in one line naming the path, on a --db it cannot write", async () => {
    const file = join(dir, "a-file");
    writeFileSync(file, "not a folder");
    for (const db of [`/proc/zkinfer-test-${process.pid}/jobs.sqlite`, join(file, "jobs.sqlite"), dir]) {
      const r = await runCli(["serve", "--models", MODEL_DIR, "--db", db, "--port", "0"]);
      expect(r.code, `${db}: ${r.stderr}`).to.equal(1);
      const lines = r.stderr.trim().split("\n");
      expect(lines, r.stderr).to.have.length(1);
      expect(lines[0]).to.include(`Cannot use ${db} as the job database (--db)`);
      expect(r.stdout).to.not.match(/listening/);
      // "At once": before the fix the first path never returned (killed here after 60 s).
      expect(r.ms).to.be.lessThan(30_000);
    }
  });

  describe("--deploy on a checkout whose contracts are not compiled", () => {
    let chain: LocalChain;
    const gate = join(REPO_ROOT, "artifacts", "contracts", "consumers", "CreditGate.sol");
    // Outside artifacts/ (Hardhat finds an artifact anywhere under it).
    let aside: string;
    before(async () => {
      aside = join(dir, "CreditGate.sol");
      chain = await startLocalChain();
    });
    after(async () => {
      // Never leave the checkout without the artifact, whatever happened.
      if (!existsSync(gate) && existsSync(aside)) cpSync(aside, gate, { recursive: true });
      await chain?.stop();
    });

    it("compiles what it deploys (HHE1000 before) and serves", async () => {
      // A fresh clone has no artifacts: take away the one the development stack deploys last.
      cpSync(gate, aside, { recursive: true });
      rmSync(gate, { recursive: true });
      const p = await startCli(
        ["serve", "--models", MODEL_DIR, "--rpc", chain.url, "--deploy", "--port", "0", "--db", join(dir, "deploy.sqlite")],
        SERVE_READY,
      );
      try {
        await waitFor("the deployment line", async () => /deployment: \{"hub":"0x[0-9a-fA-F]{40}"/.test(p.output()), 10_000);
        expect(p.output()).to.not.match(/HHE1000/);
        expect(existsSync(join(gate, "CreditGate.json"))).to.equal(true);
        expect((await call(p.url!, "GET", "/healthz", undefined, { authorization: "" })).json.status).to.equal("ok");
      } finally {
        await p.kill("SIGTERM");
      }
    });
  });
});
