/**
 * The service serves the model id its operator names, and only a record that is what the operator
 * expects (docs/SECURITY.md, "Prover service": a copy of a model registered by an attacker). The
 * attack, on a real chain: before the service starts, an attacker registers copies of credit-score
 * (the same verifier and commitment, their own consumer; or their own verifier). A service that
 * picked the newest id with the model's commitment sent every proof to the copy.
 */
import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import { parseEventLogs, type Address, type Hex } from "viem";
import { generatePrivateKey } from "viem/accounts";
import { REPO_ROOT } from "../../prover/artifacts/paths.js";
import { applicantFeatures } from "../../prover/data/germanCredit.js";
import { HARDHAT_DEV_KEY, HUB_ABI, connectChain, deployDevStack, type ChainClients, type DevDeployment } from "../../prover/service/chain.js";
import { startLocalChain, type LocalChain } from "../../scripts/dev/localChain.js";
import { loadServiceModels, type ServiceModel } from "../../prover/service/models.js";
import { startService, type ServiceOptions } from "../../prover/service/service.js";
import { API_KEY, MODEL_DIR, call, newSubject, waitForJobs } from "./helpers.js";

function artifact(path: string): { abi: unknown[]; bytecode: Hex } {
  return JSON.parse(readFileSync(join(REPO_ROOT, "artifacts", path), "utf8"));
}

