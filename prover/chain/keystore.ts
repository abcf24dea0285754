/**
 * The deployer's key: from $ZKINFER_PRIVATE_KEY, or from an encrypted JSON keystore (the Web3 Secret
 * Storage v3 format that geth, `cast wallet import` and ethers write) unlocked with
 * $ZKINFER_KEYSTORE_PASSWORD. Never from a command-line argument, where it would land in shell history
 * and `ps`. The keystore is decrypted in memory with node:crypto's scrypt/pbkdf2 and AES-128-CTR; its
 * MAC (keccak256 of the key's second half and the ciphertext) is checked first, so a wrong password is
 * reported as such instead of yielding a wrong key.
 */
import { createDecipheriv, pbkdf2Sync, scryptSync, timingSafeEqual } from "node:crypto";
import { readFileSync } from "node:fs";
import { keccak256, type Hex } from "viem";
import { ZkinferError } from "../errors.js";

export interface LoadPrivateKeyParameters {
  keystore?: string;
  env?: NodeJS.ProcessEnv;
}

export function loadPrivateKey({ keystore, env = process.env }: LoadPrivateKeyParameters): Hex {
  if (keystore) {
    const password = env.ZKINFER_KEYSTORE_PASSWORD;
    if (password === undefined) throw new ZkinferError("Set ZKINFER_KEYSTORE_PASSWORD to the password of the keystore given with --keystore.");
    let json: string;
    try {
      json = readFileSync(keystore, "utf8");
    } catch (cause) {
      throw new ZkinferError(
        `cannot read the keystore ${keystore}: ${(cause as NodeJS.ErrnoException).code === "ENOENT" ? "no such file" : (cause as Error).message}`,
        {
          cause,
        },
      );
    }
    return decryptKeystore(json, password, keystore);
  }
  const key = env.ZKINFER_PRIVATE_KEY;
  if (!key || !/^0x[0-9a-fA-F]{64}$/.test(key)) {
    throw new ZkinferError(
      "Set ZKINFER_PRIVATE_KEY to the signing account's (deployer's or model owner's) 0x-prefixed 32-byte private key, or pass --keystore <file> with ZKINFER_KEYSTORE_PASSWORD.",
    );
  }
  return key as Hex;
}

interface KeystoreV3 {
  version: number;
  crypto: {
    cipher: string;
    ciphertext: string;
    cipherparams: { iv: string };
    kdf: "scrypt" | "pbkdf2";
    kdfparams: { dklen: number; salt: string; n?: number; r?: number; p?: number; c?: number; prf?: string };
    mac: string;
  };
}

export function decryptKeystore(json: string, password: string, source = "the keystore"): Hex {
  let ks: KeystoreV3;
  try {
    ks = JSON.parse(json);
    ks = { ...ks, crypto: ks.crypto ?? (ks as unknown as { Crypto: KeystoreV3["crypto"] }).Crypto };
  } catch (cause) {
    throw new ZkinferError(`${source} is not JSON: give a v3 keystore file.`, { cause });
  }
  const c = ks.crypto;
  if (ks.version !== 3 || !c || c.cipher !== "aes-128-ctr") throw new ZkinferError(`${source} is not a version-3 keystore with aes-128-ctr.`);
  const salt = Buffer.from(c.kdfparams.salt, "hex");
  const { dklen } = c.kdfparams;
  let derived: Buffer;
  if (c.kdf === "scrypt") {
    const { n, r, p } = c.kdfparams as Required<KeystoreV3["crypto"]["kdfparams"]>;
    derived = scryptSync(password.normalize("NFKC"), salt, dklen, { N: n, r, p, maxmem: 256 * n * r + 1024 * 1024 });
  } else if (c.kdf === "pbkdf2" && c.kdfparams.prf === "hmac-sha256") {
    derived = pbkdf2Sync(password.normalize("NFKC"), salt, c.kdfparams.c!, dklen, "sha256");
  } else {
    throw new ZkinferError(`${source} uses the key derivation ${c.kdf}; zkinfer reads scrypt and pbkdf2 (hmac-sha256).`);
  }
  const ciphertext = Buffer.from(c.ciphertext, "hex");
  const mac = Buffer.from(keccak256(Buffer.concat([derived.subarray(16, 32), ciphertext])).slice(2), "hex");
  const expected = Buffer.from(c.mac, "hex");
  if (mac.length !== expected.length || !timingSafeEqual(mac, expected)) throw new ZkinferError(`wrong password for ${source} (its MAC does not match).`);
  const decipher = createDecipheriv("aes-128-ctr", derived.subarray(0, 16), Buffer.from(c.cipherparams.iv, "hex"));
  const key = Buffer.concat([decipher.update(ciphertext), decipher.final()]);
  return `0x${key.toString("hex").padStart(64, "0")}`;
}
