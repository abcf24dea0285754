/**
 * `zkinfer deploy`: a built model to a JSON-RPC chain through the generic Ignition module
 * (deploy/Model.ts), signed locally with viem (./signingProvider.ts), with a per-chain manifest
 * (deployments/<chainId>.json). Also the pieces `verify-deployment` shares: what the model's sources
 * say must be registered, and whether its setup is fit for a given chain.
 */
import { assertContract, connectRead } from "./connect.js";
import { existsSync, readFileSync } from "node:fs";
import { deploy, DeploymentResultType, type Artifact, type ArtifactResolver } from "@nomicfoundation/ignition-core";
import { encodeDeployData, getContractAddress, type Address, type Hex, type PublicClient } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { modelModule, type ModelModuleOptions, type Registration } from "../../deploy/Model.js";
import { DEFAULT_UPDATE_DELAY } from "../../deploy/InferenceHub.js";
import { readManifest, writeManifest, type DeploymentManifest } from "./manifest.js";
import { artifactPath, chainManifestPath, ignitionDeploymentDir, verifierContractName } from "../artifacts/paths.js";
import { readSetupRecord as readSetupFile, type SetupRecord } from "../setup/setupRecord.js";
import { ZkinferError } from "../errors.js";
import { publicInputRanges, type PublicInputRange } from "../abi/publicInputRanges.js";
import { recordedModelCommitment } from "../artifacts/circuitRecord.js";
import { lowerModel, publicInputCount, publicOutputCount } from "../model/ir.js";
import { readModelSpec } from "../model/spec.js";
import { inferenceHubAbi } from "./abi.js";
import { compileModelVerifier, type CompiledContract } from "./compileVerifier.js";
import { findContract } from "./contracts.js";
import { signingProvider } from "./signingProvider.js";
import { distinctKeys, keyContractCode, keyContractInitcode } from "../segment/verifier.js";
import type { Groth16VerificationKey } from "../setup/groth16Batch.js";
import {
  compileSegmentedVerifier,
  readSegmentedBuild,
  segmentedSetupVerdict,
  type SegmentedBuild,
  type SegmentedDeploymentRecord,
} from "./segmentedDeployment.js";

/** What the model's sources say its registration must be. */
export interface ModelDeploymentSpec {
  name: string;
  version: string;
  verifierContract: string;
  modelCommitment: bigint;
  numOutputs: number;
  numPublicSignals: number;
  registration: Registration;
  numPublicInputs: number;
  publicInputBits: number;
  /** The declared ranges of the public inputs, which the hub enforces (empty for private inputs). */
  publicInputRanges: PublicInputRange[];
}

export async function modelDeploymentSpec(specPath: string): Promise<ModelDeploymentSpec> {
  const spec = readModelSpec(specPath);
  const ir = lowerModel(spec);
  const attested = ir.attestation !== undefined;
  const numPublicInputs = publicInputCount(ir);
  const info = readJson<{ nPublic?: number }>(artifactPath(spec.name, "vkey"), `build the model first (\`zkinfer build ${specPath}\`)`);
  // The commitment the build recorded, checked against the spec's IR under the recorded circuit
  // digest (and the record against the files): no circuit is rendered here.
  const commitment = await recordedModelCommitment(ir, specPath);
  return {
    name: spec.name,
    version: spec.version,
    verifierContract: verifierContractName(spec.name),
    modelCommitment: commitment,
    numOutputs: publicOutputCount(ir),
    numPublicSignals: Number(info.nPublic),
    registration: attested ? "attested" : numPublicInputs > 0 ? "public-inputs" : "plain",
    numPublicInputs,
    publicInputBits: ir.visibility.publicInputBits ?? 0,
    publicInputRanges: publicInputRanges(ir),
  };
}

/** A segmented model's deployment: the registration of any private-input model, and its segments. */
export type SegmentedDeploymentSpec = ModelDeploymentSpec & SegmentedBuild;

/** The segmented build of `specPath`'s model (`zkinfer segments build`), checked against the spec (./segmentedDeployment.ts). */
export async function segmentedDeploymentSpec(specPath: string): Promise<SegmentedDeploymentSpec> {
  const build = await readSegmentedBuild(specPath);
  // segmentationRefusal admits private-input, unattested models only.
  return { ...build, registration: "plain", numPublicInputs: 0, publicInputBits: 0, publicInputRanges: [] };
}

export type { SetupRecord };

