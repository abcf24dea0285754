/**
 * Sample inputs for calibration and reports: the peer corpus's input.json ({"input_data": [[...]]}),
 * a JSON array of feature objects, or a CSV with a header row of feature names (plus an optional
 * `label` column for the accuracy report). Errors name the file, row and column.
 */
import { readFileSync } from "node:fs";
import { ZkinferError } from "../errors.js";

export interface Samples {
  /** One flattened input vector per sample. */
  rows: number[][];
  /** Column names when the source has them (CSV header, JSON object keys). */
  names?: string[];
  /** Labels when the source has a `label` column. */
  labels?: number[];
}

export function readSamples(path: string): Samples {
  const text = readFileSync(path, "utf8");
  if (path.toLowerCase().endsWith(".csv")) return parseCsv(text, path);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (cause) {
    throw new ZkinferError(`${path} is neither a .csv file nor valid JSON: ${(cause as Error).message}`);
  }
  const data = Array.isArray(json) ? json : (json as { input_data?: unknown })?.input_data;
  if (!Array.isArray(data) || data.length === 0) {
    throw new ZkinferError(`${path}: expected {"input_data": [[numbers...]]}, an array of number arrays, or an array of {feature: value} objects.`);
  }
  if (typeof data[0] === "object" && data[0] !== null && !Array.isArray(data[0])) {
    const names = Object.keys(data[0]).filter((k) => k !== "label");
    const rows = data.map((o: Record<string, unknown>, r) =>
      names.map((n) => {
        const v = o[n];
        if (typeof v !== "number" || !Number.isFinite(v))
          throw new ZkinferError(`${path}: sample ${r} feature \`${n}\` is ${JSON.stringify(v)}; expected a finite number.`);
        return v;
      }),
    );
    const labels = data.every((o: Record<string, unknown>) => typeof o.label === "number") ? data.map((o: Record<string, number>) => o.label!) : undefined;
    return { rows, names, labels };
  }
  return { rows: (typeof data[0] === "number" ? [data] : data).map((r: unknown) => (Array.isArray(r) ? (r.flat(Infinity) as number[]) : [r as number])) };
}

function parseCsv(text: string, path: string): Samples {
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== "");
  if (lines.length < 2) throw new ZkinferError(`${path}: a CSV needs a header row of feature names and at least one data row.`);
  const header = lines[0]!.split(",").map((h) => h.trim());
  const labelAt = header.indexOf("label");
  const rows: number[][] = [];
  const labels: number[] = [];
  lines.slice(1).forEach((line, r) => {
    const cells = line.split(",").map((c) => c.trim());
    if (cells.length !== header.length) throw new ZkinferError(`${path} row ${r + 2}: ${cells.length} cells, the header has ${header.length}.`);
    const nums = cells.map((c, k) => {
      const v = Number(c);
      if (c === "" || !Number.isFinite(v)) throw new ZkinferError(`${path} row ${r + 2} column \`${header[k]}\`: "${c}" is not a finite number.`);
      return v;
    });
    if (labelAt >= 0) labels.push(nums[labelAt]!);
    rows.push(nums.filter((_, k) => k !== labelAt));
  });
  return { rows, names: header.filter((_, k) => k !== labelAt), labels: labelAt >= 0 ? labels : undefined };
}
