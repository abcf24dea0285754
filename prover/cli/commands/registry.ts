/**
 * `zkinfer registry <list|show|register|pause|unpause|retire|upgrade|cancel-upgrade|transfer|accept|set-consumer|trust-attester|revoke-attester>`:
 * the model registry of a deployed InferenceHub, over JSON-RPC.
 *
 * Reads need `--rpc` and `--hub`; writes also need the owner's key in $ZKINFER_PRIVATE_KEY (never on
 * the command line, where it would land in shell history and `ps`). `upgrade` is the timelocked path:
 * the first call announces, a call after the delay applies (`--apply`).
 */
import { parseArgs, type ParseArgsOptionsConfig } from "node:util";
import { isAddress, type Address, type Hex } from "viem";
import { inferenceHubAbi } from "../../chain/abi.js";
import { assertContract, connectChain, connectRead } from "../../chain/connect.js";
import { modelStatusName, readModel, readModelCount, type Model } from "../../chain/model.js";
import { loadPrivateKey } from "../../chain/keystore.js";
import { writeAndWait, type WriteAndWaitReturnType } from "../../chain/write.js";
import { revertName } from "../../chain/revert.js";
import { SIGNING_CHAIN_OPTIONS } from "../args.js";
import type { Command } from "../command.js";
import { UsageError } from "../usage.js";
import { publicInputRanges } from "../../abi/publicInputRanges.js";
import { resolveSpecPath } from "../../artifacts/models.js";
import { lowerModel } from "../../model/ir.js";
import { readModelSpec } from "../../model/spec.js";
import { ZkinferError } from "../../errors.js";

const REGISTRY_ACTIONS = [
  "list",
  "show",
  "register",
  "pause",
  "unpause",
  "retire",
  "upgrade",
  "cancel-upgrade",
  "transfer",
  "accept",
  "set-consumer",
  "trust-attester",
  "revoke-attester",
] as const;

export const command: Command = {
  usage:
    "<list|show <id>|register|pause <id>|unpause <id>|retire <id>|upgrade <id>|cancel-upgrade <id>|transfer <id> <to>|accept <id>|" +
    "set-consumer <id> <address>|trust-attester <id> <keyHash>|revoke-attester <id> <keyHash>> " +
    "--rpc <url> | --network <name> [--hub <address>] [--keystore <file>] [--verifier <address> --commitment <n> --outputs <k> --metadata <uri> [--attested [--attester <keyHash>]... | --public-inputs <spec.json|model dir>]] [--apply] [--json]",
  summary:
    "Reads and changes the model registry of a deployed InferenceHub. Writes sign with the key in $ZKINFER_PRIVATE_KEY, or --keystore <v3 JSON> with $ZKINFER_KEYSTORE_PASSWORD. " +
    "`upgrade <id> --verifier --commitment` announces a timelocked update; `upgrade <id> --apply` applies it once the delay has passed. " +
    "`register --attested` registers a model whose inputs an attester signs, trusting each `--attester <keyHash>` from registration on; " +
    "`trust-attester`/`revoke-attester <id> <keyHash>` manage its attesters afterwards (a new one is announced, then trusted after the delay) " +
    "(`zkinfer attester` prints a key's hash); `set-consumer <id> <address>` sets what acts on its proofs (the zero address removes it).",
  async run(argv, ctx) {
    const { positionals, values } = parseArgs({ args: argv, allowPositionals: true, options: REGISTRY_OPTIONS });
    const [action, ...rest] = positionals;
    // A wrong action is a usage error before any node is called.
    if (!REGISTRY_ACTIONS.includes(action as RegistryAction)) {
      throw new UsageError(`unknown registry action \`${action ?? ""}\`. Use one of: ${REGISTRY_ACTIONS.join(", ")}.`);
    }
    const rpc = ctx.rpc(values.rpc);
    const hubFlag = values.hub === undefined ? undefined : address("--hub", values.hub);
    const { publicClient: client, chainId } = await connectRead(rpc);
    // Without --hub: the InferenceHub `zkinfer deploy` recorded for this chain.
    const hub = hubFlag ?? (await recordedHub(ctx.deploymentsDir(), chainId));
    await assertContract(client, hub, "--hub");
    // The owner's key, as `zkinfer deploy` takes it: $ZKINFER_PRIVATE_KEY, or --keystore with its password.
    const signer = async () => connectChain(rpc, loadPrivateKey({ keystore: values.keystore }));
    await ACTIONS[action as RegistryAction]({
      values,
      rest,
      client,
      hub,
      hubTx: async () => ({ ...(await signer()), address: hub, abi: HUB }),
      id: () => modelId(rest[0]),
      print: (human, data) => console.log(values.json ? JSON.stringify(data, (_, v) => (typeof v === "bigint" ? v.toString() : v)) : human),
    });
  },
};

