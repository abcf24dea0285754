/**
 * `zkinfer prove <model> --input <file>`: validates and quantizes the input, computes the witness
 * and a proof (the spec's proof system: Groth16, PLONK or FFLONK) with the built keys, checks the circuit against the reference interpreter,
 * and writes the proof, public signals and salt (keep it: it opens the input commitment).
 */
import { readFileSync, writeFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { InputValidationError, ZkinferError } from "../../errors.js";
import type { Command } from "../command.js";
import { UsageError } from "../usage.js";
import { assertBuilt } from "../../artifacts/models.js";
import { formatOutputs, parseFieldElement, parseNonce, parseSubject } from "../args.js";

export const command: Command = {
  usage: "<model|model-dir|spec.json> --input <features.json> --subject <0x address> [--nonce <n>] [--salt <n>] [--out <proof.json>] [--json]",
  summary:
    "Proves one inference of a built model for --subject (the address the proof acts for: only a proof for the right subject " +
    'can be submitted). The input file is an object {feature: value}, {"features": {...}}, or ' +
    '{"input_data": [[...]]} in feature order. Writes --out (default proof.json): proof, publicSignals, outputs, salt. ' +
    '--json prints {"model", "version", "subject", "nonce", "outputs", "out", "proofSystem"} as the one line on stdout.',
  async run(argv, ctx) {
    const { positionals, values } = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        input: { type: "string" },
        subject: { type: "string" },
        nonce: { type: "string" },
        salt: { type: "string" },
        out: { type: "string" },
        json: { type: "boolean", default: false },
      },
    });
    if (positionals.length !== 1 || !values.input) throw new UsageError("expected a model and --input <file>");
    // A proof is bound to its subject: a default (the zero address) made proofs no one could submit.
    if (values.subject === undefined) throw new UsageError("--subject <0x address> is required: the account the proof acts for (the hub checks it)");
    // Every argument is checked before the (slow) keys are loaded.
    const specPath = ctx.spec(positionals[0]!);
    const subject = parseSubject(values.subject);
    const nonce = parseNonce(values.nonce ?? String(Date.now()));
    // With --json, stdout carries the one JSON line; progress goes to stderr.
    const log = values.json ? (line: string) => console.error(line) : (line: string) => console.log(line);
    const salt = values.salt === undefined ? undefined : parseFieldElement(values.salt, "--salt");
    const { readModelSpec } = await import("../../model/spec.js");
    assertBuilt(readModelSpec(specPath).name, specPath);
    const { ModelProver } = await import("../../prove/prover.js");
    const { decodeOutputs } = await import("../../model/interpret.js");
    log("loading the witness generator and proving key...");
    const prover = await ModelProver.load(specPath);
    const features = readFeatures(
      values.input,
      prover.ir.features.map((f) => f.name),
    );
    log("proving...");
    const result = await prover.prove({ features, subject, nonce, salt });
    const out = values.out ?? "proof.json";
    // The prover knows the model's actual outputs; the proof reveals them, a hash or a decision bit.
    const outputs = decodeOutputs(prover.ir, result.reference.outputs);
    writeFileSync(
      out,
      JSON.stringify(
        {
          model: prover.ir.name,
          version: prover.ir.version,
          subject,
          nonce: nonce.toString(),
          outputs: Object.fromEntries(prover.ir.outputs.map((o, k) => [o.name, outputs[k]])),
          outputVisibility: prover.ir.visibility.outputs,
          // Also in proof.protocol (snarkjs's field); here so a reader sees it without knowing snarkjs.
          proofSystem: result.proofSystem,
          proof: result.proof,
          publicSignals: result.publicSignals.map(String),
          salt: result.salt.toString(),
          // Hashed outputs: the output hash's own salt (opens the outputs, not the input commitment).
          ...(result.outputSalt === undefined ? {} : { outputSalt: result.outputSalt.toString() }),
          proofBytes: result.proofBytes,
        },
        null,
        2,
      ) + "\n",
    );
    log(`outputs ${formatOutputs(prover.ir, outputs)}`);
    log(`witness ${Math.round(result.timings.witnessMs)} ms, proof ${Math.round(result.timings.proveMs)} ms; wrote ${out}`);
    if (values.json) {
      console.log(
        JSON.stringify({
          model: prover.ir.name,
          version: prover.ir.version,
          subject,
          nonce: nonce.toString(),
          outputs: Object.fromEntries(prover.ir.outputs.map((o, k) => [o.name, outputs[k]])),
          proofSystem: result.proofSystem,
          out,
        }),
      );
    }
  },
};

/** Reads the features as a {name: value} object, in any of the accepted shapes. */
export function readFeatures(path: string, names: string[]): Record<string, number> {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, "utf8"));
  } catch (cause) {
    throw new ZkinferError(`${path} is not valid JSON: ${(cause as Error).message}`, { cause });
  }
  const obj = json as Record<string, unknown>;
  if (obj && typeof obj === "object" && !Array.isArray(obj)) {
    if (obj.features && typeof obj.features === "object") return obj.features as Record<string, number>;
    if (Array.isArray(obj.input_data)) {
      const flat = (obj.input_data as unknown[]).flat(Infinity);
      if (flat.length !== names.length) {
        throw new InputValidationError(`${path}: input_data has ${flat.length} values; the model takes ${names.length} (${names.join(", ")}).`, "input_data");
      }
      return Object.fromEntries(names.map((n, i) => [n, flat[i] as number]));
    }
    return obj as Record<string, number>;
  }
  throw new ZkinferError(`${path}: expected {feature: value}, {"features": {...}} or {"input_data": [[...]]}.`);
}
