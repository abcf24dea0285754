/**
 * The accuracy-bounty circuit (prover/circuit/bounty.ts) on the first 16 applicants of the German
 * Credit held-out split, through the same generator and build as the 300-sample bounty: agreement
 * with the reference interpreter (including the extreme weights the range checks admit: no wrap),
 * the witness-mutation soundness sweep (docs/SECURITY.md, Circuits 1-4, 8-10), and a pinned size.
 */
import { readFileSync } from "node:fs";
import { expect } from "chai";
import { artifactPath } from "../../prover/artifacts/paths.js";
import { buildBounty } from "../../prover/build/buildBounty.js";
import { bountyComparisonBits, bountyCorrect, bountyModelCommitment, generateBountyCircuit } from "../../prover/circuit/bounty.js";
import { changeViolates, firstViolatedConstraint, loadR1cs, loadSymbols, type R1cs } from "../../prover/circuit/r1cs.js";
import { GERMAN_CREDIT_FEATURES } from "../../prover/data/germanCredit.js";
import { germanCreditBountyModel, germanCreditTestSet } from "../../prover/data/germanCreditBounty.js";
import { FIELD_MODULUS, toField } from "../../prover/field.js";
import { lowerModel, type ModelIR } from "../../prover/model/ir.js";
import { testSetHash } from "../../prover/model/testSet.js";
import { BountyProver } from "../../prover/prove/bountyProver.js";
import { bountyArchitecture, creditLogisticBountyModel, majorityBaselineModel } from "../../scripts/dev/bountyModels.js";

const NAME = "credit-bounty-16";
const SAMPLES = 16;
/**
 * Pinned: 16 comparisons of 21-25 bits, the 20 weight range checks and the commitment's Poseidon
 * chain (1,154 before the commitment gained the circuit tag and digest, which take one more Poseidon round;
 * 1,409 until the private-weight layout put every constant first, in whole Poseidon chunks computed at
 * compile time, so that only the packed weights' chunk costs constraints).
 */
const NON_LINEAR_CONSTRAINTS = 878;

