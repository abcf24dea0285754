/**
 * Attester key files (docs/ATTESTATION.md): JSON holding the 32-byte private key and, for
 * convenience, the public key and its Poseidon hash. Written with mode 0600 and never printed;
 * refused on read when others can read it (as ssh refuses a private key with loose permissions).
 *
 * ```json
 * { "format": "zkinfer-attester-key/v1", "privateKey": "<64 hex>", "publicKey": { "x": "…", "y": "…" }, "keyHash": "…" }
 * ```
 */
import { chmodSync, closeSync, openSync, readFileSync, renameSync, statSync, writeSync } from "node:fs";
import { z } from "zod";
import { attesterKeyFromPrivate, type AttesterKey } from "./attestation.js";
import { AttesterKeyError } from "./errors.js";

export const ATTESTER_KEY_FORMAT = "zkinfer-attester-key/v1";

const keyFileSchema = z
  .object({
    format: z.literal(ATTESTER_KEY_FORMAT),
    privateKey: z.string().regex(/^[0-9a-f]{64}$/, "must be 64 lowercase hex digits"),
    publicKey: z.object({ x: z.string(), y: z.string() }).strict(),
    keyHash: z.string(),
  })
  .strict();

/**
 * Writes `key` to `path` with mode 0600. Refuses to overwrite an existing file unless `force`
 * (losing a bureau's key by a typo would orphan every attestation it made).
 *
 * @example
 * await writeAttesterKeyFile("bureau.key", await generateAttesterKey());
 */
export function writeAttesterKeyFile(path: string, key: AttesterKey, { force = false }: { force?: boolean } = {}): void {
  const text =
    JSON.stringify(
      {
        format: ATTESTER_KEY_FORMAT,
        privateKey: key.privateKey.toString("hex"),
        publicKey: { x: key.publicKey.x.toString(), y: key.publicKey.y.toString() },
        keyHash: key.keyHash.toString(),
      },
      null,
      2,
    ) + "\n";
  // Created 0600 from the start (never world-readable, even for an instant); with --force, a fresh
  // file replaces the old one by rename, so an old file's looser mode is not inherited.
  const target = force ? `${path}.${process.pid}.tmp` : path;
  let fd: number;
  try {
    fd = openSync(target, force ? "w" : "wx", 0o600);
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code;
    throw new AttesterKeyError(
      code === "EEXIST"
        ? `${path} already exists; refusing to overwrite a key (pass --force to replace it)`
        : `cannot write ${path}: ${(cause as Error).message}`,
      { cause },
    );
  }
  try {
    writeSync(fd, text);
  } finally {
    closeSync(fd);
  }
  chmodSync(target, 0o600); // the umask can only remove bits; this makes the mode exact
  if (force) renameSync(target, path);
}

/** Reads and checks a key file: mode, format, and that the public key matches the private one. */
export async function readAttesterKeyFile(path: string): Promise<AttesterKey> {
  let mode: number;
  let text: string;
  try {
    mode = statSync(path).mode;
    text = readFileSync(path, "utf8");
  } catch (cause) {
    throw new AttesterKeyError(`cannot read the attester key ${path}: ${(cause as Error).message}`, { cause });
  }
  if ((mode & 0o077) !== 0) {
    throw new AttesterKeyError(
      `the attester key ${path} is readable by others (mode ${(mode & 0o777).toString(8)}); run \`chmod 600 ${path}\`, ` +
        `and make a new key if others may have read it`,
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new AttesterKeyError(`the attester key ${path} is not valid JSON`);
  }
  const parsed = keyFileSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new AttesterKeyError(`invalid attester key ${path}: ${issue.path.join(".") || "(root)"}: ${issue.message}`);
  }
  const key = await attesterKeyFromPrivate(Buffer.from(parsed.data.privateKey, "hex"));
  if (
    key.publicKey.x.toString() !== parsed.data.publicKey.x ||
    key.publicKey.y.toString() !== parsed.data.publicKey.y ||
    key.keyHash.toString() !== parsed.data.keyHash
  ) {
    throw new AttesterKeyError(`the attester key ${path} is inconsistent: its publicKey/keyHash do not belong to its privateKey`);
  }
  return key;
}
