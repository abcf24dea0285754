/**
 * The files `zkinfer init <dir>` writes: a dApp with a tiny model, a consumer contract built on
 * IInferenceConsumer, a Hardhat 3 project (solc from the npm `solc` package, nothing downloaded) and a
 * test that builds the model, proves, deploys the hub, the verifier and the consumer on Hardhat's
 * network and acts through verifyAndAct. Kept as code, not files, so they ship inside the compiled
 * package. The pinned versions are the ones zkinfer itself is tested with.
 */
import { pascalName } from "../../artifacts/names.js";

export interface InitOptions {
  /** The project's npm name (the directory's name, sanitised). */
  projectName: string;
  /** The model's name (kebab-case). */
  model: string;
  /** The dependency specifier of zkinfer in package.json, e.g. "0.1.0" or "file:../zkinfer-0.1.0.tgz". */
  zkinfer: string;
}

/** Versions the scaffold pins (zkinfer's own development set; see /work/shared/ENVIRONMENT.md's notes in CONTRIBUTING.md). */
export const SCAFFOLD_VERSIONS = {
  "@nomicfoundation/hardhat-ethers": "4.1.0",
  "@nomicfoundation/hardhat-ethers-chai-matchers": "3.0.11",
  "@nomicfoundation/hardhat-mocha": "3.0.14",
  "@types/mocha": "10.0.10",
  "@types/node": "22.20.5",
  chai: "6.3.0",
  ethers: "6.17.0",
  hardhat: "3.17.0",
  mocha: "11.8.0",
  node: "22.23.3",
  solc: "0.8.37",
  typescript: "5.9.3",
} as const;

/** Relative path -> contents. */
export function scaffoldFiles(o: InitOptions): Record<string, string> {
  const consumer = `${pascalName(o.model)}Consumer`;
  const verifier = `${pascalName(o.model)}Verifier`;
  const spec = `models/${o.model}/spec.json`;
  return {
    "package.json": json({
      name: o.projectName,
      version: "0.1.0",
      private: true,
      type: "module",
      scripts: {
        build: `zkinfer build ${spec}`,
        // Hardhat compiles the generated verifier (build/contracts) before the tests run: build first.
        test: `zkinfer build ${spec} && hardhat test mocha`,
      },
      dependencies: { zkinfer: o.zkinfer },
      devDependencies: SCAFFOLD_VERSIONS,
    }),
    "zkinfer.config.json": json({
      networks: { localhost: { rpc: "http://127.0.0.1:8545", chainId: 31337 } },
      defaultNetwork: "localhost",
      models: { [o.model]: { spec } },
      buildDir: "build",
      contractsDir: "contracts",
      deploymentsDir: "deployments",
    }),
    [spec]: json({
      name: o.model,
      version: "0.1.0",
      description:
        "A starting model: score = 0.5 * income - 0.25 * debt + 1, on integer features. Replace it with yours (zkinfer import turns an ONNX file into a spec).",
      fixedPoint: { inputBits: 0, weightBits: 8, activationBits: 8 },
      features: [
        { name: "income", unit: "thousand USD", min: 0, max: 200, description: "yearly income in thousands" },
        { name: "debt", unit: "thousand USD", min: 0, max: 200, description: "outstanding debt in thousands" },
      ],
      layers: [
        { type: "dense", weights: [[0.5, -0.25]], bias: [1] },
        { type: "output", outputs: [{ name: "score", unit: "points", description: "the score the consumer records" }] },
      ],
    }),
    [`contracts/${consumer}.sol`]: consumerContract(consumer),
    "hardhat.config.ts": HARDHAT_CONFIG,
    [`test/${o.model}.test.ts`]: scaffoldTest(o.model, consumer, verifier, spec),
    "tsconfig.json": json({
      compilerOptions: {
        target: "es2022",
        module: "nodenext",
        moduleResolution: "nodenext",
        strict: true,
        esModuleInterop: true,
        skipLibCheck: true,
        noEmit: true,
      },
      include: ["hardhat.config.ts", "test"],
    }),
    ".gitignore": ["node_modules/", "build/", "artifacts/", "cache/", "types/", "deployments/31337.json", "*.key", ""].join("\n"),
    "README.md": readme(o, consumer),
  };
}

const json = (v: unknown) => JSON.stringify(v, null, 2) + "\n";

function consumerContract(name: string): string {
  return `// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IInferenceConsumer} from "zkinfer/contracts/interfaces/IInferenceConsumer.sol";

/**
 * @title ${name}
 * @notice Records the proven score of each subject. The hub calls it after verifying a proof; it
 * checks that the caller is that hub and the model is its own (anyone can register a model pointing at
 * any consumer), and acts for \`subject\`, never for msg.sender.
 */
contract ${name} is IInferenceConsumer {
    error ${name}UnauthorizedCaller(address caller);
    error ${name}UnexpectedModel(uint256 modelId);

    event ScoreRecorded(address indexed subject, uint256 nonce, int256 score);

    /// @dev BN254's scalar field: a negative output q arrives as r - |q|.
    uint256 private constant _R = 21888242871839275222246405745257275088548364400416034343698204186575808495617;

    address public immutable hub;
    uint256 public immutable modelId;
    mapping(address subject => int256) public scoreOf;

    constructor(address hub_, uint256 modelId_) {
        hub = hub_;
        modelId = modelId_;
    }

    /// @dev See {IInferenceConsumer-onInferenceVerified}.
    function onInferenceVerified(uint256 modelId_, address subject, uint256 nonce, uint256[] calldata outputs) external {
        if (msg.sender != hub) revert ${name}UnauthorizedCaller(msg.sender);
        if (modelId_ != modelId) revert ${name}UnexpectedModel(modelId_);
        int256 score = outputs[0] > _R / 2 ? -int256(_R - outputs[0]) : int256(outputs[0]);
        scoreOf[subject] = score;
        emit ScoreRecorded(subject, nonce, score);
    }
}
`;
}

