import { createRequire } from "node:module";
import { defineConfig } from "hardhat/config";
import hardhatEthers from "@nomicfoundation/hardhat-ethers";
import hardhatEthersChaiMatchers from "@nomicfoundation/hardhat-ethers-chai-matchers";
import hardhatMocha from "@nomicfoundation/hardhat-mocha";
import { SOLC_SETTINGS, SOLC_VERSION } from "zkinfer/solc";

const require = createRequire(import.meta.url);

export default defineConfig({
  plugins: [hardhatEthers, hardhatEthersChaiMatchers, hardhatMocha],
  solidity: {
    // solc from the npm `solc` package: nothing is downloaded. zkinfer's own version and settings (Prague
    // for the hub's transient storage, the IR pipeline the hub needs).
    version: SOLC_VERSION,
    path: require.resolve("solc/soljson.js"),
    settings: structuredClone(SOLC_SETTINGS),
    // The hub comes from the zkinfer package.
    npmFilesToBuild: ["zkinfer/contracts/InferenceHub.sol"],
  },
  // `zkinfer build` writes the model's Solidity verifier under build/contracts.
  paths: { sources: ["contracts", "build/contracts"] },
  test: { mocha: { timeout: 900_000 } },
});