/** The model's setup as its build records it (setup.json, prover/setup/setupRecord.ts); refused before a build. */
export function readSetupRecord(model: string): SetupRecord {
  const record = readSetupFile(model);
  if (!record) throw new ZkinferError(`cannot read ${artifactPath(model, "setupInfo")}: build the model first (\`zkinfer build\`).`);
  return record;
}

/** Chain ids of local development chains (Hardhat, Anvil, Ganache, geth --dev). */
export const LOCAL_CHAIN_IDS: ReadonlySet<number> = new Set([31337, 1337]);

export interface SetupVerdict {
  /** "ceremony", or why the setup is development-grade. */
  label: string;
  developmentOnly: boolean;
  allowed: boolean;
  reason: string;
}

/**
 * Whether a model with this setup may be deployed on `chainId`. A development-grade key (a local
 * single-contributor setup, a ceremony with one contributor, a ceremony over a development ptau, or a
 * PLONK/FFLONK key derived from any ptau but a published one) lets whoever made it forge proofs, so it
 * goes on a local chain only unless `allowDevSetup`.
 */
export function setupVerdict(setup: Pick<SetupRecord, "setup" | "contributions" | "ptau">, chainId: number, allowDevSetup = false): SetupVerdict {
  // PLONK and FFLONK keys derive from the ptau alone: they are as good as the ptau.
  const universal = (source: string) =>
    source === "hermez" ? "universal (Hermez ptau)" : source === "development" ? "universal (development ptau)" : "universal (unverified ptau)";
  const label =
    setup.setup === "universal"
      ? universal(setup.ptau.source)
      : setup.setup !== "ceremony"
        ? "development"
        : setup.contributions < 2
          ? "ceremony (single contributor)"
          : setup.ptau.source === "development"
            ? "ceremony (development ptau)"
            : setup.ptau.source === "user-unverified"
              ? "ceremony (unverified ptau)"
              : "ceremony";
  // A universal key has no phase 2: its ptau is the whole trust assumption, so one that is not a
  // published file (unverified or development) is development-grade (issue 22, finding 1).
  const developmentOnly = [
    "development",
    "ceremony (single contributor)",
    "ceremony (development ptau)",
    "universal (development ptau)",
    "universal (unverified ptau)",
  ].includes(label);
  const local = LOCAL_CHAIN_IDS.has(chainId);
  const allowed = !developmentOnly || local || allowDevSetup;
  const reason = !developmentOnly
    ? `setup: ${label}`
    : local
      ? `setup: ${label}, acceptable on local chain ${chainId} only`
      : allowDevSetup
        ? `setup: ${label}, deployed to chain ${chainId} because --allow-dev-setup was given: whoever ran the setup can forge proofs`
        : `refusing to deploy a ${label} setup to chain ${chainId}: whoever ran it can forge proofs. Run \`zkinfer ceremony\` first, or pass --allow-dev-setup for a throwaway test deployment.`;
  return { label, developmentOnly, allowed, reason };
}

export interface DeployModelParameters {
  specPath: string;
  rpcUrl: string;
  privateKey: Hex;
  /** An existing hub; a new one is deployed when omitted. */
  hub?: Address;
  updateDelay?: bigint;
  consumer?: { contract: string; args: unknown[] };
  /** An attested model's attester key hashes, trusted from registration on (docs/SECURITY.md C20). */
  attesters?: bigint[];
  metadataURI?: string;
  allowDevSetup?: boolean;
  dryRun?: boolean;
  /** Folder of the per-chain manifests (default ./deployments). */
  outDir?: string;
  /** The user's Solidity sources, where `consumer.contract` is looked for first (./contracts.ts). */
  contractsDir?: string;
  /** Deploy the model's segmented build (`zkinfer segments build`): its SegmentedVerifier and segmented commitment. */
  segmented?: boolean;
  log?: (line: string) => void;
}

export interface PlannedStep {
  step: string;
  gas: bigint | null;
}

export interface DeployModelReturnType {
  chainId: number;
  hub: Address;
  modelId: number;
  verifier: Address;
  consumer: Address | null;
  setup: string;
  manifest: string;
  /** A segmented model's K and segment keys (as the manifest records them). */
  segmented?: SegmentedDeploymentRecord;
}

export interface DryRunReturnType {
  chainId: number;
  setup: string;
  steps: PlannedStep[];
  totalGas: bigint;
  gasPrice: bigint;
}

