/**
 * Groth16, PLONK and FFLONK on the bundled models (part of `npm run bench`; alone:
 * `npx tsx scripts/bench-proof-systems.ts [--json] [--max-ptau-power p]`, which updates `proofSystems`
 * in bench/results.json).
 *
 * Per (system, model): the model's PLONK gate count and the ptau power each system needs (computed:
 * prover/setup/universal.ts), `setupMs` (Groth16: the development zkey + contribution + beacon + zkey
 * verify; PLONK/FFLONK: snarkjs's setup from the ptau alone), `proveMs` (witness + proof, keys loaded
 * once, median of 3) and `verifyAndActGas` (a first-time applicant's verifyAndAct with the CreditGate,
 * sent by the subject, as the `models` entries measure Groth16). A pair whose ptau is neither cached
 * nor at most 2^13 (about 2.5 minutes to make here; 2^16 takes 21) is reported as not measured, with
 * the power it needs; `--max-ptau-power` raises that limit. The non-Groth16 variants are built as
 * `<model>-<system>` (the same circuit, the spec's proofSystem changed).
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { REPO_ROOT, artifactPath, bundledSpecPath, devPtauPath } from "../prover/artifacts/paths.js";
import { buildModel } from "../prover/build/buildModel.js";
import { generateCircuit } from "../prover/circuit/codegen.js";
import { compileCircuit } from "../prover/circuit/compile.js";
import { applicantFeatures, germanCreditSplit } from "../prover/data/germanCredit.js";
import { modelCommitment } from "../prover/circuit/commitment.js";
import { runReference } from "../prover/model/interpret.js";
import { lowerModel } from "../prover/model/ir.js";
import { readModelSpec } from "../prover/model/spec.js";
import { PROOF_SYSTEMS, type ProofSystem } from "../prover/model/specSchema.js";
import * as snarkjs from "snarkjs";
import { creditGateAbi, inferenceHubAbi } from "../prover/chain/abi.js";
import { compileContract } from "../prover/chain/compileVerifier.js";
import { connectProvider } from "../prover/chain/connect.js";
import { deployCreditScore } from "../prover/chain/deploy.js";
import { hardhatArtifact } from "../prover/chain/deployModel.js";
import { submitInference } from "../prover/chain/submitInference.js";
import { deployAndWait, writeAndWait } from "../prover/chain/write.js";
import { encodeProof } from "../prover/prove/calldata.js";
import { ModelProver } from "../prover/prove/prover.js";
import { fflonkVerifierSource, type FflonkVerificationKey } from "../prover/setup/fflonkVerifier.js";
import { setupGroth16 } from "../prover/setup/groth16.js";
import { requiredPtauPower, resolvePtau } from "../prover/setup/ptau.js";
import { plonkGateCount, setupUniversal, universalPtauPower } from "../prover/setup/universal.js";
import { compileContracts } from "./compile-contracts.js";
import { median, round } from "./stats.js";

export const PROOF_SYSTEM_MODELS = ["credit-score", "credit-logistic", "credit-trees", "credit-score-attested", "momentum-signal"] as const;
/** Models whose consumer is the CreditGate with plain (unattested) statements: the gas this bench sends. */
const CREDIT_GATE_MODELS = new Set(["credit-score", "credit-logistic", "credit-trees"]);
const RUNS = 3;

