/**
 * `npm run demo:guard -- --json` as the README runs it (fewer days): the days around the first flagged
 * day of March 2020, the pause, and the two rejections with their custom errors' names.
 */
import { execFile } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";
import { expect } from "chai";
import { REPO_ROOT, bundledSpecPath } from "../../prover/artifacts/paths.js";
import { loadSp500, toCents } from "../../prover/data/sp500.js";
import { runQuantized } from "../../prover/model/interpret.js";
import { lowerModel } from "../../prover/model/ir.js";
import { readModelSpec } from "../../prover/model/spec.js";

const run = promisify(execFile);
const FROM = "2020-03-03";
const DAYS = 3;

describe("npm run demo:guard -- --json", function () {
  this.timeout(600_000);

  it("scores each day on-chain, pauses the vault on the flagged one, and names the stale and not-owner rejections", async () => {
    // The flags the demo must report, from the reference interpreter over the same windows.
    const ir = lowerModel(readModelSpec(bundledSpecPath("anomaly-guard")));
    const days = loadSp500();
    const first = days.findIndex((d) => d.date === FROM);
    const expectedFlags = Array.from({ length: DAYS }, (_, i) => {
      const window = days.slice(first + i - 5, first + i + 1).map((d) => toCents(d.close));
      return runQuantized(ir, [...window, 1n]).outputs[0]! >= 0n;
    }).filter(Boolean).length;
    expect(expectedFlags, "2020-03-05, inside the replay, is flagged").to.be.greaterThan(0);

    const { stdout } = await run(join(REPO_ROOT, "node_modules", ".bin", "tsx"), ["scripts/demo-guard.ts", "--json", "--days", String(DAYS), "--from", FROM], {
      cwd: REPO_ROOT,
      maxBuffer: 16 << 20,
    });
    const summary = JSON.parse(stdout.trim().split("\n").at(-1)!);
    expect(summary).to.deep.equal({
      days: DAYS,
      flagged: expectedFlags,
      paused: true,
      rejections: { stale: "AnomalyGuardStaleWindow", notOwner: "OwnableUnauthorizedAccount" },
    });
    expect(stdout).to.match(/FLAGGED: paused/);
    expect(stdout).to.match(/unpause by the owner before the 24 h delay: AnomalyGuardUnpauseTooEarly/);
  });

  it("refuses a start date outside the price series, naming the option and the range", async () => {
    const failure = await run(join(REPO_ROOT, "node_modules", ".bin", "tsx"), ["scripts/demo-guard.ts", "--from", "2030-01-01"], { cwd: REPO_ROOT }).then(
      () => undefined,
      (e: { stderr: string }) => e.stderr,
    );
    expect(failure).to.match(/--from 2030-01-01 .*\(2000-01-03 \.\. 2020-04-17\)/);
  });
});
