/**
 * zkinfer.config.json: a dApp project's named networks, models and folders, so a command names a
 * network and a model instead of repeating `--rpc --hub --model` (the package's `zkinfer/config` entry).
 *
 * ```json
 * { "networks": { "local": { "rpc": "http://127.0.0.1:8545", "chainId": 31337 } },
 *   "defaultNetwork": "local",
 *   "models": { "triage": { "spec": "models/triage/spec.json" } },
 *   "buildDir": "build", "contractsDir": "contracts", "deploymentsDir": "deployments" }
 * ```
 *
 * The file is found by walking up from the working directory (as Hardhat finds its config), or given
 * with `--config <file>`. Every path in it is relative to the file itself, so a command gives the same
 * answer from any subfolder of the project.
 */
import { existsSync, readFileSync, statSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { z } from "zod";
import { ZkinferError } from "../errors.js";

/** The config file's name, looked for in the working directory and each folder above it. */
export const CONFIG_FILE_NAME = "zkinfer.config.json";

/** A config file that cannot be read or breaks the schema; the message names the file and the field. */
export class ConfigError extends ZkinferError {
  override name = "ConfigError";
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;
const nameMessage = "names are letters, digits, '.', '_' and '-', starting with a letter or digit";

const networkSchema = z
  .object({
    rpc: z.string().regex(/^https?:\/\/\S+$/, "must be an http:// or https:// JSON-RPC URL"),
    chainId: z.number().int().positive().optional(),
  })
  .strict();

const modelSchema = z.object({ spec: z.string().min(1, "must be the path of the model's spec.json (or its folder)") }).strict();

const folder = (what: string) => z.string().min(1, `must be a folder path (${what})`);

export const configSchema = z
  .object({
    networks: z.record(z.string().regex(NAME, nameMessage), networkSchema).default({}),
    defaultNetwork: z.string().optional(),
    models: z.record(z.string().regex(NAME, nameMessage), modelSchema).default({}),
    buildDir: folder("where builds go").default("build"),
    contractsDir: folder("your Solidity sources").default("contracts"),
    deploymentsDir: folder("where deployments/<chainId>.json are written").default("deployments"),
  })
  .strict()
  .superRefine((c, ctx) => {
    if (c.defaultNetwork !== undefined && !(c.defaultNetwork in c.networks)) {
      ctx.addIssue({
        code: "custom",
        path: ["defaultNetwork"],
        message: `names no network in "networks" (defined: ${Object.keys(c.networks).join(", ") || "none"})`,
      });
    }
  });

/** The file as written (before paths are resolved). */
export type ConfigFile = z.input<typeof configSchema>;

export interface NetworkConfig {
  name: string;
  rpc: string;
  chainId?: number;
}

/** A loaded config, every path absolute. */
export interface ZkinferConfig {
  /** The config file. */
  file: string;
  /** Its folder: the project's root. */
  root: string;
  networks: Record<string, NetworkConfig>;
  defaultNetwork?: string;
  /** Model name -> absolute path of its spec.json. */
  models: Record<string, { spec: string }>;
  buildDir: string;
  contractsDir: string;
  deploymentsDir: string;
}

/** The nearest zkinfer.config.json in `from` or a folder above it, or undefined. */
export function findConfigFile(from: string = process.cwd()): string | undefined {
  let dir = resolve(from);
  for (;;) {
    const candidate = join(dir, CONFIG_FILE_NAME);
    if (existsSync(candidate) && statSync(candidate).isFile()) return candidate;
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

/** Validates a parsed config (`source` names it in errors) and resolves its paths against `root`. */
export function parseConfig(json: unknown, source: string, root: string): ZkinferConfig {
  const parsed = configSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const where = issue.path.length > 0 ? issue.path.map(String).join(".") : "(root)";
    const message =
      issue.code === "unrecognized_keys"
        ? `unknown field${issue.keys.length > 1 ? "s" : ""} ${issue.keys.map((k) => `"${k}"`).join(", ")}` +
          (issue.path.length === 0 ? ` (allowed: networks, defaultNetwork, models, buildDir, contractsDir, deploymentsDir)` : "")
        : issue.message;
    throw new ConfigError(`${source}: ${where}: ${message}`);
  }
  const c = parsed.data;
  const at = (p: string) => resolve(root, p);
  return {
    file: source,
    root,
    networks: Object.fromEntries(Object.entries(c.networks).map(([name, n]) => [name, { name, ...n }])),
    defaultNetwork: c.defaultNetwork,
    models: Object.fromEntries(Object.entries(c.models).map(([name, m]) => [name, { spec: specFile(at(m.spec)) }])),
    buildDir: at(c.buildDir),
    contractsDir: at(c.contractsDir),
    deploymentsDir: at(c.deploymentsDir),
  };
}

/** A model folder's spec.json (a model entry may name the folder, as `zkinfer import --out` makes it). */
function specFile(path: string): string {
  return existsSync(path) && statSync(path).isDirectory() ? join(path, "spec.json") : path;
}

/** Reads and validates a config file. */
export function readConfig(file: string): ZkinferConfig {
  const path = resolve(file);
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (cause) {
    throw new ConfigError(
      `cannot read the config file ${file}: ${(cause as NodeJS.ErrnoException).code === "ENOENT" ? "no such file" : (cause as Error).message}`,
      {
        cause,
      },
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (cause) {
    throw new ConfigError(`${path} is not valid JSON: ${(cause as Error).message}`, { cause });
  }
  return parseConfig(json, path, dirname(path));
}

export interface LoadConfigParameters {
  /** An explicit config file (`--config`); it must exist. */
  file?: string;
  /** Where the upward search starts (default the working directory). */
  cwd?: string;
}

/**
 * The config `--config` names, else the nearest one above `cwd`, else undefined (zkinfer runs without one).
 *
 * @example
 * ```ts
 * const config = loadConfig();
 * const local = config && selectNetwork(config, "local");
 * ```
 */
export function loadConfig({ file, cwd }: LoadConfigParameters = {}): ZkinferConfig | undefined {
  if (file !== undefined) return readConfig(file);
  const found = findConfigFile(cwd);
  return found === undefined ? undefined : readConfig(found);
}

/**
 * The network `name` names (default the config's defaultNetwork), or undefined when neither is given.
 * Throws naming the defined networks when `name` is not one of them.
 */
export function selectNetwork(config: ZkinferConfig | undefined, name?: string): NetworkConfig | undefined {
  if (name === undefined) {
    if (config?.defaultNetwork === undefined) return undefined;
    name = config.defaultNetwork;
  }
  if (config === undefined) throw new ConfigError(`--network ${name}: there is no ${CONFIG_FILE_NAME} here or above (give --config <file>, or --rpc <url>)`);
  const network = config.networks[name];
  if (!network) {
    const defined = Object.keys(config.networks);
    throw new ConfigError(`--network ${name}: ${config.file} defines ${defined.length ? `only ${defined.join(", ")}` : "no networks"}`);
  }
  return network;
}

/** The spec path of a model the config names, or undefined when it names none by that name. */
export function configuredModelSpec(config: ZkinferConfig | undefined, name: string): string | undefined {
  return config?.models[name]?.spec;
}
