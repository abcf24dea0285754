/**
 * The build's record (circuit.json: commitment, circuit digest, sha256 of the spec and the circuit
 * files), which `ModelProver.load`, `deploy`, `verify-deployment`, `verify` and `serve` read instead of
 * rendering the circuit again (verify and serve through recordedModelCommitment). A copy of credit-score's build in a scratch build folder is tampered with, one
 * thing at a time: each stale or tampered record is refused, naming what differs.
 */
import { expect } from "chai";
import { copyFileSync, cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { readCircuitRecord, recordedModelCommitment } from "../../prover/artifacts/circuitRecord.js";
import { loadServiceModels } from "../../prover/service/models.js";
import { artifactPath, bundledSpecPath } from "../../prover/artifacts/paths.js";
import { modelDeploymentSpec } from "../../prover/chain/deployModel.js";
import { modelCommitment } from "../../prover/circuit/commitment.js";
import { lowerModel } from "../../prover/model/ir.js";
import { readModelSpec } from "../../prover/model/spec.js";
import { ModelProver } from "../../prover/prove/prover.js";

const MODEL = "credit-score";

/** The message a promise is rejected with; fails the test when it resolves. */
async function failure(p: Promise<unknown>): Promise<string> {
  return p.then(
    () => expect.fail("expected a rejection"),
    (e: Error) => e.message,
  );
}

describe("build record: lowered and rendered once, checked on every later read", function () {
  this.timeout(300_000);
  const saved = process.env.ZKINFER_BUILD_DIR;
  const original = artifactPath(MODEL, "dir");
  let root: string;
  let specPath: string;

  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), "zkinfer-record-"));
    cpSync(original, join(root, "models", MODEL), { recursive: true });
    specPath = join(root, "spec.json");
    copyFileSync(bundledSpecPath(MODEL), specPath);
    process.env.ZKINFER_BUILD_DIR = root;
  });
  afterEach(() => {
    if (saved === undefined) delete process.env.ZKINFER_BUILD_DIR;
    else process.env.ZKINFER_BUILD_DIR = saved;
    rmSync(root, { recursive: true, force: true });
  });

  const recordFile = () => artifactPath(MODEL, "circuitInfo");
  const editRecord = (edit: (r: Record<string, unknown>) => void) => {
    const r = JSON.parse(readFileSync(recordFile(), "utf8"));
    edit(r);
    writeFileSync(recordFile(), JSON.stringify(r));
  };

  it("records the commitment and digest the spec renders to, and later steps read them", async () => {
    const record = readCircuitRecord(MODEL, specPath);
    const honest = await modelCommitment(lowerModel(readModelSpec(specPath)));
    expect(BigInt(record.modelCommitment)).to.equal(honest);
    const prover = await ModelProver.load(specPath);
    expect(prover.modelCommitment).to.equal(honest);
    expect((await modelDeploymentSpec(specPath)).modelCommitment).to.equal(honest);
    // `zkinfer verify` and `zkinfer serve` compare proofs with the recorded commitment.
    expect(await recordedModelCommitment(lowerModel(readModelSpec(specPath)), specPath)).to.equal(honest);
    expect((await loadServiceModels([specPath])).get(MODEL)!.commitment).to.equal(honest);
  });

  it("refuses a spec edited since the build, naming it", async () => {
    const spec = JSON.parse(readFileSync(specPath, "utf8"));
    spec.fixedPoint.activationBits += 1;
    writeFileSync(specPath, JSON.stringify(spec, null, 2));
    expect(await failure(ModelProver.load(specPath))).to.match(/stale: the spec .*spec\.json changed since the build.*zkinfer build/);
    expect(await failure(modelDeploymentSpec(specPath))).to.match(/stale: the spec/);
  });

  it("refuses a replaced circuit artifact, naming the file", async () => {
    writeFileSync(artifactPath(MODEL, "r1cs"), Buffer.concat([readFileSync(artifactPath(MODEL, "r1cs")), Buffer.from([0])]));
    expect(await failure(ModelProver.load(specPath))).to.match(/stale: its r1cs file is not the one the build recorded/);
  });

  it("refuses a record whose commitment was edited", async () => {
    editRecord((r) => (r.modelCommitment = (BigInt(String(r.modelCommitment)) + 1n).toString()));
    expect(await failure(ModelProver.load(specPath))).to.match(/names commitment .* but its circuit computes/);
    expect(await failure(modelDeploymentSpec(specPath))).to.match(/names commitment/);
  });

  it("refuses a record whose circuit digest was edited (the commitment no longer follows from the spec and it)", async () => {
    editRecord((r) => (r.circuitDigest = (BigInt(String(r.circuitDigest)) + 1n).toString()));
    expect(await failure(ModelProver.load(specPath))).to.match(/stale \(its model commitment differs from the spec's\)/);
    expect(await failure(modelDeploymentSpec(specPath))).to.match(/stale \(its model commitment differs/);
    expect(await failure(recordedModelCommitment(lowerModel(readModelSpec(specPath)), specPath))).to.match(/stale \(its model commitment differs/);
    expect(await failure(loadServiceModels([specPath]))).to.match(/stale \(its model commitment differs/);
  });

  it("verify and serve refuse a spec edited since the build (no re-rendering hides it)", async () => {
    const spec = JSON.parse(readFileSync(specPath, "utf8"));
    spec.layers[0].bias[0] += 0.5;
    writeFileSync(specPath, JSON.stringify(spec, null, 2));
    expect(await failure(recordedModelCommitment(lowerModel(readModelSpec(specPath)), specPath))).to.match(/stale: the spec .*changed since the build/);
    expect(await failure(loadServiceModels([specPath]))).to.match(/stale: the spec/);
  });

  it("refuses a record without a digest (an older zkinfer's), naming the field", async () => {
    editRecord((r) => delete r.circuitDigest);
    expect(await failure(ModelProver.load(specPath))).to.match(/malformed or from an older zkinfer: circuitDigest .*Run `zkinfer build/);
  });
});
