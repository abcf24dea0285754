import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { expect } from "chai";
import {
  DEFAULT_SPLIT_SEED,
  FEATURE_NAMES,
  GERMAN_CREDIT_FEATURES,
  applicantFeatures,
  applicantLabel,
  germanCreditSplit,
  loadGermanCredit,
  parseGermanCredit,
} from "../../prover/data/germanCredit.js";
import { lowerModel } from "../../prover/model/ir.js";
import { runReference } from "../../prover/model/interpret.js";
import { parseModelSpec } from "../../prover/model/spec.js";

const SPEC_PATH = fileURLToPath(new URL("../../models/credit-score/spec.json", import.meta.url));

describe("German Credit data", () => {
  describe("loader", () => {
    it("loads 1,000 applicants, 700 good and 300 bad", () => {
      const { x, y } = loadGermanCredit();
      expect(x).to.have.length(1000);
      expect(y).to.have.length(1000);
      expect(y.filter((v) => v === 1)).to.have.length(700);
      expect(y.filter((v) => v === 0)).to.have.length(300);
      for (const row of x) expect(row).to.have.length(GERMAN_CREDIT_FEATURES.length);
    });

    it("declares at least 12 uniquely named snake_case features with unit, description and bounds", () => {
      expect(GERMAN_CREDIT_FEATURES.length).to.be.at.least(12);
      expect(new Set(FEATURE_NAMES).size).to.equal(FEATURE_NAMES.length);
      for (const f of GERMAN_CREDIT_FEATURES) {
        expect(f.name).to.match(/^[a-z][a-z0-9_]*$/);
        expect(f.unit).to.be.a("string").that.is.not.empty;
        expect(f.description).to.be.a("string").that.is.not.empty;
        expect(Number.isInteger(f.min) && Number.isInteger(f.max), f.name).to.equal(true);
        expect(f.min, f.name).to.be.at.most(f.max);
      }
    });

    it("encodes every value as an integer within its feature's declared bounds", () => {
      const { x } = loadGermanCredit();
      x.forEach((row, i) =>
        row.forEach((v, j) => {
          const f = GERMAN_CREDIT_FEATURES[j];
          const where = `applicant ${i}, ${f.name} = ${v}`;
          expect(Number.isInteger(v), where).to.equal(true);
          expect(v, where).to.be.within(f.min, f.max);
        }),
      );
    });

    it("encodes the first applicant as documented", () => {
      // A11 6 A34 A43 1169 A65 A75 4 A93 A101 4 A121 67 A143 A152 2 A173 1 A192 A201 -> good
      expect(applicantFeatures(0)).to.deep.equal({
        checking_account: 1,
        duration_months: 6,
        credit_history: 4,
        purpose_new_car: 0,
        purpose_used_car: 0,
        credit_amount: 1169,
        savings: 0,
        employment: 4,
        installment_rate: 4,
        has_guarantor: 0,
        residence_since: 4,
        property: 3,
        age_years: 67,
        other_installment_plans: 0,
        owns_home: 1,
        existing_credits: 2,
        job: 2,
        dependents: 1,
        has_telephone: 1,
      });
      expect(applicantLabel(0)).to.equal(1);
      expect(applicantLabel(1)).to.equal(0);
    });

    it("gives applicant rows keyed by feature name, and rejects a bad index", () => {
      const { x } = loadGermanCredit();
      const row = applicantFeatures(999);
      expect(Object.keys(row)).to.deep.equal([...FEATURE_NAMES]);
      expect(Object.values(row)).to.deep.equal(x[999]);
      expect(() => applicantFeatures(1000)).to.throw(RangeError);
      expect(() => applicantFeatures(-1)).to.throw(RangeError);
      expect(() => applicantFeatures(1.5)).to.throw(RangeError);
    });

    it("also reads the UCI original (no header, bad = 2) and rejects unknown codes", () => {
      const line = "A12 48 A32 A43 5951 A61 A73 2 A92 A101 2 A121 22 A143 A152 1 A173 1 A191 A201";
      const parsed = parseGermanCredit(`${line} 2\n${line.replace("A12", "A13")} 1\n`);
      expect(parsed.y).to.deep.equal([0, 1]);
      expect(parsed.x[0][0]).to.equal(2);
      expect(parsed.x[1][0]).to.equal(3);
      expect(() => parseGermanCredit(`${line.replace("A61", "A66")} 1\n`)).to.throw(/line 1: attribute 6 has unknown code "A66"/);
      expect(() => parseGermanCredit(`${line} 3\n`)).to.throw(/label is "3"/);
      expect(() => parseGermanCredit(`${line}\n`)).to.throw(/expected 21 columns/);
    });
  });

  describe("train/test split", () => {
    it("is 70/30, disjoint, covers every applicant and is stratified by label", () => {
      const { y } = loadGermanCredit();
      const { train, test } = germanCreditSplit();
      expect(train).to.have.length(700);
      expect(test).to.have.length(300);
      const all = new Set([...train, ...test]);
      expect(all.size).to.equal(1000);
      for (const i of all) expect(i).to.be.within(0, 999);
      expect(train.filter((i) => y[i] === 1)).to.have.length(490);
      expect(test.filter((i) => y[i] === 1)).to.have.length(210);
    });

    it("is deterministic for a seed and changes with the seed", () => {
      expect(germanCreditSplit()).to.deep.equal(germanCreditSplit(DEFAULT_SPLIT_SEED));
      expect(germanCreditSplit(DEFAULT_SPLIT_SEED)).to.deep.equal(germanCreditSplit(DEFAULT_SPLIT_SEED));
      expect(germanCreditSplit(DEFAULT_SPLIT_SEED + 1).test).to.not.deep.equal(germanCreditSplit(DEFAULT_SPLIT_SEED).test);
    });
  });

  describe("the bundled credit-score model", () => {
    const raw: unknown = JSON.parse(readFileSync(SPEC_PATH, "utf8"));

    it("validates with parseModelSpec", () => {
      const spec = parseModelSpec(raw, SPEC_PATH);
      expect(spec.name).to.equal("credit-score");
      expect(spec.version).to.equal("1.2.0");
      expect(spec.fixedPoint.inputBits).to.equal(0);
      expect(spec.layers.map((l) => l.type)).to.deep.equal(["dense", "relu", "dense", "output"]);
    });

    it("takes exactly the loader's features, bounds included", () => {
      const spec = parseModelSpec(raw, SPEC_PATH);
      expect(spec.features).to.deep.equal(GERMAN_CREDIT_FEATURES.map((f) => ({ ...f })));
    });

    it("reaches the quantized test accuracy recorded in its metadata", () => {
      const spec = parseModelSpec(raw, SPEC_PATH);
      const ir = lowerModel(spec);
      const { test } = germanCreditSplit(Number((spec.metadata?.split as { seed: number }).seed));
      const right = test.filter((i) => (runReference(ir, applicantFeatures(i)).outputs[0] >= 0n ? 1 : 0) === applicantLabel(i)).length;
      const accuracy = right / test.length;
      expect(accuracy).to.equal(spec.metadata?.quantizedAccuracy);
      expect(accuracy).to.be.at.least(0.72);
    });
  });
});
