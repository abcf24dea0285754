/**
 * examples/medical-triage's page in a real Chromium: the patient proves in the browser, the proof
 * lands through verifyAndAct from the patient's account, the chain holds only the output's hash, and
 * the patient's reveal makes the clinic act. The measurements never leave the page.
 */
import { existsSync } from "node:fs";
import { expect } from "chai";
import { chromium, type Browser } from "playwright-core";
import { getAddress, parseAbi, parseEventLogs, type Abi, type Address } from "viem";
import { poseidonArtifact } from "../../deploy/poseidonArtifact.js";
import { buildModel } from "../../prover/build/buildModel.js";
import { compileModelVerifier } from "../../prover/chain/compileVerifier.js";
import { modelCommitment } from "../../prover/circuit/commitment.js";
import { lowerModel } from "../../prover/model/ir.js";
import { runReference } from "../../prover/model/interpret.js";
import { readModelSpec } from "../../prover/model/spec.js";
import { FEATURES, SPEC_PATH, loadData, split } from "../../examples/medical-triage/scripts/train.js";
import { compileExample } from "./exampleStack.js";
import { CHROMIUM, CHROMIUM_ARGS, deployContract, hubArtifact, startExampleWeb, type ExampleWeb } from "./webHarness.js";

const recordAbi = parseAbi([
  "event TriageRecorded(address indexed patient, uint256 indexed nonce, uint256 outputHash)",
  "function outputHashOf(address patient, uint256 nonce) view returns (uint256)",
]);
const clinicAbi = parseAbi(["function referred(address) view returns (bool)"]);

describe("examples/medical-triage in Chromium: prove in the browser, reveal to the clinic", function () {
  this.timeout(900_000);
  let web: ExampleWeb;
  let browser: Browser;
  let addresses: { record: Address; clinic: Address };
  const ir = lowerModel(readModelSpec(SPEC_PATH));
  const { test } = split(loadData());
  const malignant = test.find((e) => e.y === 1 && runReference(ir, Object.fromEntries(FEATURES.map((f, i) => [f.name, e.x[i]!]))).outputs[0]! > 1024n)!.x;

  before(async () => {
    if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install -y chromium (see .ci/run)`);
    await buildModel({ specPath: SPEC_PATH });
    web = await startExampleWeb({
      example: "medical-triage",
      model: "medical-triage",
      specPath: SPEC_PATH,
      async deploy(clients) {
        const { publicClient, walletClient } = clients;
        const hubA = hubArtifact();
        const hub = await deployContract(clients, hubA.abi, hubA.bytecode, [2n * 24n * 3600n]);
        const v = compileModelVerifier("medical-triage");
        const verifier = await deployContract(clients, v.abi, v.bytecode);
        const send = async (address: Address, abi: Abi, functionName: string, args: unknown[]) =>
          publicClient.waitForTransactionReceipt({
            hash: await walletClient.writeContract({ address, abi, functionName, args, account: clients.account, chain: publicClient.chain }),
          });
        await send(hub, hubA.abi, "registerModel", [verifier, await modelCommitment(ir), 1, "medical-triage"]);
        const modelId = 1n;
        const c = compileExample("medical-triage", ["TriageRecord.sol", "ClinicReferral.sol"]);
        const record = await deployContract(clients, c.TriageRecord!.abi, c.TriageRecord!.bytecode, [hub, modelId]);
        await send(hub, hubA.abi, "setConsumer", [modelId, record]);
        const p2 = poseidonArtifact(2);
        const poseidon = await deployContract(clients, p2.abi as Abi, p2.bytecode);
        const clinic = await deployContract(clients, c.ClinicReferral!.abi, c.ClinicReferral!.bytecode, [record, poseidon, 0n]);
        addresses = { record, clinic };
        return {
          hub,
          modelId,
          clinic,
          account: 1,
          features: FEATURES.map((f) => ({ name: f.name, unit: f.unit, min: f.min, max: f.max, sample: 0 })),
        };
      },
    });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true });
  });

  after(async () => {
    await browser?.close();
    await web?.stop();
  });

  it("records only the hash of the browser's proof, and the patient's reveal gets a referral", async () => {
    const page = await browser.newPage();
    const requests: { url: string; body: string }[] = [];
    page.on("request", (r) => requests.push({ url: r.url(), body: r.postData() ?? "" }));
    const errors: string[] = [];
    page.on("pageerror", (e) => errors.push(e.message));
    await page.goto(web.url);
    await page.waitForFunction(() => document.getElementById("status")?.textContent === "ready", undefined, { timeout: 120_000 });
    for (const [i, f] of FEATURES.entries()) await page.fill(`input[name="${f.name}"]`, String(malignant[i]));
    await page.click("#prove");
    await page.waitForFunction(() => /recorded|error/.test(document.getElementById("status")?.textContent ?? ""), undefined, { timeout: 300_000 });
    expect(await page.textContent("#status"), errors.join("\n")).to.equal("recorded");
    expect(await page.textContent("#result")).to.match(/: refer$/);

    const patient = ((await web.clients.publicClient.request({ method: "eth_accounts" as never })) as unknown as Address[])[1]!;
    const logs = parseEventLogs({ abi: recordAbi, logs: await web.clients.publicClient.getLogs({ address: addresses.record, fromBlock: 0n }) });
    expect(logs).to.have.length(1);
    expect(logs[0]!.args.patient).to.equal(getAddress(patient));
    expect(logs[0]!.args.outputHash.toString()).to.equal(await page.textContent("#hash"));

    // Only public artifacts and JSON-RPC went out: no request carries the measurements.
    const origin = new URL(web.url).origin;
    for (const r of requests) {
      expect(new URL(r.url).origin, r.url).to.equal(origin);
      for (const f of FEATURES) expect(r.body).to.not.contain(f.name);
    }

    await page.click("#reveal");
    await page.waitForFunction(() => (document.getElementById("clinic")?.textContent ?? "") !== "", undefined, { timeout: 120_000 });
    expect(await page.textContent("#clinic")).to.equal("referred: biopsy appointment reserved");
    expect(await web.clients.publicClient.readContract({ address: addresses.clinic, abi: clinicAbi, functionName: "referred", args: [patient] })).to.equal(
      true,
    );
    expect(errors).to.deep.equal([]);
  });
});
