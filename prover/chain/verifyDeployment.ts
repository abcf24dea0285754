/**
 * `zkinfer verify-deployment`: checks a live registration against the model's sources, as any user
 * can before trusting it.
 *
 * - verifier code: the runtime code at the registered verifier is exactly the one zkinfer compiles
 *   from the final key's generated verifier (immutables as the constructor writes them; only the
 *   compiler's metadata trailer, well formed and of the same shape, is set aside). There is no weaker
 *   fallback: code that merely contains the key's constants, a proxy, or another compile fails, naming
 *   the first differing byte range (issue 22);
 * - commitment: the registered commitment equals the one computed from the spec;
 * - setup: the ceremony transcript verifies (snarkjs) and its final zkey is the one the verifier was
 *   generated from; a development-grade setup fails on any chain but a local one. A third party passes
 *   the published ceremony folder (`ceremonyDir`): it is verified against the circuit compiled from the
 *   spec and its final key installed in the local build before the code is compared. A PLONK/FFLONK key
 *   has no ceremony: it is derived again from the circuit and the ptau, which must be a published one
 *   (the Hermez files, by blake2b) or one the checker names as trusted; anything else fails;
 * - status (Active), and, reported: owner, consumer, update delay, pending update;
 * - every aggregated verifier in force for the model (docs/AGGREGATION.md): its code is the one compiled
 *   from the local aggregated build's key for that N (`zkinfer build --aggregate N`), its output layout
 *   is the spec's, and its setup passes the same verdict as the model's;
 * - a segmented model (`segmented`, docs/SEGMENTS.md) instead: the SegmentedVerifier compiled from the
 *   K segment keys in order, the commitment over all K segments in order, each segment's setup.
 */
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Address } from "viem";
import { artifactPath } from "../artifacts/paths.js";
import { buildModel } from "../build/buildModel.js";
import { ZkinferError } from "../errors.js";
import { readModelSpec } from "../model/spec.js";
import { lowerModel } from "../model/ir.js";
import { MAX_AGGREGATION_SIZE, aggregatedOutputLayout, encodeOutputLayout } from "../abi/aggregatedSignals.js";
import { aggregatedArtifactName, aggregationRefusal } from "../circuit/aggregate.js";
import { sha256File } from "../setup/groth16.js";
import { installCeremonySetup, readTranscript, verifyCeremony } from "../setup/ceremony.js";
import { classifyPtau } from "../setup/ptau.js";
import { readSetupRecord as readSetupFile } from "../setup/setupRecord.js";
import { setupUniversal } from "../setup/universal.js";
import { inferenceHubAbi } from "./abi.js";
import { connectRead } from "./connect.js";
import { modelStatusName, readModel, type Model } from "./model.js";
import { compareRuntimeCode, localVerifierRuntime } from "./compileVerifier.js";
import {
  modelDeploymentSpec,
  readSetupRecord,
  segmentedDeploymentSpec,
  setupVerdict,
  type ModelDeploymentSpec,
  type SegmentedDeploymentSpec,
  type SetupRecord,
} from "./deployModel.js";
import { compareSegmentedVerifier, compileSegmentedVerifier } from "./segmentedDeployment.js";

export interface DeploymentCheck {
  name: string;
  ok: boolean;
  detail: string;
}

export interface VerifyDeploymentParameters {
  rpcUrl: string;
  hub: Address;
  modelId: bigint;
  specPath: string;
  /**
   * A published ceremony folder to check against (a third party's copy), instead of the one the local
   * build recorded. When it verifies, its final key becomes the local build's (the verifier is
   * generated from it again), so the code check compares the chain with that key's verifier.
   */
  ceremonyDir?: string;
  /** The phase-1 file, when it is not where the transcript or setup.json records it. */
  ptauPath?: string;
  /** blake2b (hex) of ptau files the checker trusts besides the published Hermez ones. */
  trustedPtau?: readonly string[];
  /** Check the model's segmented build (`zkinfer segments build`) against the deployment. */
  segmented?: boolean;
  log?: (line: string) => void;
}

