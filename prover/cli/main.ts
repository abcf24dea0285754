/**
 * `zkinfer <command> [args]`: the command-line front end. Each command lives in its own file under
 * ./commands and is loaded only when it runs (so `zkinfer --help` does not pay for snarkjs or
 * hardhat). Adding a command is one line in COMMANDS.
 */
import { ZkinferError } from "../errors.js";
import type { Command } from "./command.js";
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
};

function usage(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((n) => n.length));
  return [
    "usage: zkinfer <command> [options]",
    "",
    "commands:",
    ...Object.keys(COMMANDS).map((name) => `  ${name.padEnd(width)}  ${SUMMARIES[name as keyof typeof COMMANDS]}`),
    "",
    "zkinfer <command> --help shows a command's options.",
    `exit codes: ${EXIT.ok} done (verify: valid), ${EXIT.failed} failed (verify: invalid), ${EXIT.usage} wrong usage.`,
  ].join("\n");
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === "--help" || name === "-h" || name === "help") {
    console.log(usage());
    return name ? EXIT.ok : EXIT.usage;
  }
  const load = (COMMANDS as Record<string, (typeof COMMANDS)[keyof typeof COMMANDS] | undefined>)[name];
  if (!load) {
    console.error(`zkinfer: unknown command \`${name}\`. Known commands: ${Object.keys(COMMANDS).join(", ")}.`);
    return EXIT.usage;
  }
  const { command } = await load();
  if (rest.includes("--help") || rest.includes("-h")) {
    console.log(`usage: zkinfer ${name} ${command.usage}\n\n${command.summary}`);
    return EXIT.ok;
  }
  try {
    return (await command.run(rest)) ?? EXIT.ok;
  } catch (error) {
    // Typed errors carry a message written for the user: one line (plus the usage for a usage error),
    // never a stack. Anything else is a bug and keeps its stack.
    if (error instanceof UsageError || isParseArgsError(error)) {
      // One line, like every CLI error; `--help` shows the full usage.
      console.error(`zkinfer ${name}: ${(error as Error).message} (see \`zkinfer ${name} --help\`)`);
      return EXIT.usage;
    }
    if (error instanceof ZkinferError) {
      console.error(`zkinfer ${name}: ${error.message}`);
      return EXIT.failed;
    }
    throw error;
  }
}

/** node:util parseArgs's errors (an unknown option, a missing option value). */
function isParseArgsError(error: unknown): boolean {
  return error instanceof TypeError && "code" in error && String(error.code).startsWith("ERR_PARSE_ARGS");
}
