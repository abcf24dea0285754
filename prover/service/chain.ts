/**
 * The service's view of the chain: the hub's ABI (the part the service calls, with every error it
 * may decode), the start-up check of each served model's record, and a development deployment for a
 * local node.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { createPublicClient, createWalletClient, http, keccak256, parseEventLogs, type Account, type Address, type Hex, type PublicClient, type WalletClient } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { REPO_ROOT } from "../artifacts/paths.js";
import { ZkinferError } from "../errors.js";
import { contractAbi } from "../sdk/abi.js";
import { DEFAULT_UPDATE_DELAY } from "../../deploy/InferenceHub.js";

// The contracts' ABIs come from their compiled artifacts, the one definition (a hand-written copy
// drifted once: a field added to the registry's Model struct broke getModel's decoding here).
export const HUB_ABI = contractAbi("InferenceHub");
export const CREDIT_GATE_ABI = contractAbi("CreditGate");

/** Hardhat's first development account (public knowledge: for a local node only). */
export const HARDHAT_DEV_KEY: Hex = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";

export interface ChainClients {
  publicClient: PublicClient;
  walletClient: WalletClient;
  account: Account;
  chainId: number;
}

/**
 * Clients with viem's own retries off: the submitter retries with its own backoff and needs to see
 * each fault (a 5xx after the node accepted a transaction must not become a second transaction).
 */
export async function connectChain(rpcUrl: string, privateKey: Hex, timeoutMs = 10_000): Promise<ChainClients> {
  const transport = http(rpcUrl, { retryCount: 0, timeout: timeoutMs });
  const probe = createPublicClient({ transport });
  let chainId: number;
  try {
    chainId = await withRetry("eth_chainId", () => probe.getChainId(), 4);
  } catch (cause) {
    throw new ZkinferError(`Cannot reach the JSON-RPC endpoint ${rpcUrl}. Start a node (e.g. \`npx hardhat node\`) or pass --rpc.`, { cause });
  }
  const chain = { id: chainId, name: `chain-${chainId}`, nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 }, rpcUrls: { default: { http: [rpcUrl] } } };
  const account = privateKeyToAccount(privateKey);
  return {
    publicClient: createPublicClient({ chain, transport, pollingInterval: 200 }) as PublicClient,
    walletClient: createWalletClient({ chain, transport, account }),
    account,
    chainId,
  };
}

/**
 * Retries a read at start-up with backoff: a flaky RPC endpoint should delay the service, not stop
 * it (the submitter has its own, finer policy for the calls that matter for exactly-once).
 */
export async function withRetry<T>(what: string, read: () => Promise<T>, attempts = 6): Promise<T> {
  for (let i = 1; ; i++) {
    try {
      return await read();
    } catch (e) {
      if (i >= attempts) throw new ZkinferError(`${what} failed ${attempts} times; is the RPC endpoint healthy?`, { cause: e });
      await new Promise((r) => setTimeout(r, 100 * 2 ** i));
    }
  }
}

/** What the operator expects the hub's record of a served model to be. */
export interface ExpectedModel {
  /** The model's name (for messages) and its local build: commitment and generated verifier contract. */
  name: string;
  commitment: bigint;
  verifierContract: string;
  /** Attested models carry the attestation signals; the record must agree. */
  attested: boolean;
  /** The on-chain id the operator names (`--model-id name=id`): never looked up by commitment. */
  modelId: bigint;
  /** The consumer the operator expects the hub to call (`--consumer name=address`). */
  consumer: Address;
}

/**
 * Checks the hub's record of a served model against what its operator expects, and throws naming
 * every mismatch. Why: commitments and verifiers are public, so anyone can register a copy of a
 * model (same verifier, same commitment) with their own consumer; a service that picked a model id
 * by commitment sent every user's proof to the copy, the real consumer never acted, and the jobs
 * still said `confirmed` (docs/SECURITY.md, "Prover service"). So the id is the operator's, and the
 * record must be Active, carry the local commitment, call the expected consumer, and point to a
 * verifier whose runtime code is the one compiled from this model's local build.
 */
