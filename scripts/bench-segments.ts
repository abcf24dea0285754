/**
 * `npm run bench:segments -- [--json] [--models a,b,...] [--max-segment-constraints N]` (issue 25,
 * docs/SEGMENTS.md): per model, the segmented build (plan, K circuits, K keys from one ptau, the
 * verifier), one inference proved on 1 and on 2 worker processes, the largest resident set of a
 * proving process, and the gas of the SegmentedVerifier's verify on Hardhat's EVM. Models are names of
 * the peer corpus (../shared/corpus/onnx-wide: imported and calibrated on its input first) or bundled
 * models. The default list is the (lstm_medium, lstm_large, idolmodel, multihead_attention at
 * 2^16 segments): it takes HOURS on this machine; pass --models for a short run. A model may be a
 * spec file (`test/fixtures/segments-tiny.json`), and `model:S` sets its own segment size, `model:S:K` at least K segments (gas by K:
 * `--models test/fixtures/segments-tiny.json:1000,test/fixtures/segments-tiny.json:680`; `--key-storage contracts`
 * puts the keys in data contracts, deployed before the verifier). Timing lives here,
 * never in tests. Merges "segments" into bench/results.json.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

// Import models over the single-proof limit (the segmented build is the point): before any module reads it.
process.env.ZKINFER_MAX_CONSTRAINTS ??= "20000000";

const { network } = await import("hardhat");
const { REPO_ROOT, artifactPath, bundledSpecPath } = await import("../prover/artifacts/paths.js");
const { compileContract } = await import("../prover/chain/compileVerifier.js");
const { connectProvider } = await import("../prover/chain/connect.js");
const { importModel } = await import("../prover/onnx/importModel.js");
const { readSamples } = await import("../prover/onnx/samples.js");
const { buildSegments, parseMaxSegmentConstraints } = await import("../prover/segment/build.js");
const { segmentedArtifactName } = await import("../prover/segment/circuit.js");
const { segmentProverPool } = await import("../prover/segment/pool.js");
const { SegmentedProver } = await import("../prover/segment/prove.js");
const { releaseCurves } = await import("../prover/setup/curve.js");
const { ZkinferError } = await import("../prover/errors.js");
const { readSegmentedBuild } = await import("../prover/chain/segmentedDeployment.js");
const { verifySegmentedProof } = await import("../prover/segment/verify.js");

// The peer corpus beside the checkout (a worktree sits one level deeper).
const CORPUS =
  process.env.ZKINFER_CORPUS ??
  [join(REPO_ROOT, "..", "shared"), join(REPO_ROOT, "..", "..", "shared")].map((d) => join(d, "corpus", "onnx-wide")).find(existsSync) ??
  "";
const json = process.argv.includes("--json");
const flag = (name: string) => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
};
const models = (flag("--models") ?? "lstm_medium,lstm_large,idolmodel,multihead_attention").split(",");
const defaultMax = parseMaxSegmentConstraints(flag("--max-segment-constraints")) ?? Math.floor(((1 << 16) - 64) * 0.9);
const keyStorage = flag("--key-storage") as "inline" | "contracts" | "auto" | undefined;
if (keyStorage !== undefined && !["inline", "contracts", "auto"].includes(keyStorage))
  throw new Error(`--key-storage: expected inline, contracts or auto, got ${JSON.stringify(keyStorage)}`);
const log = json ? (line: string) => console.error(line) : (line: string) => console.log(line);

/** The model's spec path and one input (feature name -> value): a bundled model's first test row, or the corpus model imported. */
async function specOf(model: string): Promise<{ specPath: string; features: Record<string, number> }> {
  const bundled = model.endsWith(".json") ? join(REPO_ROOT, model) : bundledSpecPath(model);
  if (existsSync(bundled)) {
    const spec = JSON.parse(readFileSync(bundled, "utf8")) as { features: { name: string; min: number; max: number }[] };
    return { specPath: bundled, features: Object.fromEntries(spec.features.map((f) => [f.name, (f.min + f.max) / 2])) };
  }
  const dir = join(CORPUS, model);
  // A kebab-case name starting with a letter (corpus names may start with a digit: 1l_tanh).
  const name = `bench-${model
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-|-$/g, "")}`;
  const { spec } = await importModel({
    modelPath: join(dir, "network.onnx"),
    samplesPath: join(dir, "input.json"),
    name,
    log: (l) => l.length < 200 && log(l),
  });
  const out = join(REPO_ROOT, "build", "bench-segments", `${name}.json`);
  mkdirSync(join(REPO_ROOT, "build", "bench-segments"), { recursive: true });
  writeFileSync(out, JSON.stringify(spec, null, 2));
  const row = readSamples(join(dir, "input.json")).rows[0]!;
  return { specPath: out, features: Object.fromEntries(spec.features.map((f, i) => [f.name, row[i]!])) };
}