export async function verifyDeployment(p: VerifyDeploymentParameters): Promise<{ ok: boolean; checks: DeploymentCheck[] }> {
  const checks: DeploymentCheck[] = [];
  const check: Check = (name, ok, detail) => checks.push({ name, ok, detail });
  const { publicClient: client, chainId } = await connectRead(p.rpcUrl);
  if (p.segmented && p.ceremonyDir)
    throw new ZkinferError(
      "--ceremony takes one circuit's published ceremony; a segmented deployment's segment ceremonies are verified from the folders each segment's setup.json records",
    );
  const ceremony = p.ceremonyDir ? await adoptCeremony(p.ceremonyDir, p.specPath, p.ptauPath, p.log) : undefined;
  const segmented = p.segmented ? await segmentedDeploymentSpec(p.specPath) : undefined;
  const expected = segmented ?? (await modelDeploymentSpec(p.specPath));
  let model: Model;
  try {
    model = await readModel(client, p.hub, p.modelId);
  } catch {
    // An unknown id (UnknownModelError) or an address that is not an InferenceHub.
    check("registration", false, `hub ${p.hub} on chain ${chainId} has no model ${p.modelId} (or is not an InferenceHub)`);
    return { ok: false, checks };
  }
  if (segmented) await checkSegmentedModel(client, chainId, model, segmented, check);
  else await checkSingleModel(client, chainId, model, expected, ceremony, p, check);

  // State, reported.
  check("status", modelStatusName(model.status) === "Active", `${modelStatusName(model.status)}, version ${model.version}`);
  check("owner", true, model.owner);
  const consumerCode = model.consumer === "0x0000000000000000000000000000000000000000" ? undefined : await client.getCode({ address: model.consumer });
  check("consumer", true, consumerCode === undefined ? "none" : `${model.consumer} (${(consumerCode.length - 2) / 2} bytes of code)`);
  const delay = await client.readContract({ address: p.hub, abi: inferenceHubAbi, functionName: "updateDelay" });
  check("update delay", true, `${delay} s: a new verifier or commitment is visible this long before it applies`);
  const pending = await client.readContract({ address: p.hub, abi: inferenceHubAbi, functionName: "pendingModelUpdate", args: [p.modelId] });
  await checkAggregatedVerifiers(client, p.hub, p.modelId, p.specPath, chainId, check);
  check(
    "pending update",
    true,
    pending.readyAt === 0n
      ? "none"
      : `verifier ${pending.verifier}, commitment ${pending.modelCommitment}, applicable from ${new Date(Number(pending.readyAt) * 1000).toISOString()}: check it before then`,
  );
  return { ok: checks.every((c) => c.ok), checks };
}

type Check = (name: string, ok: boolean, detail: string) => void;
type Client = Awaited<ReturnType<typeof connectRead>>["publicClient"];

/** The registered shape: outputs, attested, public inputs, as the spec says. */
function checkRegistration(model: Model, expected: ModelDeploymentSpec, check: Check): void {
  const shape = {
    outputs: model.numOutputs === expected.numOutputs,
    attested: model.attested === (expected.registration === "attested"),
    publicInputs: model.numPublicInputs === expected.numPublicInputs,
  };
  check(
    "registration",
    shape.outputs && shape.attested && shape.publicInputs,
    `${model.numOutputs} outputs (spec ${expected.numOutputs}), attested ${model.attested} (spec ${expected.registration === "attested"}), ${model.numPublicInputs} public inputs (spec ${expected.numPublicInputs})`,
  );
}

