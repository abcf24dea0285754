/** One progress line per step, with its wall time; steps served from the cache say so. */
export type Log = (line: string) => void;

export async function timed<T>(log: Log, label: string, fn: () => Promise<T>, cached?: (r: T) => boolean): Promise<T> {
  const start = performance.now();
  const result = await fn();
  const ms = performance.now() - start;
  log(`  ${label.padEnd(44)} ${formatMs(ms).padStart(9)}${cached?.(result) ? "  (cached)" : ""}`);
  return result;
}

export function formatMs(ms: number): string {
  return ms >= 10_000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.round(ms)} ms`;
}
