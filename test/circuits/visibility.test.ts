import { fileURLToPath } from "node:url";
import { expect } from "chai";
import { FIELD_MODULUS } from "../../prover/field.js";
import { changeViolates } from "../../prover/circuit/r1cs.js";
import { modelCommitment, privateWeights } from "../../prover/model/commitment.js";
import { compileSpec, type CompiledModel } from "../helpers/circuits.js";
import { soundnessSuite } from "./soundness.js";

const fixture = (name: string) => fileURLToPath(new URL(`../fixtures/${name}.json`, import.meta.url));

describe("circuit: private weights (signed-mlp with weights bound by the model commitment)", () => {
  soundnessSuite({ specPath: fixture("private-mlp"), nonLinearConstraints: 2771, randomInputs: 50 });

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

    it("violates the constraints when one weight signal changes and the commitment is kept", async () => {
      const honest = await m.witness(inputs);
      const wires = m.wires(/^main\.weights\[\d+\]$/);
      expect(wires).to.have.length(privateWeights(m.ir).length);
      for (const wire of wires) expect(changeViolates(m.r1cs, honest, wire, (honest[wire]! + 1n) % FIELD_MODULUS)).to.equal(true);
    });
  });
});

describe("circuit: threshold-only output (reveals margin >= 0.25 only)", () => {
  soundnessSuite({ specPath: fixture("threshold-mlp"), nonLinearConstraints: 526, randomInputs: 100 });
});

describe("circuit: hashed outputs (reveals Poseidon(outputs..., salt) only)", () => {
  soundnessSuite({ specPath: fixture("hashed-mlp"), nonLinearConstraints: 795, randomInputs: 50 });
});
