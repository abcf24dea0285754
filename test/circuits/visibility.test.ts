import { fileURLToPath } from "node:url";
import { expect } from "chai";
import { FIELD_MODULUS } from "../../prover/field.js";
import { changeViolates } from "../../prover/circuit/r1cs.js";
import { modelCommitment, privateWeights, weightSegments } from "../../prover/model/commitment.js";
import { compileSpec, type CompiledModel } from "../helpers/circuits.js";
import { soundnessSuite } from "./soundness.js";

const fixture = (name: string) => fileURLToPath(new URL(`../fixtures/${name}.json`, import.meta.url));

describe("circuit: private weights (signed-mlp with weights bound by the model commitment)", () => {
  soundnessSuite({ specPath: fixture("private-mlp"), nonLinearConstraints: 1857, randomInputs: 50 });

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

describe("circuit: hashed outputs (reveals Poseidon(outputs..., salt) only)", () => {
  soundnessSuite({ specPath: fixture("hashed-mlp"), nonLinearConstraints: 714, randomInputs: 50 });
});
