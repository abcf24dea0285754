import { fileURLToPath } from "node:url";
import { expect } from "chai";
import { FIELD_MODULUS } from "../../prover/field.js";
import { changeViolates } from "../../prover/circuit/r1cs.js";
import { inputCommitment, privateWeights, weightSegments } from "../../prover/model/commitment.js";
import { poseidonHash } from "../../prover/model/poseidon.js";
import { modelCommitment } from "../../prover/circuit/commitment.js";
import { runQuantized } from "../../prover/model/interpret.js";
import { publicOutputCount } from "../../prover/model/ir.js";
import { signalIndex } from "../../prover/abi/publicSignals.js";
import { compileSpec, type CompiledModel } from "../helpers/circuits.js";
import { soundnessSuite } from "./soundness.js";

const fixture = (name: string) => fileURLToPath(new URL(`../fixtures/${name}.json`, import.meta.url));

describe("circuit: private weights (signed-mlp with weights bound by the model commitment)", () => {
  // 1,857 before the circuit digest entered the in-circuit commitment hash (two more elements).
  soundnessSuite({ specPath: fixture("private-mlp"), nonLinearConstraints: 1281, randomInputs: 50 });

  describe("SECURITY 9: a changed private weight breaks the proof", () => {
    let m: CompiledModel;
    let inputs: bigint[];
    before(async function () {
      this.timeout(300_000);
      m = await compileSpec(fixture("private-mlp"));
      inputs = m.ir.features.map((f) => f.qmin);
    });

    it("publishes the registry's commitment for the committed weights", async () => {
      const w = await m.witness(inputs);
      const k = m.ir.outputs.length;
      expect(w[1 + k]).to.equal(await modelCommitment(m.ir));
    });

    it("gives another commitment when the prover multiplies with one changed weight", async () => {
      const weights = privateWeights(m.ir);
      for (const at of [0, Math.floor(weights.length / 2), weights.length - 1]) {
        const changed = weights.slice();
        changed[at] = changed[at]! + 1n;
        const w = await m.witness(inputs, { weights: changed });
        expect(w[1 + m.ir.outputs.length], `weight ${at}`).to.not.equal(await modelCommitment(m.ir));
      }
    });

    it("refuses two weights shifted by one packing digit (same packed value): each weight is range-checked", async () => {
      const weights = privateWeights(m.ir);
      const { bits, count } = weightSegments(m.ir)[0]!; // weights 0 and 1 share the first segment
      expect(count).to.be.at.least(2);
      const changed = weights.slice();
      changed[0] = changed[0]! + (1n << BigInt(bits)); // digit 0 overflows by 2^bits ...
      changed[1] = changed[1]! - 1n; // ... which digit 1 gives back: the packed element is unchanged
      const pack = (ws: bigint[]) => ws.slice(0, 2).reduce((acc, w, i) => acc + (w + (1n << BigInt(bits - 1))) * (1n << BigInt(bits * i)), 0n);
      expect(pack(changed)).to.equal(pack(weights));
      let refused = false;
      await m.witness(inputs, { weights: changed }).catch(() => (refused = true));
      // No boolean assignment of SignedBits's bits sums to a digit >= 2^bits, so no witness exists.
      expect(refused, "a witness for out-of-range packed digits").to.equal(true);
    });

    it("violates the constraints when one weight signal changes and the commitment is kept", async () => {
      const honest = await m.witness(inputs);
      const wires = m.wires(/^main\.weights\[\d+\]$/);
      expect(wires).to.have.length(privateWeights(m.ir).length);
      for (const wire of wires) expect(changeViolates(m.r1cs, honest, wire, (honest[wire]! + 1n) % FIELD_MODULUS)).to.equal(true);
    });
  });
});

describe("circuit: threshold-only output (reveals margin >= 0.25 only)", () => {
  soundnessSuite({ specPath: fixture("threshold-mlp"), nonLinearConstraints: 445, randomInputs: 100 });
});

describe("circuit: hashed outputs (reveals Poseidon(outputs..., outputSalt) only)", () => {
  soundnessSuite({ specPath: fixture("hashed-mlp"), nonLinearConstraints: 714, randomInputs: 50 });

  it("salts the output hash and the input commitment separately: opening one does not open the other (docs/SECURITY.md, Circuits 11)", async function () {
    this.timeout(300_000);
    const m = await compileSpec(fixture("hashed-mlp"));
    const inputs = m.ir.features.map((f) => f.qmax);
    const { outputs } = runQuantized(m.ir, inputs);
    const k = publicOutputCount(m.ir);
    const at = { outputHash: 1, inputCommitment: 1 + signalIndex("inputCommitment", k) };
    const w = await m.witness(inputs, { salt: 1001n, outputSalt: 2002n });
    expect(w[at.outputHash]).to.equal(await poseidonHash([...outputs, 2002n]));
    expect(w[at.inputCommitment]).to.equal(await inputCommitment(m.ir.features, inputs, 1001n));
    // Whoever opens the input commitment (inputs and salt) cannot open the outputs with that salt,
    // and the output salt does not open the input commitment.
    expect(await poseidonHash([...outputs, 1001n])).to.not.equal(w[at.outputHash]);
    expect(await inputCommitment(m.ir.features, inputs, 2002n)).to.not.equal(w[at.inputCommitment]);
    // Each commitment moves with its own salt only.
    const otherOutputSalt = await m.witness(inputs, { salt: 1001n, outputSalt: 3003n });
    expect(otherOutputSalt[at.inputCommitment]).to.equal(w[at.inputCommitment]);
    expect(otherOutputSalt[at.outputHash]).to.not.equal(w[at.outputHash]);
    const otherInputSalt = await m.witness(inputs, { salt: 4004n, outputSalt: 2002n });
    expect(otherInputSalt[at.outputHash]).to.equal(w[at.outputHash]);
    expect(otherInputSalt[at.inputCommitment]).to.not.equal(w[at.inputCommitment]);
  });
});
