/**
 * An EIP-1193 provider for Ignition over a remote JSON-RPC node that holds no keys: it answers
 * eth_accounts with the deployer's address and signs eth_sendTransaction locally with viem, sending
 * the raw transaction; every other request goes to the node unchanged.
 */
import { hexToBigInt, hexToNumber, type Hex, type LocalAccount } from "viem";

export interface Eip1193Provider {
  request(args: { method: string; params?: readonly unknown[] | object }): Promise<unknown>;
}

interface TxRequest {
  from?: Hex;
  to?: Hex;
  data?: Hex;
  value?: Hex;
  nonce?: Hex;
  gas?: Hex;
  gasPrice?: Hex;
  maxFeePerGas?: Hex;
  maxPriorityFeePerGas?: Hex;
}

export function signingProvider(rpcUrl: string, account: LocalAccount, chainId: number): Eip1193Provider {
  let id = 0;
  const rpc = async (method: string, params: unknown) => {
    const response = await fetch(rpcUrl, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ jsonrpc: "2.0", id: ++id, method, params: params ?? [] }),
    });
    const body = (await response.json()) as { result?: unknown; error?: { code: number; message: string; data?: unknown } };
    if (body.error) throw Object.assign(new Error(body.error.message), { code: body.error.code, data: body.error.data });
    return body.result;
  };
  return {
    async request({ method, params }) {
      if (method === "eth_accounts" || method === "eth_requestAccounts") return [account.address];
      if (method === "eth_sendTransaction") {
        const tx = (params as TxRequest[])[0]!;
        if (tx.from && tx.from.toLowerCase() !== account.address.toLowerCase())
          throw new Error(`cannot sign for ${tx.from}: the deployer is ${account.address}`);
        const nonce = tx.nonce ? hexToNumber(tx.nonce) : Number(hexToBigInt((await rpc("eth_getTransactionCount", [account.address, "pending"])) as Hex));
        const gas = tx.gas ? hexToBigInt(tx.gas) : hexToBigInt((await rpc("eth_estimateGas", [tx])) as Hex);
        const common = { chainId, to: tx.to, data: tx.data, value: tx.value ? hexToBigInt(tx.value) : 0n, nonce, gas };
        const signed = tx.gasPrice
          ? await account.signTransaction({ ...common, type: "legacy", gasPrice: hexToBigInt(tx.gasPrice) })
          : await account.signTransaction({
              ...common,
              type: "eip1559",
              maxFeePerGas: hexToBigInt(tx.maxFeePerGas ?? ((await rpc("eth_gasPrice", [])) as Hex)),
              maxPriorityFeePerGas: hexToBigInt(tx.maxPriorityFeePerGas ?? "0x0"),
            });
        return rpc("eth_sendRawTransaction", [signed]);
      }
      return rpc(method, params);
    },
  };
}
