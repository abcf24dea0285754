// Entry of a prover process (see ./proverPool.ts). A forked process gets no flags from its parent
// (execArgv: []): in the compiled package it imports the compiled module beside it; in a clone, which
// runs the TypeScript sources, it registers tsx itself first.
import { existsSync } from "node:fs";

if (existsSync(new URL("./proverProcess.js", import.meta.url))) {
  await import("./proverProcess.js");
} else {
  const { register } = await import("tsx/esm/api");
  register();
  await import("./proverProcess.ts");
}
