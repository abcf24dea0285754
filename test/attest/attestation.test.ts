/**
 * Attestations in TypeScript (docs/ATTESTATION.md): the format, the checks the prover runs before
 * proving (each refusal a typed error naming what is wrong), key files, and the CLI's key hygiene.
 */
import { mkdtempSync, readFileSync, statSync, chmodSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import { signalIndex } from "../../prover/abi/publicSignals.js";
import { bundledSpecPath } from "../../prover/artifacts/paths.js";
import {
  SUBGROUP_ORDER,
  attestationSchemaId,
  attestationToJson,
  generateAttesterKey,
  parseAttestation,
  signAttestation,
  verifyAttestation,
  type Attestation,
  type AttesterKey,
} from "../../prover/attest/attestation.js";
import { readAttesterKeyFile, writeAttesterKeyFile } from "../../prover/attest/keyFile.js";
import { main } from "../../prover/cli/main.js";
import { applicantFeatures } from "../../prover/data/germanCredit.js";
import { lowerModel, type ModelIR } from "../../prover/model/ir.js";
import { readModelSpec } from "../../prover/model/spec.js";
import { ModelProver } from "../../prover/prove/prover.js";

const ALICE = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8";
const BOB = "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC";
const NOW = 1_800_000_000;

/** Runs `fn` and returns the error it throws (failing the test if it does not). */
async function errorOf(fn: () => Promise<unknown>): Promise<Error> {
  try {
    await fn();
  } catch (e) {
    return e as Error;
  }
  throw new Error("expected an error");
}

describe("attestations (TypeScript)", () => {
  let ir: ModelIR;
  let key: AttesterKey;
  let att: Attestation;

  before(async () => {
    ir = lowerModel(readModelSpec(bundledSpecPath("credit-score-attested")));
    key = await generateAttesterKey();
    att = await signAttestation({ ir, key, record: { subject: ALICE, features: applicantFeatures(3), issuedAt: NOW - 60, expiresAt: NOW + 3600 } });
  });

  describe("format v1", () => {
    it("verifies a fresh attestation and survives a JSON round trip", async () => {
      const json = JSON.parse(JSON.stringify(attestationToJson(att)));
      const parsed = parseAttestation(json);
      expect(parsed).to.deep.equal(att);
      const verified = await verifyAttestation(ir, parsed, { now: NOW });
      expect(verified.subject).to.equal(BigInt(ALICE));
    });

    it("names the bad field of a malformed file", () => {
      const json = attestationToJson(att) as Record<string, any>;
      const bad = { ...json, signature: { ...json.signature, S: "0x12" } };
      expect(() => parseAttestation(bad))
        .to.throw(/signature\.S: must be a decimal integer string/)
        .with.property("name", "AttestationFormatError");
      expect(() => parseAttestation({ ...json, format: "zkinfer-attestation/v0" })).to.throw(/format/);
    });

    it("ties the signature to the model's feature schema (names, units, input scale)", async () => {
      const renamed = { ...ir, features: ir.features.map((f, i) => (i === 0 ? { ...f, name: "other_feature" } : f)) };
      expect(attestationSchemaId(renamed)).to.not.equal(attestationSchemaId(ir));
      const e = await errorOf(() => verifyAttestation(renamed, att, { now: NOW }));
      expect(e.name).to.equal("AttestationFormatError");
      expect((e as { field?: string }).field).to.equal("schemaId");
    });
  });

  describe("refusals before proving", () => {
    let prover: ModelProver;
    before(async function () {
      this.timeout(120_000);
      prover = await ModelProver.load(bundledSpecPath("credit-score-attested"));
    });

    const proveWith = (a: Attestation, overrides: Partial<Parameters<ModelProver["prove"]>[0]> = {}) =>
      prover.prove({ features: a.features, subject: a.subject, nonce: 1n, attestation: a, now: NOW, ...overrides });

    it("refuses a feature changed after signing with AttestationSignatureError", async () => {
      const forged = { ...att, features: { ...att.features, checking_account: 3 } };
      const e = await errorOf(() => proveWith(forged));
      expect(e.name).to.equal("AttestationSignatureError");
      expect(e.message).to.match(/changed after signing/);
    });

    it("refuses a subject or window changed after signing with AttestationSignatureError", async () => {
      for (const forged of [
        { ...att, subject: BOB },
        { ...att, expiresAt: att.expiresAt + 1 },
        { ...att, issuedAt: att.issuedAt - 1 },
      ]) {
        expect((await errorOf(() => proveWith(forged))).name).to.equal("AttestationSignatureError");
      }
    });

    it("refuses S not below the subgroup order (a malleated signature) with AttestationSignatureError", async () => {
      const malleated = { ...att, signature: { ...att.signature, S: att.signature.S + SUBGROUP_ORDER } };
      const e = await errorOf(() => proveWith(malleated));
      expect(e.name).to.equal("AttestationSignatureError");
      expect(e.message).to.match(/not below the Baby Jubjub subgroup order/);
    });

    it("refuses another key presented under the attested key hash", async () => {
      const other = await generateAttesterKey();
      const swapped = { ...att, attester: { publicKey: other.publicKey, keyHash: att.attester.keyHash } };
      expect((await errorOf(() => proveWith(swapped))).name).to.equal("AttestationFormatError");
      const resigned = { ...att, attester: { publicKey: other.publicKey, keyHash: other.keyHash } };
      expect((await errorOf(() => proveWith(resigned))).name).to.equal("AttestationSignatureError");
    });

    it("refuses to prove for another subject than the attested one with AttestationSubjectError", async () => {
      const e = await errorOf(() => proveWith(att, { subject: BOB }));
      expect(e.name).to.equal("AttestationSubjectError");
    });

    it("refuses features other than the attested ones with AttestationFeatureMismatchError naming the feature", async () => {
      const e = await errorOf(() => proveWith(att, { features: { ...att.features, savings: att.features.savings === 4 ? 3 : 4 } }));
      expect(e.name).to.equal("AttestationFeatureMismatchError");
      expect((e as { feature?: string }).feature).to.equal("savings");
    });

    it("refuses an expired or not yet valid attestation (AttestationExpiredError, AttestationNotYetValidError)", async () => {
      expect((await errorOf(() => proveWith(att, { now: att.expiresAt }))).name).to.equal("AttestationExpiredError");
      expect((await errorOf(() => proveWith(att, { now: att.issuedAt - 1 }))).name).to.equal("AttestationNotYetValidError");
    });

    it("refuses to prove the attested model without an attestation, naming the parameter", async () => {
      const e = await errorOf(() => prover.prove({ features: att.features, subject: ALICE, nonce: 1n }));
      expect(e.name).to.equal("AttestationFormatError");
      expect((e as { field?: string }).field).to.equal("attestation");
    });

    it("refuses a signed record whose feature is outside the declared range, naming it, before signing", async () => {
      const e = await errorOf(() =>
        signAttestation({ ir, key, record: { subject: ALICE, features: { ...att.features, credit_amount: 20_001 }, issuedAt: NOW, expiresAt: NOW + 1 } }),
      );
      expect(e.name).to.equal("InputValidationError");
      expect(e.message).to.match(/credit_amount.*\[0, 20000\]/);
    });
  });

  describe("key files and the CLI", () => {
    let dir: string;
    before(() => {
      dir = mkdtempSync(join(tmpdir(), "zkinfer-keys-"));
    });

    it("writes key files with mode 0600, reads them back, and refuses to overwrite one", async () => {
      const path = join(dir, "bureau.key");
      writeAttesterKeyFile(path, key);
      expect(statSync(path).mode & 0o777).to.equal(0o600);
      const back = await readAttesterKeyFile(path);
      expect(back.keyHash).to.equal(key.keyHash);
      expect(() => writeAttesterKeyFile(path, key)).to.throw(/already exists/);
    });

    it("refuses a key file others can read, and one whose public key is not its private key's", async () => {
      const path = join(dir, "loose.key");
      writeAttesterKeyFile(path, key);
      chmodSync(path, 0o644);
      expect((await errorOf(() => readAttesterKeyFile(path))).message).to.match(/readable by others.*chmod 600/);
      const other = await generateAttesterKey();
      const mixed = join(dir, "mixed.key");
      writeAttesterKeyFile(mixed, key);
      const json = JSON.parse(readFileSync(mixed, "utf8"));
      writeFileSync(mixed, JSON.stringify({ ...json, keyHash: other.keyHash.toString() }), { mode: 0o600 });
      expect((await errorOf(() => readAttesterKeyFile(mixed))).message).to.match(/inconsistent/);
    });

    it("`attester keygen` writes a 0600 key and never prints the private key; `attest` signs a record with it", async () => {
      const keyPath = join(dir, "cli.key");
      const lines: string[] = [];
      const log = console.log;
      console.log = (...args: unknown[]) => void lines.push(args.join(" "));
      try {
        expect(await main(["attester", "keygen", "--out", keyPath])).to.equal(0);
      } finally {
        console.log = log;
      }
      expect(statSync(keyPath).mode & 0o777).to.equal(0o600);
      const { privateKey, keyHash } = JSON.parse(readFileSync(keyPath, "utf8"));
      expect(lines.join("\n")).to.not.include(privateKey);
      expect(lines.join("\n")).to.include(keyHash);

      const recordPath = join(dir, "record.json");
      const outPath = join(dir, "attestation.json");
      writeFileSync(recordPath, JSON.stringify({ subject: ALICE, features: applicantFeatures(3), issuedAt: NOW, expiresAt: NOW + 60 }));
      console.log = () => {};
      try {
        expect(await main(["attest", recordPath, "--key", keyPath, "--out", outPath])).to.equal(0);
      } finally {
        console.log = log;
      }
      const signed = parseAttestation(JSON.parse(readFileSync(outPath, "utf8")));
      expect(signed.attester.keyHash.toString()).to.equal(keyHash);
      await verifyAttestation(ir, signed, { now: NOW });
    });

    it("`prove-attested` proves a signed record, and refuses a record changed after signing before proving", async function () {
      this.timeout(120_000);
      const now = Math.floor(Date.now() / 1000);
      const signed = await signAttestation({ ir, key, record: { subject: ALICE, features: applicantFeatures(3), issuedAt: now - 60, expiresAt: now + 3600 } });
      const attPath = join(dir, "signed.json");
      const forgedPath = join(dir, "forged.json");
      const proofPath = join(dir, "proof.json");
      writeFileSync(attPath, JSON.stringify(attestationToJson(signed)));
      writeFileSync(forgedPath, JSON.stringify(attestationToJson({ ...signed, features: { ...signed.features, duration_months: 6 } })));

      const log = console.log;
      const error = console.error;
      const errors: string[] = [];
      console.log = () => {};
      console.error = (...args: unknown[]) => void errors.push(args.join(" "));
      try {
        expect(await main(["prove-attested", attPath, "--nonce", "7", "--out", proofPath])).to.equal(0);
        expect(await main(["prove-attested", forgedPath, "--nonce", "7", "--out", join(dir, "never.json")])).to.equal(1);
      } finally {
        console.log = log;
        console.error = error;
      }
      const out = JSON.parse(readFileSync(proofPath, "utf8"));
      expect(statSync(proofPath).mode & 0o777, "the proof file holds the salt").to.equal(0o600);
      expect(out.publicSignals).to.have.length(7);
      expect(BigInt(out.publicSignals[signalIndex("attesterKeyHash", 1)])).to.equal(key.keyHash);
      expect(errors.join("\n")).to.match(/signature does not verify.*changed after signing/);
    });
  });
});
