/**
 * `zkinfer <command> [args]`: the command-line front end. Each command lives in its own file under
 * ./commands and is loaded only when it runs (so `zkinfer --help` does not pay for snarkjs or
 * hardhat). Adding a command is one line in COMMANDS.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { REPO_ROOT } from "../artifacts/paths.js";
import { ZkinferError } from "../errors.js";
import type { Command } from "./command.js";
import { CliContext, takeGlobalOptions, type GlobalOptions } from "./context.js";
import { EXIT, UsageError } from "./usage.js";

const COMMANDS = {
  build: () => import("./commands/build.js"),
  registry: () => import("./commands/registry.js"),
  attester: () => import("./commands/attester.js"),
  attest: () => import("./commands/attest.js"),
  "prove-attested": () => import("./commands/prove-attested.js"),
  serve: () => import("./commands/serve.js"),
  worker: () => import("./commands/worker.js"),
  "check-onnx": () => import("./commands/check-onnx.js"),
  import: () => import("./commands/import.js"),
  ceremony: () => import("./commands/ceremony.js"),
  deploy: () => import("./commands/deploy.js"),
  "verify-deployment": () => import("./commands/verify-deployment.js"),
  submit: () => import("./commands/submit.js"),
  prove: () => import("./commands/prove.js"),
  verify: () => import("./commands/verify.js"),
  init: () => import("./commands/init.js"),
  segments: () => import("./commands/segments.js"),
} satisfies Record<string, () => Promise<{ command: Command }>>;

/** One line per command for `zkinfer --help` (each command's own `--help` has the details). */
const SUMMARIES: Record<keyof typeof COMMANDS, string> = {
  build: "compile a model spec into a circuit, keys and a Solidity verifier",
  registry: "read and change the model registry of a deployed InferenceHub",
  attester: "make or show an attester (bureau) signing key",
  attest: "sign a record of features as an attester",
  "prove-attested": "prove an attested model on a signed attestation",
  serve: "run the prover service (HTTP API, queue, chain submitter)",
  worker: "run a prover worker for a Redis-backed service",
  "check-onnx": "compare an ONNX model's outputs with onnxruntime's",
  import: "import an ONNX model (or calibrate a spec) into a model folder",
  ceremony: "run a multi-party Groth16 setup ceremony (init, contribute, verify, finalize)",
  deploy: "deploy a built model (hub, verifier, registration, consumer) to a chain",
  "verify-deployment": "check a live deployment against the sources and the setup transcript",
  submit: "send a proof to InferenceHub.verifyAndAct",
  prove: "prove one inference of a built model",
  verify: "verify a proof against a built model's verification key",
  init: "scaffold a dApp: config, model spec, consumer contract, Hardhat setup and a test",
  segments: "build, prove and verify a model split into segments (models over the single-proof limit)",
};

function usage(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((n) => n.length));
  return [
    "usage: zkinfer <command> [options]",
    "",
    "commands:",
    ...Object.keys(COMMANDS).map((name) => `  ${name.padEnd(width)}  ${SUMMARIES[name as keyof typeof COMMANDS]}`),
    "",
    "options of every command:",
    "  --config <file>   the project's zkinfer.config.json (default: the nearest one in this folder or above)",
    "  --network <name>  a network of the config: its rpc replaces --rpc, and deployments/<chainId>.json gives --hub and --model",
    "  --json            (prove, verify, submit, deploy, registry, verify-deployment) one JSON line of results; errors are JSON too",
    "",
    "zkinfer <command> --help shows a command's options; zkinfer --version prints the version.",
    `exit codes: ${EXIT.ok} done (verify: valid), ${EXIT.failed} failed (verify: invalid), ${EXIT.usage} wrong usage` +
      " (check-onnx adds 3 refused and 4 internal error).",
  ].join("\n");
}

