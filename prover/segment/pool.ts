/**
 * Proving segments on several processes (docs/SEGMENTS.md, "Proving"): each worker loads the segment
 * keys it is asked for (once) and proves one segment at a time, so the peak memory of a proving process
 * follows the segment size S, not the model, and K segments of one inference prove in parallel. A
 * worker that dies fails its segment (the prover retries that segment alone) and is replaced.
 */
import { fork, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import type { Groth16Proof } from "../prove/calldata.js";
import type { SegmentRecord } from "./build.js";
import type { ProveSegment, SegmentProof } from "./prove.js";

export type SegmentWorkerRequest = { id: number; wasm: string; zkey: string; input: Record<string, string | string[]> };
export type SegmentWorkerResponse =
  { id: number; ok: true; proof: Groth16Proof; publicSignals: string[]; rssMb: number } | { id: number; ok: false; error: string; rssMb: number };

const ENTRY = fileURLToPath(new URL("./poolEntry.mjs", import.meta.url));

export interface SegmentProverPool {
  prove: ProveSegment;
  /** Largest resident set a worker reported (MB). */
  peakRssMb(): number;
  close(): Promise<void>;
}

/** Segment-proving processes for any model's segments: each request names its segment's wasm and zkey. */
export interface SegmentProcessPool {
  proveFiles(files: { wasm: string; zkey: string }, input: Record<string, bigint | bigint[]>): Promise<SegmentProof>;
  /** Process ids of the processes proving right now (tests kill one to make a real crash mid-proof). */
  busyPids(): number[];
  peakRssMb(): number;
  close(): Promise<void>;
}

/** A pool of `size` segment-proving processes for `record`'s segments. */
export async function segmentProverPool(record: SegmentRecord, size: number): Promise<SegmentProverPool> {
  const { artifactPath } = await import("../artifacts/paths.js");
  const pool = segmentProcessPool(size);
  return {
    prove: (i, input) => {
      const seg = record.segments[i];
      if (!seg) throw new RangeError(`segment ${i} does not exist`);
      return pool.proveFiles({ wasm: artifactPath(seg.name, "wasm"), zkey: artifactPath(seg.name, "zkey") }, input);
    },
    peakRssMb: () => pool.peakRssMb(),
    close: () => pool.close(),
  };
}

/** `size` segment-proving processes; a process that dies fails its request and is replaced. */
export function segmentProcessPool(size: number): SegmentProcessPool {
  let peak = 0;
  let nextId = 0;
  const idle: ChildProcess[] = [];
  const all = new Set<ChildProcess>();
  const waiting: ((c: ChildProcess) => void)[] = [];
  const pending = new Map<number, { resolve: (p: SegmentProof) => void; reject: (e: Error) => void }>();
  let closed = false;
  const spawn = (): ChildProcess => {
    const child = fork(ENTRY, [], { execArgv: [], stdio: ["ignore", "inherit", "inherit", "ipc"] });
    all.add(child);
    child.on("message", (m: SegmentWorkerResponse) => {
      peak = Math.max(peak, m.rssMb);
      const p = pending.get(m.id);
      pending.delete(m.id);
      (child as Busy).job = undefined;
      if (m.ok) p?.resolve({ proof: m.proof, publicSignals: m.publicSignals.map(BigInt) });
      else p?.reject(new Error(m.error));
      release(child);
    });
    child.on("exit", (code, signal) => {
      all.delete(child);
      const id = (child as Busy).job;
      const p = id === undefined ? undefined : pending.get(id);
      if (p) {
        pending.delete(id!);
        p.reject(new Error(`the segment prover process died (${signal ?? `exit code ${code}`})`));
      }
      const at = idle.indexOf(child);
      if (at >= 0) idle.splice(at, 1);
      if (!closed) release(spawn());
    });
    return child;
  };
  const release = (c: ChildProcess) => {
    const w = waiting.shift();
    if (w) w(c);
    else idle.push(c);
  };
  for (let i = 0; i < size; i++) idle.push(spawn());
  return {
    async proveFiles(files, input) {
      if (closed) throw new Error("the segment prover pool is closed");
      const child = idle.pop() ?? (await new Promise<ChildProcess>((r) => waiting.push(r)));
      const id = nextId++;
      (child as Busy).job = id;
      const wire = Object.fromEntries(Object.entries(input).map(([k, v]) => [k, Array.isArray(v) ? v.map(String) : String(v)]));
      return new Promise<SegmentProof>((resolve, reject) => {
        pending.set(id, { resolve, reject });
        child.send({ id, wasm: files.wasm, zkey: files.zkey, input: wire } satisfies SegmentWorkerRequest);
      });
    },
    busyPids: () => [...all].filter((c) => (c as Busy).job !== undefined).map((c) => c.pid!),
    peakRssMb: () => peak,
    async close() {
      closed = true;
      await Promise.all(
        [...all].map(async (c) => {
          if (c.exitCode !== null || c.signalCode !== null) return;
          const exited = new Promise((r) => c.once("exit", r));
          c.kill("SIGTERM");
          await exited;
        }),
      );
    },
  };
}

type Busy = ChildProcess & { job?: number };
