/**
 * `zkinfer deploy <model> --rpc <url>`: the built model's verifier, registration and optional consumer
 * (and a hub, unless --hub) through the generic Ignition module, signed with $ZKINFER_PRIVATE_KEY or
 * an encrypted keystore. Writes deployments/<chainId>.json.
 */
import { parseArgs } from "node:util";
import { isAddress, type Address } from "viem";
import { UsageError, ZkinferError } from "../../errors.js";
import { SIGNING_CHAIN_OPTIONS } from "../args.js";
import type { Command } from "../command.js";
import { parseAggregateSizes } from "./build.js";

export const command: Command = {
  usage:
    "<model|model-dir|spec.json> --rpc <url> | --network <name> [--hub <address>] [--consumer <ContractName> --consumer-args <json array>] [--update-delay <seconds>] " +
    "[--metadata <uri>] [--attester <keyHash>]... [--aggregate <N,N,...> | --segmented] [--keystore <file>] [--out-dir <dir>] [--allow-dev-setup] [--dry-run] [--json]",
  summary:
    "Deploys a built model: a new InferenceHub unless --hub, the model's verifier, its registration and your consumer (its constructor " +
    'arguments may use "$hub", "$modelId", "$deployer"). The key comes from $ZKINFER_PRIVATE_KEY, or --keystore <v3 JSON> with ' +
    "$ZKINFER_KEYSTORE_PASSWORD. A development setup is refused on any chain but a local one (31337, 1337) unless --allow-dev-setup. " +
    "--dry-run prints the steps and the gas the node estimates, and sends nothing. --json prints {chainId, hub, modelId, verifier, setup} last. " +
    "The consumer is looked for in your contractsDir (zkinfer.config.json, default ./contracts), then among zkinfer's own; the manifest " +
    "goes to --out-dir (default the config's deploymentsDir, else ./deployments)/<chainId>.json, where later commands find the hub and model id. " +
    "--aggregate 4,16 also deploys the aggregated verifiers built with `zkinfer build --aggregate` and announces them (applied at once when the update delay is 0). " +
    "--segmented deploys the build of `zkinfer segments build` instead (its SegmentedVerifier, registered with the commitment over every segment in order; " +
    "the manifest records K and each segment's key digest); a model with a segments build and no single build is deployed segmented without the flag.",
  async run(argv, ctx) {
    const { positionals, values } = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        ...SIGNING_CHAIN_OPTIONS,
        consumer: { type: "string" },
        "consumer-args": { type: "string" },
        "update-delay": { type: "string" },
        metadata: { type: "string" },
        attester: { type: "string", multiple: true },
        "out-dir": { type: "string" },
        "allow-dev-setup": { type: "boolean", default: false },
        "dry-run": { type: "boolean", default: false },
        aggregate: { type: "string" },
        segmented: { type: "boolean", default: false },
      },
    });
    if (positionals.length !== 1) throw new UsageError("expected one model folder or spec.json");
    const rpc = ctx.rpc(values.rpc);
    if (values.hub !== undefined && !isAddress(values.hub)) throw new UsageError(`--hub must be a 0x-prefixed 20-byte address, got "${values.hub}"`);
    let consumer: { contract: string; args: unknown[] } | undefined;
    if (values.consumer) {
      let args: unknown;
      try {
        args = JSON.parse(values["consumer-args"] ?? "[]");
      } catch {
        throw new UsageError(`--consumer-args must be a JSON array, got ${values["consumer-args"]}`);
      }
      if (!Array.isArray(args)) throw new UsageError("--consumer-args must be a JSON array");
      consumer = { contract: values.consumer, args };
    } else if (values["consumer-args"]) {
      throw new UsageError("--consumer-args needs --consumer <ContractName>");
    }
    let updateDelay: bigint | undefined;
    if (values["update-delay"] !== undefined) {
      if (!/^[0-9]+$/.test(values["update-delay"])) throw new UsageError(`--update-delay must be a number of seconds, got "${values["update-delay"]}"`);
      if (values.hub) throw new UsageError("--update-delay applies to a new hub; the existing --hub keeps its own");
      updateDelay = BigInt(values["update-delay"]);
    }
    const specPath = ctx.spec(positionals[0]!);
    const { usesSegmentedBuild } = await import("../../chain/segmentedDeployment.js");
    const segmented = usesSegmentedBuild((await import("../../model/spec.js")).readModelSpec(specPath).name, values.segmented);
    if (segmented && values.aggregate !== undefined)
      throw new UsageError("--aggregate applies to a single-proof build; a segmented model has no aggregated verifiers");
    try {
      await deploy(
        specPath,
        { ...values, segmented, rpc, "out-dir": values["out-dir"] ?? ctx.deploymentsDir(), "contracts-dir": ctx.contractsDir() },
        consumer,
        updateDelay,
        positionals[0]!,
      );
    } catch (error) {
      // The node's or Ignition's own errors, on one line (the cause keeps the detail).
      if (error instanceof ZkinferError) throw error;
      throw new ZkinferError(((error as Error).message ?? String(error)).split("\n")[0]!, { cause: error });
    }
  },
};

