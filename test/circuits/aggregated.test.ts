/**
 * The aggregated circuit (prover/circuit/aggregate.ts) on a tiny model with N = 4, without keys: the
 * honest witness satisfies every constraint and its public signals are the ones the TypeScript ABI
 * computes from the reference interpreter; then the witness-tamper cases of docs/SECURITY.md (C53-C56):
 * an empty slot made to act, an active flag that is not a bit, a changed output, root or commitment.
 */
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { expect } from "chai";
import { WitnessCalculatorBuilder } from "circom_runtime";
import {
  aggregatedOutputLayout,
  encodeAggregatedSignals,
  inclusionPaths,
  inputRoot,
  packStatement,
  statementIndex,
  verifyInclusion,
} from "../../prover/abi/aggregatedSignals.js";
import { generateAggregatedCircuit } from "../../prover/circuit/aggregate.js";
import { renderModel } from "../../prover/circuit/commitment.js";
import { compileCircuit, type CircuitInfo } from "../../prover/circuit/compile.js";
import { changeViolates, firstViolatedConstraint, loadR1cs, loadSymbols, type R1cs } from "../../prover/circuit/r1cs.js";
import { toField } from "../../prover/field.js";
import { inputCommitment } from "../../prover/model/commitment.js";
import { runReference } from "../../prover/model/interpret.js";
import { lowerModel, type ModelIR } from "../../prover/model/ir.js";
import { readModelSpec } from "../../prover/model/spec.js";

const specPath = fileURLToPath(new URL("../fixtures/aggregate-tiny.json", import.meta.url));
const N = 4;

