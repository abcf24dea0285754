/**
 * Helpers of the prover-service tests: the real CLI as child processes (so a test can SIGKILL them),
 * a real Redis (loudly skipped outside CI when there is none), HTTP calls, and an audit of what
 * actually happened on-chain.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer, type AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Redis } from "ioredis";
import { call } from "../../scripts/dev/serviceHarness.js";

// The service harness (the CLI as child processes, HTTP calls, the on-chain audit) is shared with
// `npm run bench:service`, so it lives in scripts/dev/.
export { API_KEY, MODEL_DIR, SERVE_READY, WORKER_READY, auditChain, call, newSubject, startCli, type CliProcess } from "../../scripts/dev/serviceHarness.js";

/**
 * The Redis the Redis-backed suites use: $ZKINFER_TEST_REDIS_URL, default redis://127.0.0.1:6379.
 * Unreachable in CI (CI=true) or when the variable is set: an error, the suite fails. Unreachable on
 * a developer machine without the variable: a private `redis-server` started for this test process
 * when one is installed (so `npm test` runs the suite as it is), else undefined, and the caller skips
 * the suite with a loud warning.
 */
export async function testRedisUrl(): Promise<string | undefined> {
  const explicit = process.env.ZKINFER_TEST_REDIS_URL;
  const url = explicit ?? "redis://127.0.0.1:6379";
  const client = new Redis(url, { lazyConnect: true, connectTimeout: 1500, maxRetriesPerRequest: 0, retryStrategy: () => null });
  client.on("error", () => {});
  try {
    await client.connect();
    await client.ping();
    return url;
  } catch (e) {
    if (process.env.CI === "true" || explicit !== undefined) {
      throw new Error(`Redis at ${url} is unreachable (${(e as Error).message}); the Redis-backed suite must run here (CI or ZKINFER_TEST_REDIS_URL set).`, {
        cause: e,
      });
    }
    const own = await privateRedis();
    if (own) return own;
    console.warn(
      `\n  !!! SKIPPED: the Redis-backed prover-service suite: no Redis at ${url} and no redis-server installed. Install Redis or set ZKINFER_TEST_REDIS_URL. CI runs it. !!!\n`,
    );
    return undefined;
  } finally {
    client.disconnect();
  }
}

let privateRedisStarted: Promise<string | undefined> | undefined;

/**
 * A throw-away `redis-server` (no persistence, a temporary directory, a free port on 127.0.0.1) for
 * this test process, started once and stopped when the process exits; undefined when no redis-server
 * is on the PATH or it does not answer within 5 s.
 */
function privateRedis(): Promise<string | undefined> {
  privateRedisStarted ??= (async () => {
    const port = await freePort();
    const dir = mkdtempSync(join(tmpdir(), "zkinfer-test-redis-"));
    const child = spawn("redis-server", ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", dir], { stdio: "ignore" });
    // unref: the server must not keep the test process alive; the exit hook stops it.
    child.unref();
    const failed = new Promise<undefined>((r) => child.once("error", () => r(undefined)));
    process.once("exit", () => {
      child.kill("SIGKILL");
      rmSync(dir, { recursive: true, force: true });
    });
    const url = `redis://127.0.0.1:${port}`;
    const up = (async () => {
      for (let i = 0; i < 50; i++) {
        if (child.exitCode !== null) return undefined;
        if (await testRedisAt(url)) return url;
        await new Promise((r) => setTimeout(r, 100));
      }
      return undefined;
    })();
    const started = await Promise.race([up, failed]);
    if (started) console.warn(`\n  (the Redis-backed suites use a private redis-server at ${url}, stopped when the tests end)\n`);
    else child.kill("SIGKILL");
    return started;
  })();
  return privateRedisStarted;
}

/** A TCP port nothing listens on at the moment of asking. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** True when a Redis answers PING at `url`. */
export async function testRedisAt(url: string): Promise<boolean> {
  const client = new Redis(url, { lazyConnect: true, connectTimeout: 500, maxRetriesPerRequest: 0, retryStrategy: () => null });
  client.on("error", () => {});
  try {
    await client.connect();
    return (await client.ping()) === "PONG";
  } catch {
    return false;
  } finally {
    client.disconnect();
  }
}

/** Polls until every job is in a final state (confirmed/failed, or proved when not submitting). */
export async function waitForJobs(
  base: string,
  ids: string[],
  until: (job: any) => boolean = (j) => j.status === "confirmed" || j.status === "failed",
  timeoutMs = 240_000,
  headers: Record<string, string> = {},
) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const jobs = await Promise.all(ids.map(async (id) => (await call(base, "GET", `/v1/jobs/${id}`, undefined, headers)).json));
    if (jobs.every(until)) return jobs;
    if (Date.now() > deadline) throw new Error(`jobs not done in time: ${JSON.stringify(jobs.map((j) => [j.id, j.status, j.error]))}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

export async function waitFor<T>(what: string, poll: () => Promise<T | undefined | false>, timeoutMs = 120_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await poll();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
