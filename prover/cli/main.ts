/**
 * `zkinfer <command> [args]`: the command-line front end. Each command lives in its own file under
 * ./commands and is loaded only when it runs (so `zkinfer --help` does not pay for snarkjs or
 * hardhat). Adding a command is one line in COMMANDS.
 */
import { UsageError, ZkinferError } from "../errors.js";
import type { Command } from "./command.js";

const COMMANDS: Record<string, () => Promise<{ command: Command }>> = {
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
};

function usage(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((n) => n.length));
  return [
    "usage: zkinfer <command> [options]",
    "",
    "commands:",
    ...Object.entries(COMMANDS).map(([name]) => `  ${name.padEnd(width)}`),
    "",
    "zkinfer <command> --help shows a command's options.",
  ].join("\n");
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === "--help" || name === "-h" || name === "help") {
    console.log(usage());
    return name ? 0 : 1;
  }
  const load = COMMANDS[name];
  if (!load) {
    console.error(`zkinfer: unknown command \`${name}\`. Known commands: ${Object.keys(COMMANDS).join(", ")}.`);
    return 2;
  }
  const { command } = await load();
  if (rest.includes("--help") || rest.includes("-h")) {
    console.log(`usage: zkinfer ${name} ${command.usage}\n\n${command.summary}`);
    return 0;
  }
  try {
    return (await command.run(rest)) ?? 0;
  } catch (error) {
    // Typed errors carry a message written for the user; anything else is a bug and keeps its stack.
    if (!(error instanceof UsageError) && (error instanceof ZkinferError || (error instanceof Error && error.name === "ParseArgsError"))) {
      console.error(`zkinfer ${name}: ${error.message}`);
      return 1;
    }
    const usageError =
      error instanceof UsageError ||
      (error instanceof TypeError && ((("code" in error) && String(error.code).startsWith("ERR_PARSE_ARGS")) || error.cause === "usage"));
    if (usageError) {
      // One line, like every CLI error; `--help` shows the full usage.
      console.error(`zkinfer ${name}: ${error.message} (see \`zkinfer ${name} --help\`)`);
      return 2;
    }
    throw error;
  }
}
