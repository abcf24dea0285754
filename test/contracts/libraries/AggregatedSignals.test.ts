/**
 * contracts/libraries/AggregatedSignals.sol mirrors prover/abi/aggregatedSignals.ts: indices, counts,
 * batch sizes, statement words and the output packing agree, at the edges of every range.
 */
import { expect } from "chai";
import { network } from "hardhat";
import {
  ACTIVE_BIT,
  AGGREGATED_BATCH_FIELDS,
  AGGREGATED_NONCE_BITS,
  MAX_AGGREGATION_SIZE,
  OUTPUT_WORD_BITS,
  SUBJECT_BITS,
  aggregatedSignalCount,
  checkAggregationSize,
  encodeOutputLayout,
  packOutputRanges,
  packOutputs,
  packStatement,
  slotSize,
  statementIndex,
  unpackOutputs,
  unpackStatement,
} from "../../../prover/abi/aggregatedSignals.js";
import { FIELD_MODULUS, toField } from "../../../prover/field.js";

const { ethers, networkHelpers } = await network.create();

async function deployFixture() {
  return { harness: await ethers.deployContract("AggregatedSignalsHarness") };
}

/** Layouts: one small word; two words by width; a raw element between packed ones; signed ranges. */
const LAYOUTS = [
  [{ min: -9017n, max: 11507n, raw: false }],
  [
    { min: -1n, max: 1n, raw: false },
    { min: 0n, max: 1024n, raw: false },
    { min: 0n, max: (1n << 32n) - 1n, raw: false },
    { min: 0n, max: 0n, raw: true },
  ],
  [
    { min: -(1n << 200n), max: 1n << 200n, raw: false },
    { min: -(1n << 100n), max: 5n, raw: false },
    { min: 7n, max: 7n, raw: false },
  ],
];

describe("AggregatedSignals", function () {
  it("has the constants of prover/abi/aggregatedSignals.ts", async function () {
    const { harness } = await networkHelpers.loadFixture(deployFixture);
    const c = await harness.constants();
    expect(c.map(Number)).to.deep.equal([
      AGGREGATED_BATCH_FIELDS.length,
      SUBJECT_BITS,
      AGGREGATED_NONCE_BITS,
      ACTIVE_BIT,
      OUTPUT_WORD_BITS,
      MAX_AGGREGATION_SIZE,
    ]);
  });

  it("accepts the same batch sizes: powers of two in [2, 1024]", async function () {
    const { harness } = await networkHelpers.loadFixture(deployFixture);
    for (const n of [0, 1, 2, 3, 4, 6, 16, 64, 100, 512, 1024, 2048]) {
      let ts = true;
      try {
        checkAggregationSize(n);
      } catch {
        ts = false;
      }
      expect(await harness.isSize(n), `n = ${n}`).to.equal(ts);
    }
  });

  for (const [l, ranges] of LAYOUTS.entries()) {
    it(`places the slots and unpacks the outputs as the TypeScript does (layout ${l})`, async function () {
      const { harness } = await networkHelpers.loadFixture(deployFixture);
      const layout = packOutputRanges(ranges);
      const entries = encodeOutputLayout(layout);
      expect(await harness.outputWords(entries)).to.equal(BigInt(layout.words));
      for (const n of [2, 16]) expect(await harness.count(n, slotSize(layout))).to.equal(BigInt(aggregatedSignalCount(n, layout)));
      for (const i of [0, 1, 15]) {
        const [commitment, root, statement] = await harness.indices(slotSize(layout), i);
        expect([commitment, root, statement].map(Number)).to.deep.equal([0, 1, statementIndex(i, layout)]);
      }
      // Every output at its minimum, its maximum and a value between.
      for (const pick of [
        (r: { min: bigint; max: bigint }) => r.min,
        (r: { min: bigint; max: bigint }) => r.max,
        (r: { min: bigint; max: bigint }) => (r.min + r.max) / 2n,
      ]) {
        const values = ranges.map((r) => (r.raw ? FIELD_MODULUS - 5n : pick(r)));
        const words = packOutputs(layout, values);
        // A raw element comes back signed, as a single proof's decoded outputs (r - 5 is -5).
        expect(unpackOutputs(layout, words)).to.deep.equal(values.map((v, j) => (ranges[j]!.raw ? -5n : v)));
        for (const o of layout.outputs) {
          expect(await harness.outputAt(words[o.word]!, entries[o.index]!, o.shift), `output ${o.index}`).to.equal(toField(values[o.index]!));
        }
      }
    });
  }

  it("decodes statement words as the TypeScript does, at the edges of subject and nonce", async function () {
    const { harness } = await networkHelpers.loadFixture(deployFixture);
    for (const subject of [0n, 1n, (1n << 160n) - 1n]) {
      for (const nonce of [0n, 1n, (1n << 64n) - 1n]) {
        const word = packStatement(subject, nonce);
        expect(unpackStatement(word)).to.deep.equal({ subject, nonce });
        const [s, n, marker] = await harness.unpackStatement(word);
        expect([BigInt(s), n, marker]).to.deep.equal([subject, nonce, 1n]);
      }
    }
    expect(() => packStatement(0n, 1n << 64n)).to.throw(/nonce must be in \[0, 2\^64\)/);
    expect(() => packStatement(1n << 160n, 0n)).to.throw(/not a 20-byte address/);
    // A word above the marker range is refused by both sides.
    expect(() => unpackStatement(1n << 225n)).to.throw(/no active marker/);
    expect((await harness.unpackStatement(1n << 225n))[2]).to.equal(2n);
  });
});
