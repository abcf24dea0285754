// Entry of a segment prover process (see ./pool.ts). In the compiled package it imports the compiled
// module beside it; in a clone, which runs the TypeScript sources, it registers tsx itself first.
import { existsSync } from "node:fs";

if (existsSync(new URL("./poolWorker.js", import.meta.url))) {
  await import("./poolWorker.js");
} else {
  const { register } = await import("tsx/esm/api");
  register();
  await import("./poolWorker.ts");
}
