/**
 * compareRuntimeCode: what `zkinfer verify-deployment` and `zkinfer serve --hub` accept as "the
 * verifier we compiled" (docs/SECURITY.md C39, issue 22). Only the compiler's metadata trailer may
 * differ, and only when it is well formed and of the same shape; everything else fails, naming where.
 * The attacks through a real node and the CLI are in test/cli/deploy.test.ts.
 */
import { expect } from "chai";
import { join } from "node:path";
import type { Hex } from "viem";
import { REPO_ROOT } from "../../prover/artifacts/paths.js";
import { compareRuntimeCode, compileContract, metadataTrailer, sameRuntimeCode } from "../../prover/chain/compileVerifier.js";

describe("compareRuntimeCode (verifier code must be exactly the compiled one)", function () {
  this.timeout(120_000);
  let runtime: string;
  let body: string;
  let trailer: string;
  before(() => {
    const c = compileContract(join(REPO_ROOT, "contracts", "test", "MockInferenceVerifier.sol"), "MockInferenceVerifier");
    runtime = c.deployedBytecode.slice(2);
    const length = parseInt(runtime.slice(-4), 16);
    trailer = runtime.slice(-(2 * length + 4));
    body = runtime.slice(0, -trailer.length);
  });
  const hex = (s: string) => `0x${s}` as Hex;
  const reason = (code: string) => {
    const r = compareRuntimeCode(hex(code), hex(runtime));
    return r.equal ? "equal" : r.reason;
  };

  it("parses solc's trailer: ipfs hash and compiler version, ending where its length says", () => {
    const t = metadataTrailer(hex(runtime))!;
    expect(t.entries.map((e) => [e.key, e.value.length])).to.deep.equal([
      ["ipfs", 34],
      ["solc", 3],
    ]);
    expect(t.body.length * 2).to.equal(body.length);
  });

  it("accepts the same program with another source hash in its trailer", () => {
    const other = trailer.replace(/(a264697066735822)([0-9a-f]{68})/, (_m, p: string, h: string) => p + h.split("").reverse().join(""));
    expect(other).to.not.equal(trailer);
    expect(reason(body + other)).to.equal("equal");
    expect(sameRuntimeCode(hex(body + other), hex(runtime))).to.equal(true);
  });

  it("names the first differing byte range of a changed byte", () => {
    const at = 40;
    const flipped = body.slice(0, 2 * at) + (body.slice(2 * at, 2 * at + 2) === "00" ? "01" : "00") + body.slice(2 * at + 2);
    expect(reason(flipped + trailer)).to.match(new RegExp(`^bytes \\[${at}, ${at + 1}\\) differ`));
  });

  it("refuses code that only contains the compiled program (extra code before the trailer, or after it)", () => {
    expect(reason(body + "600160005260206000f3" + trailer)).to.include(
      `the code is ${body.length / 2 + 10} bytes before its metadata, expected ${body.length / 2}`,
    );
    expect(reason("600160005260206000f3" + body + trailer)).to.match(/^bytes \[\d+, \d+\) differ/);
    // Appended after the trailer: the last two bytes are no longer a trailer length that parses.
    expect(reason(runtime + "00")).to.not.equal("equal");
    expect(reason(runtime + runtime)).to.not.equal("equal");
  });

  it("refuses a trailer that is missing, too long for the code, malformed, or of another compiler", () => {
    expect(reason(body)).to.not.equal("equal");
    expect(reason(body + trailer.slice(0, -4) + "ffff")).to.not.equal("equal");
    // A length that covers one more byte than the CBOR map: the map does not end where the length says.
    const longer = (parseInt(trailer.slice(-4), 16) + 1).toString(16).padStart(4, "0");
    expect(reason(body + "00" + trailer.slice(0, -4) + longer)).to.not.equal("equal");
    // The CBOR map header claims more entries than there are.
    expect(reason(body + "a3" + trailer.slice(2))).to.not.equal("equal");
    // Another solc version (the 3 bytes after "solc" 0x43).
    const otherSolc = trailer.replace(/(64736f6c6343)([0-9a-f]{6})/, "$1000800");
    expect(otherSolc).to.not.equal(trailer);
    expect(reason(body + otherSolc)).to.match(/^compiled by solc 0\.8\.0, expected 0\.8\.\d+/);
  });

  it("refuses an EIP-1167 proxy, empty code, and no code", () => {
    const proxy = `363d3d373d3d3d363d73${"11".repeat(20)}5af43d82803e903d91602b57fd5bf3`;
    expect(reason(proxy)).to.not.equal("equal");
    expect(compareRuntimeCode("0x", hex(runtime))).to.deep.equal({ equal: false, reason: "there is no code at the address" });
    expect(compareRuntimeCode(undefined, hex(runtime)).equal).to.equal(false);
  });
});