const REGISTRY_OPTIONS = {
  ...SIGNING_CHAIN_OPTIONS,
  verifier: { type: "string" },
  commitment: { type: "string" },
  outputs: { type: "string" },
  "public-inputs": { type: "string" },
  metadata: { type: "string", default: "" },
  apply: { type: "boolean", default: false },
  attested: { type: "boolean", default: false },
  attester: { type: "string", multiple: true },
} as const satisfies ParseArgsOptionsConfig;

type RegistryAction = (typeof REGISTRY_ACTIONS)[number];
const HUB = inferenceHubAbi;

/** What every action works with: the parsed flags, the hub, and a signer for writes. */
interface RegistrySession {
  values: ReturnType<typeof parseArgs<{ options: typeof REGISTRY_OPTIONS; allowPositionals: true }>>["values"];
  /** The positionals after the action (the model id, then the action's argument). */
  rest: string[];
  client: Awaited<ReturnType<typeof connectRead>>["publicClient"];
  hub: Address;
  /** The hub, ABI and signing clients for writeAndWait (each write is simulated first: a revert names its custom error and sends nothing). */
  hubTx: () => Promise<Awaited<ReturnType<typeof connectChain>> & { address: Address; abi: typeof HUB }>;
  id: () => bigint;
  /** The human line, or `data` as one JSON line with --json. */
  print: (human: string, data: unknown) => void;
}

/**
 * `write()`, or, when the registry says it must be announced first (`notAnnounced`), `announce()`:
 * the timelock's first step, with the time its announcement event says the change can be made.
 */
async function writeOrAnnounce(
  s: RegistrySession,
  write: () => Promise<{ hash: Hex }>,
  notAnnounced: string,
  announce: () => Promise<WriteAndWaitReturnType<typeof HUB>>,
) {
  try {
    const { hash } = await write();
    return { announced: false as const, hash, readyAt: 0n };
  } catch (error) {
    if (revertName(error) !== notAnnounced) throw error;
    const { hash, events } = await announce();
    const announced = events.find((e) => e.eventName === "ConsumerUpdateAnnounced" || e.eventName === "AttesterTrustAnnounced");
    if (announced?.eventName !== "ConsumerUpdateAnnounced" && announced?.eventName !== "AttesterTrustAnnounced") {
      throw new ZkinferError(`transaction ${hash} announced nothing: check the hub at ${s.hub} is an InferenceHub.`);
    }
    return { announced: true as const, hash, readyAt: announced.args.readyAt };
  }
}

const iso = (readyAt: bigint) => new Date(Number(readyAt) * 1000).toISOString();

const ACTIONS: Record<RegistryAction, (s: RegistrySession) => Promise<void>> = {
  list,
  show,
  register,
  pause: lifecycle("pause"),
  unpause: lifecycle("unpause"),
  retire: lifecycle("retire"),
  upgrade,
  "cancel-upgrade": cancelUpgrade,
  transfer,
  accept,
  "set-consumer": setConsumer,
  "trust-attester": trustAttester,
  "revoke-attester": revokeAttester,
};

/** pause, unpause and retire: one call with the model id. */
function lifecycle(action: "pause" | "unpause" | "retire") {
  return async (s: RegistrySession): Promise<void> => {
    const { hash } = await writeAndWait({ ...(await s.hubTx()), functionName: `${action}Model` as const, args: [s.id()] });
    s.print(`${action}d model ${s.id()} in ${hash}`, { modelId: s.id(), txHash: hash });
  };
}

async function list(s: RegistrySession): Promise<void> {
  const count = await readModelCount(s.client, s.hub);
  const models: (Model & { id: bigint })[] = [];
  for (let i = 1n; i <= count; i++) models.push({ id: i, ...(await readModel(s.client, s.hub, i)) });
  s.print(
    models.map((m) => `${m.id}\t${modelStatusName(m.status)}\tv${m.version}\t${m.metadataURI || "-"}\towner ${m.owner}`).join("\n") || "(no models)",
    models,
  );
}

async function show(s: RegistrySession): Promise<void> {
  const m = await readModel(s.client, s.hub, s.id());
  const pending = await s.client.readContract({ address: s.hub, abi: HUB, functionName: "pendingModelUpdate", args: [s.id()] });
  const data = { id: s.id(), ...m, status: modelStatusName(m.status), pendingUpdate: pending.readyAt === 0n ? null : pending };
  s.print(
    [
      `model ${s.id()} (${modelStatusName(m.status)}, version ${m.version}) ${m.metadataURI}`,
      `  owner       ${m.owner}`,
      `  verifier    ${m.verifier}`,
      `  commitment  ${m.modelCommitment}`,
      `  outputs     ${m.numOutputs}`,
      `  consumer    ${m.consumer}`,
      pending.readyAt === 0n
        ? "  no pending update"
        : `  pending update: verifier ${pending.verifier}, commitment ${pending.modelCommitment}, applicable from ${new Date(Number(pending.readyAt) * 1000).toISOString()}`,
    ].join("\n"),
    data,
  );
}