/** A single-proof model: verifier code, commitment, registration and setup (transcript, universal key, or development). */
async function checkSingleModel(
  client: Client,
  chainId: number,
  model: Model,
  expected: ModelDeploymentSpec,
  ceremony: Awaited<ReturnType<typeof adoptCeremony>> | undefined,
  p: VerifyDeploymentParameters,
  check: Check,
): Promise<void> {
  // Verifier code: exactly the program compiled from the final key, or a failure naming where it differs.
  const code = (await client.getCode({ address: model.verifier })) ?? "0x";
  const local = localVerifierRuntime(expected.name);
  const same = compareRuntimeCode(code, local.runtime);
  check(
    "verifier code",
    same.equal,
    same.equal
      ? `the runtime code at ${model.verifier} equals ${local.contractName} compiled from the final zkey (sha256 ${sha256File(artifactPath(expected.name, "zkey")).slice(0, 16)}…)`
      : `the verifier at ${model.verifier} is not the one generated from this model's final zkey: ${same.reason}`,
  );

  // Commitment and registration shape.
  check(
    "commitment",
    model.modelCommitment === expected.modelCommitment,
    model.modelCommitment === expected.modelCommitment
      ? `${model.modelCommitment}`
      : `registered ${model.modelCommitment}, the spec gives ${expected.modelCommitment}`,
  );
  checkRegistration(model, expected, check);

  // Setup.
  const setup = readSetupRecord(expected.name);
  const verdict = setupVerdict(setup, chainId);
  if (ceremony && !ceremony.valid) {
    check("setup transcript", false, `the ceremony in ${p.ceremonyDir} does not verify: ${ceremony.error}`);
  } else if (setup.setup === "universal") {
    const universal = await checkUniversalSetup(expected.name, setup, p.ptauPath, p.trustedPtau ?? []);
    check("universal setup", universal.ok && (verdict.allowed || universal.trusted), `${universal.detail}; ${verdict.reason}`);
  } else if (setup.setup !== "ceremony" || !setup.transcript) {
    check("setup transcript", false, "development setup (one local contributor): whoever ran it can forge proofs; there is no transcript to verify");
  } else if (!p.ceremonyDir && !existsSync(setup.transcript)) {
    check(
      "setup transcript",
      false,
      `the ceremony folder ${setup.transcript} recorded in setup.json is missing: pass the published transcript with --ceremony <dir>`,
    );
  } else {
    const report = ceremony ?? (await verifyCeremony({ dir: setup.transcript, ...(p.ptauPath ? { ptau: p.ptauPath } : {}) }));
    const zkeyOk = sha256File(artifactPath(expected.name, "zkey")) === setup.zkeySha256;
    const ok = report.valid && zkeyOk && verdict.allowed;
    check(
      "setup transcript",
      ok,
      !report.valid
        ? `the transcript does not verify: ${report.error}`
        : !zkeyOk
          ? "the built zkey is not the ceremony's final zkey"
          : `${report.contributions.length} contributions (${report.contributions.map((c) => c.name).join(", ")}) + beacon ${report.beacon}; ${verdict.reason}`,
    );
  }
}

/**
 * A segmented model (docs/SEGMENTS.md): the code at the registered verifier is exactly the
 * SegmentedVerifier compiled from the K segment keys in order (a failure says, besides the first
 * differing bytes, the segment count the deployed one expects and which keys it lacks or holds in
 * another order); the registered commitment is the one rendered again from the spec over all K
 * segments in order; the registration's shape; each segment's setup (a verified ceremony per segment,
 * `zkinfer ceremony init --segment i`; a development key fails as a single model's does).
 */
async function checkSegmentedModel(client: Client, chainId: number, model: Model, expected: SegmentedDeploymentSpec, check: Check): Promise<void> {
  const k = expected.segmented.k;
  const compiled = compileSegmentedVerifier(expected);
  const same = await compareSegmentedVerifier(client, model.verifier, compiled, expected);
  check(
    "verifier code",
    same.equal,
    same.equal
      ? `the runtime code at ${model.verifier} equals ${compiled.contractName} generated from the ${k} segment keys in order (keys hash ${expected.segmented.keysHash.slice(0, 18)}…)`
      : `the verifier at ${model.verifier} is not ${compiled.contractName} generated from the ${k} segment keys in order: ${[same.reason, ...same.notes].join("; ")}`,
  );
  if (expected.keyStorage === "contracts")
    check(
      "key contracts",
      same.keyContracts?.ok ?? false,
      same.keyContracts?.detail ?? `the code at ${model.verifier} names no key contracts where ${compiled.contractName} holds their addresses`,
    );
  check(
    "commitment",
    model.modelCommitment === expected.modelCommitment,
    model.modelCommitment === expected.modelCommitment
      ? `${model.modelCommitment} (the ${k} segments in order)`
      : `registered ${model.modelCommitment}, the spec's ${k} segments in order give ${expected.modelCommitment}`,
  );
  checkRegistration(model, expected, check);
  // One ceremony per distinct key (segments of one circuit share it), one at a time: snarkjs's verifications share its curve's worker threads.
  const segs = expected.segmented.segments;
  const keys = [...new Set(segs.map((s) => s.key))].map((j) => ({ j, at: segs.flatMap((s) => (s.key === j ? [s.index] : [])) }));
  const setups: { ok: boolean; detail: string }[] = [];
  for (const { at } of keys) setups.push(await segmentSetup(segs[at[0]!]!.name, expected.setups[at[0]!]!, chainId));
  const label = (at: number[]) => (at.length > 1 ? `segments ${at.join(", ")} (one key)` : `segment ${at[0]}`);
  const failed = setups.flatMap((s, n) => (s.ok ? [] : [n]));
  check(
    "segment setups",
    failed.length === 0,
    failed.length === 0
      ? setups.map((s, n) => `${label(keys[n]!.at)}: ${s.detail}`).join("; ")
      : failed.map((n) => `${label(keys[n]!.at)} of ${k}: ${setups[n]!.detail}`).join("; "),
  );
}

