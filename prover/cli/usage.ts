/**
 * A command used wrongly (a missing or malformed argument): the CLI prints one line (the message and a
 * pointer to the command's --help), and exits 2. Errors of the work itself (a bad input value, a revert, an
 * unreachable node) are other ZkinferErrors and exit 1.
 */

export { UsageError } from "../errors.js";

/** Exit codes of `zkinfer` (documented in `zkinfer --help`). */
export const EXIT = { ok: 0, failed: 1, usage: 2 } as const;
