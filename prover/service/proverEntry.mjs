// Entry of a prover process (see ./proverPool.ts). The project ships TypeScript sources run through
// tsx; a forked process gets no flags from its parent (execArgv: []), so it registers tsx itself.
import { register } from "tsx/esm/api";

register();
await import("./proverProcess.ts");
