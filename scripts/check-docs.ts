/**
 * `npm run check:docs`: every shell command in the README and docs/ is run by something. The fenced
 * `sh` blocks are split into commands; each must match a rule below naming what runs it: this script
 * itself (cheap commands, run here and required to exit 0), or a test or script that runs it (the file
 * must exist and mention the command's distinctive word, so a rename breaks the rule). A block run as a
 * whole by a test (the deployment walkthrough) is named by its heading. A command no rule covers fails
 * the check: add a test that runs it, or a rule naming the one that does.
 *
 * `--list` prints every command with what runs it, and runs nothing.
 */
import { execSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { REPO_ROOT } from "../prover/artifacts/paths.js";

export interface DocCommand {
  file: string;
  /** The nearest heading above the block. */
  heading: string;
  command: string;
}

/** Where a command is run: "here" (this script runs it) or [file, word it must contain]. */
type RunBy = "here" | readonly [file: string, word: string];

/** Blocks a test runs as they are written, by file and heading. */
const WHOLE_BLOCKS: readonly { file: string; heading: RegExp; by: readonly [string, string] }[] = [
  { file: "docs/DEPLOYMENT.md", heading: /^0\. Rehearse the whole path/, by: ["test/cli/walkthrough.test.ts", "Rehearse the whole path"] },
];

const RULES: readonly { match: RegExp; by: RunBy }[] = [
  // CI runs the README's two commands as they are written.
  { match: /^npx -y -p node@22\.23\.3 -- npm ci && npm run demo$/, by: [".ci/run", "npx -y -p node@22.23.3 -- npm ci && npm run demo"] },
  { match: /^npx -y -p node@22\.23\.3 -- npm ci$/, by: [".ci/run", "npx -y -p node@22.23.3 -- npm ci"] },
  { match: /^npm test$/, by: [".ci/run", "npm test"] },
  { match: /^npm run (lint|typecheck)$/, by: [".ci/run", "npm run lint"] },
  // Cheap: run here.
  { match: /^npx zkinfer (--help|--version|[a-z-]+ --help)$/, by: "here" },
  { match: /^npm run check:docs$/, by: "here" },
  // Development commands of CONTRIBUTING-style blocks, run by the suite or CI.
  { match: /^npm run build:models$/, by: ["package.json", "build:models"] },
  { match: /^npm run build:package$/, by: ["test/cli/package.test.ts", "npm"] },
  { match: /^npm pack$/, by: ["test/cli/package.test.ts", "pack"] },
  { match: /^npm run test:unit$/, by: ["scripts/test-unit.ts", "hardhat"] },
  { match: /^npm run format$/, by: ["package.json", "prettier --write"] },
  // The demos and the app, each run by its test.
  { match: /^npm run demo( -- --json)?$/, by: [".ci/run", "npm run demo"] },
  { match: /^npm run demo:signals/, by: ["test/e2e/signalsDemo.test.ts", "demo-signals"] },
  { match: /^npm run demo:guard/, by: ["test/e2e/guardDemo.test.ts", "demo-guard"] },
  { match: /^npm run demo:bounty/, by: ["test/e2e/accuracyBounty.test.ts", "bounty"] },
  { match: /^npm run app\b/, by: ["test/app/browser.test.ts", "app"] },
  // The CLI journeys: each command of a user's flow, with placeholders for the user's own files, is
  // run with real files by these tests.
  { match: /^npx zkinfer check-onnx /, by: ["test/onnx/corpus.test.ts", "check-onnx"] },
  { match: /^npx zkinfer segments (build|prove|verify) /, by: ["test/segment/cli.test.ts", "segments"] },
  { match: /^npm run bench:segments\b/, by: ["package.json", "bench:segments"] },
  { match: /^npx zkinfer import /, by: ["test/cli/cli.test.ts", "import"] },
  { match: /^npx zkinfer build /, by: ["test/cli/cli.test.ts", "build"] },
  { match: /^npx zkinfer (prove|verify) /, by: ["test/cli/cli.test.ts", "verify"] },
  { match: /^npx zkinfer ceremony /, by: ["test/cli/walkthrough.test.ts", "ceremony"] },
  { match: /^npx zkinfer (deploy|verify-deployment) \S+ .*--segmented\b/, by: ["test/segment/deploy.test.ts", "verify-deployment"] },
  { match: /^npx zkinfer (deploy|submit|verify-deployment) /, by: ["test/cli/walkthrough.test.ts", "verify-deployment"] },
  { match: /^npx zkinfer registry /, by: ["test/cli/registry.test.ts", "registry"] },
  { match: /^npx zkinfer (attester|attest|prove-attested) /, by: ["test/attest/attestation.test.ts", "attest"] },
  { match: /^npx zkinfer (serve|worker)\b/, by: ["test/service/faults.test.ts", "serve"] },
  { match: /^npx hardhat (node|build|compile)\b/, by: ["test/cli/walkthrough.test.ts", "hardhat"] },
  { match: /^curl /, by: ["test/service/api.test.ts", "/v1/"] },
];

/** Shell lines that are not commands of their own: variables, folders, heredocs, job control. */
const PLUMBING = /^(export |cd |mkdir |kill |until |cat > |[A-Z_]+=|done\b|rm -rf walkthrough)/;

/** The commands of every `sh` block in the README and docs/. */
export function docCommands(root = REPO_ROOT): DocCommand[] {
  const files = [
    "README.md",
    "CONTRIBUTING.md",
    ...readdirSync(join(root, "docs"))
      .filter((f) => f.endsWith(".md"))
      .map((f) => `docs/${f}`),
  ];
  const out: DocCommand[] = [];
  for (const file of files) {
    const lines = readFileSync(join(root, file), "utf8").split("\n");
    let heading = "";
    for (let i = 0; i < lines.length; i++) {
      const h = /^#+\s+(.*)$/.exec(lines[i]!);
      if (h) heading = h[1]!;
      if (lines[i]!.trim() !== "```sh") continue;
      const whole = WHOLE_BLOCKS.find((b) => b.file === file && b.heading.test(heading));
      let heredoc: string | undefined;
      let pending = "";
      for (i++; i < lines.length && lines[i]!.trim() !== "```"; i++) {
        const raw = lines[i]!;
        if (heredoc !== undefined) {
          if (raw.trim() === heredoc) heredoc = undefined;
          continue;
        }
        const here = /<<'?(\w+)'?/.exec(raw);
        if (here) heredoc = here[1];
        const line = (pending + " " + raw.replace(/\s+#.*$/, "")).trim();
        if (line.endsWith("\\")) {
          pending = line.slice(0, -1);
          continue;
        }
        pending = "";
        if (line === "" || line.startsWith("#") || PLUMBING.test(line)) continue;
        out.push({ file, heading: whole ? `${heading} (whole block)` : heading, command: line.replace(/\s+/g, " ") });
      }
    }
  }
  return out;
}

/** What runs `c`, or undefined. */
export function runnerOf(c: DocCommand): RunBy | undefined {
  const whole = WHOLE_BLOCKS.find((b) => b.file === c.file && c.heading.endsWith("(whole block)") && b.heading.test(c.heading));
  if (whole) return whole.by;
  return RULES.find((r) => r.match.test(c.command))?.by;
}

function main(): number {
  const list = process.argv.includes("--list");
  const problems: string[] = [];
  for (const c of docCommands()) {
    const by = runnerOf(c);
    const where = `${c.file} (${c.heading})`;
    if (by === undefined) {
      problems.push(`${where}: nothing runs \`${c.command}\``);
      continue;
    }
    if (list) {
      console.log(`${by === "here" ? "check:docs" : by[0]}\t${c.command}`);
      continue;
    }
    if (by === "here") {
      // The docs say `npx zkinfer`; in the repository that is bin/zkinfer.js.
      try {
        execSync(c.command.replace(/^npx zkinfer\b/, `node ${join(REPO_ROOT, "bin", "zkinfer.js")}`), { cwd: REPO_ROOT, stdio: "pipe" });
      } catch (error) {
        problems.push(`${where}: \`${c.command}\` failed: ${(error as { stderr?: Buffer }).stderr?.toString().trim() ?? String(error)}`);
      }
      continue;
    }
    const [file, word] = by;
    const path = join(REPO_ROOT, file);
    if (!existsSync(path)) problems.push(`${where}: \`${c.command}\` is said to run in ${file}, which does not exist`);
    else if (!readFileSync(path, "utf8").includes(word)) problems.push(`${where}: ${file} does not mention "${word}" (\`${c.command}\`)`);
  }
  for (const p of problems) console.error(p);
  if (!list)
    console.log(
      problems.length === 0 ? "check:docs: every command of the README and docs/ is run by a test or script" : `check:docs: ${problems.length} problem(s)`,
    );
  return problems.length === 0 ? 0 : 1;
}

if (import.meta.url === `file://${process.argv[1]}`) process.exit(main());
