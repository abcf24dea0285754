/** Resolves a CLI model argument: a folder made by `zkinfer import` (its spec.json) or a spec file. */
import { existsSync, statSync } from "node:fs";
import { join } from "node:path";
import { ZkinferError } from "../errors.js";

export function resolveSpecPath(arg: string): string {
  if (!existsSync(arg)) throw new ZkinferError(`${arg} does not exist: give a model folder (from \`zkinfer import\`) or a spec.json.`);
  if (statSync(arg).isDirectory()) {
    const spec = join(arg, "spec.json");
    if (!existsSync(spec)) throw new ZkinferError(`${arg} has no spec.json: run \`zkinfer import <model> --calibrate <samples> --out ${arg}\` first.`);
    return spec;
  }
  return arg;
}
