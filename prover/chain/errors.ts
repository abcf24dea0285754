/** The chain layer's typed errors: each message says what is wrong and what to do. */
import { ZkinferError } from "../errors.js";

/** The JSON-RPC endpoint did not answer (wrong URL, node not started, network down). */
export class ChainConnectionError extends ZkinferError {
  override name = "ChainConnectionError";
}

/** An address given as a contract (e.g. --hub) holds no code on this chain. */
export class NotAContractError extends ZkinferError {
  override name = "NotAContractError";
}

/** The registry has no model with this id. */
export class UnknownModelError extends ZkinferError {
  override name = "UnknownModelError";
}

/** A call or transaction reverted with a custom error of the protocol's contracts. */
export class ContractRevertError extends ZkinferError {
  override name = "ContractRevertError";
  constructor(
    message: string,
    readonly errorName: string,
    readonly args: readonly unknown[],
    options: { cause?: unknown } = {},
  ) {
    super(message, options);
  }
}
