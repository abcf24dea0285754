/**
 * The attested variant of a model (docs/ATTESTATION.md): a spec flag that the schema validates, that
 * changes the commitment of the attested model only, and a bundled credit-score-attested spec that
 * must stay the credit-score model with the flag.
 */
import { readFileSync } from "node:fs";
import { expect } from "chai";
import { bundledSpecPath } from "../../prover/artifacts/paths.js";
import { SpecValidationError } from "../../prover/errors.js";
import { modelCommitment } from "../../prover/circuit/commitment.js";
import { lowerModel } from "../../prover/model/ir.js";
import { parseModelSpec, readModelSpec } from "../../prover/model/spec.js";

const CREDIT_SCORE_COMMITMENT = 7614084099000087185797603467037373784996792947780727891158856712977389655523n;

describe("attested model specs", () => {
  const plain = readModelSpec(bundledSpecPath("credit-score"));
  const attested = readModelSpec(bundledSpecPath("credit-score-attested"));

  it("bundles credit-score-attested as credit-score's features, layers and scales with the attestation flag", () => {
    expect(attested.attestation).to.deep.equal({ scheme: "eddsa-poseidon-v1" });
    expect(plain.attestation).to.equal(undefined);
    expect(attested.features).to.deep.equal(plain.features);
    expect(attested.layers).to.deep.equal(plain.layers);
    expect(attested.fixedPoint).to.deep.equal(plain.fixedPoint);
  });

  it("gives the attested model its own commitment and leaves the plain model's unchanged", async () => {
    const plainIr = lowerModel(plain);
    expect(plainIr).to.not.have.property("attestation");
    const plainCommitment = await modelCommitment(plainIr);
    expect(await modelCommitment(lowerModel(attested))).to.not.equal(plainCommitment);
    // Pinned: registered deployments depend on it, so a change here is a reviewed event, never a side
    // effect. Attestation left it unchanged; it last changed with credit-score 1.2.0, when the layer IR was
    // retired and the model became one graph of operator families (commitment domain zkinfer/model/v2).
    expect(plainCommitment).to.equal(CREDIT_SCORE_COMMITMENT);
  });

  it("rejects an unknown attestation scheme, naming the field", () => {
    const json = JSON.parse(readFileSync(bundledSpecPath("credit-score-attested"), "utf8"));
    let error: unknown;
    try {
      parseModelSpec({ ...json, attestation: { scheme: "rsa-v1" } });
    } catch (e) {
      error = e;
    }
    expect(error).to.be.instanceOf(SpecValidationError);
    expect((error as SpecValidationError).issues.map((i) => i.path)).to.include("attestation.scheme");
  });
});
