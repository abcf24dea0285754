// What snarkjs 0.7.6 exports and @types/snarkjs 0.7.9 leaves out, added to its declarations.
import type { FflonkProof, Groth16Proof, PlonkProof, PublicSignals } from "snarkjs";

declare module "snarkjs" {
  /**
   * snarkjs reads every artifact through fastfile, which also takes an in-memory file: the prover
   * keeps the zkey and the witness in memory ({ type: "mem", data }) instead of re-reading disk.
   */
  interface MemFile {
    type: "mem";
    data: Uint8Array;
  }

  namespace groth16 {
    function prove(
      zkey: MemFile,
      witness: MemFile,
      logger?: unknown,
    ): Promise<{ proof: Groth16Proof; publicSignals: PublicSignals }>;
  }

  namespace plonk {
    function prove(zkey: MemFile, witness: MemFile, logger?: unknown): Promise<{ proof: PlonkProof; publicSignals: PublicSignals }>;
  }

  namespace fflonk {
    function prove(zkey: MemFile, witness: MemFile, logger?: unknown): Promise<{ proof: FflonkProof; publicSignals: PublicSignals }>;
  }

  /** ffjavascript's curves, re-exported by snarkjs (powers-of-tau ceremonies take a curve). */
  const curves: {
    getCurveFromName(name: "bn128" | "bls12381"): Promise<{ terminate(): Promise<void> }>;
  };
}
