/** The patient's page (web/), built into dist/ by scripts/serve.ts. */
import { fileURLToPath } from "node:url";
import { defineConfig } from "vite";

export default defineConfig({
  root: fileURLToPath(new URL("web", import.meta.url)),
  base: "./",
  envDir: false,
  publicDir: false,
  logLevel: "warn",
  build: { outDir: fileURLToPath(new URL("dist", import.meta.url)), emptyOutDir: true, target: "es2022", chunkSizeWarningLimit: 8192 },
  // circomlibjs and its dependencies read `global` (a Node name) at import time.
  define: { global: "globalThis" },
});
