/** Spec-validation helper shared by the model tests. */
import { expect } from "chai";
import { SpecValidationError } from "../../prover/errors.js";
import { parseModelSpec } from "../../prover/model/spec.js";

/** The issues `parseModelSpec` reports for `value`, as "path: message"; fails the test if it is accepted. */
export function specIssues(value: unknown): string[] {
  try {
    parseModelSpec(value);
  } catch (e) {
    expect(e).to.be.instanceOf(SpecValidationError);
    return (e as SpecValidationError).issues.map((i) => `${i.path}: ${i.message}`);
  }
  throw new Error("spec was accepted");
}
