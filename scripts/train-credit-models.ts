/**
 * `npm run train:credit-models`: trains the two German Credit models bundled beside credit-score,
 * deterministically, on the same 70/30 stratified split (prover/data/germanCredit.ts):
 *
 * - models/credit-logistic: L2-regularised logistic regression (full-batch gradient descent on
 *   z-scored features, the standardisation folded into the weights so the spec takes raw
 *   integer features). One dense layer: the circuit's cost is the input checks and commitment.
 * - models/credit-trees: gradient-boosted decision trees (logistic loss, depth 2, shrinkage),
 *   thresholds half-way between observed integer values. A tree_ensemble layer.
 *
 * Both output the log-odds of a good credit risk at scale 2^10; approve when score >= 0. Float and
 * quantized (reference interpreter = circuit) accuracy on the held-out split go into each spec's
 * metadata and the README.
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
  germanCreditSplit,
  loadGermanCredit,
} from "../prover/data/germanCredit.js";
import { runQuantized } from "../prover/model/interpret.js";
import { lowerModel } from "../prover/model/ir.js";
import { quantize } from "../prover/model/quantize.js";
import { parseModelSpec, type ModelSpec } from "../prover/model/spec.js";

const LOGISTIC_PATH = fileURLToPath(new URL("../models/credit-logistic/spec.json", import.meta.url));
const TREES_PATH = fileURLToPath(new URL("../models/credit-trees/spec.json", import.meta.url));

const LR = { l2: 1e-2, learningRate: 0.5, epochs: 2000 };
const GBT = { trees: 12, depth: 2, shrinkage: 0.3, minLeaf: 20 };

const sigmoid = (z: number) => (z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z)));
const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
/** 8 significant decimals: the spec stays readable and the quantization is unaffected. */
const round8 = (x: number) => Number(x.toPrecision(8));

const data = loadGermanCredit();
const split = germanCreditSplit(DEFAULT_SPLIT_SEED);
const d = GERMAN_CREDIT_FEATURES.length;
const dataSha256 = createHash("sha256").update(readFileSync(GERMAN_CREDIT_PATH)).digest("hex");
const provenance = {
  dataset: "Statlog (German Credit Data), UCI Machine Learning Repository (Prof. Hans Hofmann, Universität Hamburg)",
  dataFile: "data/german-credit/german.data",
  dataSha256,
  label: "1 = good credit risk, 0 = bad",
  decision: "approve when score >= 0",
  split: { seed: DEFAULT_SPLIT_SEED, trainFraction: TRAIN_FRACTION, train: split.train.length, test: split.test.length },
};

function accuracy(indexes: number[], score: (i: number) => number): number {
  return indexes.filter((i) => (score(i) >= 0 ? 1 : 0) === data.y[i]).length / indexes.length;
}

/** Accuracy of the quantized model (the reference interpreter, which the circuit equals bit for bit). */
function quantizedScore(spec: ModelSpec): (i: number) => number {
  const ir = lowerModel(spec);
  return (i) =>
    Number(
      runQuantized(
        ir,
        data.x[i]!.map((v) => quantize(v, ir.inputScale)),
      ).outputs[0]!,
    );
}

function features() {
  return GERMAN_CREDIT_FEATURES.map(({ name, unit, description, min, max }) => ({ name, unit, description, min, max }));
}

// ---- Logistic regression --------------------------------------------------------------------------

function trainLogistic(): ModelSpec {
  const rows = split.train.map((i) => data.x[i]!);
  const mean = Array.from({ length: d }, (_, j) => rows.reduce((s, r) => s + r[j]!, 0) / rows.length);
  const std = Array.from({ length: d }, (_, j) => Math.sqrt(rows.reduce((s, r) => s + (r[j]! - mean[j]!) ** 2, 0) / rows.length) || 1);
  const z = rows.map((r) => r.map((v, j) => (v - mean[j]!) / std[j]!));
  const y = split.train.map((i) => data.y[i]!);
  const w = new Array<number>(d).fill(0);
  let b = 0;
  for (let epoch = 0; epoch < LR.epochs; epoch++) {
    const gw = new Array<number>(d).fill(0);
    let gb = 0;
    z.forEach((x, k) => {
      const err = sigmoid(x.reduce((s, v, j) => s + v * w[j]!, b)) - y[k]!;
      x.forEach((v, j) => (gw[j]! += err * v));
      gb += err;
    });
    w.forEach((_, j) => (w[j]! -= LR.learningRate * (gw[j]! / z.length + LR.l2 * w[j]!)));
    b -= LR.learningRate * (gb / z.length);
  }
  // Fold the z-score into the layer: w_j (x_j - m_j) / s_j = (w_j / s_j) x_j - w_j m_j / s_j.
  const weights = w.map((wj, j) => round8(wj / std[j]!));
  const bias = round8(b - w.reduce((s, wj, j) => s + (wj * mean[j]!) / std[j]!, 0));
  const floatScore = (i: number) => data.x[i]!.reduce((s, v, j) => s + v * weights[j]!, bias);

  const spec = parseModelSpec({
    name: "credit-logistic",
    version: "1.2.0",
    description: "Logistic regression on German Credit applicant features: log-odds of a good credit risk (approve when score >= 0).",
    fixedPoint: { inputBits: 0, weightBits: 18, activationBits: 10 },
    features: features(),
    layers: [
      { type: "dense", weights: [weights], bias: [bias] },
      { type: "output", outputs: [{ name: "score", unit: "logit", description: "log-odds of a good credit risk, at scale 2^10" }] },
    ],
    metadata: { ...provenance, training: { model: "logistic regression", ...LR, standardization: "z-score on the training split, folded into the weights" } },
  });
  return withAccuracy(spec, floatScore);
}

