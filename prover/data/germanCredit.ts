/**
 * Loader for the Statlog (German Credit) data set in data/german-credit/ (see SOURCE.md there).
 *
 * Every applicant is encoded as integers so the circuit can take the values as they are
 * (fixedPoint.inputBits = 0):
 *   - ordered categoricals become order-preserving ordinal codes (savings band, employment band...);
 *   - numerical attributes are kept as the raw integers from the file (months, DM, years...);
 *   - a few nominal attributes become 0/1 indicators.
 * Each feature declares min/max domain bounds. The circuit range-checks inputs against them, so
 * they are deliberately generous (a real applicant outside the 1994 sample must still fit) and
 * cover every row of the file.
 *
 * Left out on purpose: attribute 9 (personal status and sex) and attribute 20 (foreign worker).
 * Sex, marital status and national origin are protected characteristics in credit decisions, and
 * a model that is published and enforced on-chain should not use them.
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { ZkinferError } from "../errors.js";

/** data/german-credit/german.data, resolved from this file (prover/data/) to the repo root. */
export const GERMAN_CREDIT_PATH = fileURLToPath(new URL("../../data/german-credit/german.data", import.meta.url));

/** Default seed for the shuffle/split; the bundled model was trained with it. */
export const DEFAULT_SPLIT_SEED = 20240607;
/** Fraction of applicants (per class) that goes to the training split. */
export const TRAIN_FRACTION = 0.7;

export interface GermanCreditFeature {
  /** snake_case, the input name in the model spec. */
  name: string;
  unit: string;
  description: string;
  /** Declared domain bounds (inclusive), range-checked by the circuit. */
  min: number;
  max: number;
}

/** The 21 whitespace-separated columns of german.data: attributes 1..20 and the label. */
type RawRow = readonly string[];

interface FeatureDef extends GermanCreditFeature {
  encode: (raw: RawRow) => number;
}

/** Maps a categorical code (e.g. "A61") to its integer; throws on a code it does not know. */
function codeMap(column: number, table: Record<string, number>): (raw: RawRow) => number {
  return (raw) => {
    const code = raw[column] ?? "";
    const value = table[code];
    if (value === undefined) {
      throw new ZkinferError(`attribute ${column + 1} has unknown code "${code}" (expected one of ${Object.keys(table).join(", ")})`);
    }
    return value;
  };
}

/** 1 if the categorical attribute holds one of `codes`, else 0 (the code must be one of `all`). */
function flag(column: number, all: readonly string[], codes: readonly string[]): (raw: RawRow) => number {
  return codeMap(column, Object.fromEntries(all.map((c) => [c, codes.includes(c) ? 1 : 0])));
}

/** A numerical attribute, which must be an integer. */
function integer(column: number): (raw: RawRow) => number {
  return (raw) => {
    const text = raw[column] ?? "";
    if (!/^-?\d+$/.test(text)) throw new ZkinferError(`attribute ${column + 1} is "${text}", expected an integer`);
    return Number(text);
  };
}

const PURPOSES = ["A40", "A41", "A42", "A43", "A44", "A45", "A46", "A47", "A48", "A49", "A410"] as const;

