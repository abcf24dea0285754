/**
 * The anomaly-guard model's data, as its trainer, its measuring script, the guard demo and the
 * tests use it: the S&P 500 windows of 6 closes (what the PriceSource records), the stated label,
 * and the float features the model's fixed first layer computes.
 */
import { SIGNAL_WINDOW as WINDOW } from "../../deploy/Signals.js";
import { toCents, type DailyClose } from "../../prover/data/sp500.js";

/** The label and the split, stated once. */
export const ANOMALY = {
  /** A sell-off: a close at least this far below day t's close ... */
  drop: 0.04,
  /** ... within this many trading days after t. */
  horizon: 5,
  /** Train before this date, evaluate from it. */
  testFrom: "2015-01-01",
} as const;

export function anomalyLabels(): string {
  return `day t is anomalous when some close of the next ${ANOMALY.horizon} trading days is at least ${100 * ANOMALY.drop}% below day t's close (a sell-off follows); days without ${ANOMALY.horizon} following days are left out`;
}

export interface AnomalySample {
  date: string;
  /** 6 closes in cents, oldest first; the last is day t's. */
  cents: bigint[];
  anomalous: boolean;
}

/** Every day with a full window behind it and a full horizon after it. */
export function anomalySamples(days: readonly DailyClose[]): AnomalySample[] {
  const out: AnomalySample[] = [];
  for (let t = WINDOW - 1; t + ANOMALY.horizon < days.length; t++) {
    const close = days[t]!.close;
    const worst = Math.min(...days.slice(t + 1, t + 1 + ANOMALY.horizon).map((d) => d.close));
    out.push({
      date: days[t]!.date,
      cents: days.slice(t - WINDOW + 1, t + 1).map((d) => toCents(d.close)),
      anomalous: worst <= close * (1 - ANOMALY.drop),
    });
  }
  return out;
}

/** The float features: ReLU(layer . r), r_i = (p_i - p_5) / p_5 as relative_change computes them. */
export function anomalyFeatures(layer: readonly (readonly number[])[], cents: readonly bigint[]): number[] {
  const last = Number(cents[WINDOW - 1]!);
  const r = cents.slice(0, WINDOW - 1).map((c) => (Number(c) - last) / last);
  return layer.map((row) =>
    Math.max(
      0,
      row.reduce((a, w, i) => a + w * r[i]!, 0),
    ),
  );
}
