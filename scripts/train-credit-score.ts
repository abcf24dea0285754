/**
 * Trains the bundled credit-score model on the Statlog (German Credit) data and writes
 * models/credit-score/spec.json.            npm run train   (= npx tsx scripts/train-credit-score.ts)
 *
 * Model: features -> H ReLU -> 1 logit (log-odds of a good credit risk). Plain TypeScript, no
 * dependencies: standardized inputs, mini-batch Adam on binary cross-entropy with L2 on the
 * weights, early stopping on a validation slice of the training split. Every random choice comes
 * from a seeded PRNG, so each run writes the same file byte for byte.
 *
 * Steps:
 *   1. stratified 70/30 train/test split (prover/data/germanCredit.ts);
 *   2. model selection by 5-fold cross-validation (3 repeats) on the training split only: for each
 *      width the L2 with the lowest CV loss, then the smallest width whose CV accuracy is within
 *      0.5 points of the best width's;
 *   3. the final model: fit on 80% of the training split, early-stopped on the other 20%;
 *   4. the standardization is folded into the first dense layer, so the spec takes the raw
 *      integer features: w' = w / std, b' = b - sum_i w_i * mean_i / std_i;
 *   5. float accuracy of the folded spec and quantized accuracy of the exact integer semantics the
 *      circuit proves (prover/model: lowerModel + runReference), on test and train.
 *
 * The test split is used for reporting only, never for a choice.
 */
import { createHash } from "node:crypto";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { fileURLToPath } from "node:url";
import {
  DEFAULT_SPLIT_SEED,
  GERMAN_CREDIT_FEATURES,
  GERMAN_CREDIT_PATH,
  TRAIN_FRACTION,
  applicantFeatures,
  germanCreditSplit,
  loadGermanCredit,
  seededRandom,
  shuffled,
  stratifiedSplit,
} from "../prover/data/germanCredit.js";
import { lowerModel, type ModelIR } from "../prover/model/ir.js";
import type { GraphNodeOf } from "../prover/graph/registry.js";
import { decodeOutputs, runReference } from "../prover/model/interpret.js";
import { parseModelSpec, type ModelSpec } from "../prover/model/spec.js";

const SPEC_PATH = fileURLToPath(new URL("../models/credit-score/spec.json", import.meta.url));
const ATTESTED_SPEC_PATH = fileURLToPath(new URL("../models/credit-score-attested/spec.json", import.meta.url));

// ---- Hyperparameters (all fixed: the run is deterministic) -----------------------------------

const TRAIN_SEED = 7;
/** Candidates for model selection; the smallest that generalizes is kept. */
const HIDDEN_CANDIDATES = [8, 10, 12, 16];
const L2_CANDIDATES = [1e-3, 3e-3, 1e-2, 3e-2, 1e-1];
const CV_FOLDS = 5;
/** Cross-validation is repeated with differently seeded folds to average out the noise. */
const CV_REPEATS = 3;
/** A larger model must beat the smaller one's cross-validated accuracy by this much to be chosen. */
const SELECTION_TOLERANCE = 0.005;
/** The final model: best validation loss over this many initializations. */
const FINAL_RESTARTS = 5;
const VALIDATION_FRACTION = 0.2;
const LEARNING_RATE = 3e-3;
const BATCH_SIZE = 32;
const MAX_EPOCHS = 400;
const PATIENCE = 40;

/**
 * Fixed point, chosen from the sweep this script prints (score error against the float spec on
 * all 1,000 applicants, and the rescale gadgets' bits, which is roughly their constraint count):
 *   - inputBits 0: every feature is an integer.
 *   - weightBits 18: the folded first-layer weights are as small as ~1e-4 (credit_amount is in DM,
 *     up to 20,000), so their relative rounding error is what limits precision; 16 bits leave
 *     a max score error of ~0.09 logit and flip 8 decisions, 18 bits ~0.01 and none. Each extra bit
 *     costs about one constraint per hidden neuron (the accumulator widens by one bit).
 *   - activationBits 10: the hidden activations' and the score's resolution (2^-10 logit). Only
 *     the single output neuron's accumulator grows with it, so it is almost free; below 8 the
 *     floor rounding of 8 activations biases the score visibly.
 */
