/**
 * Public inputs (visibility.inputs = "public"): the quantized inputs are public signals after the
 * nonce, inputCommitment is 0, and the circuit does not range-check them (the hub bounds them to
 * [-2^B, 2^B), the interval the overflow analysis covered). The witness-tampering suite runs as for
 * every model; the tests below add the attacks specific to a public input.
 */
import { fileURLToPath } from "node:url";
import { expect } from "chai";
import { signalIndex, publicInputsIndex } from "../../prover/abi/publicSignals.js";
import { changeViolates } from "../../prover/circuit/r1cs.js";
import { FIELD_MODULUS, toField } from "../../prover/field.js";
import { runQuantized } from "../../prover/model/interpret.js";
import { lowerModel } from "../../prover/model/ir.js";
import { parseModelSpec, readModelSpec } from "../../prover/model/spec.js";
import { compileSpec, type CompiledModel } from "../helpers/circuits.js";
import { soundnessSuite } from "./soundness.js";

const specPath = fileURLToPath(new URL("../fixtures/public-inputs.json", import.meta.url));

describe("circuit: public inputs (public-inputs fixture)", () => {
  soundnessSuite({
    specPath,
    nonLinearConstraints: 69,
    randomInputs: 100,
    publicInputs: true,
  });

  describe("attacks on a public input", () => {
    let m: CompiledModel;
    let x: bigint[];
    let honest: bigint[];
    before(async function () {
      this.timeout(300_000);
      m = await compileSpec(specPath);
      x = [toQ(1.5), toQ(3), toQ(-0.5)];
      honest = await m.witness(x);
    });
    const toQ = (v: number) => BigInt(Math.round(v * 16)); // inputBits 4

    it("puts the inputs after nonce and sets inputCommitment to 0", () => {
      expect(honest[1 + signalIndex("inputCommitment", 1)]).to.equal(0n);
      x.forEach((q, i) => expect(honest[1 + publicInputsIndex(1) + i], `input ${i}`).to.equal(toField(q)));
      expect(honest[1]).to.equal(toField(runQuantized(m.ir, x).outputs[0]!));
    });

    it("rejects a changed public input with every other signal kept (the output no longer follows)", () => {
      for (let i = 0; i < x.length; i++) {
        const wire = m.symbols.get(`main.features[${i}]`)!;
        for (const delta of [1n, -1n, FIELD_MODULUS - 1n]) {
          expect(changeViolates(m.r1cs, honest, wire, (honest[wire]! + delta) % FIELD_MODULUS), `features[${i}] + ${delta}`).to.equal(true);
        }
      }
    });

    it("rejects the honest witness of other inputs presented with these public inputs (another output claimed)", async () => {
      const other = [toQ(-2), toQ(7), toQ(1)];
      expect(runQuantized(m.ir, other).outputs).to.not.deep.equal(runQuantized(m.ir, x).outputs);
      const w = await m.witness(other);
      x.forEach((q, i) => (w[m.symbols.get(`main.features[${i}]`)!] = toField(q)));
      expect(m.check(w)).to.not.equal(-1);
    });

    it("proves the analysis over [-2^B, 2^B): B is the smallest covering the declared ranges, and it is committed", async () => {
      expect(m.ir.visibility.publicInputBits).to.equal(8); // declared [-64, 128] at 2^4: 128 needs [-2^8, 2^8)
      const spec = readModelSpec(specPath);
      const priv = lowerModel(parseModelSpec({ ...spec, visibility: { inputs: "private" } }));
      const { modelCommitment } = await import("../../prover/circuit/commitment.js");
      expect(await modelCommitment(priv)).to.not.equal(m.commitment); // the layout is part of the statement
    });

    it("refuses public inputs on an attested model", () => {
      const spec = readModelSpec(specPath);
      expect(() => parseModelSpec({ ...spec, attestation: { scheme: "eddsa-poseidon-v1" } })).to.throw(/visibility\.inputs.*attested/);
    });
  });
});
