/** Runs the zkinfer CLI as its own process, as a user (or a ceremony contributor) runs it. */
import { execFile } from "node:child_process";
import { cpSync, existsSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { REPO_ROOT, artifactPath } from "../../prover/artifacts/paths.js";
import { buildModel } from "../../prover/build/buildModel.js";

const run = promisify(execFile);

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** `zkinfer <args>` in a child process with `env` added; resolves whatever the exit code. */
export async function zkinferCli(args: string[], env: NodeJS.ProcessEnv = {}, cwd = REPO_ROOT): Promise<CliResult> {
  try {
    const { stdout, stderr } = await run(join(REPO_ROOT, "node_modules", ".bin", "tsx"), [join(REPO_ROOT, "prover", "cli", "run.ts"), ...args], {
      cwd,
      env: { ...process.env, ...env },
      maxBuffer: 16 * 1024 * 1024,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

/** The last line of a command's stdout, parsed: the `--json` contract of every command. */
export function lastJsonLine<T = Record<string, unknown>>(stdout: string): T {
  const lines = stdout.trim().split("\n");
  return JSON.parse(lines[lines.length - 1]!) as T;
}

/**
 * A fresh build root holding `specPath`'s model with a development setup, for tests that replace or
 * compare setups without touching the shared build. A warm copy from the default build is used when
 * there is one (compiling the circuit again gives the same files; the cache checks their hashes).
 */
export async function isolatedBuild(specPath: string, model: string): Promise<string> {
  const root = mkdtempSync(join(tmpdir(), "zkinfer-build-"));
  const warm = join(REPO_ROOT, "build", "models", model);
  if (existsSync(warm)) cpSync(warm, join(root, "models", model), { recursive: true });
  await withBuildRoot(root, () => buildModel({ specPath }));
  return root;
}

/** Runs `fn` with ZKINFER_BUILD_DIR set to `root` (artifact paths are read from it at call time). */
export async function withBuildRoot<T>(root: string, fn: () => Promise<T> | T): Promise<T> {
  const previous = process.env.ZKINFER_BUILD_DIR;
  process.env.ZKINFER_BUILD_DIR = root;
  try {
    return await fn();
  } finally {
    if (previous === undefined) delete process.env.ZKINFER_BUILD_DIR;
    else process.env.ZKINFER_BUILD_DIR = previous;
  }
}

export { artifactPath };
