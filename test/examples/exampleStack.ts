/**
 * What the examples' tests share while they run from this repository: compiling an example's own
 * contracts with the project's solc (their `zkinfer/contracts/...` imports resolved to this checkout's
 * contracts/, as the installed package resolves them), and deploying the hub, a built model's
 * verifier and its registration on Hardhat's in-process network.
 */
import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join, resolve } from "node:path";
import type { Abi } from "viem";
import { REPO_ROOT } from "../../prover/artifacts/paths.js";
import { compileModelVerifier } from "../../prover/chain/compileVerifier.js";
import { SOLC_SETTINGS } from "../../prover/chain/solcSettings.js";

const require = createRequire(import.meta.url);

export const EXAMPLES_DIR = join(REPO_ROOT, "examples");

/** An example's contracts compiled: contract name -> ABI and creation code. */
export function compileExample(example: string, files: string[]): Record<string, { abi: Abi; bytecode: string }> {
  const solc = require("solc") as { compile(input: string, options: { import: (path: string) => { contents: string } | { error: string } }): string };
  const dir = join(EXAMPLES_DIR, example, "contracts");
  const sources = Object.fromEntries(files.map((f) => [`contracts/${f}`, { content: readFileSync(join(dir, f), "utf8") }]));
  const resolveImport = (path: string) => {
    const file = path.startsWith("zkinfer/contracts/") ? join(REPO_ROOT, path.slice("zkinfer/".length)) : resolve(join(EXAMPLES_DIR, example), path);
    return existsSync(file) ? { contents: readFileSync(file, "utf8") } : { error: `${path} not found` };
  };
  const output = JSON.parse(
    solc.compile(
      JSON.stringify({ language: "Solidity", sources, settings: { ...SOLC_SETTINGS, outputSelection: { "*": { "*": ["abi", "evm.bytecode.object"] } } } }),
      { import: resolveImport },
    ),
  ) as {
    errors?: { severity: string; formattedMessage: string }[];
    contracts: Record<string, Record<string, { abi: Abi; evm: { bytecode: { object: string } } }>>;
  };
  const errors = (output.errors ?? []).filter((e) => e.severity === "error");
  if (errors.length) throw new Error(errors.map((e) => e.formattedMessage).join("\n"));
  const out: Record<string, { abi: Abi; bytecode: string }> = {};
  for (const file of Object.values(output.contracts))
    for (const [name, c] of Object.entries(file)) out[name] = { abi: c.abi, bytecode: `0x${c.evm.bytecode.object}` };
  return out;
}

// Hardhat's ethers contracts take their methods from an index signature: handled structurally here.
type Contract = any;

/** The hub (this repository's artifact), the model's generated verifier, and the model registered. */
export async function deployHubAndModel(
  ethers: any,
  model: { name: string; modelCommitment: bigint; numOutputs: number },
): Promise<{ hub: Contract; verifier: Contract; modelId: bigint }> {
  const hub = await ethers.deployContract("InferenceHub", [2n * 24n * 3600n]);
  const compiled = compileModelVerifier(model.name);
  const verifier = await (await ethers.getContractFactory(compiled.abi, compiled.bytecode)).deploy();
  await verifier.waitForDeployment();
  const tx = await hub.registerModel(await verifier.getAddress(), model.modelCommitment, model.numOutputs, `example:${model.name}`);
  await tx.wait();
  return { hub, verifier, modelId: await hub.modelCount() };
}
