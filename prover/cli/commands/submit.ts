/**
 * `zkinfer submit <proof.json> --rpc <url> --hub <address> --model <id>`: sends a proof made by
 * `zkinfer prove` to InferenceHub.verifyAndAct, signed with $ZKINFER_PRIVATE_KEY (or --keystore).
 * The call is simulated first, so a proof the hub would refuse is reported by its custom error and
 * nothing is sent. With `--network`, the hub and model id come from the deployment manifest.
 *
 * It prints what the chain decided: the hub's InferenceVerified and every event of the transaction,
 * the consumer's decoded with its ABI (zkinfer's own consumers, or one of the user's contracts the
 * manifest names), any other log raw.
 */
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import type { Abi, Address, Log } from "viem";
import type { DecodedLog, NamedAbi } from "../../chain/receiptLogs.js";
import { ZkinferError } from "../../errors.js";
import { SIGNING_CHAIN_OPTIONS } from "../args.js";
import type { Command } from "../command.js";
import { hubAndModel, parseHub, parseModelId, type CliContext } from "../context.js";
import { UsageError } from "../usage.js";

/** One event of the submission, decoded when its contract's ABI is known (raw topics and data always kept). */
export type SubmittedEvent = DecodedLog;

export const command: Command = {
  usage: "<proof.json> --rpc <url> | --network <name> [--hub <address> --model <id>] [--keystore <file>] [--json]",
  summary:
    "Submits a proof from `zkinfer prove` to the hub's verifyAndAct (the model's consumer then acts on it) and prints the decision: " +
    "every event of the transaction, the consumer's decoded with its ABI. Signs with $ZKINFER_PRIVATE_KEY or --keystore. " +
    "--hub and --model default to what deployments/<chainId>.json records for the proof's model. " +
    '--json prints {"txHash", "modelId", "subject", "nonce", "gasUsed", "events": [{address, contract?, event?, args?, topics?, data?}]}.',
  async run(argv, ctx) {
    const { positionals, values } = parseArgs({
      args: argv,
      allowPositionals: true,
      options: { ...SIGNING_CHAIN_OPTIONS, model: { type: "string" } },
    });
    if (positionals.length !== 1) throw new UsageError("expected one proof file (from `zkinfer prove`)");
    const rpc = ctx.rpc(values.rpc);
    parseHub(values.hub);
    parseModelId(values.model);
    let proof: { proofBytes?: string; publicSignals?: string[]; model?: string };
    try {
      proof = JSON.parse(readFileSync(positionals[0]!, "utf8"));
    } catch (cause) {
      const reason = (cause as NodeJS.ErrnoException).code === "ENOENT" ? "no such file" : (cause as Error).message;
      throw new ZkinferError(`${positionals[0]} is not a readable proof file: ${reason}`);
    }
    if (!proof.proofBytes || !/^0x[0-9a-fA-F]+$/.test(proof.proofBytes) || !Array.isArray(proof.publicSignals)) {
      throw new ZkinferError(`${positionals[0]} has no proofBytes and publicSignals: make it with \`zkinfer prove\`.`);
    }
    const { loadPrivateKey } = await import("../../chain/keystore.js");
    const { connectChain } = await import("../../chain/connect.js");
    const { submitInference } = await import("../../chain/submitInference.js");
    // Flags are checked before the key is read or the node is called.
    const privateKey = loadPrivateKey({ keystore: values.keystore });
    let clients: Awaited<ReturnType<typeof connectChain>> | undefined;
    const connect = async () => (clients ??= await connectChain(rpc, privateKey));
    const { hub, modelId } = await hubAndModel(ctx, values, async () => ctx.network()?.chainId ?? (await connect()).chainId, proof.model);
    let sent;
    try {
      sent = await submitInference(await connect(), { hub, modelId, proofBytes: proof.proofBytes, publicSignals: proof.publicSignals.map((s) => BigInt(s)) });
    } catch (error) {
      if (error instanceof ZkinferError) throw error;
      throw new ZkinferError(((error as Error).message ?? "").split("\n")[0]!, { cause: error });
    }
    const { hash, receipt, events } = sent;
    const verified = events.find((e) => e.eventName === "InferenceVerified");
    if (verified?.eventName !== "InferenceVerified") throw new ZkinferError(`transaction ${hash} emitted no InferenceVerified event.`);
    const { subject, nonce } = verified.args;
    const decoded = await decodeEvents(ctx, receipt.logs, hub);
    const log = values.json ? (line: string) => console.error(line) : (line: string) => console.log(line);
    log(`verified model ${modelId}'s inference for ${subject} (nonce ${nonce}) in ${hash}, gas ${receipt.gasUsed}`);
    for (const e of decoded) log(`  ${formatEvent(e)}`);
    if (values.json) {
      console.log(
        JSON.stringify(
          { txHash: hash, modelId: Number(modelId), subject, nonce: nonce.toString(), gasUsed: Number(receipt.gasUsed), events: decoded },
          (_, v) => (typeof v === "bigint" ? v.toString() : v),
        ),
      );
    }
  },
};

