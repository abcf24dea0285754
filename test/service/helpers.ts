/**
 * Helpers of the prover-service tests: the real CLI as child processes (so a test can SIGKILL them),
 * a real Redis (loudly skipped outside CI when there is none), HTTP calls, and an audit of what
 * actually happened on-chain.
 */
import { Redis } from "ioredis";
import { call } from "../../scripts/dev/serviceHarness.js";

// The service harness (the CLI as child processes, HTTP calls, the on-chain audit) is shared with
// `npm run bench:service`, so it lives in scripts/dev/.
export { API_KEY, MODEL_DIR, SERVE_READY, WORKER_READY, auditChain, call, newSubject, startCli, type CliProcess } from "../../scripts/dev/serviceHarness.js";

/**
 * The Redis the Redis-backed suites use: $ZKINFER_TEST_REDIS_URL, default redis://127.0.0.1:6379.
 * Unreachable in CI (CI=true) or when the variable is set: an error, the suite fails. Unreachable on
 * a developer machine without the variable: undefined, and the caller skips the suite with a warning.
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
    console.warn(
      `\n  !!! SKIPPED: the Redis-backed prover-service suite: no Redis at ${url}. Start one (redis-server) or set ZKINFER_TEST_REDIS_URL. CI runs it. !!!\n`,
    );
    return undefined;
  } finally {
    client.disconnect();
  }
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
