/**
 * The applicant page: a credit model's form, generated from its feature spec (or a bureau's
 * attestation file for an attested model), proved in a Web Worker, submitted from the applicant's
 * wallet. The features and the salt stay in this page and its worker: the only requests are the
 * model's public artifacts, the chain reads, and the transaction (proof + public signals).
 */
import { parseEventLogs, type Address, type Hex } from "viem";
import { artifactUrls, ProverWorkerClient, type LoadedModel, type WorkerProgress, type WorkerProof } from "../../prover/prove/client.js";
import type { FeatureIR } from "../../prover/model/ir.js";
import { connectWallet, revertOf, withErrors, type Chain } from "./chain.js";
import type { CreditModelConfig } from "./config.js";
import { h } from "./dom.js";
import { errorInWords } from "./errors.js";

let client: ProverWorkerClient | undefined;

/** One worker for the page's lifetime: a model's artifacts are fetched and compiled once. */
export function proverClient(): ProverWorkerClient {
  client ??= new ProverWorkerClient(new Worker(new URL("../../prover/prove/worker.ts", import.meta.url), { type: "module" }));
  return client;
}

/** Progress bar position per stage: download 0-40, then the proof's steps. */
const STAGE_PERCENT: Record<string, number> = { validate: 45, witness: 50, prove: 60, check: 95 };
const STAGE_TEXT: Record<string, string> = {
  download: "fetching the model's artifacts",
  validate: "checking the inputs",
  witness: "computing the witness",
  prove: "making the Groth16 proof",
  check: "checking the proof's outputs against the reference interpreter",
};

