/**
 * `npm run train:anomaly`: trains models/anomaly-guard, the market-stress detector behind the
 * AnomalyGuard (contracts/consumers/AnomalyGuard.sol), on the S&P 500 daily closes in data/sp500
 * (Yahoo Finance via vega-datasets; see its SOURCE.md). Deterministic: no salt (the weights are
 * public, a model a protocol's governance audits and agrees on).
 *
 * The model sees the window of 6 closes in cents that the on-chain PriceSource records and hashes.
 * In the circuit, relative_change turns them into 5 returns against the latest close; a FIXED first
 * dense layer (not trained) splits the 5 daily moves and the 5-day move into their down and up parts
 * (in percent, ReLU: |move| = down + up), and a logistic regression on those 12 features, the only
 * trained part, scores the odds of a sell-off. So the model is "logistic regression over the window's
 * daily moves and its 5-day move", each side weighed separately: big down days weigh more than big up
 * days, which is what a volatility-clustering market rewards.
 *
 * Label (stated, forward-looking, never visible to the model): day t is ANOMALOUS when some close of
 * the next 5 trading days is at least 4% below day t's close, i.e. a sell-off follows. A guard that
 * fires on such days pauses a vault before the drawdown, not after.
 *
 * Split: train on days before 2015-01-01, evaluate from 2015-01-01 to the data's end (2020-04-17),
 * which holds the 2015-08 and 2016-01 drops, 2018-02 ("Volmageddon"), 2018-10..12, and 2020-02..04.
 * Flagged = score (the logit) >= 0, i.e. odds >= 1:1, the guard's default threshold.
 * Everything measured (float and quantized = circuit) goes into the spec's metadata; the README's
 * figures come from it, and `npm run measure:anomaly` re-measures the circuit side with real witnesses.
 */
import { createHash } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { SIGNAL_WINDOW as WINDOW } from "../deploy/Signals.js";
import { loadSp500, SP500_PATH } from "../prover/data/sp500.js";
import { runQuantized } from "../prover/model/interpret.js";
import { lowerModel } from "../prover/model/ir.js";
import { parseModelSpec, type ModelSpec } from "../prover/model/spec.js";
import { ANOMALY, anomalyFeatures, anomalyLabels, anomalySamples, type AnomalySample } from "./dev/anomalyData.js";

const SPEC_PATH = fileURLToPath(new URL("../models/anomaly-guard/spec.json", import.meta.url));
const RETURN_BITS = 16;
const FIXED_POINT = { inputBits: 0, weightBits: 12, activationBits: 12 };
const EPOCHS = 4000;
const LEARNING_RATE = 2e-2;
const L2 = 1e-3;

const round8 = (x: number) => Number(x.toPrecision(8));

/**
 * The fixed first layer over r_i = (p_i - p_5) / p_5, i = 0..4 (what relative_change outputs), in
 * percent. Daily move k (close k -> close k+1, k = 0..4) is -(r_k - r_{k+1}) / (1 + r_{k+1}) ~= r_{k+1} - r_k
 * (r_5 = 0): rows 2k and 2k+1 are its down and up parts; rows 10 and 11 the 5-day move's (-r_0, r_0).
 */
function featureLayer(): number[][] {
  const rows: number[][] = [];
  for (let k = 0; k < WINDOW - 1; k++) {
    const move = Array(WINDOW - 1).fill(0) as number[];
    move[k] = -100;
    if (k + 1 < WINDOW - 1) move[k + 1] = 100;
    rows.push(
      move.map((w) => -w),
      move,
    );
  }
  const total = Array(WINDOW - 1).fill(0) as number[];
  total[0] = -100;
  rows.push(
    total.map((w) => -w),
    total,
  );
  // -0 is a valid weight but prints badly in the spec.
  return rows.map((row) => row.map((w) => w + 0));
}

interface Logistic {
  w: number[];
  b: number;
}

const sigmoid = (z: number) => 1 / (1 + Math.exp(-z));
const logit = (m: Logistic, h: readonly number[]) => h.reduce((a, v, j) => a + v * m.w[j]!, m.b);

