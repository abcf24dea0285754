/**
 * The error bound check-onnx and calibration report holds: on every fixture model of both peer
 * corpora (test/fixtures/onnx, test/fixtures/onnx-wide, and the loosest-bound models in
 * test/fixtures/onnx-bounds; see their SOURCE.md), the exact quantized interpreter (= the circuit,
 * bit for bit) is within the bound of the float reference on the model's own input and on inputs
 * drawn inside the declared ranges. The whole corpora: `npx tsx scripts/onnx-bounds.ts <corpus>`.
 */
import { readdirSync, existsSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { expect } from "chai";
import { checkBounds, type BoundCheck } from "../../prover/onnx/boundCheck.js";
import { combineForms, FRESH, l1, MAX_TERMS, single } from "../../prover/graph/errform.js";
import { buildOnnx, intAttr } from "../../prover/onnx/build.js";
import { interpretFloat } from "../../prover/onnx/check.js";
import { importNetwork } from "../../prover/onnx/network.js";
import { lowerGraph } from "../../prover/graph/lower.js";
import type { FloatNode } from "../../prover/graph/types.js";

const fixtures = fileURLToPath(new URL("../fixtures/", import.meta.url));
const models = ["onnx", "onnx-wide", "onnx-bounds"].flatMap((c) =>
  readdirSync(join(fixtures, c), { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(join(fixtures, c, d.name, "network.onnx")))
    .map((d) => ({ corpus: c, name: d.name, dir: join(fixtures, c, d.name) })),
);

describe("error bounds: the interpreter (= circuit) within the reported bound", function () {
  this.timeout(600_000);
  const results = new Map<string, BoundCheck>();

  before(async () => {
    for (const m of models) results.set(`${m.corpus}/${m.name}`, await checkBounds(join(m.dir, "network.onnx"), join(m.dir, "input.json")));
  });

  it("covers every fixture model of both corpora", () => {
    expect(models.filter((m) => m.corpus === "onnx")).to.have.length(20);
    expect(models.length).to.be.greaterThan(35);
  });

  it("every model is within its bound on its own input and on 8 drawn inputs each", () => {
    const bad = [...results]
      .filter(([, r]) => r.status !== "supported")
      .map(([m, r]) => `${m}: ${r.status} ${r.reason ?? ""} error ${r.maxAbsError} bound ${r.errorBound}`);
    expect(bad).to.deep.equal([]);
    for (const [m, r] of results) {
      if (r.errorBound === null) continue;
      expect(r.maxAbsError!, m).to.be.at.most(r.errorBound!);
      expect(r.drawn, `${m}: drawn inputs`).to.be.greaterThan(0);
      expect(r.drawnWorstRatio!, m).to.be.at.most(1);
    }
  });

  it("bounds are tight where the error analysis composes error forms (deep ReLU stack) and uses sqrt's Hoelder bound (LpPool)", () => {
    // Before: large_mlp 1.4e3 (error 3.3e-4), 1l_lppool 40 (error 3.0e-3: sqrt's worst-case slope).
    expect(results.get("onnx-bounds/large_mlp")!.errorBound!).to.be.below(50);
    expect(results.get("onnx-bounds/1l_lppool")!.errorBound!).to.be.below(3);
  });

  it("LogSoftmax and ReduceLogSumExp have a finite bound (the log's float input is at least 1)", () => {
    for (const m of ["onnx-bounds/log_softmax", "onnx-bounds/logsumexp"]) expect(results.get(m)!.errorBound, m).to.be.a("number");
  });
});

describe("Cast to a narrower float format", function () {
  this.timeout(120_000);
  const x = [0.1, -0.3, 1.7, 2.9, -3.3, 0.01, 5.5, 1000];
  const model = (to: number) =>
    buildOnnx(
      [
        { opType: "Cast", input: ["x"], output: ["h"], attribute: [intAttr("to", to)] },
        { opType: "Cast", input: ["h"], output: ["y"], attribute: [intAttr("to", 1)] },
      ],
      [["x", [1, 8]]],
      [["y", 1, [1, 8]]],
    );

  it("rounds to nearest even in the float rule (float16, bfloat16, float8 E4M3FN saturating at 448)", () => {
    const f16 = interpretFloat(importNetwork(model(10), "f16"), x);
    expect(f16.slice(0, 2)).to.deep.equal([0.0999755859375, -0.300048828125]);
    const bf16 = interpretFloat(importNetwork(model(16), "bf16"), x);
    expect(bf16[0]).to.equal(0.10009765625);
    const e4m3 = interpretFloat(importNetwork(model(17), "e4m3"), x);
    expect(e4m3[0]).to.equal(0.1015625);
    expect(e4m3[7]).to.equal(448);
  });

  it("the interpreter (the identity, clipped when saturating) is within a bound that includes the rounding", async () => {
    const dir = mkdtempSync(join(tmpdir(), "zkinfer-cast-"));
    writeFileSync(join(dir, "input.json"), JSON.stringify({ input_data: [x] }));
    for (const to of [10, 16, 17, 19]) {
      writeFileSync(join(dir, "network.onnx"), model(to));
      const r = await checkBounds(join(dir, "network.onnx"), join(dir, "input.json"));
      expect(r.status, `to ${to}: ${r.reason}`).to.equal("supported");
      expect(r.maxAbsError!, `to ${to}`).to.be.greaterThan(0);
      expect(r.maxAbsError!, `to ${to}`).to.be.at.most(r.errorBound!);
    }
  });
});

describe("error forms", () => {
  it("compose linearly: x - x has no error of its own, x + x twice it", () => {
    const x = single(0, 0.5);
    expect(l1(combineForms([x, x], [1, -1], 0))).to.equal(0);
    expect(l1(combineForms([x, x], [1, 1], 0))).to.equal(1);
  });

  it("merge the smallest terms of a long form into the fresh symbol, never losing l1", () => {
    const many = Array.from({ length: MAX_TERMS + 10 }, (_, i) => single(i, 1 + i));
    const f = combineForms(many, new Array<number>(many.length).fill(1), 0.25);
    expect(f.sym.length).to.equal(MAX_TERMS + 1);
    expect(f.sym[0]).to.equal(FRESH);
    const total = many.reduce((a, m) => a + l1(m), 0.25);
    expect(Math.abs(l1(f) - total)).to.be.at.most(1e-9);
  });
});

describe("error bounds of steep functions near an end of their domain (prover/graph/families/fn.ts)", () => {
  // One fn node over an input at scale 2^13 in [0, 4] with an input error e: the bound must cover
  // the worst pair (x_q, x_f) with |x_q - x_f| <= e, which sits at the interval's low end, inside
  // the first cell of any grid (chords between grid points alone miss it).
  const fp = { inputBits: 13, weightBits: 13, activationBits: 13 };
  const bound = (node: Record<string, unknown>, e: number) =>
    lowerGraph({ type: "graph", nodes: [{ op: "fn", args: [0], ...node }], outputs: [1] }, 13, [{ lo: 0n, hi: 4n * 8192n }], [e], fp).outErr[0]!;

  it("rsqrt above epsilon (LayerNorm's 1/sqrt(v + eps)): the float v = eps beside a quantized v one step up", () => {
    const e = 8.5e-4;
    // x_q = one step (the table's first point, 2^-13), x_f = eps: |rsqrt(2^-13) - rsqrt(eps)| ~ 225.
    const worst = 1 / Math.sqrt(1e-5) - 1 / Math.sqrt(2 ** -13);
    const b = bound({ fn: "rsqrt", floatAtLeast: 1e-5 }, e);
    expect(b).to.be.at.least(worst);
    expect(b).to.be.below(2 * worst + 10); // the monotone window rule, not the global slope (1.6e7 e)
  });

  it("sqrt at 0: the float input e above a quantized 0", () => {
    const e = 1e-4;
    expect(bound({ fn: "sqrt" }, e)).to.be.at.least(Math.sqrt(e));
  });

  it("exp(x - max) is tabulated on x - max <= 0 only (atMost): finite however wide x's range", () => {
    const b = lowerGraph(
      { type: "graph", nodes: [{ op: "fn", args: [0], fn: "exp", atMost: 0 } as FloatNode], outputs: [1] },
      4,
      [{ lo: -16n * 20000n, hi: 16n * 20000n }],
      [0.03],
      fp,
    );
    expect(b.outErr[0]).to.be.below(1);
    expect(() =>
      lowerGraph(
        { type: "graph", nodes: [{ op: "fn", args: [0], fn: "exp" } as FloatNode], outputs: [1] },
        4,
        [{ lo: -16n * 20000n, hi: 16n * 20000n }],
        [0.03],
        fp,
      ),
    ).to.throw(/overflows a float/);
  });
});
