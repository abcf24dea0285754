/**
 * The README's and docs/' commands are each run by something (scripts/check-docs.ts): the cheap ones
 * are run here, the others must name the test or script that runs them, and a command nothing runs fails.
 */
import { execFile } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";
import { expect } from "chai";
import { REPO_ROOT } from "../../prover/artifacts/paths.js";
import { docCommands, runnerOf } from "../../scripts/check-docs.js";

describe("the commands of the README and docs/", function () {
  this.timeout(300_000);

  it("are found in the sh blocks, the README's two commands among them", () => {
    const commands = docCommands().map((c) => c.command);
    expect(commands).to.include.members(["npx -y -p node@22.23.3 -- npm ci && npm run demo", "npm test"]);
    expect(commands.length).to.be.greaterThan(20);
  });

  it("each has a test or script that runs it, and the cheap ones run (npm run check:docs)", async () => {
    const uncovered = docCommands().filter((c) => runnerOf(c) === undefined);
    expect(uncovered.map((c) => `${c.file}: ${c.command}`)).to.deep.equal([]);
    const tsx = join(REPO_ROOT, "node_modules", ".bin", "tsx");
    const { stdout } = await promisify(execFile)(tsx, [join(REPO_ROOT, "scripts", "check-docs.ts")], { cwd: REPO_ROOT });
    expect(stdout).to.include("every command of the README and docs/ is run by a test or script");
  });
});
