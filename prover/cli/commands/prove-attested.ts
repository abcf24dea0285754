/**
 * `zkinfer prove-attested <attestation.json> --nonce <n> --out <proof.json>`: an applicant proves the
 * model's output on bureau-attested features (docs/ATTESTATION.md). The attestation is checked
 * first (signature, schema, ranges, validity now), so a record changed after signing is refused
 * before any proving. The model must be built (`zkinfer build <spec>`).
 */
import { readFileSync, writeFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { assertBuilt } from "../../artifacts/models.js";
import { bundledSpecPath } from "../../artifacts/paths.js";
import { decodeOutputs } from "../../model/interpret.js";
import { readModelSpec } from "../../model/spec.js";
import { formatOutputs, parseNonce } from "../args.js";
import { parseAttestation } from "../../attest/attestation.js";
import { AttestationFormatError } from "../../attest/errors.js";
import { ModelProver } from "../../prove/prover.js";
import type { Command } from "../command.js";
import { UsageError } from "../usage.js";

export const command: Command = {
  usage: "<attestation.json> --nonce <n> --out <proof.json> [--model <model-dir|spec.json>]",
  summary:
    "Proves an attested model (default the bundled credit-score-attested) on the features of a signed attestation, " +
    "for its subject, and writes the proof, public signals and calldata to --out (with the input-commitment salt: keep it private).",
  async run(argv, ctx) {
    const { positionals, values } = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        nonce: { type: "string" },
        out: { type: "string" },
        model: { type: "string", default: bundledSpecPath("credit-score-attested") },
      },
    });
    if (positionals.length !== 1 || !values.out) throw new UsageError("expected <attestation.json>, --nonce <n> and --out <proof.json>");
    const nonce = parseNonce(values.nonce);
    const specPath = ctx.spec(values.model);
    let json: unknown;
    try {
      json = JSON.parse(readFileSync(positionals[0]!, "utf8"));
    } catch (cause) {
      throw new AttestationFormatError(`cannot read the attestation ${positionals[0]}: ${(cause as Error).message}`, "(root)");
    }
    const attestation = parseAttestation(json, `attestation ${positionals[0]}`);
    assertBuilt(readModelSpec(specPath).name, specPath);
    const prover = await ModelProver.load(specPath);
    const proved = await prover.prove({ features: attestation.features, subject: attestation.subject, nonce, attestation });
    const out = {
      model: prover.ir.name,
      subject: attestation.subject,
      publicSignals: proved.publicSignals.map(String),
      proof: proved.proof,
      proofBytes: proved.proofBytes,
      salt: proved.salt.toString(),
    };
    writeFileSync(values.out, JSON.stringify(out, null, 2) + "\n", { mode: 0o600 });
    console.log(
      `wrote ${values.out}: ${prover.ir.name} proof for ${attestation.subject}, nonce ${nonce}, outputs ${formatOutputs(prover.ir, decodeOutputs(prover.ir, proved.reference.outputs))}`,
    );
  },
};
