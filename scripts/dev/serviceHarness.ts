/**
 * The prover service as the service tests and `npm run bench:service` drive it: the real CLI as
 * child processes (so a caller can SIGKILL them), HTTP calls with the test API key, and an audit of
 * what actually happened on-chain. Development only (never imported by the service).
 */
import { spawn, type ChildProcess } from "node:child_process";
import { createHash } from "node:crypto";
import { join } from "node:path";
import { createPublicClient, http, parseEventLogs, toFunctionSelector, type Address } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { signSubmissionAuthorization } from "../../prover/abi/submissionAuthorization.js";
import { REPO_ROOT } from "../../prover/artifacts/paths.js";
import { inferenceHubAbi } from "../../prover/chain/abi.js";

export const API_KEY = "zki_test-key-for-the-service-tests";
export const MODEL_DIR = join(REPO_ROOT, "models", "credit-score");

export interface CliProcess {
  child: ChildProcess;
  url?: string;
  output(): string;
  kill(signal?: NodeJS.Signals): Promise<void>;
}

/** Runs `zkinfer <args>` (the real CLI) and resolves once it prints `ready` (a regexp on its output). */
export async function startCli(args: string[], ready: RegExp, env: Record<string, string> = {}): Promise<CliProcess> {
  const bin = join(REPO_ROOT, "node_modules", ".bin");
  // Node itself with tsx as a loader, not the tsx CLI: the CLI runs the program in a child process,
  // so a SIGKILL meant for the service would only kill the wrapper.
  const child = spawn(join(bin, "node"), ["--import", "tsx", join(REPO_ROOT, "prover", "cli", "run.ts"), ...args], {
    cwd: REPO_ROOT,
    env: { ...process.env, PATH: `${bin}:${process.env.PATH}`, ZKINFER_API_KEY_HASHES: hashKey(API_KEY), NODE_NO_WARNINGS: "1", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  const exited = new Promise<void>((r) => child.once("exit", () => r()));
  const proc: CliProcess = {
    child,
    output: () => out,
    async kill(signal = "SIGKILL") {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill(signal);
      // A graceful stop that takes too long is a bug to see, not a hung test run.
      const timer = setTimeout(() => {
        out += "\n[test] did not exit 20 s after SIGTERM; killed\n";
        child.kill("SIGKILL");
      }, 20_000);
      await exited;
      clearTimeout(timer);
    },
  };
  await new Promise<void>((resolve, reject) => {
    const onData = (d: Buffer) => {
      out += d;
      const m = ready.exec(out);
      if (m) {
        proc.url = m[1];
        resolve();
      }
    };
    child.stdout!.on("data", onData);
    child.stderr!.on("data", (d) => (out += d));
    child.once("exit", (code) => reject(new Error(`zkinfer ${args[0]} exited with ${code} before it was ready:\n${out}`)));
  });
  return proc;
}

function hashKey(key: string): string {
  return createHash("sha256").update(key).digest("hex");
}

export const SERVE_READY = /listening on (http:\/\/\S+) /;
export const WORKER_READY = /zkinfer worker: proving/;

export async function call(base: string, method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
  const r = await fetch(base + path, {
    method,
    headers: { authorization: `Bearer ${API_KEY}`, ...(body !== undefined ? { "content-type": "application/json" } : {}), ...headers },
    body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
  });
  const text = await r.text();
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- the API's JSON, read field by field by tests and the bench
  let json: any;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: r.status, json, text, headers: r.headers };
}

/**
 * What the chain says: every verifyAndAct, verifyAndActFor (relayed) or verifyAndActBatch transaction the submitter sent to the hub (mined ones: hardhat node
 * automines, one transaction per block), how many reverted, and every InferenceVerified event.
 */
const VERIFY_AND_ACT = [
  toFunctionSelector("verifyAndAct(uint256,bytes,uint256[])"),
  toFunctionSelector("verifyAndActFor(uint256,bytes,uint256[],uint256,bytes)"),
  toFunctionSelector("verifyAndActBatch(uint256,bytes,uint256[])"),
];

export async function auditChain(rpcUrl: string, hub: Address, submitter: Address) {
  const client = createPublicClient({ transport: http(rpcUrl) });
  const latest = await client.getBlockNumber();
  let sent = 0;
  let reverted = 0;
  const txNonces: number[] = [];
  for (let b = 0n; b <= latest; b++) {
    const block = await client.getBlock({ blockNumber: b, includeTransactions: true });
    for (const tx of block.transactions) {
      if (
        tx.from.toLowerCase() !== submitter.toLowerCase() ||
        tx.to?.toLowerCase() !== hub.toLowerCase() ||
        !VERIFY_AND_ACT.some((sel) => tx.input.startsWith(sel))
      )
        continue;
      sent++;
      txNonces.push(tx.nonce);
      const receipt = await client.getTransactionReceipt({ hash: tx.hash });
      if (receipt.status !== "success") reverted++;
    }
  }
  const logs = await client.getLogs({ address: hub, fromBlock: 0n, toBlock: latest });
  const verified = parseEventLogs({ abi: inferenceHubAbi, logs, eventName: "InferenceVerified" }).map((l) => {
    const args = l.args as unknown as { subject: string; nonce: bigint };
    return { subject: args.subject.toLowerCase(), nonce: args.nonce.toString(), tx: l.transactionHash };
  });
  return { sent, reverted, txNonces, verified };
}

/**
 * A fresh subject with its own key, and the body field that authorises `submitter` (the service's
 * account) to submit its statement (modelId, subject, nonce) on `hub` for an hour: on a model without
 * attested inputs the hub accepts another account's submission only with it.
 */
export function newSubject() {
  const account = privateKeyToAccount(generatePrivateKey());
  return {
    address: account.address,
    async authorization(o: { hub: Address; modelId: bigint; nonce: bigint | number; submitter: Address; chainId?: number }) {
      const a = await signSubmissionAuthorization(account, {
        hub: o.hub,
        chainId: o.chainId ?? 31337,
        modelId: o.modelId,
        subject: account.address,
        nonce: BigInt(o.nonce),
        submitter: o.submitter,
        deadline: BigInt(Math.floor(Date.now() / 1000) + 3600),
      });
      return { deadline: a.deadline.toString(), signature: a.signature };
    },
  };
}
