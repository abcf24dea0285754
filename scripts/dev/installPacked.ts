/**
 * Installs a packed zkinfer tarball (`npm pack`) into a project folder outside the repository, offline:
 * the project's package-lock.json is cut from the repository's own (every dependency of zkinfer, at the
 * versions and positions the repository locks, already in npm's cache after `npm ci`), then `npm ci
 * --offline` installs it. So the install needs no registry and resolves exactly what CI tested, while the
 * project imports nothing from the repository (zkinfer itself comes from the tarball).
 *
 * Used by test/cli/package.test.ts and the example dApps' installs.
 */
import { spawnSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { REPO_ROOT } from "../../prover/artifacts/paths.js";

interface LockEntry {
  version?: string;
  resolved?: string;
  integrity?: string;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  peerDependenciesMeta?: Record<string, { optional?: boolean }>;
  dev?: boolean;
  optional?: boolean;
  devOptional?: boolean;
  peer?: boolean;
  link?: boolean;
  [key: string]: unknown;
}

interface Lock {
  name: string;
  lockfileVersion: number;
  requires?: boolean;
  packages: Record<string, LockEntry>;
}

/** The lock path a package `name` required from `from` resolves to (Node's upward node_modules search). */
function resolveIn(packages: Lock["packages"], from: string, name: string): string | undefined {
  let dir = from;
  for (;;) {
    const candidate = `${dir ? `${dir}/` : ""}node_modules/${name}`;
    if (packages[candidate]) return candidate;
    if (!dir) return undefined;
    const cut = dir.lastIndexOf("/node_modules/");
    dir = cut < 0 ? "" : dir.slice(0, cut);
  }
}

/** Every lock entry reachable from `roots` (names required by the project root). */
function closure(packages: Lock["packages"], roots: Iterable<string>): Set<string> {
  const seen = new Set<string>();
  const visit = (from: string, name: string, optional: boolean) => {
    const path = resolveIn(packages, from, name);
    if (path === undefined) {
      if (optional) return;
      throw new Error(`the repository's package-lock.json has no ${name} reachable from ${from || "the root"}`);
    }
    if (seen.has(path)) return;
    seen.add(path);
    const e = packages[path]!;
    for (const d of Object.keys(e.dependencies ?? {})) visit(path, d, false);
    for (const d of Object.keys(e.optionalDependencies ?? {})) visit(path, d, true);
    for (const d of Object.keys(e.peerDependencies ?? {})) visit(path, d, e.peerDependenciesMeta?.[d]?.optional ?? false);
  };
  for (const r of roots) visit("", r, false);
  return seen;
}

export interface InstallPackedParameters {
  /** The tarball `npm pack` wrote. */
  tarball: string;
  /** The project folder (must hold a package.json; its dependencies are replaced by zkinfer + `extra`). */
  dir: string;
  /** Other packages the project needs, at the versions the repository locks (e.g. typescript, @types/node). */
  extra?: string[];
  /** The environment npm runs in (its PATH decides the Node it runs on). */
  env?: NodeJS.ProcessEnv;
}

/**
 * Writes `dir`'s package.json dependencies and package-lock.json, and runs `npm ci --offline` there.
 * Throws with npm's output when the install fails.
 */
export function installPacked({ tarball, dir, extra = [], env = process.env }: InstallPackedParameters): void {
  const repoLock = JSON.parse(readFileSync(join(REPO_ROOT, "package-lock.json"), "utf8")) as Lock;
  const zkinfer = JSON.parse(readFileSync(join(REPO_ROOT, "package.json"), "utf8")) as {
    version: string;
    dependencies: Record<string, string>;
    bin: Record<string, string>;
    overrides?: Record<string, string>;
  };
  const spec = `file:${relative(dir, tarball)}`;
  const extraVersions = Object.fromEntries(
    extra.map((name) => {
      const e = repoLock.packages[`node_modules/${name}`];
      if (!e?.version) throw new Error(`${name} is not in the repository's package-lock.json`);
      return [name, e.version];
    }),
  );
  const pkgPath = join(dir, "package.json");
  const pkg = JSON.parse(readFileSync(pkgPath, "utf8")) as Record<string, unknown>;
  pkg.dependencies = { zkinfer: spec, ...extraVersions };
  // The repository's overrides shaped its lock (msgpackr-extract's version): the cut lock keeps them.
  if (zkinfer.overrides) pkg.overrides = zkinfer.overrides;
  writeFileSync(pkgPath, JSON.stringify(pkg, null, 2) + "\n");

  const reachable = closure(repoLock.packages, [...Object.keys(zkinfer.dependencies), ...extra]);
  const packages: Lock["packages"] = {
    "": { name: String(pkg.name), dependencies: { zkinfer: spec, ...extraVersions } },
    "node_modules/zkinfer": { version: zkinfer.version, resolved: spec, license: "MIT", dependencies: zkinfer.dependencies, bin: zkinfer.bin },
  };
  for (const path of [...reachable].sort()) {
    // What the repository marks dev-only is a runtime dependency here: the flags are recomputed by npm.
    const { dev: _dev, devOptional: _devOptional, ...entry } = repoLock.packages[path]!;
    packages[path] = entry.optional || _devOptional ? { ...entry, optional: true } : entry;
  }
  writeFileSync(join(dir, "package-lock.json"), JSON.stringify({ name: pkg.name, lockfileVersion: 3, requires: true, packages }, null, 2) + "\n");

  // npm's install scripts are off: onnxruntime-node's would download CUDA libraries (the CPU runtime
  // ships in its package), as the repository's own allowScripts policy says.
  const r = spawnSync("npm", ["ci", "--offline", "--ignore-scripts", "--no-audit", "--no-fund"], { cwd: dir, env, encoding: "utf8" });
  if (r.status !== 0) throw new Error(`npm ci --offline in ${dir} failed (exit ${r.status}):\n${r.stdout}\n${r.stderr}`);
}
