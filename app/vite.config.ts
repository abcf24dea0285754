/**
 * The web app's build (npm run app builds it into build/app; docs/BROWSER.md). Plain TypeScript,
 * viem and the prover's browser entry point; the prover runs in a module Web Worker.
 */
import { fileURLToPath } from "node:url";
import { defineConfig } from "vite";

const root = fileURLToPath(new URL(".", import.meta.url));

export default defineConfig({
  root,
  base: "./",
  // No .env files, no public dir: everything the page loads is built here or served by scripts/app.ts.
  envDir: false,
  publicDir: false,
  logLevel: "warn",
  build: {
    outDir: fileURLToPath(new URL("../build/app", import.meta.url)),
    emptyOutDir: true,
    target: "es2022",
    chunkSizeWarningLimit: 4096,
    // The app, and the page `npm run bench:browser` drives.
    rollupOptions: { input: { main: fileURLToPath(new URL("index.html", import.meta.url)), bench: fileURLToPath(new URL("bench.html", import.meta.url)) } },
  },
  worker: { format: "es" },
  define: {
    // circomlibjs and its dependencies read `global` (a Node name) at import time.
    global: "globalThis",
  },
});