const FIXED_POINT = { inputBits: 0, weightBits: 18, activationBits: 10 };

// ---- Small numerics ----------------------------------------------------------------------------

const sigmoid = (z: number) => (z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z)));
/** Binary cross-entropy of a logit against a 0/1 label, computed stably. */
const bce = (z: number, y: number) => Math.max(z, 0) - z * y + Math.log1p(Math.exp(-Math.abs(z)));

function gaussian(random: () => number): () => number {
  return () => {
    const u = 1 - random(); // (0, 1]
    const v = random();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  };
}

/** 8 significant digits: keeps the JSON readable; far below the fixed-point resolution. */
const round8 = (x: number) => {
  const r = Number(x.toPrecision(8));
  return Object.is(r, -0) ? 0 : r;
};

// ---- The MLP -------------------------------------------------------------------------------------

interface Mlp {
  hidden: number;
  inputs: number;
  /** w1[h * inputs + i] */
  w1: Float64Array;
  b1: Float64Array;
  w2: Float64Array;
  b2: Float64Array; // length 1
}

function initMlp(inputs: number, hidden: number, random: () => number): Mlp {
  const normal = gaussian(random);
  const w1 = new Float64Array(hidden * inputs).map(() => normal() * Math.sqrt(2 / inputs));
  const w2 = new Float64Array(hidden).map(() => normal() * Math.sqrt(1 / hidden));
  return { hidden, inputs, w1, b1: new Float64Array(hidden).fill(0.01), w2, b2: new Float64Array(1) };
}

const cloneMlp = (m: Mlp): Mlp => ({ ...m, w1: m.w1.slice(), b1: m.b1.slice(), w2: m.w2.slice(), b2: m.b2.slice() });

function logit(m: Mlp, x: ArrayLike<number>, hiddenOut?: Float64Array): number {
  let z = m.b2[0];
  for (let h = 0; h < m.hidden; h++) {
    let a = m.b1[h];
    const row = h * m.inputs;
    for (let i = 0; i < m.inputs; i++) a += m.w1[row + i] * x[i];
    const r = a > 0 ? a : 0;
    if (hiddenOut) hiddenOut[h] = r;
    z += m.w2[h] * r;
  }
  return z;
}

function meanLoss(m: Mlp, xs: Float64Array[], ys: number[]): number {
  let sum = 0;
  xs.forEach((x, n) => (sum += bce(logit(m, x), ys[n])));
  return sum / xs.length;
}

function accuracy(m: Mlp, xs: Float64Array[], ys: number[]): number {
  let right = 0;
  xs.forEach((x, n) => (right += (logit(m, x) >= 0 ? 1 : 0) === ys[n] ? 1 : 0));
  return right / xs.length;
}

interface TrainResult {
  model: Mlp;
  valLoss: number;
  epochs: number;
}

