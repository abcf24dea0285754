/**
 * circuits/lib/pack.circom (PackRanged): private inputs range-checked and packed into the words the
 * input commitment hashes. The circuit here is laid out by inputPackingLayout, as the codegen does, over
 * ranges chosen to be awkward: negative, not a power of two, a constant feature, and a 248-bit one.
 * Witness tampering (SECURITY.md case 1, 3): changing any feature, any bit or any packed word violates
 * the constraints, and so does the carry attack (d0 + 2^b0, d1 - 1) that packs to the same word.
 */
import { expect } from "chai";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { WitnessCalculatorBuilder } from "circom_runtime";
import { compileCircuit } from "../../prover/circuit/compile.js";
import { changeViolates, firstViolatedConstraint, loadR1cs, loadSymbols, type R1cs } from "../../prover/circuit/r1cs.js";
import { FIELD_MODULUS, toField } from "../../prover/field.js";
import { inputPackingLayout, packInputs, type InputRange } from "../../prover/model/commitment.js";
import { randomBetween, rng } from "../helpers/circuits.js";

const FEATURES: InputRange[] = [
  { qmin: -5n, qmax: 1n }, // 3 bits, 7 values: not a power of two, negative
  { qmin: -128n, qmax: 127n }, // 8 bits, exactly 256 values
  { qmin: 3n, qmax: 3n }, // constant: 0 bits
  { qmin: 0n, qmax: 200n }, // 8 bits, not a power of two
  { qmin: -1n, qmax: 0n }, // 1 bit
  { qmin: 0n, qmax: (1n << 248n) - 1n }, // a whole word alone
  { qmin: -1n, qmax: 1n }, // 2 bits, 3 values, in a third word
];

