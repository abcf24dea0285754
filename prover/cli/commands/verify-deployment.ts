/**
 * `zkinfer verify-deployment --rpc <url> --hub <address> --model <id> <model-dir>`: checks a live
 * registration against the model's sources (prover/chain/verifyDeployment.ts). Needs no key.
 */
import { existsSync } from "node:fs";
import { parseArgs } from "node:util";
import { UsageError, ZkinferError } from "../../errors.js";
import type { Command } from "../command.js";
import { hubAndModel } from "../context.js";

export const command: Command = {
  usage:
    "<model|model-dir|spec.json> --rpc <url> | --network <name> [--hub <address> --model <id>] [--ceremony <dir>] [--ptau <file>] [--trust-ptau <blake2b>]... [--segmented] [--json]",
  summary:
    "Checks a deployed model against its sources: the verifier's runtime code equals the one compiled from the final zkey, the registered " +
    "commitment equals the spec's, the setup transcript verifies; reports status, owner, consumer, update delay and any pending update. " +
    "The code must be exactly the compiled verifier (only the compiler's metadata trailer set aside). --ceremony checks against a published " +
    "ceremony folder: it is verified against the circuit compiled from the spec and its final key installed in the local build. A PLONK/FFLONK key " +
    "passes only over a published (Hermez) ptau, or one named with --trust-ptau by its blake2b. --ptau gives the phase-1 file when it is not " +
    'where the records say. Exits 1 on any mismatch, naming it. --json prints {"ok", "checks": [{name, ok, detail}]} last. ' +
    "--hub and --model default to what deployments/<chainId>.json records for the model. " +
    "--segmented checks a segmented deployment against the build of `zkinfer segments build` (the default for a model with a segments build and no single build): " +
    "the verifier's code equals the SegmentedVerifier compiled from the K segment keys in order, the registered commitment equals the one over all K segments in order, " +
    "and each segment's setup.",
  async run(argv, ctx) {
    const { positionals, values } = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        rpc: { type: "string" },
        hub: { type: "string" },
        model: { type: "string" },
        ceremony: { type: "string" },
        ptau: { type: "string" },
        "trust-ptau": { type: "string", multiple: true },
        segmented: { type: "boolean", default: false },
        json: { type: "boolean", default: false },
      },
    });
    if (positionals.length !== 1) throw new UsageError("expected one model folder or spec.json");
    const trustedPtau = values["trust-ptau"] ?? [];
    for (const h of trustedPtau)
      if (!/^(0x)?[0-9a-fA-F]{128}$/.test(h)) throw new UsageError(`--trust-ptau must be a ptau file's blake2b-512 as 128 hex digits, got "${h}"`);
    if (values.ceremony && !existsSync(values.ceremony))
      throw new UsageError(`--ceremony ${values.ceremony} does not exist: give a ceremony folder (with transcript.json)`);
    if (values.ptau && !existsSync(values.ptau)) throw new UsageError(`--ptau ${values.ptau} does not exist`);
    const rpc = ctx.rpc(values.rpc);
    const specPath = ctx.spec(positionals[0]!);
    const name = (await import("../../model/spec.js")).readModelSpec(specPath).name;
    const segmented = (await import("../../chain/segmentedDeployment.js")).usesSegmentedBuild(name, values.segmented);
    if (segmented && values.ceremony)
      throw new UsageError(
        "--ceremony takes one circuit's published ceremony; a segmented deployment's segment ceremonies are verified from the folders each segment's setup.json records",
      );
    const { hub, modelId } = await hubAndModel(
      ctx,
      values,
      async () => ctx.network()?.chainId ?? (await (await import("../../chain/connect.js")).connectRead(rpc)).chainId,
      name,
    );
    const { verifyDeployment } = await import("../../chain/verifyDeployment.js");
    let report;
    try {
      report = await verifyDeployment({
        rpcUrl: rpc,
        hub,
        modelId,
        specPath,
        ...(values.ceremony ? { ceremonyDir: values.ceremony } : {}),
        ...(values.ptau ? { ptauPath: values.ptau } : {}),
        trustedPtau: trustedPtau.map((h) => h.replace(/^0x/, "").toLowerCase()),
        segmented,
        log: (line) => console.error(line),
      });
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
    // A model with both builds is checked as a single-proof one unless told: say so when that fails.
    const { segmentRecordPath } = await import("../../segment/build.js");
    if (!segmented && !report.ok && existsSync(segmentRecordPath(name)))
      console.error(`${name} also has a segments build: if the deployment is segmented, check it with --segmented`);
    if (values.json) console.log(JSON.stringify(report));
    return report.ok ? 0 : 1;
  },
};
