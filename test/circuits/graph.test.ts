import { fileURLToPath } from "node:url";
import { soundnessSuite } from "./soundness.js";

describe("circuit: graph-ops fixture (every graph family: affine, piecewise-linear functions, comparisons and logic, where, max/min/argmax, products, division, rounding; fan-out and a residual)", () => {
  soundnessSuite({
    specPath: fileURLToPath(new URL("../fixtures/graph-ops.json", import.meta.url)),
    nonLinearConstraints: 689,
    randomInputs: 100,
  });
});

describe("circuit: data-dependent indices (hummingbird's tree export imported by zkinfer import: Gather and OneHot on computed indices, one-hot selection)", () => {
  soundnessSuite({
    specPath: fileURLToPath(new URL("../fixtures/graph-gather.json", import.meta.url)),
    nonLinearConstraints: 1755,
    randomInputs: 100,
  });
});

describe("circuit: TopK (a partial sorting network of constrained compare-exchanges; largest with indices, smallest over two groups at mixed scales)", () => {
  soundnessSuite({
    specPath: fileURLToPath(new URL("../fixtures/graph-topk.json", import.meta.url)),
    nonLinearConstraints: 390,
    randomInputs: 100,
  });
});
