/**
 * Signal-head family: a trading signal from one score s (the node's one arg) at its scale:
 * direction = 1 if s >= hold, -1 if s <= -hold, else 0; size = min(floor(|s| / 2^(scale - 10)), 2^10)
 * when the direction is not 0, else 0. Outputs [direction at 2^0, size at 2^SIGNAL_SIZE_BITS], what
 * contracts/consumers/SignalFeed.sol reads (SIZE_ONE = 2^10 is a full position).
 *
 * Circuit: SignalHead (circuits/lib/signal.circom): two sign bits, one product, a rescale and a clip.
 * Range rule: each comparison's and the rescale's K from the score's interval. Error rule: both
 * outputs are discontinuous at the hold band: exact for an exact score, else the jump (direction 2,
 * size a full position) bounds them.
 */
import { ModelRangeError } from "../../errors.js";
import { floorShift } from "../interval.js";
import { quantize } from "../../model/quantize.js";
import type { Family } from "../types.js";
import { bmax, bmin, field, jumpError } from "../util.js";
import * as cost from "../cost.js";

/** Scale of a signal's size: SIZE_ONE = 2^10 = 1024 is a full position (contracts/consumers/SignalFeed.sol). */
export const SIGNAL_SIZE_BITS = 10;

export interface SignalHeadParams {
  /** The hold band's edge, in the score's real units (positive). */
  hold: number;
}

export interface SignalHeadQ {
  scale: number;
  /** The hold band's edge at the score's scale. */
  hold: bigint;
  buyBits: number;
  sellBits: number;
  /** K of the rescale of s * direction by `shift` = scale - 10. */
  absBits: number;
  shift: number;
  /** K of the clip to 2^10. */
  clipBits: number;
}

export const signalHead: Family<SignalHeadParams, SignalHeadQ> = {
  ops: ["signal_head"],
  includes: ["circuits/lib/signal.circom"],
  check(node) {
    if (node.args.length !== 1) throw new Error(`signal_head takes one score; got ${node.args.length} args`);
    const hold = field(node, "hold");
    if (typeof hold !== "number" || !Number.isFinite(hold) || hold <= 0) throw new Error(`"hold" must be a positive number`);
  },
  outputs() {
    return 2;
  },
  evalFloat(node, x) {
    const s = x[0]!;
    const direction = s >= node.hold ? 1 : s <= -node.hold ? -1 : 0;
    return [direction, direction === 0 ? 0 : Math.min(Math.abs(s), 1)];
  },
  lower(node, ctx) {
    const v = ctx.value(node.args[0]!);
    const { scale, iv: s } = v;
    const hold = quantize(node.hold, scale);
    if (hold < 1n) throw new ModelRangeError(`${ctx.where}: hold ${node.hold} rounds to 0 at the score's scale 2^${scale}; raise it or the scale.`);
    const shift = scale - SIGNAL_SIZE_BITS;
    if (shift < 0)
      throw new ModelRangeError(
        `${ctx.where}: the score's scale 2^${scale} is coarser than the size's 2^${SIGNAL_SIZE_BITS}; raise activationBits to at least ${SIGNAL_SIZE_BITS}.`,
      );
    const buyBits = ctx.gadgetK({ lo: s.lo - hold, hi: s.hi - hold }, 0, "buy comparison");
    const sellBits = ctx.gadgetK({ lo: -s.hi - hold, hi: -s.lo - hold }, 0, "sell comparison");
    const absHi = bmax(bmax(-s.lo, s.hi), 0n);
    const absBits = ctx.gadgetK({ lo: 0n, hi: absHi }, shift, "size");
    const sizeOne = 1n << BigInt(SIGNAL_SIZE_BITS);
    const scaledHi = floorShift(absHi, shift);
    const clipBits = ctx.gadgetK({ lo: sizeOne - scaledHi, hi: sizeOne }, 0, "size clip");
    const errs = [v.err];
    const outs = [
      { scale: 0, iv: { lo: -1n, hi: 1n }, err: jumpError(errs, 2) },
      { scale: SIGNAL_SIZE_BITS, iv: { lo: 0n, hi: bmin(scaledHi, sizeOne) }, err: jumpError(errs, 1) },
    ];
    return { op: node.op, args: node.args, name: node.name, outs, scale, hold, buyBits, sellBits, absBits, shift, clipBits };
  },
  interpret(node, x) {
    const s = x[0]!;
    const direction = s >= node.hold ? 1n : s <= -node.hold ? -1n : 0n;
    const sizeOne = 1n << BigInt(SIGNAL_SIZE_BITS);
    const scaled = (s * direction) >> BigInt(node.shift);
    return [direction, scaled < sizeOne ? scaled : sizeOne];
  },
  preimage(node) {
    return [BigInt(node.scale), node.hold, BigInt(node.buyBits), BigInt(node.sellBits), BigInt(node.absBits), BigInt(node.shift), BigInt(node.clipBits)];
  },
  constraints(node) {
    return (
      cost.isNonNegative(node.buyBits) +
      cost.isNonNegative(node.sellBits) +
      1 +
      (node.shift === 0 ? 0 : cost.rescale(node.absBits)) +
      cost.rescaleRelu(node.clipBits)
    );
  },
  emit(node, ctx) {
    const [direction, size] = ctx.outs;
    ctx.emit(
      `(${direction}, ${size}) <== SignalHead(${node.buyBits}, ${node.sellBits}, ${node.hold}, ${node.absBits}, ${node.shift}, ${node.clipBits}, ${1n << BigInt(SIGNAL_SIZE_BITS)})(${ctx.ref(node.args[0]!)});`,
    );
  },
};
