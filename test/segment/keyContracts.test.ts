/**
 * A SegmentedVerifier whose keys live in data contracts (docs/SEGMENTS.md, "Keys in data contracts"):
 * each distinct key is the code of a contract of its own (0x00, then the key's bytes), read with
 * EXTCODECOPY; the verifier's constructor takes their addresses as immutables after checking each
 * one's code hash. Against a real `hardhat node` through the CLI, as a team and a user run them:
 * `zkinfer deploy` deploys the key contracts and the verifier, a real proof is verified through the hub,
 * `zkinfer verify-deployment` checks the key contracts byte for byte. docs/SECURITY.md 105-106: a key
 * contract with other code at deploy (the constructor refuses it), and a verifier of the same code whose
 * immutables name swapped or foreign key contracts (verify-deployment reports it). The repeated-blocks
 * fixture (K = 4, 3 distinct keys) built with `keyStorage: "contracts"`.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { expect } from "chai";
import { createPublicClient, createWalletClient, decodeErrorResult, encodeDeployData, getAddress, http, type Address, type BaseError, type Hex } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { inferenceHubAbi } from "../../prover/chain/abi.js";
import { HARDHAT_DEV_KEY } from "../../prover/chain/connect.js";
import { keyContractArtifacts } from "../../prover/chain/deployModel.js";
import { compileSegmentedVerifier, readSegmentedBuild, withKeyContracts, type SegmentedBuild } from "../../prover/chain/segmentedDeployment.js";
import { REPO_ROOT } from "../../prover/artifacts/paths.js";
import { buildSegments, chooseKeyStorage, type SegmentRecord } from "../../prover/segment/build.js";
import { SegmentedProver } from "../../prover/segment/prove.js";
import { keyContractCode, keyContractInitcode, segmentedVerifierSource } from "../../prover/segment/verifier.js";
import { startLocalChain, type LocalChain } from "../../scripts/dev/localChain.js";
import { lastJsonLine, zkinferCli } from "../helpers/cli.js";

const spec = fileURLToPath(new URL("../fixtures/segments-repeat.json", import.meta.url));
const CUTS = [0, 5, 7, 9, 10];
const interfaceImport = join(REPO_ROOT, "contracts", "interfaces", "IInferenceVerifier.sol");

interface Checks {
  ok: boolean;
  checks: { name: string; ok: boolean; detail: string }[];
}
const failing = (report: Checks) => report.checks.filter((c) => !c.ok).map((c) => c.name);
const detail = (report: Checks, name: string) => report.checks.find((c) => c.name === name)?.detail ?? "";

describe("segment keys in data contracts (hardhat node, real proofs, K = 4 with 3 keys)", function () {
  this.timeout(900_000);
  const work = mkdtempSync(join(tmpdir(), "zkinfer-keycontracts-"));
  const account = privateKeyToAccount(HARDHAT_DEV_KEY);
  const env = { ZKINFER_PRIVATE_KEY: HARDHAT_DEV_KEY };
  let chain: LocalChain;
  let record: SegmentRecord;
  let build: SegmentedBuild;
  let deployed: { hub: Address; modelId: number; verifier: Address; segmented: { keyStorage: string; keyContracts: Address[] } };

  before(async () => {
    record = await buildSegments({ specPath: spec, maxSegmentConstraints: 1000, cuts: CUTS, keyStorage: "contracts" });
    build = await readSegmentedBuild(spec);
    chain = await startLocalChain();
  });
  after(async () => {
    await chain?.stop();
    rmSync(work, { recursive: true, force: true });
  });

  const clients = () => ({
    wallet: createWalletClient({ account, transport: http(chain.url) }),
    client: createPublicClient({ transport: http(chain.url) }),
  });
  /** Sends creation code; the new contract's address, or the revert. */
  async function create(data: Hex): Promise<Address> {
    const { wallet, client } = clients();
    const hash = await wallet.sendTransaction({ data, chain: null, gas: 10_000_000n });
    const receipt = await client.waitForTransactionReceipt({ hash });
    if (receipt.status !== "success") throw new Error("creation reverted");
    return getAddress(receipt.contractAddress!);
  }
  async function register(verifier: Address): Promise<bigint> {
    const { wallet, client } = clients();
    const hash = await wallet.writeContract({
      address: deployed.hub,
      abi: inferenceHubAbi,
      functionName: "registerModel",
      args: [verifier, BigInt(record.modelCommitment), 2, "test"],
      chain: null,
    });
    expect((await client.waitForTransactionReceipt({ hash })).status).to.equal("success");
    return client.readContract({ address: deployed.hub, abi: inferenceHubAbi, functionName: "modelCount" });
  }
  const verifyDeployment = async (modelId: number | bigint) => {
    const r = await zkinferCli(["verify-deployment", spec, "--rpc", chain.url, "--hub", deployed.hub, "--model", String(modelId), "--json"]);
    expect(r.stdout.trim(), r.stderr).to.not.equal("");
    return { code: r.code, report: lastJsonLine<Checks>(r.stdout) };
  };

  it("deploy deploys the 3 key contracts then the verifier; an inference verifies through the hub; verify-deployment checks the key contracts byte for byte", async () => {
    expect(record.keyStorage).to.equal("contracts");
    const r = await zkinferCli(["deploy", spec, "--rpc", chain.url, "--json"], env, work);
    expect(r.code, r.stderr).to.equal(0);
    deployed = lastJsonLine(r.stdout);
    expect(deployed.segmented.keyStorage).to.equal("contracts");
    expect(deployed.segmented.keyContracts).to.have.length(3);
    const { wallet, client } = clients();
    const keys = keyContractArtifacts("V", build.vkeys);
    for (const [j, address] of deployed.segmented.keyContracts.entries()) expect(await client.getCode({ address })).to.equal(keys[j]!.deployedBytecode);
    const manifest = JSON.parse(readFileSync(join(work, "deployments", "31337.json"), "utf8")) as { contracts: { name: string; address: string }[] };
    expect(manifest.contracts.map((c) => c.name)).to.include.members([0, 1, 2].map((j) => `SegmentsRepeatSegmentedVerifierKey${j}`));

    const prover = await SegmentedProver.load(spec);
    const p = await prover.prove({ features: { a: 1.5, b: 3, c: -0.5 }, subject: BigInt(account.address), nonce: 1n });
    const hash = await wallet.writeContract({
      address: deployed.hub,
      abi: inferenceHubAbi,
      functionName: "verifyAndAct",
      args: [BigInt(deployed.modelId), p.proof, p.publicSignals],
      chain: null,
    });
    const receipt = await client.waitForTransactionReceipt({ hash });
    expect(receipt.status).to.equal("success");
    console.log(`      verifyAndAct, K = 4 with 3 keys in data contracts (no consumer): ${receipt.gasUsed} gas`);

    const { code, report } = await verifyDeployment(deployed.modelId);
    expect(code, JSON.stringify(report.checks)).to.equal(1); // development keys only
    expect(failing(report)).to.deep.equal(["segment setups"]);
    expect(detail(report, "key contracts")).to.equal(`the 3 key contracts hold the 3 keys byte for byte (${deployed.segmented.keyContracts.join(", ")})`);
    expect(detail(report, "segment setups")).to.include("segments 1, 2 (one key)");
  });

  it("keeps the keys inline while that verifier fits EIP-170 (26 distinct keys), in data contracts past it (27)", () => {
    const dir = mkdtempSync(join(tmpdir(), "zkinfer-keystorage-"));
    try {
      const [inner, last] = [build.vkeys[1]!, build.vkeys[3]!];
      const keys = (k: number) =>
        Array.from({ length: k }, (_, i) => {
          const key = structuredClone(i === k - 1 ? last : inner);
          key.vk_delta_2[0]![0] = String(BigInt(key.vk_delta_2[0]![0]!) + BigInt(i + 1)); // distinct keys, same sizes
          return key;
        });
      const choose = (k: number) => {
        const file = join(dir, `V${k}.sol`);
        const lines: string[] = [];
        const source = segmentedVerifierSource({ vkeys: keys(k), contractName: "V", interfaceImport, provenance: "test" });
        return { storage: chooseKeyStorage(file, "V", source, keys(k), (l) => lines.push(l)), lines };
      };
      // Clearly under the limit: inline, without compiling.
      expect(choose(3)).to.deep.equal({ storage: "inline", lines: [] });
      const at26 = choose(26);
      expect(at26.storage).to.equal("inline");
      expect(at26.lines.join()).to.match(/with its 26 keys inline is 24,\d{3} bytes of code \(EIP-170: 24,576\)$/);
      const at27 = choose(27);
      expect(at27.storage).to.equal("contracts");
      expect(at27.lines.join()).to.match(/with its 27 keys inline is 25,\d{3} bytes of code \(EIP-170: 24,576\): the keys go in data contracts$/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("C105: the constructor refuses key contracts with other code: swapped, another contract, one missing", async () => {
    const verifier = compileSegmentedVerifier(build);
    const [k0, k1, k2] = deployed.segmented.keyContracts as [Address, Address, Address];
    const { client } = clients();
    const refused = async (args: Address[]) => {
      try {
        await client.call({ account: account.address, data: encodeDeployData({ abi: verifier.abi, bytecode: verifier.bytecode, args: [args] }) });
      } catch (e) {
        const raw = (e as BaseError).walk((x) => typeof (x as { data?: unknown }).data === "string") as { data: Hex } | null;
        const revert = decodeErrorResult({ abi: verifier.abi, data: raw!.data });
        return `${revert.errorName}(${(revert.args ?? []).map(String).join(", ")})`;
      }
      return "deployed";
    };
    expect(await refused([k0, k1, k2])).to.equal("deployed");
    expect(await refused([k1, k0, k2])).to.equal(`SegmentedVerifierKeyContractInvalid(0, ${k1})`);
    expect(await refused([k0, k1, deployed.hub])).to.equal(`SegmentedVerifierKeyContractInvalid(2, ${deployed.hub})`);
    // Key 1's bytes with one word changed: another code hash.
    const tampered = await create(`${keyContractInitcode(build.vkeys[1]!).slice(0, -2)}00` as Hex);
    expect(await refused([k0, tampered, k2])).to.equal(`SegmentedVerifierKeyContractInvalid(1, ${tampered})`);
    expect(await refused([k0, k1])).to.equal("SegmentedVerifierKeyContractInvalid(2, 0x0000000000000000000000000000000000000000)");
  });

  it("C106: verify-deployment reports a verifier of the same code whose immutables name swapped or foreign key contracts", async () => {
    const verifier = compileSegmentedVerifier(build);
    const [k0, k1, k2] = deployed.segmented.keyContracts as [Address, Address, Address];
    /** The verifier's runtime code with these key contracts, placed by creation code that skips the constructor's checks. */
    const forge = (keys: Address[]) => {
      const runtime = withKeyContracts(verifier.deployedBytecode, verifier, keys).slice(2);
      const length = (runtime.length / 2).toString(16).padStart(4, "0");
      return create(`0x61${length}80600a3d393df3${runtime}`);
    };
    const swapped = await register(await forge([k1, k0, k2]));
    const { code, report } = await verifyDeployment(swapped);
    expect(code).to.equal(1);
    expect(failing(report)).to.deep.equal(["key contracts", "segment setups"]);
    expect(detail(report, "key contracts")).to.equal(
      `key 0's contract ${k1} (segments 0) holds key 1 (segments 1, 2); key 1's contract ${k0} (segments 1, 2) holds key 0 (segments 0)`,
    );
    // A key contract of the right size holding another key's bytes (key 1 with its last byte changed).
    const foreign = await create(`${keyContractInitcode(build.vkeys[1]!).slice(0, -2)}00` as Hex);
    const other = await verifyDeployment(await register(await forge([k0, foreign, k2])));
    expect(failing(other.report)).to.deep.equal(["key contracts", "segment setups"]);
    expect(detail(other.report, "key contracts")).to.equal(
      `key 1's contract ${foreign} (segments 1, 2) holds other code (${(keyContractCode(build.vkeys[1]!).length - 2) / 2} bytes, expected ${(keyContractCode(build.vkeys[1]!).length - 2) / 2})`,
    );
    // One with no code at all there.
    const empty = await verifyDeployment(await register(await forge([k0, k1, account.address])));
    expect(detail(empty.report, "key contracts")).to.equal(`key 2's contract ${account.address} (segments 3) has no code`);
  });
});

describe("segment key data contracts: a key no contract can hold", () => {
  // Only delta, IC and nPublic are read: a key of n public signals is 1 + 128 + 64 (n + 1) bytes of code.
  const keyOf = (n: number) =>
    ({
      nPublic: n,
      vk_delta_2: [
        ["1", "2"],
        ["3", "4"],
        ["1", "0"],
      ],
      IC: Array.from({ length: n + 1 }, () => ["1", "2", "1"]),
    }) as unknown as Parameters<typeof keyContractInitcode>[0];

  it("holds 380 public signals and refuses 381, naming the limit and hashed outputs", () => {
    expect((keyContractInitcode(keyOf(380)).length - 2) / 2 - 10).to.equal(1 + 128 + 64 * 381);
    expect(() => keyContractInitcode(keyOf(381))).to.throw(/at most 380 public signals.*visibility\.outputs "hashed"/);
  });
});
