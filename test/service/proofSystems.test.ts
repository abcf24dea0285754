/**
 * The prover service with PLONK and FFLONK models (issue 15, point 4): the real `zkinfer serve`, real
 * snarkjs proofs of the tiny public-input fixtures, a real JSON-RPC chain (`hardhat node`) with the
 * model's own generated verifier, and an audit of the chain afterwards. The hub batches Groth16 proofs
 * only, so a service asked to batch must send these one transaction per proof, all confirmed, and the
 * SDK must re-verify each transaction's proof from its calldata.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { expect } from "chai";
import type { Address, Hash } from "viem";
import { publicInputRanges } from "../../prover/abi/publicInputRanges.js";
import { artifactPath } from "../../prover/artifacts/paths.js";
import { buildModel, type BuiltModel } from "../../prover/build/buildModel.js";
import { creditGateAbi, inferenceHubAbi } from "../../prover/chain/abi.js";
import { compileModelVerifier, type CompiledContract } from "../../prover/chain/compileVerifier.js";
import { hardhatArtifact } from "../../prover/chain/deployModel.js";
import { deployAndWait, writeAndWait } from "../../prover/chain/write.js";
import { lowerModel } from "../../prover/model/ir.js";
import { readModelSpec } from "../../prover/model/spec.js";
import { verifyInferenceTransaction } from "../../prover/sdk/verifyInferenceTransaction.js";
import { HARDHAT_DEV_KEY, connectChain, type ChainClients } from "../../prover/service/chain.js";
import { startLocalChain, type LocalChain } from "../../scripts/dev/localChain.js";
import { SERVE_READY, auditChain, call, startCli, waitForJobs, type CliProcess } from "./helpers.js";

const SYSTEMS = ["plonk", "fflonk"] as const;
type System = (typeof SYSTEMS)[number];
const specPath = (system: System) => fileURLToPath(new URL(`../fixtures/tiny-${system}.json`, import.meta.url));
// The fixtures' two features; each input gives a positive score, so the CreditGate opens a line.
const INPUTS = [
  { income: 100, debt: 20 },
  { income: 150, debt: 10 },
  { income: 120, debt: 30 },
];

describe("prover service with PLONK and FFLONK models", function () {
  this.timeout(600_000);
  let chain: LocalChain;
  let clients: ChainClients;
  let dir: string;
  const built = {} as Record<System, BuiltModel>;
  const compiled = {} as Record<System, CompiledContract>;
  const running: CliProcess[] = [];

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "zkinfer-systems-service-"));
    for (const system of SYSTEMS) {
      built[system] = await buildModel({ specPath: specPath(system) });
      // Once per system, not per deployment (solc takes seconds).
      compiled[system] = compileModelVerifier(built[system].name);
    }
    chain = await startLocalChain();
    clients = await connectChain(chain.url, HARDHAT_DEV_KEY);
  });
  afterEach(async () => {
    for (const p of running.splice(0)) await p.kill("SIGTERM");
  });
  after(async () => {
    await chain?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /** A hub, the model's verifier compiled from its local build, the model registered, a CreditGate. */
  async function deploy(system: System) {
    const owner = clients;
    const ir = lowerModel(readModelSpec(specPath(system)));
    const hub = await deployAndWait({ ...owner, abi: inferenceHubAbi, bytecode: hardhatArtifact("InferenceHub").bytecode as `0x${string}`, args: [3600n] });
    const verifier = await deployAndWait({ ...owner, abi: compiled[system].abi, bytecode: compiled[system].bytecode });
    const { events } = await writeAndWait({
      ...owner,
      address: hub,
      abi: inferenceHubAbi,
      functionName: "registerPublicInputModel",
      args: [verifier, built[system].modelCommitment, 1, ir.visibility.publicInputBits!, publicInputRanges(ir), `test: service ${system}`],
    });
    const registered = events.find((e) => e.eventName === "ModelRegistered");
    if (registered?.eventName !== "ModelRegistered") throw new Error("registerPublicInputModel emitted no ModelRegistered");
    const { modelId } = registered.args;
    const creditGate = await deployAndWait({
      ...owner,
      abi: creditGateAbi,
      bytecode: hardhatArtifact("CreditGate").bytecode as `0x${string}`,
      args: [hub, modelId, owner.account.address, 0n, 5_000n],
    });
    await writeAndWait({ ...owner, address: hub, abi: inferenceHubAbi, functionName: "setConsumer", args: [modelId, creditGate] });
    return { hub, modelId, creditGate };
  }

  for (const system of SYSTEMS) {
    it(`${system}: serves, submits each proof in its own transaction even when asked to batch, and the SDK re-verifies them`, async () => {
      const { hub, modelId, creditGate } = await deploy(system);
      const name = built[system].name;
      const p = await startCli(
        [
          "serve",
          "--models",
          specPath(system),
          "--rpc",
          chain.url,
          "--hub",
          hub,
          "--model-id",
          `${name}=${modelId}`,
          "--consumer",
          `${name}=${creditGate}`,
          // The subject is the service's own account: the operator allows it.
          "--allow-self-subject",
          "--port",
          "0",
          "--workers",
          "1",
          "--db",
          join(dir, `${system}.sqlite`),
          "--batch-max",
          "3",
          "--batch-wait-ms",
          "120000",
        ],
        SERVE_READY,
      );
      running.push(p);
      // The service's own account is the subject (no attested inputs: the subject submits).
      const me: Address = clients.account.address;
      const ids: string[] = [];
      for (const [i, input] of INPUTS.entries()) {
        const r = await call(p.url!, "POST", `/v1/models/${name}/proofs`, { input, subject: me, nonce: i + 1, submit: true });
        expect(r.status, r.text).to.equal(202);
        ids.push(r.json.jobId as string);
      }
      const jobs = await waitForJobs(p.url!, ids);
      for (const j of jobs) expect(j.status, JSON.stringify(j.error)).to.equal("confirmed");
      expect(new Set(jobs.map((j) => j.txHash)).size, "one transaction per proof: the hub batches Groth16 only").to.equal(INPUTS.length);

      const audit = await auditChain(chain.url, hub, me);
      expect(audit.reverted, "no batch was tried and reverted").to.equal(0);
      expect(audit.sent).to.equal(INPUTS.length);
      expect(audit.verified.map((v) => v.nonce).sort()).to.deep.equal(["1", "2", "3"]);
      // Not even simulated as a batch (the hub would refuse it with InferenceHubBatchNotSupported).
      expect(p.output()).not.to.match(/a batch of \d+ .* would revert|batch transaction .* reverted/);

      // The key's protocol decides how the SDK decodes the proof bytes.
      const verificationKey = JSON.parse(readFileSync(artifactPath(name, "vkey"), "utf8")) as { protocol: string };
      expect(verificationKey.protocol).to.equal(system);
      for (const j of jobs) {
        const checked = await verifyInferenceTransaction({ client: clients.publicClient, hub, txHash: j.txHash as Hash, verificationKey });
        expect(checked, j.txHash).to.include({ valid: true, proofValid: true, eventEmitted: true, commitmentMatches: true, modelId });
      }
    });
  }
});
