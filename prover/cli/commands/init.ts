/**
 * `zkinfer init <dir>`: scaffolds a dApp in a new or empty directory (the files are in ../init/templates.ts).
 */
import { existsSync, mkdirSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { ZkinferError } from "../../errors.js";
import type { Command } from "../command.js";
import { UsageError } from "../usage.js";
import { scaffoldFiles } from "../init/templates.js";

const MODEL_NAME = /^[a-z][a-z0-9-]*$/;

export const command: Command = {
  usage: "<dir> [--model <name>] [--zkinfer <dependency>]",
  summary:
    "Creates a dApp in <dir> (new or empty): zkinfer.config.json, a model spec, a consumer contract on IInferenceConsumer, a Hardhat 3 setup and a test that proves and acts on Hardhat's network. Then: cd <dir> && npm install && npm test.",
  async run(argv) {
    const { positionals, values } = parseArgs({
      args: argv,
      allowPositionals: true,
      options: { model: { type: "string" }, zkinfer: { type: "string" } },
    });
    if (positionals.length !== 1) throw new UsageError("expected one directory: zkinfer init <dir>");
    const dir = resolve(positionals[0]!);
    const model = values.model ?? "starter-model";
    if (!MODEL_NAME.test(model)) throw new UsageError(`--model must be kebab-case (a-z, 0-9 and -, starting with a letter); got "${model}"`);
    const written = initProject(dir, { model, zkinfer: values.zkinfer ?? (await ownVersion()) });
    console.log(`created ${written.length} files in ${dir}\nnext: cd ${positionals[0]} && npm install && npm test`);
  },
};

/** Writes the scaffold into `dir`; refuses a directory that exists and is not empty. Returns the files written. */
export function initProject(dir: string, o: { model: string; zkinfer: string }): string[] {
  if (existsSync(dir)) {
    if (!statSync(dir).isDirectory()) throw new ZkinferError(`zkinfer init: ${dir} is a file; give a new or empty directory.`);
    if (readdirSync(dir).length > 0) throw new ZkinferError(`zkinfer init: ${dir} is not empty; give a new or empty directory (nothing was written).`);
  }
  const projectName =
    basename(dir)
      .toLowerCase()
      .replace(/[^a-z0-9-]+/g, "-")
      .replace(/^-+|-+$/g, "") || "zkinfer-dapp";
  const files = scaffoldFiles({ projectName, model: o.model, zkinfer: o.zkinfer });
  for (const [path, contents] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), contents, { flag: "wx" });
  }
  return Object.keys(files);
}

/** This zkinfer's own version, the default dependency of a new project. */
async function ownVersion(): Promise<string> {
  const { createRequire } = await import("node:module");
  return (createRequire(import.meta.url)("../../../package.json") as { version: string }).version;
}
