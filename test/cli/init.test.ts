/**
 * `zkinfer init <dir>`: the scaffold's files (config, spec, consumer, Hardhat setup, test) are
 * consistent with each other and with zkinfer, and a non-empty directory is refused with one line.
 * The scaffold's own test (npm install of the packed tarball, then npm test) runs in
 * scripts/test-examples.sh: it needs the network of packages and minutes, not a unit test's budget.
 */
import { existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { expect } from "chai";
import { REPO_ROOT } from "../../prover/artifacts/paths.js";
import { SOLC_SETTINGS } from "../../prover/chain/solcSettings.js";
import { initProject } from "../../prover/cli/commands/init.js";
import { decodeOutputs, runReference } from "../../prover/model/interpret.js";
import { lowerModel } from "../../prover/model/ir.js";
import { readModelSpec } from "../../prover/model/spec.js";
import { zkinferCli } from "../helpers/cli.js";

const require = createRequire(import.meta.url);
const fresh = () => join(mkdtempSync(join(tmpdir(), "zkinfer-init-")), "my-dapp");

describe("zkinfer init", () => {
  it("writes a config, a model spec, a consumer, a Hardhat setup and a test that agree with each other", () => {
    const dir = fresh();
    const files = initProject(dir, { model: "loan-score", zkinfer: "file:../zkinfer-0.1.0.tgz" });
    expect(files.sort()).to.deep.equal(
      [
        ".gitignore",
        "README.md",
        "contracts/LoanScoreConsumer.sol",
        "hardhat.config.ts",
        "models/loan-score/spec.json",
        "package.json",
        "test/loan-score.test.ts",
        "tsconfig.json",
        "zkinfer.config.json",
      ].sort(),
    );
    const pkg = JSON.parse(readFileSync(join(dir, "package.json"), "utf8"));
    expect(pkg.name).to.equal("my-dapp");
    expect(pkg.dependencies.zkinfer).to.equal("file:../zkinfer-0.1.0.tgz");
    // The scaffold's pins are zkinfer's own (one set of versions to keep working).
    const ownPackage = JSON.parse(readFileSync(join(REPO_ROOT, "package.json"), "utf8"));
    const own = { ...ownPackage.devDependencies, ...ownPackage.dependencies };
    for (const [name, version] of Object.entries(pkg.devDependencies)) expect(own[name], name).to.equal(version);
    const config = JSON.parse(readFileSync(join(dir, "zkinfer.config.json"), "utf8"));
    expect(config.defaultNetwork).to.be.oneOf(Object.keys(config.networks));
    const specPath = resolve(dir, config.models["loan-score"].spec);
    expect(pkg.scripts.test).to.contain(config.models["loan-score"].spec);
    // The spec is a valid zkinfer model, and the test's expected score is what the model computes.
    const ir = lowerModel(readModelSpec(specPath));
    expect(ir.name).to.equal("loan-score");
    const result = runReference(ir, { income: 120, debt: 40 });
    expect(decodeOutputs(ir, result.outputs)).to.deep.equal([51]);
    expect(readFileSync(join(dir, "test/loan-score.test.ts"), "utf8")).to.contain(`const expected = ${result.outputs[0]! / 256n}n * 256n;`);
    expect(readFileSync(join(dir, "hardhat.config.ts"), "utf8")).to.contain('require.resolve("solc/soljson.js")');
  });

  it("compiles the scaffold and every example with zkinfer's own solc settings, never a copy of them", () => {
    // The hub needs the IR pipeline (it is "stack too deep" without it): a project that copied the
    // settings before viaIR was added could not compile it.
    expect(SOLC_SETTINGS.viaIR).to.equal(true);
    const dir = fresh();
    initProject(dir, { model: "starter-model", zkinfer: "0.1.0" });
    const configs = [
      join(dir, "hardhat.config.ts"),
      ...readdirSync(join(REPO_ROOT, "examples")).map((e) => join(REPO_ROOT, "examples", e, "hardhat.config.ts")),
    ];
    for (const path of configs) {
      const text = readFileSync(path, "utf8");
      expect(text, path).to.contain('import { SOLC_SETTINGS, SOLC_VERSION } from "zkinfer/solc";');
      expect(text, path).to.match(/settings: structuredClone\(SOLC_SETTINGS\)/);
      expect(text, path).to.not.match(/optimizer|evmVersion|"0\.8\.\d+"/);
    }
  });

  it("writes a consumer contract that compiles against zkinfer's IInferenceConsumer", () => {
    const dir = fresh();
    initProject(dir, { model: "starter-model", zkinfer: "0.1.0" });
    const solc = require("solc") as { compile(input: string, o: { import: (p: string) => { contents: string } | { error: string } }): string };
    const source = "contracts/StarterModelConsumer.sol";
    const out = JSON.parse(
      solc.compile(
        JSON.stringify({
          language: "Solidity",
          sources: { [source]: { content: readFileSync(join(dir, source), "utf8") } },
          settings: { ...SOLC_SETTINGS, viaIR: false, outputSelection: { "*": { "*": ["abi"] } } },
        }),
        {
          import: (p) =>
            p.startsWith("zkinfer/contracts/") ? { contents: readFileSync(join(REPO_ROOT, p.slice("zkinfer/".length)), "utf8") } : { error: `${p} not found` },
        },
      ),
    );
    expect((out.errors ?? []).filter((e: { severity: string }) => e.severity === "error")).to.deep.equal([]);
    const abi = out.contracts[source].StarterModelConsumer.abi as { name?: string }[];
    expect(abi.map((f) => f.name)).to.include.members(["onInferenceVerified", "scoreOf", "hub", "modelId"]);
  });

  it("refuses a non-empty directory with one line, exit 1, and writes nothing", async () => {
    const dir = fresh();
    initProject(dir, { model: "starter-model", zkinfer: "0.1.0" });
    writeFileSync(join(dir, "README.md"), "mine\n");
    const before = readdirSync(dir).sort();
    const r = await zkinferCli(["init", dir]);
    expect(r.code).to.equal(1);
    expect(r.stderr.trim().split("\n")).to.have.length(1);
    expect(r.stderr).to.contain(`${dir} is not empty`);
    expect(readdirSync(dir).sort()).to.deep.equal(before);
    expect(readFileSync(join(dir, "README.md"), "utf8")).to.equal("mine\n");
  });

  it("creates the directory from the CLI, and refuses a model name that is not kebab-case (exit 2)", async () => {
    const dir = fresh();
    const ok = await zkinferCli(["init", dir, "--zkinfer", "0.1.0"]);
    expect(ok.code, ok.stderr).to.equal(0);
    expect(ok.stdout).to.contain("npm install && npm test");
    expect(existsSync(join(dir, "zkinfer.config.json"))).to.equal(true);
    const bad = await zkinferCli(["init", fresh(), "--model", "Loan_Score"]);
    expect(bad.code).to.equal(2);
    expect(bad.stderr).to.contain("--model must be kebab-case");
    const none = await zkinferCli(["init"]);
    expect(none.code).to.equal(2);
  });
});
