/**
 * Connecting to a chain over JSON-RPC: the chain id probe, the account, and the clients every front
 * end (CLI, service, SDK users, demos) uses.
 */
import {
  createPublicClient,
  createWalletClient,
  custom,
  http,
  type Account,
  type Address,
  type Chain,
  type Hex,
  type PublicClient,
  type WalletClient,
} from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { ZkinferError } from "../errors.js";
import { ChainConnectionError, NotAContractError } from "./errors.js";
import type { Eip1193Provider } from "./signingProvider.js";

/** Hardhat's first development account (public knowledge: for a local node only). */
export const HARDHAT_DEV_KEY: Hex = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";

export interface ChainClients {
  publicClient: PublicClient;
  walletClient: WalletClient;
  account: Account;
  chainId: number;
}

export interface ReadClient {
  publicClient: PublicClient;
  chainId: number;
}

/**
 * A public client for `rpcUrl`, after checking the endpoint answers (eth_chainId, retried a few
 * times). viem's own retries are off: the service's submitter retries with its own backoff and must
 * see each fault (a 5xx after the node accepted a transaction must not become a second transaction).
 *
 * @example
 * ```ts
 * const { publicClient } = await connectRead("http://127.0.0.1:8545");
 * ```
 */
export async function connectRead(rpcUrl: string, timeoutMs = 10_000): Promise<ReadClient> {
  const transport = http(rpcUrl, { retryCount: 0, timeout: timeoutMs, fetchFn: fetchAgainOnStaleConnection });
  let chainId: number;
  try {
    chainId = await withRetry("eth_chainId", () => createPublicClient({ transport }).getChainId(), 4);
  } catch (cause) {
    throw new ChainConnectionError(`Cannot reach the JSON-RPC endpoint ${rpcUrl}. Start a node (e.g. \`npx hardhat node\`) or pass --rpc.`, { cause });
  }
  return { publicClient: createPublicClient({ chain: chainOf(chainId, rpcUrl), transport, pollingInterval: 200 }) as PublicClient, chainId };
}

/** {@link connectRead}, plus a wallet client signing with `privateKey`. */
export async function connectChain(rpcUrl: string, privateKey: Hex, timeoutMs = 10_000): Promise<ChainClients> {
  const { publicClient, chainId } = await connectRead(rpcUrl, timeoutMs);
  const account = privateKeyToAccount(privateKey);
  const walletClient = createWalletClient({
    chain: publicClient.chain,
    transport: http(rpcUrl, { retryCount: 0, timeout: timeoutMs, fetchFn: fetchAgainOnStaleConnection }),
    account,
  });
  return { publicClient, walletClient, account, chainId };
}

/** A node that holds its accounts, reached through an EIP-1193 provider (Hardhat's in-process network, a development node). */
export interface ProviderClients extends ReadClient {
  /** The accounts the node unlocks, in its order (Hardhat: its twenty development accounts). */
  accounts: readonly Address[];
  /** The clients that send as `address`, one of {@link ProviderClients.accounts}; the node signs. */
  as(address: Address): ChainClients;
}

/**
 * Clients over an EIP-1193 provider whose node signs for its own accounts, e.g. the demos' and
 * benches' in-process Hardhat network (`(await network.create()).provider`). Receipts are polled
 * every `pollingInterval` ms: an automining node answers at once, and viem's default of 4 s would
 * add 4 s to every transaction.
 *
 * @example
 * ```ts
 * const { provider } = await network.create();
 * const chain = await connectProvider(provider);
 * const { walletClient } = chain.as(chain.accounts[1]!);
 * ```
 */
export async function connectProvider(provider: Eip1193Provider, pollingInterval = 20): Promise<ProviderClients> {
  const transport = custom(provider);
  const probe = createPublicClient({ transport });
  const chainId = await probe.getChainId();
  const chain = chainOf(chainId, "");
  const publicClient = createPublicClient({ chain, transport, pollingInterval }) as PublicClient;
  const accounts = await createWalletClient({ chain, transport }).getAddresses();
  return {
    publicClient,
    chainId,
    accounts,
    as(address) {
      const account: Account = { address, type: "json-rpc" };
      return { publicClient, walletClient: createWalletClient({ chain, transport, account, pollingInterval }), account, chainId };
    },
  };
}

/** Throws a {@link NotAContractError} when `address` holds no code (a typo, or another chain's address). */
export async function assertContract(publicClient: PublicClient, address: Address, what: string): Promise<void> {
  const code = await withRetry("eth_getCode", () => publicClient.getCode({ address }));
  if (code === undefined || code === "0x") {
    throw new NotAContractError(`${what} ${address} is not a contract on chain ${publicClient.chain?.id ?? "?"}: check the address and --rpc.`);
  }
}

/**
 * Retries a read with backoff: a flaky RPC endpoint should delay a start-up, not stop it (the
 * submitter has its own, finer policy for the calls that matter for exactly-once).
 */
export async function withRetry<T>(what: string, read: () => Promise<T>, attempts = 6, final: (error: unknown) => boolean = () => false): Promise<T> {
  for (let i = 1; ; i++) {
    try {
      return await read();
    } catch (e) {
      // An answer (e.g. "no such model") is not a fault: no retry.
      if (final(e)) throw e;
      if (i >= attempts) throw new ZkinferError(`${what} failed ${attempts} times; is the RPC endpoint healthy?`, { cause: e });
      await new Promise((r) => setTimeout(r, 100 * 2 ** i));
    }
  }
}

/** Socket faults of a kept-alive connection the node closed (undici's codes, and the system's). */
const STALE_CONNECTION = new Set(["ECONNRESET", "EPIPE", "UND_ERR_SOCKET"]);

/**
 * `fetch`, sent once more on a fresh connection when it failed on a kept-alive one the node had closed
 * meanwhile. That happens after the process was busy for longer than the node keeps an idle connection
 * (solc compiles a verifier synchronously for seconds): the client has not yet seen the close and
 * writes into a dead socket. viem's own retries stay off (see {@link connectRead}), so only this fault
 * is retried, and never for a transaction send, whose first attempt may have reached the node.
 */
export async function fetchAgainOnStaleConnection(input: string | URL | Request, init?: RequestInit): Promise<Response> {
  try {
    return await fetch(input, init);
  } catch (e) {
    const code = ((e as { cause?: { code?: unknown } }).cause?.code ?? "") as string;
    const sends = typeof init?.body === "string" && /"method":"eth_send(Raw)?Transaction"/.test(init.body);
    if (!STALE_CONNECTION.has(code) || sends) throw e;
    return fetch(input, init);
  }
}

/** A chain viem knows only by id; `rpcUrl` is empty for a provider reached in-process. */
function chainOf(id: number, rpcUrl: string): Chain {
  return { id, name: `chain-${id}`, nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 }, rpcUrls: { default: { http: rpcUrl ? [rpcUrl] : [] } } };
}