export async function deployModel(p: DeployModelParameters & { dryRun: true }): Promise<DryRunReturnType>;
export async function deployModel(p: DeployModelParameters & { dryRun?: false }): Promise<DeployModelReturnType>;
export async function deployModel(p: DeployModelParameters): Promise<DeployModelReturnType | DryRunReturnType> {
  const log = p.log ?? (() => {});
  const segmented = p.segmented ? await segmentedDeploymentSpec(p.specPath) : undefined;
  const model = segmented ?? (await modelDeploymentSpec(p.specPath));
  const setup = segmented ? undefined : readSetupRecord(model.name);
  const { publicClient: client, chainId } = await connectRead(p.rpcUrl);
  if (p.attesters?.length && model.registration !== "attested") throw new ZkinferError(`${model.name} is not an attested model: it takes no attesters`);
  const verdict = segmented
    ? segmentedSetupVerdict(segmented.setups, (s) => setupVerdict(s, chainId, p.allowDevSetup))
    : setupVerdict(setup!, chainId, p.allowDevSetup);
  if (!verdict.allowed) throw new ZkinferError(verdict.reason);
  log(verdict.reason);
  if (p.hub) await assertContract(client, p.hub, "--hub");

  const verifier = segmented ? compileSegmentedVerifier(segmented) : compileModelVerifier(model.name);
  // A segmented verifier of key data contracts: one contract per distinct key, deployed before it.
  const keyContracts = segmented?.keyStorage === "contracts" ? keyContractArtifacts(model.verifierContract, segmented.vkeys) : [];
  const artifacts = artifactResolver(verifier, p.contractsDir, keyContracts);
  const account = privateKeyToAccount(p.privateKey);
  const options: ModelModuleOptions = {
    verifierContract: model.verifierContract,
    registration: model.registration,
    existingHub: p.hub !== undefined,
    consumer: p.consumer,
    ...(keyContracts.length ? { keyContracts: keyContracts.map((c) => c.contractName) } : {}),
  };
  const module = modelModule(options);
  const parameters = {
    [module.id]: {
      modelCommitment: model.modelCommitment,
      numOutputs: model.numOutputs,
      metadataURI: p.metadataURI ?? `zkinfer:${model.name}@${model.version}`,
      ...(model.registration === "public-inputs" ? { publicInputBits: model.publicInputBits, publicInputRanges: model.publicInputRanges } : {}),
      ...(model.registration === "attested" ? { attesters: p.attesters ?? [] } : {}),
      ...(p.hub ? { hub: p.hub } : {}),
    },
    InferenceHub: { updateDelay: p.updateDelay ?? DEFAULT_UPDATE_DELAY },
  };

  if (p.dryRun) {
    const steps = await estimate(client, account.address, artifacts, model, verifier, p, keyContracts);
    const gasPrice = await client.getGasPrice();
    return { chainId, setup: verdict.label, steps, totalGas: steps.reduce((s, x) => s + (x.gas ?? 0n), 0n), gasPrice };
  }

  const outDir = p.outDir ?? "deployments";
  const startBlock = Number(await client.getBlockNumber());
  // One Ignition journal per chain, module and hub, so a deployment that stopped half-way resumes.
  const deploymentId = `${module.id}${p.hub ? `_${p.hub.toLowerCase()}` : ""}`;
  const result = await deploy({
    config: { requiredConfirmations: LOCAL_CHAIN_IDS.has(chainId) ? 1 : 2 },
    artifactResolver: artifacts,
    provider: signingProvider(p.rpcUrl, account, chainId),
    // A local chain restarts empty: a journal from an earlier node would make Ignition "resume" onto
    // contracts that no longer exist, so local deployments keep theirs in memory.
    deploymentDir: LOCAL_CHAIN_IDS.has(chainId) ? undefined : ignitionDeploymentDir(outDir, chainId, deploymentId),
    ignitionModule: module,
    deploymentParameters: parameters as never,
    accounts: [account.address],
    defaultSender: account.address,
  });
  if (result.type !== DeploymentResultType.SUCCESSFUL_DEPLOYMENT) {
    const detail = "errors" in result ? JSON.stringify(result.errors) : result.failed.map((f) => `${f.futureId}: ${f.error}`).join("; ") || "timed out or held";
    throw new ZkinferError(`the deployment did not complete (${result.type}): ${detail}`);
  }
  const address = (key: string) => result.contracts[`${module.id}#${key}`]?.address as Address | undefined;
  const hub = (p.hub ?? result.contracts["InferenceHub#InferenceHub"]?.address) as Address;
  const verifierAddress = address(model.verifierContract)!;
  const consumerAddress = p.consumer ? address(p.consumer.contract)! : null;
  // The module registered exactly one model: its ModelRegistered event names the verifier just deployed.
  const modelId = await findModelId(client, hub, verifierAddress, startBlock);
  const keyAddresses = keyContracts.map((c) => address(c.contractName)!);
  const segmentedRecord = segmented ? { ...segmented.segmented, ...(keyAddresses.length ? { keyContracts: keyAddresses } : {}) } : undefined;

  const manifestPath = chainManifestPath(outDir, chainId);
  const previous: DeploymentManifest = existsSync(manifestPath) ? await readManifest(manifestPath) : { network: `chain-${chainId}`, chainId, contracts: [] };
  const contracts = new Map(previous.contracts.map((c) => [c.name, c]));
  if (!contracts.has("InferenceHub") || !p.hub) contracts.set("InferenceHub", { name: "InferenceHub", address: hub, startBlock: p.hub ? 0 : startBlock });
  contracts.set(model.verifierContract, { name: model.verifierContract, address: verifierAddress, startBlock });
  keyContracts.forEach((c, j) => contracts.set(c.contractName, { name: c.contractName, address: keyAddresses[j]!, startBlock }));
  if (consumerAddress)
    contracts.set(`${p.consumer!.contract}@${model.name}`, { name: `${p.consumer!.contract}@${model.name}`, address: consumerAddress, startBlock });
  const models = (previous.models ?? []).filter((m) => !(m.name === model.name && m.hub.toLowerCase() === hub.toLowerCase()));
  models.push({
    name: model.name,
    version: model.version,
    modelId,
    hub,
    verifier: verifierAddress,
    consumer: consumerAddress,
    modelCommitment: model.modelCommitment.toString(),
    setup: verdict.label,
    transcript: setup?.transcript ?? null,
    ...(segmentedRecord ? { segmented: segmentedRecord } : {}),
  });
  await writeManifest(manifestPath, { ...previous, contracts: [...contracts.values()], models });
  return {
    chainId,
    hub,
    modelId,
    verifier: verifierAddress,
    consumer: consumerAddress,
    setup: verdict.label,
    manifest: manifestPath,
    ...(segmentedRecord ? { segmented: segmentedRecord } : {}),
  };
}

