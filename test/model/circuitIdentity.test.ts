/**
 * The model commitment covers the generated circuit's identity (docs/SECURITY.md, Compiler 2; the
 * second half of issue 12's finding 2): a spec's commitment names the one circuit zkinfer generates
 * from it, so a different circuit for the same spec (injected code, another codegen, a patched
 * gadget) claims another commitment. What stops a circuit that simply outputs the honest commitment
 * is the verifier check of `zkinfer verify-deployment` (test/cli/deploy.test.ts).
 */
import { readFileSync } from "node:fs";
import { expect } from "chai";
import { bundledSpecPath } from "../../prover/artifacts/paths.js";
import { circuitCode, circuitDigest, circuitSourceDigest, CODEGEN_VERSION, generateCircuit } from "../../prover/circuit/codegen.js";
import { CIRCUIT_LIBRARY_DIGEST } from "../../prover/circuit/library.generated.js";
import { modelCommitment, modelCommitmentForCircuit } from "../../prover/model/commitment.js";
import { lowerModel, type ModelIR } from "../../prover/model/ir.js";
import { parseModelSpec, readModelSpec } from "../../prover/model/spec.js";
import { CIRCUIT_LIBRARY_PATH, renderCircuitLibraryModule } from "../../scripts/generate-circuit-library.js";

const creditScore = () => lowerModel(readModelSpec(bundledSpecPath("credit-score")));
/** The same IR with one feature's unit replaced, bypassing the spec's validation (an IR built by hand). */
function withUnit(ir: ModelIR, unit: string): ModelIR {
  const copy = structuredClone(ir);
  (copy.features[1] as { unit: string }).unit = unit;
  return copy;
}

describe("circuit identity in the model commitment (docs/SECURITY.md, Compiler 2)", () => {
  it("the circuit library digest is current (npm run generate:circuit-library)", () => {
    expect(readFileSync(CIRCUIT_LIBRARY_PATH, "utf8")).to.equal(renderCircuitLibraryModule());
  });

  it("finding 2's attack: credit-score with a unit carrying circom code, as the codegen before escaping emitted it, has ANOTHER commitment", async () => {
    const ir = creditScore();
    const honest = await modelCommitment(ir);
    const injected = "DM\n    score <-- 1000; // any score";
    const escaped = generateCircuit({ ir: withUnit(ir, injected), modelCommitment: honest });
    // Today the codegen escapes the unit into its comment: the code, hence the commitment, is credit-score's.
    expect(escaped).to.include("DM?    score <-- 1000; // any score");
    expect(circuitDigest(withUnit(ir, injected))).to.equal(circuitDigest(ir));
    expect(await modelCommitment(withUnit(ir, injected))).to.equal(honest);
    // The circuit the unescaped codegen wrote: the newline ends the comment and the rest is code. Its
    // digest (recomputed from its text, as anyone can) differs, so it cannot claim credit-score's
    // commitment by computing it; only by lying, which the verifier check catches.
    const attack = escaped.replace("DM?    score <--", "DM\n    score <--");
    expect(attack).to.match(/^\s*score <-- 1000;/m);
    const attackDigest = circuitSourceDigest(attack.replace(`modelCommitment <== ${honest};`, "modelCommitment <== 0;"));
    expect(attackDigest).to.not.equal(circuitDigest(ir));
    expect(await modelCommitmentForCircuit(ir, attackDigest)).to.not.equal(honest);
  });

  it("is recomputable from the generated file alone: its code with the commitment constant at 0", async () => {
    const ir = creditScore();
    const source = generateCircuit({ ir, modelCommitment: await modelCommitment(ir) });
    const lines = source.split("\n").filter((l) => /^\s*modelCommitment <== \d+;$/.test(l));
    expect(lines).to.have.length(1);
    const zeroed = source.replace(lines[0]!, "    modelCommitment <== 0;");
    expect(circuitSourceDigest(zeroed)).to.equal(circuitDigest(ir));
    expect(await modelCommitmentForCircuit(ir, circuitSourceDigest(zeroed))).to.equal(await modelCommitment(ir));
  });

  it("changes with any line of code, the circuit library or the codegen version; not with comments, names' units or the version", async () => {
    const ir = creditScore();
    const text = generateCircuit({ ir, modelCommitment: 0n }).replace(/modelCommitment <== \d+;/, "modelCommitment <== 0;");
    const base = circuitSourceDigest(text);
    expect(base).to.equal(circuitDigest(ir));
    // One gadget parameter changed (a rescale's width): another circuit.
    const rescale = text.match(/RescaleRelu\((\d+), (\d+)\)/)!;
    expect(circuitSourceDigest(text.replace(rescale[0], `RescaleRelu(${Number(rescale[1]) + 1}, ${rescale[2]})`))).to.not.equal(base);
    // Another circuit library (a patched gadget, another circom or circomlib) or another codegen.
    expect(circuitSourceDigest(text, `0x${"11".repeat(32)}`)).to.not.equal(base);
    expect(CODEGEN_VERSION).to.match(/^zkinfer\/codegen\/\d+$/);
    expect(CIRCUIT_LIBRARY_DIGEST).to.match(/^0x[0-9a-f]{64}$/);
    // Comments (where names and units appear) are not code.
    expect(circuitSourceDigest(text.replace("// AUTO-GENERATED", "// generated").replace(/\n/g, "\n// a comment line\n"))).to.equal(base);
    const renamed = structuredClone(ir);
    (renamed as { version: string }).version = "9.9.9";
    expect(circuitDigest(withUnit(renamed, "other unit"))).to.equal(base);
    expect(base < 1n << 248n).to.equal(true);
  });

  it("refuses to digest text on which stripping comments could disagree with circom's lexer", () => {
    const text = 'pragma circom 2.2.0;\ninclude "circuits/lib/range.circom";\ntemplate T() {}\n';
    expect(() => circuitCode(text)).to.not.throw();
    expect(() => circuitCode(text + "/* x */ signal a;\n")).to.throw(/string or block comment/);
    expect(() => circuitCode(text + 'include "a//b"; signal a;\n')).to.throw(/string or block comment/);
    expect(() => circuitCode(text + "signal a; // tab\there\n")).to.throw(/outside printable ASCII/);
    expect(() => circuitCode(text + "// one\r signal a;\n")).to.throw(/outside printable ASCII/);
  });

  it("every bundled model's in-circuit constants carry its digest: private weights hash it in the circuit", async () => {
    const signal = lowerModel(readModelSpec(bundledSpecPath("momentum-signal")));
    expect(signal.visibility.weights).to.equal("private");
    const source = generateCircuit({ ir: signal, modelCommitment: await modelCommitment(signal) });
    expect(source).to.include(String(circuitDigest(signal)));
    // A spec that differs only in its units: same code, same digest, same commitment.
    const json = JSON.parse(readFileSync(bundledSpecPath("momentum-signal"), "utf8"));
    json.features[0].unit = "other";
    expect(await modelCommitment(lowerModel(parseModelSpec(json)))).to.equal(await modelCommitment(signal));
  });
});