describe("prover service: the served model record is the operator's", function () {
  this.timeout(300_000);
  let chain: LocalChain;
  let owner: ChainClients;
  let attacker: ChainClients;
  let model: ServiceModel;
  let real: DevDeployment;
  /** Same verifier and commitment as the real model, the attacker's own CreditGate. */
  let copyId: bigint;
  let attackerGate: Address;
  /** Same commitment and the real CreditGate as consumer, but the attacker's own verifier contract. */
  let fakeVerifierId: bigint;
  let dir: string;

  async function send(c: ChainClients, address: Address, abi: readonly unknown[], functionName: string, args: unknown[]) {
    const hash = await c.walletClient.writeContract({ address, abi, functionName, args, account: c.account, chain: c.walletClient.chain } as never);
    return c.publicClient.waitForTransactionReceipt({ hash });
  }
  async function deployAs(c: ChainClients, path: string, args: unknown[]): Promise<Address> {
    const { abi, bytecode } = artifact(path);
    const hash = await c.walletClient.deployContract({ abi, bytecode, args, account: c.account, chain: c.walletClient.chain });
    return (await c.publicClient.waitForTransactionReceipt({ hash })).contractAddress!;
  }
  async function register(verifier: Address): Promise<bigint> {
    const receipt = await send(attacker, real.hub, HUB_ABI, "registerModel", [verifier, model.commitment, 1, "zkinfer:credit-score@copy"]);
    const [event] = parseEventLogs({ abi: HUB_ABI, logs: receipt.logs, eventName: "ModelRegistered" });
    return (event as unknown as { args: { modelId: bigint } }).args.modelId;
  }

  const options = (name: string, chainOptions: Partial<NonNullable<ServiceOptions["chain"]>>): ServiceOptions => ({
    models: [MODEL_DIR],
    queue: { kind: "sqlite", path: join(dir, `${name}.sqlite`) },
    workers: 1,
    chain: { rpcUrl: chain.url, privateKey: HARDHAT_DEV_KEY, hub: real.hub, ...chainOptions },
    apiKeyHashes: [createHash("sha256").update(API_KEY).digest("hex")],
    port: 0,
  });

  async function refusal(name: string, chainOptions: Partial<NonNullable<ServiceOptions["chain"]>>): Promise<string> {
    try {
      const service = await startService(options(name, chainOptions));
      await service.close();
    } catch (e) {
      return (e as Error).message;
    }
    throw new Error("the service started");
  }

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "zkinfer-pinning-"));
    chain = await startLocalChain();
    owner = await connectChain(chain.url, HARDHAT_DEV_KEY);
    model = [...(await loadServiceModels([MODEL_DIR])).values()][0]!;
    real = await deployDevStack(owner, { ...model, modelCommitment: model.commitment, numOutputs: 1, threshold: 0n, creditLimit: 5_000n });

    attacker = await connectChain(chain.url, generatePrivateKey());
    await owner.publicClient.waitForTransactionReceipt({
      hash: await owner.walletClient.sendTransaction({
        account: owner.account,
        chain: owner.walletClient.chain,
        to: attacker.account.address,
        value: 10n ** 18n,
      }),
    });
    copyId = await register(real.verifier);
    attackerGate = await deployAs(attacker, "contracts/consumers/CreditGate.sol/CreditGate.json", [real.hub, copyId, attacker.account.address, 0n, 1n]);
    await send(attacker, real.hub, HUB_ABI, "setConsumer", [copyId, attackerGate]);
    const fakeVerifier = await deployAs(attacker, "contracts/test/MockInferenceVerifier.sol/MockInferenceVerifier.json", []);
    fakeVerifierId = await register(fakeVerifier);
    await send(attacker, real.hub, HUB_ABI, "setConsumer", [fakeVerifierId, real.creditGate]);
    // The copies are the newest records with the model's commitment.
    expect(fakeVerifierId > copyId && copyId > real.modelId).to.equal(true);
  });

  after(async () => {
    await chain?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("refuses to start on a hub without the operator naming the model id and consumer", async () => {
    expect(await refusal("unnamed", {})).to.match(/Refusing to serve credit-score .* pass --model-id credit-score=<id> --consumer credit-score=<address>/);
  });

  it("refuses the attacker's copy (same verifier and commitment), naming the consumer mismatch", async () => {
    const message = await refusal("copy", { models: { "credit-score": { modelId: copyId, consumer: real.creditGate } } });
    expect(message).to.include(`model id ${copyId}`);
    expect(message).to.match(new RegExp(`its consumer is ${attackerGate}, expected ${real.creditGate}`, "i"));
    expect(message).to.not.match(/commitment is|does not run the code/);
  });

  it("refuses a record with the model's commitment and consumer but another verifier, naming the verifier's code", async () => {
    const message = await refusal("fake-verifier", { models: { "credit-score": { modelId: fakeVerifierId, consumer: real.creditGate } } });
    expect(message).to.match(/its verifier 0x[0-9a-fA-F]{40} does not run the code of CreditScoreVerifier compiled from the local build/);
    expect(message).to.not.match(/consumer is/);
  });

  it("refuses an id that does not exist, and a record whose commitment is not the local build's", async () => {
    expect(await refusal("missing", { models: { "credit-score": { modelId: 99n, consumer: real.creditGate } } })).to.match(
      /there is no model id 99 .* holds 3 models/,
    );
    await send(owner, real.hub, HUB_ABI, "registerModel", [real.verifier, 12345n, 1, "another model"]);
    expect(await refusal("commitment", { models: { "credit-score": { modelId: 4n, consumer: "0x0000000000000000000000000000000000000000" } } })).to.match(
      new RegExp(`its commitment is 12345, the local build's is ${model.commitment}`),
    );
  });

  it("refuses at start to serve an attested model, whose requests would need the attester's record", async () => {
    const message = await startService({ ...options("attested", {}), models: [join(REPO_ROOT, "models", "credit-score-attested")], chain: undefined }).then(
      async (s) => (await s.close(), "started"),
      (e: Error) => e.message,
    );
    expect(message).to.match(/Model credit-score-attested is attested: .* does not accept in requests\. Prove it with `zkinfer prove-attested`/);
  });

  it("serves the named record: the proof goes to the real model and its consumer, never to the copies", async () => {
    const service = await startService(options("real", { models: { "credit-score": { modelId: real.modelId, consumer: real.creditGate } } }));
    try {
      expect(service.modelIds["credit-score"]).to.equal(real.modelId);
      // The subject authorises the service's account to submit its statement (the hub's rule for models without attested inputs).
      const s = newSubject();
      const authorization = await s.authorization({ hub: real.hub, modelId: real.modelId, nonce: 1, submitter: service.submitter!.address });
      const posted = await call(service.url, "POST", "/v1/models/credit-score/proofs", {
        input: applicantFeatures(0),
        subject: s.address,
        nonce: 1,
        authorization,
      });
      expect(posted.status, posted.text).to.equal(202);
      const [job] = await waitForJobs(service.url, [posted.json.jobId]);
      expect(job.status, JSON.stringify(job.error)).to.equal("confirmed");
      const logs = await owner.publicClient.getContractEvents({ address: real.hub, abi: HUB_ABI, eventName: "InferenceVerified", fromBlock: 0n });
      expect(logs.map((l) => (l as unknown as { args: { modelId: bigint } }).args.modelId)).to.deep.equal([real.modelId]);
    } finally {
      await service.close();
    }
  });
});
