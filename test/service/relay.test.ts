/**
 * Relaying through the service, on a real local chain with the real hub (docs/SECURITY.md, Prover
 * service 43-45; issues 22 and 26):
 * - a tenant asking the service to submit for the service's own submitter address is refused unless
 *   the operator allowed it (--allow-self-subject): such a job needs no authorization (43);
 * - an `authorization` is checked when the request arrives, as the hub will check it (signer,
 *   submitter, model, nonce, deadline; ERC-1271 for a contract subject): a bad one is a 422 naming the
 *   field, and nothing is queued, proved or sent (44);
 * - a consumer the service does not know keeps its events in the job: raw (topics, data) without its
 *   ABI, decoded with it (45);
 * - unknown routes answer in the API's own error shape.
 */
import { createHash, randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import { decodeEventLog, getAddress, keccak256, parseEventLogs, recoverTypedDataAddress, toHex, type Abi, type Address, type Hex } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { signSubmissionAuthorization, submissionAuthorizationTypedData } from "../../prover/abi/submissionAuthorization.js";
import { REPO_ROOT } from "../../prover/artifacts/paths.js";
import { applicantFeatures } from "../../prover/data/germanCredit.js";
import { HARDHAT_DEV_KEY, HUB_ABI, connectChain, deployDevStack, type ChainClients, type DevDeployment } from "../../prover/service/chain.js";
import { loadServiceModels, type ServiceModel } from "../../prover/service/models.js";
import { AUTHORIZATION_EXAMPLE } from "../../prover/service/openapi.js";
import { startService, type RunningService, type ServiceOptions } from "../../prover/service/service.js";
import { startLocalChain, type LocalChain } from "../../scripts/dev/localChain.js";
import { API_KEY, MODEL_DIR, call, waitForJobs } from "./helpers.js";

/** Hardhat's development account #1, and a fresh key funded in `before`: the submitters of the second and third service. */
const SECOND_KEY: Hex = "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d";
const THIRD_KEY: Hex = generatePrivateKey();
const PROOFS = "/v1/models/credit-score/proofs";

function artifact(path: string): { abi: Abi; bytecode: Hex } {
  return JSON.parse(readFileSync(join(REPO_ROOT, "artifacts", path), "utf8"));
}

describe("prover service: relaying (self subject, authorizations on arrival, custom consumers)", function () {
  this.timeout(300_000);
  let chain: LocalChain;
  let owner: ChainClients;
  let model: ServiceModel;
  let real: DevDeployment;
  let service: RunningService;
  let dir: string;

  async function send(c: ChainClients, address: Address, abi: Abi, functionName: string, args: unknown[]) {
    const hash = await c.walletClient.writeContract({ address, abi, functionName, args, account: c.account, chain: c.walletClient.chain } as never);
    const receipt = await c.publicClient.waitForTransactionReceipt({ hash });
    expect(receipt.status).to.equal("success");
    return receipt;
  }
  async function deploy(c: ChainClients, path: string, args: unknown[]): Promise<Address> {
    const { abi, bytecode } = artifact(path);
    const hash = await c.walletClient.deployContract({ abi, bytecode, args, account: c.account, chain: c.walletClient.chain });
    return (await c.publicClient.waitForTransactionReceipt({ hash })).contractAddress!;
  }

  const options = (name: string, chainOptions: Partial<NonNullable<ServiceOptions["chain"]>>): ServiceOptions => ({
    models: [MODEL_DIR],
    queue: { kind: "sqlite", path: join(dir, `${name}.sqlite`) },
    workers: 1,
    chain: {
      rpcUrl: chain.url,
      privateKey: HARDHAT_DEV_KEY,
      hub: real.hub,
      models: { "credit-score": { modelId: real.modelId, consumer: real.creditGate } },
      ...chainOptions,
    },
    apiKeyHashes: [createHash("sha256").update(API_KEY).digest("hex")],
    port: 0,
  });

  /** An authorization signed by `key` for the served model, the given subject and nonce, this service's submitter unless said otherwise. */
  async function sign(key: Hex, o: { subject?: Address; nonce: bigint; submitter?: Address; deadline?: bigint; modelId?: bigint; s?: RunningService }) {
    const signer = privateKeyToAccount(key);
    const target = o.s ?? service;
    const a = await signSubmissionAuthorization(signer, {
      hub: real.hub,
      chainId: 31337,
      modelId: o.modelId ?? target.modelIds["credit-score"]!,
      subject: o.subject ?? signer.address,
      nonce: o.nonce,
      submitter: o.submitter ?? target.submitter!.address,
      deadline: o.deadline ?? BigInt(Math.floor(Date.now() / 1000) + 3600),
    });
    return { deadline: a.deadline.toString(), signature: a.signature };
  }

  /** Posts `body`, expects `status` with `field`, and checks that nothing was queued and no transaction was sent. */
  async function refused(body: unknown, status: number, field: string, message: RegExp) {
    const before = await service.queue.counts();
    const sent = await owner.publicClient.getTransactionCount({ address: service.submitter!.address });
    const r = await call(service.url, "POST", PROOFS, body);
    expect(r.status, r.text).to.equal(status);
    expect(r.json.field).to.equal(field);
    expect(r.json.message).to.match(message);
    expect(r.json.message, "no source file in an error").to.not.match(/\.ts\b|prover\//);
    expect(await service.queue.counts()).to.deep.equal(before);
    expect(await owner.publicClient.getTransactionCount({ address: service.submitter!.address })).to.equal(sent);
    return r.json;
  }

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "zkinfer-relay-"));
    chain = await startLocalChain();
    owner = await connectChain(chain.url, HARDHAT_DEV_KEY);
    model = [...(await loadServiceModels([MODEL_DIR])).values()][0]!;
    real = await deployDevStack(owner, { ...model, modelCommitment: model.commitment, numOutputs: 1, threshold: 0n, creditLimit: 5_000n });
    await owner.publicClient.waitForTransactionReceipt({
      hash: await owner.walletClient.sendTransaction({
        account: owner.account,
        chain: owner.walletClient.chain,
        to: privateKeyToAccount(THIRD_KEY).address,
        value: 10n ** 18n,
      }),
    });
    service = await startService(options("main", {}));
  });

  after(async () => {
    await service?.close();
    await chain?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  describe("the service's own submitter as subject (issue 22, finding 3)", () => {
    it("refuses a tenant's request whose subject is the submitter, naming --allow-self-subject; nothing is proved or sent", async () => {
      const me = service.submitter!.address;
      for (const subject of [me, me.toLowerCase()]) {
        const body = { input: applicantFeatures(0), subject, nonce: 5 };
        const json = await refused(body, 403, "subject", /own submitting account.*--allow-self-subject/);
        expect(json.error).to.equal("subject_is_submitter");
      }
      expect(await owner.publicClient.readContract({ address: real.hub, abi: HUB_ABI, functionName: "isNonceUsed", args: [real.modelId, me, 5n] })).to.equal(
        false,
      );
      // A proof only (submit: false) acts on nothing: allowed.
      const proofOnly = await call(service.url, "POST", PROOFS, { input: applicantFeatures(0), subject: me, nonce: 5, submit: false });
      expect(proofOnly.status, proofOnly.text).to.equal(202);
    });
  });

  describe("an authorization is checked when the request arrives (422 naming the field, nothing queued)", () => {
    let subjectKey: Hex;
    let subject: Address;
    before(() => {
      subjectKey = generatePrivateKey();
      subject = privateKeyToAccount(subjectKey).address;
    });
    const body = (authorization: unknown, nonce: number | null = 3) => ({
      input: applicantFeatures(1),
      subject,
      ...(nonce === null ? {} : { nonce }),
      authorization,
    });

    it("a junk signature", async () => {
      // Random r and s (s in the lower half, as the hub requires), v = 27: a well-formed signature of nothing.
      const rs = randomBytes(64);
      rs[32] = rs[32]! & 0x3f;
      const junk = toHex(new Uint8Array([...rs, 27]));
      await refused(
        body({ deadline: String(Math.floor(Date.now() / 1000) + 3600), signature: junk }),
        422,
        "authorization.signature",
        /does not recover to the subject|not a valid ECDSA/,
      );
      await refused(
        body({ deadline: String(Math.floor(Date.now() / 1000) + 3600), signature: "0x1234" }),
        422,
        "authorization.signature",
        /is 2 bytes, not 65/,
      );
    });

    it("a signature by someone else than the subject", async () => {
      await refused(body(await sign(generatePrivateKey(), { subject, nonce: 3n })), 422, "authorization.signature", /does not recover to the subject/);
    });

    it("a signature for another submitter, nonce or model", async () => {
      const other = privateKeyToAccount(SECOND_KEY).address;
      await refused(
        body(await sign(subjectKey, { nonce: 3n, submitter: other })),
        422,
        "authorization.signature",
        new RegExp(`submitter ${service.submitter!.address}`),
      );
      await refused(body(await sign(subjectKey, { nonce: 4n })), 422, "authorization.signature", /nonce 3/);
      await refused(body(await sign(subjectKey, { nonce: 3n, modelId: real.modelId + 1n })), 422, "authorization.signature", /does not recover/);
    });

    it("a submitter named in the request that is not this service's", async () => {
      const a = await sign(subjectKey, { nonce: 3n });
      await refused(body({ ...a, submitter: privateKeyToAccount(SECOND_KEY).address }), 422, "authorization.submitter", /must be this service's submitter/);
    });

    it("the malleable twin (high s) of a valid signature, which the hub refuses", async () => {
      const a = await sign(subjectKey, { nonce: 3n });
      const n = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;
      const s = BigInt("0x" + a.signature.slice(66, 130));
      const v = parseInt(a.signature.slice(130, 132), 16);
      const twin = (a.signature.slice(0, 66) + (n - s).toString(16).padStart(64, "0") + (v === 27 ? "1c" : "1b")) as Hex;
      await refused(body({ ...a, signature: twin }), 422, "authorization.signature", /lower half/);
    });

    it("a deadline that has passed, or is too close to prove and send in time", async () => {
      const now = Math.floor(Date.now() / 1000);
      await refused(body(await sign(subjectKey, { nonce: 3n, deadline: BigInt(now - 60) })), 422, "authorization.deadline", /has passed/);
      await refused(
        body(await sign(subjectKey, { nonce: 3n, deadline: BigInt(now + 10) })),
        422,
        "authorization.deadline",
        /too close: it must be at least 120 s/,
      );
    });

    it("an authorization without the nonce it signed, or with submit: false", async () => {
      await refused(body(await sign(subjectKey, { nonce: 3n }), null), 400, "nonce", /`nonce` is required with `authorization`/);
      await refused({ ...body(await sign(subjectKey, { nonce: 3n })), submit: false }, 400, "authorization", /for a submitted request/);
    });

    it("accepts the subject's own authorization, which the hub then accepts too", async () => {
      const posted = await call(service.url, "POST", PROOFS, body(await sign(subjectKey, { nonce: 3n })));
      expect(posted.status, posted.text).to.equal(202);
      const [job] = await waitForJobs(service.url, [posted.json.jobId]);
      expect(job.status, JSON.stringify(job.error)).to.equal("confirmed");
    });

    it("checks a contract subject's signature with its ERC-1271 isValidSignature", async () => {
      const walletOwner = generatePrivateKey();
      const wallet = await deploy(owner, "contracts/test/ERC1271WalletMock.sol/ERC1271WalletMock.json", [privateKeyToAccount(walletOwner).address]);
      const forWallet = (authorization: unknown) => ({ input: applicantFeatures(2), subject: wallet, nonce: 1, authorization });
      await refused(forWallet(await sign(generatePrivateKey(), { subject: wallet, nonce: 1n })), 422, "authorization.signature", /ERC-1271/);
      const posted = await call(service.url, "POST", PROOFS, forWallet(await sign(walletOwner, { subject: wallet, nonce: 1n })));
      expect(posted.status, posted.text).to.equal(202);
      const [job] = await waitForJobs(service.url, [posted.json.jobId]);
      expect(job.status, JSON.stringify(job.error)).to.equal("confirmed");
    });
  });

  describe("what a client needs to relay", () => {
    it("GET /v1/models says what to sign; the OpenAPI document has `authorization` with an example that recovers to its subject", async () => {
      const models = await call(service.url, "GET", "/v1/models");
      expect(models.json.relaying).to.deep.include({ submitter: service.submitter!.address, minDeadlineSeconds: 120, primaryType: "SubmissionAuthorization" });
      expect(models.json.relaying.domain).to.deep.equal({ name: "zkinfer InferenceHub", version: "1", chainId: 31337, verifyingContract: real.hub });

      const doc = (await call(service.url, "GET", "/v1/openapi.json", undefined, { authorization: "" })).json;
      const schemas = doc.components.schemas;
      expect(schemas.ProofRequest.properties.authorization).to.deep.equal({ $ref: "#/components/schemas/SubmissionAuthorization" });
      expect(schemas.SubmissionAuthorization.required).to.deep.equal(["deadline", "signature"]);
      expect(schemas.SubmissionAuthorization.description).to.match(
        /SubmissionAuthorization\(uint256 modelId, address subject, uint256 nonce, address submitter, uint256 deadline\)/,
      );
      expect(JSON.stringify(doc)).to.not.match(/prover\/|\.ts\b/);
      const [example] = schemas.ProofRequest.examples;
      expect(example.authorization).to.deep.equal(AUTHORIZATION_EXAMPLE);
      const signer = await recoverTypedDataAddress({
        ...submissionAuthorizationTypedData({
          hub: "0x5FbDB2315678afecb367f032d93F642f64180aa3",
          chainId: 31337,
          modelId: 1n,
          subject: example.subject,
          nonce: BigInt(example.nonce),
          submitter: privateKeyToAccount(HARDHAT_DEV_KEY).address,
          deadline: BigInt(example.authorization.deadline),
        }),
        signature: example.authorization.signature,
      });
      expect(signer).to.equal(example.subject);
    });

    it("answers an unknown route in the API's error shape", async () => {
      for (const [method, path] of [
        ["GET", "/nope"],
        ["POST", "/v1/models"],
        ["GET", "/v1/jobs"],
      ] as const) {
        const r = await call(service.url, method, path);
        expect(r.status, r.text).to.equal(404);
        expect(Object.keys(r.json).sort()).to.deep.equal(["error", "message"]);
        expect(r.json.error).to.equal("not_found");
        expect(r.json.message).to.include(`No route ${method} ${path}`).and.include("POST /v1/models/{id}/proofs");
      }
    });
  });

  describe("a consumer the service does not know (issue 26)", () => {
    let customId: bigint;
    let recording: Address;
    const RECORDING = "contracts/test/RecordingConsumer.sol/RecordingConsumer.json";

    before(async () => {
      // The model registered a second time, on the same hub and verifier, with a custom consumer.
      const registered = await send(owner, real.hub, HUB_ABI as Abi, "registerModel", [real.verifier, model.commitment, 1, "zkinfer:credit-score@custom"]);
      const [event] = parseEventLogs({ abi: HUB_ABI, logs: registered.logs, eventName: "ModelRegistered" });
      customId = (event as unknown as { args: { modelId: bigint } }).args.modelId;
      recording = await deploy(owner, RECORDING, []);
      await send(owner, real.hub, HUB_ABI as Abi, "setConsumer", [customId, recording]);
    });

    async function proveFor(key: Hex, consumerAbis?: Record<string, Abi>, allowSelfSubject = false) {
      const s = await startService({
        ...options(`custom-${keccak256(key).slice(2, 8)}`, {
          privateKey: key,
          models: { "credit-score": { modelId: customId, consumer: recording } },
          consumerAbis,
          allowSelfSubject,
        }),
      });
      try {
        const me = s.submitter!.address;
        const posted = await call(s.url, "POST", PROOFS, { input: applicantFeatures(3), subject: me, nonce: 1 });
        expect(posted.status, posted.text).to.equal(202);
        const [job] = await waitForJobs(s.url, [posted.json.jobId]);
        expect(job.status, JSON.stringify(job.error)).to.equal("confirmed");
        return { job, me };
      } finally {
        await s.close();
      }
    }

    it("with --allow-self-subject the operator's own subject is served; the unknown consumer's logs are kept raw", async () => {
      const { job, me } = await proveFor(SECOND_KEY, undefined, true);
      expect(job.consumerEvents).to.have.length(1);
      const [raw] = job.consumerEvents;
      expect(raw).to.include({ contract: getAddress(recording), event: null, args: null });
      // Nothing lost: the raw log decodes with the consumer's ABI to what the hub passed it.
      const decoded = decodeEventLog({ abi: artifact(RECORDING).abi, topics: raw.topics, data: raw.data }) as unknown as {
        eventName: string;
        args: { caller: Address; modelId: bigint; subject: Address; nonce: bigint; outputs: readonly bigint[] };
      };
      expect(decoded.eventName).to.equal("InferenceReceived");
      expect(decoded.args).to.deep.include({ caller: real.hub, modelId: customId, subject: me, nonce: 1n });
      expect(decoded.args.outputs.map(String)).to.deep.equal([job.publicSignals[0]]);
    });

    it("decodes them with the consumer's ABI when the operator gives it (--consumer-abi)", async () => {
      const { job, me } = await proveFor(THIRD_KEY, { "credit-score": artifact(RECORDING).abi }, true);
      expect(job.consumerEvents).to.have.length(1);
      const [event] = job.consumerEvents;
      expect(event).to.include({ contract: getAddress(recording), event: "InferenceReceived" });
      expect(event.args).to.deep.equal({
        caller: real.hub,
        modelId: customId.toString(),
        subject: me,
        nonce: "1",
        outputs: [job.publicSignals[0]],
      });
    });
  });
});