export interface ProofSystemBenchEntry {
  system: ProofSystem;
  model: string;
  publicSignals: number;
  constraints: number;
  plonkGates: number;
  requiredPtauPower: number;
  measured: boolean;
  proveMs: number | null;
  setupMs: number | null;
  verifyAndActGas: number | null;
  /** Why a figure is null. */
  note?: string;
  /**
   * When an FFLONK row cannot be measured for lack of ptau: verifyAndAct gas with the CreditGate of a
   * stand-in circuit with the same public signals (see fflonkStandInGas).
   */
  standIn?: { publicSignals: number; ptauPower: number; verifyAndActGas: number; note: string };
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function proofSystemBench(hre: any, log: (line: string) => void, maxPower = 13): Promise<ProofSystemBenchEntry[]> {
  log(`\nproof systems (groth16, plonk, fflonk)`);
  const entries: ProofSystemBenchEntry[] = [];
  for (const model of PROOF_SYSTEM_MODELS) {
    const spec = readModelSpec(bundledSpecPath(model));
    const ir = lowerModel(spec);
    // The circuit alone (no setup), for the sizes every system's power derives from.
    const dir = mkdtempSync(join(tmpdir(), "zkinfer-systems-"));
    const source = join(dir, "circuit.circom");
    writeFileSync(source, generateCircuit({ ir, modelCommitment: await modelCommitment(ir) }));
    const info = await compileCircuit({ source, outDir: dir });
    const r1cs = join(dir, "circuit.r1cs");
    const constraints = info.nonLinearConstraints + info.linearConstraints;
    const publicSignals = info.publicInputs + info.publicOutputs;
    const gates = await plonkGateCount(r1cs);
    for (const system of PROOF_SYSTEMS) {
      const power = system === "groth16" ? requiredPtauPower(constraints, publicSignals) : universalPtauPower(system, gates);
      const base = { system, model, publicSignals, constraints, plonkGates: gates, requiredPtauPower: power };
      if (!existsSync(devPtauPath(power)) && power > maxPower) {
        const note = `needs a 2^${power} ptau, not cached; making a development one takes too long for the bench here (2^14 ~5 min, 2^16 ~21 min on 2 cores); rerun with --max-ptau-power ${power} or ZKINFER_PTAU`;
        const standIn = system === "fflonk" && CREDIT_GATE_MODELS.has(model) ? await fflonkStandInGas(hre, publicSignals) : undefined;
        entries.push({ ...base, measured: false, proveMs: null, setupMs: null, verifyAndActGas: null, note, ...(standIn ? { standIn } : {}) });
        log(`  ${model} ${system}: not measured (${note})`);
        if (standIn) log(`    stand-in with ${standIn.publicSignals} public signals: verifyAndAct ${standIn.verifyAndActGas} gas (${standIn.note})`);
        continue;
      }
      entries.push({ ...base, measured: true, ...(await measure(hre, model, system, power, r1cs)) });
      const e = entries[entries.length - 1]!;
      log(
        `  ${model} ${system} (2^${power}): setup ${e.setupMs} ms, prove ${e.proveMs} ms, verifyAndAct ${e.verifyAndActGas ?? "-"} gas${e.note ? ` (${e.note})` : ""}`,
      );
    }
  }
  return entries;
}

async function measure(
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  hre: any,
  model: string,
  system: ProofSystem,
  power: number,
  r1cs: string,
): Promise<Pick<ProofSystemBenchEntry, "proveMs" | "setupMs" | "verifyAndActGas" | "note">> {
  // The setup the build runs, timed on its own (the build's copy is cached by content hash).
  const ptau = await resolvePtau({ power, log: () => {} });
  const keys = mkdtempSync(join(tmpdir(), "zkinfer-setup-"));
  const t0 = performance.now();
  if (system === "groth16") {
    await setupGroth16({
      r1cs,
      ptau: ptau.path,
      zkeyInitial: join(keys, "0.zkey"),
      zkeyContributed: join(keys, "1.zkey"),
      zkeyFinal: join(keys, "final.zkey"),
      vkey: join(keys, "vkey.json"),
    });
  } else {
    await setupUniversal({ system, r1cs, ptau: ptau.path, zkeyFinal: join(keys, "final.zkey"), vkey: join(keys, "vkey.json") });
  }
  const setupMs = round(performance.now() - t0);

  if (!CREDIT_GATE_MODELS.has(model)) {
    // These two need their own stacks to prove and act (attestations, the price feed): their Groth16 gas is in `models` and `signal`.
    return { setupMs, proveMs: null, verifyAndActGas: null, note: "consumer stack (attester, price feed) not in this bench: Groth16 gas in `models`/`signal`" };
  }

  // The model built for this system: the bundled spec itself for Groth16, a renamed copy otherwise.
  let specPath = bundledSpecPath(model);
  if (system !== "groth16") {
    const variant = { ...JSON.parse(readFileSync(specPath, "utf8")), name: `${model}-${system}`, proofSystem: system };
    const variantDir = join(artifactPath(model, "dir"), "..", "..", "bench-specs");
    mkdirSync(variantDir, { recursive: true });
    specPath = join(variantDir, `${model}-${system}.json`);
    writeFileSync(specPath, JSON.stringify(variant, null, 2));
  }
  const built = await buildModel({ specPath, log: () => {} });
  const prover = await ModelProver.load(specPath);

  const connection = await hre.network.create();
  const chain = await connectProvider(connection.provider);
  const signers = chain.accounts;
  const { test } = germanCreditSplit();
  const approved = test.filter((i) => runReference(prover.ir, applicantFeatures(i)).outputs[0]! >= 0n);
  const proveMs: number[] = [];
  let first;
  for (let r = 0; r < RUNS; r++) {
    const p = await prover.prove({ features: applicantFeatures(approved[r]!), subject: signers[r + 1]!, nonce: 1n });
    proveMs.push(p.timings.witnessMs + p.timings.proveMs);
    first ??= p;
  }
  await compileContracts(hre);
  const d = await deployCreditScore({ connection, publicClient: chain.publicClient }, { ...built, threshold: 0n, creditLimit: 10_000n });
  const { receipt } = await submitInference(chain.as(signers[1]!), { hub: d.hub, modelId: d.modelId, ...first! });
  const opened = receipt.logs.some((l) => l.address.toLowerCase() === d.creditGate.toLowerCase());
  if (!opened) throw new Error(`${model} ${system}: the CreditGate did not act on the proof`);
  return { setupMs, proveMs: round(median(proveMs)), verifyAndActGas: Number(receipt.gasUsed) };
}

/**
 * verifyAndAct gas, CreditGate included, first-time subject, of an FFLONK proof with `n` public signals
 * in the credit models' layout, from a stand-in circuit that outputs its private inputs as the
 * statement (score, model commitment, input commitment, subject, nonce) plus one multiplication. An
 * FFLONK verifier's gas depends on the number of public signals (one Lagrange term each) and only
 * through ~log2(domain) squarings on the circuit's size, so this stands for the model's own verifier
 * when its ptau cannot be made here. The verifier is the one the build generates for an FFLONK model
 * (prover/setup/fflonkVerifier.ts), from the stand-in's key. The hub runs every check on it as on a real model.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function fflonkStandInGas(hre: any, n: number): Promise<NonNullable<ProofSystemBenchEntry["standIn"]>> {
  const dir = mkdtempSync(join(tmpdir(), "zkinfer-fflonk-standin-"));
  const source = join(dir, "stand_in.circom");
  writeFileSync(
    source,
    `pragma circom 2.2.0;\n// The credit models' statement, output as given; one product so the circuit is not empty.\n` +
      `template StandIn(N) { signal input s[N]; signal output out[N]; signal sq; sq <== s[0] * s[0]; for (var i = 0; i < N; i++) out[i] <== s[i]; }\n` +
      `component main = StandIn(${n});\n`,
  );
  await compileCircuit({ source, outDir: dir });
  const r1cs = join(dir, "stand_in.r1cs");
  const power = universalPtauPower("fflonk", await plonkGateCount(r1cs));
  const ptau = await resolvePtau({ power, log: () => {} });
  const zkey = join(dir, "stand_in.zkey");
  await setupUniversal({ system: "fflonk", r1cs, ptau: ptau.path, zkeyFinal: zkey, vkey: join(dir, "vkey.json") });
  // The verifier the build generates for an FFLONK model (prover/setup/fflonkVerifier.ts), from the stand-in's key.
  const contract = join(dir, "StandInVerifier.sol");
  writeFileSync(
    contract,
    fflonkVerifierSource({
      vkey: JSON.parse(readFileSync(join(dir, "vkey.json"), "utf8")) as FflonkVerificationKey,
      contractName: "StandInVerifier",
      interfaceImport: join(REPO_ROOT, "contracts", "interfaces", "IInferenceVerifier.sol"),
      provenance: `the bench's ${n}-signal FFLONK stand-in circuit`,
    }),
  );
  const compiled = compileContract(contract, "StandInVerifier");

  const chain = await connectProvider((await hre.network.create()).provider);
  const [owner, subject] = [chain.as(chain.accounts[0]!), chain.as(chain.accounts[1]!)];
  const commitment = 12345n;
  const { proof, publicSignals } = await snarkjs.fflonk.fullProve(
    // score 1 (>= the gate's threshold 0), commitment, an input commitment, subject, nonce, then zeros.
    { s: [1n, commitment, 777n, BigInt(subject.account.address), 1n, ...Array<bigint>(Math.max(0, n - 5)).fill(0n)].map(String) },
    join(dir, "stand_in_js", "stand_in.wasm"),
    zkey,
  );
  // The stand-in verifier is not a Hardhat artifact, so the stack is deployed contract by contract
  // rather than through deploy/CreditScore.ts (which names its verifier by artifact).
  const bytecodeOf = (name: string) => hardhatArtifact(name).bytecode as `0x${string}`;
  const hub = await deployAndWait({ ...owner, abi: inferenceHubAbi, bytecode: bytecodeOf("InferenceHub"), args: [3600n] });
  const verifier = await deployAndWait({ ...owner, abi: compiled.abi, bytecode: compiled.bytecode });
  const { events } = await writeAndWait({
    ...owner,
    address: hub,
    abi: inferenceHubAbi,
    functionName: "registerModel",
    args: [verifier, commitment, 1, "bench: fflonk stand-in"],
  });
  const registered = events.find((e) => e.eventName === "ModelRegistered");
  if (registered?.eventName !== "ModelRegistered") throw new Error("fflonk stand-in: registerModel emitted no ModelRegistered");
  const { modelId } = registered.args;
  const gate = await deployAndWait({
    ...owner,
    abi: creditGateAbi,
    bytecode: bytecodeOf("CreditGate"),
    args: [hub, modelId, owner.account.address, 0n, 10_000n],
  });
  await writeAndWait({ ...owner, address: hub, abi: inferenceHubAbi, functionName: "setConsumer", args: [modelId, gate] });
  const { receipt } = await submitInference(subject, { hub, modelId, proofBytes: encodeProof(proof), publicSignals: publicSignals.map(BigInt) });
  if (!receipt.logs.some((l) => l.address.toLowerCase() === gate.toLowerCase())) {
    throw new Error("fflonk stand-in: the CreditGate did not act");
  }
  return {
    publicSignals: n,
    ptauPower: power,
    verifyAndActGas: Number(receipt.gasUsed),
    note: `a ${n}-signal stand-in circuit (statement as the credit models', 2^${power} ptau) through the same generated verifier (prover/setup/fflonkVerifier.ts), hub and CreditGate; the model's own verifier differs only by its domain's squarings (about 20 gas each)`,
  };
}

if (process.argv[1]?.endsWith("bench-proof-systems.ts")) {
  const hre = (await import("hardhat")).default;
  const { releaseCurves } = await import("../prover/setup/curve.js");
  const at = process.argv.indexOf("--max-ptau-power");
  const maxPower = at >= 0 ? Number(process.argv[at + 1]) : 13;
  try {
    const json = process.argv.includes("--json");
    const proofSystems = await proofSystemBench(hre, (l) => (json ? process.stderr.write(l + "\n") : console.log(l)), maxPower);
    const file = join(REPO_ROOT, "bench", "results.json");
    const results = existsSync(file) ? JSON.parse(readFileSync(file, "utf8")) : {};
    writeFileSync(file, JSON.stringify({ ...results, proofSystems }, null, 2) + "\n");
    if (json) console.log(JSON.stringify({ proofSystems }));
  } finally {
    await releaseCurves();
  }
  process.exit(0);
}
