/** The models page: every model registered in the hub, and the latest verified inferences. */
import type { Address } from "viem";
import type { Chain } from "./chain.js";
import { h, short, shortNumber } from "./dom.js";
import { modelStatusName, type Model, type PendingModelUpdate } from "../../prover/chain/model.js";

const ZERO = "0x0000000000000000000000000000000000000000";

export async function renderModels(root: HTMLElement, { config, publicClient }: Chain): Promise<void> {
  const hub = { address: config.hub, abi: config.abis.hub } as const;
  const [count, delay, now] = await Promise.all([
    publicClient.readContract({ ...hub, functionName: "modelCount" }) as Promise<bigint>,
    publicClient.readContract({ ...hub, functionName: "updateDelay" }) as Promise<bigint>,
    publicClient.getBlock().then((b) => b.timestamp),
  ]);
  const rows: HTMLElement[] = [];
  for (let id = 1n; id <= count; id++) {
    const [m, pending] = (await Promise.all([
      publicClient.readContract({ ...hub, functionName: "getModel", args: [id] }),
      publicClient.readContract({ ...hub, functionName: "pendingModelUpdate", args: [id] }),
    ])) as [Model, PendingModelUpdate];
    const pendingCell =
      pending.verifier === ZERO
        ? "none"
        : `commitment ${shortNumber(pending.modelCommitment)}, verifier ${short(pending.verifier)}; ` +
          (pending.readyAt <= now
            ? "can apply now"
            : `can apply at ${new Date(Number(pending.readyAt) * 1000).toISOString().replace(".000Z", "Z")} (in ${Math.ceil(Number(pending.readyAt - now) / 3600)} h)`);
    rows.push(
      h(
        "tr",
        { testid: `model-row-${id}` },
        h("td", {}, id.toString()),
        h("td", {}, m.metadataURI || "(none)"),
        h("td", { testid: `model-version-${id}` }, m.version.toString()),
        h("td", { testid: `model-status-${id}`, class: `status-${modelStatusName(m.status).toLowerCase()}` }, modelStatusName(m.status).toLowerCase()),
        h("td", {}, m.attested ? "attested inputs" : m.numPublicInputs ? `${m.numPublicInputs} public inputs` : "private inputs"),
        h("td", { title: m.verifier }, h("code", {}, short(m.verifier))),
        h("td", { title: m.modelCommitment.toString() }, h("code", {}, shortNumber(m.modelCommitment))),
        h("td", { title: m.consumer }, h("code", {}, short(m.consumer))),
        h("td", { testid: `model-pending-${id}` }, pendingCell),
      ),
    );
  }
  const logs = await publicClient.getContractEvents({ ...hub, eventName: "InferenceVerified", fromBlock: 0n });
  const latest = logs.slice(-10).reverse();
  root.replaceChildren(
    h("h1", {}, "Registered models"),
    h("p", {}, `Hub ${config.hub}; model updates are timelocked for ${Number(delay) / 3600} h.`),
    h(
      "table",
      { testid: "models" },
      h(
        "thead",
        {},
        h("tr", {}, ...["id", "model", "version", "status", "inputs", "verifier", "commitment", "consumer", "pending update"].map((c) => h("th", {}, c))),
      ),
      h("tbody", {}, ...rows),
    ),
    h("h2", {}, "Latest verified inferences"),
    h(
      "table",
      { testid: "inferences" },
      h("thead", {}, h("tr", {}, ...["block", "model", "subject", "nonce", "transaction"].map((c) => h("th", {}, c)))),
      h(
        "tbody",
        {},
        ...latest.map((l) => {
          const a = l.args as { modelId: bigint; subject: Address; nonce: bigint };
          return h(
            "tr",
            {},
            h("td", {}, String(l.blockNumber)),
            h("td", {}, a.modelId.toString()),
            h("td", {}, h("code", {}, short(a.subject))),
            h("td", {}, a.nonce.toString()),
            h("td", {}, h("code", {}, short(l.transactionHash ?? ""))),
          );
        }),
      ),
    ),
  );
}
