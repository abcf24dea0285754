/**
 * snarkjs 0.7.6's `zkey verify` (phase2verifyFromInit's sameRatioH) opens the ptau through fastfile
 * and never closes it. Node then closes the descriptor on garbage collection with a warning
 * ("Closing file descriptor N on garbage collection", DEP0137) that its next majors make an error.
 * This runs such a call and closes, when it returns, every file it opened and left open.
 *
 * The files are told apart by the call's async context (AsyncLocalStorage), not by path or time: a
 * file another task opens meanwhile, even the same ptau, is never closed from under it.
 */
import { AsyncLocalStorage } from "node:async_hooks";
import fs from "node:fs";
import type { FileHandle } from "node:fs/promises";

const openedHere = new AsyncLocalStorage<FileHandle[]>();
let wrapped = false;

/** @example `const ok = await closeFilesOpenedBy(() => snarkjs.zKey.verifyFromR1cs(r1cs, ptau, zkey));` */
export async function closeFilesOpenedBy<T>(run: () => Promise<T>): Promise<T> {
  recordOpens();
  const handles: FileHandle[] = [];
  try {
    return await openedHere.run(handles, run);
  } finally {
    // fd is -1 once a handle is closed; a handle snarkjs did close is left alone.
    await Promise.all(handles.filter((h) => h.fd !== -1).map((h) => h.close().catch(() => {})));
  }
}

/** fastfile opens through `fs.promises.open`, looked up at each call: wrapped once, recording only inside {@link closeFilesOpenedBy}. */
function recordOpens(): void {
  if (wrapped) return;
  wrapped = true;
  const open = fs.promises.open;
  fs.promises.open = async (...args: Parameters<typeof open>) => {
    const handle = await open(...args);
    openedHere.getStore()?.push(handle);
    return handle;
  };
}
