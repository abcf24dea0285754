/**
 * Typed errors. Every error says what went wrong and, where it can, what to do about it.
 * `name` is fixed per subclass so callers can branch on it without `instanceof` across realms.
 */
export class ZkinferError extends Error {
  override name = "ZkinferError";
  readonly details?: string;

  constructor(message: string, options: { details?: string; cause?: unknown } = {}) {
    super(options.details ? `${message}\n\nDetails: ${options.details}` : message, {
      cause: options.cause,
    });
    this.details = options.details;
  }
}

/** A command line that is wrong (missing argument, bad flag value): the CLI exits 2 with the usage line. */
export class UsageError extends ZkinferError {
  override name = "UsageError";
}

/** A model spec that does not match the schema; the message names the field. */
export class SpecValidationError extends ZkinferError {
  override name = "SpecValidationError";
  constructor(
    readonly issues: { path: string; message: string }[],
    source?: string,
  ) {
    super(`Invalid model spec${source ? ` ${source}` : ""}:\n` + issues.map((i) => `  - ${i.path || "(root)"}: ${i.message}`).join("\n"));
  }
}

/** The static range analysis found an intermediate that could wrap around the field. */
export class ModelRangeError extends ZkinferError {
  override name = "ModelRangeError";
}

/** An inference input that is missing, of the wrong type, or outside its declared range. */
export class InputValidationError extends ZkinferError {
  override name = "InputValidationError";
  constructor(
    message: string,
    readonly field: string,
  ) {
    super(message);
  }
}

/** An external tool (circom, snarkjs) failed. */
export class ToolchainError extends ZkinferError {
  override name = "ToolchainError";
}

/** A ptau file that does not match its published hash, or cannot be used for a circuit. */
export class PtauError extends ZkinferError {
  override name = "PtauError";
}

/** An ONNX file that does not parse, or uses an operator or form zkinfer does not compile. */
export class OnnxImportError extends ZkinferError {
  override name = "OnnxImportError";
}

/** An operator the compiler does not support; names the operator and the node. */
export class UnsupportedOperatorError extends OnnxImportError {
  override name = "UnsupportedOperatorError";
  constructor(
    readonly opType: string,
    readonly node: string,
    reason: string,
  ) {
    super(`Unsupported operator ${opType} (node "${node}"): ${reason}`);
  }
}
