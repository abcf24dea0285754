/**
 * Process entry point of the CLI (bin/zkinfer.js and `npm run zkinfer` land here). Releases
 * snarkjs's curve workers so the process exits when the command is done.
 */
import { releaseCurves } from "../setup/curve.js";
import { main } from "./main.js";

let code: number;
try {
  code = await main(process.argv.slice(2));
} finally {
  await releaseCurves();
}
process.exit(code);
