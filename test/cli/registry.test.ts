/**
 * `zkinfer registry` as an operator runs it: its own process, over JSON-RPC, against a real
 * `hardhat node` with the hub deployed from its compiled artifact.
 */
import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { expect } from "chai";
import { ContractFactory, JsonRpcProvider, NonceManager, Wallet } from "ethers";
import { REPO_ROOT, contractArtifactPath } from "../../prover/artifacts/paths.js";
import { HARDHAT_DEV_KEY } from "../../prover/service/chain.js";
import { startLocalChain, type LocalChain } from "../../scripts/dev/localChain.js";

/** Hardhat's first two public development keys (the owner, then a stranger); never real funds. */
const DEV_KEYS = [HARDHAT_DEV_KEY, "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d"] as const;

const run = promisify(execFile);
const DELAY = 3600n;

describe("zkinfer registry (CLI over JSON-RPC)", function () {
  let chain: LocalChain;
  let hub: string;
  let verifier: string;
  let consumer: string;
  let provider: JsonRpcProvider;

  before(async function () {
    this.timeout(120_000);
    chain = await startLocalChain();
    provider = new JsonRpcProvider(chain.url);
    // NonceManager: ethers otherwise reads a cached "pending" count and reuses a nonce between deployments.
    const owner = new NonceManager(new Wallet(DEV_KEYS[0], provider));
    const deploy = async (source: string, name: string, args: unknown[]) => {
      const { abi, bytecode } = JSON.parse(readFileSync(contractArtifactPath(source, name), "utf8"));
      const contract = await new ContractFactory(abi, bytecode, owner).deploy(...args);
      await contract.waitForDeployment();
      return contract.getAddress();
    };
    hub = await deploy("InferenceHub.sol", "InferenceHub", [DELAY]);
    verifier = await deploy("test/MockInferenceVerifier.sol", "MockInferenceVerifier", []);
    consumer = await deploy("test/RecordingConsumer.sol", "RecordingConsumer", []);
  });

  after(async function () {
    provider?.destroy();
    await chain?.stop();
  });

  /** Runs the CLI; resolves to { code, stdout, stderr } whatever the exit code. */
  async function zkinfer(args: string[], key: string = DEV_KEYS[0]) {
    const env = { ...process.env, ZKINFER_PRIVATE_KEY: key };
    try {
      const { stdout, stderr } = await run(join(REPO_ROOT, "node_modules", ".bin", "tsx"), ["prover/cli/run.ts", ...args], { cwd: REPO_ROOT, env });
      return { code: 0, stdout, stderr };
    } catch (error) {
      const e = error as { code: number; stdout: string; stderr: string };
      return { code: e.code, stdout: e.stdout, stderr: e.stderr };
    }
  }
  const at = () => ["--rpc", chain.url, "--hub", hub];

  it("registers, lists and shows a model", async function () {
    const reg = await zkinfer([
      "registry",
      "register",
      ...at(),
      "--verifier",
      verifier,
      "--commitment",
      "777",
      "--outputs",
      "4",
      "--metadata",
      "zkinfer:signal-bot@1",
      "--json",
    ]);
    expect(reg.code, reg.stderr).to.equal(0);
    expect(JSON.parse(reg.stdout).modelId).to.equal("1");

    const list = JSON.parse((await zkinfer(["registry", "list", ...at(), "--json"])).stdout);
    expect(list).to.have.length(1);
    expect(list[0]).to.include({ id: "1", modelCommitment: "777", numOutputs: 4, version: 1, metadataURI: "zkinfer:signal-bot@1" });

    const show = await zkinfer(["registry", "show", "1", ...at()]);
    expect(show.stdout)
      .to.match(/model 1 \(Active, version 1\)/)
      .and.to.match(/no pending update/);
  });

  it("pauses and unpauses", async function () {
    expect((await zkinfer(["registry", "pause", "1", ...at()])).code).to.equal(0);
    expect(JSON.parse((await zkinfer(["registry", "show", "1", ...at(), "--json"])).stdout).status).to.equal("Paused");
    expect((await zkinfer(["registry", "unpause", "1", ...at()])).code).to.equal(0);
    expect(JSON.parse((await zkinfer(["registry", "show", "1", ...at(), "--json"])).stdout).status).to.equal("Active");
  });

  it("upgrades through the timelock: announce, refused before the delay, applied after", async function () {
    const announce = await zkinfer(["registry", "upgrade", "1", ...at(), "--verifier", verifier, "--commitment", "888", "--json"]);
    expect(announce.code, announce.stderr).to.equal(0);
    const readyAt = BigInt(JSON.parse(announce.stdout).readyAt);

    const early = await zkinfer(["registry", "upgrade", "1", ...at(), "--apply"]);
    expect(early.code).to.equal(1);
    expect(early.stderr).to.include(`ModelRegistryUpdateNotReady(1, ${readyAt})`).and.to.include("nothing was sent");

    await provider.send("evm_increaseTime", [Number(DELAY)]);
    await provider.send("evm_mine", []);
    const applied = await zkinfer(["registry", "upgrade", "1", ...at(), "--apply", "--json"]);
    expect(applied.code, applied.stderr).to.equal(0);
    expect(JSON.parse(applied.stdout).version).to.equal(2);
    expect(JSON.parse((await zkinfer(["registry", "show", "1", ...at(), "--json"])).stdout).modelCommitment).to.equal("888");
  });

  it("refuses a change by a non-owner, naming the custom error", async function () {
    const result = await zkinfer(["registry", "pause", "1", ...at()], DEV_KEYS[1]);
    expect(result.code).to.equal(1);
    expect(result.stderr).to.match(/ModelRegistryUnauthorizedAccount\(1, 0x70997970C51812dc3A010C7d01b50e0d17dc79C8\)/i);
  });

  it("hands a model over in two steps", async function () {
    const newOwner = new Wallet(DEV_KEYS[1]).address;
    expect((await zkinfer(["registry", "transfer", "1", newOwner, ...at()])).code).to.equal(0);
    expect(JSON.parse((await zkinfer(["registry", "show", "1", ...at(), "--json"])).stdout).owner).to.not.equal(newOwner);
    expect((await zkinfer(["registry", "accept", "1", ...at()], DEV_KEYS[1])).code).to.equal(0);
    expect(JSON.parse((await zkinfer(["registry", "show", "1", ...at(), "--json"])).stdout).owner).to.equal(newOwner);
  });

  it("retires, after which the model refuses every change", async function () {
    expect((await zkinfer(["registry", "retire", "1", ...at()], DEV_KEYS[1])).code).to.equal(0);
    const again = await zkinfer(["registry", "pause", "1", ...at()], DEV_KEYS[1]);
    expect(again.stderr).to.include("ModelRegistryUnexpectedStatus(1, 3)");
  });

  it("registers an attested model trusting its --attester, revokes it and refuses to re-trust it; a later attester waits the timelock", async function () {
    const reg = await zkinfer([
      "registry",
      "register",
      ...at(),
      "--verifier",
      verifier,
      "--commitment",
      "999",
      "--outputs",
      "1",
      "--attested",
      "--attester",
      "12345",
      "--json",
    ]);
    expect(reg.code, reg.stderr).to.equal(0);
    const id = JSON.parse(reg.stdout).modelId as string;
    const hubAbi = JSON.parse(readFileSync(contractArtifactPath("InferenceHub.sol", "InferenceHub"), "utf8")).abi;
    const { Contract } = await import("ethers");
    const contract = new Contract(hub, hubAbi, provider);
    expect((await contract.getFunction("getModel")(id)).attested).to.equal(true);

    // Trusted from registration on.
    expect(await contract.getFunction("attesterStatus")(id, 12345n)).to.equal(1n);
    expect((await zkinfer(["registry", "revoke-attester", id, "12345", ...at()])).code).to.equal(0);
    expect(await contract.getFunction("attesterStatus")(id, 12345n)).to.equal(2n);
    const again = await zkinfer(["registry", "trust-attester", id, "12345", ...at()]);
    expect(again.code).to.equal(1);
    expect(again.stderr).to.include(`ModelRegistryAttesterRevoked(${id}, 12345)`);

    // Any attester after registration is announced first and trusted by the same command after the delay.
    const announced = await zkinfer(["registry", "trust-attester", id, "777", ...at(), "--json"]);
    expect(announced.code, announced.stderr).to.equal(0);
    expect(JSON.parse(announced.stdout).announced).to.equal(true);
    expect(await contract.getFunction("attesterStatus")(id, 777n)).to.equal(0n);
    await provider.send("evm_increaseTime", [Number(DELAY)]);
    await provider.send("evm_mine", []);
    expect((await zkinfer(["registry", "trust-attester", id, "777", ...at()])).code).to.equal(0);
    expect(await contract.getFunction("attesterStatus")(id, 777n)).to.equal(1n);
  });

  it("sets a model's first consumer at once, and a later change only through the timelock", async function () {
    const id = "2";
    const first = await zkinfer(["registry", "set-consumer", id, consumer, ...at(), "--json"]);
    expect(first.code, first.stderr).to.equal(0);
    expect(JSON.parse(first.stdout).announced).to.equal(false);
    expect(JSON.parse((await zkinfer(["registry", "show", id, ...at(), "--json"])).stdout).consumer).to.equal(consumer);
    const eoa = await zkinfer(["registry", "set-consumer", id, new Wallet(DEV_KEYS[1]).address, ...at()]);
    expect(eoa.stderr).to.include("ModelRegistryInvalidConsumer");

    const zero = "0x0000000000000000000000000000000000000000";
    const announced = await zkinfer(["registry", "set-consumer", id, zero, ...at(), "--json"]);
    expect(announced.code, announced.stderr).to.equal(0);
    expect(JSON.parse(announced.stdout).announced).to.equal(true);
    expect(JSON.parse((await zkinfer(["registry", "show", id, ...at(), "--json"])).stdout).consumer).to.equal(consumer);
    const early = await zkinfer(["registry", "set-consumer", id, zero, ...at()]);
    expect(early.code).to.equal(1);
    expect(early.stderr).to.include("ModelRegistryConsumerNotReady");

    await provider.send("evm_increaseTime", [Number(DELAY)]);
    await provider.send("evm_mine", []);
    const applied = await zkinfer(["registry", "set-consumer", id, zero, ...at(), "--json"]);
    expect(applied.code, applied.stderr).to.equal(0);
    expect(JSON.parse(applied.stdout).announced).to.equal(false);
    expect(JSON.parse((await zkinfer(["registry", "show", id, ...at(), "--json"])).stdout).consumer).to.equal(zero);
  });

  it("rejects bad arguments and a missing key with a message naming them", async function () {
    expect((await zkinfer(["registry", "show", "x", ...at()])).stderr).to.include('the model id must be a positive integer, got "x"');
    expect((await zkinfer(["registry", "list", "--rpc", chain.url, "--hub", "0x12"])).stderr).to.include("--hub must be a 0x-prefixed 20-byte address");
    expect((await zkinfer(["registry", "register", ...at(), "--verifier", verifier, "--commitment", "1"], "")).stderr).to.include("Set ZKINFER_PRIVATE_KEY");
    const unknown = await zkinfer(["registry", "frobnicate", ...at()]);
    expect(unknown.stderr).to.include("unknown registry action `frobnicate`");
    expect(unknown.code).to.equal(2);
    expect((await zkinfer(["registry", "trust-attester", "2", "banana", ...at()])).stderr).to.include(
      "the attester key hash must be a decimal or 0x-hex field element",
    );
    expect(
      (
        await zkinfer([
          "registry",
          "register",
          ...at(),
          "--verifier",
          verifier,
          "--commitment",
          "1",
          "--attested",
          "--public-inputs",
          "test/fixtures/public-inputs.json",
        ])
      ).code,
    ).to.equal(2);
  });
});
