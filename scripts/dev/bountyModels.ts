/**
 * The demo's and tests' modellers for the German Credit accuracy bounty (prover/data/germanCreditBounty.ts):
 *
 * - `credit-logistic-bounty`: the bundled credit-logistic regression (models/credit-logistic, trained by
 *   `npm run train:credit-models` on the 700 training applicants) re-quantized to the bounty's fixed
 *   point (weights at 2^10): 74.7% in float on the 300 held-out applicants, 72.7% (218) quantized.
 * - `majority-baseline`: zero weights and a positive bias, i.e. "every applicant is a good risk":
 *   exactly the share of good risks (210 of 300 = 70%), the bar a bounty should be set above.
 */
import { readFileSync } from "node:fs";
import { bundledSpecPath } from "../../prover/artifacts/paths.js";
import { GERMAN_CREDIT_FEATURES } from "../../prover/data/germanCredit.js";
import { germanCreditBountyModel } from "../../prover/data/germanCreditBounty.js";
import { lowerModel, type ModelIR } from "../../prover/model/ir.js";

/** The bundled logistic regression's float weights, in the bounty architecture, with `weightSalt`. */
export function creditLogisticBountyModel(weightSalt: string): ModelIR {
  const spec = JSON.parse(readFileSync(bundledSpecPath("credit-logistic"), "utf8")) as { layers: [{ weights: [number[]]; bias: [number] }] };
  const layer = spec.layers[0];
  return lowerModel(germanCreditBountyModel({ name: "credit-logistic-bounty", weights: layer.weights[0], bias: layer.bias[0], weightSalt }));
}

/** "Everyone is a good risk": the majority-class baseline, which a bounty's target must exceed. */
export function majorityBaselineModel(weightSalt: string): ModelIR {
  return lowerModel(germanCreditBountyModel({ name: "majority-baseline", weights: GERMAN_CREDIT_FEATURES.map(() => 0), bias: 1, weightSalt }));
}

/** The sponsor's architecture (zero weights): what the bounty circuit is built from. */
export function bountyArchitecture(): ModelIR {
  return lowerModel(germanCreditBountyModel({ name: "credit-bounty", weights: GERMAN_CREDIT_FEATURES.map(() => 0), bias: 0, weightSalt: "1" }));
}
