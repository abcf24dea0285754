import { fileURLToPath } from "node:url";
import { expect } from "chai";
import { FIELD_MODULUS } from "../../prover/field.js";
import { floorDiv } from "../../prover/graph/interval.js";
import { compileSpec, type CompiledModel } from "../helpers/circuits.js";
import { soundnessSuite } from "./soundness.js";

// The bundled trading-signal model: relative_change (division gadgets), private dense weights, the
// signal head, and the epoch / window-hash extra outputs.
describe("circuit: momentum-signal (returns by division, private weights, signal head, window hash)", () => {
  soundnessSuite({
    specPath: fileURLToPath(new URL("../../models/momentum-signal/spec.json", import.meta.url)),
    // 3,745 before the circuit digest entered the in-circuit commitment hash (two more elements); 3,799
    // until the private-weight layout put its constants first, in whole Poseidon chunks (compile time).
    nonLinearConstraints: 3319,
    randomInputs: 100,
  });
});

describe("circuit: DivFloor (the relative_change division) refuses another quotient", function () {
  this.timeout(300_000);
  const specPath = fileURLToPath(new URL("../../models/momentum-signal/spec.json", import.meta.url));
  // A window with both signs of return, so negative and positive numerators are both attacked.
  const inputs = [250_000n, 249_000n, 252_500n, 251_000n, 248_800n, 250_100n, 42n];

  /** Sets the Num2Bits wires named `<prefix>.out[i]` to the low bits of `value` (mod p, as a prover would try). */
  function setBits(m: CompiledModel, w: bigint[], prefix: string, value: bigint): void {
    const v = ((value % FIELD_MODULUS) + FIELD_MODULUS) % FIELD_MODULUS;
    for (let i = 0; ; i++) {
      const wire = m.symbols.get(`${prefix}.out[${i}]`);
      if (wire === undefined) break;
      if (wire >= 0) w[wire] = (v >> BigInt(i)) & 1n;
    }
  }

  it("accepts the honest (q, r) rebuilt through the same wires, and refuses (q - 1, r + den) and (q + 1, r - den)", async () => {
    const m = await compileSpec(specPath);
    const honest = await m.witness(inputs);
    expect(m.check(honest)).to.equal(-1);
    const op = m.ir.graph.nodes[0]!;
    if (op.family !== "relativeChange") throw new Error("momentum-signal layout changed");
    const den = inputs[op.args[op.reference]!]!;
    // Instances in creation order (the order of op.inputs): by the wire of their remainder.
    const instances = [...m.symbols.keys()]
      .filter((n) => /^main\.DivFloor_[^.]+\.r$/.test(n))
      .sort((a, b) => m.symbols.get(a)! - m.symbols.get(b)!)
      .map((n) => n.slice(0, -2));
    expect(instances).to.have.length(op.inputs.length);
    let attacks = 0;
    for (const [k, c] of instances.entries()) {
      const r = honest[m.symbols.get(`${c}.r`)!]!;
      const num = (inputs[op.inputs[k]!]! - den) << BigInt(op.outScale);
      const q = floorDiv(num, den);
      expect(r, `${c}: the honest remainder`).to.equal(num - q * den);
      const Q = op.quotBits[0]!;
      const rebuild = (q: bigint, rem: bigint) => {
        const w = honest.slice();
        w[m.symbols.get(`${c}.r`)!] = ((rem % FIELD_MODULUS) + FIELD_MODULUS) % FIELD_MODULUS;
        setBits(m, w, `${c}.remainder`, rem);
        setBits(m, w, `${c}.gap`, den - 1n - rem);
        setBits(m, w, `${c}.quotientBits`, q + (1n << BigInt(Q)));
        return w;
      };
      expect(m.check(rebuild(q, r)), `${c}: the honest split rebuilt`).to.equal(-1);
      expect(m.check(rebuild(q - 1n, r + den)), `${c}: q - 1, r + den`).to.not.equal(-1);
      expect(m.check(rebuild(q + 1n, r - den)), `${c}: q + 1, r - den`).to.not.equal(-1);
      attacks += 2;
    }
    expect(attacks).to.equal(2 * op.inputs.length);
  });
});

// The anomaly-guard model (issue 17): the same kinds (relative_change, dense, ReLU, the epoch and
// window-hash extra outputs) with public weights, so it joins the spec pipeline's soundness coverage.
describe("circuit: anomaly-guard (returns by division, fixed move split, logistic score, window hash)", () => {
  soundnessSuite({
    specPath: fileURLToPath(new URL("../../models/anomaly-guard/spec.json", import.meta.url)),
    nonLinearConstraints: 1810,
    randomInputs: 100,
  });
});
