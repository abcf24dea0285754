/**
 * docs/DEPLOYMENT.md's "0. Rehearse the whole path on a local chain", run as written with bash from the
 * repository root: its own config and folder, a three-party ceremony over the build's ptau, a hardhat
 * node, deploy (the hub and model id recorded in deployments/31337.json), verify-deployment and submit
 * reading them back, and CreditGate's decision printed. Then the repository's own build is as it was:
 * following the walkthrough does not change what `npm test` sees.
 */
import { spawn } from "node:child_process";
import { existsSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { expect } from "chai";
import { REPO_ROOT } from "../../prover/artifacts/paths.js";

/** The sh block under the heading `heading` of `file`. */
function block(file: string, heading: string): string {
  const text = readFileSync(join(REPO_ROOT, file), "utf8");
  const at = text.indexOf(heading);
  expect(at, `${file} has a section "${heading}"`).to.be.greaterThan(-1);
  const start = text.indexOf("```sh\n", at) + "```sh\n".length;
  return text.slice(start, text.indexOf("\n```", start));
}

describe("docs/DEPLOYMENT.md: Rehearse the whole path on a local chain (run as written)", function () {
  this.timeout(1_200_000);
  const folder = join(REPO_ROOT, "walkthrough");
  const setupOfRepoBuild = () => {
    const file = join(REPO_ROOT, "build", "models", "credit-score", "setup.json");
    return existsSync(file) ? readFileSync(file, "utf8") : undefined;
  };
  after(() => rmSync(folder, { recursive: true, force: true }));

  it("deploys, verifies and acts on a ceremony-backed credit-score, leaving the repository's build untouched", async () => {
    rmSync(folder, { recursive: true, force: true });
    const before = setupOfRepoBuild();
    // The block's own `kill` stops the node; the trap stops it too if a step fails.
    const script = `set -euo pipefail\ntrap 'kill $(jobs -p) 2>/dev/null || true' EXIT\n${block("docs/DEPLOYMENT.md", "0. Rehearse the whole path")}`;
    const env: NodeJS.ProcessEnv = { ...process.env, PATH: `${join(REPO_ROOT, "node_modules", ".bin")}:${process.env.PATH}` };
    delete env.ZKINFER_BUILD_DIR;
    delete env.ZKINFER_PRIVATE_KEY;
    const { code, output } = await new Promise<{ code: number | null; output: string }>((resolve) => {
      const child = spawn("bash", ["-c", script], { cwd: REPO_ROOT, env });
      let output = "";
      child.stdout.on("data", (d) => (output += d));
      child.stderr.on("data", (d) => (output += d));
      child.on("close", (c) => resolve({ code: c, output }));
    });
    expect(code, output).to.equal(0);
    expect(output).to.include("ceremony verifies");
    expect(output).to.match(/dry run on chain 31337/);
    expect(output).to.include("deployment verified");
    expect(output).to.match(/verified model 1's inference for 0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266 \(nonce 1\)/);
    expect(output).to.match(/CreditGate\.(CreditLineOpened|CreditRefused)\(subject = 0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266/);
    const manifest = JSON.parse(readFileSync(join(folder, "deployments", "31337.json"), "utf8"));
    expect(manifest.models[0]).to.include({ name: "credit-score", modelId: 1 });
    expect(manifest.models[0].setup).to.match(/^ceremony/);
    expect(setupOfRepoBuild(), "the repository's own credit-score build").to.equal(before);
  });
});
