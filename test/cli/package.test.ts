/**
 * The package as someone else's project uses it: `npm pack` (which builds dist/), the tarball installed
 * into a fresh project outside the repository (offline, from npm's cache: scripts/dev/installPacked.ts),
 * then plain TypeScript compiled with that project's own tsc and run with node (no tsx, no clone):
 * every entry point imports and type-checks, a model of the project's own builds, proves and verifies,
 * the project's own consumer contract (importing `zkinfer/contracts/...`) is found and compiled, and the
 * `zkinfer` bin runs from the compiled JS with the project's zkinfer.config.json.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import { REPO_ROOT } from "../../prover/artifacts/paths.js";
import { installPacked } from "../../scripts/dev/installPacked.js";

const NODE_BIN = join(REPO_ROOT, "node_modules", ".bin");
/** Node 22 first on PATH (the pinned `node` devDependency), as `npm run` gives it; no repository env leaks in. */
function env(): NodeJS.ProcessEnv {
  const { ZKINFER_BUILD_DIR: _b, NODE_OPTIONS: _n, ...rest } = process.env;
  return { ...rest, PATH: `${NODE_BIN}:${process.env.PATH}` };
}

const SPEC = {
  name: "user-model",
  version: "1.0.0",
  description: "A dApp's own model (package test).",
  fixedPoint: { inputBits: 4, weightBits: 10, activationBits: 6 },
  features: [
    { name: "a", unit: "1", min: -4, max: 4 },
    { name: "b", unit: "1", min: 0, max: 8 },
  ],
  layers: [
    { type: "dense", weights: [[0.5, -0.25]], bias: [0.1] },
    { type: "output", outputs: [{ name: "score", unit: "1" }] },
  ],
};

const CONSUMER = `// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IInferenceConsumer} from "zkinfer/contracts/interfaces/IInferenceConsumer.sol";

contract UserGate is IInferenceConsumer {
    event Decided(address indexed subject, uint256 score);

    function onInferenceVerified(uint256, address subject, uint256, uint256[] calldata outputs) external {
        emit Decided(subject, outputs[0]);
    }
}
`;

/** The user's program: every entry point, used as the README says. */
const MAIN = `import { readFileSync } from "node:fs";
import { inferenceConsumerAbi, inferenceHubAbi } from "zkinfer/abi";
import { findContract, LOCAL_CHAIN_IDS } from "zkinfer/chain";
import { loadConfig } from "zkinfer/config";
import { artifactPath, buildModel, ModelProver, verifySnarkProof } from "zkinfer/prover";
import { decodePublicSignals, ZkinferError } from "zkinfer/sdk";
import type { ProverWorkerClient } from "zkinfer/browser";

const config = loadConfig();
if (!config) throw new Error("no zkinfer.config.json found");
const spec = config.models["user-model"]!.spec;
process.env.ZKINFER_BUILD_DIR = config.buildDir;
const built = await buildModel({ specPath: spec });
const prover = await ModelProver.load(spec);
const proved = await prover.prove({ features: { a: 3, b: 2 }, subject: "0x00000000000000000000000000000000000000a1", nonce: 5n });
const vkey = JSON.parse(readFileSync(artifactPath(built.name, "vkey"), "utf8"));
const valid = await verifySnarkProof(vkey, proved.publicSignals, proved.proof);
const signals = decodePublicSignals(proved.publicSignals, 1);
const gate = findContract("UserGate", { contractsDir: config.contractsDir });
const onVerified = inferenceConsumerAbi.find((x) => x.type === "function")!.name;
const browserType: ProverWorkerClient | undefined = undefined;
console.log(
  JSON.stringify({
    valid,
    nonce: signals.nonce.toString(),
    hubFunctions: inferenceHubAbi.filter((x) => x.type === "function").length,
    onVerified,
    gateBytecode: gate.bytecode.length,
    gateEvents: gate.abi.filter((x) => x.type === "event").map((x) => (x as { name: string }).name),
    localChain: LOCAL_CHAIN_IDS.has(31337),
    errorClass: new ZkinferError("x").name,
    browserType: browserType === undefined,
    buildDir: config.buildDir,
  }),
);
process.exit(0);
`;

