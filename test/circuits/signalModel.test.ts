import { fileURLToPath } from "node:url";
import { soundnessSuite } from "./soundness.js";

// The bundled trading-signal model: relative_change (division gadgets), private dense weights, the
// signal head, and the epoch / window-hash extra outputs.
describe("circuit: momentum-signal (returns by division, private weights, signal head, window hash)", () => {
  soundnessSuite({
    specPath: fileURLToPath(new URL("../../models/momentum-signal/spec.json", import.meta.url)),
    nonLinearConstraints: 3907,
    randomInputs: 100,
  });
});
