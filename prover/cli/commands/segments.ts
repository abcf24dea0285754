/**
 * `zkinfer segments build|prove|verify` (docs/SEGMENTS.md): a model proved in K segments of at most S
 * constraints each, verified on chain by one SegmentedVerifier through the unchanged hub.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { ZkinferError } from "../../errors.js";
import type { Command } from "../command.js";
import { UsageError } from "../usage.js";
import { parseNonce, parseSubject } from "../args.js";
import { readFeatures } from "./prove.js";

const USAGE =
  "build <spec.json> [--max-segment-constraints N] [--min-segments K] [--ptau file] [--key-storage auto|inline|contracts] | prove <spec.json> --input <features.json> --subject <0x address> [--nonce n] [--workers n] [--out proof.json] | verify <spec.json> <proof.json>";

export const command: Command = {
  usage: USAGE,
  summary:
    "build: plans the model's segments (at most --max-segment-constraints each, default what the largest cached ptau holds; " +
    "at least --min-segments of them, for more workers), " +
    "compiles one circuit and key per distinct segment circuit from ONE ptau (identical segments share one), and generates <Model>SegmentedVerifier " +
    "(--key-storage: the keys in its code, or each distinct key in a data contract that `zkinfer deploy` deploys first; default auto: inline unless its code " +
    "would pass EIP-170's 24,576 bytes) (register it as the model's " +
    "verifier: the hub is unchanged); prints K, each segment's constraints and the error bound. prove: runs the model once, " +
    "proves each segment (--workers at once; a failed segment is retried alone) and writes {proof, proofBytes, publicSignals} for " +
    "`zkinfer submit`/verifyAndAct (deploy the model with `zkinfer deploy --segmented`). verify: checks such a file off-chain against the segments' keys (exit 0 valid, 1 not).",
  async run(argv, ctx) {
    const [sub, ...rest] = argv;
    const { positionals, values } = parseArgs({
      args: rest,
      allowPositionals: true,
      options: {
        "max-segment-constraints": { type: "string" },
        "min-segments": { type: "string" },
        "key-storage": { type: "string" },
        ptau: { type: "string" },
        input: { type: "string" },
        subject: { type: "string" },
        nonce: { type: "string" },
        workers: { type: "string" },
        out: { type: "string" },
        json: { type: "boolean", default: false },
      },
    });
    if (!positionals[0]) throw new UsageError(`expected: zkinfer segments ${USAGE}`);
    const specPath = ctx.spec(positionals[0]);
    const { buildSegments, parseMaxSegmentConstraints, readSegmentRecord } = await import("../../segment/build.js");
    if (sub === "build") {
      const max = parseMaxSegmentConstraints(values["max-segment-constraints"]);
      const minSegments = values["min-segments"] === undefined ? undefined : Number(values["min-segments"]);
      if (minSegments !== undefined && !(Number.isInteger(minSegments) && minSegments >= 1 && minSegments <= 10_000))
        throw new ZkinferError(`--min-segments: expected an integer from 1 to 10000, got ${JSON.stringify(values["min-segments"])}`);
      const keyStorage = values["key-storage"];
      if (keyStorage !== undefined && !["auto", "inline", "contracts"].includes(keyStorage))
        throw new UsageError(`--key-storage: expected auto, inline or contracts, got ${JSON.stringify(keyStorage)}`);
      const record = await buildSegments({
        specPath,
        ...(keyStorage ? { keyStorage: keyStorage as "auto" | "inline" | "contracts" } : {}),
        ...(max ? { maxSegmentConstraints: max } : {}),
        ...(minSegments ? { minSegments } : {}),
        ...(values.ptau ? { ptau: values.ptau } : {}),
        log: values.json ? () => {} : console.log,
      });
      const summary = {
        model: record.model,
        k: record.segments.length,
        maxSegmentConstraints: record.maxSegmentConstraints,
        constraints: record.segments.map((s) => s.nonLinearConstraints + s.linearConstraints),
        /** Distinct keys: segments of one circuit share one (one setup, one ceremony). */
        keys: new Set(record.segments.map((s) => s.key)).size,
        errorBound: record.errorBound,
        modelCommitment: record.modelCommitment,
        verifierContract: record.verifierContract,
        keyStorage: record.keyStorage,
      };
      if (values.json) console.log(JSON.stringify(summary));
      else
        console.log(
          `${summary.k} segments (${summary.keys} distinct key${summary.keys === 1 ? "" : "s"}), constraints ${summary.constraints.join(", ")}; error bound ${summary.errorBound.join(", ")}; verifier ${summary.verifierContract}`,
        );
      return 0;
    }
    if (sub === "prove") {
      if (!values.input || !values.subject) throw new UsageError("segments prove: --input <features.json> and --subject <0x address> are required");
      const subject = BigInt(parseSubject(values.subject));
      const nonce = parseNonce(values.nonce ?? String(Date.now()));
      const workers = Number(values.workers ?? 1);
      if (!Number.isInteger(workers) || workers < 1) throw new UsageError(`--workers: expected a positive integer, got ${values.workers}`);
      const { SegmentedProver } = await import("../../segment/prove.js");
      const { segmentProverPool } = await import("../../segment/pool.js");
      const pool =
        workers > 1 ? await segmentProverPool(readSegmentRecord((await import("../../model/spec.js")).readModelSpec(specPath).name), workers) : undefined;
      try {
        const prover = await SegmentedProver.load(specPath, pool?.prove);
        const features = readFeatures(
          values.input,
          prover.ir.features.map((f) => f.name),
        );
        const result = await prover.prove({ features, subject, nonce, concurrency: workers });
        const out = values.out ?? "proof.json";
        writeFileSync(
          out,
          JSON.stringify(
            {
              model: prover.ir.name,
              version: prover.ir.version,
              segments: result.segments.length,
              proof: result.proof,
              // What `zkinfer submit` sends to verifyAndAct (the same bytes).
              proofBytes: result.proof,
              publicSignals: result.publicSignals.map(String),
              attempts: result.attempts,
            },
            null,
            2,
          ) + "\n",
        );
        if (values.json) console.log(JSON.stringify({ model: prover.ir.name, segments: result.segments.length, out, attempts: result.attempts }));
        else console.log(`proved ${result.segments.length} segments (attempts ${result.attempts.join(", ")}); wrote ${out}`);
      } finally {
        await pool?.close();
      }
      return 0;
    }
    if (sub === "verify") {
      if (!positionals[1]) throw new UsageError("segments verify: expected <spec.json> <proof.json>");
      const { readModelSpec } = await import("../../model/spec.js");
      const { artifactPath } = await import("../../artifacts/paths.js");
      const { verifySegmentedProof } = await import("../../segment/verify.js");
      const record = readSegmentRecord(readModelSpec(specPath).name);
      let file: { proof?: unknown; publicSignals?: unknown };
      try {
        file = JSON.parse(readFileSync(positionals[1], "utf8"));
      } catch (cause) {
        throw new ZkinferError(`${positionals[1]} is not valid JSON: ${(cause as Error).message}`, { cause });
      }
      if (typeof file.proof !== "string" || !Array.isArray(file.publicSignals))
        throw new ZkinferError(`${positionals[1]}: expected {"proof": "0x...", "publicSignals": [...]} (write it with \`zkinfer segments prove\`)`);
      const signals = (file.publicSignals as unknown[]).map((s) => BigInt(String(s)));
      const keys = record.segments.map((s) => JSON.parse(readFileSync(artifactPath(s.name, "vkey"), "utf8")) as object);
      const commitmentOk = signals.at(-4) === BigInt(record.modelCommitment);
      const valid = commitmentOk && (await verifySegmentedProof({ protocol: "groth16-segmented", segments: keys }, file.proof, signals));
      const reason = commitmentOk ? undefined : `its model commitment is not ${record.model}'s segmented commitment`;
      if (values.json) console.log(JSON.stringify({ valid, model: record.model, segments: keys.length, ...(reason ? { reason } : {}) }));
      else console.log(valid ? `valid proof of ${record.model} in ${keys.length} segments` : `invalid${reason ? `: ${reason}` : ""}`);
      return valid ? 0 : 1;
    }
    throw new UsageError(`expected: zkinfer segments ${USAGE}`);
  },
};
