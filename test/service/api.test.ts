/**
 * The prover service's HTTP contract, in-process (startService) with the embedded SQLite queue, a
 * real prover process and a real local chain: the happy path from a request to a confirmed
 * verifyAndAct, idempotency, replay-as-success, metrics, and every bad input refused with a 4xx
 * that names the field, with nothing stored (SECURITY.md 27).
 */
import { createHash, randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import * as snarkjs from "snarkjs";
import type { Address, Hex } from "viem";
import { artifactPath } from "../../prover/artifacts/paths.js";
import { applicantFeatures } from "../../prover/data/germanCredit.js";
import { CREDIT_GATE_ABI, HARDHAT_DEV_KEY, HUB_ABI, connectChain } from "../../prover/service/chain.js";
import { startLocalChain, type LocalChain } from "../../prover/service/dev/localChain.js";
import { startService, type RunningService } from "../../prover/service/service.js";
import { API_KEY, MODEL_DIR, call, newSubject, waitForJobs } from "./helpers.js";

const subject = () => ("0x" + randomBytes(20).toString("hex")) as Address;

describe("prover service API (SQLite queue, local chain)", function () {
  this.timeout(300_000);
  let chain: LocalChain;
  let service: RunningService;
  let base: string;
  let dir: string;
  const serviceLog: string[] = [];

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "zkinfer-api-"));
    chain = await startLocalChain();
    service = await startService({
      models: [MODEL_DIR],
      queue: { kind: "sqlite", path: join(dir, "jobs.sqlite") },
      workers: 1,
      chain: { rpcUrl: chain.url, privateKey: HARDHAT_DEV_KEY, deploy: { threshold: 0n, creditLimit: 7_000n } },
      apiKeyHashes: [createHash("sha256").update(API_KEY).digest("hex")],
      port: 0,
      log: (line) => serviceLog.push(line),
    });
    base = service.url;
  });

  after(async () => {
    await service?.close();
    await chain?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("serves its OpenAPI document, health and the model's feature spec", async () => {
    const doc = await call(base, "GET", "/v1/openapi.json", undefined, { authorization: "" });
    expect(doc.status).to.equal(200);
    expect(doc.json.openapi).to.match(/^3\./);
    expect(Object.keys(doc.json.paths)).to.include.members(["/v1/models/{id}/proofs", "/v1/jobs/{id}", "/v1/models", "/healthz", "/metrics"]);
    const health = await call(base, "GET", "/healthz", undefined, { authorization: "" });
    expect(health.json).to.include({ status: "ok", queue: "sqlite", workers: 1 });
    const models = await call(base, "GET", "/v1/models");
    const [m] = models.json.models;
    expect(m.id).to.equal("credit-score");
    expect(m.onChainModelId).to.equal(service.modelIds["credit-score"]!.toString());
    expect(m.features).to.have.length(19);
    expect(m.features.find((f: any) => f.name === "duration_months")).to.include({ min: 1, max: 72 });
  });

  it("refuses requests without a known API key (401)", async () => {
    for (const authorization of ["", "Bearer nope", `Basic ${API_KEY}`]) {
      const r = await call(base, "GET", "/v1/models", undefined, { authorization });
      expect(r.status).to.equal(401);
      expect(r.json.message).to.match(/Authorization: Bearer/);
    }
  });

  /** The body fields of a request the service may submit: a fresh subject that authorised the service's key. */
  async function authorized(nonce: number | string) {
    const s = newSubject();
    const modelId = service.modelIds["credit-score"]!;
    const authorization = await s.authorization({ hub: service.hub!, modelId, nonce: BigInt(nonce), submitter: service.submitter!.address });
    return { subject: s.address, authorization };
  }

  it("proves a request and ends with a confirmed verifyAndActFor (relayed with the subject's authorization) that opens the subject's credit line", async () => {
    const { subject: applicant, authorization } = await authorized(42);
    const features = applicantFeatures(0);
    const posted = await call(base, "POST", "/v1/models/credit-score/proofs", { input: features, subject: applicant, nonce: "42", authorization });
    expect(posted.status).to.equal(202);
    expect(posted.headers.get("location")).to.equal(`/v1/jobs/${posted.json.jobId}`);
    expect(posted.json).to.include({ status: "queued", nonce: "42" });
    const [job] = await waitForJobs(base, [posted.json.jobId]);
    expect(job.status, JSON.stringify(job.error)).to.equal("confirmed");
    expect(job.txHash).to.match(/^0x[0-9a-f]{64}$/);
    expect(job.timings.proveMs).to.be.a("number");
    expect(job.input, "the API never shows the input").to.equal(undefined);
    expect((await service.queue.get(job.id))!.input, "the input is deleted once proved").to.equal(null);
    const vkey = JSON.parse(readFileSync(artifactPath("credit-score", "vkey"), "utf8"));
    expect(await snarkjs.groth16.verify(vkey, job.publicSignals, job.proof)).to.equal(true);

    const { publicClient } = await connectChain(chain.url, HARDHAT_DEV_KEY);
    const receipt = await publicClient.getTransactionReceipt({ hash: job.txHash as Hex });
    expect(receipt.status).to.equal("success");
    const modelId = service.modelIds["credit-score"]!;
    expect(await publicClient.readContract({ address: service.hub!, abi: HUB_ABI, functionName: "isNonceUsed", args: [modelId, applicant, 42n] })).to.equal(true);
    const line = await publicClient.readContract({ address: service.deployment!.creditGate, abi: CREDIT_GATE_ABI, functionName: "creditLineOf", args: [applicant] });
    const score = BigInt(job.publicSignals[0]) > 2n ** 253n ? -1n : BigInt(job.publicSignals[0]);
    expect((line as { limit: bigint }).limit).to.equal(score >= 0n ? 7_000n : 0n);
  });

  it("counts a replay revert on resubmission as success: a second job for a recorded statement is confirmed without a new transaction", async () => {
    const { subject: applicant, authorization } = await authorized(5);
    const first = await call(base, "POST", "/v1/models/credit-score/proofs", { input: applicantFeatures(1), subject: applicant, nonce: 5, authorization });
    const [done] = await waitForJobs(base, [first.json.jobId]);
    expect(done.status).to.equal("confirmed");
    const again = await call(base, "POST", "/v1/models/credit-score/proofs", { input: applicantFeatures(1), subject: applicant, nonce: 5, authorization });
    const [replayed] = await waitForJobs(base, [again.json.jobId]);
    expect(replayed).to.include({ status: "confirmed", alreadyOnChain: true, txHash: done.txHash });
  });

  it("re-signs when another transaction of the same key takes its nonce (24)", async () => {
    // The submitter has handed out nonces already (earlier tests); now something else sends from its key.
    const { publicClient, walletClient, account } = await connectChain(chain.url, HARDHAT_DEV_KEY);
    const external = await walletClient.sendTransaction({ account, chain: walletClient.chain, to: subject(), value: 1n });
    const externalTx = await publicClient.getTransaction({ hash: external });
    const posted = await call(base, "POST", "/v1/models/credit-score/proofs", { input: applicantFeatures(4), nonce: 1, ...(await authorized(1)) });
    const [job] = await waitForJobs(base, [posted.json.jobId]);
    expect(job.status, JSON.stringify(job.error)).to.equal("confirmed");
    const tx = await publicClient.getTransaction({ hash: job.txHash });
    expect(tx.nonce).to.not.equal(externalTx.nonce);
    // The collision did happen (the submitter had cached that nonce) and was resolved by re-signing.
    expect(serviceLog.some((l) => l.includes(`nonce ${externalTx.nonce} of`) && l.includes("taken by another transaction"))).to.equal(true);
    expect((await publicClient.getTransactionReceipt({ hash: job.txHash })).status).to.equal("success");
  });

  it("returns the first job for a retried idempotency key, and 409 for the key with another body", async () => {
    const body = { input: applicantFeatures(2), subject: subject(), nonce: 9, submit: false, idempotencyKey: "order-2" };
    const a = await call(base, "POST", "/v1/models/credit-score/proofs", body);
    const b = await call(base, "POST", "/v1/models/credit-score/proofs", body);
    expect(a.status).to.equal(202);
    expect(b.status).to.equal(200);
    expect(b.json.jobId).to.equal(a.json.jobId);
    const c = await call(base, "POST", "/v1/models/credit-score/proofs", { ...body, nonce: 10 });
    expect(c.status).to.equal(409);
    expect(c.json).to.include({ field: "idempotencyKey" });
    const [job] = await waitForJobs(base, [a.json.jobId], (j) => j.status === "proved" || j.status === "failed");
    expect(job.status).to.equal("proved");
    expect(job.txHash).to.equal(null);
  });

  describe("bad input: a 4xx naming the problem, nothing stored (SECURITY.md 27)", () => {
    const good = () => ({ input: applicantFeatures(3), subject: subject(), nonce: 1, submit: false });
    const cases: [string, () => unknown, number, string | undefined, RegExp][] = [
      ["a feature above its range", () => ({ ...good(), input: { ...applicantFeatures(3), duration_months: 500 } }), 422, "input.duration_months", /duration_months.*500.*\[1, 72\]/],
      ["a missing feature", () => { const i: Record<string, number> = { ...applicantFeatures(3) }; delete i.age_years; return { ...good(), input: i }; }, 422, "input.age_years", /age_years.*missing/],
      ["an unknown feature", () => ({ ...good(), input: { ...applicantFeatures(3), salary: 1 } }), 422, "input.salary", /Unknown feature `salary`/],
      ["a feature of the wrong type", () => ({ ...good(), input: { ...applicantFeatures(3), duration_months: "12" } }), 422, "input.duration_months", /finite number/],
      ["input that is not an object", () => ({ ...good(), input: [1, 2, 3] }), 400, "input", /object mapping feature names/],
      ["a malformed subject", () => ({ ...good(), subject: "0x1234" }), 400, "subject", /20-byte address/],
      ["a missing subject", () => { const b: Record<string, unknown> = good(); delete b.subject; return b; }, 400, "subject", /`subject` is required/],
      ["a negative nonce", () => ({ ...good(), nonce: -1 }), 400, "nonce", /non-negative integer/],
      ["a nonce >= r", () => ({ ...good(), nonce: (2n ** 254n).toString() }), 400, "nonce", /BN254 scalar field/],
      ["an unknown field", () => ({ ...good(), salt: "1" }), 400, "salt", /Unknown field\(s\) `salt`/],
      ["a non-boolean submit", () => ({ ...good(), submit: "yes" }), 400, "submit", /true or false/],
      ["a submission for another subject without its authorization (nonce squatting)", () => ({ ...good(), submit: true }), 400, "authorization", /`authorization` is required to submit for subject .* not attested/],
      ["a malformed authorization", () => ({ ...good(), submit: true, authorization: { deadline: "soon", signature: "0x12" } }), 400, "authorization", /SubmissionAuthorization/],
      ["a body that is not JSON", () => "{not json", 400, undefined, /not valid JSON/],
      ["a huge body", () => ({ ...good(), idempotencyKey: "x".repeat(200_000) }), 413, undefined, /exceeds 65536 bytes/],
    ];
    for (const [name, body, status, field, message] of cases) {
      it(`refuses ${name} with ${status}`, async () => {
        const before = await service.queue.counts();
        const r = await call(base, "POST", "/v1/models/credit-score/proofs", body());
        expect(r.status, r.text).to.equal(status);
        if (field !== undefined) expect(r.json.field).to.equal(field);
        expect(r.json.message).to.match(message);
        expect(await service.queue.counts()).to.deep.equal(before);
      });
    }

    it("refuses a body that is not JSON by content type (415), an unknown model and an unknown job (404)", async () => {
      const plain = await call(base, "POST", "/v1/models/credit-score/proofs", "hello", { "content-type": "text/plain" });
      expect(plain.status).to.equal(415);
      const model = await call(base, "POST", "/v1/models/nope/proofs", good());
      expect(model.status).to.equal(404);
      expect(model.json.message).to.match(/serves credit-score/);
      const job = await call(base, "GET", "/v1/jobs/00000000-0000-0000-0000-000000000000");
      expect(job.status).to.equal(404);
    });
  });

  // After the bad-input suite (mocha runs a suite's own tests before its nested suites).
  describe("metrics", () => {
    it("exposes Prometheus metrics: queue depth by status, proof durations, failures by kind, rejections", async () => {
      const r = await call(base, "GET", "/metrics", undefined, { authorization: "" });
      expect(r.status).to.equal(200);
      expect(r.text).to.match(/zkinfer_queue_jobs\{status="queued"\} \d+/);
      expect(r.text).to.match(/zkinfer_queue_jobs\{status="confirmed"\} [1-9]/);
      expect(r.text).to.match(/zkinfer_proof_duration_seconds_count [1-9]/);
      expect(r.text).to.match(/zkinfer_job_failures_total\{kind="crash"\} 0/);
      expect(r.text).to.match(/zkinfer_requests_rejected_total\{reason="invalid_input"\} [1-9]/);
    });
  });
});
