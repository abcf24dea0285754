/**
 * One submitter per key: the nonce order of a signing key lives in one Submitter (./submitter.ts), so
 * two `zkinfer serve` processes submitting with the same key on the same chain would hand out the
 * same nonces. A lease makes the second one refuse to start, with an error naming the key's address.
 *
 * The lease is per (chain, address). A chain is its id and its genesis block hash, so two local
 * development chains (both id 31337, different genesis) do not exclude each other.
 *
 * - Host lease, always: a SQLite file per (chain, address) in a directory shared by every process on
 *   the machine ($ZKINFER_LEASE_DIR, default <tmpdir>/zkinfer-submitter-leases), held with an
 *   exclusive SQLite lock (locking_mode=EXCLUSIVE). SQLite locks are POSIX record locks: the kernel
 *   drops them when the process dies, however it dies, so a crashed service never leaves a stale
 *   lease and its restart takes the lease at once.
 * - Redis lease, with --redis (serve processes on several machines): SET NX PX on a key outside the
 *   queue prefix (two prefixes on one Redis still share the chain), renewed every third of its time
 *   to live by the holder. A holder that dies stops renewing: a newcomer waits up to one time to live
 *   for it to expire, and refuses to start if it is still renewed then. A holder that finds its lease
 *   expired (Redis was down longer than the time to live) takes it again if it is free, and stops
 *   submitting (`onLost`) if another process has it.
 */
import { randomUUID } from "node:crypto";
import { mkdirSync, writeFileSync, readFileSync, rmSync } from "node:fs";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { Redis } from "ioredis";
import type { Address } from "viem";
import { ZkinferError } from "../errors.js";

export interface LeaseTarget {
  address: Address;
  chainId: number;
  /** Hash of block 0: tells apart chains that share an id (local development nodes). */
  genesisHash: string;
}

export interface SubmitterLease {
  release(): Promise<void>;
}

function leaseName(t: LeaseTarget): string {
  return `${t.chainId}-${t.genesisHash.slice(2, 18).toLowerCase()}-${t.address.toLowerCase()}`;
}

function holderText(): string {
  return JSON.stringify({ pid: process.pid, host: hostname(), since: new Date().toISOString() });
}

function describeHolder(raw: string | null | undefined): string {
  if (!raw) return "another process";
  try {
    const h = JSON.parse(raw) as { pid?: number; host?: string; since?: string };
    return `process ${h.pid} on ${h.host} (since ${h.since})`;
  } catch {
    return "another process";
  }
}

function inUse(t: LeaseTarget, holder: string, where: string): ZkinferError {
  return new ZkinferError(
    `The submitter key ${t.address} is already in use on chain ${t.chainId} by ${holder} (${where}). ` +
      `One \`zkinfer serve\` per key orders its nonces: stop the other one, or give this one another key (ZKINFER_SUBMITTER_KEY).`,
  );
}

export function defaultLeaseDir(): string {
  return process.env.ZKINFER_LEASE_DIR ?? join(tmpdir(), "zkinfer-submitter-leases");
}

/** The host lease: refuses at once while another live process on this machine holds it. */
export function acquireHostLease(t: LeaseTarget, dir = defaultLeaseDir()): SubmitterLease {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, `${leaseName(t)}.lock`);
  const db = new DatabaseSync(path);
  try {
    // The exclusive lock taken by the first write is kept until the connection closes (or the process dies).
    db.exec("PRAGMA locking_mode = EXCLUSIVE");
    db.exec("BEGIN EXCLUSIVE");
    db.exec("CREATE TABLE IF NOT EXISTS lease (holder TEXT)");
    db.exec("COMMIT");
  } catch (e) {
    db.close();
    if (/locked|busy/i.test((e as Error).message)) {
      let holder: string | undefined;
      try {
        holder = readFileSync(`${path}.holder`, "utf8");
      } catch {
        // the holder's note is informational only
      }
      throw inUse(t, describeHolder(holder), `host lease ${path}`);
    }
    throw e;
  }
  writeFileSync(`${path}.holder`, holderText());
  let released = false;
  return {
    async release() {
      if (released) return;
      released = true;
      rmSync(`${path}.holder`, { force: true });
      db.close();
    },
  };
}

