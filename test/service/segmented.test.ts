/**
 * The prover service proves segmented models (issue 25 point 3; docs/SEGMENTS.md, "In the prover
 * service"): a job's segments are queue tasks that any proving process takes, so workers share one
 * inference, and a segment whose prover dies is delivered again on its own. Real Redis, real segment
 * proofs of the tiny 3-segment fixture (2^10 keys), a real JSON-RPC chain (`hardhat node`) with the
 * fixture's SegmentedVerifier registered in an InferenceHub. docs/SECURITY.md 95-96.
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { expect } from "chai";
import { Redis } from "ioredis";
import { parseEventLogs, type Address, type Hash } from "viem";
import { artifactPath } from "../../prover/artifacts/paths.js";
import { inferenceHubAbi } from "../../prover/chain/abi.js";
import { runReference } from "../../prover/model/interpret.js";
import { lowerModel } from "../../prover/model/ir.js";
import { readModelSpec } from "../../prover/model/spec.js";
import { toField } from "../../prover/field.js";
import { verifyInferenceTransaction } from "../../prover/sdk/verifyInferenceTransaction.js";
import { buildSegments, type SegmentRecord } from "../../prover/segment/build.js";
import { verifySegmentedProof } from "../../prover/segment/verify.js";
import { HARDHAT_DEV_KEY, connectChain, type ChainClients } from "../../prover/service/chain.js";
import type { JobRecord } from "../../prover/service/jobs.js";
import { startService, startWorker } from "../../prover/service/service.js";
import { startLocalChain, type LocalChain } from "../../scripts/dev/localChain.js";
import { deployRecordingStack } from "../../scripts/dev/recordingStack.js";
import { compileSegmentedVerifier, readSegmentedBuild } from "../../prover/chain/segmentedDeployment.js";
import { API_KEY, SERVE_READY, WORKER_READY, call, startCli, testRedisUrl, waitForJobs, type CliProcess } from "./helpers.js";
import { createHash } from "node:crypto";

const specPath = fileURLToPath(new URL("../fixtures/segments-tiny.json", import.meta.url));
const INPUTS = [
  { a: 1.5, b: 3, c: -0.5 },
  { a: -4, b: 8, c: 1 },
  { a: 4, b: 0, c: -1 },
];
const apiKeyHash = createHash("sha256").update(API_KEY).digest("hex");

describe("prover service: segmented models (real Redis, real segment proofs, real chain)", function () {
  this.timeout(600_000);
  let redisUrl: string | undefined;
  let redis: Redis;
  let record: SegmentRecord;
  let keys: object[];
  const running: CliProcess[] = [];

  before(async function () {
    redisUrl = await testRedisUrl();
    if (!redisUrl) return this.skip();
    redis = new Redis(redisUrl);
    record = await buildSegments({ specPath, maxSegmentConstraints: 1000, minSegments: 3 });
    expect(record.segments.length).to.equal(3);
    keys = record.segments.map((s) => JSON.parse(readFileSync(artifactPath(s.name, "vkey"), "utf8")) as object);
  });
  afterEach(async () => {
    for (const p of running.splice(0)) await p.kill("SIGTERM");
  });
  after(() => redis?.disconnect());

  const prefix = () => `zkseg-${Math.random().toString(36).slice(2, 10)}`;
  const ir = () => lowerModel(readModelSpec(specPath));
  /** The model's outputs as the proof's first public signals carry them. */
  const expectedOutputs = (input: Record<string, number>) => runReference(ir(), input).outputs.map((o) => toField(o).toString());

  /** No private segment input is left in Redis under `p` once the jobs are done. */
  async function noSegmentInputsLeft(p: string) {
    expect(await redis.keys(`${p}:segment-input:*`)).to.deep.equal([]);
  }

  describe("on chain, shared by two `zkinfer worker` processes", () => {
    let chain: LocalChain;
    let clients: ChainClients;
    let hub: Address;
    let modelId: bigint;
    let consumer: Address;

    before(async () => {
      chain = await startLocalChain();
      clients = await connectChain(chain.url, HARDHAT_DEV_KEY);
      ({ hub, modelId, consumer } = await deployRecordingStack(clients, {
        verifier: compileSegmentedVerifier(await readSegmentedBuild(specPath)),
        commitment: BigInt(record.modelCommitment),
        numOutputs: ir().outputs.length,
        uri: "test: segmented service",
      }));
    });
    after(async () => chain?.stop());

    it("proves each job's 3 segments on both workers' processes, lands one verifyAndAct per job, and the SDK verifies it", async () => {
      const p = prefix();
      const common = ["--models", specPath, "--redis", redisUrl!, "--redis-prefix", p, "--lock-ms", "2000"];
      const serve = await startCli(
        [
          "serve",
          ...common,
          "--workers",
          "0",
          "--rpc",
          chain.url,
          "--hub",
          hub,
          "--model-id",
          `${record.model}=${modelId}`,
          "--consumer",
          `${record.model}=${consumer}`,
          "--allow-self-subject",
          "--port",
          "0",
        ],
        SERVE_READY,
      );
      running.push(serve);
      for (let i = 0; i < 2; i++) running.push(await startCli(["worker", ...common, "--workers", "1"], WORKER_READY));
      const subject = clients.account.address;
      const ids: string[] = [];
      for (const [i, input] of INPUTS.entries()) {
        const r = await call(serve.url!, "POST", `/v1/models/${record.model}/proofs`, { input, subject, nonce: 100 + i });
        expect(r.status, r.text).to.equal(202);
        ids.push(r.json.jobId as string);
      }
      const jobs = await waitForJobs(serve.url!, ids);
      const provers = new Set<string>();
      for (const [i, job] of jobs.entries()) {
        expect(job.status, JSON.stringify(job.error)).to.equal("confirmed");
        expect(job.segmented.k).to.equal(3);
        for (const s of job.segmented.segments) {
          expect(s.attempts).to.equal(1);
          provers.add(s.provedBy);
        }
        expect(job.publicSignals.slice(0, 2)).to.deep.equal(expectedOutputs(INPUTS[i]!));
        // The chain: the hub verified this statement in the job's transaction and called the consumer.
        const receipt = await clients.publicClient.getTransactionReceipt({ hash: job.txHash as Hash });
        const verified = parseEventLogs({ abi: inferenceHubAbi, logs: receipt.logs, eventName: "InferenceVerified" });
        expect(verified.map((l) => [l.args.modelId, l.args.subject.toLowerCase(), l.args.nonce])).to.deep.equal([
          [modelId, subject.toLowerCase(), BigInt(100 + i)],
        ]);
        const sdk = await verifyInferenceTransaction({
          client: clients.publicClient,
          hub,
          txHash: job.txHash as Hash,
          verificationKey: { protocol: "groth16-segmented", segments: keys },
        });
        expect(
          sdk.valid,
          JSON.stringify(sdk, (_k, v) => (typeof v === "bigint" ? v.toString() : v)),
        ).to.equal(true);
      }
      // Workers on two processes shared the inferences' segments (9 tasks, one prover process each).
      expect(provers.size, [...provers].join(", ")).to.equal(2);
      await noSegmentInputsLeft(p);
    });
  });

  it("delivers a segment whose prover process dies again, on its own; the others are proved once", async () => {
    const p = prefix();
    const service = await startService({
      models: [specPath],
      queue: { kind: "redis", url: redisUrl!, prefix: p, lockDurationMs: 2000 },
      workers: 0,
      apiKeyHashes: [apiKeyHash],
      port: 0,
    });
    const worker = await startWorker({ models: [specPath], redisUrl: redisUrl!, prefix: p, workers: 1, lockDurationMs: 2000 });
    try {
      const r = await call(service.url, "POST", `/v1/models/${record.model}/proofs`, {
        input: INPUTS[1],
        subject: "0x00000000000000000000000000000000000000aa",
        nonce: 7,
      });
      expect(r.status, r.text).to.equal(202);
      // A real crash: the first segment prover seen busy is killed mid-proof.
      let killed: number | undefined;
      while (killed === undefined) {
        const [pid] = worker.segmentProvers!.busyPids();
        if (pid !== undefined) {
          process.kill(pid, "SIGKILL");
          killed = pid;
        } else await new Promise((res) => setTimeout(res, 2));
      }
      const [job] = await waitForJobs(service.url, [r.json.jobId as string], (j) => j.status === "proved" || j.status === "failed");
      expect(job.status, JSON.stringify(job.error)).to.equal("proved");
      const attempts = (job.segmented.segments as { attempts: number }[]).map((s) => s.attempts);
      expect(attempts.filter((a) => a === 2)).to.have.length(1);
      expect(attempts.filter((a) => a === 1)).to.have.length(2);
      expect(await verifySegmentedProof({ protocol: "groth16-segmented", segments: keys }, job.proofBytes, job.publicSignals.map(BigInt))).to.equal(true);
      expect(job.publicSignals.slice(0, 2)).to.deep.equal(expectedOutputs(INPUTS[1]!));
      await noSegmentInputsLeft(p);
    } finally {
      await worker.close();
      await service.close();
    }
  });

  it("proves a segmented job on the embedded SQLite queue with its own segment provers", async () => {
    const { mkdtempSync, rmSync } = await import("node:fs");
    const { tmpdir } = await import("node:os");
    const { join } = await import("node:path");
    const dir = mkdtempSync(join(tmpdir(), "zkinfer-segmented-sqlite-"));
    const service = await startService({
      models: [specPath],
      queue: { kind: "sqlite", path: join(dir, "jobs.db") },
      workers: 2,
      apiKeyHashes: [apiKeyHash],
      port: 0,
    });
    try {
      const r = await call(service.url, "POST", `/v1/models/${record.model}/proofs`, {
        input: INPUTS[2],
        subject: "0x00000000000000000000000000000000000000bb",
        nonce: 1,
      });
      expect(r.status, r.text).to.equal(202);
      const [job] = (await waitForJobs(service.url, [r.json.jobId as string], (j) => j.status === "proved" || j.status === "failed")) as JobRecord[] & any[];
      expect(job.status, JSON.stringify(job.error)).to.equal("proved");
      expect(job.segmented.segments.map((s: { attempts: number }) => s.attempts)).to.deep.equal([1, 1, 1]);
      const ok = await verifySegmentedProof({ protocol: "groth16-segmented", segments: keys }, job.proofBytes, job.publicSignals.map(BigInt));
      expect(ok).to.equal(true);
      // Another statement's signals with these proofs: rejected (the proofs are bound to their signals).
      const forged = [...job.publicSignals.map(BigInt)];
      forged[0] = forged[0] + 1n;
      expect(await verifySegmentedProof({ protocol: "groth16-segmented", segments: keys }, job.proofBytes, forged)).to.equal(false);
    } finally {
      await service.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
