/**
 * A sparse sum kept in a dense array, with a stamp per slot so that a new sum touches only its own slots
 * (a Map per sum was most of a large model's import and calibration time and garbage). Slots come out
 * in first-seen order, as a Map's keys would. Used by the importer's expressions (prover/onnx/ops/lin.ts)
 * and the error forms (./errform.ts).
 */
export class SparseAccumulator {
  /** The sums, by slot; valid for the slots `begin()`'s list holds. Read after adding (growing replaces it). */
  values = new Float64Array(1024);
  private stamps = new Int32Array(1024);
  private mark = 0;
  private order: number[] = [];

  /** Starts a new sum; returns the list of its slots, first seen first, that `add` fills. */
  begin(): number[] {
    if (this.mark === 0x7fffffff) {
      this.stamps.fill(0);
      this.mark = 0;
    }
    this.mark++;
    this.order = [];
    return this.order;
  }

  /** values[slot] += x, the slot starting at 0 in this sum (0 + x is x: the same sums in the same order as a Map's). */
  add(slot: number, x: number): void {
    if (slot >= this.values.length) this.grow(slot);
    if (this.stamps[slot] !== this.mark) {
      this.stamps[slot] = this.mark;
      this.values[slot] = 0;
      this.order.push(slot);
    }
    this.values[slot] = this.values[slot]! + x;
  }

  private grow(slot: number): void {
    let n = this.values.length;
    while (n <= slot) n *= 2;
    const values = new Float64Array(n);
    values.set(this.values);
    const stamps = new Int32Array(n);
    stamps.set(this.stamps);
    this.values = values;
    this.stamps = stamps;
  }
}
