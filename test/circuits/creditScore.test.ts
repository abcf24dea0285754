import { bundledSpecPath } from "../../prover/artifacts/paths.js";
import { soundnessSuite } from "./soundness.js";

describe("circuit: bundled credit-score model", () => {
  soundnessSuite({ specPath: bundledSpecPath("credit-score"), nonLinearConstraints: 560 });
});