async function findModelId(client: PublicClient, hub: Address, verifier: Address, fromBlock: number): Promise<number> {
  const events = await client.getContractEvents({ address: hub, abi: inferenceHubAbi, eventName: "ModelRegistered", fromBlock: BigInt(fromBlock) });
  const mine = events.filter((e) => String((e.args as { verifier: Address }).verifier).toLowerCase() === verifier.toLowerCase());
  if (mine.length !== 1) throw new ZkinferError(`expected one registration of the verifier ${verifier} on hub ${hub}, found ${mine.length}.`);
  return Number((mine[0]!.args as { modelId: bigint }).modelId);
}

/**
 * Gas of each step, estimated by the node. Creations are always estimable; calls on a hub that does
 * not exist yet are estimated against its code placed at its future address (eth_estimateGas state
 * override), and reported as unknown when the node does not support that.
 */
async function estimate(
  client: PublicClient,
  from: Address,
  artifacts: ArtifactResolver,
  model: ModelDeploymentSpec,
  verifier: CompiledContract,
  p: DeployModelParameters,
  keyContracts: readonly CompiledContract[] = [],
): Promise<PlannedStep[]> {
  const steps: PlannedStep[] = [];
  const nonce = await client.getTransactionCount({ address: from });
  const gasOf = async (step: string, tx: { to?: Address; data: Hex }, stateOverride?: { address: Address; code: Hex }[]) => {
    let gas: bigint | null;
    try {
      gas = await client.estimateGas({ account: from, ...tx, stateOverride });
    } catch {
      gas = null; // e.g. a call on a hub not yet deployed: reported as unknown
    }
    steps.push({ step, gas });
  };
  const hubArtifact = await artifacts.loadArtifact("InferenceHub");
  let hub = p.hub;
  let override: { address: Address; code: Hex }[] | undefined;
  let next = nonce;
  if (!hub) {
    await gasOf("deploy InferenceHub", {
      data: encodeDeployData({ abi: hubArtifact.abi, bytecode: hubArtifact.bytecode as Hex, args: [p.updateDelay ?? DEFAULT_UPDATE_DELAY] }),
    });
    hub = getContractAddress({ from, nonce: BigInt(next++) });
    override = [{ address: hub, code: hubArtifact.deployedBytecode as Hex }];
  }
  // Key data contracts first, then the verifier, estimated with their code at their future addresses.
  const keyAddresses: Address[] = [];
  for (const c of keyContracts) {
    await gasOf(`deploy ${c.contractName}`, { data: c.bytecode });
    keyAddresses.push(getContractAddress({ from, nonce: BigInt(next++) }));
  }
  const keyCode = keyContracts.map((c, j) => ({ address: keyAddresses[j]!, code: c.deployedBytecode }));
  await gasOf(
    `deploy ${model.verifierContract}`,
    { data: keyContracts.length ? encodeDeployData({ abi: verifier.abi, bytecode: verifier.bytecode, args: [keyAddresses] }) : verifier.bytecode },
    keyCode.length ? keyCode : undefined,
  );
  const verifierAddress = getContractAddress({ from, nonce: BigInt(next) });
  const { encodeFunctionData } = await import("viem");
  const common = [verifierAddress, model.modelCommitment, model.numOutputs] as const;
  const metadata = p.metadataURI ?? `zkinfer:${model.name}@${model.version}`;
  const data =
    model.registration === "public-inputs"
      ? encodeFunctionData({
          abi: hubArtifact.abi,
          functionName: "registerPublicInputModel",
          args: [...common, model.publicInputBits, model.publicInputRanges, metadata],
        })
      : model.registration === "attested"
        ? encodeFunctionData({ abi: hubArtifact.abi, functionName: "registerAttestedModel", args: [...common, p.attesters ?? [], metadata] })
        : encodeFunctionData({ abi: hubArtifact.abi, functionName: "registerModel", args: [...common, metadata] });
  await gasOf(`register the model (${model.registration})`, { to: hub, data }, override);
  if (p.consumer) {
    const artifact = await artifacts.loadArtifact(p.consumer.contract);
    const args = p.consumer.args.map((a) => (a === "$hub" ? hub : a === "$modelId" ? 1n : a === "$deployer" ? from : a));
    let deployData: Hex | undefined;
    try {
      deployData = encodeDeployData({ abi: artifact.abi, bytecode: artifact.bytecode as Hex, args });
    } catch (cause) {
      throw new ZkinferError(`--consumer-args do not fit ${p.consumer.contract}'s constructor: ${(cause as Error).message.split("\n")[0]}`);
    }
    await gasOf(`deploy ${p.consumer.contract}`, { data: deployData }, override);
    // setConsumer needs the registered model and the consumer's code: not estimable before both exist.
    steps.push({ step: `set ${p.consumer.contract} as the model's consumer`, gas: null });
  }
  return steps;
}