describe("circuit: PackRanged (private inputs range-checked and packed for the input commitment)", function () {
  this.timeout(120_000);
  const layout = inputPackingLayout(FEATURES);
  let r1cs: R1cs;
  let symbols: Map<string, number>;
  let witness: (inputs: bigint[]) => Promise<bigint[]>;
  let honestInputs: bigint[];
  let honest: bigint[];

  before(async () => {
    const dir = mkdtempSync(join(tmpdir(), "zkinfer-pack-"));
    const list = (xs: (bigint | number | string)[]) => `[${xs.join(", ")}]`;
    const words = layout.map(({ first, bits }, w) => {
      const members = bits.map((_, j) => first + j);
      return (
        `    words[${w}] <== PackRanged(${bits.length}, ${list(bits)}, ${list(members.map((i) => FEATURES[i]!.qmin))}, ` +
        `${list(members.map((i) => FEATURES[i]!.qmax))})(${list(members.map((i) => `features[${i}]`))});`
      );
    });
    const source = join(dir, "pack.circom");
    writeFileSync(
      source,
      [
        "pragma circom 2.2.0;",
        'include "circuits/lib/pack.circom";',
        "template Pack() {",
        `    signal input features[${FEATURES.length}];`,
        `    signal output words[${layout.length}];`,
        ...words,
        "}",
        "component main = Pack();",
      ].join("\n"),
    );
    await compileCircuit({ source, outDir: dir });
    r1cs = await loadR1cs(join(dir, "pack.r1cs"));
    symbols = loadSymbols(join(dir, "pack.sym"));
    const wc = await WitnessCalculatorBuilder(readFileSync(join(dir, "pack_js", "pack.wasm")));
    witness = (inputs) => wc.calculateWitness({ features: inputs.map(toField) }, true);
    honestInputs = [-2n, 5n, 3n, 150n, -1n, 12345678901234567890n, -1n];
    honest = await witness(honestInputs);
  });

  it("lays the awkward ranges out in three words", () => {
    expect(layout).to.deep.equal([
      { first: 0, bits: [3, 8, 0, 8, 1] },
      { first: 5, bits: [248] },
      { first: 6, bits: [2] },
    ]);
  });

  it("packs exactly as packInputs does, on random inputs and at every range bound", async () => {
    const next = rng(5);
    const cases = [FEATURES.map((f) => f.qmin), FEATURES.map((f) => f.qmax)];
    for (let t = 0; t < 30; t++) cases.push(FEATURES.map((f) => randomBetween(next, f.qmin, f.qmax)));
    for (const inputs of cases) {
      const w = await witness(inputs);
      expect(firstViolatedConstraint(r1cs, w)).to.equal(-1);
      expect(w.slice(1, 1 + layout.length), `inputs [${inputs}]`).to.deep.equal(packInputs(FEATURES, inputs));
    }
  });

  it("rejects a change to any single signal: every feature, every bit, every packed word", () => {
    const free: string[] = [];
    for (let i = 1; i < honest.length; i++) {
      for (const delta of [1n, FIELD_MODULUS - 1n]) {
        if (!changeViolates(r1cs, honest, i, (honest[i]! + delta) % FIELD_MODULUS)) free.push(`wire ${i} by ${delta}`);
      }
    }
    expect(free).to.deep.equal([]);
    // The sweep did cover the words and the decomposition bits (named wires of this circuit).
    const named = [...symbols.keys()];
    expect(named.filter((n) => /^main\.words\[\d\]$/.test(n))).to.have.length(3);
    expect(named.filter((n) => /\.low\.out\[\d+\]$/.test(n)).length).to.be.greaterThan(250);
  });

  it("rejects an input outside its range, including p - 1 posing as -1 and the constant feature moved", async () => {
    for (const [i, f] of FEATURES.entries()) {
      for (const bad of [f.qmax + 1n, f.qmin - 1n]) {
        const tampered = honestInputs.slice();
        tampered[i] = bad;
        let refused = false;
        await witness(tampered).catch(() => (refused = true));
        expect(refused, `witness generator accepted feature ${i} = ${bad}`).to.equal(true);
      }
    }
    // And the constraints, for every feature that kept a wire of its own (the others are linear in
    // their bits, which the single-signal sweep covers): p - 1, the field's -1, and one past the max.
    let checked = 0;
    for (const [i, f] of FEATURES.entries()) {
      const wire = symbols.get(`main.features[${i}]`);
      if (wire === undefined) continue;
      for (const bad of [FIELD_MODULUS - 1n + f.qmin, toField(f.qmax + 1n)])
        expect(changeViolates(r1cs, honest, wire, bad), `feature ${i} = ${bad}`).to.equal(true);
      checked++;
    }
    expect(checked).to.be.greaterThan(0);
  });

  it("rejects the carry attack (d0 + 2^3, d1 - 1): same word, whatever booleans the prover picks for the bits", () => {
    // Feature 0 moves up by 2^3 (its digit no longer fits 3 bits), feature 1 down by one: the word is unchanged.
    const f0 = symbols.get("main.features[0]")!;
    const f1 = symbols.get("main.features[1]")!;
    // The first word's PackRanged instance: the one with a 4th member (feature 3).
    const bitPattern = /^(main\.PackRanged_[^.]+)\.InRange_[^.]+\[(\d+)\]\.(low|high)\.out\[\d+\]$/;
    const word0 = [...symbols.keys()].map((n) => bitPattern.exec(n)).find((g) => g && g[2] === "3")![1];
    const bitsOf = (feature: number, part: "low" | "high") =>
      [...symbols]
        .filter(([n]) => {
          const g = bitPattern.exec(n);
          return g && g[1] === word0 && g[2] === String(feature) && g[3] === part;
        })
        .map(([, wire]) => wire);
    const low0 = bitsOf(0, "low");
    const high0 = bitsOf(0, "high");
    expect(low0.length + high0.length, "feature 0's decomposition bits found").to.be.within(1, 6);
    const w = honest.slice();
    w[f0] = toField(honestInputs[0]! + 8n);
    w[f1] = toField(honestInputs[1]! - 1n);
    // Feature 1's own bits re-decomposed honestly: only feature 0 can fail.
    const low1 = bitsOf(1, "low");
    const digit1 = honestInputs[1]! - 1n - FEATURES[1]!.qmin;
    low1.forEach((wire, b) => (w[wire] = (digit1 >> BigInt(b)) & 1n));
    const free = [...low0, ...high0];
    for (let mask = 0; mask < 1 << free.length; mask++) {
      free.forEach((wire, b) => (w[wire] = BigInt((mask >> b) & 1)));
      expect(firstViolatedConstraint(r1cs, w), `bits ${mask.toString(2)}`).to.not.equal(-1);
    }
  });
});
