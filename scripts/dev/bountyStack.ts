/**
 * The accuracy bounty on a chain, as the demo and the bench use it, through the chain layer (viem): the
 * hub (deploy/InferenceHub.ts), the sponsor's bounty verifier (compiled from the build, as `zkinfer
 * deploy` compiles a verifier), a DemoToken reward, the AccuracyBounty (deploy/AccuracyBounty.ts),
 * funded; then a modeller registering their own model with the bounty's verifier and claiming. The
 * end-to-end test's variant, on Hardhat's contract objects for the chai matchers, is test/helpers/bountyStack.ts.
 */
import type { Address } from "viem";
import { accuracyBountyModule, accuracyBountyParameters } from "../../deploy/AccuracyBounty.js";
import InferenceHubModule from "../../deploy/InferenceHub.js";
import { accuracyBountyAbi, demoTokenAbi, inferenceHubAbi } from "../../prover/chain/abi.js";
import { compileModelVerifier } from "../../prover/chain/compileVerifier.js";
import type { ChainClients } from "../../prover/chain/connect.js";
import type { IgnitionConnection } from "../../prover/chain/deploy.js";
import { hardhatArtifact } from "../../prover/chain/deployModel.js";
import { submitInference, type SubmitInferenceReturnType } from "../../prover/chain/submitInference.js";
import { deployAndWait, writeAndWait } from "../../prover/chain/write.js";
import { BOUNTY_OUTPUTS } from "../../prover/circuit/bounty.js";
import type { ProveBountyReturnType } from "../../prover/prove/bountyProver.js";

export interface DeployBountyStackParameters {
  /** The bounty build's name (its verifier is compiled from build/contracts/<name>). */
  bountyName: string;
  testSetHash: bigint;
  testSamples: number;
  minCorrect: number;
  reward: bigint;
  /** Seconds from now until claims close. */
  duration: bigint;
  /** Ignition module suffix, one per bounty in a deployment. */
  suffix?: string;
  /** An existing hub (else a new one). */
  hub?: Address;
}

export interface BountyStack {
  hub: Address;
  verifier: Address;
  token: Address;
  bounty: Address;
  deadline: bigint;
}

/** Deploys the stack and funds the bounty from `sponsor` (an account the node signs for). */
export async function deployBountyStack(
  { connection, sponsor }: { connection: IgnitionConnection; sponsor: ChainClients },
  p: DeployBountyStackParameters,
): Promise<BountyStack> {
  const defaultSender = sponsor.account.address;
  const hub = p.hub ?? ((await (await connection.ignition.deploy(InferenceHubModule, { defaultSender })).hub.getAddress()) as Address);
  const compiled = compileModelVerifier(p.bountyName);
  const verifier = await deployAndWait({ ...sponsor, abi: compiled.abi, bytecode: compiled.bytecode });
  const token = await deployAndWait({
    ...sponsor,
    abi: demoTokenAbi,
    bytecode: hardhatArtifact("DemoToken").bytecode as `0x${string}`,
    args: ["Bounty Dollar", "bUSD", sponsor.account.address],
  });
  const latest = await sponsor.publicClient.getBlock({ blockTag: "latest" });
  const deadline = latest.timestamp + p.duration;
  const module = accuracyBountyModule(p.suffix);
  const { bounty: deployed } = await connection.ignition.deploy(module, {
    defaultSender,
    parameters: accuracyBountyParameters(module, {
      hub,
      verifier,
      token,
      testSetHash: p.testSetHash,
      testSamples: p.testSamples,
      minCorrect: p.minCorrect,
      deadline,
      reward: p.reward,
    }),
  });
  const bounty = (await deployed.getAddress()) as Address;
  await writeAndWait({ ...sponsor, address: token, abi: demoTokenAbi, functionName: "mint", args: [sponsor.account.address, p.reward] });
  await writeAndWait({ ...sponsor, address: token, abi: demoTokenAbi, functionName: "approve", args: [bounty, p.reward] });
  await writeAndWait({ ...sponsor, address: bounty, abi: accuracyBountyAbi, functionName: "fund", args: [] });
  return { hub, verifier, token, bounty, deadline };
}

/**
 * A modeller registers their own model (their weight commitment) with `verifier` (the bounty's, for
 * an honest modeller) and makes `bounty` its consumer. Returns the model id.
 */
export async function registerBountyModel(hub: Address, modeller: ChainClients, verifier: Address, modelCommitment: bigint, bounty: Address): Promise<bigint> {
  const { events } = await writeAndWait({
    ...modeller,
    address: hub,
    abi: inferenceHubAbi,
    functionName: "registerModel",
    args: [verifier, modelCommitment, BOUNTY_OUTPUTS.length, ""],
  });
  const registered = events.find((e) => e.eventName === "ModelRegistered");
  if (registered?.eventName !== "ModelRegistered") throw new Error("registerModel emitted no ModelRegistered");
  const { modelId } = registered.args;
  await writeAndWait({ ...modeller, address: hub, abi: inferenceHubAbi, functionName: "setConsumer", args: [modelId, bounty] });
  return modelId;
}

/** The claim: verifyAndAct from `sender` (the hub accepts it only from the proof's subject). */
export function claimBounty(
  hub: Address,
  sender: ChainClients,
  modelId: bigint,
  p: Pick<ProveBountyReturnType, "proofBytes" | "publicSignals">,
): Promise<SubmitInferenceReturnType> {
  return submitInference(sender, { hub, modelId, ...p });
}
