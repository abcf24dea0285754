/**
 * `hardhat build` inside a script that goes on to deploy: compiles, then drops the artifact
 * manager's cache. The manager maps contract names to artifact files once, on first use, and the
 * build task does not reset that map, so a verifier compiled after an earlier deployment in the same
 * process was "not found" (HHE1000) on a fresh clone, where the bench writes it for the first time.
 */
export async function compileContracts(hre: {
  tasks: { getTask(name: string): { run(args: object): Promise<unknown> } };
  artifacts: { clearCache(): Promise<void> };
}): Promise<void> {
  await hre.tasks.getTask("build").run({ quiet: true });
  await hre.artifacts.clearCache();
}