/** The gas of the verifier's `verify` as a transaction; with keyStorage "contracts", its key data contracts are deployed first. */
async function verifyGas(model: string, specPath: string, proof: string, publicSignals: bigint[], keyStorage: string): Promise<number> {
  const c = compileContract(
    artifactPath(segmentedArtifactName(model), "verifierContract"),
    `${model
      .split("-")
      .map((w) => w[0]!.toUpperCase() + w.slice(1))
      .join("")}SegmentedVerifier`,
  );
  const connection = await network.create();
  const chain = await connectProvider(connection.provider);
  const { walletClient, publicClient, account } = chain.as(chain.accounts[0]!);
  const keyContracts: `0x${string}`[] = [];
  if (keyStorage === "contracts") {
    const { keyContractArtifacts } = await import("../prover/chain/deployModel.js");
    const build = await readSegmentedBuild(specPath);
    for (const k of keyContractArtifacts(c.contractName, build.vkeys)) {
      const tx = await walletClient.sendTransaction({ data: k.bytecode, account, chain: publicClient.chain });
      keyContracts.push((await publicClient.waitForTransactionReceipt({ hash: tx })).contractAddress!);
    }
  }
  const hash = await walletClient.deployContract({
    abi: c.abi,
    bytecode: c.bytecode,
    args: keyStorage === "contracts" ? [keyContracts] : [],
    account,
    chain: publicClient.chain,
  } as never);
  const address = (await publicClient.waitForTransactionReceipt({ hash })).contractAddress!;
  const data = { address, abi: c.abi, functionName: "verify", args: [proof, publicSignals] } as const;
  const valid = await publicClient.readContract(data as never);
  if (valid !== true) throw new Error(`${model}: the SegmentedVerifier refused an honest proof`);
  return Number(await publicClient.estimateContractGas({ ...(data as object), account: chain.accounts[0]! } as never));
}

const results = [];
try {
  for (const entry of models) {
    const [model, own, minK] = entry.split(":") as [string, string | undefined, string | undefined];
    const minSegments = minK === undefined ? undefined : Number(minK);
    const maxSegmentConstraints = parseMaxSegmentConstraints(own) ?? defaultMax;
    log(`\n${model} (segments of at most ${maxSegmentConstraints} constraints)`);
    const { specPath, features } = await specOf(model);
    let t = Date.now();
    const record = await buildSegments({
      specPath,
      maxSegmentConstraints,
      log,
      ...(minSegments ? { minSegments } : {}),
      ...(keyStorage ? { keyStorage } : {}),
    });
    const buildMs = Date.now() - t;
    const prove = async (workers: number) => {
      const pool = await segmentProverPool(record, workers);
      try {
        const prover = await SegmentedProver.load(specPath, pool.prove);
        // Warm: the workers' start and their first key loads are not the proving time.
        await prover.prove({ features, subject: 0xa11cen, nonce: 0n, concurrency: workers });
        t = Date.now();
        const r = await prover.prove({ features, subject: 0xa11cen, nonce: 1n, concurrency: workers });
        return { ms: Date.now() - t, r, rss: pool.peakRssMb() };
      } finally {
        await pool.close();
      }
    };
    const one = await prove(1);
    const two = await prove(2);
    // Off chain first (snarkjs, every segment against its key, the boundaries chained): also where no verifier deploys.
    const { vkeys } = await readSegmentedBuild(specPath);
    if (!(await verifySegmentedProof({ protocol: "groth16-segmented", segments: vkeys }, one.r.proof, one.r.publicSignals))) {
      throw new Error(`${model}: the segmented proof does not verify off chain`);
    }
    // A key too large for any contract (large_mlp's last segment publishes its 1,000 outputs: 1,004 signals,
    // 64 KB of key) has no deployable verifier: the row says why instead of a gas figure.
    let gas: number | null = null;
    let verifyGasUnavailable: string | undefined;
    try {
      gas = await verifyGas(record.model, specPath, one.r.proof, one.r.publicSignals, record.keyStorage);
    } catch (e) {
      if (!(e instanceof ZkinferError)) throw e;
      verifyGasUnavailable = e.message;
      log(`${model}: no verify gas: ${e.message}`);
    }
    const row = {
      model,
      k: record.segments.length,
      maxSegmentConstraints,
      constraints: record.segments.map((s) => s.nonLinearConstraints + s.linearConstraints),
      buildMs,
      proveMs1Worker: one.ms,
      proveMs2Workers: two.ms,
      peakRssMb: Math.max(one.rss, two.rss),
      keys: new Set(record.segments.map((s) => s.key)).size,
      keyStorage: record.keyStorage,
      verifyGas: gas,
      ...(verifyGasUnavailable ? { verifyGasUnavailable } : {}),
    };
    log(JSON.stringify(row));
    results.push(row);
  }
} finally {
  await releaseCurves();
}
const file = join(REPO_ROOT, "bench", "results.json");
const all = existsSync(file) ? (JSON.parse(readFileSync(file, "utf8")) as Record<string, unknown>) : {};
writeFileSync(file, JSON.stringify({ ...all, segments: results }, null, 2) + "\n");
if (json) console.log(JSON.stringify({ segments: results }));
process.exit(0);
