/**
 * Compiles a main circuit with circom 2.2 (the `circom2` npm package: the Rust compiler built to
 * WASM, so nothing is downloaded). Produces .r1cs, the witness generator .wasm and .sym.
 */
import { spawn } from "node:child_process";
import { mkdirSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
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
  const { code, stdout: raw, stderr } = await run(process.execPath, args);
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

function run(cmd: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(cmd, args, { cwd: REPO_ROOT, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    child.on("error", reject);
    child.on("close", (code) => resolvePromise({ code: code ?? 1, stdout, stderr }));
  });
}