describe("the npm package, installed in a project outside the repository", function () {
  this.timeout(900_000);
  const work = realpathSync(mkdtempSync(join(tmpdir(), "zkinfer-package-")));
  const project = join(work, "dapp");
  let tarball: string;
  after(() => rmSync(work, { recursive: true, force: true }));

  before(function () {
    // `npm pack` runs prepack (npm run build:package): what a publish would ship.
    execFileSync("npm", ["pack", "--pack-destination", work], { cwd: REPO_ROOT, env: env(), stdio: ["ignore", "ignore", "pipe"] });
    tarball = join(
      work,
      readdirSync(work).find((f) => f.endsWith(".tgz"))!,
    );
    mkdirSync(join(project, "models", "user-model"), { recursive: true });
    mkdirSync(join(project, "contracts"), { recursive: true });
    mkdirSync(join(project, "src"), { recursive: true });
    writeFileSync(join(project, "package.json"), JSON.stringify({ name: "zkinfer-user", private: true, type: "module" }));
    installPacked({ tarball, dir: project, extra: ["typescript", "@types/node"], env: env() });
    writeFileSync(join(project, "models", "user-model", "spec.json"), JSON.stringify(SPEC, null, 2));
    writeFileSync(join(project, "contracts", "UserGate.sol"), CONSUMER);
    writeFileSync(join(project, "input.json"), JSON.stringify({ a: 3, b: 2 }));
    writeFileSync(
      join(project, "zkinfer.config.json"),
      JSON.stringify({ networks: { local: { rpc: "http://127.0.0.1:8545", chainId: 31337 } }, models: { "user-model": { spec: "models/user-model" } } }),
    );
    writeFileSync(
      join(project, "tsconfig.json"),
      JSON.stringify({
        compilerOptions: {
          target: "ES2022",
          module: "NodeNext",
          moduleResolution: "NodeNext",
          strict: true,
          outDir: "dist",
          types: ["node"],
          skipLibCheck: true,
        },
        include: ["src"],
      }),
    );
    writeFileSync(join(project, "src", "main.ts"), MAIN);
  });

  it("ships dist/, the contracts and the circuit templates, and no TypeScript sources or test mocks", () => {
    const listing = execFileSync("tar", ["-tzf", tarball], { encoding: "utf8" }).split("\n");
    expect(listing).to.include.members([
      "package/dist/prover/cli/run.js",
      "package/dist/prover/prove/index.d.ts",
      "package/dist/artifacts/contracts/InferenceHub.sol/InferenceHub.json",
      "package/contracts/interfaces/IInferenceConsumer.sol",
      "package/circuits/lib/rescale.circom",
      "package/bin/zkinfer.js",
    ]);
    expect(listing.filter((f) => f.startsWith("package/prover/") || f.startsWith("package/contracts/test/") || f.startsWith("package/test/"))).to.deep.equal(
      [],
    );
  });

  it("resolves every entry point inside the project's node_modules, never the repository", () => {
    const entries = [
      "zkinfer/sdk",
      "zkinfer/abi",
      "zkinfer/chain",
      "zkinfer/prover",
      "zkinfer/browser",
      "zkinfer/config",
      "zkinfer/solc",
      "zkinfer/package.json",
    ];
    const script = `for (const e of ${JSON.stringify(entries)}) console.log(import.meta.resolve(e));`;
    const out = execFileSync("node", ["--input-type=module", "-e", script], { cwd: project, env: env(), encoding: "utf8" }).trim().split("\n");
    expect(out).to.have.length(entries.length);
    for (const url of out) expect(url.startsWith(`file://${project}/node_modules/zkinfer/`), url).to.equal(true);
    expect(existsSync(join(project, "node_modules", "zkinfer", "prover"))).to.equal(false);
  });

  it("type-checks and compiles the project's TypeScript with its own tsc, then builds, proves and verifies with plain node", () => {
    const tsc = spawnSync("node", [join(project, "node_modules", "typescript", "bin", "tsc"), "-p", "."], { cwd: project, env: env(), encoding: "utf8" });
    expect(tsc.status, tsc.stdout + tsc.stderr).to.equal(0);
    const run = spawnSync("node", ["dist/main.js"], { cwd: project, env: env(), encoding: "utf8" });
    expect(run.status, run.stderr).to.equal(0);
    const lines = run.stdout.trim().split("\n");
    const result = JSON.parse(lines[lines.length - 1]!);
    expect(result).to.deep.include({
      valid: true,
      nonce: "5",
      onVerified: "onInferenceVerified",
      localChain: true,
      errorClass: "ZkinferError",
      browserType: true,
    });
    expect(result.gateEvents).to.deep.equal(["Decided"]);
    expect(result.gateBytecode).to.be.greaterThan(100);
    expect(result.hubFunctions).to.be.greaterThan(20);
    expect(result.buildDir).to.equal(join(project, "build"));
    expect(existsSync(join(project, "build", "models", "user-model", "verification_key.json"))).to.equal(true);
  });

  it("runs the zkinfer bin from the compiled JS: --version, prove and verify by the config's model name, one-line usage errors", () => {
    const zkinfer = (...args: string[]) => spawnSync(join(project, "node_modules", ".bin", "zkinfer"), args, { cwd: project, env: env(), encoding: "utf8" });
    const version = zkinfer("--version");
    expect(version.status).to.equal(0);
    expect(version.stdout.trim()).to.equal(JSON.parse(readFileSync(join(REPO_ROOT, "package.json"), "utf8")).version);

    const proved = zkinfer("prove", "user-model", "--input", "input.json", "--subject", "0x00000000000000000000000000000000000000b2", "--nonce", "3", "--json");
    expect(proved.status, proved.stderr).to.equal(0);
    expect(JSON.parse(proved.stdout.trim())).to.deep.include({ model: "user-model", subject: "0x00000000000000000000000000000000000000b2", nonce: "3" });
    const verified = zkinfer("verify", "user-model", "proof.json", "--json");
    expect(verified.status, verified.stdout + verified.stderr).to.equal(0);
    expect(JSON.parse(verified.stdout.trim())).to.deep.include({ valid: true, model: "user-model" });

    const noSubject = zkinfer("prove", "user-model", "--input", "input.json");
    expect(noSubject.status).to.equal(2);
    expect(noSubject.stderr.trim().split("\n")).to.have.length(1);
    expect(noSubject.stderr).to.include("--subject <0x address> is required");
  });
});
