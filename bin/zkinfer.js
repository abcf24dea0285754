#!/usr/bin/env node
// The `zkinfer` bin: runs the TypeScript CLI through tsx (the project ships sources, not a build).
import { register } from "tsx/esm/api";

register();
await import("../prover/cli/run.ts");
