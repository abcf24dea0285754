/** The shape of one `zkinfer` command (see ./main.ts). */
import type { CliContext } from "./context.js";

export interface Command {
  /** Arguments, shown after `zkinfer <name>` in the usage line. */
  usage: string;
  /** One or two sentences for `--help`. */
  summary: string;
  /**
   * Runs the command; resolves to the process exit code (0 when omitted). `ctx` carries the project's
   * config and the `--network` it selects (./context.ts).
   */
  run(argv: string[], ctx: CliContext): Promise<number | void>;
}
