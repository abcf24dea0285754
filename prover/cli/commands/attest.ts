/**
 * `zkinfer attest <record.json> --key <file> --out <file>`: a bureau signs an applicant's record
 * (docs/ATTESTATION.md). The record is `{ "subject": "0x…", "features": { name: value, … },
 * "issuedAt"?: unix seconds, "expiresAt"?: unix seconds }`; it is validated against the model's
 * spec (feature names and declared ranges) before signing. Without issuedAt it is now; without
 * expiresAt it is issuedAt + --valid-for (default 30 days).
 */
import { readFileSync, writeFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { bundledSpecPath } from "../../artifacts/paths.js";
import { attestationToJson, parseRecord, signAttestation } from "../../attest/attestation.js";
import { AttestationFormatError } from "../../attest/errors.js";
import { readAttesterKeyFile } from "../../attest/keyFile.js";
import { lowerModel } from "../../model/ir.js";
import { readModelSpec } from "../../model/spec.js";
import type { Command } from "../command.js";
import { UsageError } from "../usage.js";

const DEFAULT_VALIDITY_SECONDS = 30 * 24 * 3600;

export const command: Command = {
  usage: "<record.json> --key <file> --out <file> [--model <spec.json>] [--valid-for <seconds>]",
  summary:
    "Signs an applicant's record as an attester: checks its features against the model spec (default the bundled " +
    "credit-score-attested), then writes the signed attestation the applicant proves with (zkinfer prove-attested).",
  async run(argv) {
    const { positionals, values } = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        key: { type: "string" },
        out: { type: "string" },
        model: { type: "string", default: bundledSpecPath("credit-score-attested") },
        "valid-for": { type: "string", default: String(DEFAULT_VALIDITY_SECONDS) },
      },
    });
    if (positionals.length !== 1 || !values.key || !values.out) {
      throw new UsageError("expected <record.json>, --key <file> and --out <file>");
    }
    const validFor = Number(values["valid-for"]);
    if (!Number.isSafeInteger(validFor) || validFor <= 0) {
      throw new UsageError(`--valid-for must be a positive whole number of seconds, got ${values["valid-for"]}`);
    }
    const ir = lowerModel(readModelSpec(values.model));
    let json: unknown;
    try {
      json = JSON.parse(readFileSync(positionals[0]!, "utf8"));
    } catch (cause) {
      throw new AttestationFormatError(`cannot read the record ${positionals[0]}: ${(cause as Error).message}`, "(root)");
    }
    const record = parseRecord(json, `record ${positionals[0]}`);
    const issuedAt = record.issuedAt ?? Math.floor(Date.now() / 1000);
    const key = await readAttesterKeyFile(values.key);
    const attestation = await signAttestation({
      ir,
      key,
      record: { subject: record.subject, features: record.features, issuedAt, expiresAt: record.expiresAt ?? issuedAt + validFor },
    });
    writeFileSync(values.out, JSON.stringify(attestationToJson(attestation), null, 2) + "\n");
    console.log(
      `wrote ${values.out}: ${ir.name} features of ${attestation.subject}, valid ` +
        `${new Date(attestation.issuedAt * 1000).toISOString()} to ${new Date(attestation.expiresAt * 1000).toISOString()}, ` +
        `signed by key ${attestation.attester.keyHash}`,
    );
  },
};
