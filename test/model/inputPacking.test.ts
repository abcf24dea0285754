/**
 * The packing layout of private inputs (prover/model/commitment.ts, inputPackingLayout): the words
 * the input commitment hashes. It must be injective (one word list per feature vector), keep every
 * word below 2^248 < r, and handle negative ranges, ranges that are not a power of two and
 * constant features. The circuit side (PackRanged) is tested in test/circuits/pack.test.ts.
 */
import { expect } from "chai";
import { FIELD_MODULUS } from "../../prover/field.js";
import { inputCommitment, inputPackingLayout, packInputs, type InputRange } from "../../prover/model/commitment.js";

const range = (qmin: bigint, qmax: bigint): InputRange => ({ qmin, qmax });

describe("input packing layout", () => {
  it("gives each feature bitLength(qmax - qmin) bits and closes a word before 248 bits", () => {
    const pixels = Array.from({ length: 784 }, () => range(0n, 255n));
    const words = inputPackingLayout(pixels);
    // 31 pixels of 8 bits per word: 25 full words and one of 9.
    expect(words.length).to.equal(26);
    expect(words.slice(0, 25).every((w) => w.bits.length === 31 && w.bits.every((b) => b === 8))).to.equal(true);
    expect(words[25]).to.deep.equal({ first: 775, bits: Array(9).fill(8) });
    // Negative and non-power-of-two ranges, a constant feature (0 bits).
    expect(inputPackingLayout([range(-5n, 1n), range(-128n, 127n), range(3n, 3n), range(0n, 200n)])).to.deep.equal([{ first: 0, bits: [3, 8, 0, 8] }]);
    // 100 + 100 fits, a third 100 opens a word; a 248-bit digit fills one alone.
    const wide = (bits: number) => range(0n, (1n << BigInt(bits)) - 1n);
    expect(inputPackingLayout([wide(100), wide(100), wide(100), wide(248), wide(1)]).map((w) => w.bits)).to.deep.equal([[100, 100], [100], [248], [1]]);
  });

  it("refuses a range wider than a word, an empty range, and no inputs", () => {
    expect(() => inputPackingLayout([range(0n, 1n << 248n)])).to.throw(/input 0: .*wider than 248 bits/);
    expect(() => inputPackingLayout([range(0n, 1n), range(2n, 1n)])).to.throw(/input 1: empty range/);
    expect(() => inputPackingLayout([])).to.throw(/at least one input/);
  });

  it("packs the digits x - qmin lowest first", () => {
    const features = [range(-5n, 1n), range(-128n, 127n), range(3n, 3n), range(0n, 200n)];
    // digits 6 (3 bits), 0 (8 bits), 0 (0 bits), 200 (8 bits)
    expect(packInputs(features, [1n, -128n, 3n, 200n])).to.deep.equal([6n + (0n << 3n) + (200n << 11n)]);
    expect(packInputs(features, [-5n, 127n, 3n, 0n])).to.deep.equal([255n << 3n]);
  });

  it("refuses an input outside its declared range, naming it (a wrapped digit would alias a neighbour)", () => {
    const features = [range(0n, 6n), range(0n, 6n)];
    // Digits take 3 bits: 8 in input 0 would pack like (0, 1), so out-of-range values never reach the packing.
    expect(() => packInputs(features, [7n, 0n])).to.throw(/input 0 = 7 is outside its declared range \[0, 6\]/);
    expect(() => packInputs(features, [8n, 0n])).to.throw(/input 0 = 8/);
    expect(() => packInputs(features, [0n, -1n])).to.throw(/input 1 = -1/);
    expect(() => packInputs(features, [0n])).to.throw(/expected 2 inputs, got 1/);
  });

  it("is injective: every vector of a small mixed space packs differently, and every word is below 2^248", () => {
    const features = [range(-3n, 2n), range(0n, 0n), range(-1n, 1n), range(5n, 8n)];
    const seen = new Map<string, string>();
    for (let a = -3n; a <= 2n; a++)
      for (let c = -1n; c <= 1n; c++)
        for (let d = 5n; d <= 8n; d++) {
          const key = packInputs(features, [a, 0n, c, d]).join(",");
          expect(seen.has(key), `[${a}, 0, ${c}, ${d}] packs like [${seen.get(key)}]`).to.equal(false);
          seen.set(key, `${a}, 0, ${c}, ${d}`);
        }
    expect(seen.size).to.equal(6 * 3 * 4);
    // The widest words: every digit at its maximum.
    const wide = Array.from({ length: 40 }, (_, i) => range(-(1n << BigInt(i + 3)), (1n << BigInt(i + 3)) - 1n));
    const words = packInputs(
      wide,
      wide.map((f) => f.qmax),
    );
    expect(words.length).to.be.greaterThan(1);
    for (const w of words) expect(w < 1n << 248n && w < FIELD_MODULUS).to.equal(true);
  });

  it("commits two different feature vectors differently, and the salt hides which", async () => {
    const pixels = Array.from({ length: 784 }, () => range(0n, 255n));
    const x = pixels.map((_, i) => BigInt((i * 37) % 256));
    const c = await inputCommitment(pixels, x, 11n);
    expect(c).to.equal(await inputCommitment(pixels, x, 11n));
    for (const i of [0, 30, 31, 783]) {
      const y = x.slice();
      y[i] = y[i] === 255n ? 0n : y[i]! + 1n;
      expect(await inputCommitment(pixels, y, 11n), `pixel ${i} changed`).to.not.equal(c);
    }
    // Swapping two neighbours changes it too, and so does the salt.
    const swapped = x.slice();
    [swapped[0], swapped[1]] = [x[1]!, x[0]!];
    expect(await inputCommitment(pixels, swapped, 11n)).to.not.equal(c);
    expect(await inputCommitment(pixels, x, 12n)).to.not.equal(c);
  });
});