/**
 * Full-batch Adam on the mean log loss, unweighted, so the score is the calibrated log-odds and
 * "score >= 0" means "a sell-off is more likely than not". (Weighting the rare class up flagged
 * 27 calm days a year in the evaluation period: too many pauses for a guard.)
 */
function train(h: number[][], y: number[]): Logistic {
  const d = h[0]!.length;
  const m: Logistic = { w: Array(d).fill(0), b: 0 };
  const mom = Array(d + 1).fill(0) as number[];
  const vel = Array(d + 1).fill(0) as number[];
  for (let epoch = 1; epoch <= EPOCHS; epoch++) {
    const grad = Array(d + 1).fill(0) as number[];
    h.forEach((x, i) => {
      const e = (sigmoid(logit(m, x)) - y[i]!) / y.length;
      x.forEach((v, j) => (grad[j]! += e * v));
      grad[d]! += e;
    });
    m.w.forEach((w, j) => (grad[j]! += 2 * L2 * w));
    const theta = [...m.w, m.b];
    for (let k = 0; k <= d; k++) {
      mom[k] = 0.9 * mom[k]! + 0.1 * grad[k]!;
      vel[k] = 0.999 * vel[k]! + 0.001 * grad[k]! ** 2;
      theta[k] = theta[k]! - (LEARNING_RATE * (mom[k]! / (1 - 0.9 ** epoch))) / (Math.sqrt(vel[k]! / (1 - 0.999 ** epoch)) + 1e-8);
    }
    m.w = theta.slice(0, d);
    m.b = theta[d]!;
  }
  return m;
}

export function buildAnomalySpec(m: Logistic, metadata: Record<string, unknown>): ModelSpec {
  const priceFeature = (i: number) => ({
    name: `price_${i}`,
    unit: "US cents",
    min: 10_000,
    max: 2_000_000,
    description: i === WINDOW - 1 ? "Close of the epoch (the latest price)" : `Close ${WINDOW - 1 - i} epoch(s) before the epoch`,
  });
  return parseModelSpec({
    name: "anomaly-guard",
    version: "1.1.0",
    description:
      "Market-stress detector on a 6-close price window: 5 returns against the latest close, a fixed layer splitting the daily and 5-day moves into down and up parts (ReLU), " +
      "and a logistic regression scoring the log-odds that a 4% sell-off follows within 5 days. Public weights; the epoch and the window's Poseidon hash are public so AnomalyGuard can check them against the PriceSource.",
    fixedPoint: FIXED_POINT,
    features: [
      ...Array.from({ length: WINDOW }, (_, i) => priceFeature(i)),
      { name: "epoch", unit: "epoch", min: 0, max: 4_294_967_295, description: "The PriceSource epoch of the latest close" },
    ],
    layers: [
      { type: "relative_change", inputs: [0, 1, 2, 3, 4], reference: WINDOW - 1, outputBits: RETURN_BITS },
      { type: "dense", weights: featureLayer(), bias: Array(2 * WINDOW).fill(0) },
      { type: "relu" },
      { type: "dense", weights: [m.w.map(round8)], bias: [round8(m.b)] },
      {
        type: "output",
        outputs: [{ name: "score", unit: "logit", description: "log-odds of a 4% sell-off within 5 trading days; >= 0 flags at the default threshold" }],
      },
    ],
    extraOutputs: [
      { type: "feature", name: "epoch", unit: "epoch", feature: "epoch" },
      {
        type: "poseidon",
        name: "window_hash",
        unit: "hash",
        features: Array.from({ length: WINDOW }, (_, i) => `price_${i}`),
        description: "Poseidon(price_0..price_5), as PriceSource.windowHash(epoch)",
      },
    ],
    metadata,
  });
}

interface Report {
  days: number;
  anomalies: number;
  flagged: number;
  /** Flagged days that were anomalous. */
  hits: number;
  /** Flagged days that were not. */
  falseAlarms: number;
  falseAlarmsPerYear: number;
  /** Share of anomalous days flagged. */
  recall: number;
  /** Share of flagged days that were anomalous. */
  precision: number;
}