async function register(s: RegistrySession): Promise<void> {
  const numOutputs = Number(s.values.outputs ?? "1");
  if (!Number.isInteger(numOutputs) || numOutputs < 1 || numOutputs > 65_535)
    throw new UsageError(`--outputs must be an integer from 1 to 65535, got "${s.values.outputs}".`);
  const verifier = address("--verifier", s.values.verifier);
  const modelCommitment = commitment(s.values.commitment);
  let registration;
  if (s.values.attested && s.values["public-inputs"] !== undefined) throw new UsageError("a model is either --attested or has --public-inputs, not both");
  if (s.values.attester && !s.values.attested) throw new UsageError("--attester names an attested model's attesters: add --attested");
  if (s.values.attested) {
    // Its proofs carry a trusted attester's signature (docs/ATTESTATION.md). The attesters named here are
    // trusted from registration on; any later one is announced first (`trust-attester`, docs/SECURITY.md C20).
    const attesters = (s.values.attester ?? []).map((k) => fieldElement("--attester", k));
    registration = await writeAndWait({
      ...(await s.hubTx()),
      functionName: "registerAttestedModel",
      args: [verifier, modelCommitment, numOutputs, attesters, s.values.metadata],
    });
  } else if (s.values["public-inputs"] !== undefined) {
    // A model with public inputs (visibility.inputs = "public"): its B and its declared input
    // ranges, which the hub enforces, come from the spec itself (never typed by hand).
    const ir = lowerModel(readModelSpec(resolveSpecPath(s.values["public-inputs"])));
    const bits = ir.visibility.publicInputBits;
    if (bits === null)
      throw new ZkinferError(
        `--public-inputs ${s.values["public-inputs"]}: this spec's inputs are private (visibility.inputs is not "public"); register it without --public-inputs.`,
      );
    registration = await writeAndWait({
      ...(await s.hubTx()),
      functionName: "registerPublicInputModel",
      args: [verifier, modelCommitment, numOutputs, bits, publicInputRanges(ir), s.values.metadata],
    });
  } else {
    registration = await writeAndWait({
      ...(await s.hubTx()),
      functionName: "registerModel",
      args: [verifier, modelCommitment, numOutputs, s.values.metadata],
    });
  }
  const { hash, events } = registration;
  const modelId = events.find((e) => e.eventName === "ModelRegistered")?.args.modelId;
  s.print(`registered model ${modelId} in ${hash}`, { modelId, txHash: hash });
}

async function upgrade(s: RegistrySession): Promise<void> {
  if (s.values.apply) {
    const { hash, events } = await writeAndWait({ ...(await s.hubTx()), functionName: "applyModelUpdate", args: [s.id()] });
    const version = events.find((e) => e.eventName === "ModelUpdated")?.args.version;
    s.print(`model ${s.id()} is now version ${version} (${hash})`, { modelId: s.id(), version, txHash: hash });
  } else {
    const { hash, events } = await writeAndWait({
      ...(await s.hubTx()),
      functionName: "announceModelUpdate",
      args: [s.id(), address("--verifier", s.values.verifier), commitment(s.values.commitment)],
    });
    const readyAt = events.find((e) => e.eventName === "ModelUpdateAnnounced")?.args.readyAt ?? 0n;
    const when = new Date(Number(readyAt) * 1000).toISOString();
    s.print(`announced an update of model ${s.id()}, applicable from ${when} with \`zkinfer registry upgrade ${s.id()} --apply\` (${hash})`, {
      modelId: s.id(),
      readyAt,
      txHash: hash,
    });
  }
}

async function cancelUpgrade(s: RegistrySession): Promise<void> {
  const { hash } = await writeAndWait({ ...(await s.hubTx()), functionName: "cancelModelUpdate", args: [s.id()] });
  s.print(`cancelled the pending update of model ${s.id()} (${hash})`, { modelId: s.id(), txHash: hash });
}

async function transfer(s: RegistrySession): Promise<void> {
  const { hash } = await writeAndWait({ ...(await s.hubTx()), functionName: "transferModelOwnership", args: [s.id(), address("new owner", s.rest[1])] });
  s.print(`offered model ${s.id()} to ${s.rest[1]}; it moves when they run \`zkinfer registry accept ${s.id()}\` (${hash})`, { modelId: s.id(), txHash: hash });
}

async function accept(s: RegistrySession): Promise<void> {
  const { hash } = await writeAndWait({ ...(await s.hubTx()), functionName: "acceptModelOwnership", args: [s.id()] });
  s.print(`accepted ownership of model ${s.id()} (${hash})`, { modelId: s.id(), txHash: hash });
}

