/**
 * The German Credit accuracy bounty (issue 17): the sponsor's task definition.
 *
 * - Test set: the held-out applicants of the project's 70/30 stratified split (germanCreditSplit,
 *   seed 20240607, the split every bundled credit model was evaluated on), in split order; the
 *   first `count` of them (300 = the whole held-out split; tests use a prefix). Features are the
 *   integers of prover/data/germanCredit.ts (inputBits 0), labels 1 = good risk.
 * - Architecture: a linear score over those 19 features, label 1 when score >= 0, weights at 2^10
 *   (the bias at the accumulator scale 2^10 too) with FIXED widths 11 and 12 bits signed: every
 *   weight in [-1, 1) and the bias in [-2, 2) in real units. Fixed, because the circuit (and the
 *   verifier the bounty pins) is built before any modeller has weights. The widths are the cost
 *   knob: each sample's comparison costs bitLength(sum_i |x_i| 2^10 + 2^11) + 1 constraints, which
 *   credit_amount (up to 18,424 DM in the test split) dominates; at 2^10 the 300 comparisons cost
 *   6,806 constraints and the circuit fits a 2^13 powers of tau.
 */
import { parseModelSpec, type ModelSpec } from "../model/specSchema.js";
import type { TestSet } from "../model/testSet.js";
import { ZkinferError } from "../errors.js";
import { GERMAN_CREDIT_FEATURES, germanCreditSplit, loadGermanCredit } from "./germanCredit.js";

/** The held-out split's size: the whole bounty test set. */
export const GERMAN_CREDIT_TEST_SAMPLES = 300;

/** The bounty architecture's fixed point and fixed weight widths (see the file comment). */
export const GERMAN_CREDIT_BOUNTY_ARCHITECTURE = {
  fixedPoint: { inputBits: 0, weightBits: 10, activationBits: 10 },
  /** Signed bits of the weights segment, then of the bias segment. */
  weightWidths: [11, 12],
} as const;

/** The first `count` applicants of the held-out split, as a bounty test set. */
export function germanCreditTestSet(count: number = GERMAN_CREDIT_TEST_SAMPLES): TestSet {
  const { x, y } = loadGermanCredit();
  const test = germanCreditSplit().test;
  if (!Number.isInteger(count) || count < 1 || count > test.length) throw new ZkinferError(`count = ${count}: the held-out split has 1..${test.length} applicants`);
  const rows = test.slice(0, count);
  return {
    inputScale: GERMAN_CREDIT_BOUNTY_ARCHITECTURE.fixedPoint.inputBits,
    features: GERMAN_CREDIT_FEATURES.map((f) => f.name),
    samples: rows.map((i) => x[i]!.map((v) => BigInt(v))),
    labels: rows.map((i) => y[i]!),
  };
}

export interface GermanCreditBountyModelParameters {
  name: string;
  /** One real weight per feature (GERMAN_CREDIT_FEATURES order), each in [-1, 1) after rounding at 2^10. */
  weights: readonly number[];
  /** In [-2, 2). */
  bias: number;
  /** The commitment's secret salt (decimal string below the field size). */
  weightSalt: string;
  metadata?: Record<string, unknown>;
}

/**
 * A modeller's model in the bounty architecture, as a model spec (private weights at the fixed
 * widths). With zero weights it is the sponsor's architecture, from which the circuit is built.
 */
export function germanCreditBountyModel({ name, weights, bias, weightSalt, metadata }: GermanCreditBountyModelParameters): ModelSpec {
  if (weights.length !== GERMAN_CREDIT_FEATURES.length) throw new ZkinferError(`weights has ${weights.length} entries; the bounty model takes ${GERMAN_CREDIT_FEATURES.length} features`);
  return parseModelSpec({
    name,
    version: "1.0.0",
    description: "Linear score over the German Credit features (label good when score >= 0), accuracy-bounty architecture.",
    fixedPoint: GERMAN_CREDIT_BOUNTY_ARCHITECTURE.fixedPoint,
    features: GERMAN_CREDIT_FEATURES.map(({ name: n, unit, description, min, max }) => ({ name: n, unit, description, min, max })),
    layers: [
      { type: "dense", weights: [[...weights]], bias: [bias] },
      { type: "output", outputs: [{ name: "score", unit: "logit", description: "log-odds of a good credit risk" }] },
    ],
    visibility: { weights: "private", weightSalt, weightWidths: [...GERMAN_CREDIT_BOUNTY_ARCHITECTURE.weightWidths] },
    ...(metadata ? { metadata } : {}),
  });
}
