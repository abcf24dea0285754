import { fileURLToPath } from "node:url";
import { soundnessSuite } from "./soundness.js";

describe("circuit: signed-mlp fixture (negative inputs and weights, two hidden layers, two outputs)", () => {
  soundnessSuite({
    specPath: fileURLToPath(new URL("../fixtures/signed-mlp.json", import.meta.url)),
    nonLinearConstraints: 453,
  });
});
