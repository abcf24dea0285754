/**
 * `npm run measure:anomaly [-- --json]`: the anomaly-guard model's evaluation figures (README,
 * "Anomaly guard"), with the CIRCUIT's scores: for every evaluation day (from 2015-01-01) the built
 * circuit's witness generator computes the score the proof would state, and it is compared with the
 * float model (the spec's weights in float arithmetic) and with the reference interpreter.
 * Needs the built model (`npm run build:models`). Prints the flagged days grouped into episodes,
 * false alarms per year, and float vs circuit agreement.
 */
import { bundledSpecPath } from "../prover/artifacts/paths.js";
import { loadSp500 } from "../prover/data/sp500.js";
import { FIELD_MODULUS } from "../prover/field.js";
import { runQuantized } from "../prover/model/interpret.js";
import { readModelSpec } from "../prover/model/spec.js";
import { ModelProver } from "../prover/prove/prover.js";
import { releaseCurves } from "../prover/setup/curve.js";
import { ANOMALY, anomalyFeatures, anomalySamples } from "./dev/anomalyData.js";
import { signalFeatures } from "./dev/signalStack.js";

const ZERO_ADDRESS = "0x0000000000000000000000000000000000000000";

async function main() {
  const prover = await ModelProver.load(bundledSpecPath("anomaly-guard"));
  const ir = prover.ir;
  // The float model: the spec's layers in float (the fixed move split, then the logistic regression).
  const dense = readModelSpec(bundledSpecPath("anomaly-guard")).layers.filter((l) => l.type === "dense");
  const [split, logistic] = dense as unknown as [{ weights: number[][] }, { weights: number[][]; bias: number[] }];
  const floatScore = (cents: bigint[]) => anomalyFeatures(split.weights, cents).reduce((a, v, j) => a + v * logistic.weights[0]![j]!, logistic.bias[0]!);
  const scale = 2 ** ir.outputs[0]!.scale;

  const test = anomalySamples(loadSp500()).filter((s) => s.date >= ANOMALY.testFrom);
  let agree = 0;
  let interpreterMismatches = 0;
  let maxError = 0;
  const flagged: { date: string; anomalous: boolean }[] = [];
  /** Every day's circuit score (logit), for the owner's other thresholds below. */
  const scores: { logit: number; date: string; anomalous: boolean }[] = [];
  for (const [i, s] of test.entries()) {
    const epoch = BigInt(i + 1);
    const witness = await prover.witness({ features: signalFeatures(s.cents, epoch), subject: ZERO_ADDRESS, nonce: epoch, salt: 1n });
    // witness[0] is the constant 1; the public outputs follow, the score first (signed: p - x is -x).
    const raw = witness[1]!;
    const circuit = raw > FIELD_MODULUS / 2n ? raw - FIELD_MODULUS : raw;
    if (circuit !== runQuantized(ir, [...s.cents, epoch]).outputs[0]) interpreterMismatches++;
    const f = floatScore(s.cents);
    maxError = Math.max(maxError, Math.abs(Number(circuit) / scale - f));
    if (f >= 0 === circuit >= 0n) agree++;
    if (circuit >= 0n) flagged.push({ date: s.date, anomalous: s.anomalous });
    scores.push({ logit: Number(circuit) / scale, date: s.date, anomalous: s.anomalous });
  }
  const years = (Date.parse(test.at(-1)!.date) - Date.parse(test[0]!.date)) / (365.25 * 86_400_000);
  const falseAlarms = flagged.filter((f) => !f.anomalous).length;
  const byYear: Record<string, number> = {};
  for (const f of flagged) byYear[f.date.slice(0, 4)] = (byYear[f.date.slice(0, 4)] ?? 0) + 1;
  const result = {
    days: test.length,
    period: `${test[0]!.date} .. ${test.at(-1)!.date}`,
    anomalousDays: test.filter((s) => s.anomalous).length,
    flagged: flagged.length,
    flaggedByYear: byYear,
    hits: flagged.length - falseAlarms,
    falseAlarms,
    falseAlarmsPerYear: Number((falseAlarms / years).toFixed(2)),
    floatCircuitFlagAgreement: agree / test.length,
    maxScoreError: Number(maxError.toFixed(4)),
    circuitVsInterpreterMismatches: interpreterMismatches,
  };
  for (const [k, v] of Object.entries(result)) console.log(`${k}: ${JSON.stringify(v)}`);
  // A lower threshold is the owner's choice (setThreshold): more of 2018 flagged, more false alarms.
  for (const t of [-0.5, -1]) {
    const f = scores.filter((s) => s.logit >= t);
    const years2 = new Map<string, number>();
    for (const x of f) years2.set(x.date.slice(0, 4), (years2.get(x.date.slice(0, 4)) ?? 0) + 1);
    const fa = f.filter((x) => !x.anomalous).length;
    console.log(
      `at threshold ${t} (P >= ${(100 / (1 + Math.exp(-t))).toFixed(1)}%): ${f.length} flagged (${JSON.stringify(Object.fromEntries(years2))}), ` +
        `${f.length - fa} hits, ${fa} false alarms = ${(fa / years).toFixed(2)} per year`,
    );
  }
  console.log(`flagged days: ${flagged.map((f) => `${f.date}${f.anomalous ? "*" : ""}`).join(" ")}  (* = a 4% sell-off followed)`);
  if (process.argv.includes("--json")) console.log(JSON.stringify(result));
}

try {
  await main();
} finally {
  await releaseCurves();
}
process.exit(0);
