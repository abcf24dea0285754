/**
 * `zkinfer verify <model> <proof.json>`: checks a proof off-chain against the model's verification
 * key, and that its model commitment is this model's (a proof of another model, or of another
 * version of this one, is refused even if it verifies under its own key).
 */
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { ZkinferError } from "../../errors.js";
import type { Groth16Proof } from "../../prove/calldata.js";
import type { Command } from "../command.js";
import { UsageError } from "../usage.js";
import { assertBuilt, BuildArtifactError, buildCommand, resolveSpecPath } from "../../artifacts/models.js";

export const command: Command = {
  usage: "<model-dir|spec.json> <proof.json>",
  summary: "Verifies a proof written by `zkinfer prove` against the built model's verification key. Exit 0 when valid, 1 when not.",
  async run(argv) {
    const { positionals } = parseArgs({ args: argv, allowPositionals: true, options: {} });
    if (positionals.length !== 2) throw new UsageError("expected a model and a proof file");
    const specPath = resolveSpecPath(positionals[0]!);
    const snarkjs = await import("snarkjs");
    const { artifactPath } = await import("../../artifacts/paths.js");
    const { lowerModel, publicInputCount, publicOutputCount } = await import("../../model/ir.js");
    const { readModelSpec } = await import("../../model/spec.js");
    const { modelCommitment } = await import("../../model/commitment.js");
    const { decodePublicSignals, publicInputInBounds } = await import("../../abi/publicSignals.js");
    const ir = lowerModel(readModelSpec(specPath));
    let file: { proof?: unknown; publicSignals?: unknown };
    try {
      file = JSON.parse(readFileSync(positionals[1]!, "utf8"));
    } catch (cause) {
      throw new ZkinferError(`${positionals[1]} is not valid JSON: ${(cause as Error).message}`, { cause });
    }
    if (!isGroth16Proof(file.proof) || !Array.isArray(file.publicSignals)) throw new ZkinferError(`${positionals[1]} has no proof and publicSignals (write it with \`zkinfer prove\`).`);
    assertBuilt(ir.name, specPath, ["vkey"]);
    const vkey = JSON.parse(readFileSync(artifactPath(ir.name, "vkey"), "utf8")) as { nPublic?: unknown };
    let signals: ReturnType<typeof decodePublicSignals>;
    try {
      signals = decodePublicSignals(file.publicSignals as string[], publicOutputCount(ir), { attested: ir.attestation !== undefined, publicInputs: publicInputCount(ir) });
    } catch (cause) {
      throw new ZkinferError(`${positionals[1]}'s public signals are not ${ir.name}'s layout: ${(cause as Error).message}`, { cause });
    }
    if (signals.modelCommitment !== (await modelCommitment(ir))) {
      console.log(`invalid: the proof's model commitment is not ${ir.name}@${ir.version}'s`);
      return 1;
    }
    // Public inputs are bounded by the verifier, not the circuit (the hub does the same check).
    const bad = (signals.inputs ?? []).findIndex((q) => !publicInputInBounds(q, ir.visibility.publicInputBits!));
    if (bad >= 0) {
      console.log(`invalid: public input \`${ir.features[bad]!.name}\` = ${signals.inputs![bad]} (at 2^${ir.inputScale}) is outside [-2^${ir.visibility.publicInputBits}, 2^${ir.visibility.publicInputBits})`);
      return 1;
    }
    // A key of another circuit (a build overwritten by another model of the same name) would make
    // snarkjs fail inside its pairing code: say which build does not match instead.
    if (vkey.nPublic !== file.publicSignals.length) {
      throw new BuildArtifactError(
        `The verification key of ${ir.name} takes ${String(vkey.nPublic)} public signals; the proof has ${file.publicSignals.length}. ` +
          `The build does not match this proof's model: rebuild with \`${buildCommand(specPath)}\`, or verify against the model that made the proof.`,
      );
    }
    let ok: boolean;
    try {
      ok = await snarkjs.groth16.verify(vkey, (file.publicSignals as string[]).map(String), file.proof);
    } catch (cause) {
      throw new ZkinferError(`snarkjs could not check the proof against ${ir.name}'s verification key (a malformed proof or key): ${(cause as Error).message}`, { cause });
    }
    console.log(ok ? `valid proof of ${ir.name}@${ir.version}` : "invalid proof");
    return ok ? 0 : 1;
  },
};

/** The shape snarkjs writes: pi_a, pi_b, pi_c as decimal strings. */
function isGroth16Proof(value: unknown): value is Groth16Proof {
  const p = value as Partial<Record<keyof Groth16Proof, unknown>> | null;
  const strings = (v: unknown, n: number) => Array.isArray(v) && v.length >= n && v.every((x) => typeof x === "string");
  return (
    typeof p === "object" && p !== null && strings(p.pi_a, 2) && strings(p.pi_c, 2) &&
    Array.isArray(p.pi_b) && p.pi_b.length >= 2 && p.pi_b.every((row) => strings(row, 2))
  );
}
