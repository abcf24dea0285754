/**
 * The app's chain access, kept thin: a public client on the app's RPC for reads and an EIP-1193
 * wallet for writes (an injected wallet such as MetaMask, or on the local development chain its
 * unlocked development account through the same RPC).
 */
import {
  BaseError,
  ContractFunctionRevertedError,
  createPublicClient,
  createWalletClient,
  custom,
  defineChain,
  http,
  type Abi,
  type Address,
  type EIP1193Provider,
  type PublicClient,
  type WalletClient,
} from "viem";
import type { AppConfig } from "./config.js";

export interface Chain {
  publicClient: PublicClient;
  config: AppConfig;
}

export interface Wallet {
  client: WalletClient;
  account: Address;
  kind: "injected" | "development";
}

export function connectChain(config: AppConfig): Chain {
  const rpc = new URL(config.rpc, location.href).toString();
  const chain = defineChain({
    id: config.chainId,
    name: `zkinfer ${config.chainId}`,
    nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 },
    rpcUrls: { default: { http: [rpc] } },
  });
  return { config, publicClient: createPublicClient({ chain, transport: http(rpc, { batch: false }) }) as PublicClient };
}

/** A minimal EIP-1193 provider over the app's JSON-RPC endpoint (the local chain's unlocked accounts). */
function rpcProvider(url: string): EIP1193Provider {
  let id = 0;
  return {
    async request({ method, params }: { method: string; params?: unknown }) {
      const res = await fetch(url, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ jsonrpc: "2.0", id: ++id, method, params: params ?? [] }),
      });
      const body = (await res.json()) as { result?: unknown; error?: { code: number; message: string; data?: unknown } };
      if (body.error) throw Object.assign(new Error(body.error.message), body.error);
      return body.result;
    },
    on() {},
    removeListener() {},
  } as unknown as EIP1193Provider;
}

/**
 * The applicant's wallet: the injected one when the browser has one, else (local chain only) the
 * development account `?account=N` (default 1; account 0 deployed and owns the models).
 */
export async function connectWallet({ config, publicClient }: Chain): Promise<Wallet> {
  const injected = (globalThis as { ethereum?: EIP1193Provider }).ethereum;
  const chain = publicClient.chain!;
  if (injected) {
    const [account] = (await injected.request({ method: "eth_requestAccounts" })) as Address[];
    if (!account) throw new Error("the wallet gave no account");
    return { client: createWalletClient({ account, chain, transport: custom(injected) }), account, kind: "injected" };
  }
  if (config.chainId !== 31337) throw new Error("no wallet: install an EIP-1193 wallet (e.g. MetaMask) to submit on this chain");
  const provider = rpcProvider(new URL(config.rpc, location.href).toString());
  const accounts = (await provider.request({ method: "eth_accounts" })) as Address[];
  const index = Number(new URLSearchParams(location.search).get("account") ?? "1");
  const account = accounts[index];
  if (!account) throw new Error(`the development chain has no account #${index}`);
  return { client: createWalletClient({ account, chain, transport: custom(provider) }), account, kind: "development" };
}

/** The custom error a failed call reverted with (its name and arguments), when it is one. */
export function revertOf(error: unknown): { name: string; args: readonly unknown[] } | undefined {
  if (!(error instanceof BaseError)) return undefined;
  const reverted = error.walk((e) => e instanceof ContractFunctionRevertedError);
  if (reverted instanceof ContractFunctionRevertedError && reverted.data?.errorName) {
    return { name: reverted.data.errorName, args: reverted.data.args ?? [] };
  }
  return undefined;
}

/** Every custom error of the given ABIs, for decoding a revert of a call that crosses contracts. */
export function withErrors(abi: Abi, ...others: Abi[]): Abi {
  const seen = new Set(abi.filter((x) => x.type === "error").map((x) => (x as { name: string }).name));
  const extra = others.flatMap((o) => o.filter((x) => x.type === "error" && !seen.has((x as { name: string }).name)));
  return [...abi, ...extra];
}
