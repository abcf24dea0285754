/**
 * `npm run train:signal`: trains models/momentum-signal, the trading-signal model of the signals
 * demo, on the S&P 500 daily closes kept in data/sp500 (Yahoo Finance via vega-datasets; see its
 * SOURCE.md). Deterministic except for the commitment salt, which is drawn once and then kept.
 *
 * The model sees a window of 6 closes in cents (what the on-chain PriceSource records), turns them
 * into 5 returns against the latest close in the circuit (relative_change), and a 5 -> 8 ReLU -> 1
 * MLP scores the next day's move; the signal head maps the score to buy / sell / hold and a size.
 * Target: the next day's return in units of 1% (clipped to +-1), so a score of 1 is a full position.
 * Train on 2000-2014, test on 2015-2020-04 (chronological: no look-ahead).
 *
 * The weights are private (the trader's secret strategy): the spec is the trader's secret file and
 * only the Poseidon commitment to weights + salt is published. This repo's spec, salt included, is
 * a DEMO: a real trader keeps spec.json to themselves.
 */
import { createHash, randomBytes } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { seededRandom } from "../prover/data/germanCredit.js";
import { SIGNAL_WINDOW as WINDOW } from "../deploy/Signals.js";
import { loadSp500, SP500_PATH, toCents } from "../prover/data/sp500.js";
import { runQuantized } from "../prover/model/interpret.js";
import { lowerModel } from "../prover/model/ir.js";
import { parseModelSpec, type ModelSpec } from "../prover/model/spec.js";

const SPEC_PATH = fileURLToPath(new URL("../models/momentum-signal/spec.json", import.meta.url));
const HIDDEN = 8;
const RETURN_BITS = 16;
const FIXED_POINT = { inputBits: 0, weightBits: 12, activationBits: 12 };
const TEST_FROM = "2015-01-01";
/** A next-day move of this size is a score of 1: a full position. */
const TARGET_UNIT = 0.01;
/** Scores within +-HOLD are "hold". */
const HOLD = 0.1;
/** Returns are fed to the float MLP in percent, so initial weights of order 1 make sense; the factor is folded into layer 1. */
const INPUT_GAIN = 100;
const EPOCHS = 3000;
const LEARNING_RATE = 1e-2;
const L2 = 1e-4;
const SEED = 11;

const round8 = (x: number) => Number(x.toPrecision(8));
const pct = (x: number) => `${(100 * x).toFixed(1)}%`;

interface Sample {
  date: string;
  /** 6 closes in cents, oldest first. */
  cents: bigint[];
  /** Returns of the 5 older closes against the latest: (p_i - p_5) / p_5. */
  x: number[];
  /** The next day's return. */
  next: number;
}

function samples(): Sample[] {
  const days = loadSp500();
  const out: Sample[] = [];
  for (let t = WINDOW - 1; t + 1 < days.length; t++) {
    const cents = days.slice(t - WINDOW + 1, t + 1).map((d) => toCents(d.close));
    const last = Number(cents[WINDOW - 1]!);
    out.push({
      date: days[t]!.date,
      cents,
      x: cents.slice(0, WINDOW - 1).map((c) => (Number(c) - last) / last),
      next: days[t + 1]!.close / days[t]!.close - 1,
    });
  }
  return out;
}

interface Mlp {
  w1: number[][];
  b1: number[];
  w2: number[];
  b2: number;
}

function forward(m: Mlp, x: number[]): { h: number[]; s: number } {
  const h = m.w1.map((row, j) =>
    Math.max(
      0,
      row.reduce((a, w, i) => a + w * x[i]! * INPUT_GAIN, m.b1[j]!),
    ),
  );
  return { h, s: h.reduce((a, v, j) => a + v * m.w2[j]!, m.b2) };
}

