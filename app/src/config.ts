/**
 * What `npm run app` (scripts/app.ts) tells the page at /config.json: where the chain and the
 * contracts are, which models the applicant page offers, and the ABIs. Public information only.
 */
import type { Abi, Address } from "viem";

export interface CreditModelConfig {
  /** The model's name (spec.name) and its artifact directory URL. */
  name: string;
  artifacts: string;
  modelId: string;
  gate: Address;
  attested: boolean;
  /** A demo applicant's features, to prefill the form (the page never sends them anywhere). */
  example?: Record<string, number>;
}

export interface AppConfig {
  /** The JSON-RPC endpoint, relative to the page (the app server relays it to the local chain). */
  rpc: string;
  chainId: number;
  hub: Address;
  creditModels: CreditModelConfig[];
  signals?: { name: string; modelId: string; feed: Address; priceSource: Address };
  /** A demo bureau's signing endpoint for attested models (local chain only). */
  demoBureau?: string;
  abis: { hub: Abi; creditGate: Abi; signalFeed: Abi; priceSource: Abi };
}
