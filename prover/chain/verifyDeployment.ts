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
 *   generated from; a development-grade setup fails on any chain but a local one. A PLONK/FFLONK key
 *   has no ceremony: it is derived again from the circuit and the recorded ptau, whose source (the
 *   published Hermez file, by blake2b) decides whether it can be trusted;
 * - status (Active), and, reported: owner, consumer, update delay, pending update.
 */
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Address } from "viem";
import { artifactPath } from "../artifacts/paths.js";
import { sha256File } from "../setup/groth16.js";
import { verifyCeremony } from "../setup/ceremony.js";
import { classifyPtau } from "../setup/ptau.js";
import { setupUniversal } from "../setup/universal.js";
import { inferenceHubAbi } from "./abi.js";
import { connectRead } from "./connect.js";
import { modelStatusName, readModel, type Model } from "./model.js";
import { localVerifierRuntime, sameRuntimeCode } from "./compileVerifier.js";
import { modelDeploymentSpec, readSetupRecord, setupVerdict, type SetupRecord } from "./deployModel.js";

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
  if (setup.setup === "universal") {
    const universal = await checkUniversalSetup(expected.name, setup);
    check("universal setup", universal.ok && verdict.allowed, `${universal.detail}; ${verdict.reason}`);
  } else if (setup.setup !== "ceremony" || !setup.transcript) {
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

/**
 * A PLONK/FFLONK key is a function of the circuit and the ptau (no randomness, no contribution): the
 * key is derived again from the model's r1cs and the ptau file its build recorded, and must be the
 * built one byte for byte; the ptau is classified by its blake2b (Hermez, this machine's development
 * file, or unverified). Without the ptau file there is nothing to derive from: the check fails.
 */
async function checkUniversalSetup(model: string, setup: SetupRecord): Promise<{ ok: boolean; detail: string }> {
  const system = setup.system;
  if (system !== "plonk" && system !== "fflonk") return { ok: false, detail: `setup.json records a universal setup of an unknown system (${system})` };
  const path = setup.ptau.path;
  if (!path || !existsSync(path))
    return { ok: false, detail: `the ptau ${path ?? "(none recorded)"} the key was derived from is missing: the key cannot be derived again` };
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
        detail: `the ${system} key derived again from the circuit and ${path} (sha256 ${again.zkeySha256.slice(0, 16)}…) is not the built one (${built.slice(0, 16)}…)`,
      };
    }
    const source =
      ptau.source === "hermez"
        ? "the published Hermez ptau"
        : ptau.source === "development"
          ? "a DEVELOPMENT ptau made on this machine (whoever made it can forge proofs)"
          : "a ptau that is not a published one (unverified)";
    return {
      ok: ptau.source !== "development",
      detail: `the ${system} key derives from the circuit and ${source}, 2^${ptau.power} (blake2b ${ptau.blake2b.slice(0, 16)}…)`,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
