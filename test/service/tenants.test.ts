/**
 * Idempotency keys belong to the API key that sent them, in both queue back ends (docs/SECURITY.md,
 * Prover service 30): the attack is tenant A reusing tenant B's idempotency key with another body to
 * get a 409 naming B's job. The HTTP side (404 for another key's job) is in ./api.test.ts.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import { IdempotencyConflictError, type NewJob } from "../../prover/service/jobs.js";
import type { JobQueue } from "../../prover/service/queue/jobQueue.js";
import { RedisQueue } from "../../prover/service/queue/redisQueue.js";
import { SqliteQueue } from "../../prover/service/queue/sqliteQueue.js";
import { testRedisUrl } from "./helpers.js";

const job = (owner: string, nonce: string): NewJob => ({
  owner,
  model: "m",
  input: { x: 1 },
  subject: "0x" + "ab".repeat(20),
  nonce,
  submit: false,
  idempotencyKey: "order-1",
});

for (const backend of ["sqlite", "redis"] as const) {
  describe(`tenants: idempotency keys scoped to the API key (${backend} queue)`, function () {
    let queue: JobQueue;
    let dir: string | undefined;

    before(async function () {
      if (backend === "redis") {
        const url = await testRedisUrl();
        if (!url) return this.skip();
        queue = new RedisQueue({ url, prefix: `zkt-tenants-${process.pid}-${Date.now()}` });
      } else {
        dir = mkdtempSync(join(tmpdir(), "zkinfer-tenants-"));
        queue = new SqliteQueue({ path: join(dir, "jobs.sqlite") });
      }
    });

    after(async () => {
      await queue?.close();
      if (dir) rmSync(dir, { recursive: true, force: true });
    });

    it("gives another tenant's reuse of a key its own job, and a 409 only within one tenant", async () => {
      const b = await queue.enqueue(job("tenant-b", "1"));
      // The attack: A reuses B's key with another body.
      const a = await queue.enqueue(job("tenant-a", "2"));
      expect(a.created).to.equal(true);
      expect(a.job.id).to.not.equal(b.job.id);
      expect(a.job.owner).to.equal("tenant-a");
      // Each tenant's retry finds its own job; another body within a tenant is still a conflict.
      expect((await queue.enqueue(job("tenant-b", "1"))).job.id).to.equal(b.job.id);
      expect((await queue.enqueue(job("tenant-a", "2"))).job.id).to.equal(a.job.id);
      let conflict: unknown;
      try {
        await queue.enqueue(job("tenant-a", "3"));
      } catch (e) {
        conflict = e;
      }
      expect(conflict).to.be.instanceOf(IdempotencyConflictError);
      expect((conflict as IdempotencyConflictError).existingJobId).to.equal(a.job.id);
    });
  });
}