// Column indexes below are 0-based: attribute k of german.doc is column k - 1.
const FEATURE_DEFS: readonly FeatureDef[] = [
  {
    name: "checking_account",
    unit: "band",
    description: "Status of the existing checking account: 0 = no checking account, 1 = balance < 0 DM, 2 = 0 to < 200 DM, 3 = >= 200 DM or salary assigned for at least 1 year",
    min: 0,
    max: 3,
    encode: codeMap(0, { A14: 0, A11: 1, A12: 2, A13: 3 }),
  },
  {
    name: "duration_months",
    unit: "months",
    description: "Duration of the requested credit",
    min: 1,
    max: 72,
    encode: integer(1),
  },
  {
    name: "credit_history",
    unit: "code",
    description: "Credit history, in the order of the data set documentation: 0 = no credits taken or all paid back duly, 1 = all credits at this bank paid back duly, 2 = existing credits paid back duly till now, 3 = delay in paying off in the past, 4 = critical account or other credits existing (not at this bank)",
    min: 0,
    max: 4,
    encode: codeMap(2, { A30: 0, A31: 1, A32: 2, A33: 3, A34: 4 }),
  },
  {
    name: "purpose_new_car",
    unit: "flag",
    description: "1 if the credit is for a new car, else 0",
    min: 0,
    max: 1,
    encode: flag(3, PURPOSES, ["A40"]),
  },
  {
    name: "purpose_used_car",
    unit: "flag",
    description: "1 if the credit is for a used car, else 0",
    min: 0,
    max: 1,
    encode: flag(3, PURPOSES, ["A41"]),
  },
  {
    name: "credit_amount",
    unit: "DM",
    description: "Amount of the requested credit in Deutsche Mark",
    min: 0,
    max: 20000,
    encode: integer(4),
  },
  {
    name: "savings",
    unit: "band",
    description: "Savings account / bonds: 0 = unknown or no savings account, 1 = < 100 DM, 2 = 100 to < 500 DM, 3 = 500 to < 1000 DM, 4 = >= 1000 DM",
    min: 0,
    max: 4,
    encode: codeMap(5, { A65: 0, A61: 1, A62: 2, A63: 3, A64: 4 }),
  },
  {
    name: "employment",
    unit: "band",
    description: "Present employment since: 0 = unemployed, 1 = < 1 year, 2 = 1 to < 4 years, 3 = 4 to < 7 years, 4 = >= 7 years",
    min: 0,
    max: 4,
    encode: codeMap(6, { A71: 0, A72: 1, A73: 2, A74: 3, A75: 4 }),
  },
  {
    name: "installment_rate",
    unit: "code",
    description: "Installment rate in percentage of disposable income, as coded in the data set (1 to 4)",
    min: 1,
    max: 4,
    encode: integer(7),
  },
  {
    name: "has_guarantor",
    unit: "flag",
    description: "1 if another person guarantees the credit, else 0 (a co-applicant does not count)",
    min: 0,
    max: 1,
    encode: flag(9, ["A101", "A102", "A103"], ["A103"]),
  },
  {
    name: "residence_since",
    unit: "code",
    description: "Present residence since, as coded in the data set (1 to 4)",
    min: 1,
    max: 4,
    encode: integer(10),
  },
  {
    name: "property",
    unit: "band",
    description: "Most valuable property: 0 = unknown or none, 1 = car or other, 2 = building society savings agreement or life insurance, 3 = real estate",
    min: 0,
    max: 3,
    encode: codeMap(11, { A124: 0, A123: 1, A122: 2, A121: 3 }),
  },
  {
    name: "age_years",
    unit: "years",
    description: "Age of the applicant",
    min: 18,
    max: 100,
    encode: integer(12),
  },
  {
    name: "other_installment_plans",
    unit: "flag",
    description: "1 if the applicant pays other installment plans (at a bank or at stores), else 0",
    min: 0,
    max: 1,
    encode: flag(13, ["A141", "A142", "A143"], ["A141", "A142"]),
  },
  {
    name: "owns_home",
    unit: "flag",
    description: "1 if the applicant lives in their own home, else 0 (rent, or housing for free)",
    min: 0,
    max: 1,
    encode: flag(14, ["A151", "A152", "A153"], ["A152"]),
  },
  {
    name: "existing_credits",
    unit: "credits",
    description: "Number of existing credits at this bank",
    min: 0,
    max: 10,
    encode: integer(15),
  },
  {
    name: "job",
    unit: "band",
    description: "Job: 0 = unemployed or unskilled non-resident, 1 = unskilled resident, 2 = skilled employee or official, 3 = management, self-employed, highly qualified employee or officer",
    min: 0,
    max: 3,
    encode: codeMap(16, { A171: 0, A172: 1, A173: 2, A174: 3 }),
  },
  {
    name: "dependents",
    unit: "people",
    description: "Number of people the applicant is liable to provide maintenance for, as recorded in the data set",
    min: 0,
    max: 10,
    encode: integer(17),
  },
  {
    name: "has_telephone",
    unit: "flag",
    description: "1 if a telephone is registered under the applicant's name, else 0",
    min: 0,
    max: 1,
    encode: flag(18, ["A191", "A192"], ["A192"]),
  },
];

/** The features, in model input order (name, unit, description, declared min/max). */
export const GERMAN_CREDIT_FEATURES: readonly GermanCreditFeature[] = FEATURE_DEFS.map(({ name, unit, description, min, max }) =>
  Object.freeze({ name, unit, description, min, max }),
);
export const FEATURE_NAMES: readonly string[] = GERMAN_CREDIT_FEATURES.map((f) => f.name);

export interface GermanCreditDataset {
  /** x[i][j]: feature j (GERMAN_CREDIT_FEATURES order) of applicant i (file order, 0-based). */
  x: number[][];
  /** 1 = good credit risk, 0 = bad. */
  y: number[];
}

const COLUMNS = 21;