export async function renderApplicant(root: HTMLElement, chain: Chain, modelName: string): Promise<void> {
  const { config, publicClient } = chain;
  const model = config.creditModels.find((m) => m.name === modelName);
  const picker = h(
    "p",
    { class: "picker" },
    "Model: ",
    ...config.creditModels.flatMap((m) => [
      h("a", { href: `#/applicant/${m.name}`, class: m.name === modelName ? "current" : undefined, testid: `model-${m.name}` }, m.name),
      " ",
    ]),
  );
  root.replaceChildren(h("h1", {}, "Apply for credit"), picker);
  if (!model) {
    root.append(h("p", { testid: "error", class: "error" }, `No credit model named ${modelName}.`));
    return;
  }
  const progress = h("progress", { max: 100, value: 0, testid: "progress" });
  const stage = h("span", { testid: "stage", class: "stage" });
  const errorBox = h("p", { testid: "error", class: "error", hidden: true });
  const showError = (message: string) => {
    errorBox.textContent = message;
    errorBox.hidden = false;
  };
  const clearError = () => {
    errorBox.textContent = "";
    errorBox.hidden = true;
  };
  const seenStages: string[] = [];
  const onProgress = (p: WorkerProgress) => {
    seenStages.push(p.stage);
    progress.dataset.stages = seenStages.join(",");
    if (p.stage === "download") progress.value = p.total ? (40 * p.loaded) / p.total : 20;
    else progress.value = STAGE_PERCENT[p.stage] ?? progress.value;
    stage.textContent = STAGE_TEXT[p.stage] ?? p.stage;
  };
  const form = h("form", { class: "features", testid: "form" });
  const proveButton = h("button", { type: "button", testid: "prove", disabled: true }, "Prove in this browser");
  const submitButton = h("button", { type: "button", testid: "submit", disabled: true }, "Submit verifyAndAct");
  const result = h("div", { class: "result", testid: "result" });
  const outcome = h("div", { class: "outcome", testid: "outcome" });
  const walletLine = h("p", { class: "wallet", testid: "wallet" });
  root.append(
    h(
      "p",
      { class: "lead" },
      "Your data stays on this device: the proof is computed here, in a Web Worker, and only the proof and its public signals (a commitment to your inputs, not the inputs) are sent to the chain.",
    ),
    walletLine,
    form,
    h("div", { class: "actions" }, proveButton, " ", progress, " ", stage),
    errorBox,
    result,
    h("div", { class: "actions" }, submitButton),
    outcome,
  );

  const wallet = await connectWallet(chain).catch((e: Error) => (showError(e.message), undefined));
  if (wallet)
    walletLine.textContent = `Applicant (subject): ${wallet.account} (${wallet.kind === "injected" ? "your wallet" : "development account of the local chain"})`;

  let loaded: LoadedModel;
  try {
    // Absolute: the worker resolves relative URLs against its own script.
    loaded = await proverClient().load(model.name, artifactUrls(new URL(model.artifacts, location.href).toString()), onProgress);
    progress.value = 40;
    stage.textContent = `${loaded.name}@${loaded.version} ready`;
  } catch (e) {
    showError(`Loading the model failed: ${(e as Error).message}`);
    return;
  }

  let attestation: unknown;
  const inputs = new Map<string, HTMLInputElement>();
  if (model.attested) {
    renderAttestationInput(
      form,
      model,
      loaded,
      wallet?.account,
      (a) => {
        attestation = a;
        proveButton.disabled = !a || !wallet;
      },
      showError,
    );
  } else {
    for (const f of loaded.features) form.append(featureRow(f, model.example?.[f.name], inputs));
    proveButton.disabled = !wallet;
  }

  let proof: WorkerProof | undefined;
  proveButton.addEventListener("click", async () => {
    if (!wallet) return;
    clearError();
    for (const el of form.querySelectorAll(".field-error")) el.textContent = "";
    result.replaceChildren();
    outcome.replaceChildren();
    submitButton.disabled = true;
    proof = undefined;
    seenStages.length = 0;
    proveButton.disabled = true;
    try {
      const features: Record<string, number> = {};
      if (model.attested) Object.assign(features, (attestation as { features: Record<string, number> }).features);
      else for (const [name, input] of inputs) if (input.value.trim() !== "") features[name] = Number(input.value);
      const nonce = randomNonce();
      const now = model.attested ? Number((await publicClient.getBlock()).timestamp) : undefined;
      proof = await proverClient().prove(model.name, { features, subject: wallet.account, nonce, attestation, now }, onProgress);
      progress.value = 100;
      stage.textContent = `proved in ${Math.round(proof.timings.witnessMs + proof.timings.proveMs)} ms (witness ${Math.round(proof.timings.witnessMs)} ms)`;
      result.append(
        h("p", {}, "Score (log-odds of a good risk): ", h("strong", { testid: "score" }, proof.outputValues[0]!.toFixed(3))),
        h("p", {}, "Nonce: ", h("code", { testid: "nonce" }, nonce.toString())),
        h(
          "details",
          {},
          h("summary", {}, "Commitment salt (keep it to open your input commitment later; it never leaves this page)"),
          h("code", { testid: "salt" }, proof.salt.toString()),
        ),
      );
      submitButton.disabled = false;
    } catch (e) {
      const err = e as Error & { field?: string };
      progress.value = 0;
      stage.textContent = "";
      showError(err.message);
      if (err.field) {
        const slot = form.querySelector(`[data-testid="feature-error-${err.field}"]`);
        if (slot) slot.textContent = err.message;
      }
    } finally {
      proveButton.disabled = false;
    }
  });

  submitButton.addEventListener("click", async () => {
    if (!wallet || !proof) return;
    clearError();
    outcome.replaceChildren(h("p", {}, "Submitting…"));
    const abi = withErrors(config.abis.hub, config.abis.creditGate);
    const call = {
      address: config.hub,
      abi,
      functionName: "verifyAndAct",
      args: [BigInt(model.modelId), proof.proofBytes as Hex, proof.publicSignals],
      account: wallet.account,
    } as const;
    try {
      // Simulate first: a revert is then decoded with its custom error before anything is sent.
      await publicClient.simulateContract(call);
      const hash = await wallet.client.writeContract({ ...call, chain: publicClient.chain });
      const receipt = await publicClient.waitForTransactionReceipt({ hash });
      if (receipt.status !== "success") throw new Error(`transaction ${hash} reverted`);
      const events = parseEventLogs({ abi: config.abis.creditGate, logs: receipt.logs });
      const opened = events.find((e) => e.eventName === "CreditLineOpened");
      const line = (await publicClient.readContract({
        address: model.gate,
        abi: config.abis.creditGate,
        functionName: "creditLineOf",
        args: [wallet.account],
      })) as { limit: bigint };
      outcome.replaceChildren(
        h("p", {}, "Decision: ", h("strong", { testid: "decision", class: opened ? "approved" : "refused" }, opened ? "approved" : "refused")),
        h("p", {}, "Credit line: ", h("span", { testid: "credit-line" }, line.limit.toString())),
        h("p", {}, "Gas used: ", h("span", { testid: "gas" }, receipt.gasUsed.toString())),
        h("p", {}, "Transaction: ", h("code", { testid: "tx-hash" }, hash)),
      );
    } catch (e) {
      outcome.replaceChildren();
      const revert = revertOf(e);
      showError(revert ? `${errorInWords(revert.name)} (${revert.name})` : (e as Error).message.split("\n")[0]!);
      if (revert) errorBox.dataset.error = revert.name;
    }
  });
}

