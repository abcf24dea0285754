/**
 * Sending a transaction to a protocol contract: simulate first (a revert is reported with its custom
 * error before anything is sent), send, wait for the receipt, and return the events it emitted.
 */
import {
  parseEventLogs,
  type Abi,
  type Account,
  type Address,
  type Hex,
  type ContractFunctionArgs,
  type ContractFunctionName,
  type Hash,
  type PublicClient,
  type TransactionReceipt,
  type WalletClient,
} from "viem";
import { ContractRevertError } from "./errors.js";
import { decodeRevert, formatRevert } from "./revert.js";
import { ZkinferError } from "../errors.js";

export interface WriteAndWaitParameters<abi extends Abi, functionName extends ContractFunctionName<abi, "nonpayable" | "payable">> {
  publicClient: PublicClient;
  walletClient: WalletClient;
  account: Account;
  address: Address;
  abi: abi;
  functionName: functionName;
  args: ContractFunctionArgs<abi, "nonpayable" | "payable", functionName>;
}

export interface WriteAndWaitReturnType<abi extends Abi> {
  hash: Hash;
  receipt: TransactionReceipt;
  /** The events of the mined transaction, decoded with `abi`. */
  events: ReturnType<typeof parseEventLogs<abi>>;
}

/** @example `const { events } = await writeAndWait({ ...clients, address: hub, abi: inferenceHubAbi, functionName: "pauseModel", args: [1n] })` */
export async function writeAndWait<abi extends Abi, functionName extends ContractFunctionName<abi, "nonpayable" | "payable">>(
  p: WriteAndWaitParameters<abi, functionName>,
): Promise<WriteAndWaitReturnType<abi>> {
  const { publicClient, walletClient, account, address, abi, functionName, args } = p;
  let request;
  try {
    // viem's generic parameters do not narrow through a generic wrapper; the public signature above is typed.
    ({ request } = await publicClient.simulateContract({ address, abi, functionName, args, account } as never));
  } catch (error) {
    const revert = decodeRevert(error);
    if (!revert) throw error;
    throw new ContractRevertError(`${String(functionName)} would revert with ${formatRevert(revert)}; nothing was sent.`, revert.name, revert.args, {
      cause: error,
    });
  }
  const hash = await walletClient.writeContract(request as never);
  const receipt = await publicClient.waitForTransactionReceipt({ hash });
  if (receipt.status !== "success") throw new ZkinferError(`${String(functionName)} reverted in transaction ${hash}.`);
  // Results come from the mined transaction's events, not the simulation: another transaction or a
  // later block timestamp may have changed them in between.
  return { hash, receipt, events: parseEventLogs({ abi, logs: receipt.logs }) };
}

export interface DeployAndWaitParameters {
  publicClient: PublicClient;
  walletClient: WalletClient;
  account: Account;
  abi: Abi;
  bytecode: Hex;
  args?: readonly unknown[];
}

/**
 * Deploys a contract from `account` and waits for its receipt; returns the new contract's address.
 *
 * @example `const verifier = await deployAndWait({ ...clients, abi: compiled.abi, bytecode: compiled.bytecode })`
 */
export async function deployAndWait({ publicClient, walletClient, account, abi, bytecode, args = [] }: DeployAndWaitParameters): Promise<Address> {
  // viem's constructor-argument typing needs a literal ABI; callers pass compiled ones, typed as Abi.
  const hash = await walletClient.deployContract({ abi, bytecode, args, account, chain: walletClient.chain } as never);
  const receipt = await publicClient.waitForTransactionReceipt({ hash });
  if (receipt.status !== "success" || !receipt.contractAddress) throw new ZkinferError(`The contract creation in transaction ${hash} reverted.`);
  return receipt.contractAddress;
}