/** Mini-batch Adam on mean BCE + (l2 / 2) * |weights|^2; returns the best-validation-loss model. */
function train(fitX: Float64Array[], fitY: number[], valX: Float64Array[], valY: number[], hidden: number, l2: number, seed: number): TrainResult {
  const random = seededRandom(seed);
  const m = initMlp(fitX[0].length, hidden, random);
  const params = [m.w1, m.b1, m.w2, m.b2];
  const decays = [true, false, true, false];
  const grads = params.map((p) => new Float64Array(p.length));
  const mom1 = params.map((p) => new Float64Array(p.length));
  const mom2 = params.map((p) => new Float64Array(p.length));
  const [beta1, beta2, eps] = [0.9, 0.999, 1e-8];
  const act = new Float64Array(hidden);
  let step = 0;
  let best: TrainResult = { model: cloneMlp(m), valLoss: meanLoss(m, valX, valY), epochs: 0 };
  const order = fitX.map((_, n) => n);

  for (let epoch = 1; epoch <= MAX_EPOCHS; epoch++) {
    const perm = shuffled(order, random);
    for (let start = 0; start < perm.length; start += BATCH_SIZE) {
      const batch = perm.slice(start, start + BATCH_SIZE);
      grads.forEach((g) => g.fill(0));
      const [gw1, gb1, gw2, gb2] = grads;
      for (const n of batch) {
        const x = fitX[n];
        const d = (sigmoid(logit(m, x, act)) - fitY[n]) / batch.length; // dLoss/dlogit
        gb2[0] += d;
        for (let h = 0; h < hidden; h++) {
          gw2[h] += d * act[h];
          if (act[h] <= 0) continue; // ReLU gradient is 0 here
          const dh = d * m.w2[h];
          gb1[h] += dh;
          const row = h * m.inputs;
          for (let i = 0; i < m.inputs; i++) gw1[row + i] += dh * x[i];
        }
      }
      step++;
      const lr = (LEARNING_RATE * Math.sqrt(1 - beta2 ** step)) / (1 - beta1 ** step);
      params.forEach((p, k) => {
        const g = grads[k];
        for (let j = 0; j < p.length; j++) {
          const gj = g[j] + (decays[k] ? l2 * p[j] : 0);
          mom1[k][j] = beta1 * mom1[k][j] + (1 - beta1) * gj;
          mom2[k][j] = beta2 * mom2[k][j] + (1 - beta2) * gj * gj;
          p[j] -= (lr * mom1[k][j]) / (Math.sqrt(mom2[k][j]) + eps);
        }
      });
    }
    const valLoss = meanLoss(m, valX, valY);
    if (valLoss < best.valLoss - 1e-6) best = { model: cloneMlp(m), valLoss, epochs: epoch };
    else if (epoch - best.epochs >= PATIENCE) break;
  }
  return best;
}

// ---- Standardization ----------------------------------------------------------------------------

interface Standardizer {
  mean: number[];
  std: number[];
}

function fitStandardizer(rows: number[][]): Standardizer {
  const d = rows[0].length;
  const mean = Array.from({ length: d }, (_, j) => rows.reduce((s, r) => s + r[j], 0) / rows.length);
  const std = Array.from({ length: d }, (_, j) => {
    const v = rows.reduce((s, r) => s + (r[j] - mean[j]) ** 2, 0) / rows.length;
    return v > 0 ? Math.sqrt(v) : 1;
  });
  return { mean, std };
}

const standardize = (s: Standardizer, row: number[]) => Float64Array.from(row, (v, j) => (v - s.mean[j]) / s.std[j]);

// ---- Main ---------------------------------------------------------------------------------------

const pct = (x: number) => `${(100 * x).toFixed(1)}%`;

