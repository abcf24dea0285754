/**
 * The S&P 500 daily price series kept in the repo (data/sp500/, see its SOURCE.md): the signal
 * model's training data and the prices the signals demo replays into the on-chain PriceSource.
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

export const SP500_PATH = fileURLToPath(new URL("../../data/sp500/sp500-2000.csv", import.meta.url));

/** Prices enter the model and the PriceSource as integer cents. */
export const toCents = (close: number): bigint => BigInt(Math.round(close * 100));

export interface DailyClose {
  /** ISO date, e.g. 2000-01-03. */
  date: string;
  /** Closing level in index points (dollars), as in the file. */
  close: number;
}

/** Every trading day's close, oldest first. Throws naming the line on a malformed row. */
export function loadSp500(path = SP500_PATH): DailyClose[] {
  const lines = readFileSync(path, "utf8").trim().split(/\r?\n/);
  const header = lines[0]!.split(",");
  const dateAt = header.indexOf("date");
  const closeAt = header.indexOf("close");
  if (dateAt < 0 || closeAt < 0) throw new Error(`${path}: expected a header with date and close columns, got ${lines[0]}`);
  return lines.slice(1).map((line, i) => {
    const cells = line.split(",");
    const close = Number(cells[closeAt]);
    if (!/^\d{4}-\d{2}-\d{2}$/.test(cells[dateAt] ?? "") || !Number.isFinite(close) || close <= 0) {
      throw new Error(`${path}:${i + 2}: expected date,...,close with a positive close, got "${line}"`);
    }
    return { date: cells[dateAt]!, close };
  });
}
