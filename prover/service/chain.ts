/**
 * The service's view of the chain: the chain layer (prover/chain) it uses, and a development
 * deployment for a local node.
 */
import { localVerifierRuntime, sameRuntimeCode } from "../chain/compileVerifier.js";
import { compareSegmentedVerifier, compileSegmentedVerifier, type SegmentedBuild } from "../chain/segmentedDeployment.js";
import { UnknownModelError } from "../chain/errors.js";
import { ModelStatus, modelStatusName, readModel, readModelCount, type Model } from "../chain/model.js";
import { creditGateAbi, inferenceHubAbi } from "../chain/abi.js";
import { withRetry, type ChainClients } from "../chain/connect.js";
import { deployCreditScoreStack, type CreditScoreStack } from "../chain/deploy.js";
import { keccak256, type Address, type PublicClient } from "viem";
import { ZkinferError } from "../errors.js";

export { HARDHAT_DEV_KEY, connectChain, withRetry, type ChainClients } from "../chain/connect.js";

/** The hub's and CreditGate's ABIs (generated from the compiled contracts: prover/chain/abi.generated.ts). */
export const HUB_ABI = inferenceHubAbi;
export const CREDIT_GATE_ABI = creditGateAbi;

/** The development deployment `zkinfer serve --deploy` makes (deploy/CreditScore.ts through Ignition). */
export type DevDeployment = CreditScoreStack;

/**
 * Compiles the contracts a development deployment needs (InferenceHub, CreditGate and the model's
 * generated verifier) with Hardhat's build, as `npx hardhat build` does; a no-op when they are up to
 * date. Before this, `serve --deploy` on a fresh clone died with HHE1000 (an artifact not found).
 * The artifact cache is dropped after the build: Hardhat maps contract names to files once per
 * process, so a verifier compiled now would otherwise still be "not found".
 */
export async function compileDevContracts(log: (line: string) => void = () => {}): Promise<void> {
  const { default: hre } = await import("hardhat");
  const started = Date.now();
  try {
    await hre.tasks.getTask("build").run({ quiet: true });
    await hre.artifacts.clearCache();
  } catch (cause) {
    throw new ZkinferError(
      `Compiling the contracts for --deploy failed (\`npx hardhat build\` shows the compiler's output): ${(cause as Error).message.split("\n")[0]}`,
      {
        cause,
      },
    );
  }
  log(`contracts compiled for --deploy (${Date.now() - started} ms)`);
}

/** Development only: the credit-score stack for one model, deployed with its Ignition module (see prover/chain/deploy.ts). */
export function deployDevStack(
  clients: ChainClients,
  model: { verifierContract: string; name: string; version: string; modelCommitment: bigint; numOutputs: number; threshold: bigint; creditLimit: bigint },
): Promise<DevDeployment> {
  return deployCreditScoreStack(clients, model);
}

/** What the operator expects the hub's record of a served model to be. */
export interface ExpectedModel {
  /** The model's name (its local build: the verifier compiled from it) and its commitment. */
  name: string;
  commitment: bigint;
  /** Attested models carry the attestation signals; the record must agree. */
  attested: boolean;
  /** The on-chain id the operator names (`--model-id name=id`): never looked up by commitment. */
  modelId: bigint;
  /** The consumer the operator expects the hub to call (`--consumer name=address`). */
  consumer: Address;
  /** A model served in segments: its checked build, whose SegmentedVerifier the record must run. */
  segmentedBuild?: SegmentedBuild;
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
  let record: Model;
  try {
    record = await withRetry(
      "getModel",
      () => readModel(publicClient, hub, expected.modelId),
      6,
      (e) => e instanceof UnknownModelError,
    );
  } catch (cause) {
    if (!(cause instanceof UnknownModelError)) throw cause;
    const count = await readModelCount(publicClient, hub);
    throw new ZkinferError(
      `Refusing to serve ${expected.name}: there is no ${at} (it holds ${count} models). Pass the id the model was registered under (--model-id ${expected.name}=<id>).`,
      { cause },
    );
  }
  const mismatches: string[] = [];
  if (record.status !== ModelStatus.Active) mismatches.push(`its status is ${modelStatusName(record.status)}, not Active`);
  if (record.modelCommitment !== expected.commitment)
    mismatches.push(`its commitment is ${record.modelCommitment}, the local build's is ${expected.commitment}`);
  if (record.consumer.toLowerCase() !== expected.consumer.toLowerCase())
    mismatches.push(`its consumer is ${record.consumer}, expected ${expected.consumer} (--consumer)`);
  if (record.attested !== expected.attested)
    mismatches.push(`it is ${record.attested ? "" : "not "}registered as attested, the local model is ${expected.attested ? "" : "not "}attested`);
  const code = await withRetry("getCode", () => publicClient.getCode({ address: record.verifier }));
  if (expected.segmentedBuild) {
    // The segmented verifier: its code (immutables: the key contracts it names, if its keys are in data
    // contracts) and those contracts' code byte for byte, as verify-deployment checks them.
    const compiled = compileSegmentedVerifier(expected.segmentedBuild);
    const same = await withRetry("getCode", () => compareSegmentedVerifier(publicClient, record.verifier, compiled, expected.segmentedBuild!));
    if (!same.equal)
      mismatches.push(`its verifier ${record.verifier} does not run the code of ${compiled.contractName} compiled from the local build (${same.reason})`);
    if (expected.segmentedBuild.keyStorage === "contracts" && !same.keyContracts?.ok)
      mismatches.push(`its key contracts are not the local build's keys: ${same.keyContracts?.detail ?? "its code names none"}`);
  } else {
    const local = localVerifierRuntime(expected.name);
    if (!sameRuntimeCode(code, local.runtime)) {
      mismatches.push(
        `its verifier ${record.verifier} does not run the code of ${local.contractName} compiled from the local build (runtime code hash ${code ? keccak256(code) : "none: no contract"}, expected ${keccak256(local.runtime)})`,
      );
    }
  }
  if (mismatches.length > 0) throw new ZkinferError(`Refusing to serve ${expected.name}: ${at} is not the expected one: ${mismatches.join("; ")}.`);
}
