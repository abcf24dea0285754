/**
 * Custom errors of the hub, the registry and the consumers, in words for the applicant. The names
 * are the contracts' (contracts/interfaces/*.sol); an error not listed is shown by its name.
 */
const WORDS: Record<string, string> = {
  InferenceHubNonceUsed: "This proof was already used: the hub accepts each statement (model, subject, nonce) once, so a replayed submission is refused.",
  InferenceHubInvalidProof: "The proof does not verify against the model's verification key.",
  InferenceHubCommitmentMismatch: "The proof was made for another version of the model (its commitment differs from the registered one).",
  InferenceHubModelNotActive: "The model is paused or retired: it accepts no proofs now.",
  InferenceHubInvalidSignalCount: "The proof carries the wrong number of public signals for this model.",
  InferenceHubSignalNotInField: "A public signal is not a field element.",
  InferenceHubInvalidSubject: "The proof's subject is not an address.",
  InferenceHubUntrustedAttester: "The bureau that signed these features is not trusted for this model.",
  InferenceHubAttesterRevoked: "The bureau's key that signed these features was revoked.",
  InferenceHubAttestationNotYetValid: "The bureau's attestation is not valid yet (its window starts later).",
  InferenceHubAttestationExpired: "The bureau's attestation has expired: ask the bureau for a fresh one.",
  InferenceHubUnauthorizedSubmitter:
    "Only the subject (the applicant's own account), or a relayer it authorised, may submit this proof: connect the account the proof was made for.",
  InferenceHubInvalidAuthorization: "The subject's authorization for this relayer does not verify.",
  InferenceHubAuthorizationExpired: "The subject's authorization for this relayer has expired.",
  InferenceHubPublicInputOutOfRange: "A public input is outside the range the model registered.",
  CreditGateUnauthorizedCaller: "The credit gate accepts calls from its hub only.",
  CreditGateUnexpectedModel: "The credit gate is bound to another model.",
};

export function errorInWords(name: string): string {
  return WORDS[name] ?? `The transaction reverted with ${name}.`;
}