/** Full-batch Adam on the mean squared error to the clipped target. */
function train(data: Sample[]): Mlp {
  const random = seededRandom(SEED);
  const init = (n: number) => (random() * 2 - 1) * Math.sqrt(3 / n);
  const d = WINDOW - 1;
  const m: Mlp = {
    w1: Array.from({ length: HIDDEN }, () => Array.from({ length: d }, () => init(d))),
    b1: Array(HIDDEN).fill(0.01),
    w2: Array.from({ length: HIDDEN }, () => init(HIDDEN)),
    b2: 0,
  };
  const flat = () => [...m.w1.flat(), ...m.b1, ...m.w2, m.b2];
  const assign = (v: number[]) => {
    let k = 0;
    m.w1 = m.w1.map((row) => row.map(() => v[k++]!));
    m.b1 = m.b1.map(() => v[k++]!);
    m.w2 = m.w2.map(() => v[k++]!);
    m.b2 = v[k++]!;
  };
  const n = flat().length;
  const mom = Array(n).fill(0);
  const vel = Array(n).fill(0);
  for (let epoch = 1; epoch <= EPOCHS; epoch++) {
    const gw1 = m.w1.map((row) => row.map(() => 0));
    const gb1 = Array(HIDDEN).fill(0);
    const gw2 = Array(HIDDEN).fill(0);
    let gb2 = 0;
    for (const s of data) {
      const y = Math.max(-1, Math.min(1, s.next / TARGET_UNIT));
      const f = forward(m, s.x);
      const e = (2 * (f.s - y)) / data.length;
      gb2 += e;
      f.h.forEach((h, j) => {
        gw2[j] += e * h;
        if (h <= 0) return;
        const eh = e * m.w2[j]!;
        gb1[j] += eh;
        s.x.forEach((xi, i) => (gw1[j]![i]! += eh * xi * INPUT_GAIN));
      });
    }
    const grad = [...gw1.flat().map((g, k) => g + 2 * L2 * m.w1.flat()[k]!), ...gb1, ...gw2.map((g, j) => g + 2 * L2 * m.w2[j]!), gb2];
    const theta = flat();
    for (let k = 0; k < n; k++) {
      mom[k] = 0.9 * mom[k] + 0.1 * grad[k]!;
      vel[k] = 0.999 * vel[k] + 0.001 * grad[k]! ** 2;
      const mh = mom[k] / (1 - 0.9 ** epoch);
      const vh = vel[k] / (1 - 0.999 ** epoch);
      theta[k] = theta[k]! - (LEARNING_RATE * mh) / (Math.sqrt(vh) + 1e-8);
    }
    assign(theta);
  }
  return m;
}

const direction = (s: number) => (s >= HOLD ? 1 : s <= -HOLD ? -1 : 0);

interface Report {
  days: number;
  buy: number;
  sell: number;
  hold: number;
  /** Share of buy/sell days whose direction matched the next day's move. */
  hitRate: number;
  /** Mean next-day return of the position taken (direction x size), in basis points per day. */
  meanPositionReturnBp: number;
  /** Buy and hold over the same days, in basis points per day. */
  buyAndHoldBp: number;
}

function report(data: Sample[], signal: (s: Sample) => { direction: number; size: number }): Report {
  let buy = 0;
  let sell = 0;
  let hits = 0;
  let pnl = 0;
  for (const s of data) {
    const sig = signal(s);
    if (sig.direction === 1) buy++;
    if (sig.direction === -1) sell++;
    if (sig.direction !== 0 && Math.sign(s.next) === sig.direction) hits++;
    pnl += sig.direction * sig.size * s.next;
  }
  return {
    days: data.length,
    buy,
    sell,
    hold: data.length - buy - sell,
    hitRate: round8(hits / Math.max(1, buy + sell)),
    meanPositionReturnBp: round8((pnl / data.length) * 1e4),
    buyAndHoldBp: round8((data.reduce((a, s) => a + s.next, 0) / data.length) * 1e4),
  };
}

