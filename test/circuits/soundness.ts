/**
 * The circuit test suite every model runs: agreement with the reference interpreter, a pinned
 * constraint count, and witness tampering (docs/SECURITY.md cases 1-4, 8 and 10).
 */
import { expect } from "chai";
import { FIELD_MODULUS, toField } from "../../prover/field.js";
import { runQuantized } from "../../prover/model/interpret.js";
import { inputCommitment, publicOutputs } from "../../prover/model/commitment.js";
import { signalIndex } from "../../prover/abi/publicSignals.js";
import { MAX_GADGET_BITS } from "../../prover/graph/interval.js";
import { publicOutputCount } from "../../prover/model/ir.js";
import { changeViolates } from "../../prover/circuit/r1cs.js";
import { compileSpec, randomBetween, rng, type CompiledModel } from "../helpers/circuits.js";

export interface SoundnessSuiteParameters {
  specPath: string;
  /** Pinned non-linear constraint count: a change in circuit size must be a reviewed event. */
  nonLinearConstraints: number;
  randomInputs?: number;
  /**
   * Signals that may take another value without violating a constraint AND without changing any
   * other signal, each with the reason. The sweep demands that the free signals are exactly these,
   * so a new free signal still fails it.
   */
  harmlessFreeSignals?: Record<string, string>;
  /**
   * The model's inputs are public signals (visibility.inputs = "public"): the circuit does not
   * range-check them (the hub bounds them to [-2^B, 2^B)), so instead of refusing out-of-range
   * inputs the suite demands agreement over that whole interval and binding of every input.
   */
  publicInputs?: boolean;
}