/** The package's version (package.json beside the sources or the compiled dist/). */
export function packageVersion(): string {
  return (JSON.parse(readFileSync(join(REPO_ROOT, "package.json"), "utf8")) as { version: string }).version;
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === "--help" || name === "-h" || name === "help") {
    console.log(usage());
    return name ? EXIT.ok : EXIT.usage;
  }
  if (name === "--version" || name === "-v" || name === "version") {
    console.log(packageVersion());
    return EXIT.ok;
  }
  const json = rest.includes("--json");
  const load = (COMMANDS as Record<string, (typeof COMMANDS)[keyof typeof COMMANDS] | undefined>)[name];
  if (!load) {
    return fail({ json }, "zkinfer", `unknown command \`${name}\`. Known commands: ${Object.keys(COMMANDS).join(", ")} (and --help, --version).`, EXIT.usage);
  }
  const { command } = await load();
  if (rest.includes("--help") || rest.includes("-h")) {
    console.log(`usage: zkinfer ${name} ${command.usage}\n\n${command.summary}`);
    return EXIT.ok;
  }
  let options: GlobalOptions = { json };
  try {
    const taken = takeGlobalOptions(rest);
    options = taken.options;
    const ctx = new CliContext(options);
    // The config's buildDir is where every artifact goes (the one build root, prover/artifacts/paths.ts);
    // an explicit $ZKINFER_BUILD_DIR still wins.
    const buildDir = ctx.config()?.buildDir;
    if (buildDir !== undefined && process.env.ZKINFER_BUILD_DIR === undefined) process.env.ZKINFER_BUILD_DIR = buildDir;
    return (await command.run(taken.rest, ctx)) ?? EXIT.ok;
  } catch (error) {
    return fail(options, `zkinfer ${name}`, ...describe(error, name));
  }
}

/**
 * The one line an error is reported with, and its exit code. Typed errors carry a message written for
 * the user; a usage error points to --help. A file the system could not open is said as such. Anything
 * else is a zkinfer bug: still one line (the stack with ZKINFER_DEBUG=1), exit 1.
 */
function describe(error: unknown, name: string): [message: string, code: number] {
  if (error instanceof UsageError || isParseArgsError(error)) {
    // parseArgs calls `--nonce -1` (a value that looks like an option) ambiguous: say how to write it.
    const ambiguous = /^Option '(--[\w-]+)' argument is ambiguous/.exec((error as Error).message);
    const message = ambiguous ? `${ambiguous[1]} needs a value; one starting with "-" is written ${ambiguous[1]}=<value>` : oneLine((error as Error).message);
    return [`${message} (see \`zkinfer ${name} --help\`)`, EXIT.usage];
  }
  // A typed error's lines (e.g. a schema's list of issues) are all the user's to read: joined on one line.
  if (error instanceof ZkinferError) return [joinLines(error.message), EXIT.failed];
  if (process.env.ZKINFER_DEBUG === "1") console.error(error);
  const system = error as NodeJS.ErrnoException;
  if (typeof system?.code === "string" && typeof system.path === "string") {
    return [`cannot ${system.syscall ?? "open"} ${system.path}: ${system.code === "ENOENT" ? "no such file or folder" : system.code}`, EXIT.failed];
  }
  const message = error instanceof Error ? error.message : String(error);
  return [`internal error (a zkinfer bug, please report it; ZKINFER_DEBUG=1 shows the stack): ${oneLine(message)}`, EXIT.failed];
}

/** Prints an error as one line (one JSON object with --json) and returns its exit code. */
function fail(options: Pick<GlobalOptions, "json">, who: string, message: string, code: number): number {
  if (options.json) console.log(JSON.stringify({ ok: false, error: message, exitCode: code }));
  else console.error(`${who}: ${message}`);
  return code;
}

function joinLines(message: string): string {
  return message
    .split("\n")
    .map((l) => l.trim())
    .filter(Boolean)
    .join("; ");
}

/** The first line of a message (a library's multi-line detail stays in the error's cause). */
function oneLine(message: string): string {
  return message.split("\n")[0]!.trim();
}

/** node:util parseArgs's errors (an unknown option, a missing option value). */
function isParseArgsError(error: unknown): boolean {
  return error instanceof TypeError && "code" in error && String(error.code).startsWith("ERR_PARSE_ARGS");
}