async function deploy(
  specPath: string,
  values: Record<string, string | string[] | boolean | undefined>,
  consumer: { contract: string; args: unknown[] } | undefined,
  updateDelay: bigint | undefined,
  model: string,
): Promise<void> {
  {
    const { deployModel } = await import("../../chain/deployModel.js");
    const attesters = ((values.attester ?? []) as unknown as string[]).map((k) => {
      if (!/^(0x[0-9a-fA-F]+|[0-9]+)$/.test(k)) throw new UsageError(`--attester must be a decimal or 0x-hex key hash (from \`zkinfer attester\`), got "${k}"`);
      return BigInt(k);
    });
    const common = {
      specPath,
      rpcUrl: values.rpc as string,
      hub: values.hub as Address | undefined,
      consumer,
      attesters,
      updateDelay,
      metadataURI: values.metadata as string | undefined,
      allowDevSetup: values["allow-dev-setup"] as boolean,
      contractsDir: values["contracts-dir"] as string | undefined,
      segmented: values.segmented as boolean,
      log: console.log,
    };
    if (values["dry-run"]) {
      // A dry run signs nothing: the key is only needed for its address, which the estimates use.
      const { loadPrivateKey } = await import("../../chain/keystore.js");
      const plan = await deployModel({ ...common, privateKey: loadPrivateKey({ keystore: values.keystore as string | undefined }), dryRun: true });
      console.log(`dry run on chain ${plan.chainId} (${plan.setup}); nothing sent:`);
      for (const s of plan.steps)
        console.log(`  ${s.step.padEnd(48)} ${s.gas === null ? "gas unknown until the previous steps exist" : `${s.gas.toLocaleString("en-US")} gas`}`);
      const eth = Number(plan.totalGas * plan.gasPrice) / 1e18;
      console.log(`  total of the estimates: ${plan.totalGas.toLocaleString("en-US")} gas, about ${eth.toPrecision(3)} ETH at ${plan.gasPrice} wei/gas`);
      if (values.json)
        console.log(
          JSON.stringify({
            chainId: plan.chainId,
            setup: plan.setup,
            steps: plan.steps.map((s) => ({ step: s.step, gas: s.gas === null ? null : Number(s.gas) })),
            totalGas: Number(plan.totalGas),
            gasPrice: plan.gasPrice.toString(),
          }),
        );
      return;
    }
    const { loadPrivateKey } = await import("../../chain/keystore.js");
    const sizes = values.aggregate === undefined ? [] : parseAggregateSizes(values.aggregate as string);
    const privateKey = loadPrivateKey({ keystore: values.keystore as string | undefined });
    const result = await deployModel({
      ...common,
      privateKey,
      outDir: values["out-dir"] as string | undefined,
    });
    const kind = result.segmented ? `segmented verifier (K = ${result.segmented.k})` : "verifier";
    console.log(
      `deployed ${model} on chain ${result.chainId}: hub ${result.hub}, model ${result.modelId}, ${kind} ${result.verifier}${result.consumer ? `, consumer ${result.consumer}` : ""} (${result.setup}); manifest ${result.manifest}`,
    );
    let aggregated: { n: number; verifier: string; applied: boolean }[] = [];
    if (sizes.length) {
      const { deployAggregatedVerifiers } = await import("../../chain/deployAggregated.js");
      aggregated = await deployAggregatedVerifiers({
        rpcUrl: common.rpcUrl,
        privateKey,
        hub: result.hub,
        modelId: BigInt(result.modelId),
        specPath,
        sizes,
        allowDevSetup: common.allowDevSetup,
        log: console.log,
      });
    }
    if (values.json)
      console.log(
        JSON.stringify({
          chainId: result.chainId,
          hub: result.hub,
          modelId: result.modelId,
          verifier: result.verifier,
          setup: result.setup,
          ...(result.segmented ? { segmented: result.segmented } : {}),
          ...(sizes.length ? { aggregated: aggregated.map((a) => ({ n: a.n, verifier: a.verifier, applied: a.applied })) } : {}),
        }),
      );
  }
}
