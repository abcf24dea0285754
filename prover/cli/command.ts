/** The shape of one `zkinfer` command (see ./main.ts). */
export interface Command {
  /** Arguments, shown after `zkinfer <name>` in the usage line. */
  usage: string;
  /** One or two sentences for `--help`. */
  summary: string;
  /** Runs the command; resolves to the process exit code (0 when omitted). */
  run(argv: string[]): Promise<number | void>;
}
