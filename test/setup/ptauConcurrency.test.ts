/**
 * Issue 12, fresh-clone failure 2: two builds at once shared the development ptau cache; while one
 * process was making a ptau, another made it too and the first failed `snarkjs zkey verify` against
 * the file that had been replaced under it. Reproduced with two real processes on an empty cache: the
 * second starts while the first holds the lock, waits, and both end up using the one finished file,
 * which is never replaced and verifies.
 */
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import { REPO_ROOT } from "../../prover/artifacts/paths.js";

/** Power 9: small, yet long enough to make that the second process starts while the first holds the lock. */
const POWER = 9;

interface Run {
  code: number | null;
  stdout: string;
}

describe("development ptau under concurrent builds (issue 12, fresh-clone failure 2)", function () {
  this.timeout(600_000);
  const cache = mkdtempSync(join(tmpdir(), "zkinfer-ptau-race-"));
  // The build script lives under the (git-ignored) build folder, so that it resolves the repo's packages.
  mkdirSync(join(REPO_ROOT, "build"), { recursive: true });
  const scripts = mkdtempSync(join(REPO_ROOT, "build", "ptau-race-"));
  after(() => {
    for (const d of [cache, scripts]) rmSync(d, { recursive: true, force: true });
  });

  it("lets one process make the file while the other waits; both use the same finished file, which verifies", async () => {
    const script = join(scripts, "resolve.mts");
    writeFileSync(
      script,
      [
        `import { resolvePtau, blake2bFile } from ${JSON.stringify(join(REPO_ROOT, "prover/setup/ptau.ts"))};`,
        `import * as snarkjs from "snarkjs";`,
        `const r = await resolvePtau({ power: ${POWER}, log: (l) => console.log(l) });`,
        `const hash = await blake2bFile(r.path);`,
        // What broke before: a later step of this build checked its keys against the file it used.
        `const verified = await snarkjs.powersOfTau.verify(r.path);`,
        `console.log(JSON.stringify({ path: r.path, hash, verified }));`,
        `process.exit(0);`,
      ].join("\n"),
    );
    const env: NodeJS.ProcessEnv = { ...process.env, ZKINFER_CACHE_DIR: cache };
    delete env.ZKINFER_PTAU; // a user ptau would bypass the cache under test
    const run = (): Promise<Run> =>
      new Promise((resolvePromise) => {
        const child = spawn(join(REPO_ROOT, "node_modules/.bin/tsx"), [script], { cwd: REPO_ROOT, env, stdio: ["ignore", "pipe", "inherit"] });
        let stdout = "";
        child.stdout.on("data", (d) => (stdout += d));
        child.on("close", (code) => resolvePromise({ code, stdout }));
      });
    const ptau = join(cache, "ptau", `zkinfer_dev_bn128_${POWER}.ptau`);
    let firstDone = false;
    const first = run().then((r) => ((firstDone = true), r));
    // Start the second build only once the first holds the lock: the race, made certain.
    for (let waited = 0; !existsSync(`${ptau}.lock`); waited += 50) {
      if (firstDone || waited > 120_000) throw new Error(`the first build never took the ptau lock: ${JSON.stringify(await first)}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(existsSync(ptau), "the first build is still making the ptau").to.equal(false);
    const [a, b] = await Promise.all([first, run()]);
    expect(a.code, a.stdout).to.equal(0);
    expect(b.code, b.stdout).to.equal(0);
    expect(b.stdout, "the second build waited for the first").to.include("waiting for it");
    const result = (r: Run) => JSON.parse(r.stdout.trim().split("\n").at(-1)!) as { path: string; hash: string; verified: boolean };
    expect(result(a).path).to.equal(ptau);
    expect(result(b).path).to.equal(ptau);
    expect(result(a).hash).to.equal(result(b).hash);
    expect(result(a).verified).to.equal(true);
    expect(result(b).verified).to.equal(true);
    // No lock or half-written file left behind.
    expect(readdirSync(join(cache, "ptau"))).to.deep.equal([`zkinfer_dev_bn128_${POWER}.ptau`]);
  });
});
