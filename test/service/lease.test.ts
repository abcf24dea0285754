/**
 * One submitter per key (prover/service/submitterLease.ts), at the lease level: the host lease
 * refuses a second holder of the same (chain, address) and is free again once released or once its
 * holder dies; the Redis lease refuses a live holder's key after waiting out one time to live, takes
 * an expired lease again, and reports a lease another process took. The CLI-level check (a second
 * `zkinfer serve` with the same key refuses to start) is in faults.test.ts.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import { Redis } from "ioredis";
import { REPO_ROOT } from "../../prover/artifacts/paths.js";
import { acquireHostLease, acquireRedisLease } from "../../prover/service/submitterLease.js";
import { testRedisUrl, waitFor } from "./helpers.js";

const ADDRESS = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266";

describe("submitter lease: one submitter per key", function () {
  this.timeout(60_000);
  let dir: string;
  const genesisHash = "0x" + Date.now().toString(16).padStart(64, "0");
  const target = { address: ADDRESS, chainId: 31337, genesisHash } as const;

  before(() => {
    dir = mkdtempSync(join(tmpdir(), "zkinfer-lease-"));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("host lease: a second holder of the same key and chain is refused with the key's address; another chain is not", async () => {
    const first = acquireHostLease(target, dir);
    expect(() => acquireHostLease(target, dir)).to.throw(new RegExp(`submitter key ${ADDRESS} is already in use on chain 31337 by process ${process.pid}`));
    // Same id, other genesis: another (development) chain, its own lease.
    const other = acquireHostLease({ ...target, genesisHash: "0x" + "1".repeat(64) }, dir);
    await other.release();
    await first.release();
    const again = acquireHostLease(target, dir);
    await again.release();
  });

  it("host lease: held by another process, and free once that process is killed", async () => {
    // A child process takes the lease and waits; SIGKILL gives it no chance to clean up.
    const script = `
      import { acquireHostLease } from ${JSON.stringify(join(REPO_ROOT, "prover/service/submitterLease.ts"))};
      acquireHostLease(${JSON.stringify(target)}, ${JSON.stringify(dir)});
      console.log("held");
      setInterval(() => {}, 1000);`;
    const bin = join(REPO_ROOT, "node_modules", ".bin");
    const child = spawn(join(bin, "node"), ["--no-warnings", "--import", "tsx", "--input-type=module", "-e", script], {
      cwd: REPO_ROOT,
      stdio: ["ignore", "pipe", "inherit"],
    });
    try {
      await new Promise<void>((resolve, reject) => {
        child.stdout!.on("data", (d) => String(d).includes("held") && resolve());
        child.once("exit", (code) => reject(new Error(`lease holder exited early (${code})`)));
      });
      expect(() => acquireHostLease(target, dir)).to.throw(new RegExp(`submitter key ${ADDRESS} is already in use on chain 31337 by process ${child.pid} `));
    } finally {
      const exited = new Promise((r) => child.once("exit", r));
      child.kill("SIGKILL");
      await exited;
    }
    // The kernel dropped the dead holder's lock: no stale lease to clean up.
    const lease = acquireHostLease(target, dir);
    await lease.release();
  });

  describe("Redis lease", () => {
    let url: string | undefined;
    let redis: Redis;
    before(async function () {
      url = await testRedisUrl();
      if (!url) return this.skip();
      redis = new Redis(url);
    });
    after(() => redis?.disconnect());

    const key = (t: typeof target) => `zkinfer-submitter-lease:${t.chainId}-${t.genesisHash.slice(2, 18)}-${t.address.toLowerCase()}`;

    it("refuses a second holder while the first renews, after waiting out one time to live", async () => {
      const t = { ...target, genesisHash: "0x" + "2".repeat(64) };
      const lost: Error[] = [];
      const first = await acquireRedisLease(t, { url: url!, ttlMs: 1000, onLost: (e) => lost.push(e) });
      try {
        const waited: string[] = [];
        const started = Date.now();
        let refused: Error | undefined;
        await acquireRedisLease(t, { url: url!, ttlMs: 1000, log: (l) => waited.push(l), onLost: () => {} }).then(
          (l) => l.release(),
          (e) => (refused = e),
        );
        expect(refused?.message).to.match(new RegExp(`submitter key ${ADDRESS} is already in use on chain 31337 by process ${process.pid} `));
        expect(waited.join("\n")).to.match(/waiting up to 1 s for it to expire/);
        // It waited past the first holder's time to live: the first one renewed meanwhile.
        expect(Date.now() - started).to.be.greaterThan(1000);
        expect(lost).to.deep.equal([]);
      } finally {
        await first.release();
      }
      expect(await redis.exists(key(t))).to.equal(0);
    });

    it("a dead holder's lease expires and a newcomer takes it", async () => {
      const t = { ...target, genesisHash: "0x" + "3".repeat(64) };
      // What a holder killed without cleanup leaves: a lease nobody renews.
      await redis.set(key(t), JSON.stringify({ token: "dead", pid: 1, host: "elsewhere", since: "then" }), "PX", 800);
      const lease = await acquireRedisLease(t, { url: url!, ttlMs: 1000, onLost: () => {} });
      expect(JSON.parse((await redis.get(key(t)))!).pid).to.equal(process.pid);
      await lease.release();
    });

    it("takes an expired lease again, and reports (onLost) a lease another process took", async () => {
      const t = { ...target, genesisHash: "0x" + "4".repeat(64) };
      const lost: Error[] = [];
      const lease = await acquireRedisLease(t, { url: url!, ttlMs: 600, onLost: (e) => lost.push(e) });
      try {
        const ours = await redis.get(key(t));
        // Expired (e.g. Redis was down past the time to live): the holder takes it again.
        await redis.del(key(t));
        await waitFor("the lease to be taken again", async () => (await redis.get(key(t))) === ours);
        expect(lost).to.deep.equal([]);
        // Taken by someone else meanwhile: the holder must stop submitting.
        await redis.set(key(t), JSON.stringify({ token: "other", pid: 4242, host: "other-host", since: "now" }), "PX", 60_000);
        await waitFor("onLost", async () => lost.length > 0);
        expect(lost[0]!.message).to.match(new RegExp(`submitter key ${ADDRESS} is already in use on chain 31337 by process 4242 on other-host`));
        expect(JSON.parse((await redis.get(key(t)))!).pid, "the other holder's lease is left alone").to.equal(4242);
      } finally {
        await lease.release();
        await redis.del(key(t));
      }
    });
  });
});