// ---- Gradient-boosted trees -------------------------------------------------------------------------

type Node = { feature: number; threshold: number; left: number; right: number } | { leaf: number[] };

/** A depth-limited regression tree on (gradient, hessian) pairs: Newton leaves, gain-chosen splits. */
function fitTree(indexes: number[], g: Map<number, number>, h: Map<number, number>, depth: number): Node[] {
  const nodes: Node[] = [];
  const build = (idx: number[], level: number): number => {
    const at = nodes.length;
    nodes.push({ leaf: [0] });
    const G = idx.reduce((s, i) => s + g.get(i)!, 0);
    const H = idx.reduce((s, i) => s + h.get(i)!, 0);
    const leafValue = -G / (H + 1);
    let best: { gain: number; feature: number; threshold: number } | undefined;
    if (level < depth) {
      for (let j = 0; j < d; j++) {
        const sorted = [...idx].sort((a, b) => data.x[a]![j]! - data.x[b]![j]!);
        let gl = 0;
        let hl = 0;
        for (let k = 0; k < sorted.length - 1; k++) {
          gl += g.get(sorted[k]!)!;
          hl += h.get(sorted[k]!)!;
          const v = data.x[sorted[k]!]![j]!;
          const next = data.x[sorted[k + 1]!]![j]!;
          if (v === next || k + 1 < GBT.minLeaf || sorted.length - k - 1 < GBT.minLeaf) continue;
          const gain = (gl * gl) / (hl + 1) + ((G - gl) * (G - gl)) / (H - hl + 1) - (G * G) / (H + 1);
          if (!best || gain > best.gain) best = { gain, feature: j, threshold: (v + next) / 2 };
        }
      }
    }
    if (!best || best.gain <= 1e-9) {
      nodes[at] = { leaf: [round8(GBT.shrinkage * leafValue)] };
      return at;
    }
    const left = idx.filter((i) => data.x[i]![best!.feature]! <= best!.threshold);
    const right = idx.filter((i) => data.x[i]![best!.feature]! > best!.threshold);
    const l = build(left, level + 1);
    const r = build(right, level + 1);
    nodes[at] = { feature: best.feature, threshold: best.threshold, left: l, right: r };
    return at;
  };
  build(indexes, 0);
  return nodes;
}

function predictTree(nodes: Node[], x: number[]): number {
  let n = nodes[0]!;
  while (!("leaf" in n)) n = nodes[x[n.feature]! <= n.threshold ? n.left : n.right]!;
  return n.leaf[0]!;
}

function trainTrees(): ModelSpec {
  const train = split.train;
  const positive = train.filter((i) => data.y[i] === 1).length / train.length;
  const base = round8(Math.log(positive / (1 - positive)));
  const score = new Map(train.map((i) => [i, base]));
  const trees: Node[][] = [];
  for (let t = 0; t < GBT.trees; t++) {
    const g = new Map<number, number>();
    const h = new Map<number, number>();
    for (const i of train) {
      const p = sigmoid(score.get(i)!);
      g.set(i, p - data.y[i]!);
      h.set(i, p * (1 - p));
    }
    const tree = fitTree(train, g, h, GBT.depth);
    trees.push(tree);
    for (const i of train) score.set(i, score.get(i)! + predictTree(tree, data.x[i]!));
  }
  const floatScore = (i: number) => trees.reduce((s, tree) => s + predictTree(tree, data.x[i]!), base);
  const spec = parseModelSpec({
    name: "credit-trees",
    version: "1.2.0",
    description: "Gradient-boosted decision trees on German Credit applicant features: log-odds of a good credit risk (approve when score >= 0).",
    fixedPoint: { inputBits: 0, weightBits: 18, activationBits: 10 },
    features: features(),
    layers: [
      { type: "tree_ensemble", base: [base], trees: trees.map((nodes) => ({ nodes })) },
      { type: "output", outputs: [{ name: "score", unit: "logit", description: "log-odds of a good credit risk, at scale 2^10" }] },
    ],
    metadata: {
      ...provenance,
      training: { model: "gradient-boosted trees, logistic loss, Newton leaves (lambda 1)", ...GBT, thresholds: "half-way between adjacent observed values" },
    },
  });
  return withAccuracy(spec, floatScore);
}

function withAccuracy(spec: ModelSpec, floatScore: (i: number) => number): ModelSpec {
  const q = quantizedScore(spec);
  const result = {
    floatAccuracy: accuracy(split.test, floatScore),
    quantizedAccuracy: accuracy(split.test, q),
    accuracySplit: "test",
    trainAccuracy: { float: accuracy(split.train, floatScore), quantized: accuracy(split.train, q) },
    decisionsAgree: data.y.filter((_, i) => floatScore(i) >= 0 === q(i) >= 0).length,
  };
  console.log(
    `${spec.name}: test accuracy float ${pct(result.floatAccuracy)}, quantized ${pct(result.quantizedAccuracy)}; ` +
      `train float ${pct(result.trainAccuracy.float)}, quantized ${pct(result.trainAccuracy.quantized)}; ` +
      `float and quantized decisions agree on ${result.decisionsAgree} of ${data.y.length} applicants`,
  );
  return { ...spec, metadata: { ...spec.metadata, ...result } };
}

for (const [path, spec] of [
  [LOGISTIC_PATH, trainLogistic()],
  [TREES_PATH, trainTrees()],
] as const) {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, JSON.stringify(spec, null, 2) + "\n");
  console.log(`wrote ${path}`);
}
