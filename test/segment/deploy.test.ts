/**
 * `zkinfer deploy` and `zkinfer verify-deployment` of a segmented model, against a real `hardhat node`
 * over JSON-RPC, as a team and a user run them (the CLI in its own process): the tiny model in 3
 * segments (2^10 keys from one ptau, the build test/segment/onchain.test.ts uses) is built, deployed
 * with a consumer, proved, submitted through the hub and verified from its transaction by the SDK.
 * Then docs/SECURITY.md C90-C93: registrations that point at a verifier of the keys in another order,
 * with one key swapped for another model's, or of another K, and one under another model's commitment,
 * each reported by verify-deployment as the mismatch it is.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { expect } from "chai";
import { createPublicClient, createWalletClient, http, type Address, type Hex } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { REPO_ROOT, artifactPath } from "../../prover/artifacts/paths.js";
import { inferenceHubAbi } from "../../prover/chain/abi.js";
import { compileContract } from "../../prover/chain/compileVerifier.js";
import { HARDHAT_DEV_KEY } from "../../prover/chain/connect.js";
import { setupVerdict } from "../../prover/chain/deployModel.js";
import { contribute, finalizeCeremony, initCeremony, installCeremonySetup } from "../../prover/setup/ceremony.js";
import { compileSegmentedVerifier, readSegmentedBuild, segmentedSetupVerdict } from "../../prover/chain/segmentedDeployment.js";
import { buildSegments, type SegmentRecord } from "../../prover/segment/build.js";
import { segmentedVerifierSource, segmentKeysHash } from "../../prover/segment/verifier.js";
import type { Groth16VerificationKey } from "../../prover/setup/groth16Batch.js";
import { verifyInferenceTransaction } from "../../prover/sdk/verifyInferenceTransaction.js";
import { startLocalChain, type LocalChain } from "../../scripts/dev/localChain.js";
import { lastJsonLine, withBuildRoot, zkinferCli } from "../helpers/cli.js";

const spec = fileURLToPath(new URL("../fixtures/segments-tiny.json", import.meta.url));
const otherSpec = fileURLToPath(new URL("../fixtures/segments-other.json", import.meta.url));
const MAX = "1000";

interface Checks {
  ok: boolean;
  checks: { name: string; ok: boolean; detail: string }[];
}
const failing = (report: Checks) => report.checks.filter((c) => !c.ok).map((c) => c.name);
const detail = (report: Checks, name: string) => report.checks.find((c) => c.name === name)!.detail;

describe("zkinfer deploy, submit and verify-deployment of a segmented model (hardhat node, real proofs, K = 3)", function () {
  this.timeout(900_000);
  const work = mkdtempSync(join(tmpdir(), "zkinfer-segdeploy-"));
  const account = privateKeyToAccount(HARDHAT_DEV_KEY);
  const env = { ZKINFER_PRIVATE_KEY: HARDHAT_DEV_KEY };
  let chain: LocalChain;
  let tiny: SegmentRecord;
  let other: SegmentRecord;
  let deployed: { chainId: number; hub: Address; modelId: number; verifier: Address; segmented: { k: number; segments: { keyDigest: string }[] } };
  const vkeys = (r: SegmentRecord) => r.segments.map((s) => JSON.parse(readFileSync(artifactPath(s.name, "vkey"), "utf8")) as Groth16VerificationKey);

  before(async () => {
    tiny = await buildSegments({ specPath: spec, maxSegmentConstraints: Number(MAX), minSegments: 3 });
    other = await buildSegments({ specPath: otherSpec, maxSegmentConstraints: Number(MAX), minSegments: 3 });
    chain = await startLocalChain();
  });
  after(async () => {
    await chain?.stop();
    rmSync(work, { recursive: true, force: true });
  });

  const verifyDeployment = async (modelId: number | bigint, extra: string[] = [], buildRoot?: string) => {
    const r = await zkinferCli(
      ["verify-deployment", spec, "--rpc", chain.url, "--hub", deployed.hub, "--model", String(modelId), "--json", ...extra],
      buildRoot ? { ZKINFER_BUILD_DIR: buildRoot } : {},
    );
    expect(r.stdout.trim(), r.stderr).to.not.equal("");
    return { code: r.code, stdout: r.stdout, report: lastJsonLine<Checks>(r.stdout) };
  };

  it("segments build -> deploy -> segments prove -> submit -> the SDK verifies the transaction", async () => {
    const built = await zkinferCli(["segments", "build", spec, "--max-segment-constraints", MAX, "--min-segments", "3", "--json"]);
    expect(built.code, built.stderr).to.equal(0);
    expect(lastJsonLine(built.stdout)).to.include({ k: 3, modelCommitment: tiny.modelCommitment });

    const dry = await zkinferCli(["deploy", spec, "--rpc", chain.url, "--dry-run", "--json"], env, work);
    expect(dry.code, dry.stderr).to.equal(0);
    const plan = lastJsonLine<{ steps: { step: string; gas: number | null }[] }>(dry.stdout);
    const verifierGas = plan.steps.find((s) => s.step === "deploy SegmentsTinySegmentedVerifier")?.gas;
    expect(verifierGas).to.be.greaterThan(500_000);
    // A model with a segments build and no single build deploys segmented without the flag.
    const r = await zkinferCli(["deploy", spec, "--rpc", chain.url, "--consumer", "RecordingConsumer", "--json"], env, work);
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stdout).to.include("segmented verifier (K = 3)");
    deployed = lastJsonLine(r.stdout);
    expect(deployed).to.include({ chainId: 31337, modelId: 1, setup: "development" });
    // The deployment record: segmented, K and each segment's key digest (the verifier's constants of that key).
    const manifest = JSON.parse(readFileSync(join(work, "deployments", "31337.json"), "utf8")) as {
      models: { name: string; verifier: string; modelCommitment: string; segmented: { k: number; segments: { name: string; keyDigest: string }[] } }[];
    };
    const recorded = manifest.models[0]!;
    expect(recorded).to.include({ name: "segments-tiny", verifier: deployed.verifier, modelCommitment: tiny.modelCommitment });
    expect(recorded.segmented.k).to.equal(3);
    expect(recorded.segmented.segments.map((s) => s.name)).to.deep.equal(tiny.segments.map((s) => s.name));
    expect(recorded.segmented.segments.map((s) => s.keyDigest)).to.deep.equal(vkeys(tiny).map((k) => segmentKeysHash([k])));

    const input = join(work, "features.json");
    writeFileSync(input, JSON.stringify({ a: 1.5, b: 3, c: -0.5 }));
    const proofFile = join(work, "proof.json");
    const proved = await zkinferCli(["segments", "prove", spec, "--input", input, "--subject", account.address, "--nonce", "7", "--out", proofFile, "--json"]);
    expect(proved.code, proved.stderr).to.equal(0);
    // submit finds the hub and the model id in the manifest by the proof's model name.
    const sent = await zkinferCli(["submit", proofFile, "--rpc", chain.url, "--json"], env, work);
    expect(sent.code, sent.stderr).to.equal(0);
    const tx = lastJsonLine<{ txHash: Hex; modelId: number; nonce: string; gasUsed: number }>(sent.stdout);
    expect(tx).to.include({ modelId: 1, nonce: "7" });

    const client = createPublicClient({ transport: http(chain.url) });
    const keys = vkeys(tiny);
    const check = (segments: object[]) =>
      verifyInferenceTransaction({ client, hub: deployed.hub, txHash: tx.txHash, verificationKey: { protocol: "groth16-segmented", segments } });
    const sdk = await check(keys);
    expect([sdk.valid, sdk.succeeded, sdk.eventEmitted, sdk.proofValid, sdk.commitmentMatches]).to.deep.equal([true, true, true, true, true]);
    const file = JSON.parse(readFileSync(proofFile, "utf8")) as { publicSignals: string[]; proofBytes: Hex };
    expect(sdk.publicSignals).to.deep.equal(file.publicSignals.map(BigInt));
    // The SDK with the keys in another order, or the other model's keys, does not verify it.
    expect((await check([keys[1]!, keys[0]!, keys[2]!])).valid).to.equal(false);
    expect((await check(vkeys(other))).valid).to.equal(false);
    // The same inference again: the nonce is spent.
    const replay = await zkinferCli(["submit", proofFile, "--rpc", chain.url], env, work);
    expect(replay.code).to.equal(1);
    expect(replay.stderr).to.include("InferenceHubNonceUsed");
    console.log(`      deploying the K = 3 SegmentedVerifier (the node's estimate): ${verifierGas} gas`);
    console.log(`      verifyAndAct of a K = 3 segmented proof through zkinfer submit, RecordingConsumer: ${tx.gasUsed} gas`);
  });

  it("submit of a proof with two segments swapped is refused by the hub (InferenceHubInvalidProof) and sends nothing", async () => {
    const file = JSON.parse(readFileSync(join(work, "proof.json"), "utf8")) as { proofBytes: Hex; publicSignals: string[]; model: string };
    const hex = file.proofBytes.slice(2);
    const swapped = `0x${hex.slice(512, 1024)}${hex.slice(0, 512)}${hex.slice(1024)}`;
    const signals = [...file.publicSignals];
    signals[signals.length - 1] = "8"; // a fresh nonce: only the proof is wrong
    writeFileSync(join(work, "swapped.json"), JSON.stringify({ ...file, proofBytes: swapped, proof: swapped, publicSignals: signals }));
    const r = await zkinferCli(["submit", join(work, "swapped.json"), "--rpc", chain.url], env, work);
    expect(r.code).to.equal(1);
    expect(r.stderr).to.include("InferenceHubInvalidProof");
    const client = createPublicClient({ transport: http(chain.url) });
    expect(await client.readContract({ address: deployed.hub, abi: inferenceHubAbi, functionName: "isNonceUsed", args: [1n, account.address, 8n] })).to.equal(
      false,
    );
  });

  it("verify-deployment: code, commitment and registration pass; the development segment keys fail by name", async () => {
    const { code, report } = await verifyDeployment(deployed.modelId);
    expect(code).to.equal(1);
    expect(report.checks.map((c) => c.name)).to.deep.equal([
      "verifier code",
      "commitment",
      "registration",
      "segment setups",
      "status",
      "owner",
      "consumer",
      "update delay",
      "pending update",
    ]);
    expect(failing(report)).to.deep.equal(["segment setups"]);
    expect(detail(report, "verifier code")).to.include("equals SegmentsTinySegmentedVerifier generated from the 3 segment keys in order");
    expect(detail(report, "commitment")).to.equal(`${tiny.modelCommitment} (the 3 segments in order)`);
    expect(detail(report, "segment setups")).to.match(/^segment 0 of 3: development key: whoever made it can forge proofs.*; segment 2 of 3: development key/);
    // --ceremony does not apply to segment keys.
    const ceremony = await zkinferCli(["verify-deployment", spec, "--rpc", chain.url, "--ceremony", work]);
    expect(ceremony.code).to.equal(2);
    expect(ceremony.stderr).to.include("a segmented deployment's segment ceremonies are verified from the folders each segment's setup.json records");
  });

  it("segment keys from ceremonies (ceremony init --segment): verify-deployment passes every check; against the development build it fails", async () => {
    const root = mkdtempSync(join(tmpdir(), "zkinfer-segdeploy-ceremony-"));
    try {
      for (const name of tiny.segments.map((s) => s.name)) cpSync(join(REPO_ROOT, "build", "models", name), join(root, "models", name), { recursive: true });
      await withBuildRoot(root, () => buildSegments({ specPath: spec, maxSegmentConstraints: Number(MAX), minSegments: 3 }));
      const dirs = tiny.segments.map((_, i) => join(root, `ceremony-${i}`));
      // Segment 0's ceremony started through the CLI, as a coordinator runs it; the rest through zkinfer/setup's functions.
      const init = await zkinferCli(["ceremony", "init", spec, "--segment", "0", "--ptau", tiny.ptau.path, "--out", dirs[0]!], { ZKINFER_BUILD_DIR: root });
      expect(init.code, init.stderr).to.equal(0);
      const bad = await zkinferCli(["ceremony", "init", spec, "--segment", "3", "--out", join(root, "nope")], { ZKINFER_BUILD_DIR: root });
      expect(bad.code).to.equal(2);
      expect(bad.stderr).to.include('--segment must be a segment of segments-tiny\'s build, 0 to 2, got "3"');
      await withBuildRoot(root, async () => {
        for (const [i, dir] of dirs.entries()) {
          if (i > 0) await initCeremony({ model: tiny.segments[i]!.name, ptau: tiny.ptau.path, dir });
          for (const name of ["alice", "bob"]) await contribute({ dir, name });
          await finalizeCeremony({ dir, beaconHex: "0badc0de" });
          installCeremonySetup(dir);
        }
      });
      // The ceremonies change the keys, not the circuits: the same commitment, a new verifier.
      const rebuilt = await withBuildRoot(root, () => buildSegments({ specPath: spec, maxSegmentConstraints: Number(MAX), minSegments: 3 }));
      expect(rebuilt.modelCommitment).to.equal(tiny.modelCommitment);
      const r = await zkinferCli(
        ["deploy", spec, "--rpc", chain.url, "--hub", deployed.hub, "--segmented", "--out-dir", join(root, "deployments"), "--json"],
        { ...env, ZKINFER_BUILD_DIR: root },
        work,
      );
      expect(r.code, r.stderr).to.equal(0);
      const ceremonial = lastJsonLine<{ modelId: number; setup: string }>(r.stdout);
      expect(ceremonial.setup).to.equal("ceremony (development ptau)");
      const { code, report } = await verifyDeployment(ceremonial.modelId, [], root);
      expect(code, JSON.stringify(report.checks)).to.equal(0);
      expect(detail(report, "segment setups")).to.match(
        /^segment 0: 2 contributions \(alice, bob\) \+ beacon; setup: ceremony \(development ptau\), acceptable on local chain 31337 only; segment 1: .*; segment 2: /,
      );
      // The development build describes other keys: the code and the setups fail.
      const dev = await verifyDeployment(ceremonial.modelId);
      expect(failing(dev.report)).to.deep.equal(["verifier code", "segment setups"]);
      expect(detail(dev.report, "verifier code")).to.include("its code does not hold the keys of segments 0, 1, 2");
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  /** Compiles a SegmentedVerifier generated from `keys`, deploys it and registers it on the hub under `commitment`; returns the model id. */
  async function registerSegmented(keys: Groth16VerificationKey[], commitment: string | bigint, label: string): Promise<bigint> {
    const file = join(work, `${label}.sol`);
    const contractName = `${label}SegmentedVerifier`;
    writeFileSync(
      file,
      segmentedVerifierSource({
        vkeys: keys,
        contractName,
        interfaceImport: join(REPO_ROOT, "contracts", "interfaces", "IInferenceVerifier.sol"),
        provenance: label,
      }),
    );
    const c = compileContract(file, contractName);
    return registerBytecode(c.bytecode, commitment);
  }

  async function registerBytecode(bytecode: Hex, commitment: string | bigint): Promise<bigint> {
    const wallet = createWalletClient({ account, transport: http(chain.url) });
    const client = createPublicClient({ transport: http(chain.url) });
    const hash = await wallet.deployContract({ abi: [], bytecode, chain: null });
    const verifier = (await client.waitForTransactionReceipt({ hash })).contractAddress!;
    const registered = await wallet.writeContract({
      address: deployed.hub,
      abi: inferenceHubAbi,
      functionName: "registerModel",
      args: [verifier, BigInt(commitment), 2, "test"],
      chain: null,
    });
    expect((await client.waitForTransactionReceipt({ hash: registered })).status).to.equal("success");
    return client.readContract({ address: deployed.hub, abi: inferenceHubAbi, functionName: "modelCount" });
  }

  it("C90: a verifier of the same keys in another order is reported (verifier code: the keys in another order)", async () => {
    const [k0, k1, k2] = vkeys(tiny);
    const id = await registerSegmented([k1!, k0!, k2!], tiny.modelCommitment, "Reordered");
    const { code, report } = await verifyDeployment(id);
    expect(code).to.equal(1);
    expect(failing(report)).to.deep.equal(["verifier code", "segment setups"]);
    expect(detail(report, "verifier code")).to.match(
      /is not SegmentsTinySegmentedVerifier generated from the 3 segment keys in order: bytes \[\d+, \d+\) differ/,
    );
    expect(detail(report, "verifier code")).to.include("it holds the 3 keys in another order (1, 0, 2)");
  });

  it("C91: a verifier with one segment's key swapped for another model's is reported (verifier code: the key it lacks)", async () => {
    const [k0, , k2] = vkeys(tiny);
    const id = await registerSegmented([k0!, vkeys(other)[1]!, k2!], tiny.modelCommitment, "Swapped");
    const { report } = await verifyDeployment(id);
    expect(failing(report)).to.deep.equal(["verifier code", "segment setups"]);
    expect(detail(report, "verifier code")).to.include("its code does not hold the key of segment 1");
  });

  it("C92: a verifier of another K is reported: a segment left out, or the model built in 1 segment", async () => {
    const [k0, , k2] = vkeys(tiny);
    const skipped = await registerSegmented([k0!, k2!], tiny.modelCommitment, "Skipped");
    const r = await verifyDeployment(skipped);
    expect(failing(r.report)).to.deep.equal(["verifier code", "segment setups"]);
    expect(detail(r.report, "verifier code")).to.include("it verifies 2 segments, the build has 3");
    expect(detail(r.report, "verifier code")).to.include("its code does not hold the key of segment 1");

    // The same spec built in 1 segment (its own build root): its verifier under its own commitment,
    // checked against the 3-segment build, fails both, by name.
    const root = mkdtempSync(join(tmpdir(), "zkinfer-segdeploy-k1-"));
    try {
      const one = await withBuildRoot(root, () => buildSegments({ specPath: spec, maxSegmentConstraints: 1000 }));
      expect(one.segments.length).to.equal(1);
      expect(one.modelCommitment).to.not.equal(tiny.modelCommitment);
      const compiled = await withBuildRoot(root, () =>
        compileContract(artifactPath("segments-tiny-segmented", "verifierContract"), "SegmentsTinySegmentedVerifier"),
      );
      const id = await registerBytecode(compiled.bytecode, one.modelCommitment);
      const { report } = await verifyDeployment(id);
      expect(failing(report)).to.deep.equal(["verifier code", "commitment", "segment setups"]);
      expect(detail(report, "verifier code")).to.include("it verifies 1 segment, the build has 3");
      expect(detail(report, "commitment")).to.equal(`registered ${one.modelCommitment}, the spec's 3 segments in order give ${tiny.modelCommitment}`);
      // And checked against the 1-segment build, the same registration passes code and commitment.
      const again = await verifyDeployment(id, ["--segmented"], root);
      expect(failing(again.report)).to.deep.equal(["segment setups"]);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it("C93: the honest verifier under another model's commitment is reported (commitment), and that model's whole deployment too", async () => {
    const honest = compileContract(artifactPath("segments-tiny-segmented", "verifierContract"), "SegmentsTinySegmentedVerifier");
    const id = await registerBytecode(honest.bytecode, other.modelCommitment);
    const { code, report } = await verifyDeployment(id);
    expect(code).to.equal(1);
    expect(failing(report)).to.deep.equal(["commitment", "segment setups"]);
    expect(detail(report, "commitment")).to.equal(`registered ${other.modelCommitment}, the spec's 3 segments in order give ${tiny.modelCommitment}`);
    const theirs = await registerSegmented(vkeys(other), other.modelCommitment, "Other");
    const whole = await verifyDeployment(theirs);
    expect(failing(whole.report)).to.deep.equal(["verifier code", "commitment", "segment setups"]);
    expect(detail(whole.report, "verifier code")).to.include("its code does not hold the keys of segments 0, 1, 2");
  });

  it("deploy --aggregate is refused for a segmented model before anything is sent", async () => {
    const r = await zkinferCli(["deploy", spec, "--rpc", chain.url, "--aggregate", "4"], env, work);
    expect(r.code).to.equal(2);
    expect(r.stderr).to.include("a segmented model has no aggregated verifiers");
  });

  // docs/SECURITY.md C94: verify-deployment vouches for what the local build holds, so a build that is not
  // what the spec gives is refused before anything is compared.
  it("C94: refuses a stale or tampered segmented build: a key not its zkey's, a verifier not the keys', a record of another plan", async () => {
    const root = mkdtempSync(join(tmpdir(), "zkinfer-segdeploy-stale-"));
    try {
      // The shared build's segments, warm (every step is cached: the same keys), with the verifier generated in this root.
      for (const name of tiny.segments.map((s) => s.name)) cpSync(join(REPO_ROOT, "build", "models", name), join(root, "models", name), { recursive: true });
      const rebuilt = await withBuildRoot(root, () => buildSegments({ specPath: spec, maxSegmentConstraints: Number(MAX), minSegments: 3 }));
      expect(rebuilt.modelCommitment).to.equal(tiny.modelCommitment);
      const build = await withBuildRoot(root, () => readSegmentedBuild(spec));
      expect(build.segmented.k).to.equal(3);
      await withBuildRoot(root, () => compileSegmentedVerifier(build));
      const failure = (fn: () => unknown) =>
        withBuildRoot(root, async () => fn()).then(
          () => "",
          (e: Error) => e.message,
        );
      const edit = async (file: string, change: (text: string) => string, fn: () => unknown) => {
        const path = await withBuildRoot(root, () => file);
        const honest = readFileSync(path, "utf8");
        writeFileSync(path, change(honest));
        try {
          return await failure(fn);
        } finally {
          writeFileSync(path, honest);
        }
      };
      // Segment 1's vkey replaced by the other model's segment 1 key.
      const otherKey = readFileSync(artifactPath(other.segments[1]!.name, "vkey"), "utf8");
      expect(
        await edit(
          join(root, "models", tiny.segments[1]!.name, "verification_key.json"),
          () => otherKey,
          () => readSegmentedBuild(spec),
        ),
      ).to.include("segment 1's verification key is not the one its final zkey holds");
      // The generated verifier with two keys' constants swapped (_KEY0 and _KEY1).
      const sol = join(root, "contracts", "segments-tiny-segmented", "SegmentsTinySegmentedVerifier.sol");
      expect(
        await edit(
          sol,
          (text) => text.replaceAll("_KEY0;", "_KEYX;").replaceAll("_KEY1;", "_KEY0;").replaceAll("_KEYX;", "_KEY1;"),
          () => compileSegmentedVerifier(build),
        ),
      ).to.include("is not the verifier the 3 segment keys of segments-tiny give");
      // The record's plan with another cut, which the spec's graph does not fit.
      const record = join(root, "models", "segments-tiny-segmented", "segments.json");
      expect(
        await edit(
          record,
          (text) => {
            const r = JSON.parse(text) as SegmentRecord;
            r.plan.segments[1]!.first += 1;
            r.plan.segments[0]!.end += 1;
            return JSON.stringify(r);
          },
          () => readSegmentedBuild(spec),
        ),
      ).to.include("the segmented build of segments-tiny is stale: its recorded plan does not fit the spec");
      // The record's commitment alone changed.
      expect(
        await edit(
          record,
          (text) => text.replace(tiny.modelCommitment, other.modelCommitment),
          () => readSegmentedBuild(spec),
        ),
      ).to.include(`the spec and the recorded plan give commitment ${tiny.modelCommitment}, the build recorded ${other.modelCommitment}`);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it("decides a segmented model's setup by its worst segment key: one development key keeps it to local chains", () => {
    const ceremony = { setup: "ceremony", contributions: 3, zkeySha256: "", ptau: { source: "hermez", power: 10 } };
    const dev = { setup: "development", contributions: 1, zkeySha256: "", ptau: { source: "development", power: 10 } };
    const remote = (setups: (typeof ceremony)[]) => segmentedSetupVerdict(setups, (s) => setupVerdict(s, 1));
    expect(remote([ceremony, ceremony, ceremony])).to.include({ allowed: true, label: "ceremony" });
    const mixed = remote([ceremony, dev, ceremony]);
    expect(mixed).to.include({ allowed: false, label: "development" });
    expect(mixed.reason).to.match(/^3 segment keys; segment 1's refusing to deploy a development setup to chain 1/);
    expect(segmentedSetupVerdict([ceremony, dev], (s) => setupVerdict(s, 31337))).to.include({ allowed: true, developmentOnly: true });
  });
});
