import { createRequire } from "node:module";
import { defineConfig } from "hardhat/config";
import type { HardhatPlugin } from "hardhat/types/plugins";
import hardhatEthers from "@nomicfoundation/hardhat-ethers";
import hardhatEthersChaiMatchers from "@nomicfoundation/hardhat-ethers-chai-matchers";
import hardhatIgnitionEthers from "@nomicfoundation/hardhat-ignition-ethers";
import hardhatMocha from "@nomicfoundation/hardhat-mocha";
import hardhatNetworkHelpers from "@nomicfoundation/hardhat-network-helpers";
import { generatedContractsDir } from "./prover/artifacts/paths.js";
import { SOLC_SETTINGS, SOLC_VERSION } from "./prover/chain/solcSettings.js";

const require = createRequire(import.meta.url);

/**
 * solc's warning 2394 (transient storage "can break the composability of smart contracts") fires on
 * every build that uses `tstore`. Both uses here were reviewed for it: OpenZeppelin's
 * ReentrancyGuardTransient clears its slot when the call returns, and InferenceHub's authorized-subject
 * slot is set and cleared within one verifyAndActFor. A notice nobody can act on drowns the warnings
 * that matter, so this one code is dropped from the build's output (through Hardhat's
 * getCompilationJobErrors hook); every other warning still shows.
 */
const REVIEWED_SOLC_WARNINGS: ReadonlySet<string> = new Set(["2394"]);
const reviewedSolcWarnings: HardhatPlugin = {
  id: "zkinfer-reviewed-solc-warnings",
  hookHandlers: {
    solidity: async () => ({
      default: async () => ({
        getCompilationJobErrors: async (context, job, output, next) =>
          (await next(context, job, output)).filter((e) => !(e.severity === "warning" && e.errorCode !== undefined && REVIEWED_SOLC_WARNINGS.has(e.errorCode))),
      }),
    }),
  },
};

export default defineConfig({
  plugins: [hardhatEthers, hardhatEthersChaiMatchers, hardhatIgnitionEthers, hardhatMocha, hardhatNetworkHelpers, reviewedSolcWarnings],
  solidity: {
    // solc comes from the npm `solc` package: nothing is downloaded at build time.
    version: SOLC_VERSION,
    path: require.resolve("solc/soljson.js"),
    // Shared with zkinfer's own verifier compile (prover/chain/solcSettings.ts).
    settings: structuredClone(SOLC_SETTINGS) as { evmVersion: string; optimizer: { enabled: boolean; runs: number }; viaIR: boolean },
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
