/**
 * Issue 12, fresh-clone failure 1: on a fresh clone `npm run demo` then `npm run bench` failed with
 * `HHE1000: Artifact for contract "CreditLogisticVerifier" not found`: the bench wrote a new verifier
 * and compiled it, but its process had already read an artifact (its first deployment), and Hardhat's
 * artifact manager maps contract names to files once. Reproduced in this process: read an artifact,
 * write a contract that has never been compiled, compile, and load it, through
 * scripts/compile-contracts.ts, which the demo and the benches use.
 */
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { expect } from "chai";
import hre from "hardhat";
import { generatedContractsDir } from "../../prover/artifacts/paths.js";
import { compileContracts } from "../../scripts/compile-contracts.js";

describe("contracts written after the first deployment of a process (issue 12, fresh-clone failure 1)", function () {
  this.timeout(600_000);
  const name = `FreshCloneProbe${process.pid}`;
  const dir = join(generatedContractsDir(), `fresh-clone-probe-${process.pid}`);
  after(async () => {
    rmSync(dir, { recursive: true, force: true });
    await compileContracts(hre); // drops the probe's artifacts again
  });

  it("loads a verifier compiled after the process first read an artifact (HHE1000 before)", async () => {
    // The demo's deployment: the artifact manager builds its name -> file map now.
    expect((await hre.artifacts.readArtifact("InferenceHub")).contractName).to.equal("InferenceHub");
    mkdirSync(dir, { recursive: true });
    writeFileSync(
      join(dir, `${name}.sol`),
      `// SPDX-License-Identifier: MIT\npragma solidity ^0.8.24;\n\n/// A contract no earlier build saw, as the bench's freshly generated verifier.\ncontract ${name} {\n    function answer() external pure returns (uint256) {\n        return 42;\n    }\n}\n`,
    );
    await compileContracts(hre);
    const artifact = await hre.artifacts.readArtifact(name);
    expect(artifact.contractName).to.equal(name);
    expect(artifact.bytecode.length).to.be.greaterThan(2);
  });
});
