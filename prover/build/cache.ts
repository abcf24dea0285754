/**
 * Content-hash build cache. A step records the hash of everything it read in a stamp file, written
 * only after all its outputs are complete; a later run skips the step when the hash is unchanged
 * and the outputs exist. A step that dies half-way leaves no stamp, so it is redone: nothing
 * half-built is ever taken as finished.
 */
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";

export type HashPart = string | Uint8Array | number | bigint | { file: string };

/** sha256 over the given parts (files are read and hashed by content). */
export function contentHash(parts: readonly HashPart[]): string {
  const h = createHash("sha256");
  for (const p of parts) {
    const bytes = typeof p === "object" && "file" in p ? readFileSync(p.file) : typeof p === "string" || p instanceof Uint8Array ? p : String(p);
    const chunk = typeof bytes === "string" ? Buffer.from(bytes) : bytes;
    h.update(String(chunk.length)).update(":").update(chunk);
  }
  return h.digest("hex");
}

export interface CachedStepParameters<T> {
  /** Folder holding this model's stamps. */
  stampDir: string;
  /** Step name, e.g. "compile". */
  step: string;
  /** Hash of all the step's inputs. */
  hash: string;
  /** Files the step must produce. */
  outputs: readonly string[];
  /** Does the work; its JSON-serialisable result is stored with the stamp and returned on a hit. */
  run: () => Promise<T>;
}

export interface CachedStepReturnType<T> {
  result: T;
  cached: boolean;
}

/** The stamp of one step; deleting it forces the step to run again. */
export function stampPath(stampDir: string, step: string): string {
  return join(stampDir, `${step}.stamp.json`);
}

export async function cachedStep<T>({ stampDir, step, hash, outputs, run }: CachedStepParameters<T>): Promise<CachedStepReturnType<T>> {
  const stampFile = stampPath(stampDir, step);
  if (existsSync(stampFile) && outputs.every((o) => existsSync(o))) {
    const stamp = JSON.parse(readFileSync(stampFile, "utf8")) as { hash: string; result: T };
    if (stamp.hash === hash) return { result: stamp.result, cached: true };
  }
  const result = await run();
  const missing = outputs.filter((o) => !existsSync(o));
  if (missing.length > 0) throw new Error(`step ${step} did not produce ${missing.join(", ")}`);
  mkdirSync(dirname(stampFile), { recursive: true });
  writeFileSync(stampFile, JSON.stringify({ hash, result }, null, 2));
  return { result, cached: false };
}
