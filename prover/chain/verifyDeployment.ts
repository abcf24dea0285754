/**
 * `zkinfer verify-deployment`: checks a live registration against the model's sources, as any user
 * can before trusting it.
 *
 * - verifier code: the runtime code at the registered verifier equals the one zkinfer compiles from
 *   the final zkey's generated verifier (metadata trailer aside, immutables as the constructor writes
 *   them); failing that, whether all the verification key's constants appear in it (the weaker check
 *   the issue allows for a verifier compiled with other settings, reported as such);
 * - commitment: the registered commitment equals the one computed from the spec;
 * - setup: the ceremony transcript verifies (snarkjs) and its final zkey is the one the verifier was
 *   generated from; a development-grade setup fails on any chain but a local one;
 * - status (Active), and, reported: owner, consumer, update delay, pending update.
 */
import { existsSync } from "node:fs";
import type { Address } from "viem";
import { artifactPath } from "../artifacts/paths.js";
import { sha256File } from "../setup/groth16.js";
import { verifyCeremony } from "../setup/ceremony.js";
import { inferenceHubAbi } from "./abi.js";
import { connectRead } from "./connect.js";
import { modelStatusName, readModel, type Model } from "./model.js";
import { localVerifierRuntime, sameRuntimeCode } from "./compileVerifier.js";
import { modelDeploymentSpec, readSetupRecord, setupVerdict } from "./deployModel.js";

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
}

export async function verifyDeployment(p: VerifyDeploymentParameters): Promise<{ ok: boolean; checks: DeploymentCheck[] }> {
  const checks: DeploymentCheck[] = [];
  const check = (name: string, ok: boolean, detail: string) => checks.push({ name, ok, detail });
  const { publicClient: client, chainId } = await connectRead(p.rpcUrl);
  const expected = await modelDeploymentSpec(p.specPath);
  let model: Model;
  try {
    model = await readModel(client, p.hub, p.modelId);
  } catch {
    // An unknown id (UnknownModelError) or an address that is not an InferenceHub.
    check("registration", false, `hub ${p.hub} on chain ${chainId} has no model ${p.modelId} (or is not an InferenceHub)`);
    return { ok: false, checks };
  }

  // Verifier code.
  const code = (await client.getCode({ address: model.verifier })) ?? "0x";
  const local = localVerifierRuntime(expected.name);
  if (code === "0x") {
    check("verifier code", false, `the registered verifier ${model.verifier} has no code`);
  } else if (sameRuntimeCode(code, local.runtime)) {
    check(
      "verifier code",
      true,
      `the runtime code at ${model.verifier} equals ${local.contractName} compiled from the final zkey (sha256 ${sha256File(artifactPath(expected.name, "zkey")).slice(0, 16)}…)`,
    );
  } else {
    const constants = await verificationKeyConstants(expected.name);
    const missing = constants.filter((c) => !code.toLowerCase().includes(c));
    check(
      "verifier code",
      missing.length === 0,
      missing.length === 0
        ? `the runtime code differs from zkinfer's compile (other compiler settings?) but holds all ${constants.length} verification-key constants of the final zkey`
        : `the verifier at ${model.verifier} is not the one generated from this model's final zkey: its code differs and ${missing.length} of ${constants.length} verification-key constants are missing (another setup or another model)`,
    );
  }

  // Commitment and registration shape.
  check(
    "commitment",
    model.modelCommitment === expected.modelCommitment,
    model.modelCommitment === expected.modelCommitment
      ? `${model.modelCommitment}`
      : `registered ${model.modelCommitment}, the spec gives ${expected.modelCommitment}`,
  );
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

  // Setup.
  const setup = readSetupRecord(expected.name);
  const verdict = setupVerdict(setup, chainId);
  if (setup.setup !== "ceremony" || !setup.transcript) {
    check("setup transcript", false, "development setup (one local contributor): whoever ran it can forge proofs; there is no transcript to verify");
  } else if (!existsSync(setup.transcript)) {
    check("setup transcript", false, `the ceremony folder ${setup.transcript} recorded in setup.json is missing`);
  } else {
    const report = await verifyCeremony({ dir: setup.transcript });
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

  // State, reported.
  check("status", modelStatusName(model.status) === "Active", `${modelStatusName(model.status)}, version ${model.version}`);
  check("owner", true, model.owner);
  const consumerCode = model.consumer === "0x0000000000000000000000000000000000000000" ? undefined : await client.getCode({ address: model.consumer });
  check("consumer", true, consumerCode === undefined ? "none" : `${model.consumer} (${(consumerCode.length - 2) / 2} bytes of code)`);
  const delay = await client.readContract({ address: p.hub, abi: inferenceHubAbi, functionName: "updateDelay" });
  check("update delay", true, `${delay} s: a new verifier or commitment is visible this long before it applies`);
  const pending = await client.readContract({ address: p.hub, abi: inferenceHubAbi, functionName: "pendingModelUpdate", args: [p.modelId] });
  check(
    "pending update",
    true,
    pending.readyAt === 0n
      ? "none"
      : `verifier ${pending.verifier}, commitment ${pending.modelCommitment}, applicable from ${new Date(Number(pending.readyAt) * 1000).toISOString()}: check it before then`,
  );
  return { ok: checks.every((c) => c.ok), checks };
}

/** The final zkey's verification-key points as the 32-byte words the generated verifier embeds. */
async function verificationKeyConstants(model: string): Promise<string[]> {
  const { readFileSync } = await import("node:fs");
  const vk = JSON.parse(readFileSync(artifactPath(model, "vkey"), "utf8")) as Record<string, unknown>;
  const words: string[] = [];
  const collect = (v: unknown) => {
    if (Array.isArray(v)) v.forEach(collect);
    else if (typeof v === "string" && /^[0-9]+$/.test(v) && v !== "0" && v !== "1") words.push(BigInt(v).toString(16).padStart(64, "0"));
  };
  for (const key of ["vk_alpha_1", "vk_beta_2", "vk_gamma_2", "vk_delta_2", "IC"]) collect(vk[key]);
  return words;
}
