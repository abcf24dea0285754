/**
 * Fault tests of the prover service (docs/SECURITY.md 22-25), run with both queue back ends, against
 * the real CLI (`zkinfer serve` / `zkinfer worker` as child processes that the tests SIGKILL), real
 * Groth16 proofs, and a real JSON-RPC chain (`hardhat node`). Each test ends with an audit of the
 * chain itself: every job's statement recorded exactly once, no transaction sent twice.
 */
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import type { Address } from "viem";
import { applicantFeatures } from "../../prover/data/germanCredit.js";
import { HARDHAT_DEV_KEY, connectChain, deployDevStack, type ChainClients, type DevDeployment } from "../../prover/service/chain.js";
import { startFaultyRpc } from "../../scripts/dev/faultyRpc.js";
import { freePort, startLocalChain, type LocalChain } from "../../scripts/dev/localChain.js";
import { loadServiceModels, type ServiceModel } from "../../prover/service/models.js";
import {
  MODEL_DIR,
  SERVE_READY,
  WORKER_READY,
  auditChain,
  call,
  newSubject,
  startCli,
  testRedisAt,
  testRedisUrl,
  waitFor,
  waitForJobs,
  type CliProcess,
} from "./helpers.js";

/** Fresh subjects, each with the key that authorises the service to submit for it (newSubject). */
const subjects = new Map<string, ReturnType<typeof newSubject>>();
const randomSubject = () => {
  const s = newSubject();
  subjects.set(s.address.toLowerCase(), s);
  return s.address;
};

