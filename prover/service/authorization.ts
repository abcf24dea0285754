/**
 * The relaying check at the door: a request that carries the subject's EIP-712
 * SubmissionAuthorization (prover/abi/submissionAuthorization.ts) is checked the way
 * `InferenceHub.verifyAndActFor` will check it, before anything is proved or queued. Without this a
 * junk signature got 202, a proof, a transaction and a revert on chain (issue 26).
 *
 * What the hub checks, and so what this checks (contracts/InferenceHub.sol, `_checkAuthorization`):
 * - the typed data is (modelId, subject, nonce, submitter = the account that sends, deadline) in the
 *   hub's domain (name, version, chain id, the hub's address);
 * - an account without code must have signed it with ECDSA: 65 bytes, v 27 or 28, s in the lower
 *   half of the curve order (OpenZeppelin's ECDSA.tryRecover refuses the rest);
 * - an account with code (a contract wallet) must answer ERC-1271 `isValidSignature(digest, signature)`
 *   with its selector;
 * - `block.timestamp <= deadline`: here with a margin, since the transaction lands after the proof.
 */
import {
  BaseError,
  ContractFunctionRevertedError,
  ContractFunctionZeroDataError,
  hexToBigInt,
  recoverAddress,
  sliceHex,
  type Address,
  type Hex,
  type PublicClient,
} from "viem";
import { submissionAuthorizationDigest } from "../abi/submissionAuthorization.js";
import { withRetry } from "../chain/connect.js";

/** secp256k1's group order n: a signature with s > n/2 is the malleable twin the hub refuses. */
const SECP256K1_HALF_N = 0x7fffffffffffffffffffffffffffffff5d576e7357a4501ddfe92f46681b20a0n;

/** ERC-1271's magic value: `isValidSignature.selector`. */
const ERC1271_MAGIC = "0x1626ba7e";
const ERC1271_ABI = [
  {
    type: "function",
    name: "isValidSignature",
    stateMutability: "view",
    inputs: [
      { name: "hash", type: "bytes32" },
      { name: "signature", type: "bytes" },
    ],
    outputs: [{ name: "magicValue", type: "bytes4" }],
  },
] as const;

/** Attempts per chain read of the check (100 * 2^i ms apart). */
const RPC_ATTEMPTS = 4;

function chainDown(cause: unknown): AuthorizationRefusal {
  const first = (cause instanceof Error ? cause.message : String(cause)).split("\n")[0];
  return new AuthorizationRefusal(503, "authorization", `The chain did not answer while \`authorization\` was checked (${first}); send the request again.`);
}

/** Whether a failed contract read is the contract's answer (a revert, or no return data), not a fault of the chain. */
function isAnswer(e: unknown): boolean {
  return e instanceof BaseError && e.walk((x) => x instanceof ContractFunctionRevertedError || x instanceof ContractFunctionZeroDataError) !== null;
}

/** What the service relays with: the hub's domain and its own submitting account. */
export interface RelayContext {
  publicClient: PublicClient;
  hub: Address;
  chainId: number;
  /** This service's submitting account: the `submitter` the subject must have signed. */
  submitter: Address;
  /** The least time, in seconds, a deadline must leave after the request arrives (for the queue, the proof and the transaction). */
  minDeadlineSeconds: number;
}

/** One refused authorization: the status, the request field to name and what is allowed. */
export class AuthorizationRefusal extends Error {
  override name = "AuthorizationRefusal";
  constructor(
    readonly status: 422 | 503,
    readonly field: string,
    message: string,
  ) {
    super(message);
  }
}

export interface AuthorizationRequest {
  modelId: bigint;
  subject: Address;
  nonce: bigint;
  deadline: bigint;
  signature: Hex;
  /** The submitter the client says it signed for, when it says so. */
  submitter?: Address;
}

/**
 * Throws an {@link AuthorizationRefusal} naming the field unless `a` is an authorization the hub
 * will accept from this service's submitter until at least `minDeadlineSeconds` from now.
 */
