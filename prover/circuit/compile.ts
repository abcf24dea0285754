/**
 * Compiles a main circuit with circom 2.2 (the `circom2` npm package: the Rust compiler built to
 * WASM, so nothing is downloaded). Produces .r1cs, the witness generator .wasm and .sym.
 */
import { spawn } from "node:child_process";
import { mkdirSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, resolve, sep } from "node:path";
import { stripVTControlCharacters } from "node:util";
import { ToolchainError } from "../errors.js";
import { REPO_ROOT } from "../artifacts/paths.js";

const require = createRequire(import.meta.url);

export interface CircuitInfo {
  nonLinearConstraints: number;
  linearConstraints: number;
  publicInputs: number;
  publicOutputs: number;
  privateInputs: number;
  wires: number;
  templateInstances: number;
}

export interface CompileCircuitParameters {
  /** The main .circom file. */
  source: string;
  /** Folder receiving <base>.r1cs, <base>.sym and <base>_js/. */
  outDir: string;
}

/**
 * Runs circom2 with -O2 (linear constraints substituted away where possible) and returns the
 * constraint counts it reports.
 *
 * @example
 * const info = await compileCircuit({ source: "build/models/m/m.circom", outDir: "build/models/m" });
 */
export async function compileCircuit({ source, outDir }: CompileCircuitParameters): Promise<CircuitInfo> {
  mkdirSync(outDir, { recursive: true });
  const cli = join(dirname(require.resolve("circom2/package.json")), "cli.js");
  // circomlib's folder's parent: the clone's node_modules, or wherever npm put it beside the installed package.
  const circomlibParent = dirname(dirname(require.resolve("circomlib/package.json")));
  const args = [cli, source, "--r1cs", "--wasm", "--sym", "--O2", "-l", circomlibParent, "-l", REPO_ROOT, "-o", outDir];
  // circom2 (WASI) sees the file system through paths relative to its working directory, and cannot
  // climb out of it with "..": run it from a folder that holds every path it reads or writes (the
  // clone's root in a clone; the user's project when zkinfer is an installed package beside circomlib).
  const { code, stdout: raw, stderr } = await run(process.execPath, args, commonAncestor([REPO_ROOT, circomlibParent, resolve(source), resolve(outDir)]));
  const stdout = stripVTControlCharacters(raw); // circom colours its labels
  if (code !== 0 || /error\[/i.test(stderr + stdout)) {
    throw new ToolchainError(`circom failed on ${source} (exit ${code})`, { details: (stderr + stdout).trim() });
  }
  const num = (label: string) => {
    const m = new RegExp(`^${label}:\\s*(\\d+)`, "m").exec(stdout);
    if (!m) throw new ToolchainError(`circom output has no "${label}" line`, { details: stdout });
    return Number(m[1]);
  };
  return {
    nonLinearConstraints: num("non-linear constraints"),
    linearConstraints: num("linear constraints"),
    publicInputs: num("public inputs"),
    publicOutputs: num("public outputs"),
    privateInputs: num("private inputs"),
    wires: num("wires"),
    templateInstances: num("template instances"),
  };
}

/** The deepest folder containing every one of `paths` (absolute). */
function commonAncestor(paths: string[]): string {
  const split = paths.map((p) => p.split(sep));
  const first = split[0]!;
  let n = 0;
  while (n < first.length && split.every((parts) => parts[n] === first[n])) n++;
  return first.slice(0, n).join(sep) || sep;
}

function run(cmd: string, args: string[], cwd: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(cmd, args, { cwd, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    child.on("error", reject);
    child.on("close", (code) => resolvePromise({ code: code ?? 1, stdout, stderr }));
  });
}
