/**
 * Node globals that circomlibjs (Poseidon, EdDSA) reaches for in the browser: `Buffer` (its EdDSA
 * and blake hash take keys and messages as Buffers). Imported first by the page and the worker.
 */
import { Buffer } from "buffer";

const g = globalThis as unknown as { Buffer?: typeof Buffer };
g.Buffer ??= Buffer;