const RENEW = `if redis.call("get", KEYS[1]) == ARGV[1] then return redis.call("pexpire", KEYS[1], ARGV[2]) else return 0 end`;
const RELEASE = `if redis.call("get", KEYS[1]) == ARGV[1] then return redis.call("del", KEYS[1]) else return 0 end`;

export interface RedisLeaseOptions {
  url: string;
  /** Time to live without renewal: a dead holder's lease is free after at most this long. */
  ttlMs: number;
  log?: (line: string) => void;
  /** The lease was taken by another process while this one was cut off from Redis: stop submitting. */
  onLost: (error: ZkinferError) => void;
}

/** The Redis lease: waits up to one time to live for a dead holder's lease to expire, then refuses. */
export async function acquireRedisLease(t: LeaseTarget, o: RedisLeaseOptions): Promise<SubmitterLease> {
  const key = `zkinfer-submitter-lease:${leaseName(t)}`;
  const redis = new Redis(o.url, { maxRetriesPerRequest: null });
  redis.on("error", () => {}); // ioredis reconnects by itself; commands wait meanwhile
  // The value is unique per acquisition: renewal and release touch only our own lease.
  const value = JSON.stringify({ token: randomUUID(), pid: process.pid, host: hostname(), since: new Date().toISOString() });
  const take = async () => (await redis.set(key, value, "PX", o.ttlMs, "NX")) === "OK";
  const deadline = Date.now() + o.ttlMs + 1000;
  let warned = false;
  while (!(await take())) {
    const holder = await redis.get(key);
    if (Date.now() > deadline) {
      redis.disconnect();
      throw inUse(t, describeHolder(holder), `Redis lease ${key}, renewed while this process waited ${Math.round((o.ttlMs + 1000) / 1000)} s`);
    }
    if (!warned) {
      o.log?.(
        `the submitter lease of ${t.address} is held by ${describeHolder(holder)}; waiting up to ${Math.round(o.ttlMs / 1000)} s for it to expire (a crashed holder stops renewing it)`,
      );
      warned = true;
    }
    await new Promise((r) => setTimeout(r, Math.min(250, o.ttlMs / 4)));
  }
  let stopped = false;
  let inFlight = false;
  let renewing: Promise<void> = Promise.resolve();
  const timer = setInterval(
    () => {
      if (inFlight) return; // Redis is away: the pending renewal runs when it is back
      inFlight = true;
      renewing = (async () => {
        if ((await redis.eval(RENEW, 1, key, value, String(o.ttlMs))) === 1 || stopped) return;
        // Expired while we could not renew (Redis down or restarted): free again, or someone else's now.
        if (await take()) return o.log?.(`the submitter lease of ${t.address} had expired; taken again`);
        if (stopped) return;
        stopped = true;
        clearInterval(timer);
        o.onLost(inUse(t, describeHolder(await redis.get(key)), `Redis lease ${key}, taken while this process could not renew it`));
      })()
        .catch(() => {})
        .finally(() => (inFlight = false));
    },
    Math.max(100, Math.floor(o.ttlMs / 3)),
  );
  return {
    async release() {
      const lost = stopped;
      stopped = true;
      clearInterval(timer);
      // Redis may be unreachable at shutdown: the lease then expires by itself.
      const timeout = new Promise((r) => setTimeout(r, 2000).unref());
      await Promise.race([renewing, timeout]);
      if (!lost) await Promise.race([redis.eval(RELEASE, 1, key, value).catch(() => {}), timeout]);
      redis.disconnect();
    },
  };
}
