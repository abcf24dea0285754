// The app's prover worker: the package's browser worker, with the Node globals circomlibjs expects.
import "./env.js";
import "../../prover/prove/worker.js";