const HARDHAT_CONFIG = `import { createRequire } from "node:module";
import { defineConfig } from "hardhat/config";
import hardhatEthers from "@nomicfoundation/hardhat-ethers";
import hardhatEthersChaiMatchers from "@nomicfoundation/hardhat-ethers-chai-matchers";
import hardhatMocha from "@nomicfoundation/hardhat-mocha";
import { SOLC_SETTINGS, SOLC_VERSION } from "zkinfer/solc";

const require = createRequire(import.meta.url);

export default defineConfig({
  plugins: [hardhatEthers, hardhatEthersChaiMatchers, hardhatMocha],
  solidity: {
    // solc from the npm \`solc\` package: nothing is downloaded. zkinfer's own version and settings (Prague
    // for the hub's transient storage, the IR pipeline the hub needs): the verifier \`zkinfer deploy\` sends
    // and the one this project compiles are the same bytes.
    version: SOLC_VERSION,
    path: require.resolve("solc/soljson.js"),
    settings: structuredClone(SOLC_SETTINGS),
    // The hub comes from the zkinfer package; Hardhat compiles it as one of this project's contracts.
    npmFilesToBuild: ["zkinfer/contracts/InferenceHub.sol"],
  },
  // \`zkinfer build\` writes each model's Solidity verifier under build/contracts.
  paths: { sources: ["contracts", "build/contracts"] },
  test: { mocha: { timeout: 600_000 } },
});
`;

function scaffoldTest(model: string, consumer: string, verifier: string, spec: string): string {
  return `/**
 * The whole journey on Hardhat's network: the model built by \`npm test\` (zkinfer build), a real proof,
 * the hub, the model's verifier and ${consumer} deployed, and verifyAndAct recording the score.
 */
import { resolve } from "node:path";
import { expect } from "chai";
import { network } from "hardhat";
import { ModelProver } from "zkinfer/prover";

const SPEC = resolve("${spec}");

// snarkjs keeps a BN254 curve with worker threads alive: release it when the tests are done, so the
// process exits by itself.
after(async () => {
  const g = globalThis as { curve_bn128?: { terminate(): Promise<void> } };
  const curve = g.curve_bn128;
  delete g.curve_bn128;
  await curve?.terminate();
});

describe("${model}: prove, verify on chain, act", () => {
  let prover: ModelProver;

  before(async () => {
    // The artifacts \`zkinfer build\` wrote under build/ (zkinfer.config.json's buildDir).
    process.env.ZKINFER_BUILD_DIR ??= resolve("build");
    prover = await ModelProver.load(SPEC);
  });

  async function deploy() {
    const { ethers } = await network.create();
    const [owner, alice] = await ethers.getSigners();
    const hub = await ethers.deployContract("InferenceHub", [2n * 24n * 3600n]);
    const verifier = await ethers.deployContract("${verifier}");
    await (await hub.registerModel(await verifier.getAddress(), prover.modelCommitment, 1, "${model}")).wait();
    const modelId = await hub.modelCount();
    const consumer = await ethers.deployContract("${consumer}", [await hub.getAddress(), modelId]);
    await (await hub.setConsumer(modelId, await consumer.getAddress())).wait();
    return { owner, alice, hub: hub.connect(alice) as typeof hub, consumer, modelId };
  }

  it("records the proven score for the subject", async () => {
    const { alice, hub, consumer, modelId } = await deploy();
    const p = await prover.prove({ features: { income: 120, debt: 40 }, subject: alice.address, nonce: 1n });
    // score = 0.5 * 120 - 0.25 * 40 + 1 = 51, at the output's scale 2^8.
    const expected = 51n * 256n;
    expect(p.reference.outputs[0]).to.equal(expected);
    await expect(hub.verifyAndAct(modelId, p.proofBytes, [...p.publicSignals]))
      .to.emit(consumer, "ScoreRecorded")
      .withArgs(alice.address, 1n, expected);
    expect(await consumer.scoreOf(alice.address)).to.equal(expected);
  });

  it("refuses a proof whose output was changed", async () => {
    const { alice, hub, modelId } = await deploy();
    const p = await prover.prove({ features: { income: 10, debt: 200 }, subject: alice.address, nonce: 2n });
    const forged = [...p.publicSignals];
    forged[0] = 100n * 256n;
    await expect(hub.verifyAndAct(modelId, p.proofBytes, forged)).to.be.revertedWithCustomError(hub, "InferenceHubInvalidProof");
  });
});
`;
}

function readme(o: InitOptions, consumer: string): string {
  return `# ${o.projectName}

A dApp on [zkinfer](https://www.npmjs.com/package/zkinfer), made by \`zkinfer init\`.

    npm install
    npm test

\`npm test\` builds the model (\`zkinfer build\`: circuit, keys with a development ptau, Solidity verifier,
under build/), proves one inference, deploys the InferenceHub, the verifier and \`${consumer}\` on
Hardhat's network and submits the proof through \`verifyAndAct\`.

- \`models/${o.model}/spec.json\`: the model (replace it with yours; \`zkinfer import\` reads ONNX).
- \`contracts/${consumer}.sol\`: what happens on chain when a proof is verified.
- \`zkinfer.config.json\`: networks, models and folders for the \`zkinfer\` CLI (\`--network <name>\`).

The development ptau is for tests only: deploy with keys from a ceremony (\`zkinfer ceremony\`).
`;
}
