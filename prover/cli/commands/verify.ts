/**
 * `zkinfer verify <model> <proof.json>`: checks a proof off-chain against the model's verification
 * key, and that its model commitment is this model's (a proof of another model, or of another
 * version of this one, is refused even if it verifies under its own key).
 */
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { ZkinferError } from "../../errors.js";
import type { SnarkProof } from "../../prove/calldata.js";
import type { Command } from "../command.js";
import { UsageError } from "../usage.js";
import { assertBuilt, BuildArtifactError, buildCommand } from "../../artifacts/models.js";

export const command: Command = {
  usage: "<model|model-dir|spec.json> <proof.json> [--json]",
  summary:
    "Verifies a proof written by `zkinfer prove` against the built model's verification key. Exit 0 when valid, 1 when not. " +
    '--json prints {"valid", "model", "version", "reason"?} as one line.',
  async run(argv, ctx) {
    const { positionals, values } = parseArgs({ args: argv, allowPositionals: true, options: { json: { type: "boolean", default: false } } });
    if (positionals.length !== 2) throw new UsageError("expected a model and a proof file");
    const specPath = ctx.spec(positionals[0]!);
    /** The verdict: one human line, or one JSON line with --json. */
    const verdict = (valid: boolean, reason?: string) => {
      if (values.json) console.log(JSON.stringify({ valid, model: ir.name, version: ir.version, ...(reason === undefined ? {} : { reason }) }));
      else console.log(valid ? `valid proof of ${ir.name}@${ir.version}` : `invalid${reason === undefined ? " proof" : `: ${reason}`}`);
      return valid ? 0 : 1;
    };
    const { verifySnarkProof } = await import("../../prove/core.js");
    const { assertProofSystem, proofSystemOfProof } = await import("../../prove/calldata.js");
    const { proofSystemOf } = await import("../../model/specSchema.js");
    const { artifactPath } = await import("../../artifacts/paths.js");
    const { lowerModel, publicInputCount, publicOutputCount } = await import("../../model/ir.js");
    const { readModelSpec } = await import("../../model/spec.js");
    const { recordedModelCommitment } = await import("../../artifacts/circuitRecord.js");
    const { decodePublicSignals, publicInputInBounds } = await import("../../abi/publicSignals.js");
    const spec = readModelSpec(specPath);
    const ir = lowerModel(spec);
    let file: { proof?: unknown; publicSignals?: unknown; proofSystem?: unknown };
    try {
      file = JSON.parse(readFileSync(positionals[1]!, "utf8"));
    } catch (cause) {
      throw new ZkinferError(`${positionals[1]} is not valid JSON: ${(cause as Error).message}`, { cause });
    }
    if (!isSnarkProof(file.proof) || !Array.isArray(file.publicSignals))
      throw new ZkinferError(`${positionals[1]} has no proof and publicSignals (write it with \`zkinfer prove\`).`);
    // A proof of another system than the model's is refused by name, before any key is read.
    const system = proofSystemOf(spec);
    assertProofSystem(file.proof, system, `${ir.name}'s proof system`);
    if (file.proofSystem !== undefined && file.proofSystem !== proofSystemOfProof(file.proof)) {
      throw new ZkinferError(
        `${positionals[1]} says proofSystem ${String(file.proofSystem)} but its proof is ${proofSystemOfProof(file.proof)}: the file was edited or mixed up.`,
      );
    }
    assertBuilt(ir.name, specPath, ["vkey"]);
    const vkey = JSON.parse(readFileSync(artifactPath(ir.name, "vkey"), "utf8")) as { nPublic?: unknown; protocol?: unknown };
    if (vkey.protocol !== system) {
      throw new BuildArtifactError(
        `${ir.name}'s built verification key is ${String(vkey.protocol)}, its spec says ${system}: rebuild with \`${buildCommand(specPath)}\`.`,
      );
    }
    let signals: ReturnType<typeof decodePublicSignals>;
    try {
      signals = decodePublicSignals(file.publicSignals as string[], publicOutputCount(ir), {
        attested: ir.attestation !== undefined,
        publicInputs: publicInputCount(ir),
      });
    } catch (cause) {
      throw new ZkinferError(`${positionals[1]}'s public signals are not ${ir.name}'s layout: ${(cause as Error).message}`, { cause });
    }
    // The build's recorded commitment, checked against the spec and the artifacts (no re-rendering).
    if (signals.modelCommitment !== (await recordedModelCommitment(ir, specPath)))
      return verdict(false, `the proof's model commitment is not ${ir.name}@${ir.version}'s`);
    // Public inputs are bounded by the verifier, not the circuit (the hub does the same check).
    const bad = (signals.inputs ?? []).findIndex((q) => !publicInputInBounds(q, ir.visibility.publicInputBits!));
    if (bad >= 0) {
      return verdict(
        false,
        `public input \`${ir.features[bad]!.name}\` = ${signals.inputs![bad]} (at 2^${ir.inputScale}) is outside [-2^${ir.visibility.publicInputBits}, 2^${ir.visibility.publicInputBits})`,
      );
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
      ok = await verifySnarkProof(vkey, (file.publicSignals as string[]).map(String), file.proof);
    } catch (cause) {
      throw new ZkinferError(
        `snarkjs could not check the proof against ${ir.name}'s verification key (a malformed proof or key): ${(cause as Error).message}`,
        { cause },
      );
    }
    return verdict(ok);
  },
};

/** The shape snarkjs writes: an object whose `protocol` names a system (encodeProof checks its fields). */
function isSnarkProof(value: unknown): value is SnarkProof {
  const p = value as { protocol?: unknown } | null;
  return typeof p === "object" && p !== null && (p.protocol === "groth16" || p.protocol === "plonk" || p.protocol === "fflonk");
}