for (const backend of ["sqlite", "redis"] as const) {
  describe(`prover service faults (${backend} queue)`, function () {
    this.timeout(600_000);
    let chain: LocalChain;
    let clients: ChainClients;
    let model: ServiceModel;
    let redisUrl: string | undefined;
    let dir: string;
    const running: CliProcess[] = [];

    before(async function () {
      if (backend === "redis") {
        redisUrl = await testRedisUrl();
        if (!redisUrl) return this.skip();
      }
      dir = mkdtempSync(join(tmpdir(), "zkinfer-service-"));
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

    /** The latest deployment: the subjects' authorizations name its hub and model. */
    let deployed: { hub: Address; modelId: bigint };
    async function deploy() {
      const d = await deployDevStack(clients, { ...model, modelCommitment: model.commitment, numOutputs: 1, threshold: 0n, creditLimit: 1_000n });
      deployed = d;
      return d;
    }

    /** The hub, and the model id and consumer the operator names (the service never picks an id by commitment). */
    function pinned(d: DevDeployment): string[] {
      return ["--hub", d.hub, "--model-id", `credit-score=${d.modelId}`, "--consumer", `credit-score=${d.creditGate}`];
    }

    /** `zkinfer serve` on this backend; `name` keeps the SQLite file / Redis prefix of one test across restarts. */
    async function serve(name: string, d: DevDeployment, opts: { rpc?: string; workers?: number } = {}) {
      const queueArgs =
        backend === "sqlite"
          ? ["--db", join(dir, `${name}.sqlite`)]
          : ["--redis", redisUrl!, "--redis-prefix", `zkt-${name}-${process.pid}`, "--lock-ms", "2000"];
      const p = await startCli(
        ["serve", "--models", MODEL_DIR, "--rpc", opts.rpc ?? chain.url, ...pinned(d), "--port", "0", "--workers", String(opts.workers ?? 2), ...queueArgs],
        SERVE_READY,
      );
      running.push(p);
      return p;
    }

    async function post(base: string, applicant: number, subject: Address, nonce: number) {
      const authorization = await subjects
        .get(subject.toLowerCase())!
        .authorization({ hub: deployed.hub, modelId: deployed.modelId, nonce, submitter: clients.account.address });
      const r = await call(base, "POST", "/v1/models/credit-score/proofs", {
        input: applicantFeatures(applicant),
        subject,
        nonce,
        submit: true,
        authorization,
      });
      expect(r.status, r.text).to.equal(202);
      return r.json.jobId as string;
    }

    /** Every job confirmed, its statement on-chain exactly once, no reverted or extra transaction. */
    async function expectExactlyOnce(hub: Address, jobs: any[], subjects: Address[]) {
      for (const j of jobs) expect(j.status, JSON.stringify(j.error)).to.equal("confirmed");
      const audit = await auditChain(chain.url, hub, clients.account.address);
      expect(audit.reverted, "reverted transactions").to.equal(0);
      expect(audit.sent, "transactions sent to the hub").to.equal(jobs.length);
      expect(new Set(audit.txNonces).size, "distinct account nonces").to.equal(audit.txNonces.length);
      const statements = audit.verified.map((v) => `${v.subject}/${v.nonce}`);
      expect(new Set(statements).size).to.equal(statements.length);
      expect(statements.sort()).to.deep.equal(jobs.map((j, i) => `${subjects[i]!.toLowerCase()}/${j.nonce}`).sort());
      for (const j of jobs) expect(audit.verified.find((v) => v.subject === j.subject.toLowerCase() && v.nonce === j.nonce)?.tx).to.equal(j.txHash);
    }

    it("survives a restart mid-queue with concurrent submissions from one key: no job lost, none submitted twice (22, 23, 24)", async () => {
      const d = await deploy();
      const { hub } = d;
      let service = await serve("restart", d);
      const subjects = Array.from({ length: 6 }, randomSubject);
      // Posted concurrently: one key, many jobs in flight at once.
      const ids = await Promise.all(subjects.map((s, i) => post(service.url!, i, s, 1)));
      // Kill the whole service (SIGKILL: no cleanup) once the first job is on-chain and others are still queued or proving.
      await waitFor("a confirmed job", async () => {
        const jobs = await Promise.all(ids.map(async (id) => (await call(service.url!, "GET", `/v1/jobs/${id}`)).json));
        return jobs.some((j) => j.status === "confirmed") && jobs.some((j) => j.status === "queued" || j.status === "proving");
      });
      await service.kill("SIGKILL");
      service = await serve("restart", d);
      const jobs = await waitForJobs(service.url!, ids);
      await expectExactlyOnce(hub, jobs, subjects);
    });

    it("retries a job whose worker is killed mid-proof, and it finishes (22)", async () => {
      const d = await deploy();
      const { hub } = d;
      // SQLite: the service's own prover process is killed. Redis: a whole `zkinfer worker` process.
      const service = await serve("kill", d, { workers: backend === "sqlite" ? 1 : 0 });
      let worker: CliProcess | undefined;
      if (backend === "redis") {
        worker = await startCli(
          ["worker", "--redis", redisUrl!, "--redis-prefix", `zkt-kill-${process.pid}`, "--models", MODEL_DIR, "--lock-ms", "2000"],
          WORKER_READY,
        );
        running.push(worker);
      }
      const subject = randomSubject();
      const id = await post(service.url!, 0, subject, 7);
      await waitFor("the job to be proving", async () => (await call(service.url!, "GET", `/v1/jobs/${id}`)).json.status === "proving");
      if (backend === "sqlite") {
        const { json: health } = await call(service.url!, "GET", "/healthz");
        process.kill(health.proverPids[0], "SIGKILL");
      } else {
        await worker!.kill("SIGKILL");
        running.push(
          await startCli(
            ["worker", "--redis", redisUrl!, "--redis-prefix", `zkt-kill-${process.pid}`, "--models", MODEL_DIR, "--lock-ms", "2000"],
            WORKER_READY,
          ),
        );
      }
      const [job] = await waitForJobs(service.url!, [id]);
      expect(job.attempts, "the killed attempt is counted").to.equal(2);
      await expectExactlyOnce(hub, [job], [subject]);
      // The proof is in serve's /metrics, also when a `zkinfer worker` (another process) made it; the
      // killed attempt is a retry, not a failure.
      const metrics = (await call(service.url!, "GET", "/metrics")).text;
      expect(metrics).to.match(/^zkinfer_proof_duration_seconds_count 1$/m);
      const seconds = Number(/^zkinfer_proof_duration_seconds_sum (\S+)$/m.exec(metrics)?.[1]);
      expect(Math.abs(seconds * 1000 - (job.timings.witnessMs + job.timings.proveMs))).to.be.lessThan(1);
      expect(metrics).to.match(/^zkinfer_job_failures_total\{kind="crash"\} 0$/m);
    });

    it("refuses a second serve with the same submitter key on the same chain, naming the key's address; a restart after a crash takes over", async () => {
      const d = await deploy();
      const { hub } = d;
      const first = await serve("lease-a", d);
      const address = clients.account.address;
      let refused: Error | undefined;
      await serve("lease-b", d).then(
        (p) => p.kill("SIGTERM"),
        (e) => (refused = e),
      );
      expect(refused?.message).to.match(new RegExp(`The submitter key ${address} is already in use on chain 31337 by process ${first.child.pid} `));
      // The first one is unaffected: it still proves and submits.
      const subject = randomSubject();
      const [job] = await waitForJobs(first.url!, [await post(first.url!, 3, subject, 9)]);
      // Crashed (no cleanup): the next serve with the key starts (on Redis once the lease's time to live has passed).
      await first.kill("SIGKILL");
      const second = await serve("lease-b", d);
      const [job2] = await waitForJobs(second.url!, [await post(second.url!, 4, subject, 10)]);
      await expectExactlyOnce(hub, [job, job2], [subject, subject]);
    });

    if (backend === "redis") {
      it("survives a Redis restart mid-queue: no acknowledged job lost, none submitted twice (23)", async function () {
        // A Redis of its own (same binary as CI's), so the test can crash and restart it.
        const bin = spawnSync("sh", ["-c", "command -v redis-server"], { encoding: "utf8" }).stdout.trim();
        if (!bin) {
          if (process.env.CI === "true") throw new Error("redis-server is not installed; .ci/run installs it");
          console.warn("\n  !!! SKIPPED: Redis restart test: no redis-server binary on this machine. !!!\n");
          return this.skip();
        }
        const port = await freePort();
        const redisDir = mkdtempSync(join(tmpdir(), "zkinfer-redis-"));
        // appendfsync always: a job is on disk before Redis acknowledges it (the docs recommend it).
        const startRedis = () =>
          spawn(bin, ["--port", String(port), "--bind", "127.0.0.1", "--appendonly", "yes", "--appendfsync", "always", "--dir", redisDir, "--save", ""], {
            stdio: "ignore",
          });
        let redis = startRedis();
        const url = `redis://127.0.0.1:${port}`;
        try {
          await waitFor("redis", async () => (await testRedisAt(url)) || undefined);
          const d = await deploy();
          const { hub } = d;
          const p = await startCli(
            [
              "serve",
              "--models",
              MODEL_DIR,
              "--rpc",
              chain.url,
              ...pinned(d),
              "--port",
              "0",
              "--workers",
              "2",
              "--redis",
              url,
              "--redis-prefix",
              "zkt-redis-restart",
              "--lock-ms",
              "2000",
            ],
            SERVE_READY,
          );
          running.push(p);
          const subjects = Array.from({ length: 4 }, randomSubject);
          const ids = await Promise.all(subjects.map((s, i) => post(p.url!, i + 20, s, 2)));
          await waitFor(
            "a confirmed job",
            async () =>
              (await call(p.url!, "GET", `/v1/jobs/${ids[0]}`)).json.status === "confirmed" ||
              (await call(p.url!, "GET", `/v1/jobs/${ids[1]}`)).json.status === "confirmed",
          );
          const atCrash = await Promise.all(ids.map(async (id) => (await call(p.url!, "GET", `/v1/jobs/${id}`)).json.status));
          expect(
            atCrash.filter((st) => st !== "confirmed"),
            "jobs still in flight when Redis crashes",
          ).to.not.be.empty;
          // Crash Redis (no shutdown save), wait, and bring it back from its append-only file.
          const exited = new Promise((r) => redis.once("exit", r));
          redis.kill("SIGKILL");
          await exited;
          await new Promise((r) => setTimeout(r, 1500));
          redis = startRedis();
          const jobs = await waitForJobs(p.url!, ids);
          await expectExactlyOnce(hub, jobs, subjects);
        } finally {
          for (const q of running.splice(0)) await q.kill("SIGTERM");
          redis.kill("SIGKILL");
          rmSync(redisDir, { recursive: true, force: true });
        }
      });
    }

    it("rides out RPC faults (5xx, dropped connections, delays, a 5xx after the node took the transaction) without a double effect (25)", async () => {
      const d = await deploy();
      const { hub } = d;
      const proxy = await startFaultyRpc({
        target: chain.url,
        schedule: {
          // The first broadcast reaches the node but the client sees a 502; the second is dropped.
          eth_sendRawTransaction: ["forwardThen500", "drop", "http500"],
          eth_getTransactionReceipt: ["http500", "drop", "delay"],
          eth_estimateGas: ["http500", "ok", "drop"],
          eth_call: ["ok", "http500"],
        },
        every: { n: 7, fault: "http500" },
        delayMs: 1200,
      });
      try {
        const service = await serve("rpc", d, { rpc: proxy.url });
        const subjects = Array.from({ length: 3 }, randomSubject);
        const ids = await Promise.all(subjects.map((s, i) => post(service.url!, i + 10, s, 3)));
        const jobs = await waitForJobs(service.url!, ids);
        expect(proxy.injected.forwardThen500).to.equal(1);
        expect(proxy.injected.http500).to.be.greaterThan(2);
        await expectExactlyOnce(hub, jobs, subjects);
      } finally {
        await proxy.close();
      }
    });
  });
}