function buildSpec(m: Mlp, weightSalt: string, metadata: Record<string, unknown>): ModelSpec {
  const priceFeature = (i: number) => ({
    name: `price_${i}`,
    unit: "US cents",
    min: 10_000,
    max: 2_000_000,
    description: i === WINDOW - 1 ? "Close of the signal's epoch (the latest price)" : `Close ${WINDOW - 1 - i} epoch(s) before the signal's epoch`,
  });
  return parseModelSpec({
    name: "momentum-signal",
    version: "1.2.0",
    description:
      "Trading signal on a 6-close price window: 5 returns against the latest close, a 5 -> 8 ReLU -> 1 MLP scoring the next move, " +
      "and a signal head (buy / sell / hold and a size). Private committed weights; the epoch and the window's Poseidon hash are public so SignalFeed can check them against the PriceSource.",
    fixedPoint: FIXED_POINT,
    features: [
      ...Array.from({ length: WINDOW }, (_, i) => priceFeature(i)),
      { name: "epoch", unit: "epoch", min: 0, max: 4_294_967_295, description: "The PriceSource epoch of the latest close" },
    ],
    layers: [
      { type: "relative_change", inputs: [0, 1, 2, 3, 4], reference: WINDOW - 1, outputBits: RETURN_BITS },
      { type: "dense", weights: m.w1.map((row) => row.map((w) => round8(w * INPUT_GAIN))), bias: m.b1.map(round8) },
      { type: "relu" },
      { type: "dense", weights: [m.w2.map(round8)], bias: [round8(m.b2)] },
      { type: "signal_head", hold: HOLD },
      {
        type: "output",
        outputs: [
          { name: "direction", unit: "side", description: "1 = buy, -1 = sell, 0 = hold" },
          { name: "size", unit: "1/1024 of a full position", description: "0 on hold" },
        ],
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
    visibility: { weights: "private", weightSalt },
    metadata,
  });
}

function main(): void {
  const all = samples();
  const trainSet = all.filter((s) => s.date < TEST_FROM);
  const testSet = all.filter((s) => s.date >= TEST_FROM);
  const m = train(trainSet);
  const float = (s: Sample) => {
    const score = forward(m, s.x).s;
    return { direction: direction(score), size: direction(score) === 0 ? 0 : Math.min(1, Math.abs(score)) };
  };

  // Keep the salt of an existing spec: re-training must not silently rotate the commitment's secret.
  const previous = existsSync(SPEC_PATH) ? (JSON.parse(readFileSync(SPEC_PATH, "utf8")) as ModelSpec) : undefined;
  const weightSalt = previous?.visibility?.weightSalt ?? BigInt("0x" + randomBytes(31).toString("hex")).toString();
  const draft = buildSpec(m, weightSalt, {});
  const ir = lowerModel(draft);
  const quantized = (s: Sample) => {
    const out = runQuantized(ir, [...s.cents, 1n]).outputs;
    return { direction: Number(out[0]), size: Number(out[1]) / 1024 };
  };
  const agreement = testSet.filter((s) => float(s).direction === quantized(s).direction).length / testSet.length;
  const metadata = {
    dataset: "S&P 500 daily closes 2000-01-03 .. 2020-04-17, Yahoo Finance via vega-datasets@3.2.1 (data/sp500/SOURCE.md)",
    dataFile: "data/sp500/sp500-2000.csv",
    dataSha256: createHash("sha256").update(readFileSync(SP500_PATH)).digest("hex"),
    target: `next-day return / ${TARGET_UNIT}, clipped to [-1, 1]; hold when |score| < ${HOLD}`,
    split: { train: `before ${TEST_FROM} (${trainSet.length} days)`, test: `from ${TEST_FROM} (${testSet.length} days)` },
    test: { float: report(testSet, float), quantized: report(testSet, quantized), directionAgreement: round8(agreement) },
    train: { float: report(trainSet, float) },
    note: "DEMO spec: it holds the private weights and the commitment salt. A real trader keeps this file secret.",
  };
  const spec = buildSpec(m, weightSalt, metadata);
  writeFileSync(SPEC_PATH, JSON.stringify(spec, null, 2) + "\n");
  const t = metadata.test;
  console.log(`Wrote ${SPEC_PATH}`);
  console.log(
    `Test (${testSet.length} days): float hit rate ${pct(t.float.hitRate)} on ${t.float.buy} buy / ${t.float.sell} sell / ${t.float.hold} hold; quantized ${pct(t.quantized.hitRate)}; direction agreement ${pct(agreement)}`,
  );
  console.log(
    `Mean position return ${t.float.meanPositionReturnBp.toFixed(2)} bp/day (float), ${t.quantized.meanPositionReturnBp.toFixed(2)} (quantized); buy and hold ${t.float.buyAndHoldBp.toFixed(2)} bp/day`,
  );
}

main();
