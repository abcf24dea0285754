/**
 * `npm run demo:signals -- --json` as the README runs it (fewer steps): every step's signal verifies
 * on-chain, the vault acts on each, and the two rejections carry their custom errors' names.
 */
import { execFile } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";
import { expect } from "chai";
import { REPO_ROOT } from "../../prover/artifacts/paths.js";

const run = promisify(execFile);

describe("npm run demo:signals -- --json", function () {
  this.timeout(600_000);

  it("verifies a signal per step, rebalances on each, and names the stale and old-commitment rejections", async () => {
    const { stdout } = await run(
      join(REPO_ROOT, "node_modules", ".bin", "tsx"),
      ["scripts/demo-signals.ts", "--json", "--steps", "3", "--from", "2015-04-17"],
      { cwd: REPO_ROOT, maxBuffer: 16 << 20 },
    );
    const lines = stdout.trim().split("\n");
    const summary = JSON.parse(lines.at(-1)!);
    expect(summary).to.deep.equal({
      steps: 3,
      verified: 3,
      vaultActions: 3,
      rejections: { stale: "SignalFeedStaleSignal", oldCommitment: "InferenceHubCommitmentMismatch" },
    });
    // 2015-04-17 .. 04-21: the model buys twice then sells (see scripts/train-signal-model.ts's spec); the table shows the trades.
    expect(stdout).to.match(/BUY .*dUSD -> .*dETH/);
    expect(stdout).to.match(/SELL .*dETH -> .*dUSD/);
  });

  it("refuses a start date outside the price series, naming the option and the range", async () => {
    const failure = await run(join(REPO_ROOT, "node_modules", ".bin", "tsx"), ["scripts/demo-signals.ts", "--from", "2030-01-01"], { cwd: REPO_ROOT }).then(
      () => undefined,
      (e: { stderr: string }) => e.stderr,
    );
    expect(failure).to.match(/--from 2030-01-01 .*\(2000-01-03 \.\. 2020-04-17\)/);
  });
});
