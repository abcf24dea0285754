/**
 * The prover service aggregates (issue 24 point 4; docs/AGGREGATION.md, "The prover service"): the real
 * CLI (`zkinfer serve --redis`, `zkinfer worker`) as child processes, a real Redis, a real JSON-RPC chain
 * (`hardhat node`) with the tiny fixture's aggregated verifiers for N = 2 and 4, real proofs.
 * docs/SECURITY.md C73-C79.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { fileURLToPath } from "node:url";
import { expect } from "chai";
import { Redis } from "ioredis";
import { decodeFunctionData, parseEventLogs, type Address, type Hash, type Hex } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { signSubmissionAuthorization } from "../../prover/abi/submissionAuthorization.js";
import { REPO_ROOT, artifactPath } from "../../prover/artifacts/paths.js";
import { buildAggregated } from "../../prover/build/buildAggregated.js";
import { buildModel, type BuiltModel } from "../../prover/build/buildModel.js";
import { aggregatedArtifactName } from "../../prover/circuit/aggregate.js";
import { inferenceHubAbi } from "../../prover/chain/abi.js";
import { compileModelVerifier } from "../../prover/chain/compileVerifier.js";
import { deployAggregatedVerifiers } from "../../prover/chain/deployAggregated.js";
import { hardhatArtifact } from "../../prover/chain/deployModel.js";
import { deployAndWait, writeAndWait } from "../../prover/chain/write.js";
import { runReference } from "../../prover/model/interpret.js";
import { lowerModel } from "../../prover/model/ir.js";
import { dequantize } from "../../prover/model/quantize.js";
import { ModelProver } from "../../prover/prove/prover.js";
import { readModelSpec } from "../../prover/model/spec.js";
import { statementOfJob, verifyAggregatedTransaction } from "../../prover/sdk/verifyAggregatedTransaction.js";
import { provedInBatch } from "../../prover/service/aggregator.js";
import { HARDHAT_DEV_KEY, connectChain, type ChainClients } from "../../prover/service/chain.js";
import type { JobRecord } from "../../prover/service/jobs.js";
import { RedisQueue } from "../../prover/service/queue/redisQueue.js";
import { startService, type QueueConfig } from "../../prover/service/service.js";
import { startLocalChain, type LocalChain } from "../../scripts/dev/localChain.js";
import { deployRecordingStack } from "../../scripts/dev/recordingStack.js";
import { SERVE_READY, WORKER_READY, call, startCli, testRedisUrl, waitFor, waitForJobs, type CliProcess } from "./helpers.js";

const specPath = fileURLToPath(new URL("../fixtures/aggregate-tiny.json", import.meta.url));
const INPUTS = [
  { a: 1.5, b: 3, c: -0.5 },
  { a: -4, b: 8, c: 1 },
  { a: 4, b: 0, c: -1 },
  { a: 0.5, b: 2, c: 0 },
];

describe("prover service: aggregated batches (real Redis, real chain, real proofs)", function () {
  this.timeout(600_000);
  let redisUrl: string | undefined;
  let redis: Redis;
  let chain: LocalChain;
  let clients: ChainClients;
  let built: BuiltModel;
  let dir: string;
  let hub: Address;
  let modelId: bigint;
  let consumer: Address;
  const running: CliProcess[] = [];

  before(async function () {
    redisUrl = await testRedisUrl();
    if (!redisUrl) return this.skip();
    redis = new Redis(redisUrl);
    dir = mkdtempSync(join(tmpdir(), "zkinfer-aggregate-service-"));
    built = await buildModel({ specPath });
    for (const n of [2, 4]) await buildAggregated({ specPath, n });
    chain = await startLocalChain();
    clients = await connectChain(chain.url, HARDHAT_DEV_KEY);
    ({ hub, modelId, consumer } = await deploy());
  });
  afterEach(async () => {
    // SIGTERM: a serve releases its submitter lease for the next test's serve.
    for (const p of running.splice(0)) await p.kill("SIGTERM");
  });
  after(async () => {
    redis?.disconnect();
    await chain?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /** A hub (update delay 0: the aggregated verifiers apply at once), the tiny model and its N = 2 and 4 verifiers, a recording consumer. */
  async function deploy() {
    const ir = lowerModel(readModelSpec(specPath));
    const compiled = compileModelVerifier(built.name);
    const {
      hub: hubAddress,
      modelId: id,
      consumer: consumerAddress,
    } = await deployRecordingStack(clients, {
      verifier: compiled,
      commitment: built.modelCommitment,
      numOutputs: ir.outputs.length,
      uri: "test: aggregated service",
    });
    const deployed = await deployAggregatedVerifiers({
      rpcUrl: chain.url,
      privateKey: HARDHAT_DEV_KEY,
      hub: hubAddress,
      modelId: id,
      specPath,
      sizes: [2, 4],
      allowDevSetup: true,
    });
    expect(deployed.every((d) => d.applied)).to.equal(true);
    return { hub: hubAddress, modelId: id, consumer: consumerAddress };
  }

  const prefix = () => `zkagg-${Math.random().toString(36).slice(2, 10)}`;

  async function serve(p: string, extra: string[]) {
    const proc = await startCli(
      [
        "serve",
        "--models",
        specPath,
        "--rpc",
        chain.url,
        "--hub",
        hub,
        "--model-id",
        `${built.name}=${modelId}`,
        "--consumer",
        `${built.name}=${consumer}`,
        "--redis",
        redisUrl!,
        "--redis-prefix",
        p,
        "--lock-ms",
        "2000",
        "--port",
        "0",
        ...extra,
      ],
      SERVE_READY,
    );
    running.push(proc);
    return proc;
  }

  async function worker(p: string, extra: string[], env: Record<string, string> = {}) {
    const proc = await startCli(
      ["worker", "--models", specPath, "--redis", redisUrl!, "--redis-prefix", p, "--lock-ms", "2000", "--rpc", chain.url, ...extra],
      WORKER_READY,
      env,
    );
    running.push(proc);
    return proc;
  }

  /** A fresh subject's relayed request (its EIP-712 authorization of the service's account, valid `seconds` from the chain's now). */
  async function relayed(base: string, input: Record<string, number>, nonce: number, seconds = 3600) {
    return (await relayedBy(generatePrivateKey(), base, input, nonce, seconds)).id;
  }

  async function relayedBy(key: Hex, base: string, input: Record<string, number>, nonce: number, seconds = 3600) {
    const account = privateKeyToAccount(key);
    const now = await chainNow();
    const a = await signSubmissionAuthorization(account, {
      hub,
      chainId: 31337,
      modelId,
      subject: account.address,
      nonce: BigInt(nonce),
      submitter: clients.account.address,
      deadline: now + BigInt(seconds),
    });
    const r = await call(base, "POST", `/v1/models/${built.name}/proofs`, {
      input,
      subject: account.address,
      nonce,
      authorization: { deadline: a.deadline.toString(), signature: a.signature },
    });
    expect(r.status, r.text).to.equal(202);
    return { id: r.json.jobId as string, subject: account.address };
  }

  /** The transaction's call and the statements the hub recorded in it. */
  async function landed(txHash: string) {
    const tx = await clients.publicClient.getTransaction({ hash: txHash as Hash });
    const receipt = await clients.publicClient.getTransactionReceipt({ hash: txHash as Hash });
    const verified = parseEventLogs({ abi: inferenceHubAbi, logs: receipt.logs, eventName: "InferenceVerified" }).map(
      (l) => `${l.args.subject.toLowerCase()}/${l.args.nonce}`,
    );
    return { call: decodeFunctionData({ abi: inferenceHubAbi, data: tx.input }).functionName, status: receipt.status, verified };
  }

  /** The service's clock for deadlines: the later of the wall clock and the chain's last block. */
  const chainNow = async () => BigInt(Math.max(Math.floor(Date.now() / 1000), Number((await clients.publicClient.getBlock()).timestamp)));

  const statementOf = (j: { subject: string; nonce: string }) => `${j.subject.toLowerCase()}/${j.nonce}`;

  it("forms a batch of four relayed jobs: one verifyAndActAggregated for all, each job's record verifies through the SDK", async () => {
    const p = prefix();
    const s = await serve(p, ["--workers", "1", "--aggregate", "2,4", "--aggregate-wait", "20000"]);
    const ids = await Promise.all(INPUTS.map((input, i) => relayed(s.url!, input, i + 1)));
    const jobs = await waitForJobs(s.url!, ids, undefined, 180_000);
    for (const j of jobs) expect(j.status, JSON.stringify(j.error)).to.equal("confirmed");
    expect(new Set(jobs.map((j) => j.txHash)).size, "one transaction for the four jobs").to.equal(1);
    const tx = await landed(jobs[0].txHash);
    expect(tx.call).to.equal("verifyAndActAggregated");
    expect(tx.status).to.equal("success");
    expect(tx.verified.sort()).to.deep.equal(jobs.map(statementOf).sort());

    const batchIds = new Set(jobs.map((j) => j.aggregation.batchId));
    expect(batchIds.size).to.equal(1);
    expect(jobs.map((j) => j.aggregation.slot).sort()).to.deep.equal([0, 1, 2, 3]);
    const verificationKey = JSON.parse(readFileSync(artifactPath(aggregatedArtifactName(built.name, 4), "vkey"), "utf8")) as object;
    const ir = lowerModel(readModelSpec(specPath));
    for (const j of jobs) {
      expect(j.aggregation.n).to.equal(4);
      expect(j.aggregation.jobIds[j.aggregation.slot]).to.equal(j.id);
      // The job's own outputs (not the batch's first slot's), as the reference interpreter computes them.
      const reference = runReference(ir, INPUTS[ids.indexOf(j.id)]!);
      expect(j.outputs).to.deep.equal(Object.fromEntries(ir.outputs.map((o, k) => [o.name, dequantize(reference.outputs[k]!, o.scale)])));
      // The consumer's event of its own statement only.
      expect(j.consumerEvents.length, JSON.stringify(j.consumerEvents)).to.equal(1);
      const r = await verifyAggregatedTransaction({
        client: clients.publicClient,
        hub,
        txHash: j.txHash,
        verificationKey,
        statement: statementOfJob(j.aggregation),
      });
      expect(r, j.id).to.include({ valid: true, proofValid: true, included: true, statementEventEmitted: true });
      expect(r.statement!.subject).to.equal(BigInt(j.subject));
      expect(r.statement!.nonce).to.equal(BigInt(j.nonce));
      // Another slot's path does not open this job's commitment.
      const other = jobs.find((o) => o.id !== j.id)!;
      const wrong = await verifyAggregatedTransaction({
        client: clients.publicClient,
        hub,
        txHash: j.txHash,
        verificationKey,
        statement: { ...statementOfJob(j.aggregation), inclusionPath: statementOfJob(other.aggregation).inclusionPath },
      });
      expect(wrong.included).to.equal(false);
      // The private input is gone once the batch landed (kept until then to re-prove singly).
      const stored = JSON.parse((await redis.get(`${p}:job:${j.id}`))!);
      expect(stored.input).to.equal(null);
      expect(stored.rawTx).to.equal(null);
    }
    const doc = (await call(s.url!, "GET", "/v1/openapi.json", undefined, { authorization: "" })).json;
    expect(doc.components.schemas.Job.properties.aggregation.$ref).to.equal("#/components/schemas/Aggregation");
    expect(doc.components.schemas.Aggregation.required).to.include.members(["batchId", "slot", "inclusionPath", "inputCommitment"]);
  });

  it("proves a lone job on its own once the wait passes (no batch formed in time)", async () => {
    const s = await serve(prefix(), ["--workers", "1", "--aggregate", "2,4", "--aggregate-wait", "300"]);
    const [job] = await waitForJobs(s.url!, [await relayed(s.url!, INPUTS[0]!, 1)], undefined, 120_000);
    expect(job.status, JSON.stringify(job.error)).to.equal("confirmed");
    expect(job.aggregation).to.equal(null);
    const tx = await landed(job.txHash);
    expect(tx.call).to.equal("verifyAndActFor");
    expect(tx.verified).to.deep.equal([statementOf(job)]);
  });

  it("drops only the jobs whose authorization no longer holds when their batch forms (a lapsed deadline, a wallet that withdrew it); the others land in one batch", async () => {
    const s = await serve(prefix(), ["--workers", "1", "--aggregate", "2,4", "--aggregate-wait", "20000"]);
    // Accepted at the door (>= 120 s ahead), but 100 s later only 30 s remain: under the batch's margin (60 s).
    const short = await relayed(s.url!, INPUTS[2]!, 3, 130);
    // A contract wallet (ERC-1271) approves at the door, then its code changes and it approves nothing.
    const walletOwner = privateKeyToAccount(generatePrivateKey());
    const mock = hardhatArtifact("ERC1271WalletMock");
    const wallet = await deployAndWait({ ...clients, abi: mock.abi as never, bytecode: mock.bytecode as Hex, args: [walletOwner.address] as never });
    const now = await chainNow();
    const signed = await signSubmissionAuthorization(walletOwner, {
      hub,
      chainId: 31337,
      modelId,
      subject: wallet,
      nonce: 4n,
      submitter: clients.account.address,
      deadline: now + 3600n,
    });
    const posted = await call(s.url!, "POST", `/v1/models/${built.name}/proofs`, {
      input: INPUTS[3],
      subject: wallet,
      nonce: 4,
      authorization: { deadline: signed.deadline.toString(), signature: signed.signature },
    });
    expect(posted.status, posted.text).to.equal(202);
    await clients.publicClient.request({ method: "hardhat_setCode" as never, params: [wallet, "0x00"] as never });
    await clients.publicClient.request({ method: "evm_increaseTime" as never, params: [100] as never });
    await clients.publicClient.request({ method: "evm_mine" as never, params: [] as never });
    // The fourth job fills the group: it is checked and proved at once.
    const ids = await Promise.all([relayed(s.url!, INPUTS[0]!, 1), relayed(s.url!, INPUTS[1]!, 2)]);
    const [bad, withdrawn, ...good] = await waitForJobs(s.url!, [short, posted.json.jobId, ...ids], undefined, 120_000);
    expect(bad.status).to.equal("failed");
    expect(bad.error.kind).to.equal("authorization");
    expect(bad.error.message).to.match(/authorization\.deadline/);
    expect(withdrawn.status).to.equal("failed");
    expect(withdrawn.error.kind).to.equal("authorization");
    expect(withdrawn.error.message).to.match(/ERC-1271/);
    for (const j of good) expect(j.status, JSON.stringify(j.error)).to.equal("confirmed");
    expect(good[0].txHash).to.equal(good[1].txHash);
    expect(good[0].aggregation.n).to.equal(2);
    const tx = await landed(good[0].txHash);
    expect(tx.call).to.equal("verifyAndActAggregated");
    expect(tx.verified.sort()).to.deep.equal(good.map(statementOf).sort());
    for (const [subject, nonce] of [
      [bad.subject, 3n],
      [wallet, 4n],
    ] as const)
      expect(
        await clients.publicClient.readContract({ address: hub, abi: inferenceHubAbi, functionName: "isNonceUsed", args: [modelId, subject, nonce] }),
      ).to.equal(false);
  });

  it("refuses to start with --aggregate sizes it cannot use: no keys, no Redis, no verifier on the hub", async () => {
    const refusal = (args: string[]) =>
      startCli(args, SERVE_READY).then(
        (p) => {
          running.push(p);
          throw new Error("started");
        },
        (e: Error) => e.message,
      );
    // Before anything is opened (in process: the refusal comes before the chain, the queue and the provers).
    const refused = (aggregate: number[], queue: QueueConfig) =>
      startService({ models: [specPath], queue, workers: 1, apiKeyHashes: [], aggregate: { sizes: aggregate } }).then(
        () => "started",
        (e: Error) => e.message,
      );
    expect(await refused([8], { kind: "redis", url: redisUrl!, prefix: prefix() })).to.match(
      /no current aggregated keys for N = 8[\s\S]*zkinfer build .*aggregate-tiny\.json --aggregate 8/,
    );
    expect(await refused([2], { kind: "sqlite", path: join(dir, "q.sqlite") })).to.match(/--aggregate needs the Redis queue \(--redis <url>\)/);
    // The same model registered again on the hub, without aggregated verifiers.
    const compiled = compileModelVerifier(built.name);
    const verifier = await deployAndWait({ ...clients, abi: compiled.abi, bytecode: compiled.bytecode });
    const { events } = await writeAndWait({
      ...clients,
      address: hub,
      abi: inferenceHubAbi,
      functionName: "registerModel",
      args: [verifier, built.modelCommitment, 2, "test: no aggregated verifiers"],
    });
    const registered = events.find((e) => e.eventName === "ModelRegistered");
    if (registered?.eventName !== "ModelRegistered") throw new Error("no ModelRegistered");
    await writeAndWait({ ...clients, address: hub, abi: inferenceHubAbi, functionName: "setConsumer", args: [registered.args.modelId, consumer] });
    const args = (extra: string[]) => [
      "serve",
      "--models",
      specPath,
      "--rpc",
      chain.url,
      "--hub",
      hub,
      "--model-id",
      `${built.name}=${registered.args.modelId}`,
      "--consumer",
      `${built.name}=${consumer}`,
      "--redis",
      redisUrl!,
      "--redis-prefix",
      prefix(),
      "--lock-ms",
      "2000",
      "--port",
      "0",
      ...extra,
    ];
    expect(await refusal(args(["--aggregate", "2"]))).to.match(
      /Refusing to aggregate aggregate-tiny .*the hub has no aggregated verifier in force for \(model \d+, N = 2\)/,
    );
  });

  it("a serve killed after signing a batch's transaction resumes it: the same transaction, never a second one", async () => {
    const p = prefix();
    const rpc = (method: string, params: unknown[] = []) => clients.publicClient.request({ method: method as never, params: params as never });
    const sentBefore = await clients.publicClient.getTransactionCount({ address: clients.account.address });
    const s1 = await serve(p, ["--workers", "1", "--aggregate", "2,4", "--aggregate-wait", "1500"]);
    await rpc("evm_setAutomine", [false]);
    try {
      const ids = await Promise.all([relayed(s1.url!, INPUTS[0]!, 1), relayed(s1.url!, INPUTS[1]!, 2)]);
      // The batch's transaction is signed and written to both jobs, then waits in the mempool.
      const recorded = await waitFor("the batch's transaction written to both jobs", async () => {
        const records = await Promise.all(ids.map(async (id) => JSON.parse((await redis.get(`${p}:job:${id}`))!)));
        return records.every((r) => r.status === "submitted" && r.txHash === records[0].txHash) && (records[0].txHash as string);
      });
      await s1.kill("SIGKILL");
      running.splice(running.indexOf(s1), 1);
      await rpc("evm_setAutomine", [true]);
      await rpc("evm_mine");
      const s2 = await serve(p, ["--workers", "1", "--aggregate", "2,4"]);
      const jobs = await waitForJobs(s2.url!, ids, undefined, 120_000);
      for (const j of jobs) expect(j.status, JSON.stringify(j.error)).to.equal("confirmed");
      for (const j of jobs) expect(j.txHash).to.equal(recorded);
      expect((await landed(recorded)).verified.sort()).to.deep.equal(jobs.map(statementOf).sort());
      expect(await clients.publicClient.getTransactionCount({ address: clients.account.address }), "one transaction for the batch").to.equal(sentBefore + 1);
    } finally {
      await rpc("evm_setAutomine", [true]);
    }
  });

  it("a worker killed mid-batch strands nothing: its claims lapse and another worker batches the jobs", async () => {
    const p = prefix();
    const s = await serve(p, ["--workers", "0", "--aggregate", "2,4"]);
    // Worker A waits for four jobs that never come: it holds the two jobs' claims when it is killed.
    const a = await worker(p, ["--aggregate", "4", "--aggregate-wait", "600000"]);
    const ids = await Promise.all([relayed(s.url!, INPUTS[0]!, 1), relayed(s.url!, INPUTS[1]!, 2)]);
    await waitFor("worker A's claims on both jobs", async () => (await Promise.all(ids.map((id) => redis.exists(`${p}:claim:${id}`)))).every((x) => x === 1));
    await a.kill("SIGKILL");
    const b = await worker(p, ["--aggregate", "2,4", "--aggregate-wait", "500"]);
    const jobs = await waitForJobs(s.url!, ids, undefined, 120_000);
    for (const j of jobs) expect(j.status, JSON.stringify(j.error)).to.equal("confirmed");
    expect(jobs[0].txHash).to.equal(jobs[1].txHash);
    expect(jobs[0].aggregation.batchId).to.equal(jobs[1].aggregation.batchId);
    expect(jobs[0].aggregation.n).to.equal(2);
    expect(a.output()).not.to.match(/in one proof of N/);
    expect(b.output()).to.match(/2 aggregate-tiny jobs in one proof of N = 2/);
    expect((await landed(jobs[0].txHash)).verified.sort()).to.deep.equal(jobs.map(statementOf).sort());
  });

  it("proves a batch's jobs singly when the batch's proof fails", async () => {
    const p = prefix();
    // The worker's own copy of the build, with aggregated proving keys that cannot prove (their records still current).
    const buildDir = join(dir, "broken-build");
    for (const name of [built.name, aggregatedArtifactName(built.name, 2), aggregatedArtifactName(built.name, 4)]) {
      cpSync(join(REPO_ROOT, "build", "models", name), join(buildDir, "models", name), { recursive: true });
      cpSync(join(REPO_ROOT, "build", "contracts", name), join(buildDir, "contracts", name), { recursive: true });
    }
    for (const n of [2, 4]) {
      const name = aggregatedArtifactName(built.name, n);
      writeFileSync(join(buildDir, "models", name, basename(artifactPath(name, "zkey"))), "not a zkey");
    }
    const s = await serve(p, ["--workers", "0", "--aggregate", "2,4"]);
    const w = await worker(p, ["--aggregate", "2,4", "--aggregate-wait", "1000"], { ZKINFER_BUILD_DIR: buildDir });
    const ids = await Promise.all([relayed(s.url!, INPUTS[0]!, 1), relayed(s.url!, INPUTS[1]!, 2)]);
    const jobs = await waitForJobs(s.url!, ids, undefined, 120_000);
    for (const j of jobs) {
      expect(j.status, JSON.stringify(j.error)).to.equal("confirmed");
      expect(j.aggregation).to.equal(null);
      const tx = await landed(j.txHash);
      expect(tx.call).to.equal("verifyAndActFor");
      expect(tx.verified).to.deep.equal([statementOf(j)]);
    }
    expect(w.output()).to.match(/a batch of 2 aggregate-tiny jobs failed .*; proving them singly/);
  });

  it("two workers on one queue: every job is in exactly one batch and lands exactly once", async () => {
    const p = prefix();
    const s = await serve(p, ["--workers", "1", "--aggregate", "2,4", "--aggregate-wait", "1500"]);
    await worker(p, ["--aggregate", "2,4", "--aggregate-wait", "1500"]);
    const ids = await Promise.all(Array.from({ length: 8 }, (_, i) => relayed(s.url!, INPUTS[i % INPUTS.length]!, i + 1)));
    const jobs = await waitForJobs(s.url!, ids, undefined, 180_000);
    for (const j of jobs) expect(j.status, JSON.stringify(j.error)).to.equal("confirmed");
    // The batch records partition the batched jobs: none is in two batches.
    const batched = jobs.filter((j) => j.aggregation);
    expect(batched.length, "most jobs were batched").to.be.greaterThan(3);
    const members: string[] = [];
    for (const batchId of new Set(batched.map((j) => j.aggregation.batchId as string))) {
      const record = JSON.parse((await redis.get(`${p}:batch:${batchId}`))!) as { jobIds: string[] };
      members.push(...record.jobIds);
    }
    expect(members.sort()).to.deep.equal(batched.map((j) => j.id).sort());
    // On chain: each statement once, no reverted transaction.
    const verified: string[] = [];
    for (const hash of new Set(jobs.map((j) => j.txHash as string))) {
      const tx = await landed(hash);
      expect(tx.status).to.equal("success");
      verified.push(...tx.verified);
    }
    expect(verified.sort()).to.deep.equal(jobs.map(statementOf).sort());
  });

  it("a batch that cannot land (a subject spent its nonce first) goes back to single proofs: the others land, the spent one is a conflict", async () => {
    const p = prefix();
    // The serve process publishes what to batch and takes the requests, then stops: the worker batches while nothing submits.
    const s1 = await serve(p, ["--workers", "0", "--aggregate", "2,4"]);
    await worker(p, ["--aggregate", "2,4", "--aggregate-wait", "1500"]);
    const xKey = generatePrivateKey();
    const x = await relayedBy(xKey, s1.url!, INPUTS[0]!, 1);
    const y = await relayedBy(generatePrivateKey(), s1.url!, INPUTS[1]!, 1);
    await s1.kill("SIGTERM");
    running.splice(running.indexOf(s1), 1);
    await waitFor("the batch recorded", async () => {
      const records = await Promise.all([x.id, y.id].map(async (id) => JSON.parse((await redis.get(`${p}:job:${id}`))!)));
      return records.every((r) => r.status === "proved" && r.aggregation);
    });
    // Subject x sends its own statement for nonce 1 (another proof: its own salt) before the batch is submitted.
    const xClients = await connectChain(chain.url, xKey);
    await clients.walletClient.sendTransaction({ account: clients.account, chain: null, to: x.subject, value: 10n ** 18n });
    const own = await (await ModelProver.load(specPath)).prove({ features: INPUTS[0]!, subject: x.subject, nonce: 1n });
    await writeAndWait({
      ...xClients,
      address: hub,
      abi: inferenceHubAbi,
      functionName: "verifyAndAct",
      args: [modelId, own.proofBytes as Hex, own.publicSignals],
    });
    const s2 = await serve(p, ["--workers", "0", "--aggregate", "2,4"]);
    const [jx, jy] = await waitForJobs(s2.url!, [x.id, y.id], undefined, 120_000);
    expect(jx.status).to.equal("failed");
    expect(jx.error.kind).to.equal("conflict");
    expect(jy.status, JSON.stringify(jy.error)).to.equal("confirmed");
    expect(jy.aggregation).to.equal(null);
    expect((await landed(jy.txHash)).call).to.equal("verifyAndActFor");
    expect(s2.output()).to.match(/would revert with InferenceHubNonceUsed/);
    for (const id of [x.id, y.id]) expect(JSON.parse((await redis.get(`${p}:job:${id}`))!).input).to.equal(null);
  });
});