function report(data: AnomalySample[], flags: boolean[]): Report {
  const years = (Date.parse(data.at(-1)!.date) - Date.parse(data[0]!.date)) / (365.25 * 86_400_000);
  const anomalies = data.filter((s) => s.anomalous).length;
  const flagged = flags.filter(Boolean).length;
  const hits = data.filter((s, i) => flags[i] && s.anomalous).length;
  return {
    days: data.length,
    anomalies,
    flagged,
    hits,
    falseAlarms: flagged - hits,
    falseAlarmsPerYear: round8((flagged - hits) / years),
    recall: round8(hits / Math.max(1, anomalies)),
    precision: round8(hits / Math.max(1, flagged)),
  };
}

/** Flagged evaluation days grouped into episodes (consecutive trading days), for the README. */
function episodes(data: AnomalySample[], flags: boolean[]): string[] {
  const out: string[] = [];
  let start = -1;
  for (let i = 0; i <= data.length; i++) {
    if (i < data.length && flags[i]) {
      if (start < 0) start = i;
    } else if (start >= 0) {
      const hit = data.slice(start, i).filter((s) => s.anomalous).length;
      out.push(`${data[start]!.date}${i - 1 > start ? ` .. ${data[i - 1]!.date}` : ""} (${i - start} day(s), ${hit} anomalous)`);
      start = -1;
    }
  }
  return out;
}

function main(): void {
  const all = anomalySamples(loadSp500());
  const trainSet = all.filter((s) => s.date < ANOMALY.testFrom);
  const testSet = all.filter((s) => s.date >= ANOMALY.testFrom);
  const layer = featureLayer();
  const m = train(
    trainSet.map((s) => anomalyFeatures(layer, s.cents)),
    trainSet.map((s) => (s.anomalous ? 1 : 0)),
  );
  const floatFlags = (data: AnomalySample[]) => data.map((s) => logit(m, anomalyFeatures(layer, s.cents)) >= 0);

  const ir = lowerModel(buildAnomalySpec(m, {}));
  const scale = 2 ** FIXED_POINT.activationBits;
  const quantizedFlags = (data: AnomalySample[]) => data.map((s) => Number(runQuantized(ir, [...s.cents, 1n]).outputs[0]) >= 0);
  const fTest = floatFlags(testSet);
  const qTest = quantizedFlags(testSet);
  const agreement = fTest.filter((f, i) => f === qTest[i]).length / testSet.length;
  const maxScoreError = Math.max(
    ...testSet.map((s) => Math.abs(Number(runQuantized(ir, [...s.cents, 1n]).outputs[0]) / scale - logit(m, anomalyFeatures(layer, s.cents)))),
  );
  const metadata = {
    dataset: "S&P 500 daily closes 2000-01-03 .. 2020-04-17, Yahoo Finance via vega-datasets@3.2.1 (data/sp500/SOURCE.md)",
    dataFile: "data/sp500/sp500-2000.csv",
    dataSha256: createHash("sha256").update(readFileSync(SP500_PATH)).digest("hex"),
    label: anomalyLabels(),
    flag: "score (log-odds) >= 0",
    split: {
      train: `before ${ANOMALY.testFrom} (${trainSet.length} days)`,
      test: `from ${ANOMALY.testFrom} (${testSet.length} days, ${testSet[0]!.date} .. ${testSet.at(-1)!.date})`,
    },
    test: {
      float: report(testSet, fTest),
      quantized: report(testSet, qTest),
      flagAgreement: round8(agreement),
      maxScoreError: round8(maxScoreError),
      flaggedEpisodes: episodes(testSet, qTest),
    },
    train: { float: report(trainSet, floatFlags(trainSet)) },
  };
  const spec = buildAnomalySpec(m, metadata);
  writeFileSync(SPEC_PATH, JSON.stringify(spec, null, 2) + "\n");
  const t = metadata.test;
  console.log(`Wrote ${SPEC_PATH}`);
  console.log(`Train (${trainSet.length} days): ${JSON.stringify(metadata.train.float)}`);
  console.log(`Test (${testSet.length} days) float:     ${JSON.stringify(t.float)}`);
  console.log(`Test (${testSet.length} days) quantized: ${JSON.stringify(t.quantized)}`);
  console.log(`Flag agreement float vs quantized ${(100 * agreement).toFixed(2)}%, max |score error| ${maxScoreError.toFixed(4)} (logit)`);
  for (const e of t.flaggedEpisodes) console.log(`  flagged ${e}`);
}

main();
