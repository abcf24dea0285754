/**
 * What the S&P 500 replay demos (demo-signals, demo-guard) share: their command-line options and the
 * window of closes they replay into the PriceSource (the model's first window, the replayed days, and
 * the days after them that the demos' rejections use).
 */
import { loadSp500, toCents, type DailyClose } from "../../prover/data/sp500.js";
import { SIGNAL_WINDOW } from "./signalStack.js";

/** The value after `--name`, or `fallback` when the flag is absent. */
export function option(name: string, fallback: string): string {
  const at = process.argv.indexOf(name);
  if (at < 0) return fallback;
  const value = process.argv[at + 1];
  if (value === undefined || value.startsWith("--")) throw new Error(`${name} needs a value`);
  return value;
}

export interface Sp500ReplayParameters {
  /** The flag giving the number of replayed days (e.g. "--steps") and its default. */
  countFlag: string;
  countDefault: number;
  /** The default first replayed date (--from). */
  fromDefault: string;
  /** Days needed after the replayed ones (the demos' rejections use them). */
  after: number;
}

/**
 * The closes to replay: the SIGNAL_WINDOW - 1 closes before the first replayed day (its window), the
 * `count` replayed days and `after` more. Refuses a count or a start outside the series, naming the option.
 */
export function sp500Replay({ countFlag, countDefault, fromDefault, after }: Sp500ReplayParameters): { count: number; replay: DailyClose[]; cents: bigint[] } {
  const raw = option(countFlag, String(countDefault));
  const count = Number(raw);
  if (!Number.isInteger(count) || count < 1 || count > 250) throw new Error(`${countFlag} must be an integer in [1, 250], got ${raw}`);
  const from = option("--from", fromDefault);
  const days = loadSp500();
  const first = days.findIndex((d) => d.date >= from);
  if (first < SIGNAL_WINDOW - 1 || first + count + after > days.length) {
    throw new Error(
      `--from ${from} with ${countFlag} ${count} needs trading days from ${days[SIGNAL_WINDOW - 1]!.date} to ${days.at(-(after + 1))!.date} in data/sp500 (2000-01-03 .. 2020-04-17)`,
    );
  }
  const replay = days.slice(first - (SIGNAL_WINDOW - 1), first + count + after);
  return { count, replay, cents: replay.map((d) => toCents(d.close)) };
}
