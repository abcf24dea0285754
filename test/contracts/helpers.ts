/**
 * Shared helpers for the contract tests: honest public signals built with the project's one
 * public-signal ABI (prover/abi/publicSignals.ts), and the raw variants attacks need.
 */
import { AbiCoder, type BaseContract, type Contract, type ContractRunner } from "ethers";
import { FIELD_MODULUS, toField } from "../../prover/field.js";
import { addressToSubject, encodePublicSignals, type AttestationSignals } from "../../prover/abi/publicSignals.js";

export { FIELD_MODULUS };

/** A Poseidon-sized commitment for tests (any value < r will do with a mock verifier). */
export const MODEL_COMMITMENT = 0x1234_5678_9abc_def0_1234_5678_9abc_def0_1234_5678_9abc_def0_1234_5678n;
export const OTHER_COMMITMENT = 0x0fed_cba9_8765_4321n;

/** Parameters the CreditScore Ignition module needs, with a threshold of 600 and a limit of 10,000. */
export const THRESHOLD = 600n;
export const CREDIT_LIMIT = 10_000n;

/** 2^160: the smallest field element that is not an address. */
export const TWO_POW_160 = 1n << 160n;

/** A well-formed 256-byte Groth16 proof for mock verifiers; `salt` changes the bytes, as re-randomising would. */
export function dummyProof(salt = 0n): string {
  const words = Array.from({ length: 8 }, (_, i) => (salt + BigInt(i)).toString(16).padStart(64, "0"));
  return `0x${words.join("")}`;
}

export interface StatementOptions {
  outputs?: bigint[];
  modelCommitment?: bigint;
  inputCommitment?: bigint;
  subject: string;
  nonce?: bigint;
  /** For an attested model: the three appended signals. */
  attestation?: AttestationSignals;
}

/** The public signals of an honest statement: outputs are signed integers, encoded r - |q| when negative. */
export function statement({
  outputs = [700n],
  modelCommitment = MODEL_COMMITMENT,
  inputCommitment = 0n,
  subject,
  nonce = 1n,
  attestation,
}: StatementOptions): bigint[] {
  return encodePublicSignals({
    outputs,
    modelCommitment,
    inputCommitment,
    subject: addressToSubject(subject),
    nonce,
    attestation,
  });
}

/** Replaces the signal at `index` (no field check: for attacks). */
export function withSignal(signals: bigint[], index: number, value: bigint): bigint[] {
  const copy = [...signals];
  copy[index] = value;
  return copy;
}

export { toField };

/**
 * The adapter's proof bytes: `abi.encode(uint256[2] a, uint256[2][2] b, uint256[2] c)`, with `b` in the
 * order snarkjs's `exportSolidityCallData` gives.
 */
export function encodeGroth16Proof(a: [bigint, bigint], b: [[bigint, bigint], [bigint, bigint]], c: [bigint, bigint]): string {
  return AbiCoder.defaultAbiCoder().encode(["uint256[2]", "uint256[2][2]", "uint256[2]"], [a, b, c]);
}

/** The proof Groth16VerifierMock accepts for signals whose first value is `base`: words base+1 .. base+8. */
export function mockGroth16Proof(base: bigint): string {
  return encodeGroth16Proof(
    [base + 1n, base + 2n],
    [
      [base + 3n, base + 4n],
      [base + 5n, base + 6n],
    ],
    [base + 7n, base + 8n],
  );
}

/**
 * Announces a new verifier and commitment for `modelId`, waits out the hub's timelock and applies it,
 * as the model's owner (the hub's signer) would.
 */
export async function upgradeModel(
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  hub: any,
  time: { increase(seconds: bigint | number): Promise<unknown> },
  modelId: bigint,
  verifier: unknown,
  modelCommitment: bigint,
): Promise<void> {
  await (await hub.announceModelUpdate(modelId, verifier, modelCommitment)).wait();
  await time.increase(await hub.updateDelay());
  await (await hub.applyModelUpdate(modelId)).wait();
}

/** `contract.connect(runner)` typed as the full contract (ethers types connect() as a BaseContract). */
export function connectAs(contract: BaseContract, runner: ContractRunner): Contract {
  return contract.connect(runner) as Contract;
}

/**
 * Changes the consumer of `modelId` the way every change after the first must go: announced, the
 * hub's timelock waited out, then set (as the model's owner, the hub's signer).
 */
export async function changeConsumer(
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  hub: any,
  time: { increase(seconds: bigint | number): Promise<unknown> },
  modelId: bigint,
  consumer: unknown,
): Promise<void> {
  await (await hub.announceConsumer(modelId, consumer)).wait();
  await time.increase(await hub.updateDelay());
  await (await hub.setConsumer(modelId, consumer)).wait();
}
