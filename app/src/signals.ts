/** The signals page: a model's verified signal history over the recorded prices (an SVG chart). */
import type { Chain } from "./chain.js";
import { h } from "./dom.js";

const SVG = "http://www.w3.org/2000/svg";

function s<K extends keyof SVGElementTagNameMap>(tag: K, attrs: Record<string, string | number>, ...children: (Node | string)[]): SVGElementTagNameMap[K] {
  const el = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  el.append(...children);
  return el;
}

export async function renderSignals(root: HTMLElement, { config, publicClient }: Chain): Promise<void> {
  const sig = config.signals;
  if (!sig) {
    root.replaceChildren(h("h1", {}, "Signals"), h("p", {}, "No signal model is deployed."));
    return;
  }
  const [priceLogs, signalLogs] = await Promise.all([
    publicClient.getContractEvents({ address: sig.priceSource, abi: config.abis.priceSource, eventName: "PriceRecorded", fromBlock: 0n }),
    publicClient.getContractEvents({
      address: sig.feed,
      abi: config.abis.signalFeed,
      eventName: "SignalPublished",
      args: { modelId: BigInt(sig.modelId) },
      fromBlock: 0n,
    }),
  ]);
  const prices = priceLogs.map((l) => l.args as { epoch: bigint; price: bigint }).map((a) => ({ epoch: Number(a.epoch), price: Number(a.price) / 100 }));
  const signals = signalLogs.map((l) => ({ ...(l.args as { epoch: bigint; direction: number; size: number; subject: string }), tx: l.transactionHash }));
  const W = 720,
    H = 280,
    pad = 40;
  const epochs = prices.map((p) => p.epoch);
  const [e0, e1] = [Math.min(...epochs), Math.max(...epochs)];
  const [p0, p1] = [Math.min(...prices.map((p) => p.price)), Math.max(...prices.map((p) => p.price))];
  const x = (e: number) => pad + ((e - e0) / Math.max(1, e1 - e0)) * (W - 2 * pad);
  const y = (p: number) => H - pad - ((p - p0) / Math.max(1e-9, p1 - p0)) * (H - 2 * pad);
  const priceAt = new Map(prices.map((p) => [p.epoch, p.price]));
  const chart = s(
    "svg",
    { viewBox: `0 0 ${W} ${H}`, width: W, height: H, role: "img", "aria-label": "price and verified signals", "data-testid": "signal-chart" },
    s("polyline", { points: prices.map((p) => `${x(p.epoch)},${y(p.price)}`).join(" "), fill: "none", stroke: "#335", "stroke-width": 2 }),
    s("text", { x: 4, y: y(p1) + 4, "font-size": 11 }, p1.toFixed(2)),
    s("text", { x: 4, y: y(p0) + 4, "font-size": 11 }, p0.toFixed(2)),
    ...signals.map((g) => {
      const cx = x(Number(g.epoch));
      const cy = y(priceAt.get(Number(g.epoch)) ?? p0);
      const up = g.direction > 0,
        down = g.direction < 0;
      const path = up ? `M${cx},${cy - 14} l-7,12 l14,0 z` : down ? `M${cx},${cy + 14} l-7,-12 l14,0 z` : `M${cx - 5},${cy - 5} h10 v10 h-10 z`;
      return s(
        "path",
        { d: path, fill: up ? "#1a7f37" : down ? "#cf222e" : "#888" },
        s("title", {}, `epoch ${g.epoch}: ${up ? "buy" : down ? "sell" : "hold"} ${g.size}/1024`),
      );
    }),
  );
  root.replaceChildren(
    h("h1", {}, `Verified signals: ${sig.name} (model #${sig.modelId})`),
    h("p", {}, "Each marker is a signal whose Groth16 proof the hub verified against the prices the PriceSource recorded (green: buy, red: sell, grey: hold)."),
    chart,
    h(
      "table",
      { testid: "signals" },
      h("thead", {}, h("tr", {}, ...["epoch", "price", "signal", "size", "transaction"].map((c) => h("th", {}, c)))),
      h(
        "tbody",
        {},
        ...signals.map((g) =>
          h(
            "tr",
            {},
            h("td", {}, String(g.epoch)),
            h("td", {}, (priceAt.get(Number(g.epoch)) ?? 0).toFixed(2)),
            h("td", {}, g.direction > 0 ? "buy" : g.direction < 0 ? "sell" : "hold"),
            h("td", {}, `${g.size}/1024`),
            h("td", {}, h("code", {}, g.tx ?? "")),
          ),
        ),
      ),
    ),
  );
}
