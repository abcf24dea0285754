/**
 * docs/SECURITY.md 9 with real Groth16 proofs: a model with private weights is built (setup included),
 * proved and verified; a prover who runs the model with one weight changed produces a proof whose
 * model commitment is not the registered one, and that proof with the registered commitment put back
 * does not verify.
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { expect } from "chai";
import * as snarkjs from "snarkjs";
import { signalIndex } from "../../prover/abi/publicSignals.js";
import { artifactPath } from "../../prover/artifacts/paths.js";
import { buildModel } from "../../prover/build/buildModel.js";
import { privateWeights } from "../../prover/model/commitment.js";
import { modelCommitment } from "../../prover/circuit/commitment.js";
import { lowerModel } from "../../prover/model/ir.js";
import { readModelSpec } from "../../prover/model/spec.js";
import { ModelProver } from "../../prover/prove/prover.js";
import { toField } from "../../prover/field.js";

const specPath = fileURLToPath(new URL("../fixtures/private-small.json", import.meta.url));

describe("end to end: private weights bound by the model commitment (real proofs)", function () {
  this.timeout(600_000);
  let prover: ModelProver;
  const features = { a: 1.5, b: 3, c: -0.5 };
  const subject = "0x00000000000000000000000000000000000000b0";

  before(async () => {
    await buildModel({ specPath });
    prover = await ModelProver.load(specPath);
  });

  it("proves and verifies with the committed weights, publishing the registry's commitment", async () => {
    const p = await prover.prove({ features, subject, nonce: 1n });
    expect(await prover.verify(p.proof, p.publicSignals)).to.equal(true);
    expect(p.decoded.modelCommitment).to.equal(await modelCommitment(prover.ir));
  });

  it("keeps the weight values out of the generated circuit (they are private inputs)", () => {
    const circuit = readFileSync(artifactPath("private-small", "circuit"), "utf8");
    expect(privateWeights(prover.ir)).to.have.length(11); // 2x3 + 2 biases, 1x2 + 1 bias
    expect(circuit).to.contain("signal input weights[11];");
    // With public weights the codegen writes each as a coefficient `w*signal`; here none is written.
    expect(circuit).to.match(/weights\[0\] \* features\[0\]/);
    for (const w of privateWeights(prover.ir)) expect(circuit).to.not.match(new RegExp(`(^|[^0-9])${w}\\*`));
  });

  it("refuses a proof made with one weight changed: another commitment, and with the registered one put back it fails", async () => {
    const spec = readModelSpec(specPath);
    const layer = spec.layers[0]!;
    if (layer.type !== "dense") throw new Error("fixture layout changed");
    layer.weights[0]![1] = -0.375; // one weight changed, same salt
    const changed = lowerModel(spec);
    const input = {
      features: [1.5, 3, -0.5].map((x) => toField(BigInt(Math.round(x * 16)))),
      salt: 5n,
      subject: BigInt(subject),
      nonce: 2n,
      weights: privateWeights(changed).map(toField),
      weightSalt: toField(changed.visibility.weightSalt!),
    };
    const { proof, publicSignals } = await snarkjs.groth16.fullProve(input, artifactPath("private-small", "wasm"), artifactPath("private-small", "zkey"));
    const at = signalIndex("modelCommitment", 1);
    const registered = await modelCommitment(prover.ir);
    expect(BigInt(publicSignals[at]!)).to.not.equal(registered); // the hub compares it with the registry
    const vkey = JSON.parse(readFileSync(artifactPath("private-small", "vkey"), "utf8"));
    expect(await snarkjs.groth16.verify(vkey, publicSignals, proof)).to.equal(true); // a statement about other weights...
    const forged = publicSignals.slice();
    forged[at] = registered.toString();
    expect(await snarkjs.groth16.verify(vkey, forged, proof)).to.equal(false); // ...that cannot claim the registered ones
  });
});
