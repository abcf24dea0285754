import { createRequire } from "node:module";
import { defineConfig } from "hardhat/config";
import hardhatEthers from "@nomicfoundation/hardhat-ethers";
import hardhatEthersChaiMatchers from "@nomicfoundation/hardhat-ethers-chai-matchers";
import hardhatMocha from "@nomicfoundation/hardhat-mocha";

const require = createRequire(import.meta.url);

export default defineConfig({
  plugins: [hardhatEthers, hardhatEthersChaiMatchers, hardhatMocha],
  solidity: {
    // solc from the npm `solc` package: nothing is downloaded.
    version: "0.8.37",
    path: require.resolve("solc/soljson.js"),
    // Prague or later: the hub uses transient storage (EIP-1153).
    settings: { evmVersion: "prague", optimizer: { enabled: true, runs: 10_000 } },
    // The hub comes from the zkinfer package.
    npmFilesToBuild: ["zkinfer/contracts/InferenceHub.sol"],
  },
  // `zkinfer build` writes the model's Solidity verifier under build/contracts.
  paths: { sources: ["contracts", "build/contracts"] },
  test: { mocha: { timeout: 900_000 } },
});
