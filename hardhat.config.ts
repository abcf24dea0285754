import { createRequire } from "node:module";
import { defineConfig } from "hardhat/config";
import hardhatEthers from "@nomicfoundation/hardhat-ethers";
import hardhatEthersChaiMatchers from "@nomicfoundation/hardhat-ethers-chai-matchers";
import hardhatIgnitionEthers from "@nomicfoundation/hardhat-ignition-ethers";
import hardhatMocha from "@nomicfoundation/hardhat-mocha";
import hardhatNetworkHelpers from "@nomicfoundation/hardhat-network-helpers";
import { generatedContractsDir } from "./prover/artifacts/paths.js";
import { SOLC_SETTINGS, SOLC_VERSION } from "./prover/chain/solcSettings.js";

const require = createRequire(import.meta.url);

export default defineConfig({
  plugins: [
    hardhatEthers,
    hardhatEthersChaiMatchers,
    hardhatIgnitionEthers,
    hardhatMocha,
    hardhatNetworkHelpers,
  ],
  solidity: {
    // solc comes from the npm `solc` package: nothing is downloaded at build time.
    version: SOLC_VERSION,
    path: require.resolve("solc/soljson.js"),
    // Shared with zkinfer's own verifier compile (prover/chain/solcSettings.ts).
    settings: structuredClone(SOLC_SETTINGS) as { evmVersion: string; optimizer: { enabled: boolean; runs: number } },
  },
  paths: {
    // Generated Solidity verifiers are written by `npm run build:models` under the build root
    // (build/contracts, or $ZKINFER_BUILD_DIR/contracts; outside git); everything hand-written lives in contracts/.
    sources: ["contracts", generatedContractsDir()],
  },
  test: {
    mocha: { timeout: 600_000 },
  },
});
