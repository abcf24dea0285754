import { expect } from "chai";
import { network } from "hardhat";
import { packValidity, publicInputInBounds, publicInputsIndex, publicSignalCount, signalIndex } from "../../../prover/abi/publicSignals.js";
import { FIELD_MODULUS, fromField, toField } from "../../../prover/field.js";

const { ethers, networkHelpers } = await network.create();

const HALF = (FIELD_MODULUS - 1n) / 2n;

async function deployFixture() {
  const harness = await ethers.deployContract("PublicSignalsHarness");
  return { harness };
}

describe("PublicSignals", function () {
  it("uses the BN254 scalar field of prover/field.ts", async function () {
    const { harness } = await networkHelpers.loadFixture(deployFixture);
    expect(await harness.fieldModulus()).to.equal(FIELD_MODULUS);
  });

  for (const k of [1, 2, 7]) {
    it(`places the binding fields where prover/abi/publicSignals.ts does, for ${k} output(s)`, async function () {
      const { harness } = await networkHelpers.loadFixture(deployFixture);
      expect(await harness.commitmentIndex(k)).to.equal(signalIndex("modelCommitment", k));
      expect(await harness.inputCommitmentIndex(k)).to.equal(signalIndex("inputCommitment", k));
      expect(await harness.subjectIndex(k)).to.equal(signalIndex("subject", k));
      expect(await harness.nonceIndex(k)).to.equal(signalIndex("nonce", k));
      expect(await harness.count(k)).to.equal(publicSignalCount(k));
    });

    it(`places the attestation fields where prover/abi/publicSignals.ts does, for ${k} output(s)`, async function () {
      const { harness } = await networkHelpers.loadFixture(deployFixture);
      expect(await harness.attesterKeyHashIndex(k)).to.equal(signalIndex("attesterKeyHash", k));
      expect(await harness.validityIndex(k)).to.equal(signalIndex("validity", k));
      expect(await harness.attestedCount(k)).to.equal(publicSignalCount(k, { attested: true }));
    });
  }

  for (const k of [1, 10]) {
    it(`places public inputs where prover/abi/publicSignals.ts does, for ${k} output(s)`, async function () {
      const { harness } = await networkHelpers.loadFixture(deployFixture);
      expect(await harness.publicInputsIndex(k)).to.equal(publicInputsIndex(k));
      expect(await harness.publicInputsIndex(k)).to.equal(signalIndex("nonce", k) + 1);
      for (const n of [1, 784]) expect(await harness.publicInputCount(k, n)).to.equal(publicSignalCount(k, { publicInputs: n }));
    });
  }

  it("bounds a public input to [-2^B, 2^B) as prover/abi/publicSignals.ts does, at every edge", async function () {
    const { harness } = await networkHelpers.loadFixture(deployFixture);
    for (const bits of [1, 8, 64, 250]) {
      const b = 1n << BigInt(bits);
      for (const q of [0n, 1n, -1n, b - 1n, b, -b, -b - 1n, 2n * b, -2n * b]) {
        const expected = publicInputInBounds(q, bits);
        expect(expected, `${q} at B = ${bits}`).to.equal(q >= -b && q < b);
        expect(await harness.inSignedBits(toField(q), bits), `${q} at B = ${bits}`).to.equal(expected);
      }
      // Field elements that decode to nothing small: (r - 1) / 2 and (r + 1) / 2.
      expect(await harness.inSignedBits(HALF, bits)).to.equal(false);
      expect(await harness.inSignedBits(HALF + 1n, bits)).to.equal(false);
    }
  });

  it("unpacks validity as prover/abi/publicSignals.ts packs it", async function () {
    const { harness } = await networkHelpers.loadFixture(deployFixture);
    for (const [issuedAt, expiresAt] of [
      [0n, 0n],
      [1_700_000_000n, 1_700_086_400n],
      [(1n << 64n) - 1n, (1n << 64n) - 1n],
    ]) {
      const [i, e] = await harness.unpackValidity(packValidity(issuedAt!, expiresAt!));
      expect([i, e]).to.deep.equal([issuedAt, expiresAt]);
    }
  });

  describe("toInt", function () {
    const cases: [string, bigint][] = [
      ["0", 0n],
      ["1", 1n],
      ["(r - 1) / 2, the largest positive", HALF],
      ["(r + 1) / 2, the most negative", HALF + 1n],
      ["r - 1, which is -1", FIELD_MODULUS - 1n],
      ["r - 600, which is -600", FIELD_MODULUS - 600n],
    ];
    for (const [name, x] of cases) {
      it(`decodes ${name} as prover/field.ts does`, async function () {
        const { harness } = await networkHelpers.loadFixture(deployFixture);
        expect(await harness.toInt(x)).to.equal(fromField(x));
      });
    }

    for (const [name, x] of [
      ["r", FIELD_MODULUS],
      ["r + 1", FIELD_MODULUS + 1n],
      ["2^256 - 1", ethers.MaxUint256],
    ] as const) {
      it(`rejects ${name} with PublicSignalsValueNotInField`, async function () {
        const { harness } = await networkHelpers.loadFixture(deployFixture);
        await expect(harness.toInt(x)).to.be.revertedWithCustomError(harness, "PublicSignalsValueNotInField").withArgs(x);
      });
    }
  });
});