export async function checkAuthorization(ctx: RelayContext, a: AuthorizationRequest): Promise<void> {
  const signed = `SubmissionAuthorization(modelId ${a.modelId}, subject ${a.subject}, nonce ${a.nonce}, submitter ${ctx.submitter}, deadline ${a.deadline})`;
  if (a.submitter !== undefined && a.submitter.toLowerCase() !== ctx.submitter.toLowerCase()) {
    throw new AuthorizationRefusal(
      422,
      "authorization.submitter",
      `\`authorization.submitter\` must be this service's submitter ${ctx.submitter} (GET /v1/models, relaying.submitter), got ${a.submitter}: the hub checks the signature against the account that sends the transaction.`,
    );
  }
  let chainNow: bigint;
  let code: Hex | undefined;
  try {
    // RPC faults are retried (about 1.4 s in all); a chain that stays down is a 503 the client retries.
    [chainNow, code] = await Promise.all([
      withRetry("the latest block", () => ctx.publicClient.getBlock({ blockTag: "latest" }), RPC_ATTEMPTS).then((b) => b.timestamp),
      withRetry("the subject's code", () => ctx.publicClient.getCode({ address: a.subject }), RPC_ATTEMPTS),
    ]);
  } catch (cause) {
    throw chainDown(cause);
  }
  // The hub compares with the block's timestamp; a development chain may run ahead of the wall clock.
  const now = BigInt(Math.max(Math.floor(Date.now() / 1000), Number(chainNow)));
  const earliest = now + BigInt(ctx.minDeadlineSeconds);
  if (a.deadline < earliest) {
    throw new AuthorizationRefusal(
      422,
      "authorization.deadline",
      a.deadline < now
        ? `\`authorization.deadline\` ${a.deadline} has passed (now ${now}, unix seconds): sign a new authorization whose deadline is at least ${ctx.minDeadlineSeconds} s ahead.`
        : `\`authorization.deadline\` ${a.deadline} is too close: it must be at least ${ctx.minDeadlineSeconds} s after now (${now}, unix seconds), i.e. >= ${earliest}, so the proof and its transaction land before it.`,
    );
  }
  const digest = submissionAuthorizationDigest({
    hub: ctx.hub,
    chainId: ctx.chainId,
    modelId: a.modelId,
    subject: a.subject,
    nonce: a.nonce,
    submitter: ctx.submitter,
    deadline: a.deadline,
  });
  const refuse = (why: string) =>
    new AuthorizationRefusal(
      422,
      "authorization.signature",
      `\`authorization.signature\` ${why}: it must be the subject's EIP-712 signature of ${signed} in the domain {name "zkinfer InferenceHub", version "1", chainId ${ctx.chainId}, verifyingContract ${ctx.hub}}. A signature for another submitter, nonce, model or deadline does not count.`,
    );
  if (code !== undefined && code !== "0x") {
    // A contract wallet: its own ERC-1271 answer decides, as in the hub.
    let answer: Hex | undefined;
    try {
      answer = await withRetry(
        "isValidSignature",
        () => ctx.publicClient.readContract({ address: a.subject, abi: ERC1271_ABI, functionName: "isValidSignature", args: [digest, a.signature] }),
        RPC_ATTEMPTS,
        isAnswer,
      );
    } catch (e) {
      // A revert (or no return data) is the wallet saying no; anything else is the chain failing.
      if (!isAnswer(e)) throw chainDown(e);
    }
    if (answer?.toLowerCase() !== ERC1271_MAGIC)
      throw refuse(`is not accepted by the subject's contract (ERC-1271 isValidSignature answered ${answer ?? "with a revert"})`);
    return;
  }
  if ((a.signature.length - 2) / 2 !== 65) throw refuse(`is ${(a.signature.length - 2) / 2} bytes, not 65 (r, s, v)`);
  const s = hexToBigInt(sliceHex(a.signature, 32, 64));
  const v = Number(hexToBigInt(sliceHex(a.signature, 64, 65)));
  if (v !== 27 && v !== 28) throw refuse(`has v = ${v}, not 27 or 28`);
  if (s === 0n || s > SECP256K1_HALF_N) throw refuse("has s outside the lower half of the curve order (a malleable signature the hub refuses)");
  let signer: Address;
  try {
    signer = await recoverAddress({ hash: digest, signature: a.signature });
  } catch {
    throw refuse("is not a valid ECDSA signature");
  }
  if (signer.toLowerCase() !== a.subject.toLowerCase())
    throw refuse(`does not recover to the subject ${a.subject} over that message (it recovers to ${signer})`);
}
