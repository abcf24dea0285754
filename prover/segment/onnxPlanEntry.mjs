// Entry of the segment plan's child process (see ./onnxPlan.ts). A forked process gets no flags from
// its parent but the heap cap: in the compiled package it imports the compiled module beside it; in a
// clone, which runs the TypeScript sources, it registers tsx itself first.
import { existsSync } from "node:fs";

if (existsSync(new URL("./onnxPlanProcess.js", import.meta.url))) {
  await import("./onnxPlanProcess.js");
} else {
  const { register } = await import("tsx/esm/api");
  register();
  await import("./onnxPlanProcess.ts");
}
