import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import * as snarkjs from "snarkjs";
import { bundledSpecPath } from "../../prover/artifacts/paths.js";
import { buildModel } from "../../prover/build/buildModel.js";
import { cachedStep, contentHash } from "../../prover/build/cache.js";
import { PtauError } from "../../prover/errors.js";
import { readPtauPower, requiredPtauPower, resolvePtau } from "../../prover/setup/ptau.js";

describe("setup: powers of tau", () => {
  const dir = mkdtempSync(join(tmpdir(), "zkinfer-ptau-"));
  const ptau = join(dir, "own_08.ptau");

  before(async function () {
    this.timeout(120_000);
    const curve = await snarkjs.curves.getCurveFromName("bn128");
    await snarkjs.powersOfTau.newAccumulator(curve, 8, ptau);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("reads the power from a ptau header", () => {
    expect(readPtauPower(ptau)).to.equal(8);
  });

  it("refuses a user ptau that is not the published Hermez file of its power", async () => {
    const err = await resolvePtau({ power: 8, ptau }).catch((e) => e);
    expect(err).to.be.instanceOf(PtauError);
    expect(err.message).to.contain("is not the published Hermez powersOfTau28_hez_final_08.ptau");
  });

  it("refuses a ptau too small for the circuit, and a file that is not a ptau", async () => {
    const small = await resolvePtau({ power: 9, ptau }).catch((e) => e);
    expect(small).to.be.instanceOf(PtauError);
    expect(small.message).to.contain("needs 2^9");
    const junk = join(dir, "junk.ptau");
    writeFileSync(junk, "not a ptau at all");
    expect(() => readPtauPower(junk)).to.throw(PtauError, "bad magic bytes");
  });

  it("sizes the ptau to the circuit", () => {
    expect(requiredPtauPower(1250, 5)).to.equal(11);
    expect(requiredPtauPower(2042, 5)).to.equal(11);
    expect(requiredPtauPower(2043, 5)).to.equal(12);
    expect(requiredPtauPower(10, 5)).to.equal(8);
  });
});

describe("setup: content-hash build cache", () => {
  it("skips a step whose inputs are unchanged, reruns it when they change or its outputs are missing", async () => {
    const dir = mkdtempSync(join(tmpdir(), "zkinfer-cache-"));
    const out = join(dir, "out.txt");
    let runs = 0;
    const step = (input: string) =>
      cachedStep({
        stampDir: dir,
        step: "s",
        hash: contentHash([input]),
        outputs: [out],
        run: async () => {
          runs++;
          writeFileSync(out, input);
          return input.length;
        },
      });
    expect((await step("a")).cached).to.equal(false);
    expect(await step("a")).to.deep.equal({ result: 1, cached: true });
    expect((await step("bb")).cached).to.equal(false);
    rmSync(out);
    expect((await step("bb")).cached).to.equal(false);
    expect(runs).to.equal(3);
  });

  it("leaves no stamp when a step fails, so nothing half-built looks finished", async () => {
    const dir = mkdtempSync(join(tmpdir(), "zkinfer-cache-"));
    const failing = cachedStep({
      stampDir: dir,
      step: "f",
      hash: "h",
      outputs: [],
      run: async () => {
        throw new Error("boom");
      },
    });
    expect(
      await failing.then(
        () => "ok",
        (e: Error) => e.message,
      ),
    ).to.equal("boom");
    expect(existsSync(join(dir, "f.stamp.json"))).to.equal(false);
  });

  it("rebuilds the bundled model from cache without redoing any step", async () => {
    const lines: string[] = [];
    await buildModel({ specPath: bundledSpecPath("credit-score"), log: (l) => lines.push(l) });
    const steps = lines.filter((l) => /^ {2}(compile|groth16|solidity)/.test(l));
    expect(steps).to.have.length(3);
    steps.forEach((l) => expect(l).to.contain("(cached)"));
  });
});
