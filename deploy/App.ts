/**
 * Ignition module factory: the web app's local deployment (`npm run app`), every bundled model on ONE
 * hub. It composes the existing modules (an Ignition deployment shares a submodule such as the hub
 * only within one deploy call): the credit-score model and its attested variant, each behind its
 * CreditGate (deploy/CreditScore.ts), and the signals stack (deploy/Signals.ts). Parameters go under
 * each submodule's own id, as for the submodules alone.
 */
import { buildModule } from "@nomicfoundation/hardhat-ignition/modules";
import { creditScoreModule } from "./CreditScore.js";
import { signalsModule } from "./Signals.js";

export function appModule(verifiers: { credit: string; attested: string; signal: string }) {
  const credit = creditScoreModule(verifiers.credit);
  const attested = creditScoreModule(verifiers.attested, { attested: true });
  const signals = signalsModule(verifiers.signal);
  const module = buildModule(`App_${verifiers.credit}_${verifiers.attested}_${verifiers.signal}`, (m) => {
    const c = m.useModule(credit);
    const a = m.useModule(attested);
    const s = m.useModule(signals);
    return {
      hub: c.hub,
      creditGate: c.creditGate,
      attestedGate: a.creditGate,
      signalVerifier: s.verifier,
      priceSource: s.priceSource,
      feed: s.feed,
      base: s.base,
      quote: s.quote,
      amm: s.amm,
      vault: s.vault,
    };
  });
  return { module, ids: { credit: credit.id, attested: attested.id, signals: signals.id } };
}
