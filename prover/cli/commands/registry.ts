/**
 * `zkinfer registry <list|show|register|pause|unpause|retire|upgrade|cancel-upgrade|transfer|accept|set-consumer|trust-attester|revoke-attester>`:
 * the model registry of a deployed InferenceHub, over JSON-RPC.
 *
 * Reads need `--rpc` and `--hub`; writes also need the owner's key in $ZKINFER_PRIVATE_KEY (never on
 * the command line, where it would land in shell history and `ps`). `upgrade` is the timelocked path:
 * the first call announces, a call after the delay applies (`--apply`).
 */
import { parseArgs } from "node:util";
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
    const { positionals, values } = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        ...SIGNING_CHAIN_OPTIONS,
        verifier: { type: "string" },
        commitment: { type: "string" },
        outputs: { type: "string" },
        "public-inputs": { type: "string" },
        metadata: { type: "string", default: "" },
        apply: { type: "boolean", default: false },
        attested: { type: "boolean", default: false },
        attester: { type: "string", multiple: true },
      },
    });
    const [action, ...rest] = positionals;
    // A wrong action is a usage error before any node is called.
    if (!REGISTRY_ACTIONS.includes(action as (typeof REGISTRY_ACTIONS)[number])) {
      throw new UsageError(`unknown registry action \`${action ?? ""}\`. Use one of: ${REGISTRY_ACTIONS.join(", ")}.`);
    }
    const rpc = ctx.rpc(values.rpc);
    const hubFlag = values.hub === undefined ? undefined : address("--hub", values.hub);
    const { publicClient: client, chainId } = await connectRead(rpc);
    // Without --hub: the InferenceHub `zkinfer deploy` recorded for this chain.
    const hub = hubFlag ?? (await recordedHub(ctx.deploymentsDir(), chainId));
    await assertContract(client, hub, "--hub");
    const abi = inferenceHubAbi;
    const print = (human: string, data: unknown) =>
      console.log(values.json ? JSON.stringify(data, (_, v) => (typeof v === "bigint" ? v.toString() : v)) : human);

    // The owner's key, as `zkinfer deploy` takes it: $ZKINFER_PRIVATE_KEY, or --keystore with its password.
    const signer = async () => connectChain(rpc, loadPrivateKey({ keystore: values.keystore }));
    /** The hub, ABI and signing clients for writeAndWait (each write is simulated first: a revert names its custom error and sends nothing). */
    const hubTx = async () => ({ ...(await signer()), address: hub, abi });
    const id = () => modelId(rest[0]);
    /**
     * `write()`, or, when the registry says it must be announced first (`notAnnounced`), `announce()`:
     * the timelock's first step, with the time its announcement event says the change can be made.
     */
    const writeOrAnnounce = async (write: () => Promise<{ hash: Hex }>, notAnnounced: string, announce: () => Promise<WriteAndWaitReturnType<typeof abi>>) => {
      try {
        const { hash } = await write();
        return { announced: false as const, hash, readyAt: 0n };
      } catch (error) {
        if (revertName(error) !== notAnnounced) throw error;
        const { hash, events } = await announce();
        const announced = events.find((e) => e.eventName === "ConsumerUpdateAnnounced" || e.eventName === "AttesterTrustAnnounced");
        if (announced?.eventName !== "ConsumerUpdateAnnounced" && announced?.eventName !== "AttesterTrustAnnounced") {
          throw new ZkinferError(`transaction ${hash} announced nothing: check the hub at ${hub} is an InferenceHub.`);
        }
        return { announced: true as const, hash, readyAt: announced.args.readyAt };
      }
    };
    const iso = (readyAt: bigint) => new Date(Number(readyAt) * 1000).toISOString();

    switch (action) {
      case "list": {
        const count = await readModelCount(client, hub);
        const models: (Model & { id: bigint })[] = [];
        for (let i = 1n; i <= count; i++) models.push({ id: i, ...(await readModel(client, hub, i)) });
        print(
          models.map((m) => `${m.id}\t${modelStatusName(m.status)}\tv${m.version}\t${m.metadataURI || "-"}\towner ${m.owner}`).join("\n") || "(no models)",
          models,
        );
        return;
      }
      case "show": {
        const m = await readModel(client, hub, id());
        const pending = await client.readContract({ address: hub, abi, functionName: "pendingModelUpdate", args: [id()] });
        const data = { id: id(), ...m, status: modelStatusName(m.status), pendingUpdate: pending.readyAt === 0n ? null : pending };
        print(
          [
            `model ${id()} (${modelStatusName(m.status)}, version ${m.version}) ${m.metadataURI}`,
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
        return;
      }
      case "register": {
        const numOutputs = Number(values.outputs ?? "1");
        if (!Number.isInteger(numOutputs) || numOutputs < 1 || numOutputs > 65_535)
          throw new UsageError(`--outputs must be an integer from 1 to 65535, got "${values.outputs}".`);
        const verifier = address("--verifier", values.verifier);
        const modelCommitment = commitment(values.commitment);
        let registration;
        if (values.attested && values["public-inputs"] !== undefined) throw new UsageError("a model is either --attested or has --public-inputs, not both");
        if (values.attester && !values.attested) throw new UsageError("--attester names an attested model's attesters: add --attested");
        if (values.attested) {
          // Its proofs carry a trusted attester's signature (docs/ATTESTATION.md). The attesters named here are
          // trusted from registration on; any later one is announced first (`trust-attester`, docs/SECURITY.md C20).
          const attesters = (values.attester ?? []).map((k) => fieldElement("--attester", k));
          registration = await writeAndWait({
            ...(await hubTx()),
            functionName: "registerAttestedModel",
            args: [verifier, modelCommitment, numOutputs, attesters, values.metadata],
          });
        } else if (values["public-inputs"] !== undefined) {
          // A model with public inputs (visibility.inputs = "public"): its B and its declared input
          // ranges, which the hub enforces, come from the spec itself (never typed by hand).
          const ir = lowerModel(readModelSpec(resolveSpecPath(values["public-inputs"])));
          const bits = ir.visibility.publicInputBits;
          if (bits === null)
            throw new ZkinferError(
              `--public-inputs ${values["public-inputs"]}: this spec's inputs are private (visibility.inputs is not "public"); register it without --public-inputs.`,
            );
          registration = await writeAndWait({
            ...(await hubTx()),
            functionName: "registerPublicInputModel",
            args: [verifier, modelCommitment, numOutputs, bits, publicInputRanges(ir), values.metadata],
          });
        } else {
          registration = await writeAndWait({
            ...(await hubTx()),
            functionName: "registerModel",
            args: [verifier, modelCommitment, numOutputs, values.metadata],
          });
        }
        const { hash, events } = registration;
        const modelId = events.find((e) => e.eventName === "ModelRegistered")?.args.modelId;
        print(`registered model ${modelId} in ${hash}`, { modelId, txHash: hash });
        return;
      }
      case "pause":
      case "unpause":
      case "retire": {
        const { hash } = await writeAndWait({ ...(await hubTx()), functionName: `${action}Model`, args: [id()] });
        print(`${action}d model ${id()} in ${hash}`, { modelId: id(), txHash: hash });
        return;
      }
      case "upgrade": {
        if (values.apply) {
          const { hash, events } = await writeAndWait({ ...(await hubTx()), functionName: "applyModelUpdate", args: [id()] });
          const version = events.find((e) => e.eventName === "ModelUpdated")?.args.version;
          print(`model ${id()} is now version ${version} (${hash})`, { modelId: id(), version, txHash: hash });
        } else {
          const { hash, events } = await writeAndWait({
            ...(await hubTx()),
            functionName: "announceModelUpdate",
            args: [id(), address("--verifier", values.verifier), commitment(values.commitment)],
          });
          const readyAt = events.find((e) => e.eventName === "ModelUpdateAnnounced")?.args.readyAt ?? 0n;
          const when = new Date(Number(readyAt) * 1000).toISOString();
          print(`announced an update of model ${id()}, applicable from ${when} with \`zkinfer registry upgrade ${id()} --apply\` (${hash})`, {
            modelId: id(),
            readyAt,
            txHash: hash,
          });
        }
        return;
      }
      case "cancel-upgrade": {
        const { hash } = await writeAndWait({ ...(await hubTx()), functionName: "cancelModelUpdate", args: [id()] });
        print(`cancelled the pending update of model ${id()} (${hash})`, { modelId: id(), txHash: hash });
        return;
      }
      case "transfer": {
        const { hash } = await writeAndWait({ ...(await hubTx()), functionName: "transferModelOwnership", args: [id(), address("new owner", rest[1])] });
        print(`offered model ${id()} to ${rest[1]}; it moves when they run \`zkinfer registry accept ${id()}\` (${hash})`, { modelId: id(), txHash: hash });
        return;
      }
      case "accept": {
        const { hash } = await writeAndWait({ ...(await hubTx()), functionName: "acceptModelOwnership", args: [id()] });
        print(`accepted ownership of model ${id()} (${hash})`, { modelId: id(), txHash: hash });
        return;
      }
      case "set-consumer": {
        // The zero address removes the consumer. The first consumer is set at once; a later change is
        // timelocked: the first call announces it, the same call after the delay sets it.
        const consumer = address("the consumer", rest[1]);
        const set = await writeOrAnnounce(
          async () => writeAndWait({ ...(await hubTx()), functionName: "setConsumer", args: [id(), consumer] }),
          "ModelRegistryConsumerNotAnnounced",
          async () => writeAndWait({ ...(await hubTx()), functionName: "announceConsumer", args: [id(), consumer] }),
        );
        if (set.announced) {
          print(`announced consumer ${consumer} for model ${id()}, settable from ${iso(set.readyAt)}: run this command again then (${set.hash})`, {
            modelId: id(),
            consumer,
            announced: true,
            readyAt: set.readyAt,
            txHash: set.hash,
          });
        } else {
          print(`model ${id()} now calls consumer ${consumer} (${set.hash})`, { modelId: id(), consumer, announced: false, txHash: set.hash });
        }
        return;
      }
      case "trust-attester": {
        // Announced first, then trusted by the same command after the delay (the attesters trusted at
        // once are those named at registration: `register --attested --attester <keyHash>`).
        const keyHash = fieldElement("the attester key hash", rest[1]);
        const trust = await writeOrAnnounce(
          async () => writeAndWait({ ...(await hubTx()), functionName: "trustAttester", args: [id(), keyHash] }),
          "ModelRegistryAttesterNotAnnounced",
          async () => writeAndWait({ ...(await hubTx()), functionName: "announceAttester", args: [id(), keyHash] }),
        );
        if (trust.announced) {
          print(`announced attester ${keyHash} for model ${id()}, trustable from ${iso(trust.readyAt)}: run this command again then (${trust.hash})`, {
            modelId: id(),
            attesterKeyHash: keyHash,
            announced: true,
            readyAt: trust.readyAt,
            txHash: trust.hash,
          });
        } else {
          print(`model ${id()} trusts attester ${keyHash} (${trust.hash})`, { modelId: id(), attesterKeyHash: keyHash, announced: false, txHash: trust.hash });
        }
        return;
      }
      case "revoke-attester": {
        // Revocation is never delayed: a leaked key must stop counting at once.
        const keyHash = fieldElement("the attester key hash", rest[1]);
        const { hash } = await writeAndWait({ ...(await hubTx()), functionName: "revokeAttester", args: [id(), keyHash] });
        print(`model ${id()} revoked attester ${keyHash} for good (${hash})`, { modelId: id(), attesterKeyHash: keyHash, txHash: hash });
        return;
      }
      default:
        throw new UsageError(
          `unknown registry action \`${action ?? ""}\`. Use one of: list, show, register, pause, unpause, retire, upgrade, cancel-upgrade, transfer, accept.`,
        );
    }
  },
};

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