describe("aggregated circuit: N statements of one model in one witness (aggregate-tiny, N = 4)", function () {
  this.timeout(300_000);
  let ir: ModelIR;
  let commitment: bigint;
  let info: CircuitInfo;
  let r1cs: R1cs;
  let symbols: Map<string, number>;
  let wc: { calculateWitness(input: Record<string, unknown>, sanity: boolean): Promise<bigint[]> };
  const statements = [
    { features: { a: 1.5, b: 3, c: -0.5 }, subject: 0xa11cen, nonce: 1n, salt: 11n },
    { features: { a: -4, b: 8, c: 1 }, subject: 0xb0bn, nonce: (1n << 64n) - 1n, salt: 12n },
    { features: { a: 4, b: 0, c: -1 }, subject: (1n << 160n) - 1n, nonce: 0n, salt: 13n },
  ];

  before(async () => {
    ir = lowerModel(readModelSpec(specPath));
    const rendered = await renderModel(ir);
    commitment = rendered.modelCommitment;
    const dir = mkdtempSync(join(tmpdir(), "zkinfer-aggregated-"));
    const source = join(dir, "aggregated.circom");
    writeFileSync(source, generateAggregatedCircuit({ ir, n: N, modelCommitment: commitment, circuitDigest: rendered.circuitDigest }));
    info = await compileCircuit({ source, outDir: dir });
    r1cs = await loadR1cs(join(dir, "aggregated.r1cs"));
    symbols = loadSymbols(join(dir, "aggregated.sym"));
    wc = await WitnessCalculatorBuilder(readFileSync(join(dir, "aggregated_js", "aggregated.wasm")));
  });

  /** Three statements in slots 0-2, slot 3 empty (the first statement's inputs, all else 0). */
  async function honestWitness(): Promise<bigint[]> {
    const q = statements.map((s) => runReference(ir, s.features).inputs.map(toField));
    return wc.calculateWitness(
      {
        features: [...q, q[0]!],
        salt: [...statements.map((s) => s.salt), 0n],
        subject: [...statements.map((s) => s.subject), 0n],
        nonce: [...statements.map((s) => s.nonce), 0n],
        active: [1n, 1n, 1n, 0n],
      },
      true,
    );
  }
  const wire = (name: string) => {
    const w = symbols.get(`main.${name}`);
    if (w === undefined) throw new Error(`no wire main.${name}`);
    return w;
  };

  it("satisfies every constraint, with the public signals the TypeScript ABI computes", async () => {
    const w = await honestWitness();
    expect(firstViolatedConstraint(r1cs, w)).to.equal(-1);
    const layout = aggregatedOutputLayout(ir);
    const leaves = [...(await Promise.all(statements.map((s) => inputCommitment(ir.features, runReference(ir, s.features).inputs, s.salt)))), 0n];
    const expected = encodeAggregatedSignals(N, layout, {
      modelCommitment: commitment,
      inputRoot: await inputRoot(leaves),
      slots: [...statements.map((s, i) => ({ slot: i, subject: s.subject, nonce: s.nonce, outputs: runReference(ir, s.features).outputs })), undefined],
    });
    // Circom puts the public outputs right after the constant wire 1.
    expect(w.slice(1, 1 + expected.length)).to.deep.equal(expected);
    expect(info.publicOutputs).to.equal(expected.length);
    // Each statement's owner opens its commitment with its path; the empty slot's leaf is 0.
    const paths = await inclusionPaths(leaves);
    for (let i = 0; i < 3; i++) expect(await verifyInclusion(expected[1]!, leaves[i]!, paths[i]!)).to.equal(true);
    expect(await verifyInclusion(expected[1]!, leaves[0]!, paths[1]!)).to.equal(false);
    expect(await verifyInclusion(expected[1]!, leaves[0]! + 1n, paths[0]!)).to.equal(false);
  });

  it("pins the constraint count (a change in circuit size is a reviewed event)", () => {
    expect(info.nonLinearConstraints).to.equal(2296);
  });

  it("rejects an empty slot made to act: a statement word, an output word or a leaf for slot 3", async () => {
    const w = await honestWitness();
    const layout = aggregatedOutputLayout(ir);
    const s3 = statementIndex(3, layout) - 2; // index in `slots`, after modelCommitment and inputRoot
    expect(changeViolates(r1cs, w, wire(`slots[${s3}]`), packStatement(0xe11en, 5n))).to.equal(true);
    expect(changeViolates(r1cs, w, wire(`slots[${s3 + 1}]`), 1n)).to.equal(true);
    expect(changeViolates(r1cs, w, wire("leaf3"), 1n)).to.equal(true);
    // Turning the flag on without the statement: the slot's word would be non-zero.
    expect(changeViolates(r1cs, w, wire("active[3]"), 1n)).to.equal(true);
  });

  it("rejects an active flag that is not a bit, and a slot switched off with its statement kept", async () => {
    const w = await honestWitness();
    expect(changeViolates(r1cs, w, wire("active[0]"), 2n)).to.equal(true);
    expect(changeViolates(r1cs, w, wire("active[0]"), 0n)).to.equal(true);
  });

  it("rejects a changed statement word, output word, input root or model commitment", async () => {
    const w = await honestWitness();
    const layout = aggregatedOutputLayout(ir);
    const s1 = statementIndex(1, layout) - 2;
    expect(changeViolates(r1cs, w, wire(`slots[${s1}]`), w[wire(`slots[${s1}]`)]! + 1n)).to.equal(true); // another subject
    expect(changeViolates(r1cs, w, wire(`slots[${s1}]`), w[wire(`slots[${s1}]`)]! + (1n << 160n))).to.equal(true); // another nonce
    expect(changeViolates(r1cs, w, wire(`slots[${s1 + 1}]`), w[wire(`slots[${s1 + 1}]`)]! + 1n)).to.equal(true); // a better score
    expect(changeViolates(r1cs, w, wire("inputRoot"), w[wire("inputRoot")]! + 1n)).to.equal(true);
    expect(changeViolates(r1cs, w, wire("modelCommitment"), commitment + 1n)).to.equal(true);
  });

  it("refuses an attested or public-input model, and a batch size that is not a power of two", async () => {
    const base = readModelSpec(specPath);
    const publicInputs = lowerModel({ ...base, visibility: { ...(base.visibility ?? {}), inputs: "public", publicInputBits: 8 } } as typeof base);
    expect(() => generateAggregatedCircuit({ ir: publicInputs, n: 4, modelCommitment: 0n, circuitDigest: 0n })).to.throw(/has public inputs/);
    expect(() => generateAggregatedCircuit({ ir, n: 3, modelCommitment: 0n, circuitDigest: 0n })).to.throw(/power of two/);
    expect(() => generateAggregatedCircuit({ ir, n: 1, modelCommitment: 0n, circuitDigest: 0n })).to.throw(/power of two/);
  });
});