/** Parses german.data text: an optional header line, then one applicant per line. */
export function parseGermanCredit(text: string): GermanCreditDataset {
  const x: number[][] = [];
  const y: number[] = [];
  const lines = text.split(/\r?\n/);
  lines.forEach((line, lineIndex) => {
    const trimmed = line.trim();
    if (trimmed === "") return;
    const raw = trimmed.split(/\s+/);
    // The shared-corpus copy starts with a header naming the columns; the UCI original does not.
    if (lineIndex === 0 && !/^A1\d$/.test(raw[0] ?? "")) return;
    if (raw.length !== COLUMNS) {
      throw new ZkinferError(`german.data line ${lineIndex + 1}: expected ${COLUMNS} columns, found ${raw.length}`);
    }
    const label = raw[COLUMNS - 1];
    // 1 = good; bad is 2 in the UCI original and 0 in the copy in data/german-credit.
    if (label !== "1" && label !== "2" && label !== "0") {
      throw new ZkinferError(`german.data line ${lineIndex + 1}: label is "${label}", expected 1 (good) or 2/0 (bad)`);
    }
    try {
      x.push(FEATURE_DEFS.map((f) => f.encode(raw)));
    } catch (err) {
      throw new ZkinferError(`german.data line ${lineIndex + 1}: ${(err as Error).message}`, { cause: err });
    }
    y.push(label === "1" ? 1 : 0);
  });
  return { x, y };
}

let cached: GermanCreditDataset | undefined;

/** Loads and encodes data/german-credit/german.data (cached; do not mutate the result). */
export function loadGermanCredit(): GermanCreditDataset {
  cached ??= parseGermanCredit(readFileSync(GERMAN_CREDIT_PATH, "utf8"));
  return cached;
}

/** Applicant `index` (0-based, file order) as { feature name: integer }, the model's input shape. */
export function applicantFeatures(index: number): Record<string, number> {
  const { x } = loadGermanCredit();
  const row = Number.isInteger(index) ? x[index] : undefined;
  if (row === undefined) throw new RangeError(`applicant index ${index} is out of range 0..${x.length - 1}`);
  return Object.fromEntries(FEATURE_NAMES.map((name, j) => [name, row[j] as number]));
}

/** The label of applicant `index`: 1 = good credit risk, 0 = bad. */
export function applicantLabel(index: number): number {
  const { y } = loadGermanCredit();
  const label = Number.isInteger(index) ? y[index] : undefined;
  if (label === undefined) throw new RangeError(`applicant index ${index} is out of range 0..${y.length - 1}`);
  return label;
}

/**
 * mulberry32: a small seeded PRNG returning floats in [0, 1). Deterministic across platforms
 * (32-bit integer arithmetic only), which is all the shuffle and the trainer need.
 */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Fisher-Yates shuffle of a copy of `items`, driven by `random`. */
export function shuffled<T>(items: readonly T[], random: () => number): T[] {
  const out = items.slice();
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    // i and j are in 0..i, inside the array.
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}

export interface Split {
  /** Applicant indexes (file order, 0-based), each list in shuffled order. */
  train: number[];
  test: number[];
}

/**
 * Stratified split of `indexes` by `labels`: each class is shuffled with the seeded PRNG and
 * round(fraction * class size) of it goes to `train`, the rest to `test`. Both lists are then
 * shuffled again so the classes are interleaved. Same seed, same split.
 */
export function stratifiedSplit(indexes: readonly number[], labels: readonly number[], fraction: number, seed: number): Split {
  const random = seededRandom(seed);
  const classes = [...new Set(indexes.map((i) => labelAt(labels, i)))].sort((a, b) => a - b);
  const train: number[] = [];
  const test: number[] = [];
  for (const c of classes) {
    const members = shuffled(
      indexes.filter((i) => labels[i] === c),
      random,
    );
    const cut = Math.round(fraction * members.length);
    train.push(...members.slice(0, cut));
    test.push(...members.slice(cut));
  }
  return { train: shuffled(train, random), test: shuffled(test, random) };
}

function labelAt(labels: readonly number[], i: number): number {
  const label = labels[i];
  if (label === undefined) throw new RangeError(`index ${i} has no label (${labels.length} labels)`);
  return label;
}

/** The 70/30 train/test split of all 1,000 applicants, stratified by label (490+210 / 210+90). */
export function germanCreditSplit(seed: number = DEFAULT_SPLIT_SEED): Split {
  const { y } = loadGermanCredit();
  return stratifiedSplit(
    y.map((_, i) => i),
    y,
    TRAIN_FRACTION,
    seed,
  );
}
