/**
 * The EIP-712 authorization a subject signs so that a relayer (the prover service, a bot's operator)
 * may submit its statement through `InferenceHub.verifyAndActFor`. The one definition of the typed
 * data on the TypeScript side; `contracts/InferenceHub.sol` mirrors it (a test compares the digests).
 *
 * Why it exists: a statement uses up its subject's (modelId, nonce). On a model whose inputs are not
 * attested, the hub accepts it only from the subject itself or from the relayer named here, so a third
 * party cannot land a made-up statement for a victim's nonce, and a copy of the relayer's transaction
 * sent from another account fails (the submitter is part of the signed message).
 */
import { hashTypedData, type Address, type Hex, type LocalAccount } from "viem";

/** The hub's EIP-712 domain name and version (`EIP712("zkinfer InferenceHub", "1")` in the contract). */
export const HUB_EIP712_NAME = "zkinfer InferenceHub";
export const HUB_EIP712_VERSION = "1";

/** The signed struct. Order and names are part of the type hash: never change them. */
export const SUBMISSION_AUTHORIZATION_TYPES = {
  SubmissionAuthorization: [
    { name: "modelId", type: "uint256" },
    { name: "subject", type: "address" },
    { name: "nonce", type: "uint256" },
    { name: "submitter", type: "address" },
    { name: "deadline", type: "uint256" },
  ],
} as const;

export interface SubmissionAuthorizationParameters {
  /** The InferenceHub (the EIP-712 verifying contract). */
  hub: Address;
  chainId: number | bigint;
  modelId: bigint;
  /** The proof's subject: the account that signs. */
  subject: Address;
  nonce: bigint;
  /** The account that will send verifyAndActFor (the relayer's address). */
  submitter: Address;
  /** Unix seconds; the hub refuses the authorization in a block with a later timestamp. */
  deadline: bigint;
}

/** What a relayer needs beside the proof: the deadline and the subject's signature. */
export interface SubmissionAuthorization {
  deadline: bigint;
  signature: Hex;
}

/** The typed data (viem's shape: domain, types, primaryType, message) of an authorization. */
export function submissionAuthorizationTypedData(p: SubmissionAuthorizationParameters) {
  return {
    domain: { name: HUB_EIP712_NAME, version: HUB_EIP712_VERSION, chainId: BigInt(p.chainId), verifyingContract: p.hub },
    types: SUBMISSION_AUTHORIZATION_TYPES,
    primaryType: "SubmissionAuthorization" as const,
    message: { modelId: p.modelId, subject: p.subject, nonce: p.nonce, submitter: p.submitter, deadline: p.deadline },
  };
}

/** The digest the subject signs (equal to `hub.submissionAuthorizationDigest(...)`). */
export function submissionAuthorizationDigest(p: SubmissionAuthorizationParameters): Hex {
  return hashTypedData(submissionAuthorizationTypedData(p));
}

/** An ethers signer (`signTypedData(domain, types, value)`), e.g. a Hardhat account or a Wallet. */
export interface EthersTypedDataSigner {
  getAddress(): Promise<string>;
  signTypedData(domain: Record<string, unknown>, types: Record<string, { name: string; type: string }[]>, value: Record<string, unknown>): Promise<string>;
}

/**
 * Signs an authorization as the subject, with an ethers signer or a viem local account. The signer
 * must be the subject (an EOA; a contract wallet signs through its own ERC-1271 scheme instead).
 *
 * @example
 * ```ts
 * const authorization = await signSubmissionAuthorization(applicant, { hub, chainId: 31337, modelId: 1n,
 *   subject: applicant.address, nonce: 7n, submitter: relayer, deadline: BigInt(now + 3600) });
 * await hub.connect(relayerSigner).verifyAndActFor(1n, proofBytes, publicSignals, authorization.deadline, authorization.signature);
 * ```
 */
export async function signSubmissionAuthorization(
  signer: EthersTypedDataSigner | LocalAccount,
  p: SubmissionAuthorizationParameters,
): Promise<SubmissionAuthorization> {
  const typed = submissionAuthorizationTypedData(p);
  let signature: Hex;
  if ("getAddress" in signer) {
    const { domain, message } = typed;
    signature = (await signer.signTypedData(
      { ...domain },
      { SubmissionAuthorization: [...SUBMISSION_AUTHORIZATION_TYPES.SubmissionAuthorization] },
      { ...message },
    )) as Hex;
  } else {
    signature = await signer.signTypedData(typed);
  }
  return { deadline: p.deadline, signature };
}
