/**
 * Trains the triage model on the Wisconsin diagnostic breast-cancer data (data/breast_cancer.csv, see
 * data/SOURCE.md) and writes model/spec.json.          npm run train   (= tsx scripts/train.ts)
 *
 * Model: 6 features of the "worst" nucleus measurements -> 4 ReLU -> 1 logit, the log-odds that the
 * mass is malignant. Plain TypeScript, no dependencies: standardised inputs, full-batch Adam on
 * binary cross-entropy with a little L2, the standardisation folded into the first layer so the spec
 * takes the integer features the patient's report shows. Every random choice comes from a seeded
 * PRNG, so each run writes the same file byte for byte (test/model.test.ts checks that it does).
 *
 * The spec hashes its output (visibility.outputs = "hashed"): a proof publishes only
 * Poseidon(logit, outputSalt), which the patient alone can open.
 */
import { createHash } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

const here = (p: string) => fileURLToPath(new URL(`../${p}`, import.meta.url));
export const DATA_PATH = here("data/breast_cancer.csv");
export const SPEC_PATH = here("model/spec.json");

/** The features the model reads: a column of the CSV, scaled to the integer unit the spec declares. */
export const FEATURES = [
  { name: "radius_worst", column: 20, scale: 10, unit: "0.1 mm-equivalent", min: 50, max: 500, about: "largest mean radius of the nuclei, x10" },
  { name: "texture_worst", column: 21, scale: 10, unit: "0.1 grey level", min: 80, max: 600, about: "largest texture (std. dev. of grey levels), x10" },
  { name: "area_worst", column: 23, scale: 1, unit: "pixel^2", min: 100, max: 5000, about: "largest nucleus area" },
  { name: "smoothness_worst", column: 24, scale: 1000, unit: "0.001", min: 50, max: 300, about: "largest local variation in radius lengths, x1000" },
  { name: "concavity_worst", column: 26, scale: 1000, unit: "0.001", min: 0, max: 1500, about: "largest severity of concave portions of the contour, x1000" },
  { name: "concave_points_worst", column: 27, scale: 1000, unit: "0.001", min: 0, max: 400, about: "largest number of concave portions of the contour, x1000" },
] as const;

const HIDDEN = 4;
const SEED = 20261207;
const EPOCHS = 3000;

export interface Example {
  /** Integer features in the spec's units, in FEATURES order. */
  x: number[];
  /** 1 = malignant, 0 = benign (the CSV's own label is 0 = malignant, 1 = benign). */
  y: number;
}

/** The CSV's rows as integer features; its first line is sklearn's header (count, columns, class names). */
export function loadData(path = DATA_PATH): Example[] {
  const lines = readFileSync(path, "utf8").trim().split("\n").slice(1);
  return lines.map((line) => {
    const cells = line.split(",").map(Number);
    const x = FEATURES.map((f) => Math.round(cells[f.column]! * f.scale));
    return { x, y: cells[30] === 0 ? 1 : 0 };
  });
}

/** Every fifth row is held out for reporting; nothing is chosen on it. */
export function split(data: Example[]): { train: Example[]; test: Example[] } {
  return { train: data.filter((_, i) => i % 5 !== 4), test: data.filter((_, i) => i % 5 === 4) };
}

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Mlp {
  w1: number[][];
  b1: number[];
  w2: number[];
  b2: number;
}

export function forward(m: Mlp, x: readonly number[]): number {
  const h = m.w1.map((row, j) =>
    Math.max(
      0,
      row.reduce((s, w, i) => s + w * x[i]!, m.b1[j]!),
    ),
  );
  return h.reduce((s, v, j) => s + v * m.w2[j]!, m.b2);
}