export function soundnessSuite({
  specPath,
  nonLinearConstraints,
  randomInputs = 200,
  harmlessFreeSignals = {},
  publicInputs = false,
}: SoundnessSuiteParameters): void {
  let m: CompiledModel;
  let honest: bigint[];
  let honestInputs: bigint[];

  before(async function () {
    this.timeout(300_000);
    m = await compileSpec(specPath);
    const next = rng(42);
    honestInputs = m.ir.features.map((f) => randomBetween(next, f.qmin, f.qmax));
    honest = await m.witness(honestInputs);
  });

  /** Compares every public output and every surviving intermediate with the interpreter. */
  async function expectAgreement(inputs: bigint[]): Promise<void> {
    const ref = runQuantized(m.ir, inputs);
    const w = await m.witness(inputs);
    // The outputs slot per the model's visibility (a hashed output's salt is 8: the helper's default).
    const expected = await publicOutputs(m.ir, ref.outputs, 8n, inputs);
    expected.forEach((q, o) => expect(w[1 + o], `output ${o} for inputs [${inputs}]`).to.equal(toField(q)));
    // Node k's outputs are the signals main.model_n<k>[j], the tape's values after the inputs.
    let at = m.ir.features.length;
    m.ir.graph.nodes.forEach((node, k) =>
      node.outs.forEach((_, j) => {
        const wire = m.symbols.get(`main.model_n${k}[${j}]`);
        if (wire !== undefined) expect(w[wire], `graph node ${k} value ${j} for [${inputs}]`).to.equal(toField(ref.tape[at]!));
        at++;
      }),
    );
  }

  it(`agrees with the reference interpreter bit for bit on ${randomInputs} random inputs`, async () => {
    const next = rng(1);
    for (let t = 0; t < randomInputs; t++) {
      await expectAgreement(m.ir.features.map((f) => randomBetween(next, f.qmin, f.qmax)));
    }
  });

  it("agrees at the edges: every range bound, zeros, and each feature alone at an extreme", async () => {
    const lo = m.ir.features.map((f) => f.qmin);
    const hi = m.ir.features.map((f) => f.qmax);
    const zero = m.ir.features.map((f) => (f.qmin > 0n ? f.qmin : f.qmax < 0n ? f.qmax : 0n));
    const cases = [lo, hi, zero, lo.map((x, i) => (i % 2 ? x : hi[i]!)), hi.map((x, i) => (i % 2 ? x : lo[i]!))];
    m.ir.features.forEach((_, i) => {
      cases.push(lo.map((x, j) => (j === i ? hi[i]! : x)));
      cases.push(hi.map((x, j) => (j === i ? lo[i]! : x)));
    });
    for (const c of cases) await expectAgreement(c);
  });

  if (!publicInputs) {
    it("commits to the inputs as inputCommitment computes it (packed per inputPackingLayout), and to nothing else", async () => {
      const at = 1 + signalIndex("inputCommitment", publicOutputCount(m.ir));
      const next = rng(9);
      for (let t = 0; t < 5; t++) {
        const inputs = m.ir.features.map((f) => randomBetween(next, f.qmin, f.qmax));
        const w = await m.witness(inputs, { salt: 1000n + BigInt(t) });
        expect(w[at], `input commitment for [${inputs}]`).to.equal(await inputCommitment(m.ir.features, inputs, 1000n + BigInt(t)));
      }
    });
  }

  it("has the pinned number of non-linear constraints", () => {
    expect(m.info.nonLinearConstraints).to.equal(nonLinearConstraints);
  });

  it("accepts the honest witness", () => {
    expect(m.check(honest)).to.equal(-1);
  });

  it("rejects a change to any single signal of the witness (no signal is left unconstrained)", () => {
    const free: number[] = [];
    for (let i = 1; i < honest.length; i++) {
      if (!changeViolates(m.r1cs, honest, i, (honest[i]! + 1n) % FIELD_MODULUS)) free.push(i);
    }
    const names = [...m.symbols].filter(([, i]) => free.includes(i)).map(([n]) => n);
    expect(names.sort(), "signals that can change without violating a constraint").to.deep.equal(Object.keys(harmlessFreeSignals).sort());
  });

  it("rejects another (quotient, remainder) split of any rescale or sign-bit decomposition, with remainder >= 2^s or negative", () => {
    // Moving one unit between adjacent bits keeps the weighted sum (the linear reconstruction)
    // intact: only the boolean constraints stand between the prover and a different quotient.
    const groups = new Map<string, Map<number, number>>();
    for (const [name, wire] of m.symbols) {
      // Every gadget decomposition (Rescale, RescaleRelu, IsNonNegative, inside any op's template).
      const g = /^(main\..+)\.bits\.out\[(\d+)\]$/.exec(name);
      if (!g) continue;
      if (!groups.has(g[1]!)) groups.set(g[1]!, new Map());
      groups.get(g[1]!)!.set(Number(g[2]), wire);
    }
    expect(groups.size, "rescale gadgets found").to.be.greaterThan(0);
    let attacks = 0;
    for (const bits of groups.values()) {
      for (const [i, lowWire] of bits) {
        const highWire = bits.get(i + 1);
        if (highWire === undefined) continue;
        const w = honest.slice();
        if (w[highWire] === 1n) {
          w[highWire] = 0n; // quotient (or remainder) - 2^(i+1) ...
          w[lowWire] = w[lowWire]! + 2n; // ... + 2 * 2^i: a digit of 2 or 3
        } else {
          w[highWire] = 1n;
          w[lowWire] = (w[lowWire]! - 2n + FIELD_MODULUS) % FIELD_MODULUS; // a digit of -1 or -2
        }
        expect(m.check(w), `bits ${i},${i + 1} of a rescale`).to.not.equal(-1);
        attacks++;
      }
    }
    expect(attacks).to.be.greaterThan(groups.size);
  });

  if (publicInputs) {
    it("public inputs: agrees with the interpreter over the hub's whole interval [-2^B, 2^B), corners and random points", async () => {
      expect(m.ir.visibility.inputs).to.equal("public");
      const b = 1n << BigInt(m.ir.visibility.publicInputBits!);
      // Declared ranges fit inside the interval; the overflow analysis covered all of it.
      for (const f of m.ir.features) expect(f.qmin >= -b && f.qmax < b, f.name).to.equal(true);
      const lo = m.ir.features.map(() => -b);
      const hi = m.ir.features.map(() => b - 1n);
      const cases = [lo, hi, lo.map((x, i) => (i % 2 ? x : b - 1n)), hi.map((x, i) => (i % 2 ? x : -b))];
      const next = rng(3);
      for (let t = 0; t < 50; t++) cases.push(m.ir.features.map(() => randomBetween(next, -b, b - 1n)));
      for (const c of cases) await expectAgreement(c);
    });

    it("public inputs: every input sits in a non-linear constraint (A and B of the binding square)", () => {
      m.ir.features.forEach((_, i) => {
        const wire = m.symbols.get(`main.features[${i}]`)!;
        expect(wire, `features[${i}] is a public signal after nonce`).to.equal(m.symbols.get("main.nonce")! + 1 + i);
        const squared = m.r1cs.constraints.some(([a, bb]) => a.some(([j]) => j === wire) && bb.some(([j]) => j === wire));
        expect(squared, `features[${i}] squared in a constraint`).to.equal(true);
      });
    });
  } else
    it("rejects an input outside its declared range, including p - 1 posing as -1", async () => {
      const inputs = m.ir.features.map((f) => f.qmin);
      for (const [i, f] of m.ir.features.entries()) {
        // p - 1 is the field's -1: out of range whenever the declared minimum is not negative.
        for (const bad of [f.qmax + 1n, f.qmin - 1n, ...(f.qmin >= 0n ? [FIELD_MODULUS - 1n] : [])]) {
          const tampered = inputs.slice();
          tampered[i] = bad;
          // The witness generator refuses...
          let refused = false;
          await m.witness(tampered).catch(() => (refused = true));
          expect(refused, `witness generator accepted ${f.name} = ${bad}`).to.equal(true);
          // ...and so do the constraints, whatever values a malicious prover picks for the rest.
          const wire = featureWire(i);
          expect(changeViolates(m.r1cs, honest, wire, toField(bad))).to.equal(true);
        }
      }
    });

  /** The wire of feature i; circom keeps ONE wire for y <== x, so a feature published as an extra output lives in that output's wire. */
  function featureWire(i: number): number {
    const own = m.symbols.get(`main.features[${i}]`);
    if (own !== undefined && own >= 0) return own;
    const extras = m.ir.extraOutputs ?? [];
    const k = extras.findIndex((e) => e.kind === "feature" && e.feature === i);
    expect(k, `feature ${i} has no wire of its own and is not an extra output`).to.be.at.least(0);
    return m.symbols.get(`main.outputs[${publicOutputCount(m.ir) - extras.length + k}]`)!;
  }

  it("binds subject, nonce (and an attested model's attesterKeyHash, validity) in non-linear constraints", () => {
    const attested = m.ir.attestation ? ["main.attesterKeyHash", "main.validity"] : [];
    for (const name of ["main.subject", "main.nonce", ...attested]) {
      const wire = m.symbols.get(name)!;
      const squared = m.r1cs.constraints.some(([a, b]) => a.some(([i]) => i === wire) && b.some(([i]) => i === wire));
      expect(squared, `${name} squared in a constraint`).to.equal(true);
    }
  });

  it("keeps every bit decomposition narrower than the field (no aliasing)", () => {
    const widest = Math.max(...m.ir.graph.gadgetBits);
    expect(widest + 1).to.be.at.most(MAX_GADGET_BITS + 1);
    expect(MAX_GADGET_BITS + 1).to.be.below(254);
  });
}
