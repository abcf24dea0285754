import { fileURLToPath } from "node:url";
import { soundnessSuite } from "./soundness.js";

describe("circuit: all-ops fixture (LeakyRelu, Clip, MaxPool groups, sigmoid, tanh, ArgMax)", () => {
  soundnessSuite({
    specPath: fileURLToPath(new URL("../fixtures/all-ops.json", import.meta.url)),
    // 1,186 with the layer IR's own activation gadgets; the fn family's tables (exact PWL for the
    // kinked functions) and maxmin's ArgMax cost less.
    nonLinearConstraints: 1000,
    randomInputs: 100,
  });
});

describe("circuit: tree-ensemble fixture (two trees, two outputs)", () => {
  soundnessSuite({
    specPath: fileURLToPath(new URL("../fixtures/tree-ensemble.json", import.meta.url)),
    nonLinearConstraints: 327,
  });
});

describe("circuit: argmax-ties fixture (ArgMax on small integers: ties are frequent)", () => {
  soundnessSuite({
    specPath: fileURLToPath(new URL("../fixtures/argmax-ties.json", import.meta.url)),
    nonLinearConstraints: 300,
  });
});
