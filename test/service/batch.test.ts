/**
 * Batched submission (`zkinfer serve --batch-max n --batch-wait-ms ms`): the real CLI, real proofs, a
 * real JSON-RPC chain (`hardhat node`), and an audit of the chain afterwards.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import type { Address } from "viem";
import { applicantFeatures } from "../../prover/data/germanCredit.js";
import { HARDHAT_DEV_KEY, connectChain, deployDevStack, type ChainClients } from "../../prover/service/chain.js";
import { startLocalChain, type LocalChain } from "../../scripts/dev/localChain.js";
import { loadServiceModels, type ServiceModel } from "../../prover/service/models.js";
import { MODEL_DIR, SERVE_READY, auditChain, call, startCli, waitForJobs, type CliProcess } from "./helpers.js";

describe("prover service: batched submission", function () {
  this.timeout(600_000);
  let chain: LocalChain;
  let clients: ChainClients;
  let model: ServiceModel;
  let dir: string;
  const running: CliProcess[] = [];

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "zkinfer-batch-"));
    model = [...(await loadServiceModels([MODEL_DIR])).values()][0]!;
    chain = await startLocalChain();
    clients = await connectChain(chain.url, HARDHAT_DEV_KEY);
  });
  afterEach(async () => {
    for (const p of running.splice(0)) await p.kill("SIGTERM");
  });
  after(async () => {
    await chain?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  async function serveBatching(name: string, maxBatch: number) {
    const { hub, modelId, creditGate } = await deployDevStack(clients, {
      ...model,
      modelCommitment: model.commitment,
      numOutputs: 1,
      threshold: 0n,
      creditLimit: 1_000n,
    });
    const p = await startCli(
      [
        "serve",
        "--models",
        MODEL_DIR,
        "--rpc",
        chain.url,
        "--hub",
        hub,
        "--model-id",
        `credit-score=${modelId}`,
        "--consumer",
        `credit-score=${creditGate}`,
        // The subject is the service's own account (a batch carries no authorizations): the operator allows it.
        "--allow-self-subject",
        "--port",
        "0",
        "--workers",
        "2",
        "--db",
        join(dir, `${name}.sqlite`),
        "--batch-max",
        String(maxBatch),
        "--batch-wait-ms",
        "120000",
      ],
      SERVE_READY,
    );
    running.push(p);
    return { hub, url: p.url! };
  }

  async function post(base: string, applicant: number, subject: Address, nonce: number) {
    const r = await call(base, "POST", "/v1/models/credit-score/proofs", { input: applicantFeatures(applicant), subject, nonce, submit: true });
    expect(r.status, r.text).to.equal(202);
    return r.json.jobId as string;
  }

  it("sends the ready proofs of one model in one verifyAndActBatch transaction", async () => {
    const { hub, url } = await serveBatching("together", 3);
    // The service's own account is the subject (a model without attested inputs: the subject submits).
    const me = clients.account.address;
    const ids = await Promise.all([1, 2, 3].map((nonce, i) => post(url, i, me, nonce)));
    const jobs = await waitForJobs(url, ids);
    for (const j of jobs) expect(j.status, JSON.stringify(j.error)).to.equal("confirmed");
    expect(new Set(jobs.map((j) => j.txHash)).size, "one transaction for the three jobs").to.equal(1);
    const audit = await auditChain(chain.url, hub, clients.account.address);
    expect(audit.sent).to.equal(1);
    expect(audit.reverted).to.equal(0);
    expect(audit.verified.map((v) => `${v.subject}/${v.nonce}`).sort()).to.deep.equal([1, 2, 3].map((n) => `${me.toLowerCase()}/${n}`));
  });

  it("falls back to one submission per proof when the batch would revert (a statement twice), and loses none", async () => {
    const { hub, url } = await serveBatching("fallback", 3);
    const me = clients.account.address;
    // Two proofs for one (subject, nonce 1) with different inputs: together they revert
    // (InferenceHubNonceUsed); alone, the first lands and the second finds the nonce used by
    // another statement, so it fails with a conflict rather than claim the other's transaction
    // (docs/SECURITY.md, "Prover service").
    const ids = await Promise.all([post(url, 0, me, 1), post(url, 1, me, 1), post(url, 2, me, 2)]);
    const [a, b, c] = await waitForJobs(url, ids);
    expect(c.status, JSON.stringify(c.error)).to.equal("confirmed");
    expect([a.status, b.status].sort()).to.deep.equal(["confirmed", "failed"]);
    expect([a, b].find((j) => j.status === "failed").error.kind).to.equal("conflict");
    const audit = await auditChain(chain.url, hub, clients.account.address);
    expect(audit.reverted, "reverted transactions").to.equal(0);
    expect(audit.sent, "one transaction per recorded statement").to.equal(2);
    expect(audit.verified.map((v) => `${v.subject}/${v.nonce}`).sort()).to.deep.equal([`${me.toLowerCase()}/1`, `${me.toLowerCase()}/2`]);
  });
});
