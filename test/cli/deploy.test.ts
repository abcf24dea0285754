/**
 * `zkinfer deploy` and `zkinfer verify-deployment` against a real `hardhat node` over JSON-RPC, as a
 * team deploying a model and a user checking it would run them: a model set up by a three-party
 * ceremony is deployed through the generic Ignition module, verified, proved and acted on; the checks
 * fail when the registry points at a verifier of another setup or another model, or at another
 * commitment; a development setup is refused on a non-local chain id.
 */
import { cpSync, readFileSync, rmSync, mkdtempSync, writeFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { isAbsolute, join } from "node:path";
import { fileURLToPath } from "node:url";
import { expect } from "chai";
import { Wallet, encryptKeystoreJson } from "ethers";
import { createPublicClient, createWalletClient, http, type Address, type Hex } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { REPO_ROOT, artifactPath, devPtauPath } from "../../prover/artifacts/paths.js";
import { compileContract, compileModelVerifier, localVerifierRuntime } from "../../prover/chain/compileVerifier.js";
import { inferenceHubAbi } from "../../prover/chain/abi.js";
import { setupVerdict } from "../../prover/chain/deployModel.js";
import { decryptKeystore, loadPrivateKey } from "../../prover/chain/keystore.js";
import { contribute, finalizeCeremony, initCeremony, installCeremonySetup } from "../../prover/setup/ceremony.js";
import { blake2bFile, resolvePtau } from "../../prover/setup/ptau.js";
import { HARDHAT_DEV_KEY } from "../../prover/service/chain.js";
import { startLocalChain, type LocalChain } from "../../scripts/dev/localChain.js";
import { modelDeploymentSpec } from "../../prover/chain/deployModel.js";
import { isolatedBuild, lastJsonLine, withBuildRoot, zkinferCli } from "../helpers/cli.js";
import { circuitSourceDigest, generateCircuit } from "../../prover/circuit/codegen.js";
import { modelCommitmentForCircuit } from "../../prover/model/commitment.js";
import { modelCommitment } from "../../prover/circuit/commitment.js";
import { lowerModel } from "../../prover/model/ir.js";
import { readModelSpec } from "../../prover/model/spec.js";

const spec = fileURLToPath(new URL("../fixtures/public-inputs.json", import.meta.url));

/** Creation code that deploys `runtime` as is (CODECOPY of what follows the 12-byte prefix, then RETURN). */
function creationCode(runtime: Hex): Hex {
  const length = (runtime.length - 2) / 2;
  if (length > 0xffff) throw new Error("runtime too long");
  return `0x61${length.toString(16).padStart(4, "0")}80600c6000396000f3${runtime.slice(2)}`;
}

interface Checks {
  ok: boolean;
  checks: { name: string; ok: boolean; detail: string }[];
}

describe("zkinfer deploy and verify-deployment (hardhat node over JSON-RPC)", function () {
  this.timeout(600_000);
  const work = mkdtempSync(join(tmpdir(), "zkinfer-deploy-"));
  let chain: LocalChain;
  /** A build root whose model has a finalized three-party ceremony; one with a development setup. */
  let ceremonyRoot: string;
  let devRoot: string;
  let deployed: { chainId: number; hub: Address; modelId: number; verifier: Address; setup: string };
  const env = () => ({ ZKINFER_BUILD_DIR: ceremonyRoot, ZKINFER_PRIVATE_KEY: HARDHAT_DEV_KEY });

  before(async () => {
    await resolvePtau({ power: 8 });
    devRoot = await isolatedBuild(spec, "public-inputs");
    ceremonyRoot = await isolatedBuild(spec, "public-inputs");
    const dir = join(work, "ceremony");
    await withBuildRoot(ceremonyRoot, async () => {
      const { devPtauPath } = await import("../../prover/artifacts/paths.js");
      await initCeremony({ model: "public-inputs", spec, ptau: devPtauPath(8), dir });
      for (const name of ["alice", "bob", "carol"]) await contribute({ dir, name });
      await finalizeCeremony({ dir, beaconHex: "0badc0de" });
      installCeremonySetup(dir);
      const { buildModel } = await import("../../prover/build/buildModel.js");
      await buildModel({ specPath: spec });
    });
    chain = await startLocalChain();
  });
  after(async () => {
    await chain?.stop();
    for (const d of [work, ceremonyRoot, devRoot]) if (d) rmSync(d, { recursive: true, force: true });
  });

  const verifyDeployment = async (modelId: number | bigint, root = ceremonyRoot) => {
    const r = await zkinferCli(["verify-deployment", spec, "--rpc", chain.url, "--hub", deployed.hub, "--model", String(modelId), "--json"], {
      ZKINFER_BUILD_DIR: root,
    });
    return { code: r.code, stdout: r.stdout, report: lastJsonLine<Checks>(r.stdout) };
  };
  const failing = (report: Checks) => report.checks.filter((c) => !c.ok).map((c) => c.name);

  it("dry-runs: prints the steps with the node's gas estimates and sends nothing", async () => {
    const r = await zkinferCli(["deploy", spec, "--rpc", chain.url, "--dry-run", "--json"], env(), work);
    expect(r.code, r.stderr).to.equal(0);
    const plan = lastJsonLine<{ chainId: number; steps: { step: string; gas: number | null }[]; totalGas: number }>(r.stdout);
    expect(plan.chainId).to.equal(31337);
    expect(plan.steps.map((s) => s.step)).to.include.members(["deploy InferenceHub", "deploy PublicInputsVerifier"]);
    expect(plan.steps.find((s) => s.step === "deploy PublicInputsVerifier")!.gas).to.be.greaterThan(100_000);
    const client = createPublicClient({ transport: http(chain.url) });
    expect(await client.getTransactionCount({ address: privateKeyToAccount(HARDHAT_DEV_KEY).address })).to.equal(0);
  });

  it("deploys hub, verifier and registration through Ignition and writes deployments/<chainId>.json", async () => {
    const r = await zkinferCli(["deploy", spec, "--rpc", chain.url, "--update-delay", "3600", "--json"], env(), work);
    expect(r.code, r.stderr).to.equal(0);
    deployed = lastJsonLine(r.stdout);
    expect(deployed).to.include({ chainId: 31337, modelId: 1, setup: "ceremony (development ptau)" });
    const manifest = JSON.parse(readFileSync(join(work, "deployments", "31337.json"), "utf8"));
    expect(manifest.contracts.find((c: { name: string }) => c.name === "InferenceHub").address).to.equal(deployed.hub);
    expect(manifest.models[0]).to.include({ name: "public-inputs", modelId: 1, verifier: deployed.verifier });
  });

  it("deploys onto an existing hub with --hub; the manifest keeps the latest registration of a model per hub", async () => {
    const r = await zkinferCli(["deploy", spec, "--rpc", chain.url, "--hub", deployed.hub, "--json"], env(), work);
    expect(r.code, r.stderr).to.equal(0);
    const second = lastJsonLine<typeof deployed>(r.stdout);
    expect(second).to.include({ hub: deployed.hub, modelId: deployed.modelId + 1 });
    expect(second.verifier).to.not.equal(deployed.verifier);
    const manifest = JSON.parse(readFileSync(join(work, "deployments", "31337.json"), "utf8"));
    expect(manifest.models).to.have.length(1);
    expect(manifest.models[0]).to.include({ modelId: second.modelId, hub: deployed.hub });
  });

  it("verify-deployment passes on the deployment, reporting status, owner, consumer, delay and pending update", async () => {
    const { code, report } = await verifyDeployment(deployed.modelId);
    expect(code, JSON.stringify(report)).to.equal(0);
    expect(report.ok).to.equal(true);
    expect(report.checks.map((c) => c.name)).to.deep.equal([
      "verifier code",
      "commitment",
      "registration",
      "setup transcript",
      "status",
      "owner",
      "consumer",
      "update delay",
      "pending update",
    ]);
    const detail = (name: string) => report.checks.find((c) => c.name === name)!.detail;
    expect(detail("verifier code")).to.include("equals PublicInputsVerifier compiled from the final zkey");
    expect(detail("setup transcript")).to.include("3 contributions (alice, bob, carol)");
    expect(detail("owner")).to.equal(privateKeyToAccount(HARDHAT_DEV_KEY).address);
    expect(detail("update delay")).to.match(/^3600 s/);
  });

  // docs/SECURITY.md C41 (issue 26, point 6): anyone can check a deployment from the published
  // transcript, in a build of their own that never saw the ceremony; the recorded paths are relative.
  describe("a third party with the published ceremony folder (verify-deployment --ceremony)", () => {
    let fresh: string;
    let published: string;
    beforeEach(async () => {
      published = mkdtempSync(join(tmpdir(), "zkinfer-published-"));
      cpSync(join(work, "ceremony"), published, { recursive: true });
      fresh = await isolatedBuild(spec, "public-inputs");
    });
    afterEach(() => {
      for (const d of [fresh, published]) rmSync(d, { recursive: true, force: true });
    });
    const check = (extra: string[]) =>
      zkinferCli(["verify-deployment", spec, "--rpc", chain.url, "--hub", deployed.hub, "--model", String(deployed.modelId), "--json", ...extra], {
        ZKINFER_BUILD_DIR: fresh,
      });

    it("verifies the transcript against the circuit compiled from the spec, installs its final key and passes", async () => {
      const transcript = JSON.parse(readFileSync(join(published, "transcript.json"), "utf8")) as { ptau: { path: string } };
      expect(isAbsolute(transcript.ptau.path), transcript.ptau.path).to.equal(false);
      // The fresh build has its own development key: not the deployed verifier.
      const before = await verifyDeployment(deployed.modelId, fresh);
      expect(failing(before.report)).to.include.members(["verifier code", "setup transcript"]);
      const r = await check(["--ceremony", published, "--ptau", devPtauPath(8)]);
      const report = lastJsonLine<Checks>(r.stdout);
      expect(r.code, JSON.stringify(report.checks)).to.equal(0);
      expect(report.checks.find((c) => c.name === "setup transcript")!.detail).to.include("3 contributions (alice, bob, carol)");
      const setup = JSON.parse(readFileSync(join(fresh, "models", "public-inputs", "setup.json"), "utf8")) as { transcript: string; ptau: { path: string } };
      expect(isAbsolute(setup.transcript)).to.equal(false);
      expect(isAbsolute(setup.ptau.path)).to.equal(false);
    });

    it("fails on a tampered transcript and installs nothing", async () => {
      const finalZkey = join(published, "circuit_final.zkey");
      const bytes = readFileSync(finalZkey);
      bytes[Math.floor(bytes.length / 2)]! ^= 0x01;
      writeFileSync(finalZkey, bytes);
      const setupFile = join(fresh, "models", "public-inputs", "setup.json");
      const before = readFileSync(setupFile, "utf8");
      const r = await check(["--ceremony", published, "--ptau", devPtauPath(8)]);
      expect(r.code).to.equal(1);
      const report = lastJsonLine<Checks>(r.stdout);
      expect(failing(report)).to.include.members(["verifier code", "setup transcript"]);
      expect(report.checks.find((c) => c.name === "setup transcript")!.detail).to.include("does not verify");
      expect(readFileSync(setupFile, "utf8")).to.equal(before);
    });
  });

  it("proves with the ceremony's key and the hub verifies and acts on it (zkinfer prove + submit)", async () => {
    const input = join(work, "input.json");
    writeFileSync(input, JSON.stringify({ a: 1, b: 2, c: 0 }));
    const proofFile = join(work, "proof.json");
    const subject = privateKeyToAccount(HARDHAT_DEV_KEY).address;
    const proved = await zkinferCli(["prove", spec, "--input", input, "--subject", subject, "--nonce", "7", "--out", proofFile], env());
    expect(proved.code, proved.stderr).to.equal(0);
    const at = ["--rpc", chain.url, "--hub", deployed.hub, "--model", String(deployed.modelId)];
    const sent = await zkinferCli(["submit", proofFile, ...at, "--json"], env());
    expect(sent.code, sent.stderr).to.equal(0);
    expect(lastJsonLine(sent.stdout)).to.include({ subject, nonce: "7" });
    const replay = await zkinferCli(["submit", proofFile, ...at], env());
    expect(replay.code).to.equal(1);
    expect(replay.stderr).to.include("InferenceHubNonceUsed");
  });

  /** Deploys `bytecode` (creation code) and returns its address. */
  async function deployBytecode(bytecode: Hex): Promise<Address> {
    const account = privateKeyToAccount(HARDHAT_DEV_KEY);
    const wallet = createWalletClient({ account, transport: http(chain.url) });
    const client = createPublicClient({ transport: http(chain.url) });
    const hash = await wallet.deployContract({ abi: [], bytecode, chain: null });
    const { contractAddress } = await client.waitForTransactionReceipt({ hash });
    return contractAddress!;
  }

  /** Deploys `bytecode` and registers it on the hub with the given commitment (via the registry CLI). */
  async function registerVerifier(
    bytecode: Hex,
    commitment: bigint,
    at: { spec: string; root: string; hub: Address } = { spec, root: ceremonyRoot, hub: deployed.hub },
  ): Promise<number> {
    const contractAddress = await deployBytecode(bytecode);
    const model = await withBuildRoot(at.root, () => modelDeploymentSpec(at.spec));
    const r = await zkinferCli(
      [
        "registry",
        "register",
        "--rpc",
        chain.url,
        "--hub",
        at.hub,
        "--verifier",
        contractAddress,
        "--commitment",
        String(commitment),
        "--outputs",
        String(model.numOutputs),
        "--public-inputs",
        at.spec,
        "--json",
      ],
      { ZKINFER_BUILD_DIR: at.root, ZKINFER_PRIVATE_KEY: HARDHAT_DEV_KEY },
    );
    expect(r.code, r.stderr).to.equal(0);
    return Number(JSON.parse(r.stdout).modelId);
  }

  it("fails when the registry points at a verifier from another setup of the same model", async () => {
    const model = await withBuildRoot(ceremonyRoot, () => modelDeploymentSpec(spec));
    const devVerifier = await withBuildRoot(devRoot, () => compileModelVerifier("public-inputs"));
    const id = await registerVerifier(devVerifier.bytecode, model.modelCommitment);
    const { code, report } = await verifyDeployment(id);
    expect(code).to.equal(1);
    expect(failing(report)).to.deep.equal(["verifier code"]);
    expect(report.checks[0]!.detail).to.include("is not the one generated from this model's final zkey");
  });

  it("fails when the registry points at the verifier of another model", async () => {
    const other = join(REPO_ROOT, "build", "contracts", "credit-score", "CreditScoreVerifier.sol");
    expect(existsSync(other), "the bundled credit-score model is built (npm run build:models)").to.equal(true);
    const model = await withBuildRoot(ceremonyRoot, () => modelDeploymentSpec(spec));
    const id = await registerVerifier(compileContract(other, "CreditScoreVerifier").bytecode, model.modelCommitment);
    const { code, report } = await verifyDeployment(id);
    expect(code).to.equal(1);
    expect(failing(report)).to.deep.equal(["verifier code"]);
  });

  // docs/SECURITY.md C39 (issue 22, the high finding): verify-deployment once fell back to "every
  // verification-key constant appears somewhere in the code" when the code differed from the local
  // compile, so a return-true contract carrying the constants as dead bytes passed every check. The
  // code must now be exactly the compiled verifier; the hub shows each contract really accepts anything.
  describe("verifier code that is not exactly the compiled verifier (issue 22)", () => {
    /** Runtime of a contract that returns true (32 bytes of 1) for any call: 10 bytes. */
    const RETURN_TRUE = "600160005260206000f3";
    const honestModel = () => withBuildRoot(ceremonyRoot, () => modelDeploymentSpec(spec));
    const honestRuntime = () => withBuildRoot(ceremonyRoot, () => localVerifierRuntime("public-inputs").runtime);
    /** Every constant of the final verification key as a 32-byte word (what the old fallback searched for). */
    const keyConstants = async () => {
      const vk = JSON.parse(readFileSync(await withBuildRoot(ceremonyRoot, () => artifactPath("public-inputs", "vkey")), "utf8")) as Record<string, unknown>;
      const words: string[] = [];
      const collect = (v: unknown): void => {
        if (Array.isArray(v)) v.forEach(collect);
        else if (typeof v === "string" && /^[0-9]+$/.test(v) && v !== "0" && v !== "1") words.push(BigInt(v).toString(16).padStart(64, "0"));
      };
      for (const key of ["vk_alpha_1", "vk_beta_2", "vk_gamma_2", "vk_delta_2", "IC"]) collect(vk[key]);
      return words;
    };

    it("fails on a return-true contract holding every key constant as dead bytes, which the hub accepts with an all-zero proof", async () => {
      const constants = await keyConstants();
      expect(constants.length).to.be.greaterThan(20);
      const id = await registerVerifier(creationCode(`0x${RETURN_TRUE}${constants.join("")}`), (await honestModel()).modelCommitment);
      // The attack is real: an all-zero "proof" with an output of the attacker's choosing is accepted.
      const proof = JSON.parse(readFileSync(join(work, "proof.json"), "utf8")) as { publicSignals: string[] };
      const signals = proof.publicSignals.map(BigInt);
      signals[0] = 123_456n;
      const account = privateKeyToAccount(HARDHAT_DEV_KEY);
      const wallet = createWalletClient({ account, transport: http(chain.url) });
      const client = createPublicClient({ transport: http(chain.url) });
      const hash = await wallet.writeContract({
        address: deployed.hub,
        abi: inferenceHubAbi,
        functionName: "verifyAndAct",
        args: [BigInt(id), `0x${"00".repeat(256)}`, signals],
        chain: null,
      });
      expect((await client.waitForTransactionReceipt({ hash })).status).to.equal("success");

      const { code, report } = await verifyDeployment(id);
      expect(code).to.equal(1);
      expect(failing(report)).to.deep.equal(["verifier code"]);
      expect(report.checks[0]!.detail).to.match(/is not the one generated from this model's final zkey: bytes \[\d+, \d+\) differ/);
    });

    // (A changed byte, another compiler and a malformed trailer are in test/chain/runtimeCode.test.ts.)
    it("fails on the compiled verifier with extra code after it", async () => {
      const runtime = (await honestRuntime()).slice(2);
      const trailer = 2 * (parseInt(runtime.slice(-4), 16) + 2);
      const body = runtime.slice(0, -trailer);
      const longer = await registerVerifier(creationCode(`0x${body}${RETURN_TRUE}${runtime.slice(-trailer)}`), (await honestModel()).modelCommitment);
      const { report } = await verifyDeployment(longer);
      expect(failing(report)).to.deep.equal(["verifier code"]);
      expect(report.checks[0]!.detail).to.include(`the code is ${body.length / 2 + 10} bytes before its metadata, expected ${body.length / 2}`);
    });

    it("fails on a proxy that DELEGATECALLs to the honest verifier", async () => {
      const honest = await deployBytecode(creationCode(await honestRuntime()));
      // EIP-1167 minimal proxy: every call is a DELEGATECALL to `honest`.
      const proxy = `0x363d3d373d3d3d363d73${honest.slice(2).toLowerCase()}5af43d82803e903d91602b57fd5bf3` as Hex;
      const id = await registerVerifier(creationCode(proxy), (await honestModel()).modelCommitment);
      const { code, report } = await verifyDeployment(id);
      expect(code).to.equal(1);
      expect(failing(report)).to.deep.equal(["verifier code"]);
      expect(report.checks[0]!.detail).to.include("is not the one generated from this model's final zkey");
    });
  });

  it("fails when the registered commitment differs from the spec's", async () => {
    const model = await withBuildRoot(ceremonyRoot, () => modelDeploymentSpec(spec));
    const id = await registerVerifier(await withBuildRoot(ceremonyRoot, () => compileModelVerifier("public-inputs").bytecode), model.modelCommitment + 1n);
    const { code, report, stdout } = await verifyDeployment(id);
    expect(code).to.equal(1);
    expect(failing(report)).to.deep.equal(["commitment"]);
    expect(stdout).to.include("deployment NOT verified: commitment");
  });

  // docs/SECURITY.md Compiler 2 (issue 12, finding 2): the commitment names the circuit. A pair whose
  // commitment is this spec's under ANOTHER circuit (the escaped unit turned back into code, as the
  // codegen before escaping emitted it) is refused, though the verifier is the local build's; a
  // verifier of another circuit under the honest commitment is refused by the code check (above).
  it("fails when the registered commitment is the spec's under another circuit (a tampered codegen's)", async () => {
    const ir = lowerModel(readModelSpec(spec));
    const honest = await modelCommitment(ir);
    const source = generateCircuit({ ir, modelCommitment: honest });
    const tampered = source.replace(
      /\n(\s*)outputs\[0\] <== /,
      "\n$1// the model, unchanged; then one more line of code:\n$1signal injected <== 0;\n$1outputs[0] <== ",
    );
    expect(tampered).to.not.equal(source);
    const claimed = await modelCommitmentForCircuit(ir, circuitSourceDigest(tampered.replace(`modelCommitment <== ${honest};`, "modelCommitment <== 0;")));
    expect(claimed).to.not.equal(honest);
    const id = await registerVerifier(await withBuildRoot(ceremonyRoot, () => compileModelVerifier("public-inputs").bytecode), claimed);
    const { code, report } = await verifyDeployment(id);
    expect(code).to.equal(1);
    expect(failing(report)).to.deep.equal(["commitment"]);
    expect(report.checks.find((c) => c.name === "commitment")!.detail).to.equal(`registered ${claimed}, the spec gives ${honest}`);
  });

  it("fails on a development setup: there is no transcript to verify", async () => {
    // The development-setup build describes a model whose registered verifier (the ceremony's) it did not make.
    const { report } = await verifyDeployment(deployed.modelId, devRoot);
    expect(failing(report)).to.include.members(["verifier code", "setup transcript"]);
  });

  describe("on a non-local chain id", () => {
    let sepolia: LocalChain;
    before(async () => {
      sepolia = await startLocalChain({ chainId: 11155111 });
    });
    after(async () => sepolia?.stop());

    it("refuses a development setup, and a ceremony over a development ptau, unless --allow-dev-setup", async () => {
      const dev = await zkinferCli(["deploy", spec, "--rpc", sepolia.url, "--json"], { ...env(), ZKINFER_BUILD_DIR: devRoot }, work);
      expect(dev.code).to.equal(1);
      // With --json the error is one JSON line on stdout.
      expect(lastJsonLine<{ ok: boolean; error: string }>(dev.stdout)).to.include({ ok: false });
      expect(lastJsonLine<{ error: string }>(dev.stdout).error).to.include("refusing to deploy a development setup to chain 11155111");
      expect(dev.stdout.trim().split("\n")).to.have.length(1);
      const rehearsal = await zkinferCli(["deploy", spec, "--rpc", sepolia.url], env(), work);
      expect(rehearsal.stderr).to.include("refusing to deploy a ceremony (development ptau) setup to chain 11155111");
      expect(existsSync(join(work, "deployments", "11155111.json"))).to.equal(false);
      const allowed = await zkinferCli(
        ["deploy", spec, "--rpc", sepolia.url, "--allow-dev-setup", "--dry-run"],
        { ...env(), ZKINFER_BUILD_DIR: devRoot },
        work,
      );
      expect(allowed.code, allowed.stderr).to.equal(0);
      expect(allowed.stdout).to.include("--allow-dev-setup was given");
    });
  });

  it("decides the setup by chain id: development-grade keys only on local chains", () => {
    const ptau = (source: string) => ({ source, power: 8 });
    const dev = { setup: "development", contributions: 1, ptau: ptau("development") };
    const single = { setup: "ceremony", contributions: 1, ptau: ptau("hermez") };
    const rehearsal = { setup: "ceremony", contributions: 3, ptau: ptau("development") };
    const real = { setup: "ceremony", contributions: 3, ptau: ptau("hermez") };
    for (const local of [31337, 1337]) for (const s of [dev, single, rehearsal, real]) expect(setupVerdict(s, local).allowed).to.equal(true);
    for (const remote of [1, 10, 8453, 11155111]) {
      expect([dev, single, rehearsal].map((s) => setupVerdict(s, remote).allowed)).to.deep.equal([false, false, false]);
      expect(setupVerdict(real, remote)).to.include({ allowed: true, label: "ceremony", developmentOnly: false });
      expect(setupVerdict(dev, remote, true).allowed).to.equal(true);
    }
  });

  it("labels PLONK/FFLONK (universal) keys by their ptau: only a published ptau leaves local chains", () => {
    const universal = (source: string) => ({ setup: "universal", contributions: 0, ptau: { source, power: 11 } });
    expect(setupVerdict(universal("hermez"), 1)).to.include({ allowed: true, label: "universal (Hermez ptau)", developmentOnly: false });
    expect(setupVerdict(universal("development"), 1)).to.include({ allowed: false, label: "universal (development ptau)", developmentOnly: true });
    expect(setupVerdict(universal("development"), 31337).allowed).to.equal(true);
    // docs/SECURITY.md C40 (issue 22, finding 1): for a universal key the ptau is the whole trust
    // assumption, so an unverified one is development-grade: local chains, or --allow-dev-setup.
    expect(setupVerdict(universal("user-unverified"), 1)).to.include({ label: "universal (unverified ptau)", developmentOnly: true, allowed: false });
    expect(setupVerdict(universal("user-unverified"), 1, true).allowed).to.equal(true);
    expect(setupVerdict(universal("user-unverified"), 31337).allowed).to.equal(true);
  });

  describe("an FFLONK model (universal setup: no ceremony)", () => {
    const fflonkSpec = fileURLToPath(new URL("../fixtures/tiny-fflonk.json", import.meta.url));
    let root: string;
    let fflonk: { hub: Address; modelId: number };
    before(async () => {
      root = await isolatedBuild(fflonkSpec, "tiny-fflonk");
      const r = await zkinferCli(["deploy", fflonkSpec, "--rpc", chain.url, "--json"], { ZKINFER_BUILD_DIR: root, ZKINFER_PRIVATE_KEY: HARDHAT_DEV_KEY }, work);
      expect(r.code, r.stderr).to.equal(0);
      expect(r.stdout).to.include("setup: universal (development ptau), acceptable on local chain 31337 only");
      fflonk = lastJsonLine<{ hub: Address; modelId: number }>(r.stdout);
    });
    after(() => rmSync(root, { recursive: true, force: true }));
    const verify = async (extra: string[] = []) => {
      const r = await zkinferCli(
        ["verify-deployment", fflonkSpec, "--rpc", chain.url, "--hub", fflonk.hub, "--model", String(fflonk.modelId), "--json", ...extra],
        {
          ZKINFER_BUILD_DIR: root,
        },
      );
      return lastJsonLine<Checks>(r.stdout);
    };

    it("verify-deployment matches the verifier code and derives the key again from the circuit and the recorded ptau", async () => {
      const report = await verify();
      expect(failing(report), JSON.stringify(report.checks)).to.deep.equal(["universal setup"]);
      const setup = report.checks.find((c) => c.name === "universal setup")!;
      // The key re-derived equals the built one; it fails only because the ptau is this machine's development file.
      expect(setup.detail).to.match(/^the fflonk key derives from the circuit and a DEVELOPMENT ptau/);
    });

    // docs/SECURITY.md C39/C40 (issue 22): a universal key's ptau is its whole trust; an honest key
    // passes only over a published ptau or one the checker names; any other code fails the code check.
    it("passes an honest universal deployment when the checker trusts its ptau by blake2b (--trust-ptau)", async () => {
      const record = JSON.parse(readFileSync(join(root, "models", "tiny-fflonk", "setup.json"), "utf8")) as { ptau: { blake2b?: string; power: number } };
      const blake2b = await blake2bFile(devPtauPath(record.ptau.power));
      const report = await verify(["--trust-ptau", blake2b]);
      expect(report.ok, JSON.stringify(report.checks)).to.equal(true);
      expect(report.checks.find((c) => c.name === "universal setup")!.detail).to.include("a ptau the checker trusts (--trust-ptau");
      const other = await verify(["--trust-ptau", "ab".repeat(64)]);
      expect(failing(other)).to.deep.equal(["universal setup"]);
      const bad = await zkinferCli(["verify-deployment", fflonkSpec, "--rpc", chain.url, "--hub", fflonk.hub, "--model", "1", "--trust-ptau", "abc"]);
      expect(bad.code).to.equal(2);
      expect(bad.stderr).to.include("--trust-ptau must be a ptau file's blake2b-512 as 128 hex digits");
    });

    it("fails on a 10-byte return-true contract registered under the FFLONK model's honest commitment", async () => {
      const model = await withBuildRoot(root, () => modelDeploymentSpec(fflonkSpec));
      const id = await registerVerifier(creationCode("0x600160005260206000f3"), model.modelCommitment, { spec: fflonkSpec, root, hub: fflonk.hub });
      const r = await zkinferCli(["verify-deployment", fflonkSpec, "--rpc", chain.url, "--hub", fflonk.hub, "--model", String(id), "--json"], {
        ZKINFER_BUILD_DIR: root,
      });
      const report = lastJsonLine<Checks>(r.stdout);
      expect(r.code).to.equal(1);
      expect(failing(report)).to.include("verifier code");
      expect(report.checks.find((c) => c.name === "verifier code")!.detail).to.match(
        /is not the one generated from this model's final zkey: bytes \[\d+, \d+\) differ/,
      );
    });

    it("fails when the recorded ptau is not the one the key was derived from", async () => {
      const file = join(root, "models", "tiny-fflonk", "setup.json");
      const honest = readFileSync(file, "utf8");
      const record = JSON.parse(honest) as { ptau: { path: string; power: number } };
      const other = await resolvePtau({ power: record.ptau.power + 1 });
      writeFileSync(file, JSON.stringify({ ...record, ptau: { ...record.ptau, path: other.path, power: other.power } }));
      try {
        const report = await verify();
        const setup = report.checks.find((c) => c.name === "universal setup")!;
        expect(setup.ok).to.equal(false);
        expect(setup.detail).to.match(/derived again from the circuit and .* is not the built one/);
      } finally {
        writeFileSync(file, honest);
      }
    });
  });

  it("reads the deployer's key from the environment or a v3 keystore, never from an argument", async () => {
    const wallet = new Wallet(HARDHAT_DEV_KEY);
    // Written by ethers (an independent implementation of the format), with a small scrypt cost for speed.
    const keystore = await encryptKeystoreJson({ address: wallet.address, privateKey: wallet.privateKey }, "correct horse", { scrypt: { N: 1024 } });
    const file = join(work, "deployer.json");
    writeFileSync(file, keystore);
    expect(loadPrivateKey({ keystore: file, env: { ZKINFER_KEYSTORE_PASSWORD: "correct horse" } })).to.equal(HARDHAT_DEV_KEY);
    expect(() => decryptKeystore(keystore, "wrong")).to.throw("wrong password");
    expect(() => loadPrivateKey({ keystore: file, env: {} })).to.throw("ZKINFER_KEYSTORE_PASSWORD");
    expect(() => loadPrivateKey({ env: {} })).to.throw("ZKINFER_PRIVATE_KEY");

    const r = await zkinferCli(["deploy", spec, "--rpc", chain.url, "--private-key", HARDHAT_DEV_KEY], env(), work);
    expect(r.code).to.equal(2);
    expect(r.stderr).to.include("--private-key");
  });
});