describe("accuracy-bounty circuit: 16 German Credit test samples, private committed weights", function () {
  this.timeout(900_000);
  const testSet = germanCreditTestSet(SAMPLES);
  const subject = 0xb0b0n;
  let prover: BountyProver;
  let r1cs: R1cs;
  let symbols: Map<string, number>;
  let model: ModelIR;
  let honest: bigint[];
  let nonLinear: number;

  before(async () => {
    const built = await buildBounty({ name: NAME, ir: bountyArchitecture(), testSet });
    nonLinear = built.circuit.nonLinearConstraints;
    prover = await BountyProver.load(NAME, testSet);
    r1cs = await loadR1cs(artifactPath(NAME, "r1cs"));
    symbols = loadSymbols(artifactPath(NAME, "sym"));
    model = creditLogisticBountyModel("424242");
    honest = await prover.witness({ ir: model, subject: `0x${subject.toString(16).padStart(40, "0")}`, nonce: 1n });
  });

  const wire = (name: string) => {
    const w = symbols.get(name);
    if (w === undefined) throw new Error(`no signal ${name}`);
    return w;
  };

  it("depends on the architecture and the test set only: the sponsor's zero-weight spec and any modeller's model give the same circuit", () => {
    const sponsor = generateBountyCircuit({ name: NAME, ir: bountyArchitecture(), testSet });
    expect(generateBountyCircuit({ name: NAME, ir: model, testSet })).to.equal(sponsor);
    expect(generateBountyCircuit({ name: NAME, ir: majorityBaselineModel("9"), testSet })).to.equal(sponsor);
    expect(readFileSync(artifactPath(NAME, "circuit"), "utf8")).to.equal(sponsor);
    expect(generateBountyCircuit({ name: NAME, ir: model, testSet: germanCreditTestSet(SAMPLES - 1) })).to.not.equal(sponsor);
  });

  it("has the pinned number of non-linear constraints", () => {
    expect(nonLinear).to.equal(NON_LINEAR_CONSTRAINTS);
  });

  it("outputs the reference count, the test-set hash and the registry's commitment; the honest witness satisfies every constraint", async () => {
    expect(firstViolatedConstraint(r1cs, honest)).to.equal(-1);
    expect(honest[wire("main.outputs[0]")]).to.equal(BigInt(bountyCorrect(model, testSet)));
    expect(honest[wire("main.outputs[0]")]).to.equal(10n); // 10 of the first 16 held-out applicants
    expect(honest[wire("main.outputs[1]")]).to.equal(testSetHash(testSet));
    expect(honest[wire("main.modelCommitment")]).to.equal(await bountyModelCommitment({ name: NAME, ir: model, testSet }));
    expect(honest[wire("main.inputCommitment")]).to.equal(0n);
  });

  it("agrees with the reference interpreter at the extreme weights the range checks admit (no wrap-around)", async () => {
    const cases = [
      { weights: GERMAN_CREDIT_FEATURES.map(() => -1), bias: -2 },
      { weights: GERMAN_CREDIT_FEATURES.map(() => 1023 / 1024), bias: 2047 / 1024 },
      { weights: GERMAN_CREDIT_FEATURES.map((_, i) => (i % 2 ? -1 : 1023 / 1024)), bias: 2047 / 1024 },
      { weights: GERMAN_CREDIT_FEATURES.map((_, i) => (i % 2 ? 1023 / 1024 : -1)), bias: -2 },
      { weights: GERMAN_CREDIT_FEATURES.map(() => 0), bias: 0 }, // score 0 counts as label 1
    ];
    for (const [at, c] of cases.entries()) {
      const ir = lowerModel(germanCreditBountyModel({ name: "extreme", ...c, weightSalt: String(at + 1) }));
      const w = await prover.witness({ ir, subject: "0x00000000000000000000000000000000000000b0", nonce: 1n });
      expect(firstViolatedConstraint(r1cs, w), `case ${at}`).to.equal(-1);
      expect(w[wire("main.outputs[0]")], `case ${at}`).to.equal(BigInt(bountyCorrect(ir, testSet)));
    }
    // Every comparison is narrower than the field, with room: no decomposition can alias.
    expect(Math.max(...bountyComparisonBits(model, testSet)) + 1).to.be.below(60);
  });

  it("refuses a weight outside its fixed width: the prover names it, and the constraints fail whatever the rest", () => {
    expect(() =>
      lowerModel(germanCreditBountyModel({ name: "too-wide", weights: GERMAN_CREDIT_FEATURES.map((_, i) => (i === 3 ? 1.5 : 0)), bias: 0, weightSalt: "1" })),
    ).to.not.throw(); // lowering accepts it...
    const wide = lowerModel(
      germanCreditBountyModel({ name: "too-wide", weights: GERMAN_CREDIT_FEATURES.map((_, i) => (i === 3 ? 1.5 : 0)), bias: 0, weightSalt: "1" }),
    );
    expect(() => prover.circuitInput({ ir: wide, subject: "0x00000000000000000000000000000000000000b0", nonce: 1n })).to.throw(
      /weight segment 0 \(weights of a dense layer\) holds 1536, outside the 11 signed bits the circuit fixes/,
    );
    // weights[3] = 1024 (= 1.0, one past the range) or p - 1025 (-1025): a range check fails.
    for (const bad of [1024n, FIELD_MODULUS - 1025n]) expect(changeViolates(r1cs, honest, wire("main.weights[3]"), bad), `weights[3] = ${bad}`).to.equal(true);
  });

  it("rejects a change to any single signal of the witness (no signal is left unconstrained)", () => {
    const free: string[] = [];
    for (let i = 1; i < honest.length; i++) {
      if (!changeViolates(r1cs, honest, i, (honest[i]! + 1n) % FIELD_MODULUS)) free.push([...symbols].find(([, w]) => w === i)?.[0] ?? `wire ${i}`);
    }
    expect(free, "signals that can change without violating a constraint").to.deep.equal([]);
  });

  it("rejects a claimed count other than the honest one, and each sample's sign bit flipped", () => {
    const count = wire("main.outputs[0]");
    for (const claimed of [honest[count]! + 1n, BigInt(SAMPLES), 0n]) expect(changeViolates(r1cs, honest, count, claimed), `count ${claimed}`).to.equal(true);
    // circom's optimizer substitutes one sign bit into the linear count (its wire is the count's); the
    // others keep their wires, and flipping any of them breaks its decomposition or the count.
    const kept = Array.from({ length: SAMPLES }, (_, s) => symbols.get(`main.positive[${s}]`)).filter((w): w is number => w !== undefined);
    expect(kept.length).to.be.at.least(SAMPLES - 1);
    for (const bit of kept) expect(changeViolates(r1cs, honest, bit, 1n - honest[bit]!), `sign bit wire ${bit}`).to.equal(true);
    // The test-set hash is a constant of the circuit.
    expect(changeViolates(r1cs, honest, wire("main.outputs[1]"), toField(testSetHash(germanCreditTestSet(8))))).to.equal(true);
  });

  it("rejects another split of any sign-bit decomposition (digits of 2 or -1)", () => {
    const groups = new Map<string, Map<number, number>>();
    for (const [name, w] of symbols) {
      const g = /^(main\..+)\.bits\.out\[(\d+)\]$/.exec(name);
      if (!g) continue;
      if (!groups.has(g[1]!)) groups.set(g[1]!, new Map());
      groups.get(g[1]!)!.set(Number(g[2]), w);
    }
    expect(groups.size, "decompositions found (16 comparisons + 20 weight range checks)").to.equal(SAMPLES + 20);
    let attacks = 0;
    for (const bits of groups.values()) {
      for (const [i, low] of bits) {
        const high = bits.get(i + 1);
        if (high === undefined) continue;
        const w = honest.slice();
        if (w[high] === 1n) {
          w[high] = 0n;
          w[low] = w[low]! + 2n;
        } else {
          w[high] = 1n;
          w[low] = (w[low]! - 2n + FIELD_MODULUS) % FIELD_MODULUS;
        }
        expect(firstViolatedConstraint(r1cs, w), `bits ${i},${i + 1}`).to.not.equal(-1);
        attacks++;
      }
    }
    expect(attacks).to.be.greaterThan(300);
  });

  it("binds subject and nonce in non-linear constraints", () => {
    for (const name of ["main.subject", "main.nonce"]) {
      const w = wire(name);
      expect(
        r1cs.constraints.some(([a, b]) => a.some(([i]) => i === w) && b.some(([i]) => i === w)),
        name,
      ).to.equal(true);
    }
  });

  it("binds the weights to the commitment: one weight changed, the same commitment, fails", () => {
    const other = creditLogisticBountyModel("424242");
    const layer = other.graph.nodes[0]!;
    if (layer.family !== "affine") throw new Error("bounty model layout changed");
    layer.rows[0]!.w[0] = layer.rows[0]!.w[0]! + 1n;
    const w = wire("main.weights[0]");
    expect(changeViolates(r1cs, honest, w, toField(layer.rows[0]!.w[0]!))).to.equal(true);
  });
});
