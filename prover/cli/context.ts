/**
 * What every command shares beyond its own flags: the project's zkinfer.config.json (found by walking up
 * from the working directory, or `--config <file>`), the `--network <name>` it selects, and the
 * deployments `zkinfer deploy` recorded (deployments/<chainId>.json), read back so `--rpc`, `--hub` and
 * `--model` can be left out where they follow from them.
 */
import { existsSync } from "node:fs";
import { isAddress, type Address } from "viem";
import { resolveSpecPath } from "../artifacts/models.js";
import { chainManifestPath } from "../artifacts/paths.js";
import { CONFIG_FILE_NAME, configuredModelSpec, loadConfig, selectNetwork, type NetworkConfig, type ZkinferConfig } from "../config/config.js";
import { ZkinferError } from "../errors.js";
import { UsageError } from "./usage.js";

/** The global options main.ts takes out of argv before a command parses the rest. */
export interface GlobalOptions {
  config?: string;
  network?: string;
  /** `--json` was given: errors are printed as one JSON line too. */
  json: boolean;
}

/** Splits `--config <file>` and `--network <name>` (either form, `--x v` or `--x=v`) off argv. */
export function takeGlobalOptions(argv: readonly string[]): { options: GlobalOptions; rest: string[] } {
  const options: GlobalOptions = { json: argv.includes("--json") };
  const rest: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const m = /^--(config|network)(?:=(.*))?$/.exec(arg);
    if (!m) {
      rest.push(arg);
      continue;
    }
    const value = m[2] ?? argv[++i];
    if (value === undefined || value === "" || (m[2] === undefined && value.startsWith("--"))) {
      throw new UsageError(`--${m[1]} needs a value: ${m[1] === "config" ? `the path of a ${CONFIG_FILE_NAME}` : "a network named in zkinfer.config.json"}`);
    }
    options[m[1] as "config" | "network"] = value;
  }
  return { options, rest };
}

/** A deployed model as deployments/<chainId>.json records it. */
export interface RecordedDeployment {
  hub: Address;
  modelId: bigint;
  /** The manifest it came from. */
  manifest: string;
}

export class CliContext {
  private loaded?: { config: ZkinferConfig | undefined };

  constructor(readonly options: GlobalOptions) {}

  /** The project's config, or undefined when there is none (zkinfer works without one). */
  config(): ZkinferConfig | undefined {
    this.loaded ??= { config: loadConfig({ file: this.options.config }) };
    return this.loaded.config;
  }

  /** The network `--network` (else the config's defaultNetwork) selects, if any. */
  network(): NetworkConfig | undefined {
    return selectNetwork(this.config(), this.options.network);
  }

  /** `--rpc` if given, else the selected network's; a usage error when neither is there. */
  rpc(flag: string | undefined): string {
    if (flag !== undefined) {
      if (this.options.network !== undefined) throw new UsageError("give --rpc or --network, not both");
      return flag;
    }
    const network = this.network();
    if (network) return network.rpc;
    throw new UsageError(`--rpc <url> or --network <name> (a network of ${CONFIG_FILE_NAME}) is required: the JSON-RPC endpoint of the chain`);
  }

  /**
   * The spec.json a model argument names: a model the config names, a model folder or a spec file.
   * (Config names come first: `zkinfer build triage` in a project builds its "triage" model.)
   */
  spec(arg: string): string {
    const configured = configuredModelSpec(this.config(), arg);
    return resolveSpecPath(configured ?? arg);
  }

  /** Where deployments/<chainId>.json live: the config's deploymentsDir, else ./deployments. */
  deploymentsDir(): string {
    return this.config()?.deploymentsDir ?? "deployments";
  }

  /** The folder of the user's own Solidity sources (consumers), when the config names one or ./contracts exists. */
  contractsDir(): string | undefined {
    const configured = this.config()?.contractsDir;
    if (configured !== undefined) return configured;
    return existsSync("contracts") ? "contracts" : undefined;
  }

  /**
   * The hub and model id of `model` on chain `chainId`, from the manifest `zkinfer deploy` wrote.
   * With `hub`, only a record on that hub counts. Throws saying what to pass when there is none.
   */
  async recordedDeployment(chainId: number, model: string, hub?: Address): Promise<RecordedDeployment> {
    const manifest = chainManifestPath(this.deploymentsDir(), chainId);
    const missing = (why: string) => new UsageError(`${why}: pass --hub <address> and --model <id>, or deploy ${model} with \`zkinfer deploy\` first`);
    if (!existsSync(manifest)) throw missing(`no deployment of chain ${chainId} at ${manifest}`);
    const { readManifest } = await import("../chain/manifest.js");
    const recorded = (await readManifest(manifest)).models ?? [];
    const matches = recorded.filter((m) => m.name === model && (hub === undefined || m.hub.toLowerCase() === hub.toLowerCase()));
    if (matches.length === 0) throw missing(`${manifest} records no deployment of ${model}${hub ? ` on hub ${hub}` : ""}`);
    if (matches.length > 1) {
      throw new UsageError(`${manifest} records ${model} on ${matches.length} hubs (${matches.map((m) => m.hub).join(", ")}): pass --hub <address>`);
    }
    const m = matches[0]!;
    return { hub: m.hub as Address, modelId: BigInt(m.modelId), manifest };
  }
}

/** `--hub`'s value checked, or undefined when not given. */
export function parseHub(value: string | undefined): Address | undefined {
  if (value === undefined) return undefined;
  if (!isAddress(value)) throw new UsageError(`--hub must be a 0x-prefixed 20-byte address, got "${value}"`);
  return value;
}

/** `--model`'s value (a registry id) checked, or undefined when not given. */
export function parseModelId(value: string | undefined): bigint | undefined {
  if (value === undefined) return undefined;
  if (!/^[1-9][0-9]*$/.test(value)) throw new UsageError(`--model must be a positive model id, got "${value}"`);
  return BigInt(value);
}

/**
 * The hub and model id a chain command acts on: the flags when both are given, else what the
 * deployment manifest of `chainId` records for `modelName` (the model's spec name, or the proof's `model`).
 */
export async function hubAndModel(
  ctx: CliContext,
  flags: { hub?: string; model?: string },
  chainId: () => Promise<number>,
  modelName: string | undefined,
): Promise<{ hub: Address; modelId: bigint }> {
  const hub = parseHub(flags.hub);
  const modelId = parseModelId(flags.model);
  if (hub !== undefined && modelId !== undefined) return { hub, modelId };
  if (modelName === undefined) throw new UsageError("--hub <address> and --model <id> are required (nothing names the model to look up in the deployments)");
  const recorded = await ctx.recordedDeployment(await chainId(), modelName, hub);
  if (modelId !== undefined && modelId !== recorded.modelId) {
    throw new ZkinferError(`--model ${modelId} is not ${modelName}'s id on hub ${recorded.hub} (${recorded.manifest} records ${recorded.modelId})`);
  }
  return { hub: recorded.hub, modelId: recorded.modelId };
}
