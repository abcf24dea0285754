/**
 * circomlibjs (Poseidon, EdDSA for attestations) reaches for Node's global `Buffer`; in a browser
 * this installs the `buffer` package's implementation under that name. A polyfill, not a Node API:
 * the browser entry points (./browser.ts, ./worker.ts) import it before anything else.
 */
import { Buffer } from "buffer";

const g = globalThis as unknown as { Buffer?: typeof Buffer };
g.Buffer ??= Buffer;
