/**
 * Wrong invocations of every command, each run as its own `zkinfer` process as a user would type it:
 * every one ends at once with one line naming what is wrong (one JSON object on stdout with --json), no
 * stack trace and no "internal error", and the exit code the help promises (2 wrong usage, 1 anything
 * else). A process that outlives its timeout (a hang) fails the case.
 */
import { execFile } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import { REPO_ROOT } from "../../prover/artifacts/paths.js";

interface Case {
  args: string[];
  code: 1 | 2;
  /** What the one line says. */
  says: RegExp;
  env?: NodeJS.ProcessEnv;
  /** Run in the project folder holding a zkinfer.config.json (else a bare folder). */
  inProject?: boolean;
}

const KEY = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";
const ADDR = "0x00000000000000000000000000000000000000a1";
/** A port nothing listens on: connections are refused at once. */
const DEAD_RPC = "http://127.0.0.1:9";
const SPEC = join(REPO_ROOT, "models", "credit-score");

describe("zkinfer: wrong invocations of every command (one line, the right exit code, no stack, no hang)", function () {
  this.timeout(600_000);
  const dir = mkdtempSync(join(tmpdir(), "zkinfer-errors-"));
  const project = join(dir, "project");
  const f = (name: string) => join(dir, name);
  // An unbuilt model of a name no other test builds, a proof-shaped file, junk.
  const unbuilt = f("unbuilt");
  const proof = f("proof.json");
  const junk = f("junk.json");
  const emptyObject = f("empty.json");
  before(() => {
    mkdirSync(unbuilt);
    writeFileSync(
      join(unbuilt, "spec.json"),
      JSON.stringify({
        name: "errors-test-unbuilt",
        version: "1.0.0",
        fixedPoint: { inputBits: 4, weightBits: 8, activationBits: 6 },
        features: [{ name: "a", unit: "1", min: 0, max: 4 }],
        layers: [
          { type: "dense", weights: [[0.5]], bias: [0] },
          { type: "output", outputs: [{ name: "y", unit: "1" }] },
        ],
      }),
    );
    writeFileSync(f("input.json"), JSON.stringify({ a: 1 }));
    writeFileSync(proof, JSON.stringify({ model: "errors-test-unbuilt", proofBytes: "0x1234", publicSignals: ["1"] }));
    writeFileSync(junk, "this is not JSON");
    writeFileSync(emptyObject, "{}");
    mkdirSync(project);
    writeFileSync(join(project, "zkinfer.config.json"), JSON.stringify({ networks: { local: { rpc: DEAD_RPC, chainId: 31337 } } }));
    writeFileSync(join(dir, "bad-config.json"), JSON.stringify({ networks: { local: { rpc: "ftp://x" } } }));
    writeFileSync(join(dir, "typo-config.json"), JSON.stringify({ network: {} }));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  const withKey = { ZKINFER_PRIVATE_KEY: KEY };
  const cases: Case[] = [
    // the front door
    { args: ["frobnicate"], code: 2, says: /unknown command `frobnicate`/ },
    { args: ["build", "--config", "missing.json", SPEC], code: 1, says: /cannot read the config file missing\.json: no such file/ },
    {
      args: ["build", SPEC, "--config", join(dir, "bad-config.json")],
      code: 1,
      says: /bad-config\.json: networks\.local\.rpc: must be an http:\/\/ or https:\/\/ JSON-RPC URL/,
    },
    { args: ["build", SPEC, "--config", join(dir, "typo-config.json")], code: 1, says: /typo-config\.json: \(root\): unknown field "network"/ },
    { args: ["build", SPEC, "--network"], code: 2, says: /--network needs a value/ },
    // build
    { args: ["build"], code: 2, says: /expected exactly one argument/ },
    { args: ["build", "a", "b"], code: 2, says: /expected exactly one argument/ },
    { args: ["build", f("nowhere")], code: 1, says: /nowhere does not exist: give a model folder/ },
    { args: ["build", dir], code: 1, says: /has no spec\.json/ },
    { args: ["build", SPEC, "--bogus"], code: 2, says: /Unknown option '--bogus'/ },
    // prove
    { args: ["prove"], code: 2, says: /expected a model and --input/ },
    { args: ["prove", SPEC], code: 2, says: /expected a model and --input/ },
    { args: ["prove", SPEC, "--input", f("input.json")], code: 2, says: /--subject <0x address> is required/ },
    { args: ["prove", SPEC, "--input", f("input.json"), "--subject", "0x12"], code: 2, says: /--subject must be a 0x-prefixed 20-byte address/ },
    {
      args: ["prove", SPEC, "--input", f("input.json"), "--subject", ADDR, "--nonce", "-1"],
      code: 2,
      says: /--nonce needs a value; one starting with "-" is written --nonce=<value>/,
    },
    { args: ["prove", SPEC, "--input", f("input.json"), "--subject", ADDR, "--nonce=-1"], code: 2, says: /--nonce must be a non-negative integer/ },
    { args: ["prove", SPEC, "--input", f("input.json"), "--subject", ADDR, "--nonce", "0xZZ"], code: 2, says: /--nonce must be a non-negative integer/ },
    { args: ["prove", SPEC, "--input", f("input.json"), "--subject", ADDR, "--salt", "abc"], code: 2, says: /--salt must be a non-negative integer/ },
    { args: ["prove", f("nowhere"), "--input", f("input.json"), "--subject", ADDR], code: 1, says: /does not exist/ },
    { args: ["prove", unbuilt, "--input", f("input.json"), "--subject", ADDR], code: 1, says: /Model errors-test-unbuilt is not built .*zkinfer build/ },
    { args: ["prove", "--input", f("input.json"), "--subject", ADDR, "--out"], code: 2, says: /Option '--out <value>' argument missing|--out needs a value/ },
    // verify
    { args: ["verify"], code: 2, says: /expected a model and a proof file/ },
    { args: ["verify", SPEC], code: 2, says: /expected a model and a proof file/ },
    { args: ["verify", SPEC, f("missing.json")], code: 1, says: /missing\.json is not valid JSON/ },
    { args: ["verify", SPEC, junk], code: 1, says: /junk\.json is not valid JSON/ },
    { args: ["verify", SPEC, emptyObject], code: 1, says: /has no proof and publicSignals/ },
    { args: ["verify", f("nowhere"), proof], code: 1, says: /does not exist/ },
    // submit
    { args: ["submit"], code: 2, says: /expected one proof file/ },
    { args: ["submit", proof], code: 2, says: /--rpc <url> or --network <name>/ },
    { args: ["submit", proof, "--rpc", DEAD_RPC, "--network", "local"], code: 2, says: /give --rpc or --network, not both/ },
    { args: ["submit", f("missing.json"), "--rpc", DEAD_RPC], code: 1, says: /missing\.json is not a readable proof file: no such file/ },
    { args: ["submit", junk, "--rpc", DEAD_RPC], code: 1, says: /not a readable proof file/ },
    { args: ["submit", emptyObject, "--rpc", DEAD_RPC], code: 1, says: /has no proofBytes and publicSignals/ },
    { args: ["submit", proof, "--rpc", DEAD_RPC, "--hub", "0x12"], code: 2, says: /--hub must be a 0x-prefixed 20-byte address/ },
    { args: ["submit", proof, "--rpc", DEAD_RPC, "--model", "0"], code: 2, says: /--model must be a positive model id/ },
    { args: ["submit", proof, "--rpc", DEAD_RPC, "--hub", ADDR, "--model", "1"], code: 1, says: /Set ZKINFER_PRIVATE_KEY/, env: { ZKINFER_PRIVATE_KEY: "" } },
    {
      args: ["submit", proof, "--rpc", DEAD_RPC, "--hub", ADDR, "--model", "1", "--keystore", f("missing.keystore")],
      code: 1,
      says: /cannot read the keystore .*missing\.keystore: no such file/,
      env: { ZKINFER_KEYSTORE_PASSWORD: "pw" },
    },
    {
      args: ["submit", proof, "--rpc", DEAD_RPC, "--hub", ADDR, "--model", "1", "--keystore", junk],
      code: 1,
      says: /Set ZKINFER_KEYSTORE_PASSWORD/,
      env: { ZKINFER_KEYSTORE_PASSWORD: undefined },
    },
    {
      args: ["submit", proof, "--rpc", DEAD_RPC, "--hub", ADDR, "--model", "1", "--keystore", junk],
      code: 1,
      says: /junk\.json is not JSON: give a v3 keystore file/,
      env: { ZKINFER_KEYSTORE_PASSWORD: "pw" },
    },
    {
      args: ["submit", proof, "--rpc", DEAD_RPC, "--hub", ADDR, "--model", "1"],
      code: 1,
      says: /Cannot reach the JSON-RPC endpoint http:\/\/127\.0\.0\.1:9/,
      env: withKey,
    },
    { args: ["submit", proof, "--network", "nope"], code: 1, says: /--network nope: .*defines only local/, env: withKey, inProject: true },
    {
      args: ["submit", proof, "--network", "local"],
      code: 2,
      says: /no deployment of chain 31337 at \S*project\/deployments\/31337\.json/,
      env: withKey,
      inProject: true,
    },
    { args: ["submit", proof, "--network", "local"], code: 1, says: /there is no zkinfer\.config\.json here or above/, env: withKey },
    // deploy
    { args: ["deploy"], code: 2, says: /expected one model folder or spec\.json/ },
    { args: ["deploy", SPEC], code: 2, says: /--rpc <url> or --network <name>/ },
    { args: ["deploy", SPEC, "--rpc", DEAD_RPC, "--hub", "0x1"], code: 2, says: /--hub must be a 0x-prefixed 20-byte address/ },
    { args: ["deploy", SPEC, "--rpc", DEAD_RPC, "--consumer-args", "[]"], code: 2, says: /--consumer-args needs --consumer/ },
    { args: ["deploy", SPEC, "--rpc", DEAD_RPC, "--consumer", "X", "--consumer-args", "nope"], code: 2, says: /--consumer-args must be a JSON array/ },
    { args: ["deploy", SPEC, "--rpc", DEAD_RPC, "--update-delay", "soon"], code: 2, says: /--update-delay must be a number of seconds/ },
    { args: ["deploy", f("nowhere"), "--rpc", DEAD_RPC], code: 1, says: /does not exist/ },
    // registry
    { args: ["registry", "list"], code: 2, says: /--rpc <url> or --network <name>/ },
    { args: ["registry", "frobnicate", "--rpc", DEAD_RPC], code: 2, says: /unknown registry action `frobnicate`/ },
    { args: ["registry", "list", "--rpc", DEAD_RPC, "--hub", "0x12"], code: 2, says: /--hub must be a 0x-prefixed 20-byte address/ },
    { args: ["registry", "list", "--rpc", DEAD_RPC, "--hub", ADDR], code: 1, says: /Cannot reach the JSON-RPC endpoint/ },
    // verify-deployment
    { args: ["verify-deployment"], code: 2, says: /expected one model folder or spec\.json/ },
    { args: ["verify-deployment", SPEC], code: 2, says: /--rpc <url> or --network <name>/ },
    { args: ["verify-deployment", SPEC, "--rpc", DEAD_RPC, "--hub", "0x12", "--model", "1"], code: 2, says: /--hub must be a 0x-prefixed 20-byte address/ },
    { args: ["verify-deployment", SPEC, "--rpc", DEAD_RPC, "--hub", ADDR, "--model", "x"], code: 2, says: /--model must be a positive model id/ },
    // attester, attest, prove-attested
    { args: ["attester"], code: 2, says: /unknown subcommand \(none\): expected keygen or show/ },
    { args: ["attester", "frob"], code: 2, says: /unknown subcommand `frob`/ },
    { args: ["attester", "keygen"], code: 2, says: /zkinfer attester keygen --out <file>/ },
    { args: ["attester", "show"], code: 2, says: /zkinfer attester show <file>/ },
    { args: ["attester", "show", f("missing.key")], code: 1, says: /missing\.key/ },
    { args: ["attest"], code: 2, says: /expected <record\.json>, --key <file> and --out <file>/ },
    { args: ["attest", junk, "--key", "k", "--out", "o", "--valid-for=-5"], code: 2, says: /--valid-for must be a positive whole number of seconds/ },
    { args: ["attest", f("missing.json"), "--key", "k", "--out", f("o.json")], code: 1, says: /cannot read the record .*missing\.json/ },
    { args: ["prove-attested"], code: 2, says: /expected <attestation\.json>, --nonce <n> and --out <proof\.json>/ },
    { args: ["prove-attested", junk, "--out", f("o.json")], code: 2, says: /--nonce <n> is required/ },
    { args: ["prove-attested", f("missing.json"), "--nonce", "1", "--out", f("o.json")], code: 1, says: /cannot read the attestation .*missing\.json/ },
    // check-onnx, import
    { args: ["check-onnx"], code: 2, says: /expected two arguments: the ONNX file and the input JSON/ },
    { args: ["check-onnx", "a.onnx"], code: 2, says: /expected two arguments/ },
    { args: ["check-onnx", f("missing.onnx"), f("input.json")], code: 1, says: /the ONNX model .*missing\.onnx does not exist/ },
    { args: ["check-onnx", junk, f("missing.json")], code: 1, says: /the input JSON .*missing\.json does not exist/ },
    { args: ["import"], code: 2, says: /expected a model file, --calibrate <samples> and --out <dir>/ },
    { args: ["import", f("missing.onnx"), "--calibrate", f("input.json"), "--out", f("o")], code: 1, says: /the model file .*missing\.onnx does not exist/ },
    { args: ["import", junk, "--calibrate", f("missing.csv"), "--out", f("o")], code: 1, says: /the --calibrate samples file .*missing\.csv does not exist/ },
    { args: ["import", junk, "--calibrate", junk, "--out", f("o"), "--threshold", "high"], code: 2, says: /--threshold must be a number/ },
    // ceremony
    { args: ["ceremony"], code: 2, says: /expected `ceremony <action> <dir>`/ },
    { args: ["ceremony", "frob", dir], code: 2, says: /unknown ceremony action `frob`/ },
    { args: ["ceremony", "init", SPEC], code: 2, says: /init needs --out <dir>/ },
    { args: ["ceremony", "init", unbuilt, "--out", f("c")], code: 2, says: /init needs --ptau <file>: errors-test-unbuilt has no build/ },
    { args: ["ceremony", "contribute", dir], code: 2, says: /contribute needs --name <who>/ },
    { args: ["ceremony", "finalize", dir], code: 2, says: /finalize needs --beacon <hex>/ },
    { args: ["ceremony", "verify", f("no-ceremony")], code: 1, says: /no-ceremony holds no ceremony \(no transcript\.json\)/ },
    { args: ["ceremony", "contribute", f("no-ceremony"), "--name", "alice"], code: 1, says: /holds no ceremony/ },
    // worker, serve
    { args: ["worker"], code: 2, says: /--redis <url> is required/ },
    { args: ["worker", "--redis", "redis://127.0.0.1:9"], code: 2, says: /--models is required/ },
    { args: ["worker", "--redis", "redis://127.0.0.1:9", "--models", SPEC, "--workers", "0"], code: 2, says: /--workers must be a positive integer/ },
    { args: ["serve", "--bogus"], code: 2, says: /Unknown option '--bogus'/ },
    { args: ["serve", "--hash-key"], code: 2, says: /Option '--hash-key <value>' argument missing/ },
  ];

  /** `zkinfer <args>` as its own process, killed (and failed) after 60 s. */
  const run = (c: Case): Promise<{ code: number | null; stdout: string; stderr: string; killed: boolean }> =>
    new Promise((resolve) => {
      const env: NodeJS.ProcessEnv = {
        ...process.env,
        ZKINFER_PRIVATE_KEY: undefined,
        ...c.env,
        PATH: `${join(REPO_ROOT, "node_modules", ".bin")}:${process.env.PATH}`,
      };
      for (const [k, v] of Object.entries(env)) if (v === undefined) delete env[k];
      execFile(
        process.execPath,
        [join(REPO_ROOT, "bin", "zkinfer.js"), ...c.args],
        { cwd: c.inProject ? project : dir, env, timeout: 60_000, encoding: "utf8" },
        (error, stdout, stderr) => {
          const e = error as (Error & { code?: number; killed?: boolean }) | null;
          resolve({ code: e ? (typeof e.code === "number" ? e.code : null) : 0, stdout, stderr, killed: e?.killed ?? false });
        },
      );
    });

  /** Runs the cases a few at a time (each is a Node process; the machine has few cores). */
  async function runAll(list: Case[], json: boolean) {
    const results: Awaited<ReturnType<typeof run>>[] = new Array(list.length);
    let next = 0;
    const worker = async () => {
      while (next < list.length) {
        const i = next++;
        results[i] = await run(json ? { ...list[i]!, args: [...list[i]!.args, "--json"] } : list[i]!);
      }
    };
    await Promise.all([worker(), worker(), worker(), worker()]);
    return results;
  }

  it(`has the issue's cases and more: ${cases.length} wrong invocations, every command covered`, () => {
    expect(cases.length).to.be.at.least(60);
    const commands = new Set(cases.map((c) => c.args[0]));
    for (const name of [
      "build",
      "prove",
      "verify",
      "submit",
      "deploy",
      "registry",
      "verify-deployment",
      "attester",
      "attest",
      "prove-attested",
      "check-onnx",
      "import",
      "ceremony",
      "worker",
      "serve",
    ]) {
      expect(commands.has(name), name).to.equal(true);
    }
  });

  it("each prints one line naming the problem, exits 2 for usage and 1 otherwise, with no stack trace", async () => {
    const results = await runAll(cases, false);
    const failures: string[] = [];
    results.forEach((r, i) => {
      const c = cases[i]!;
      const lines = r.stderr.split("\n").filter((l) => l.trim() !== "" && !/ExperimentalWarning|--trace-warnings/.test(l));
      const problems = [
        r.killed ? "did not end within 60 s" : "",
        r.code !== c.code ? `exit ${r.code}, expected ${c.code}` : "",
        lines.length !== 1 ? `${lines.length} lines on stderr` : "",
        /\n\s+at |internal error/.test(r.stderr) ? "a stack trace or an internal error" : "",
        !c.says.test(lines[0] ?? "") ? `says "${lines[0] ?? ""}", expected ${c.says}` : "",
      ].filter(Boolean);
      if (problems.length) failures.push(`zkinfer ${c.args.join(" ")}: ${problems.join("; ")}\n${r.stderr}`);
    });
    expect(failures, failures.join("\n\n")).to.deep.equal([]);
  });

  it("with --json, each prints one JSON object {ok: false, error, exitCode} on stdout instead", async () => {
    // A sample of each command that prints JSON results, usage errors and failures alike (every case
    // goes through the same reporter in main.ts; each process costs a Node start).
    const jsonCommands = ["prove", "verify", "submit", "deploy", "registry", "verify-deployment", "frobnicate"];
    const jsonCases = jsonCommands.flatMap((name) => {
      const of = cases.filter((c) => c.args[0] === name);
      return [of.find((c) => c.code === 2), of.find((c) => c.code === 1)].filter((c): c is Case => c !== undefined);
    });
    const results = await runAll(jsonCases, true);
    const failures: string[] = [];
    results.forEach((r, i) => {
      const c = jsonCases[i]!;
      let parsed: { ok?: boolean; error?: string; exitCode?: number } | undefined;
      try {
        parsed = JSON.parse(r.stdout.trim());
      } catch {
        parsed = undefined;
      }
      const problems = [
        r.code !== c.code ? `exit ${r.code}, expected ${c.code}` : "",
        parsed?.ok !== false || parsed.exitCode !== c.code || !c.says.test(parsed.error ?? "") ? `stdout is not the JSON error: ${r.stdout}` : "",
        r.stderr.split("\n").some((l) => l.trim() && !/ExperimentalWarning|--trace-warnings/.test(l)) ? `stderr not empty: ${r.stderr}` : "",
      ].filter(Boolean);
      if (problems.length) failures.push(`zkinfer ${c.args.join(" ")} --json: ${problems.join("; ")}`);
    });
    expect(failures, failures.join("\n")).to.deep.equal([]);
  });
});