async function setConsumer(s: RegistrySession): Promise<void> {
  // The zero address removes the consumer. The first consumer is set at once; a later change is
  // timelocked: the first call announces it, the same call after the delay sets it.
  const consumer = address("the consumer", s.rest[1]);
  const set = await writeOrAnnounce(
    s,
    async () => writeAndWait({ ...(await s.hubTx()), functionName: "setConsumer", args: [s.id(), consumer] }),
    "ModelRegistryConsumerNotAnnounced",
    async () => writeAndWait({ ...(await s.hubTx()), functionName: "announceConsumer", args: [s.id(), consumer] }),
  );
  if (set.announced) {
    s.print(`announced consumer ${consumer} for model ${s.id()}, settable from ${iso(set.readyAt)}: run this command again then (${set.hash})`, {
      modelId: s.id(),
      consumer,
      announced: true,
      readyAt: set.readyAt,
      txHash: set.hash,
    });
  } else {
    s.print(`model ${s.id()} now calls consumer ${consumer} (${set.hash})`, { modelId: s.id(), consumer, announced: false, txHash: set.hash });
  }
}

async function trustAttester(s: RegistrySession): Promise<void> {
  // Announced first, then trusted by the same command after the delay (the attesters trusted at
  // once are those named at registration: `register --attested --attester <keyHash>`).
  const keyHash = fieldElement("the attester key hash", s.rest[1]);
  const trust = await writeOrAnnounce(
    s,
    async () => writeAndWait({ ...(await s.hubTx()), functionName: "trustAttester", args: [s.id(), keyHash] }),
    "ModelRegistryAttesterNotAnnounced",
    async () => writeAndWait({ ...(await s.hubTx()), functionName: "announceAttester", args: [s.id(), keyHash] }),
  );
  if (trust.announced) {
    s.print(`announced attester ${keyHash} for model ${s.id()}, trustable from ${iso(trust.readyAt)}: run this command again then (${trust.hash})`, {
      modelId: s.id(),
      attesterKeyHash: keyHash,
      announced: true,
      readyAt: trust.readyAt,
      txHash: trust.hash,
    });
  } else {
    s.print(`model ${s.id()} trusts attester ${keyHash} (${trust.hash})`, { modelId: s.id(), attesterKeyHash: keyHash, announced: false, txHash: trust.hash });
  }
}

async function revokeAttester(s: RegistrySession): Promise<void> {
  // Revocation is never delayed: a leaked key must stop counting at once.
  const keyHash = fieldElement("the attester key hash", s.rest[1]);
  const { hash } = await writeAndWait({ ...(await s.hubTx()), functionName: "revokeAttester", args: [s.id(), keyHash] });
  s.print(`model ${s.id()} revoked attester ${keyHash} for good (${hash})`, { modelId: s.id(), attesterKeyHash: keyHash, txHash: hash });
}

/** The hub deployments/<chainId>.json records, or a usage error saying to pass --hub. */
async function recordedHub(dir: string, chainId: number): Promise<Address> {
  const { existsSync } = await import("node:fs");
  const { chainManifestPath } = await import("../../artifacts/paths.js");
  const { readManifest } = await import("../../chain/manifest.js");
  const file = chainManifestPath(dir, chainId);
  if (!existsSync(file)) throw new UsageError(`--hub <address> is required: no deployment of chain ${chainId} at ${file}`);
  const hub = (await readManifest(file)).contracts.find((c) => c.name === "InferenceHub");
  if (!hub) throw new UsageError(`--hub <address> is required: ${file} records no InferenceHub`);
  return hub.address as Address;
}

function address(flag: string, value: string | undefined): Address {
  if (!value || !isAddress(value)) throw new UsageError(`${flag} must be a 0x-prefixed 20-byte address, got "${value ?? ""}".`);
  return value;
}

function modelId(value: string | undefined): bigint {
  if (!value || !/^[1-9][0-9]*$/.test(value)) throw new UsageError(`the model id must be a positive integer, got "${value ?? ""}".`);
  return BigInt(value);
}

function fieldElement(what: string, value: string | undefined): bigint {
  if (!value || !/^(0x[0-9a-fA-F]+|[0-9]+)$/.test(value))
    throw new ZkinferError(`${what} must be a decimal or 0x-hex field element (from \`zkinfer attester\`), got "${value ?? ""}".`);
  return BigInt(value);
}

function commitment(value: string | undefined): bigint {
  if (!value || !/^(0x[0-9a-fA-F]+|[0-9]+)$/.test(value)) throw new UsageError(`--commitment must be a decimal or 0x-hex field element, got "${value ?? ""}".`);
  return BigInt(value);
}
