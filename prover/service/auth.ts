/**
 * API keys. The service stores only SHA-256 hashes of the keys it accepts (a leaked configuration
 * or database holds no usable key); clients send `Authorization: Bearer <key>`. Keys are random
 * 32-byte strings, so a fast hash is enough (no password stretching needed for high-entropy secrets).
 */
import { createHash, randomBytes, timingSafeEqual } from "node:crypto";

export function hashApiKey(key: string): string {
  return createHash("sha256").update(key, "utf8").digest("hex");
}

/** A new key for a client: hand out the key, configure the service with its hash. */
export function newApiKey(): { key: string; hash: string } {
  const key = `zki_${randomBytes(32).toString("base64url")}`;
  return { key, hash: hashApiKey(key) };
}

export class ApiKeys {
  private readonly hashes: Buffer[];

  constructor(hashes: readonly string[]) {
    for (const h of hashes) {
      if (!/^[0-9a-f]{64}$/.test(h))
        throw new TypeError(
          `API key hash "${h.slice(0, 12)}..." is not a hex SHA-256 digest (64 lower-case hex characters); hash keys with \`zkinfer serve --hash-key <key>\`.`,
        );
    }
    this.hashes = hashes.map((h) => Buffer.from(h, "hex"));
  }

  /**
   * The tenant the Authorization header's key belongs to (its hash, as configured), or undefined for
   * a missing or unknown key; constant time in the key's hash. Jobs and idempotency keys are scoped
   * to it: one key never sees another key's jobs (docs/SECURITY.md, "Prover service").
   */
  identify(authorization: string | undefined): string | undefined {
    const match = /^Bearer (\S+)$/.exec(authorization ?? "");
    if (!match) return undefined;
    const digest = Buffer.from(hashApiKey(match[1]!), "hex");
    let ok = false;
    for (const h of this.hashes) ok = timingSafeEqual(h, digest) || ok;
    return ok ? digest.toString("hex") : undefined;
  }
}
