/**
 * `zkinfer submit <proof.json> --rpc <url> --hub <address> --model <id>`: sends a proof made by
 * `zkinfer prove` to InferenceHub.verifyAndAct, signed with $ZKINFER_PRIVATE_KEY (or --keystore).
 * The call is simulated first, so a proof the hub would refuse is reported by its custom error and
 * nothing is sent.
 */
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { isAddress, parseEventLogs, type Abi, type Address, type Hex } from "viem";
import { UsageError, ZkinferError } from "../../errors.js";
import type { Command } from "../command.js";
import { decodeRevert, formatRevert } from "../../chain/revert.js";

export const command: Command = {
  usage: "<proof.json> --rpc <url> --hub <address> --model <id> [--keystore <file>] [--json]",
  summary: "Submits a proof from `zkinfer prove` to the hub's verifyAndAct (the model's consumer then acts on it). Signs with $ZKINFER_PRIVATE_KEY or --keystore.",
  async run(argv) {
    const { positionals, values } = parseArgs({
      args: argv,
      allowPositionals: true,
      options: { rpc: { type: "string" }, hub: { type: "string" }, model: { type: "string" }, keystore: { type: "string" }, json: { type: "boolean", default: false } },
    });
    if (positionals.length !== 1) throw new UsageError("expected one proof file (from `zkinfer prove`)");
    if (!values.rpc) throw new UsageError("--rpc <url> is required");
    if (!values.hub || !isAddress(values.hub)) throw new UsageError(`--hub must be a 0x-prefixed 20-byte address, got "${values.hub ?? ""}"`);
    if (!values.model || !/^[1-9][0-9]*$/.test(values.model)) throw new UsageError(`--model must be a positive model id, got "${values.model ?? ""}"`);
    let proof: { proofBytes?: string; publicSignals?: string[] };
    try {
      proof = JSON.parse(readFileSync(positionals[0]!, "utf8"));
    } catch (cause) {
      throw new ZkinferError(`${positionals[0]} is not a readable proof file: ${(cause as Error).message}`);
    }
    if (!proof.proofBytes || !/^0x[0-9a-fA-F]+$/.test(proof.proofBytes) || !Array.isArray(proof.publicSignals)) {
      throw new ZkinferError(`${positionals[0]} has no proofBytes and publicSignals: make it with \`zkinfer prove\`.`);
    }
    const { loadPrivateKey } = await import("../../chain/keystore.js");
    const { connectChain } = await import("../../chain/connect.js");
    const { inferenceHubAbi } = await import("../../chain/abi.js");
    const { publicClient, walletClient, account } = await connectChain(values.rpc, loadPrivateKey({ keystore: values.keystore }));
    const abi: Abi = inferenceHubAbi;
    const args = [BigInt(values.model), proof.proofBytes as Hex, proof.publicSignals.map((s) => BigInt(s))];
    let request;
    try {
      ({ request } = await publicClient.simulateContract({ address: values.hub as Address, abi, functionName: "verifyAndAct", args, account }));
    } catch (error) {
      const revert = decodeRevert(error);
      if (revert) throw new ZkinferError(`verifyAndAct would revert with ${formatRevert(revert)}; nothing was sent.`, { cause: error });
      throw new ZkinferError(((error as Error).message ?? "").split("\n")[0]!, { cause: error });
    }
    const hash = await walletClient.writeContract(request);
    const receipt = await publicClient.waitForTransactionReceipt({ hash });
    if (receipt.status !== "success") throw new ZkinferError(`verifyAndAct reverted in transaction ${hash}.`);
    const verified = parseEventLogs({ abi, logs: receipt.logs, eventName: "InferenceVerified" }) as unknown as { args: { subject: Address; nonce: bigint } }[];
    const { subject, nonce } = verified[0]!.args;
    console.log(`verified model ${values.model}'s inference for ${subject} (nonce ${nonce}) in ${hash}, gas ${receipt.gasUsed}`);
    if (values.json) console.log(JSON.stringify({ txHash: hash, modelId: Number(values.model), subject, nonce: nonce.toString(), gasUsed: Number(receipt.gasUsed) }));
  },
};
