/**
 * The deployment manifest: where a deployment's contracts live, as plain JSON that the TypeScript side
 * (prover, service, demo) reads instead of reaching into Hardhat's or Ignition's folders.
 *
 * ```json
 * { "network": "localhost", "chainId": 31337,
 *   "contracts": [{ "name": "InferenceHub", "address": "0x…", "startBlock": 1 }] }
 * ```
 *
 * `startBlock` is the block the contract was deployed in, where indexers start reading its events.
 */
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { dirname } from "node:path";
import { z } from "zod";
import { ZkinferError } from "../errors.js";

const address = z.string().regex(/^0x[0-9a-fA-F]{40}$/, "must be a 0x-prefixed 20-byte address");

const manifestSchema = z.object({
  network: z.string().min(1),
  chainId: z.number().int().positive(),
  contracts: z.array(
    z.object({
      name: z.string().min(1),
      address,
      startBlock: z.number().int().nonnegative(),
    }),
  ),
  /** Models deployed by `zkinfer deploy` (a per-chain manifest, deployments/<chainId>.json). */
  models: z
    .array(
      z.object({
        name: z.string().min(1),
        version: z.string(),
        modelId: z.number().int().positive(),
        hub: address,
        verifier: address,
        consumer: address.nullable(),
        modelCommitment: z.string().regex(/^[0-9]+$/),
        setup: z.string(),
        transcript: z.string().nullable(),
        /** A segmented model (docs/SEGMENTS.md): K and each segment's key, in order. */
        segmented: z
          .object({
            k: z.number().int().positive(),
            keysHash: z.string().regex(/^0x[0-9a-f]{64}$/),
            segments: z.array(
              z.object({
                index: z.number().int().nonnegative(),
                name: z.string().min(1),
                circuitDigest: z.string().regex(/^[0-9]+$/),
                keyDigest: z.string().regex(/^0x[0-9a-f]{64}$/),
                zkeySha256: z.string().regex(/^[0-9a-f]{64}$/),
              }),
            ),
          })
          .optional(),
      }),
    )
    .optional(),
});

export type DeploymentManifest = z.infer<typeof manifestSchema>;
export type ManifestContract = DeploymentManifest["contracts"][number];

/** A manifest that cannot be read, does not match the schema, or lacks a contract. */
export class ManifestError extends ZkinferError {
  override name = "ManifestError";
}

/**
 * Validates `manifest` and writes it as JSON to `path`, creating the folder if needed.
 *
 * @example
 * ```ts
 * await writeManifest("deployments/localhost.json", {
 *   network: "localhost", chainId: 31337,
 *   contracts: [{ name: "InferenceHub", address: await hub.getAddress(), startBlock: 1 }],
 * });
 * ```
 */
export async function writeManifest(path: string, manifest: DeploymentManifest): Promise<void> {
  const valid = parseManifest(manifest, path);
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, `${JSON.stringify(valid, null, 2)}\n`);
}

/**
 * Reads and validates the manifest at `path`.
 *
 * @example
 * ```ts
 * const manifest = await readManifest("deployments/localhost.json");
 * const hub = getManifestContract(manifest, "InferenceHub").address;
 * ```
 */
export async function readManifest(path: string): Promise<DeploymentManifest> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (cause) {
    throw new ManifestError(`Cannot read the deployment manifest ${path}. Deploy first, or pass the path of an existing manifest.`, { cause });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (cause) {
    throw new ManifestError(`The deployment manifest ${path} is not valid JSON.`, { cause });
  }
  return parseManifest(json, path);
}

/** Returns the contract named `name` in `manifest`; throws a {@link ManifestError} naming those it has. */
export function getManifestContract(manifest: DeploymentManifest, name: string): ManifestContract {
  const entry = manifest.contracts.find((c) => c.name === name);
  if (entry === undefined) {
    const known = manifest.contracts.map((c) => c.name).join(", ") || "none";
    throw new ManifestError(`The ${manifest.network} manifest has no contract named "${name}" (it has: ${known}). Redeploy, or check the name.`);
  }
  return entry;
}

function parseManifest(value: unknown, path: string): DeploymentManifest {
  const result = manifestSchema.safeParse(value);
  if (!result.success) {
    const issues = result.error.issues.map((i) => `  - ${i.path.join(".") || "(root)"}: ${i.message}`);
    throw new ManifestError(`Invalid deployment manifest ${path}:\n${issues.join("\n")}`);
  }
  const names = new Set<string>();
  for (const { name } of result.data.contracts) {
    if (names.has(name)) throw new ManifestError(`Invalid deployment manifest ${path}: contract "${name}" appears twice.`);
    names.add(name);
  }
  return result.data;
}
