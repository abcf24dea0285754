// Root hook: snarkjs keeps a BN254 curve with worker threads alive per process; release it once all
// suites are done so the test process exits by itself.
import { releaseCurves } from "../prover/setup/curve.js";

after(releaseCurves);
