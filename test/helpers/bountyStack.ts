/**
 * The accuracy bounty as the end-to-end test uses it: Ignition's and Hardhat's ethers contracts (the
 * tests' convention, for hardhat-ethers' chai matchers). Scripts use scripts/dev/bountyStack.ts (the
 * chain layer) instead; both deploy through deploy/AccuracyBounty.ts with its one parameter definition. The hub
 * (deploy/InferenceHub.ts), the sponsor's bounty verifier (compiled from the build, as `zkinfer
 * deploy` compiles a verifier), a DemoToken reward, the AccuracyBounty (deploy/AccuracyBounty.ts),
 * funded; then a modeller registering their own model with the bounty's verifier and claiming.
 */
import { ContractFactory, type Contract, type Signer } from "ethers";
import { accuracyBountyModule, accuracyBountyParameters } from "../../deploy/AccuracyBounty.js";
import InferenceHubModule from "../../deploy/InferenceHub.js";
import { BOUNTY_OUTPUTS } from "../../prover/circuit/bounty.js";
import { compileModelVerifier } from "../../prover/chain/compileVerifier.js";
import type { ProveBountyReturnType } from "../../prover/prove/bountyProver.js";

export interface DeployBountyStackParameters {
  ethers: any;
  ignition: any;
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
  hub?: Contract;
}

export interface BountyStack {
  hub: Contract;
  verifier: Contract;
  token: Contract;
  bounty: Contract;
  sponsor: Signer;
  deadline: bigint;
}

/** Deploys a model's generated verifier (a bounty's, or any model's) from zkinfer's own compile. */
export async function deployVerifier(signer: Signer, name: string): Promise<Contract> {
  const compiled = compileModelVerifier(name);
  const contract = await new ContractFactory(compiled.abi as never, compiled.bytecode, signer).deploy();
  await contract.waitForDeployment();
  return contract as Contract;
}

/** Deploys the stack and funds the bounty from account 0 (the sponsor). */
export async function deployBountyStack(p: DeployBountyStackParameters): Promise<BountyStack> {
  const [sponsor] = (await p.ethers.getSigners()) as Signer[];
  const hub: Contract = p.hub ?? (await p.ignition.deploy(InferenceHubModule)).hub;
  const verifier = await deployVerifier(sponsor!, p.bountyName);
  const token = (await p.ethers.deployContract("DemoToken", ["Bounty Dollar", "bUSD", await sponsor!.getAddress()])) as Contract;
  await token.waitForDeployment();
  const latest = await sponsor!.provider!.getBlock("latest");
  const deadline = BigInt(latest!.timestamp) + p.duration;
  const module = accuracyBountyModule(p.suffix);
  const { bounty } = (await p.ignition.deploy(module, {
    parameters: accuracyBountyParameters(module, {
      hub: await hub.getAddress(),
      verifier: await verifier.getAddress(),
      token: await token.getAddress(),
      testSetHash: p.testSetHash,
      testSamples: p.testSamples,
      minCorrect: p.minCorrect,
      deadline,
      reward: p.reward,
    }),
  })) as { bounty: Contract };
  await send(token, "mint", await sponsor!.getAddress(), p.reward);
  await send(token, "approve", await bounty.getAddress(), p.reward);
  await send(bounty, "fund");
  return { hub, verifier, token, bounty, sponsor: sponsor!, deadline };
}

/**
 * A modeller registers their own model (their weight commitment) with `verifier` (the bounty's, for
 * an honest modeller) and makes `bounty` its consumer. Returns the model id.
 */
export async function registerBountyModel(hub: Contract, modeller: Signer, verifier: string, modelCommitment: bigint, bounty: string): Promise<bigint> {
  const asModeller = hub.connect(modeller) as Contract;
  const receipt = await (await asModeller.getFunction("registerModel")(verifier, modelCommitment, BOUNTY_OUTPUTS.length, "")).wait();
  const event = receipt.logs
    .map((l: { topics: string[]; data: string }) => hub.interface.parseLog(l))
    .find((e: { name: string } | null) => e?.name === "ModelRegistered");
  const modelId: bigint = event.args.modelId;
  await (await asModeller.getFunction("setConsumer")(modelId, bounty)).wait();
  return modelId;
}

/** The claim: verifyAndAct from `sender` (the hub accepts it only from the proof's subject). */
export async function claimBounty(hub: Contract, sender: Signer, modelId: bigint, p: Pick<ProveBountyReturnType, "proofBytes" | "publicSignals">) {
  return (await (hub.connect(sender) as Contract).getFunction("verifyAndAct")(modelId, p.proofBytes, [...p.publicSignals])).wait();
}

async function send(contract: Contract, method: string, ...args: unknown[]) {
  return (await contract.getFunction(method)(...args)).wait();
}