/**
 * One segment key's setup: a ceremony (`zkinfer ceremony init --segment i`) whose transcript is this
 * segment's, verifies (snarkjs: every contribution and the beacon, against the segment's r1cs and the
 * ptau) and is fit for the chain; a development key fails, as a single model's does. The build's zkey is
 * the recorded one (readSegmentedBuild refuses it otherwise), so the verifier follows from these keys.
 */
async function segmentSetup(name: string, setup: SetupRecord, chainId: number): Promise<{ ok: boolean; detail: string }> {
  const verdict = setupVerdict(setup, chainId);
  if (setup.setup !== "ceremony" || !setup.transcript)
    return {
      ok: false,
      detail: `${verdict.label} key: whoever made it can forge proofs; there is no transcript to verify (\`zkinfer ceremony init --segment\`)`,
    };
  if (!existsSync(setup.transcript)) return { ok: false, detail: `the ceremony folder ${setup.transcript} recorded in its setup.json is missing` };
  const transcript = readTranscript(setup.transcript);
  if (transcript.model !== name) return { ok: false, detail: `its ceremony in ${setup.transcript} is for ${transcript.model}` };
  const report = await verifyCeremony({ dir: setup.transcript });
  if (!report.valid) return { ok: false, detail: `the transcript does not verify: ${report.error}` };
  if (transcript.beacon?.sha256 !== setup.zkeySha256) return { ok: false, detail: "the built zkey is not the ceremony's final zkey" };
  return {
    ok: verdict.allowed,
    detail: `${report.contributions.length} contributions (${report.contributions.map((c) => c.name).join(", ")}) + beacon; ${verdict.reason}`,
  };
}

/**
 * One check per aggregated verifier in force for `modelId` (each power of two N): the code at the
 * registered address equals the verifier compiled from the local `<model>-aggregated-<N>` build, the
 * registered output layout is the spec's (the hub unpacks the consumer's outputs with it), and the
 * setup's verdict. Without a local build for that N the check fails and says how to make one.
 */
async function checkAggregatedVerifiers(client: Client, hub: Address, modelId: bigint, specPath: string, chainId: number, check: Check): Promise<void> {
  const ir = lowerModel(readModelSpec(specPath));
  const layout = aggregationRefusal(ir) === undefined ? encodeOutputLayout(aggregatedOutputLayout(ir)) : [];
  for (let n = 2; n <= MAX_AGGREGATION_SIZE; n *= 2) {
    const [record, registeredLayout] = await client.readContract({
      address: hub,
      abi: inferenceHubAbi,
      functionName: "aggregatedVerifier",
      args: [modelId, BigInt(n)],
    });
    if (record.verifier === "0x0000000000000000000000000000000000000000") continue;
    const name = aggregatedArtifactName(ir.name, n);
    if (!existsSync(artifactPath(name, "vkey"))) {
      check(
        `aggregated verifier N=${n}`,
        false,
        `${record.verifier} is registered, but there is no local aggregated build to compare it with: run \`zkinfer build ${specPath} --aggregate ${n}\``,
      );
      continue;
    }
    const same = compareRuntimeCode((await client.getCode({ address: record.verifier })) ?? "0x", localVerifierRuntime(name).runtime);
    const layoutOk = registeredLayout.length === layout.length && registeredLayout.every((x, i) => x === layout[i]);
    const verdict = setupVerdict(readSetupRecord(name), chainId);
    check(
      `aggregated verifier N=${n}`,
      same.equal && layoutOk && verdict.allowed,
      !same.equal
        ? `the aggregated verifier at ${record.verifier} is not the one generated from ${name}'s final zkey: ${same.reason}`
        : !layoutOk
          ? `the registered output layout [${registeredLayout.join(", ")}] is not the spec's [${layout.join(", ")}]`
          : `the runtime code at ${record.verifier} equals ${name}'s verifier; output layout as the spec's; ${verdict.reason}`,
    );
  }
}

