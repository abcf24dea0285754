/**
 * ONNX index semantics for data-dependent indices (issue 22.6, docs/SECURITY.md case 46): a
 * negative index counts from the end, GatherND reads each index component on its own axis, and an
 * index outside [-n, n) makes the proof impossible, never a neighbouring cell or an empty one.
 * Each model is checked against onnxruntime on negative and boundary indices (check-onnx: circuit =
 * interpreter, within the reported bound); the out-of-range case is refused by check-onnx, and a
 * witness computed for it without the circuit's own asserts violates the R1CS.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { expect } from "chai";
import { WitnessCalculatorBuilder } from "circom_runtime";
import { circuitBaseName, REPO_ROOT } from "../../prover/artifacts/paths.js";
import { generateCircuit } from "../../prover/circuit/codegen.js";
import { firstViolatedConstraint, loadR1cs } from "../../prover/circuit/r1cs.js";
import { toField } from "../../prover/field.js";
import { modelCommitment } from "../../prover/circuit/commitment.js";
import { quantize } from "../../prover/model/quantize.js";
import { buildOnnx as model, intAttr as int } from "../../prover/onnx/build.js";
import { calibrate } from "../../prover/onnx/calibrate.js";
import { checkOnnx } from "../../prover/onnx/check.js";
import { importNetwork } from "../../prover/onnx/network.js";

const INT64 = 7;
const X = [0.5, -1.25, 2, 0.75, -0.5, 1.5, 3, -2, 0.25, 1, -0.75, 2.5];

describe("ONNX data-dependent indices: wrapping and range, against onnxruntime", function () {
  this.timeout(900_000);
  const dir = mkdtempSync(join(tmpdir(), "zkinfer-indices-"));

  async function check(name: string, bytes: Uint8Array, rows: number[][]) {
    const path = join(dir, `${name}.onnx`);
    writeFileSync(path, bytes);
    writeFileSync(join(dir, `${name}.json`), JSON.stringify({ input_data: rows }));
    return checkOnnx(path, join(dir, `${name}.json`));
  }

  function expectAgrees(r: Awaited<ReturnType<typeof check>>, want: number[]) {
    expect(r.supported, r.reason).to.equal(true);
    expect(r.floatReference).to.deep.equal({ source: "onnxruntime" });
    expect(r.outputs!.circuit).to.deep.equal(r.outputs!.quantized);
    expect(r.outputs!.float).to.deep.equal(want);
    expect(r.maxAbsError!).to.be.at.most(r.errorBound!);
  }

  const gather = model(
    [{ opType: "Gather", input: ["X", "I"], output: ["Y"], attribute: [int("axis", 1)] }],
    [
      ["X", [3, 4]],
      ["I", [3], INT64],
    ],
    [["Y", 1, [3, 3]]],
  );

  it("Gather wraps negative indices (-1, -4) and reads the boundary 3, as onnxruntime does", async () => {
    const r = await check("gather", gather, [X, [-1, -4, 3]]);
    // Row r of X is X[4r..4r+3]; columns 3, 0, 3.
    expectAgrees(r, [0.75, 0.5, 0.75, -2, -0.5, -2, 2.5, 0.25, 2.5]);
  });

  it("GatherND reads each index component on its own axis: (1, -1) is X[1][3], not a folded neighbour", async () => {
    const bytes = model(
      [{ opType: "GatherND", input: ["X", "I"], output: ["Y"] }],
      [
        ["X", [3, 4]],
        ["I", [3, 2], INT64],
      ],
      [["Y", 1, [3]]],
    );
    // Folding (1, -1) into one cell index gave 1 * 4 - 1 = 3, i.e. X[0][3] = 0.75.
    const r = await check("gathernd", bytes, [X, [1, -1, -3, 0, 2, 3]]);
    expectAgrees(r, [-2, 0.5, 2.5]);
  });

  it("GatherElements and ScatterND wrap negative indices", async () => {
    const ge = model(
      [{ opType: "GatherElements", input: ["X", "I"], output: ["Y"], attribute: [int("axis", 0)] }],
      [
        ["X", [3, 4]],
        ["I", [1, 4], INT64],
      ],
      [["Y", 1, [1, 4]]],
    );
    expectAgrees(await check("gatherelements", ge, [X, [-1, 0, -3, 2]]), [0.25, -1.25, 2, 2.5]);
    const sc = model(
      [{ opType: "ScatterND", input: ["X", "I", "U"], output: ["Y"] }],
      [
        ["X", [4]],
        ["I", [2, 1], INT64],
        ["U", [2]],
      ],
      [["Y", 1, [4]]],
    );
    expectAgrees(
      await check("scatternd", sc, [
        [1, 2, 3, 4],
        [-1, 0],
        [9, 8],
      ]),
      [8, 2, 3, 9],
    );
  });

  it("refuses an out-of-range index (4 on an axis of 4) with the reason, as onnxruntime errors", async () => {
    const r = await check("gather-out", gather, [X, [0, 4, 1]]);
    expect(r.supported).to.equal(false);
    expect(r.reason).to.match(/outside its axis/);
  });

  it("an out-of-range index has no satisfying witness: computed without the circuit's asserts, it violates the R1CS", async () => {
    const net = importNetwork(gather, "gather.onnx");
    // Declared input ranges wide enough that 4 and -5 pass the input range checks: only the index
    // rule (assertOne) stands between them and a proof.
    const { ir } = calibrate({
      network: net,
      samples: [
        [...X, -4, -4, -4],
        [...X, 3, 3, 3],
      ],
      name: "gather-range",
    });
    // Both circuits are compiled without circom's linear simplification (--O0; production uses
    // --O2, which keeps the same solution set) so their wires are the same signals: the cheating
    // prover's witness generator is the same circuit without assertOne's `===` (the only change),
    // which computes every other signal for the bad index, and the honest R1CS judges it.
    const circuit = generateCircuit({ ir, modelCommitment: await modelCommitment(ir) });
    const asserts = /^\s*\w+\[\d+\] === \d+;$/gm;
    expect(circuit.match(asserts), "assertOne lines").to.have.length.greaterThan(0);
    const base = circuitBaseName(ir.name);
    const compileO0 = (text: string) => {
      const out = mkdtempSync(join(tmpdir(), "zkinfer-indices-circuit-"));
      writeFileSync(join(out, `${base}.circom`), text);
      const cli = join(dirname(createRequire(import.meta.url).resolve("circom2/package.json")), "cli.js");
      const args = [cli, join(out, `${base}.circom`), "--r1cs", "--wasm", "--O0", "-l", join(REPO_ROOT, "node_modules"), "-l", REPO_ROOT, "-o", out];
      const r = spawnSync(process.execPath, args, { cwd: REPO_ROOT, encoding: "utf8" });
      expect(r.status, r.stderr).to.equal(0);
      return out;
    };
    const [honestDir, cheatDir] = [compileO0(circuit), compileO0(circuit.replace(asserts, ""))];
    const r1cs = await loadR1cs(join(honestDir, `${base}.r1cs`));
    const load = async (d: string) => WitnessCalculatorBuilder(readFileSync(join(d, `${base}_js`, `${base}.wasm`)));
    const [honestWc, cheatWc] = [await load(honestDir), await load(cheatDir)];
    const witness = async (idx: number[], honest: boolean): Promise<bigint[]> =>
      (honest ? honestWc : cheatWc).calculateWitness(
        { features: [...X, ...idx].map((v) => toField(quantize(v, ir.inputScale))), salt: 1n, subject: 0n, nonce: 0n },
        true,
      );
    expect(firstViolatedConstraint(r1cs, await witness([-1, -4, 3], true))).to.equal(-1);
    expect(firstViolatedConstraint(r1cs, await witness([-1, -4, 3], false)), "the cheat circuit has the same wires").to.equal(-1);
    // The honest witness generator refuses (the circuit's `===`), and a witness computed by the
    // same assignments without that check fails a constraint: no proof exists for index 4 or -5.
    for (const bad of [
      [0, 4, 1],
      [-5, 0, 1],
    ]) {
      let threw = false;
      try {
        await witness(bad, true);
      } catch {
        threw = true;
      }
      expect(threw, `index ${bad}`).to.equal(true);
      expect(firstViolatedConstraint(r1cs, await witness(bad, false)), `index ${bad}`).to.not.equal(-1);
    }
  });
});