describe("aggregation claims and the batch record (real Redis)", function () {
  this.timeout(60_000);

  it("two queues never claim one job; a lapsed lease frees it; a batch is recorded whole or not at all", async function () {
    const url = await testRedisUrl();
    if (!url) return this.skip();
    const p = `zkclaim-${Math.random().toString(36).slice(2, 10)}`;
    const a = new RedisQueue({ url, prefix: p });
    const b = new RedisQueue({ url, prefix: p });
    try {
      const jobs: JobRecord[] = [];
      for (let i = 0; i < 3; i++) {
        const { job } = await a.enqueue({ owner: "t", model: "m", input: { x: i }, subject: `0x${"1".repeat(40)}`, nonce: String(i), submit: false });
        jobs.push(await a.update(job.id, { status: "proving" }));
      }
      // Both race for every job: exactly one wins each.
      const wins = await Promise.all(jobs.map((j) => Promise.all([a.claim(j.id, "A", 5000), b.claim(j.id, "B", 5000)])));
      for (const [x, y] of wins) expect(Number(x) + Number(y)).to.equal(1);
      const holders = wins.map(([x]) => (x ? "A" : "B"));
      // Renewal reports the claims a token does not hold.
      const lost = await a.renewClaims(
        jobs.map((j) => j.id),
        "A",
        5000,
      );
      expect(lost).to.deep.equal(jobs.filter((_, i) => holders[i] === "B").map((j) => j.id));
      // A lease that is not renewed lapses, and the other side takes it.
      await b.releaseClaims(
        jobs.map((j) => j.id),
        "B",
      );
      for (const j of jobs) await a.releaseClaims([j.id], "A");
      expect(await a.claim(jobs[0]!.id, "A", 300)).to.equal(true);
      expect(await b.claim(jobs[0]!.id, "B", 5000)).to.equal(false);
      await new Promise((r) => setTimeout(r, 450));
      expect(await b.claim(jobs[0]!.id, "B", 5000)).to.equal(true);

      // A batch whose claims are not all the recorder's writes nothing.
      for (const j of jobs.slice(1)) expect(await a.claim(j.id, "A", 5000)).to.equal(true);
      const batch = { batchId: "batch-1", model: "m", n: 4, jobIds: jobs.map((j) => j.id), createdAt: Date.now() };
      const result = {
        n: 4,
        proof: { protocol: "groth16" },
        proofBytes: "0x00",
        publicSignals: ["1", "2"],
        inputRoot: "7",
        statements: jobs.map((_, slot) => ({ slot, outputs: ["5"], inputCommitment: String(100 + slot), inclusionPath: { slot, siblings: ["1", "2"] } })),
        witnessMs: 1,
        proveMs: 2,
      };
      const after = jobs.map((j, slot) =>
        provedInBatch(
          j,
          batch,
          result,
          slot,
          jobs.map((x) => x.owner),
        ),
      );
      // A job's record names only its own API key's jobs of the batch.
      expect(provedInBatch(jobs[0]!, batch, result, 0, ["t", "other", "t"]).aggregation!.jobIds).to.deep.equal([jobs[0]!.id, null, jobs[2]!.id]);
      const countsBefore = await a.counts();
      expect(await a.recordBatch(batch, after, jobs, "A")).to.equal(false);
      for (const j of jobs) expect((await a.get(j.id))!.status).to.equal("proving");
      expect(await a.getBatch("batch-1")).to.equal(undefined);
      expect(await a.counts()).to.deep.equal(countsBefore);
      // With every claim its own, all of it at once: records, batch, counts; the claims are gone.
      await b.releaseClaims([jobs[0]!.id], "B");
      expect(await a.claim(jobs[0]!.id, "A", 5000)).to.equal(true);
      expect(await a.recordBatch(batch, after, jobs, "A")).to.equal(true);
      for (const [slot, j] of jobs.entries()) {
        const stored = (await a.get(j.id))!;
        expect(stored.status).to.equal("proved");
        expect(stored.aggregation).to.include({ batchId: "batch-1", slot, inputCommitment: String(100 + slot) });
        expect(await b.claim(j.id, "B", 5000), "the claim was removed with the record").to.equal(true);
      }
      expect((await a.getBatch("batch-1"))!.jobIds).to.deep.equal(batch.jobIds);
      expect((await a.counts()).proved - countsBefore.proved).to.equal(3);
      // A second recording (a duplicate batch) is refused: the jobs are no longer proving.
      expect(await b.recordBatch({ ...batch, batchId: "batch-2" }, after, jobs, "B")).to.equal(false);
      expect(await a.getBatch("batch-2")).to.equal(undefined);
    } finally {
      await a.close();
      await b.close();
    }
  });
});
