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
  // The IR pipeline's optimizer also optimizes the snarkjs verifiers' inline assembly: measured on
  // this repo (scripts/bench-batch.ts, scripts/bench-proof-systems.ts), FFLONK verifyAndAct -7,300 gas,
  // Groth16 verifyAndAct -1,100, batch of 16 -850 per proof; `npx hardhat build` takes ~70 s instead of ~30.
  viaIR: true,
} as const;
