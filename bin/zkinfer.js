#!/usr/bin/env node
// The `zkinfer` bin. In the installed package it runs the compiled CLI (dist/) on plain Node; in a
// clone, which has the TypeScript sources, it runs them through tsx (no build step while developing).
//
// zkinfer needs Node >= 22.13 (Hardhat 3, node:sqlite). The project pins one as a devDependency (the
// npm package `node`, in node_modules/.bin): when this file starts under an older Node (the system's),
// it re-runs itself under the pinned one instead of failing, so `npx zkinfer` works whatever Node
// npx itself runs on. (package.json declares no `engines` for that reason: npm would warn on every
// npx call about its own Node, which is not the one that runs the CLI.)
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const [major, minor] = process.versions.node.split(".").map(Number);
if (major < 22 || (major === 22 && minor < 13)) {
  const pinned = join(dirname(fileURLToPath(import.meta.url)), "..", "node_modules", ".bin", "node");
  if (!existsSync(pinned) || process.env.ZKINFER_REEXEC === "1") {
    console.error(`zkinfer needs Node >= 22.13 (this is ${process.version}). Install Node 22, or run it with \`npx -y -p node@22.23.3 -- zkinfer ...\`.`);
    process.exit(2);
  }
  const { status, signal } = spawnSync(pinned, [fileURLToPath(import.meta.url), ...process.argv.slice(2)], {
    stdio: "inherit",
    env: { ...process.env, ZKINFER_REEXEC: "1" },
  });
  if (signal) process.kill(process.pid, signal);
  process.exit(status ?? 1);
}

const sources = new URL("../prover/cli/run.ts", import.meta.url);
if (existsSync(sources)) {
  const { register } = await import("tsx/esm/api");
  register();
  await import(sources.href);
} else {
  await import("../dist/prover/cli/run.js");
}