function main(): void {
  const data = loadGermanCredit();
  const split = germanCreditSplit(DEFAULT_SPLIT_SEED);
  const d = GERMAN_CREDIT_FEATURES.length;
  console.log(`German Credit: ${data.x.length} applicants, ${d} features; train ${split.train.length}, test ${split.test.length} (seed ${DEFAULT_SPLIT_SEED})`);

  const scaler = fitStandardizer(split.train.map((i) => data.x[i]));
  const X = (idx: number[]) => idx.map((i) => standardize(scaler, data.x[i]));
  const Y = (idx: number[]) => idx.map((i) => data.y[i]);

  // 2. Model selection: 5-fold CV on the training split. Each fold's training part is split again
  //    for early stopping, so the held-out fold only scores.
  console.log(`\nModel selection, ${CV_FOLDS}-fold cross-validation (x${CV_REPEATS}) on the training split:`);
  console.log("  hidden      l2   cv accuracy   cv loss");
  const results: { hidden: number; l2: number; acc: number; loss: number }[] = [];
  for (const hidden of HIDDEN_CANDIDATES) {
    for (const l2 of L2_CANDIDATES) {
      let acc = 0;
      let loss = 0;
      const runs = CV_REPEATS * CV_FOLDS;
      for (let rep = 0; rep < CV_REPEATS; rep++) {
        const folds = foldsOf(split.train, data.y, CV_FOLDS, TRAIN_SEED + 10 * rep);
        folds.forEach((heldOut, k) => {
          const rest = folds.filter((_, j) => j !== k).flat();
          const run = rep * CV_FOLDS + k;
          const inner = stratifiedSplit(rest, data.y, 1 - VALIDATION_FRACTION, TRAIN_SEED + 100 + run);
          const r = train(X(inner.train), Y(inner.train), X(inner.test), Y(inner.test), hidden, l2, TRAIN_SEED * 1000 + run);
          acc += accuracy(r.model, X(heldOut), Y(heldOut)) / runs;
          loss += meanLoss(r.model, X(heldOut), Y(heldOut)) / runs;
        });
      }
      results.push({ hidden, l2, acc, loss });
      console.log(`  ${String(hidden).padStart(6)}  ${l2.toExponential(0).padStart(6)}   ${pct(acc).padStart(11)}   ${loss.toFixed(4)}`);
    }
  }
  // Best L2 per width (by CV loss); then the smallest width within tolerance of the best accuracy.
  const perWidth = HIDDEN_CANDIDATES.map((h) => results.filter((r) => r.hidden === h).reduce((a, b) => (b.loss < a.loss ? b : a)));
  const bestAcc = Math.max(...perWidth.map((r) => r.acc));
  const chosen = perWidth.find((r) => r.acc >= bestAcc - SELECTION_TOLERANCE)!;
  console.log(`Chosen: ${chosen.hidden} hidden units, l2 ${chosen.l2} (cv accuracy ${pct(chosen.acc)})`);

  // 3. Final model: fit on 80% of the training split, early-stop on the other 20%.
  const inner = stratifiedSplit(split.train, data.y, 1 - VALIDATION_FRACTION, TRAIN_SEED);
  let final: TrainResult | undefined;
  for (let r = 0; r < FINAL_RESTARTS; r++) {
    const res = train(X(inner.train), Y(inner.train), X(inner.test), Y(inner.test), chosen.hidden, chosen.l2, TRAIN_SEED * 7919 + r);
    if (!final || res.valLoss < final.valLoss) final = res;
  }
  const model = final!.model;
  console.log(`Final model: validation loss ${final!.valLoss.toFixed(4)} after ${final!.epochs} epochs (best of ${FINAL_RESTARTS} initializations)`);

  // 4. Fold the standardization into layer 1: w'[h][i] = w[h][i] / std[i], b'[h] = b[h] - sum_i w'[h][i] * mean[i].
  const w1 = Array.from({ length: model.hidden }, (_, h) => Array.from({ length: d }, (_, i) => round8(model.w1[h * d + i] / scaler.std[i])));
  const b1 = Array.from({ length: model.hidden }, (_, h) =>
    round8(model.b1[h] - Array.from({ length: d }, (_, i) => (model.w1[h * d + i] * scaler.mean[i]) / scaler.std[i]).reduce((a, b) => a + b, 0)),
  );
  const w2 = [Array.from(model.w2, round8)];
  const b2 = [round8(model.b2[0])];

  const buildSpec = (fixedPoint: typeof FIXED_POINT, metadata?: Record<string, unknown>): ModelSpec =>
    parseModelSpec({
      name: "credit-score",
      version: "1.2.0",
      description:
        "Credit-risk score for a loan applicant (Statlog German Credit data): a " +
        `${d} -> ${model.hidden} ReLU -> 1 MLP on integer applicant features. ` +
        "The output is the log-odds that the applicant is a good credit risk; approve when score >= 0.",
      fixedPoint,
      features: GERMAN_CREDIT_FEATURES.map((f) => ({ ...f })),
      layers: [
        { type: "dense", weights: w1, bias: b1 },
        { type: "relu" },
        { type: "dense", weights: w2, bias: b2 },
        {
          type: "output",
          outputs: [
            {
              name: "score",
              unit: "logit",
              description: "log-odds of a good credit risk; >= 0 means approve at the default threshold",
            },
          ],
        },
      ],
      ...(metadata ? { metadata } : {}),
    });

  // 5. Float accuracy of the folded spec on raw features (what the spec means).
  const floatLogit = (i: number) => {
    const x = data.x[i];
    const hidden = w1.map((row, h) =>
      Math.max(
        0,
        row.reduce((s, w, j) => s + w * x[j], b1[h]),
      ),
    );
    return hidden.reduce((s, a, h) => s + w2[0][h] * a, b2[0]);
  };
  const floatPred = (i: number) => (floatLogit(i) >= 0 ? 1 : 0);

  // Quantized: the IR's exact integer semantics, as the circuit proves them.
  const quantPredictor = (ir: ModelIR) => (i: number) => (runReference(ir, applicantFeatures(i)).outputs[0] >= 0n ? 1 : 0);
  const costOf = (ir: ModelIR) => ir.graph.gadgetBits.reduce<number>((sum, k) => sum + k + 1, 0);

  // The fixed-point sweep over weightBits x activationBits. Precision is judged
  // against the float spec on all 1,000 applicants (score error in logits, decisions that flip);
  // cost is the rescale gadgets' bits. The sweep looks at no labels.
  const all = data.y.map((_, i) => i);
  const floatAll = all.map(floatPred);
  const floatScores = all.map(floatLogit);
  const quantScore = (ir: ModelIR) => (i: number) => decodeOutputs(ir, runReference(ir, applicantFeatures(i)).outputs)[0];
  const sweepRow = (fp: typeof FIXED_POINT) => {
    const ir = lowerModel(buildSpec(fp));
    const q = quantScore(ir);
    const errors = all.map((i) => q(i) - floatScores[i]);
    const maxErr = Math.max(...errors.map(Math.abs));
    const meanErr = errors.reduce((a, b) => a + b, 0) / errors.length;
    const decide = quantPredictor(ir);
    const flips = all.filter((i) => decide(i) !== floatAll[i]).length;
    const chosenMark = fp.weightBits === FIXED_POINT.weightBits && fp.activationBits === FIXED_POINT.activationBits ? "  <- chosen" : "";
    console.log(
      `  ${String(fp.weightBits).padStart(10)}  ${String(fp.activationBits).padStart(14)}  ${String(costOf(ir)).padStart(11)}  ${maxErr.toFixed(4).padStart(9)}  ${meanErr.toFixed(4).padStart(10)}  ${String(flips).padStart(5)}${chosenMark}`,
    );
  };
  console.log("\nFixed-point sweep (all 1,000 applicants; score error vs the float spec, in logits):");
  console.log("  weightBits  activationBits  gadget bits  max |err|  mean error  flips");
  for (const wb of [14, 16, 17, 18, 19, 20, 22]) {
    for (const ab of [6, 8, 10, 12]) sweepRow({ inputBits: 0, weightBits: wb, activationBits: ab });
  }

  const ir = lowerModel(buildSpec(FIXED_POINT));
  const quantPred = quantPredictor(ir);
  const fTest = evaluate(split.test, floatPred, data.y);
  const fTrain = evaluate(split.train, floatPred, data.y);
  const qTest = evaluate(split.test, quantPred, data.y);
  const qTrain = evaluate(split.train, quantPred, data.y);
  const agreement = all.filter((i) => quantPred(i) === floatAll[i]).length;
  const dense = ir.graph.nodes.filter((n): n is GraphNodeOf<"affine"> => n.family === "affine");

  console.log(`\nFixed point: inputBits ${FIXED_POINT.inputBits}, weightBits ${FIXED_POINT.weightBits}, activationBits ${FIXED_POINT.activationBits}`);
  dense.forEach((op, l) => console.log(`  dense ${l + 1}: accumulator scale 2^${op.accScale}, gadget bits per neuron [${op.bits.join(", ")}]`));
  console.log(`  quantized and float decisions agree on ${agreement} / ${all.length} applicants`);
  console.log("\n             accuracy (test)   accuracy (train)");
  console.log(`  float      ${pct(fTest.accuracy).padStart(15)}   ${pct(fTrain.accuracy).padStart(16)}`);
  console.log(`  quantized  ${pct(qTest.accuracy).padStart(15)}   ${pct(qTrain.accuracy).padStart(16)}`);
  for (const [label, e] of [
    ["float", fTest],
    ["quantized", qTest],
  ] as const) {
    console.log(`\nConfusion matrix, ${label}, test split (rows actual, columns predicted):`);
    console.log("               good    bad");
    console.log(`  actual good  ${String(e.goodAsGood).padStart(4)}   ${String(e.goodAsBad).padStart(4)}`);
    console.log(`  actual bad   ${String(e.badAsGood).padStart(4)}   ${String(e.badAsBad).padStart(4)}`);
    console.log(`  cost (bad approved x5 + good rejected x1): ${e.cost}, ${(e.cost / split.test.length).toFixed(3)} per applicant`);
  }

  // The default threshold (score >= 0) maximizes accuracy. Under the data set's cost matrix the
  // expected cost is lowest when approving only if P(good) >= 5/6, i.e. score >= ln 5; report that
  // operating point too (the threshold follows from the matrix, not from the test data).
  const costThreshold = Math.log(5);
  const qCostTest = evaluate(split.test, (i) => (quantScore(ir)(i) >= costThreshold ? 1 : 0), data.y);
  const rejectAll = evaluate(split.test, () => 0, data.y);
  console.log(`\nAt the cost-matrix threshold score >= ln 5 = ${costThreshold.toFixed(3)} (quantized, test split):`);
  console.log(
    `  accuracy ${pct(qCostTest.accuracy)}; approved ${qCostTest.goodAsGood} good and ${qCostTest.badAsGood} bad, rejected ${qCostTest.goodAsBad} good and ${qCostTest.badAsBad} bad`,
  );
  console.log(
    `  cost ${qCostTest.cost}, ${(qCostTest.cost / split.test.length).toFixed(3)} per applicant (rejecting everyone: ${(rejectAll.cost / split.test.length).toFixed(3)})`,
  );

  const dataSha256 = createHash("sha256").update(readFileSync(GERMAN_CREDIT_PATH)).digest("hex");
  const spec = buildSpec(FIXED_POINT, {
    dataset: "Statlog (German Credit Data), UCI Machine Learning Repository (Prof. Hans Hofmann, Universität Hamburg)",
    dataFile: "data/german-credit/german.data",
    dataSha256,
    label: "1 = good credit risk, 0 = bad",
    decision: "approve when score >= 0",
    excludedAttributes: ["personal status and sex (attribute 9)", "foreign worker (attribute 20)"],
    split: {
      method: "stratified by label, seeded shuffle (prover/data/germanCredit.ts germanCreditSplit)",
      seed: DEFAULT_SPLIT_SEED,
      trainFraction: TRAIN_FRACTION,
      train: split.train.length,
      test: split.test.length,
      validation: `${VALIDATION_FRACTION * 100}% of the training split (stratified), for early stopping`,
    },
    seed: TRAIN_SEED,
    hiddenUnits: model.hidden,
    training: {
      optimizer: "Adam",
      learningRate: LEARNING_RATE,
      batchSize: BATCH_SIZE,
      loss: "binary cross-entropy",
      l2: chosen.l2,
      epochs: final!.epochs,
      selection: `${CV_FOLDS}-fold cross-validation (${CV_REPEATS} repeats) on the training split over hidden units ${HIDDEN_CANDIDATES.join("/")} and l2 ${L2_CANDIDATES.join("/")}`,
      standardization: "z-score on the training split, folded into the first dense layer (the spec takes raw features)",
    },
    floatAccuracy: fTest.accuracy,
    quantizedAccuracy: qTest.accuracy,
    accuracySplit: "test",
    trainAccuracy: { float: fTrain.accuracy, quantized: qTrain.accuracy },
    testConfusion: { goodAsGood: qTest.goodAsGood, goodAsBad: qTest.goodAsBad, badAsGood: qTest.badAsGood, badAsBad: qTest.badAsBad },
    testCostPerApplicant: qTest.cost / split.test.length,
    costMatrixThreshold: {
      score: round8(costThreshold),
      rule: "approve when score >= ln 5 (P(good) >= 5/6): minimizes expected cost when approving a bad applicant costs 5 and rejecting a good one 1",
      testAccuracy: qCostTest.accuracy,
      testCostPerApplicant: qCostTest.cost / split.test.length,
    },
  });
  mkdirSync(dirname(SPEC_PATH), { recursive: true });
  writeFileSync(SPEC_PATH, JSON.stringify(spec, null, 2) + "\n");
  console.log(`\nWrote ${SPEC_PATH}`);
  // The attested variant (docs/ATTESTATION.md): the same model whose features a bureau signs.
  const attested = {
    name: "credit-score-attested",
    version: spec.version,
    description:
      "The credit-score model on bureau-attested features: the circuit verifies an EdDSA-Poseidon signature by a trusted " +
      "attester over the private features, the subject and a validity window (docs/ATTESTATION.md). Same weights as credit-score.",
    fixedPoint: spec.fixedPoint,
    features: spec.features,
    layers: spec.layers,
    attestation: { scheme: "eddsa-poseidon-v1" },
    metadata: spec.metadata,
  };
  mkdirSync(dirname(ATTESTED_SPEC_PATH), { recursive: true });
  writeFileSync(ATTESTED_SPEC_PATH, JSON.stringify(attested, null, 2) + "\n");
  console.log(`Wrote ${ATTESTED_SPEC_PATH}`);
}

