/**
 * `npm run build:package` (and `npm pack`'s prepack): the compiled package in dist/ (git-ignored).
 *
 * - prover/ and deploy/ compiled by tsc (tsconfig.package.json) to ES modules with .d.ts;
 * - the prover process entry (a plain .mjs tsc does not copy) and the hand-written declarations;
 * - the Hardhat artifacts of zkinfer's own deployable contracts (InferenceHub, the bundled consumers and
 *   demo contracts; not the test mocks), which `zkinfer deploy` sends: a user's project has no Hardhat
 *   build of them. `npx hardhat build` runs first when they are missing or older than their sources.
 *
 * The Solidity sources (contracts/) and circuit templates (circuits/lib) ship as they are (package.json "files").
 */
import { spawnSync } from "node:child_process";
import { chmodSync, cpSync, existsSync, mkdirSync, readdirSync, rmSync, statSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { REPO_ROOT } from "../prover/artifacts/paths.js";

const DIST = join(REPO_ROOT, "dist");
const bin = (name: string) => join(REPO_ROOT, "node_modules", ".bin", name);

function run(cmd: string, args: string[]): void {
  const r = spawnSync(cmd, args, { cwd: REPO_ROOT, stdio: "inherit" });
  if (r.status !== 0) {
    console.error(`build:package: \`${relative(REPO_ROOT, cmd)} ${args.join(" ")}\` failed (exit ${r.status ?? r.signal})`);
    process.exit(1);
  }
}

function files(dir: string, keep: (path: string) => boolean): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, encoding: "utf8" })
    .map((f) => join(dir, f))
    .filter((f) => statSync(f).isFile() && keep(f));
}

/** Whether Hardhat's artifacts are missing or older than a source under contracts/. */
function artifactsStale(): boolean {
  const hub = join(REPO_ROOT, "artifacts", "contracts", "InferenceHub.sol", "InferenceHub.json");
  if (!existsSync(hub)) return true;
  const built = statSync(hub).mtimeMs;
  return files(join(REPO_ROOT, "contracts"), (f) => f.endsWith(".sol")).some((f) => statSync(f).mtimeMs > built);
}

rmSync(DIST, { recursive: true, force: true });
run(bin("tsc"), ["-p", "tsconfig.package.json"]);

cpSync(join(REPO_ROOT, "prover", "service", "proverEntry.mjs"), join(DIST, "prover", "service", "proverEntry.mjs"));
cpSync(join(REPO_ROOT, "prover", "segment", "onnxPlanEntry.mjs"), join(DIST, "prover", "segment", "onnxPlanEntry.mjs"));
cpSync(join(REPO_ROOT, "prover", "segment", "poolEntry.mjs"), join(DIST, "prover", "segment", "poolEntry.mjs"));
for (const f of files(join(REPO_ROOT, "prover"), (p) => p.endsWith(".d.ts"))) cpSync(f, join(DIST, relative(REPO_ROOT, f)));
chmodSync(join(REPO_ROOT, "bin", "zkinfer.js"), 0o755);

if (artifactsStale()) run(bin("hardhat"), ["build"]);
const artifacts = join(REPO_ROOT, "artifacts", "contracts");
let copied = 0;
for (const f of files(artifacts, (p) => p.endsWith(".json") && !p.endsWith(".dbg.json"))) {
  const rel = relative(artifacts, f);
  if (rel.startsWith(`test/`) || rel.startsWith("interfaces/")) continue; // mocks, and interfaces (their ABIs are in zkinfer/abi)
  const to = join(DIST, "artifacts", "contracts", rel);
  mkdirSync(dirname(to), { recursive: true });
  cpSync(f, to);
  copied++;
}
console.log(`build:package: dist/ written (${copied} contract artifacts)`);
