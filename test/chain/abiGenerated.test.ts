import { expect } from "chai";
import { readFileSync } from "node:fs";
import { GENERATED_ABI_PATH, renderAbiModule } from "../../scripts/generate-abi.js";

describe("prover/chain/abi.generated.ts", function () {
  it("matches the compiled contracts (regenerate with `npm run generate:abi`)", function () {
    // The test runner compiles the contracts first, so the artifacts are the sources' current ABIs.
    expect(readFileSync(GENERATED_ABI_PATH, "utf8")).to.equal(renderAbiModule(), "abi.generated.ts is stale: run `npm run generate:abi` and commit it");
  });
});
