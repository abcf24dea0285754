/**
 * Ignition module factory: an AccuracyBounty on an existing hub, with the sponsor's bounty-circuit
 * verifier (already deployed: the sponsor builds it from the test set with buildBounty) pinned.
 * The sponsor then approves the reward and calls `fund()`; modellers register their own models on the
 * hub with that verifier and the bounty as consumer (docs/SECURITY.md, "Accuracy bounty").
 *
 * Parameters (under the module's id): `hub`, `verifier`, `token` (addresses), `testSetHash`,
 * `testSamples`, `minCorrect`, `deadline` (unix seconds), `reward`, and `sponsor` (default: the
 * deployer, account 0).
 *
 * @example
 * ```ts
 * const module = accuracyBountyModule();
 * const parameters = accuracyBountyParameters(module, { hub, verifier, token, testSetHash, testSamples: 300, minCorrect: 216, deadline, reward });
 * const { bounty } = await ignition.deploy(module, { parameters });
 * ```
 */
import { buildModule } from "@nomicfoundation/hardhat-ignition/modules";

const modules = new Map<string, ReturnType<typeof build>>();

export interface AccuracyBountyParameters {
  hub: string;
  verifier: string;
  token: string;
  testSetHash: bigint;
  testSamples: number;
  minCorrect: number;
  /** Unix seconds: claims close after it, refunds open. */
  deadline: bigint;
  reward: bigint;
  /** Default: the deployer (account 0). */
  sponsor?: string;
}

/** The deployment parameters of `module`, spelled once for every caller; an unset sponsor takes the module's default. */
export function accuracyBountyParameters(module: { id: string }, { sponsor, ...terms }: AccuracyBountyParameters) {
  return { [module.id]: { ...terms, ...(sponsor === undefined ? {} : { sponsor }) } };
}

/** The module with id `AccuracyBounty_<suffix>` (one object per id: Ignition refuses two modules with one id). */
export function accuracyBountyModule(suffix = "main") {
  if (!/^[A-Za-z0-9_]+$/.test(suffix)) throw new TypeError(`module suffix "${suffix}" must be letters, digits or _`);
  let module = modules.get(suffix);
  if (module === undefined) {
    module = build(suffix);
    modules.set(suffix, module);
  }
  return module;
}

function build(suffix: string) {
  return buildModule(`AccuracyBounty_${suffix}`, (m) => {
    const terms = {
      verifier: m.getParameter<string>("verifier"),
      testSetHash: m.getParameter<bigint>("testSetHash"),
      testSamples: m.getParameter<number>("testSamples"),
      minCorrect: m.getParameter<number>("minCorrect"),
      deadline: m.getParameter<bigint>("deadline"),
      token: m.getParameter<string>("token"),
      reward: m.getParameter<bigint>("reward"),
      sponsor: m.getParameter("sponsor", m.getAccount(0)),
    };
    const bounty = m.contract("AccuracyBounty", [m.getParameter<string>("hub"), terms]);
    return { bounty };
  });
}
