/**
 * `zkinfer submit <proof.json> --rpc <url> --hub <address> --model <id>`: sends a proof made by
 * `zkinfer prove` to InferenceHub.verifyAndAct, signed with $ZKINFER_PRIVATE_KEY (or --keystore).
 * The call is simulated first, so a proof the hub would refuse is reported by its custom error and
 * nothing is sent.
 */
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { isAddress, type Address } from "viem";
import { UsageError, ZkinferError } from "../../errors.js";
import { SIGNING_CHAIN_OPTIONS } from "../args.js";
import type { Command } from "../command.js";

export const command: Command = {
  usage: "<proof.json> --rpc <url> --hub <address> --model <id> [--keystore <file>] [--json]",
  summary:
    "Submits a proof from `zkinfer prove` to the hub's verifyAndAct (the model's consumer then acts on it). Signs with $ZKINFER_PRIVATE_KEY or --keystore.",
  async run(argv) {
    const { positionals, values } = parseArgs({
      args: argv,
      allowPositionals: true,
      options: { ...SIGNING_CHAIN_OPTIONS, model: { type: "string" } },
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
    const { submitInference } = await import("../../chain/submitInference.js");
    const clients = await connectChain(values.rpc, loadPrivateKey({ keystore: values.keystore }));
    let sent;
    try {
      sent = await submitInference(clients, {
        hub: values.hub as Address,
        modelId: BigInt(values.model),
        proofBytes: proof.proofBytes,
        publicSignals: proof.publicSignals.map((s) => BigInt(s)),
      });
    } catch (error) {
      if (error instanceof ZkinferError) throw error;
      throw new ZkinferError(((error as Error).message ?? "").split("\n")[0]!, { cause: error });
    }
    const { hash, receipt, events } = sent;
    const verified = events.find((e) => e.eventName === "InferenceVerified");
    if (verified?.eventName !== "InferenceVerified") throw new ZkinferError(`transaction ${hash} emitted no InferenceVerified event.`);
    const { subject, nonce } = verified.args;
    console.log(`verified model ${values.model}'s inference for ${subject} (nonce ${nonce}) in ${hash}, gas ${receipt.gasUsed}`);
    if (values.json)
      console.log(JSON.stringify({ txHash: hash, modelId: Number(values.model), subject, nonce: nonce.toString(), gasUsed: Number(receipt.gasUsed) }));
  },
};
