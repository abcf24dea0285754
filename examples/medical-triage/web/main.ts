/**
 * The patient's page: proves the triage model in the browser with zkinfer/browser, submits the proof
 * through InferenceHub.verifyAndAct (the chain records only Poseidon(output, outputSalt)), and keeps
 * the opening (output, outputSalt) in the page until the patient reveals it to the clinic.
 */
import { artifactUrls, loadModelProver, type ModelProver } from "zkinfer/browser";
import { createPublicClient, createWalletClient, custom, defineChain, http, parseAbi, type Address, type EIP1193Provider, type Hex } from "viem";

interface Config {
  rpc: string;
  chainId: number;
  hub: Address;
  modelId: string;
  clinic: Address;
  /** Development account index of the patient on the local chain. */
  account: number;
  features: { name: string; unit: string; min: number; max: number; sample: number }[];
}

const R = 21888242871839275222246405745257275088548364400416034343698204186575808495617n;
const hubAbi = parseAbi(["function verifyAndAct(uint256 modelId, bytes proof, uint256[] publicSignals)"]);
const clinicAbi = parseAbi(["function reveal(uint256 nonce, uint256 malignancy, uint256 outputSalt)", "function referred(address) view returns (bool)"]);
const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const status = (text: string) => ($("status").textContent = text);

/** The local chain's unlocked development accounts, through the page's own JSON-RPC relay. */
function rpcProvider(url: string): EIP1193Provider {
  let id = 0;
  return {
    async request({ method, params }: { method: string; params?: unknown }) {
      const res = await fetch(url, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ jsonrpc: "2.0", id: ++id, method, params: params ?? [] }),
      });
      const body = (await res.json()) as { result?: unknown; error?: { message: string } };
      if (body.error) throw new Error(body.error.message);
      return body.result;
    },
    on() {},
    removeListener() {},
  } as unknown as EIP1193Provider;
}

async function main() {
  const config = (await (await fetch("config.json")).json()) as Config;
  const rpc = new URL(config.rpc, location.href).toString();
  const chain = defineChain({
    id: config.chainId,
    name: "local",
    nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 },
    rpcUrls: { default: { http: [rpc] } },
  });
  const publicClient = createPublicClient({ chain, transport: http(rpc) });
  const provider = rpcProvider(rpc);
  const account = ((await provider.request({ method: "eth_accounts" })) as Address[])[config.account]!;
  const wallet = createWalletClient({ account, chain, transport: custom(provider) });

  const form = $("features");
  for (const f of config.features) {
    const label = document.createElement("label");
    label.innerHTML = `<span>${f.name} (${f.unit})</span><input name="${f.name}" type="number" min="${f.min}" max="${f.max}" step="1" value="${f.sample}" required />`;
    form.append(label);
  }
  const prover: ModelProver = await loadModelProver(artifactUrls("model/"));
  status("ready");
  $<HTMLButtonElement>("prove").disabled = false;

  let opening: { nonce: bigint; value: bigint; salt: bigint } | undefined;
  $("prove").addEventListener("click", async () => {
    try {
      $<HTMLButtonElement>("prove").disabled = true;
      const features = Object.fromEntries(config.features.map((f) => [f.name, Number((form.querySelector(`[name="${f.name}"]`) as HTMLInputElement).value)]));
      status("proving in the browser…");
      const nonce = BigInt(Date.now());
      const p = await prover.prove({ features, subject: account, nonce });
      $("prove-ms").textContent = `${Math.round(p.timings.witnessMs + p.timings.proveMs)} ms`;
      const q = p.reference.outputs[0]!;
      $("result").textContent = `malignancy log-odds ${(Number(q) / 1024).toFixed(2)}: ${q >= 0n ? "refer" : "no referral"}`;
      status("submitting the proof…");
      const hash = await wallet.writeContract({
        address: config.hub,
        abi: hubAbi,
        functionName: "verifyAndAct",
        args: [BigInt(config.modelId), p.proofBytes as Hex, p.publicSignals],
      });
      const receipt = await publicClient.waitForTransactionReceipt({ hash });
      if (receipt.status !== "success") throw new Error("verifyAndAct reverted");
      $("hash").textContent = p.publicSignals[0]!.toString();
      opening = { nonce, value: q < 0n ? R + q : q, salt: p.outputSalt! };
      status("recorded");
      $<HTMLButtonElement>("reveal").disabled = false;
    } catch (e) {
      status(`error: ${(e as Error).message.split("\n")[0]}`);
      $<HTMLButtonElement>("prove").disabled = false;
    }
  });

  $("reveal").addEventListener("click", async () => {
    if (!opening) return;
    try {
      $<HTMLButtonElement>("reveal").disabled = true;
      const hash = await wallet.writeContract({
        address: config.clinic,
        abi: clinicAbi,
        functionName: "reveal",
        args: [opening.nonce, opening.value, opening.salt],
      });
      const receipt = await publicClient.waitForTransactionReceipt({ hash });
      if (receipt.status !== "success") throw new Error("reveal reverted");
      const referred = await publicClient.readContract({ address: config.clinic, abi: clinicAbi, functionName: "referred", args: [account] });
      $("clinic").textContent = referred ? "referred: biopsy appointment reserved" : "not referred";
    } catch (e) {
      $("clinic").textContent = `error: ${(e as Error).message.split("\n")[0]}`;
    }
  });
}

main().catch((e: Error) => status(`error: ${e.message}`));
