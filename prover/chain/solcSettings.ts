/**
 * The one definition of how the contracts are compiled: Hardhat's config (hardhat.config.ts) and
 * zkinfer's own compile of a model's verifier (./compileVerifier.ts) both use it, so the verifier that
 * `zkinfer deploy` sends and the one `zkinfer verify-deployment` rebuilds are the same bytes.
 */
export const SOLC_VERSION = "0.8.37";

export const SOLC_SETTINGS = {
  // Cancun or later: ReentrancyGuardTransient uses EIP-1153 transient storage (the chain must support it).
  evmVersion: "prague",
  optimizer: { enabled: true, runs: 10_000 },
} as const;