/**
 * The receipt's logs decoded (prover/chain/receiptLogs.ts): the hub's with its ABI, a user contract's
 * with the ABI of the contract the deployment manifest names at that address (compiled from the
 * user's contractsDir), zkinfer's own consumers' with theirs; the rest raw.
 */
async function decodeEvents(ctx: CliContext, logs: readonly Log[], hub: Address): Promise<SubmittedEvent[]> {
  const { inferenceHubAbi } = await import("../../chain/abi.js");
  const { BUNDLED_CONSUMER_ABIS, decodeReceiptLogs } = await import("../../chain/receiptLogs.js");
  const names = await manifestNames(ctx);
  const userAbis = new Map<string, Abi>();
  for (const address of new Set(logs.map((l) => l.address.toLowerCase()))) {
    const name = names.get(address);
    const abi = name === undefined ? undefined : await userAbi(ctx, name);
    if (abi) userAbis.set(address, abi);
  }
  return decodeReceiptLogs(logs, {
    abisFor: (address) => {
      const key = address.toLowerCase();
      const own: NamedAbi[] = key === hub.toLowerCase() ? [["InferenceHub", inferenceHubAbi]] : [];
      const user = userAbis.get(key);
      if (user) own.push([names.get(key)!, user]);
      return [...own, ...BUNDLED_CONSUMER_ABIS];
    },
    nameOf: (address) => names.get(address.toLowerCase()),
  });
}

/** Address -> contract name, from the deployment manifests (`CreditGate@credit-score` -> CreditGate). */
async function manifestNames(ctx: CliContext): Promise<Map<string, string>> {
  const names = new Map<string, string>();
  const { existsSync, readdirSync } = await import("node:fs");
  const { join } = await import("node:path");
  const dir = ctx.deploymentsDir();
  if (!existsSync(dir)) return names;
  const { readManifest } = await import("../../chain/manifest.js");
  for (const file of readdirSync(dir).filter((f) => /^\d+\.json$/.test(f))) {
    try {
      for (const c of (await readManifest(join(dir, file))).contracts) names.set(c.address.toLowerCase(), c.name.split("@")[0]!);
    } catch {
      // a manifest that does not parse names nothing (submit does not depend on it)
    }
  }
  return names;
}

/** The ABI of the user's contract `name` (from their contractsDir), or undefined when it is not there. */
async function userAbi(ctx: CliContext, name: string): Promise<Abi | undefined> {
  const { findContract } = await import("../../chain/contracts.js");
  try {
    return findContract(name, { contractsDir: ctx.contractsDir(), abiOnly: true }).abi;
  } catch {
    return undefined;
  }
}

function formatEvent(e: SubmittedEvent): string {
  if (e.event === null) return `${e.contract ?? e.address} log topics [${(e.topics ?? []).join(", ")}] data ${e.data}`;
  const args = Object.entries(e.args ?? {})
    .map(([k, v]) => `${k} = ${String(v)}`)
    .join(", ");
  return `${e.contract}.${e.event}(${args})`;
}
