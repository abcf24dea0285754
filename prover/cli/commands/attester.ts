/**
 * `zkinfer attester keygen --out <file>`: makes an attester (bureau) key. The private key goes to
 * the file only (mode 0600) and is never printed; the command prints the public key and the key
 * hash a model owner trusts with `hub.trustAttester(modelId, keyHash)`.
 *
 * `zkinfer attester show <file>`: prints a key file's public key and key hash.
 */
import { parseArgs } from "node:util";
import { generateAttesterKey, type AttesterKey } from "../../attest/attestation.js";
import { readAttesterKeyFile, writeAttesterKeyFile } from "../../attest/keyFile.js";
import type { Command } from "../command.js";
import { UsageError } from "../usage.js";

export const command: Command = {
  usage: "keygen --out <file> [--force] | show <file>",
  summary:
    "keygen writes a new Baby Jubjub attester key to <file> (mode 0600, never printed; --force replaces an existing file) " +
    "and prints its public key and key hash, which the model owner trusts on-chain. show prints a key file's public key and key hash.",
  async run(argv) {
    const { positionals, values } = parseArgs({
      args: argv,
      allowPositionals: true,
      options: { out: { type: "string" }, force: { type: "boolean", default: false } },
    });
    const [sub, ...rest] = positionals;
    if (sub === "keygen") {
      if (!values.out || rest.length > 0) throw new UsageError("usage: zkinfer attester keygen --out <file>");
      const key = await generateAttesterKey();
      writeAttesterKeyFile(values.out, key, { force: values.force });
      console.log(`wrote a new attester key to ${values.out} (mode 0600: keep it secret, back it up)`);
      printPublic(key);
      return;
    }
    if (sub === "show") {
      if (rest.length !== 1) throw new UsageError("usage: zkinfer attester show <file>");
      printPublic(await readAttesterKeyFile(rest[0]!));
      return;
    }
    throw new UsageError(`unknown subcommand ${sub === undefined ? "(none)" : `\`${sub}\``}: expected keygen or show`);
  },
};

function printPublic(key: AttesterKey): void {
  console.log(`public key: x = ${key.publicKey.x}`);
  console.log(`            y = ${key.publicKey.y}`);
  console.log(`key hash:   ${key.keyHash}`);
  console.log(`trust it:   hub.trustAttester(modelId, ${key.keyHash})`);
}
