/**
 * Where the cores go during a benchmark run (Linux /proc; elsewhere every figure is null): CPU time
 * of given processes (or process trees), and of the whole machine, so a run can say how much of the
 * machine its provers, the service, the chain and the benchmark client used, and how much other
 * processes took meanwhile.
 */
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync, readdirSync } from "node:fs";

const PROC = existsSync("/proc/stat");
let ticks: number | undefined;

function clockTicks(): number {
  if (ticks === undefined) {
    try {
      ticks = Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim()) || 100;
    } catch {
      ticks = 100;
    }
  }
  return ticks;
}

/** utime + stime of one process (its own threads; not its children), in seconds; 0 once it is gone. */
export function processCpuSeconds(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(fields[11]) + Number(fields[12])) / clockTicks();
  } catch {
    return 0;
  }
}

/** Every live descendant of `root`, `root` included. */
export function processTree(root: number): number[] {
  const parents = new Map<number, number>();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      parents.set(Number(entry), Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]));
    } catch {
      // exited meanwhile
    }
  }
  const tree = [root];
  for (let i = 0; i < tree.length; i++) for (const [pid, ppid] of parents) if (ppid === tree[i] && !tree.includes(pid)) tree.push(pid);
  return tree;
}

/** Busy CPU time of the whole machine (all cores, all processes), in seconds. */
export function machineBusySeconds(): number {
  const [, ...values] = readFileSync("/proc/stat", "utf8").split("\n")[0]!.trim().split(/\s+/);
  const n = values.map(Number);
  // user nice system idle iowait irq softirq steal (guest time is already counted in user)
  return (n[0]! + n[1]! + n[2]! + n[5]! + n[6]! + n[7]!) / clockTicks();
}

export interface CpuGroups {
  [group: string]: () => number[];
}

/**
 * Starts measuring: `groups` name sets of pids (read again at the end, so processes that appear
 * meanwhile count from zero); `stop()` returns the core-seconds of each group, of this process
 * (`client`), and of everything else on the machine (`otherProcesses`).
 */
export function startCpuMeter(groups: CpuGroups): { stop(): Record<string, number> | null } {
  if (!PROC) return { stop: () => null };
  const start = new Map<number, number>();
  for (const pids of Object.values(groups)) for (const pid of pids()) start.set(pid, processCpuSeconds(pid));
  const client0 = process.cpuUsage();
  const machine0 = machineBusySeconds();
  return {
    stop() {
      const out: Record<string, number> = {};
      let ours = 0;
      for (const [name, pids] of Object.entries(groups)) {
        let s = 0;
        for (const pid of new Set(pids())) s += Math.max(0, processCpuSeconds(pid) - (start.get(pid) ?? 0));
        out[name] = round(s);
        ours += s;
      }
      const client = process.cpuUsage(client0);
      out.client = round((client.user + client.system) / 1e6);
      ours += out.client;
      out.otherProcesses = round(Math.max(0, machineBusySeconds() - machine0 - ours));
      return out;
    },
  };
}

function round(s: number): number {
  return Math.round(s * 100) / 100;
}
