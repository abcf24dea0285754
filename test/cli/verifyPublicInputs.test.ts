/**
 * `zkinfer verify` on a model with public inputs (the public-inputs fixture, built by
 * `npm run build:models`): a valid proof passes; a public input outside the hub's [-2^B, 2^B) is
 * refused before any pairing, as the hub refuses it; a changed in-range input fails verification.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { expect } from "chai";
import { publicInputsIndex } from "../../prover/abi/publicSignals.js";
import { command as verify } from "../../prover/cli/commands/verify.js";
import { CliContext, takeGlobalOptions } from "../../prover/cli/context.js";
import { toField } from "../../prover/field.js";
import { ModelProver, type ProveReturnType } from "../../prover/prove/prover.js";

const specPath = fileURLToPath(new URL("../fixtures/public-inputs.json", import.meta.url));

describe("zkinfer verify: public inputs", function () {
  this.timeout(120_000);
  let proved: ProveReturnType;
  let bits: number;
  const dir = mkdtempSync(join(tmpdir(), "zkinfer-verify-"));
  const write = (name: string, signals: bigint[]) => {
    const path = join(dir, name);
    writeFileSync(path, JSON.stringify({ proof: proved.proof, publicSignals: signals.map(String) }));
    return path;
  };
  const quietly = async (argv: string[]) => {
    const log = console.log;
    const lines: string[] = [];
    console.log = (line: string) => lines.push(line);
    try {
      const { options, rest } = takeGlobalOptions(argv);
      return { code: await verify.run(rest, new CliContext(options)), out: lines.join("\n") };
    } finally {
      console.log = log;
    }
  };

  before(async () => {
    const prover = await ModelProver.load(specPath);
    bits = prover.ir.visibility.publicInputBits!;
    proved = await prover.prove({ features: { a: -4, b: 8, c: 1 }, subject: "0x00000000000000000000000000000000000000c3", nonce: 9n });
  });

  it("accepts the valid proof", async () => {
    const { code, out } = await quietly([specPath, write("ok.json", proved.publicSignals)]);
    expect(out).to.match(/^valid proof of public-inputs@1\.0\.0/);
    expect(code).to.equal(0);
  });

  it("refuses a public input outside [-2^B, 2^B), naming the feature", async () => {
    const signals = proved.publicSignals.slice();
    signals[publicInputsIndex(1) + 1] = 1n << BigInt(bits);
    const { code, out } = await quietly([specPath, write("range.json", signals)]);
    expect(out).to.contain("public input `b`");
    expect(code).to.equal(1);
  });

  it("fails a proof whose in-range public input was changed", async () => {
    const signals = proved.publicSignals.slice();
    signals[publicInputsIndex(1)] = toField(proved.decoded.inputs![0]! + 1n);
    const { code, out } = await quietly([specPath, write("changed.json", signals)]);
    expect(out).to.equal("invalid proof");
    expect(code).to.equal(1);
  });
});
