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
import { FAMILIES } from "../../prover/graph/registry.js";
import { CIRCUIT_LIBRARY } from "../../prover/circuit/library.generated.js";
import { includedLibraryFiles, includesOf, type CircuitLibrary } from "../../prover/circuit/library.js";
import { modelCommitmentForCircuit } from "../../prover/model/commitment.js";
import { modelCommitment } from "../../prover/circuit/commitment.js";
import { lowerModel, type ModelIR } from "../../prover/model/ir.js";
import { parseModelSpec, readModelSpec } from "../../prover/model/spec.js";
import { CIRCUIT_LIBRARY_PATH, renderCircuitLibraryModule, resolveLibInclude } from "../../scripts/generate-circuit-library.js";

const creditScore = () => lowerModel(readModelSpec(bundledSpecPath("credit-score")));
/** The same IR with one feature's unit replaced, bypassing the spec's validation (an IR built by hand). */
function withUnit(ir: ModelIR, unit: string): ModelIR {
  const copy = structuredClone(ir);
  (copy.features[1] as { unit: string }).unit = unit;
  return copy;
}
/** The library table with `path` (a file of it or a new one) given another digest or includes. */
function withFile(path: string, file: Partial<CircuitLibrary["files"][string]>, library: CircuitLibrary = CIRCUIT_LIBRARY): CircuitLibrary {
  const old = library.files[path] ?? { digest: `0x${"00".repeat(32)}`, includes: [] };
  return { ...library, files: { ...library.files, [path]: { ...old, ...file } } };
}
const otherDigest = `0x${"11".repeat(32)}` as const;
/** credit-score's circuit text with its commitment constant at 0: what its digest hashes. */
const creditScoreText = () => generateCircuit({ ir: creditScore(), modelCommitment: 0n }).replace(/modelCommitment <== \d+;/, "modelCommitment <== 0;");

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
    // Another circuit library (a patched gadget it includes, another circom or circomlib) or another codegen.
    expect(circuitSourceDigest(text, withFile("circuits/lib/rescale.circom", { digest: otherDigest }))).to.not.equal(base);
    expect(circuitSourceDigest(text, { ...CIRCUIT_LIBRARY, circom2: "9.9.9" })).to.not.equal(base);
    expect(circuitSourceDigest(text, { ...CIRCUIT_LIBRARY, circomlib: "9.9.9" })).to.not.equal(base);
    expect(CODEGEN_VERSION).to.match(/^zkinfer\/codegen\/\d+$/);
    // Comments (where names and units appear) are not code.
    expect(circuitSourceDigest(text.replace("// AUTO-GENERATED", "// generated").replace(/\n/g, "\n// a comment line\n"))).to.equal(base);
    const renamed = structuredClone(ir);
    (renamed as { version: string }).version = "9.9.9";
    expect(circuitDigest(withUnit(renamed, "other unit"))).to.equal(base);
    expect(base < 1n << 248n).to.equal(true);
  });

  it("covers the circuits/lib files the circuit includes, transitively, and no other", () => {
    const text = creditScoreText();
    expect(includedLibraryFiles(includesOf(circuitCode(text)), CIRCUIT_LIBRARY)).to.deep.equal(
      ["binding", "compare", "pack", "range", "rescale"].map((f) => `circuits/lib/${f}.circom`),
    );
    // Through the include graph: argmax -> activation -> rescale, argmax -> compare.
    const argmaxOnly = 'pragma circom 2.2.0;\ninclude "circuits/lib/argmax.circom";\ntemplate T() {}\n';
    expect(includedLibraryFiles(includesOf(circuitCode(argmaxOnly)), CIRCUIT_LIBRARY)).to.deep.equal(
      ["activation", "argmax", "compare", "rescale"].map((f) => `circuits/lib/${f}.circom`),
    );
    // Every include the codegen can emit for a graph operator is pinned by the table (or circomlib's version).
    const graphIncludes = FAMILIES.flatMap((f) => [...f.includes]);
    expect(graphIncludes).to.include("circuits/lib/sort.circom");
    expect(() => includedLibraryFiles(graphIncludes, CIRCUIT_LIBRARY)).to.not.throw();
    // The table's include lists are circom's resolution of each file's include lines.
    expect(CIRCUIT_LIBRARY.files["circuits/lib/activation.circom"]!.includes).to.deep.equal(["circuits/lib/rescale.circom"]);
    expect(CIRCUIT_LIBRARY.files["circuits/lib/pack.circom"]!.includes).to.deep.equal(["circuits/lib/range.circom"]);
  });

  it("does not change when a lib file the circuit does not include is added, changed or removed", () => {
    const text = creditScoreText();
    const base = circuitSourceDigest(text);
    // A new gadget (in the table only: no file is written), even one that includes what credit-score includes.
    const added = withFile("circuits/lib/new_gadget.circom", {
      digest: otherDigest,
      includes: ["circuits/lib/compare.circom", "circomlib/circuits/bitify.circom"],
    });
    expect(circuitSourceDigest(text, added)).to.equal(base);
    // A changed or removed gadget credit-score does not reach (sort, pwl, tree, argmax, divide, signal, attestation).
    expect(circuitSourceDigest(text, withFile("circuits/lib/sort.circom", { digest: otherDigest }))).to.equal(base);
    expect(circuitSourceDigest(text, withFile("circuits/lib/tree.circom", { digest: otherDigest }))).to.equal(base);
    expect(circuitSourceDigest(text, withFile("circuits/lib/argmax.circom", { digest: otherDigest }))).to.equal(base);
    const { ["circuits/lib/pwl.circom"]: _pwl, ...withoutPwl } = CIRCUIT_LIBRARY.files;
    expect(circuitSourceDigest(text, { ...CIRCUIT_LIBRARY, files: withoutPwl })).to.equal(base);
    expect(circuitDigest(creditScore())).to.equal(base);
  });

  it("changes when a lib file the circuit includes changes, directly or through another file", () => {
    const text = creditScoreText();
    const base = circuitSourceDigest(text);
    for (const f of ["binding", "range", "pack", "rescale", "compare"]) {
      expect(circuitSourceDigest(text, withFile(`circuits/lib/${f}.circom`, { digest: otherDigest })), f).to.not.equal(base);
    }
    // Only through the include graph: a circuit including argmax alone reaches rescale (argmax -> activation -> rescale).
    const argmaxOnly = 'pragma circom 2.2.0;\ninclude "circuits/lib/argmax.circom";\ntemplate T() {}\n';
    expect(circuitSourceDigest(argmaxOnly, withFile("circuits/lib/rescale.circom", { digest: otherDigest }))).to.not.equal(circuitSourceDigest(argmaxOnly));
    expect(circuitSourceDigest(argmaxOnly, withFile("circuits/lib/sort.circom", { digest: otherDigest }))).to.equal(circuitSourceDigest(argmaxOnly));
    // A lib file that starts including another gadget: the circuit now reaches it.
    const reachesSort = withFile("circuits/lib/compare.circom", { includes: ["circomlib/circuits/bitify.circom", "circuits/lib/sort.circom"] });
    expect(circuitSourceDigest(text, reachesSort)).to.not.equal(base);
  });

  it("refuses an include that is neither a file of the circuit library table nor circomlib, naming it", () => {
    const text = creditScoreText();
    const withInclude = (inc: string) => text.replace('include "circuits/lib/binding.circom";', `include "circuits/lib/binding.circom";\ninclude "${inc}";`);
    expect(() => circuitSourceDigest(withInclude("circuits/lib/unpinned.circom"))).to.throw(
      /the main circuit includes "circuits\/lib\/unpinned\.circom", which is neither/,
    );
    expect(() => circuitSourceDigest(withInclude("gadgets/extra.circom"))).to.throw(/includes "gadgets\/extra\.circom", which is neither/);
    expect(() => circuitSourceDigest(withInclude("../lib/range.circom"))).to.throw(/includes "\.\.\/lib\/range\.circom"/);
    expect(() => circuitSourceDigest(withInclude("circomlib/../circuits/lib/range.circom"))).to.throw(/which is neither/);
    expect(() => circuitSourceDigest(withInclude("binding.circom"))).to.throw(/includes "binding\.circom"/);
    // A table entry that includes an unknown file is refused too, naming the includer.
    const broken = withFile("circuits/lib/compare.circom", { includes: ["circuits/lib/gone.circom"] });
    expect(() => circuitSourceDigest(text, broken)).to.throw(/circuits\/lib\/compare\.circom includes "circuits\/lib\/gone\.circom"/);
    // The generator resolves a lib file's includes as circom does and refuses what is not a lib or circomlib file.
    const range = CIRCUIT_LIBRARY_PATH.replace(/prover\/circuit\/library\.generated\.ts$/, "circuits/lib/range.circom");
    expect(resolveLibInclude(range, "rescale.circom")).to.equal("circuits/lib/rescale.circom");
    expect(resolveLibInclude(range, "circuits/lib/rescale.circom")).to.equal("circuits/lib/rescale.circom");
    expect(resolveLibInclude(range, "circomlib/circuits/bitify.circom")).to.equal("circomlib/circuits/bitify.circom");
    expect(() => resolveLibInclude(range, "missing.circom")).to.throw(/circuits\/lib\/range\.circom includes "missing\.circom", which circom would not find/);
    expect(() => resolveLibInclude(range, "../../package.json")).to.throw(/resolves to package\.json: neither/);
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
