/**
 * `zkinfer verify-deployment --rpc <url> --hub <address> --model <id> <model-dir>`: checks a live
 * registration against the model's sources (prover/chain/verifyDeployment.ts). Needs no key.
 */
import { parseArgs } from "node:util";
import { UsageError, ZkinferError } from "../../errors.js";
import type { Command } from "../command.js";
import { hubAndModel } from "../context.js";

export const command: Command = {
  usage: "<model|model-dir|spec.json> --rpc <url> | --network <name> [--hub <address> --model <id>] [--json]",
  summary:
    "Checks a deployed model against its sources: the verifier's runtime code equals the one compiled from the final zkey, the registered " +
    "commitment equals the spec's, the setup transcript verifies; reports status, owner, consumer, update delay and any pending update. " +
    'Exits 1 on any mismatch, naming it. --json prints {"ok", "checks": [{name, ok, detail}]} last. ' +
    "--hub and --model default to what deployments/<chainId>.json records for the model.",
  async run(argv, ctx) {
    const { positionals, values } = parseArgs({
      args: argv,
      allowPositionals: true,
      options: { rpc: { type: "string" }, hub: { type: "string" }, model: { type: "string" }, json: { type: "boolean", default: false } },
    });
    if (positionals.length !== 1) throw new UsageError("expected one model folder or spec.json");
    const rpc = ctx.rpc(values.rpc);
    const specPath = ctx.spec(positionals[0]!);
    const { hub, modelId } = await hubAndModel(
      ctx,
      values,
      async () => ctx.network()?.chainId ?? (await (await import("../../chain/connect.js")).connectRead(rpc)).chainId,
      (await import("../../model/spec.js")).readModelSpec(specPath).name,
    );
    const { verifyDeployment } = await import("../../chain/verifyDeployment.js");
    let report;
    try {
      report = await verifyDeployment({ rpcUrl: rpc, hub, modelId, specPath });
    } catch (error) {
      if (error instanceof ZkinferError) throw error;
      throw new ZkinferError(((error as Error).message ?? String(error)).split("\n")[0]!, { cause: error });
    }
    for (const c of report.checks) console.log(`${c.ok ? "ok  " : "FAIL"} ${c.name.padEnd(18)} ${c.detail}`);
    console.log(
      report.ok
        ? "deployment verified"
        : `deployment NOT verified: ${report.checks
            .filter((c) => !c.ok)
            .map((c) => c.name)
            .join(", ")}`,
    );
    if (values.json) console.log(JSON.stringify(report));
    return report.ok ? 0 : 1;
  },
};