function featureRow(f: FeatureIR, example: number | undefined, inputs: Map<string, HTMLInputElement>): HTMLElement {
  const input = h("input", {
    type: "number",
    step: "any",
    name: f.name,
    id: `feature-${f.name}`,
    testid: `feature-${f.name}`,
    min: f.min,
    max: f.max,
    value: example,
  });
  inputs.set(f.name, input);
  return h(
    "div",
    { class: "field" },
    h("label", { for: `feature-${f.name}` }, f.name.replaceAll("_", " ")),
    input,
    h("span", { class: "hint" }, `${f.unit}; ${f.min} to ${f.max}`),
    h("span", { class: "field-error", testid: `feature-error-${f.name}` }),
  );
}

function renderAttestationInput(
  form: HTMLElement,
  model: CreditModelConfig,
  loaded: LoadedModel,
  subject: Address | undefined,
  onAttestation: (a: unknown) => void,
  showError: (m: string) => void,
): void {
  const file = h("input", { type: "file", accept: "application/json,.json", testid: "attestation-file" });
  const view = h("div", { class: "attested", testid: "attested-features" });
  const use = (text: string) => {
    try {
      const a = JSON.parse(text) as { features?: Record<string, number>; subject?: string; expiresAt?: number };
      view.replaceChildren(
        h("p", {}, `Attestation for ${a.subject}, valid until ${new Date(Number(a.expiresAt) * 1000).toISOString().slice(0, 10)}:`),
        h(
          "table",
          {},
          ...loaded.features.map((f) => h("tr", {}, h("td", {}, f.name), h("td", {}, String(a.features?.[f.name] ?? "?")), h("td", { class: "hint" }, f.unit))),
        ),
      );
      onAttestation(a);
    } catch (e) {
      showError(`The attestation file is not JSON: ${(e as Error).message}`);
      onAttestation(undefined);
    }
  };
  file.addEventListener("change", async () => {
    const f = file.files?.[0];
    if (f) use(await f.text());
  });
  form.append(h("p", {}, "This model takes features signed by a credit bureau. Choose the bureau's attestation file (zkinfer attest)."), file);
  if (subject && model.example) {
    const bureau = h("button", { type: "button", testid: "bureau" }, "Get a demo attestation from the local bureau");
    bureau.addEventListener("click", async () => {
      const res = await fetch(`bureau/attestation?model=${encodeURIComponent(model.name)}&subject=${subject}`);
      if (!res.ok) return showError(`The demo bureau refused: ${await res.text()}`);
      use(await res.text());
    });
    form.append(" ", bureau);
  }
  form.append(view);
}

/** A fresh 48-bit nonce: the hub accepts each (model, subject, nonce) once. */
function randomNonce(): bigint {
  const b = crypto.getRandomValues(new Uint8Array(6));
  return b.reduce((acc, x) => (acc << 8n) | BigInt(x), 0n);
}
