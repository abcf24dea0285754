/**
 * The prover service's HTTP contract, in-process (startService) with the embedded SQLite queue, a
 * real prover process and a real local chain: the happy path from a request to a confirmed
 * verifyAndAct, idempotency, replay-as-success, metrics, and every bad input refused with a 4xx
 * that names the field, with nothing stored (docs/SECURITY.md 27); tenants (API keys) isolated from
 * each other; a squatted nonce fails the job instead of confirming it.
 */
import { createHash, randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import * as snarkjs from "snarkjs";
import type { Address, Hex } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { artifactPath } from "../../prover/artifacts/paths.js";
import { applicantFeatures } from "../../prover/data/germanCredit.js";
import { CREDIT_GATE_ABI, HARDHAT_DEV_KEY, HUB_ABI, connectChain } from "../../prover/service/chain.js";
import { startLocalChain, type LocalChain } from "../../scripts/dev/localChain.js";
import { startService, type RunningService } from "../../prover/service/service.js";
import { ModelProver } from "../../prover/prove/prover.js";
import { runReference } from "../../prover/model/interpret.js";
import { signSubmissionAuthorization } from "../../prover/abi/submissionAuthorization.js";
import { API_KEY, MODEL_DIR, call, newSubject, waitForJobs } from "./helpers.js";

/** A second tenant of the same service. */
const OTHER_KEY = "zki_another-tenant-of-the-service-tests";
const asOther = { authorization: `Bearer ${OTHER_KEY}` };

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
      apiKeyHashes: [API_KEY, OTHER_KEY].map((k) => createHash("sha256").update(k).digest("hex")),
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
    // Without a key, health says only that the process is up; with one, the operational details.
    const health = await call(base, "GET", "/healthz", undefined, { authorization: "" });
    expect(health.json).to.deep.equal({ status: "ok", queue: "sqlite" });
    const detailed = await call(base, "GET", "/healthz");
    expect(detailed.json).to.include({ status: "ok", queue: "sqlite", workers: 1, submitter: service.submitter!.address });
    expect(detailed.json.proverPids).to.have.length(1);
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
    // The outputs in the model's units, and what the consumer decided, beside the raw field elements.
    const expectedScore = runReference(service.models.get("credit-score")!.ir, features).outputs[0]!;
    expect(job.outputVisibility).to.equal("public");
    // (an absolute difference, not chai's closeTo: Hardhat's bigint matchers take it over and want integers)
    expect(Math.abs(job.outputs.score - Number(expectedScore) / 2 ** service.models.get("credit-score")!.ir.outputs[0]!.scale)).to.be.lessThan(1e-9);
    expect(job.consumerEvents).to.have.length(1);
    expect(job.consumerEvents[0]).to.deep.include({
      contract: service.deployment!.creditGate,
      event: expectedScore >= 0n ? "CreditLineOpened" : "CreditRefused",
    });
    expect(job.consumerEvents[0].args.subject.toLowerCase()).to.equal(applicant.toLowerCase());
    expect(job.consumerEvents[0].args.score).to.equal(expectedScore.toString());
    expect(job.input, "the API never shows the input").to.equal(undefined);
    expect((await service.queue.get(job.id))!.input, "the input is deleted once proved").to.equal(null);
    const vkey = JSON.parse(readFileSync(artifactPath("credit-score", "vkey"), "utf8"));
    expect(await snarkjs.groth16.verify(vkey, job.publicSignals, job.proof)).to.equal(true);

    const { publicClient } = await connectChain(chain.url, HARDHAT_DEV_KEY);
    const receipt = await publicClient.getTransactionReceipt({ hash: job.txHash as Hex });
    expect(receipt.status).to.equal("success");
    const modelId = service.modelIds["credit-score"]!;
    expect(await publicClient.readContract({ address: service.hub!, abi: HUB_ABI, functionName: "isNonceUsed", args: [modelId, applicant, 42n] })).to.equal(
      true,
    );
    const line = await publicClient.readContract({
      address: service.deployment!.creditGate,
      abi: CREDIT_GATE_ABI,
      functionName: "creditLineOf",
      args: [applicant],
    });
    const score = BigInt(job.publicSignals[0]) > 2n ** 253n ? -1n : BigInt(job.publicSignals[0]);
    expect((line as { limit: bigint }).limit).to.equal(score >= 0n ? 7_000n : 0n);
  });

  it("fails, never confirms, a job whose (subject, nonce) another statement used first (nonce squatting)", async () => {
    // docs/SECURITY.md, Prover service 29: another statement for the job's (subject, nonce) lands first.
    // The hub lets only the subject (or a relayer it authorised) use its nonce, so here the subject's
    // own wallet lands it, e.g. from another app; then the subject asks the service, authorising it.
    // Funded from Hardhat's second development account, not the submitter's (the next test counts the submitter's nonces).
    const funder = await connectChain(chain.url, "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d");
    const victimKey = generatePrivateKey();
    const { publicClient, walletClient } = await connectChain(chain.url, victimKey);
    const victim = walletClient.account!.address;
    await funder.publicClient.waitForTransactionReceipt({
      hash: await funder.walletClient.sendTransaction({ account: funder.account, chain: funder.walletClient.chain, to: victim, value: 10n ** 18n }),
    });
    const prover = await ModelProver.load(join(MODEL_DIR, "spec.json"));
    const squat = await prover.prove({ features: applicantFeatures(6), subject: victim, nonce: 77n });
    const modelId = service.modelIds["credit-score"]!;
    const squatTx = await walletClient.writeContract({
      address: service.hub!,
      abi: HUB_ABI,
      functionName: "verifyAndAct",
      args: [modelId, squat.proofBytes as Hex, squat.publicSignals],
      account: walletClient.account!,
      chain: walletClient.chain,
    });
    expect((await publicClient.waitForTransactionReceipt({ hash: squatTx })).status).to.equal("success");

    const signed = await signSubmissionAuthorization(privateKeyToAccount(victimKey), {
      hub: service.hub!,
      chainId: 31337,
      modelId,
      subject: victim,
      nonce: 77n,
      submitter: service.submitter!.address,
      deadline: BigInt(Math.floor(Date.now() / 1000) + 3600),
    });
    const authorization = { deadline: signed.deadline.toString(), signature: signed.signature };
    const posted = await call(base, "POST", "/v1/models/credit-score/proofs", { input: applicantFeatures(1), subject: victim, nonce: 77, authorization });
    expect(posted.status, posted.text).to.equal(202);
    const [job] = await waitForJobs(base, [posted.json.jobId]);
    expect(job.status).to.equal("failed");
    expect(job.error.kind).to.equal("conflict");
    expect(job.error.message)
      .to.include(squatTx)
      .and.match(/nonce 77 of subject .* already used .* by another statement.*NOT recorded/);
    expect(job.publicSignals).to.not.deep.equal(squat.publicSignals.map(String));

    // The same request sent again as a new job is another statement too (a fresh input-commitment salt).
    const again = await call(base, "POST", "/v1/models/credit-score/proofs", { input: applicantFeatures(1), subject: victim, nonce: 77, authorization });
    const [second] = await waitForJobs(base, [again.json.jobId]);
    expect(second).to.include({ status: "failed" });
    expect(second.error.kind).to.equal("conflict");
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

  describe("tenants: jobs and idempotency keys belong to the API key that created them", () => {
    it("another key reusing an idempotency key gets its own job, not a 409 naming the first tenant's job", async () => {
      const body = { input: applicantFeatures(5), subject: subject(), nonce: 11, submit: false, idempotencyKey: "invoice-1" };
      const b = await call(base, "POST", "/v1/models/credit-score/proofs", body, asOther);
      expect(b.status).to.equal(202);
      // The attack: tenant A reuses B's key with another body, hoping for a 409 that names B's job.
      const a = await call(base, "POST", "/v1/models/credit-score/proofs", { ...body, nonce: 12 });
      expect(a.status, a.text).to.equal(202);
      expect(a.json.jobId).to.not.equal(b.json.jobId);
      expect(a.text).to.not.include(b.json.jobId);
      // Each key's retry still finds its own job.
      expect((await call(base, "POST", "/v1/models/credit-score/proofs", body, asOther)).json.jobId).to.equal(b.json.jobId);
      expect((await call(base, "POST", "/v1/models/credit-score/proofs", { ...body, nonce: 12 })).json.jobId).to.equal(a.json.jobId);
    });

    it("one key cannot read another key's job: 404, the same answer as a job that does not exist", async () => {
      const b = await call(
        base,
        "POST",
        "/v1/models/credit-score/proofs",
        { input: applicantFeatures(7), subject: subject(), nonce: 13, submit: false },
        asOther,
      );
      await waitForJobs(base, [b.json.jobId], (j) => j.status === "proved" || j.status === "failed", undefined, asOther);
      const own = await call(base, "GET", `/v1/jobs/${b.json.jobId}`, undefined, asOther);
      expect(own.status).to.equal(200);
      expect(own.json.proof).to.not.equal(null);
      const stolen = await call(base, "GET", `/v1/jobs/${b.json.jobId}`);
      expect(stolen.status).to.equal(404);
      const missing = await call(base, "GET", "/v1/jobs/00000000-0000-0000-0000-000000000000");
      expect(stolen.json).to.deep.equal({ ...missing.json, message: missing.json.message.replace("00000000-0000-0000-0000-000000000000", b.json.jobId) });
      expect(stolen.text).to.not.include(own.json.subject);
    });
  });

  describe("bad input: a 4xx naming the problem, nothing stored (docs/SECURITY.md 27)", () => {
    const good = () => ({ input: applicantFeatures(3), subject: subject(), nonce: 1, submit: false });
    const cases: [string, () => unknown, number, string | undefined, RegExp][] = [
      [
        "a feature above its range",
        () => ({ ...good(), input: { ...applicantFeatures(3), duration_months: 500 } }),
        422,
        "input.duration_months",
        /duration_months.*500.*\[1, 72\]/,
      ],
      [
        "a missing feature",
        () => {
          const i: Record<string, number> = { ...applicantFeatures(3) };
          delete i.age_years;
          return { ...good(), input: i };
        },
        422,
        "input.age_years",
        /age_years.*missing/,
      ],
      ["an unknown feature", () => ({ ...good(), input: { ...applicantFeatures(3), salary: 1 } }), 422, "input.salary", /Unknown feature `salary`/],
      [
        "a fractional value for an integer feature",
        () => ({ ...good(), input: { ...applicantFeatures(3), credit_amount: 900.5 } }),
        422,
        "input.credit_amount",
        /credit_amount.*900\.5 must be an integer/,
      ],
      [
        "a feature of the wrong type",
        () => ({ ...good(), input: { ...applicantFeatures(3), duration_months: "12" } }),
        422,
        "input.duration_months",
        /finite number/,
      ],
      ["input that is not an object", () => ({ ...good(), input: [1, 2, 3] }), 400, "input", /object mapping feature names/],
      ["a malformed subject", () => ({ ...good(), subject: "0x1234" }), 400, "subject", /20-byte address/],
      [
        "a missing subject",
        () => {
          const b: Record<string, unknown> = good();
          delete b.subject;
          return b;
        },
        400,
        "subject",
        /`subject` is required/,
      ],
      ["a negative nonce", () => ({ ...good(), nonce: -1 }), 400, "nonce", /non-negative integer/],
      ["a nonce >= r", () => ({ ...good(), nonce: (2n ** 254n).toString() }), 400, "nonce", /BN254 scalar field/],
      ["an unknown field", () => ({ ...good(), salt: "1" }), 400, "salt", /Unknown field\(s\) `salt`/],
      ["a non-boolean submit", () => ({ ...good(), submit: "yes" }), 400, "submit", /true or false/],
      [
        "a submission for another subject without its authorization (nonce squatting)",
        () => ({ ...good(), submit: true }),
        400,
        "authorization",
        /`authorization` is required to submit for subject .* not attested/,
      ],
      [
        "a malformed authorization",
        () => ({ ...good(), submit: true, authorization: { deadline: "soon", signature: "0x12" } }),
        400,
        "authorization.deadline",
        /`authorization.deadline` must be a unix time in seconds/,
      ],
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
