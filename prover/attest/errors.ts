/**
 * Typed errors of attestations (docs/ATTESTATION.md). Each is raised BEFORE proving: a proof over
 * data that fails one of these checks would be refused by the circuit or the hub anyway, after
 * seconds of proving; the prover says what is wrong at once, and what to do.
 */
import { ZkinferError } from "../errors.js";

/** An attestation or key file that does not match its format; the message names the field. */
export class AttestationFormatError extends ZkinferError {
  override name = "AttestationFormatError";
  constructor(
    message: string,
    readonly field: string,
  ) {
    super(message);
  }
}

/**
 * The signature does not verify over the attestation's contents: a feature, the subject or the
 * validity window was changed after signing, or another key signed it, or S is not below the
 * subgroup order (a malleated signature).
 */
export class AttestationSignatureError extends ZkinferError {
  override name = "AttestationSignatureError";
}

/** The attestation was issued for another subject (beneficiary) than the proof's. */
export class AttestationSubjectError extends ZkinferError {
  override name = "AttestationSubjectError";
}

/** A feature given for the proof differs from the attested value; the message names the feature. */
export class AttestationFeatureMismatchError extends ZkinferError {
  override name = "AttestationFeatureMismatchError";
  constructor(
    message: string,
    readonly feature: string,
  ) {
    super(message);
  }
}

/** The attestation's validity window has ended (now >= expiresAt). */
export class AttestationExpiredError extends ZkinferError {
  override name = "AttestationExpiredError";
}

/** The attestation's validity window has not started (now < issuedAt). */
export class AttestationNotYetValidError extends ZkinferError {
  override name = "AttestationNotYetValidError";
}

/** An attester key file that cannot be read, or that others can read. */
export class AttesterKeyError extends ZkinferError {
  override name = "AttesterKeyError";
}
