/** The web app: hash routes #/applicant/<model> (the default: credit-score), #/models, #/signals. */
import "./style.css";
import { renderApplicant } from "./applicant.js";
import { connectChain, type Chain } from "./chain.js";
import type { AppConfig } from "./config.js";
import { h } from "./dom.js";
import { renderModels } from "./models.js";
import { renderSignals } from "./signals.js";

const main = document.getElementById("main")!;

async function route(chain: Chain): Promise<void> {
  const [segment, arg] = location.hash.replace(/^#\/?/, "").split("/");
  const page = segment || "applicant";
  for (const a of document.querySelectorAll("nav a")) a.classList.toggle("current", a.getAttribute("href")!.startsWith(`#/${page}`));
  main.replaceChildren(h("p", { class: "loading" }, "Loading…"));
  document.body.dataset.page = page;
  delete document.body.dataset.ready;
  try {
    if (page === "models") await renderModels(main, chain);
    else if (page === "signals") await renderSignals(main, chain);
    else await renderApplicant(main, chain, arg ?? "credit-score");
  } catch (e) {
    main.append(h("p", { class: "error", testid: "error" }, (e as Error).message));
  }
  // Tests and screenshots wait for this: the page has rendered its data.
  document.body.dataset.ready = page;
}

const config = (await (await fetch("config.json")).json()) as AppConfig;
const chain = connectChain(config);
addEventListener("hashchange", () => void route(chain));
await route(chain);