/**
 * A third party's check from a published ceremony folder: the transcript must be this model's, finalized,
 * and verify against the circuit compiled from the spec (and the ptau); then its final key is installed
 * in the local build and the verifier generated from it again, unless the build already holds it.
 * Returns the verification report; a transcript that does not verify installs nothing.
 */
async function adoptCeremony(dir: string, specPath: string, ptau: string | undefined, log: (line: string) => void = () => {}) {
  const spec = readModelSpec(specPath);
  const transcript = readTranscript(dir);
  if (transcript.model !== spec.name) throw new ZkinferError(`the ceremony in ${dir} is for model "${transcript.model}", not "${spec.name}" (${specPath})`);
  if (!transcript.beacon) throw new ZkinferError(`the ceremony in ${dir} is not finalized (no beacon): there is no final key to check against`);
  // The circuit must exist to verify the transcript against it: compile it from the spec (cached).
  if (!existsSync(artifactPath(spec.name, "r1cs"))) await buildModel({ specPath, log });
  const report = await verifyCeremony({ dir, ...(ptau ? { ptau } : {}) });
  if (!report.valid) return report;
  const zkey = artifactPath(spec.name, "zkey");
  const setup = readSetupFile(spec.name);
  if (!existsSync(zkey) || sha256File(zkey) !== transcript.beacon.sha256 || setup?.setup !== "ceremony") {
    log(`installing the ceremony's final key from ${dir} in the local build and generating its verifier`);
    installCeremonySetup(dir);
    await buildModel({ specPath, log });
  }
  return report;
}

/**
 * A PLONK/FFLONK key is a function of the circuit and the ptau (no randomness, no contribution): the
 * key is derived again from the model's r1cs and the ptau file its build recorded, and must be the
 * built one byte for byte; the ptau is classified by its blake2b (Hermez, this machine's development
 * file, or unverified). Without the ptau file there is nothing to derive from: the check fails.
 */
async function checkUniversalSetup(
  model: string,
  setup: SetupRecord,
  ptauOverride: string | undefined,
  trustedPtau: readonly string[],
): Promise<{ ok: boolean; trusted: boolean; detail: string }> {
  const system = setup.system;
  if (system !== "plonk" && system !== "fflonk")
    return { ok: false, trusted: false, detail: `setup.json records a universal setup of an unknown system (${system})` };
  const path = ptauOverride ?? setup.ptau.path;
  if (!path || !existsSync(path))
    return {
      ok: false,
      trusted: false,
      detail: `the ptau ${path ?? "(none recorded)"} the key was derived from is missing: the key cannot be derived again (pass it with --ptau)`,
    };
  const ptau = await classifyPtau(path, setup.ptau.power);
  const dir = mkdtempSync(join(tmpdir(), "zkinfer-universal-"));
  try {
    const again = await setupUniversal({
      system,
      r1cs: artifactPath(model, "r1cs"),
      ptau: path,
      zkeyFinal: join(dir, "key.zkey"),
      vkey: join(dir, "vkey.json"),
    });
    const built = sha256File(artifactPath(model, "zkey"));
    if (again.zkeySha256 !== built || built !== setup.zkeySha256) {
      return {
        ok: false,
        trusted: false,
        detail: `the ${system} key derived again from the circuit and ${path} (sha256 ${again.zkeySha256.slice(0, 16)}…) is not the built one (${built.slice(0, 16)}…)`,
      };
    }
    // The ptau is the whole trust assumption of a universal key: only a published file, or one the
    // checker names (after checking its phase-1 transcript), passes.
    const trusted = ptau.source === "hermez" || trustedPtau.map((h) => h.toLowerCase()).includes(ptau.blake2b);
    const source =
      ptau.source === "hermez"
        ? "the published Hermez ptau"
        : trusted
          ? `a ptau the checker trusts (--trust-ptau; ${ptau.source === "development" ? "this machine's development file" : "not a published one"})`
          : ptau.source === "development"
            ? "a DEVELOPMENT ptau made on this machine (whoever made it can forge proofs)"
            : "a ptau that is not a published one (whoever made it may forge proofs; pass --trust-ptau <blake2b> only after checking its phase-1 transcript)";
    return {
      ok: trusted,
      trusted,
      detail: `the ${system} key derives from the circuit and ${source}, 2^${ptau.power} (blake2b ${ptau.blake2b.slice(0, 16)}…)`,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