function train(examples: Example[]): Mlp {
  const n = FEATURES.length;
  const rand = mulberry32(SEED);
  const mean = FEATURES.map((_, i) => examples.reduce((s, e) => s + e.x[i]!, 0) / examples.length);
  const std = FEATURES.map((_, i) => Math.sqrt(examples.reduce((s, e) => s + (e.x[i]! - mean[i]!) ** 2, 0) / examples.length));
  const xs = examples.map((e) => e.x.map((v, i) => (v - mean[i]!) / std[i]!));
  const m: Mlp = {
    w1: Array.from({ length: HIDDEN }, () => Array.from({ length: n }, () => (rand() * 2 - 1) * Math.sqrt(6 / (n + HIDDEN)))),
    b1: Array(HIDDEN).fill(0.1),
    w2: Array.from({ length: HIDDEN }, () => (rand() * 2 - 1) * Math.sqrt(6 / (HIDDEN + 1))),
    b2: 0,
  };
  // Adam over the flattened parameters.
  const params = () => [...m.w1.flat(), ...m.b1, ...m.w2, m.b2];
  const set = (p: number[]) => {
    let k = 0;
    for (const row of m.w1) for (let i = 0; i < n; i++) row[i] = p[k++]!;
    for (let j = 0; j < HIDDEN; j++) m.b1[j] = p[k++]!;
    for (let j = 0; j < HIDDEN; j++) m.w2[j] = p[k++]!;
    m.b2 = p[k]!;
  };
  const mom = params().map(() => 0);
  const vel = params().map(() => 0);
  const lr = 0.01;
  const l2 = 1e-3;
  for (let epoch = 1; epoch <= EPOCHS; epoch++) {
    const g: Mlp = { w1: m.w1.map((r) => r.map(() => 0)), b1: m.b1.map(() => 0), w2: m.w2.map(() => 0), b2: 0 };
    xs.forEach((x, s) => {
      const pre = m.w1.map((row, j) => row.reduce((acc, w, i) => acc + w * x[i]!, m.b1[j]!));
      const h = pre.map((v) => Math.max(0, v));
      const z = h.reduce((acc, v, j) => acc + v * m.w2[j]!, m.b2);
      const d = (1 / (1 + Math.exp(-z)) - examples[s]!.y) / xs.length;
      g.b2 += d;
      for (let j = 0; j < HIDDEN; j++) {
        g.w2[j]! += d * h[j]!;
        if (pre[j]! <= 0) continue;
        const dj = d * m.w2[j]!;
        g.b1[j]! += dj;
        for (let i = 0; i < n; i++) g.w1[j]![i]! += dj * x[i]!;
      }
    });
    const p = params();
    const grad = [...g.w1.flat().map((v, k) => v + l2 * p[k]!), ...g.b1, ...g.w2.map((v, j) => v + l2 * m.w2[j]!), g.b2];
    const t = epoch;
    set(
      p.map((v, k) => {
        mom[k] = 0.9 * mom[k]! + 0.1 * grad[k]!;
        vel[k] = 0.999 * vel[k]! + 0.001 * grad[k]! ** 2;
        return v - (lr * (mom[k]! / (1 - 0.9 ** t))) / (Math.sqrt(vel[k]! / (1 - 0.999 ** t)) + 1e-8);
      }),
    );
  }
  // Fold the standardisation into the first layer: w' = w / std, b' = b - sum_i w_i mean_i / std_i.
  return {
    w1: m.w1.map((row) => row.map((w, i) => w / std[i]!)),
    b1: m.b1.map((b, j) => b - m.w1[j]!.reduce((s, w, i) => s + (w * mean[i]!) / std[i]!, 0)),
    w2: m.w2,
    b2: m.b2,
  };
}

const accuracy = (m: Mlp, data: Example[]) => data.filter((e) => (forward(m, e.x) >= 0 ? 1 : 0) === e.y).length / data.length;
/** Eight significant digits: the spec stays readable and the file is stable across platforms. */
const round = (v: number) => Number(v.toPrecision(8));

export function trainSpec(): Record<string, unknown> {
  const data = loadData();
  const { train: trainSet, test } = split(data);
  const m = train(trainSet);
  const sha = createHash("sha256").update(readFileSync(DATA_PATH)).digest("hex");
  return {
    name: "medical-triage",
    version: "1.0.0",
    description:
      "Breast-mass triage from a fine-needle aspirate report (Wisconsin diagnostic breast-cancer data): a 6 -> 4 ReLU -> 1 MLP. The output is the log-odds that the mass is malignant; the proof publishes only its Poseidon hash with the patient's salt.",
    fixedPoint: { inputBits: 0, weightBits: 16, activationBits: 10 },
    features: FEATURES.map((f) => ({ name: f.name, unit: f.unit, min: f.min, max: f.max, description: f.about })),
    layers: [
      { type: "dense", weights: m.w1.map((r) => r.map(round)), bias: m.b1.map(round) },
      { type: "relu" },
      { type: "dense", weights: [m.w2.map(round)], bias: [round(m.b2)] },
      { type: "output", outputs: [{ name: "malignancy", unit: "logit", description: "log-odds that the mass is malignant; refer when >= 0" }] },
    ],
    visibility: { outputs: "hashed" },
    metadata: {
      dataset: "Breast Cancer Wisconsin (Diagnostic), W. H. Wolberg, W. N. Street, O. L. Mangasarian (UCI), as shipped by Debian's python3-sklearn 1.2.1",
      dataFile: "data/breast_cancer.csv",
      dataSha256: sha,
      label: "1 = malignant, 0 = benign",
      trainer: "scripts/train.ts (seeded, deterministic)",
      split: "every fifth row held out (test), the rest trained on",
      floatAccuracy: { train: round(accuracy(m, trainSet)), test: round(accuracy(m, test)) },
    },
  };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const spec = trainSpec();
  writeFileSync(SPEC_PATH, JSON.stringify(spec, null, 2) + "\n");
  console.log(`wrote ${SPEC_PATH}: accuracy ${JSON.stringify((spec.metadata as { floatAccuracy: unknown }).floatAccuracy)}`);
}