/** k stratified folds of `indexes` (seeded). */
function foldsOf(indexes: number[], labels: number[], k: number, seed: number): number[][] {
  const random = seededRandom(seed);
  const folds: number[][] = Array.from({ length: k }, () => []);
  let next = 0;
  for (const c of [0, 1]) {
    for (const i of shuffled(
      indexes.filter((i) => labels[i] === c),
      random,
    ))
      folds[next++ % k].push(i);
  }
  return folds;
}

interface Evaluation {
  accuracy: number;
  goodAsGood: number;
  goodAsBad: number;
  badAsGood: number;
  badAsBad: number;
  /** Under the data set's cost matrix: a bad applicant approved costs 5, a good one rejected 1. */
  cost: number;
}

function evaluate(indexes: number[], predict: (i: number) => number, labels: number[]): Evaluation {
  const e = { goodAsGood: 0, goodAsBad: 0, badAsGood: 0, badAsBad: 0 };
  for (const i of indexes) {
    const p = predict(i);
    if (labels[i] === 1) {
      if (p === 1) e.goodAsGood++;
      else e.goodAsBad++;
    } else if (p === 1) e.badAsGood++;
    else e.badAsBad++;
  }
  return { ...e, accuracy: (e.goodAsGood + e.badAsBad) / indexes.length, cost: 5 * e.badAsGood + e.goodAsBad };
}

main();