export async function checkModelRecord(publicClient: PublicClient, hub: Address, expected: ExpectedModel): Promise<void> {
  const at = `model id ${expected.modelId} in the hub at ${hub}`;
  const count = (await withRetry("modelCount", () => publicClient.readContract({ address: hub, abi: HUB_ABI, functionName: "modelCount" }))) as bigint;
  if (expected.modelId < 1n || expected.modelId > count) {
    throw new ZkinferError(`Refusing to serve ${expected.name}: there is no ${at} (it holds ${count} models). Pass the id the model was registered under (--model-id ${expected.name}=<id>).`);
  }
  const record = (await withRetry("getModel", () => publicClient.readContract({ address: hub, abi: HUB_ABI, functionName: "getModel", args: [expected.modelId] }))) as {
    verifier: Address;
    status: number;
    attested: boolean;
    consumer: Address;
    modelCommitment: bigint;
  };
  const mismatches: string[] = [];
  if (record.status !== 1) mismatches.push(`its status is ${["None", "Active", "Paused", "Retired"][record.status] ?? record.status}, not Active`);
  if (record.modelCommitment !== expected.commitment) mismatches.push(`its commitment is ${record.modelCommitment}, the local build's is ${expected.commitment}`);
  if (record.consumer.toLowerCase() !== expected.consumer.toLowerCase()) mismatches.push(`its consumer is ${record.consumer}, expected ${expected.consumer} (--consumer)`);
  if (record.attested !== expected.attested) mismatches.push(`it is ${record.attested ? "" : "not "}registered as attested, the local model is ${expected.attested ? "" : "not "}attested`);
  const code = await withRetry("getCode", () => publicClient.getCode({ address: record.verifier }));
  // The runtime code the local creation code deploys, immutables included: the node runs the
  // constructor in an eth_call (the artifact's deployedBytecode has the immutables zeroed).
  const creation = verifierArtifact(expected.name, expected.verifierContract).bytecode;
  const local = (await withRetry("eth_call (verifier creation code)", () => publicClient.call({ data: creation }))).data ?? "0x";
  if (!code || keccak256(code) !== keccak256(local)) {
    mismatches.push(`its verifier ${record.verifier} does not run the code of ${expected.verifierContract} compiled from the local build (runtime code hash ${code ? keccak256(code) : "none: no contract"}, expected ${keccak256(local)})`);
  }
  if (mismatches.length > 0) throw new ZkinferError(`Refusing to serve ${expected.name}: ${at} is not the expected one: ${mismatches.join("; ")}.`);
}

/** The compiled artifact of a model's generated verifier contract. */
function verifierArtifact(model: string, contract: string): { abi: unknown[]; bytecode: Hex } {
  return artifact(`build/contracts/${model}/${contract}.sol/${contract}.json`);
}

export interface DevDeployment {
  hub: Address;
  verifier: Address;
  creditGate: Address;
  modelId: bigint;
  startBlock: number;
}

function artifact(path: string): { abi: unknown[]; bytecode: Hex } {
  try {
    return JSON.parse(readFileSync(join(REPO_ROOT, "artifacts", path), "utf8"));
  } catch (cause) {
    throw new ZkinferError(`Missing compiled contract artifacts/${path}. Run \`npx hardhat build\` after \`zkinfer build\`.`, { cause });
  }
}

/**
 * Development only: deploys a hub, the model's generated verifier and a CreditGate from Hardhat's
 * compiled artifacts, the same three steps as the Ignition module deploy/CreditScore.ts (which needs
 * an in-process Hardhat network; this runs against any JSON-RPC node).
 */
export async function deployDevStack(
  { publicClient, walletClient, account }: ChainClients,
  model: { verifierContract: string; name: string; version: string; modelCommitment: bigint; numOutputs: number; threshold: bigint; creditLimit: bigint },
): Promise<DevDeployment> {
  const deploy = async (path: string, args: unknown[] = []) => {
    const { abi, bytecode } = artifact(path);
    const hash = await walletClient.deployContract({ abi, bytecode, args, account, chain: walletClient.chain });
    const receipt = await publicClient.waitForTransactionReceipt({ hash });
    if (!receipt.contractAddress) throw new ZkinferError(`deploying ${path} failed (tx ${hash})`);
    return receipt;
  };
  const call = async (address: Address, functionName: "registerModel" | "setConsumer", args: readonly unknown[]) => {
    const hash = await walletClient.writeContract({ address, abi: HUB_ABI, functionName, args, account, chain: walletClient.chain } as never);
    return publicClient.waitForTransactionReceipt({ hash });
  };
  // The same two-day model-update timelock as the Ignition module's default.
  const hubReceipt = await deploy("contracts/InferenceHub.sol/InferenceHub.json", [DEFAULT_UPDATE_DELAY]);
  const hub = hubReceipt.contractAddress!;
  const name = model.verifierContract;
  const verifier = (await deploy(`build/contracts/${model.name}/${name}.sol/${name}.json`)).contractAddress!;
  const registered = await call(hub, "registerModel", [verifier, model.modelCommitment, model.numOutputs, `zkinfer:${model.name}@${model.version}`]);
  const [event] = parseEventLogs({ abi: HUB_ABI, logs: registered.logs, eventName: "ModelRegistered" });
  const modelId = (event as unknown as { args: { modelId: bigint } }).args.modelId;
  const creditGate = (await deploy("contracts/consumers/CreditGate.sol/CreditGate.json", [hub, modelId, account.address, model.threshold, model.creditLimit])).contractAddress!;
  await call(hub, "setConsumer", [modelId, creditGate]);
  return { hub, verifier, creditGate, modelId, startBlock: Number(hubReceipt.blockNumber) };
}