/**
 * Ignition's artifacts: the verifier from zkinfer's compile, a consumer from the user's contractsDir
 * when it is there, InferenceHub and the bundled consumers from zkinfer's own (./contracts.ts).
 */
export function artifactResolver(verifier: CompiledContract, contractsDir?: string, extra: readonly CompiledContract[] = []): ArtifactResolver {
  const cache = new Map<string, CompiledContract>([verifier, ...extra].map((c) => [c.contractName, c]));
  return {
    async loadArtifact(name: string): Promise<Artifact> {
      let c = cache.get(name);
      if (c === undefined) cache.set(name, (c = findContract(name, { contractsDir })));
      return asArtifact(c);
    },
    async getBuildInfo() {
      return undefined;
    },
  };
}

function asArtifact(c: CompiledContract): Artifact {
  return {
    _format: "hh3-artifact-1",
    contractName: c.contractName,
    sourceName: c.sourceName,
    abi: c.abi,
    bytecode: c.bytecode,
    deployedBytecode: c.deployedBytecode,
    linkReferences: {},
    deployedLinkReferences: {},
    immutableReferences: c.immutableReferences,
  };
}

/**
 * A segmented verifier's key data contracts as artifacts (`<Verifier>Key<j>`, one per distinct key in
 * order; no ABI): creation code that returns 0x00 then the key's bytes (prover/segment/verifier.ts).
 */
export function keyContractArtifacts(verifierContract: string, vkeys: readonly Groth16VerificationKey[]): CompiledContract[] {
  return distinctKeys(vkeys).keys.map((key, j) => ({
    contractName: `${verifierContract}Key${j}`,
    sourceName: "zkinfer:segment-key-data",
    abi: [],
    bytecode: keyContractInitcode(key),
    deployedBytecode: keyContractCode(key),
    immutableReferences: {},
  }));
}

/** One of zkinfer's own contracts (InferenceHub, a bundled consumer, a demo token), compiled. */
export function hardhatArtifact(name: string): Artifact {
  return asArtifact(findContract(name));
}

function readJson<T>(path: string, hint: string): T {
  try {
    return JSON.parse(readFileSync(path, "utf8")) as T;
  } catch (cause) {
    throw new ZkinferError(`cannot read ${path}: ${hint}.`, { cause });
  }
}
