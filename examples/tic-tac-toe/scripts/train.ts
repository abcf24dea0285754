/**
 * Trains the tic-tac-toe policy network by self-play and writes model/spec.json.
 *                                                       npm run train   (= tsx scripts/train.ts)
 *
 * The network sees the board from the mover's side (+1 own mark, -1 the opponent's, 0 empty) and
 * gives one logit per cell. It plays both sides of every training game, sampling moves from the
 * softmax over the empty cells; after each game every move of the winner is reinforced and every move
 * of the loser discouraged (REINFORCE, a draw counts a little as a win for the second player, who
 * cannot do better against good play). Every random choice comes from a seeded PRNG, so each run
 * writes the same weights byte for byte (test/model.test.ts checks that it does).
 *
 * Legal-move masking lives in the committed network itself, so the circuit proves
 * "argmax over the EMPTY cells": the first dense layer also copies relu(x_i) and relu(-x_i) of every
 * cell (their sum is 1 on an occupied cell, 0 on an empty one), and the second subtracts
 * MASK * (relu(x_i) + relu(-x_i)) from cell i's logit. MASK is chosen above the widest spread the
 * trained logits can have on ANY input in [-1, 1]^9 (interval arithmetic), so an occupied cell can
 * never beat an empty one; the model test checks it on every reachable position with the circuit's
 * own integer semantics.
 */
import { writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

export const SPEC_PATH = fileURLToPath(new URL("../model/spec.json", import.meta.url));
export const CELLS = 9;
const HIDDEN = 12;
const SEED = 7;
const GAMES = 30_000;
const LR = 0.0001;
const DRAW_REWARD_SECOND = 0.5;
const GAMMA = 0.8;

export const LINES = [
  [0, 1, 2],
  [3, 4, 5],
  [6, 7, 8],
  [0, 3, 6],
  [1, 4, 7],
  [2, 5, 8],
  [0, 4, 8],
  [2, 4, 6],
] as const;

/** +1 or -1 when that mark has three in a row, 0 otherwise. */
export function winner(board: readonly number[]): number {
  for (const [a, b, c] of LINES) if (board[a] !== 0 && board[a] === board[b] && board[b] === board[c]) return board[a]!;
  return 0;
}

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface Policy {
  w1: number[][];
  b1: number[];
  w2: number[][];
  b2: number[];
}

/** The unmasked logits of the trained part (hidden units only). */
export function logits(p: Policy, x: readonly number[]): { h: number[]; z: number[] } {
  const h = p.w1.map((row, j) =>
    Math.max(
      0,
      row.reduce((s, w, i) => s + w * x[i]!, p.b1[j]!),
    ),
  );
  const z = p.w2.map((row, k) => row.reduce((s, w, j) => s + w * h[j]!, p.b2[k]!));
  return { h, z };
}

/** The policy's move: the highest logit among the empty cells, ties to the lowest index (as the circuit's argmax). */
export function bestMove(p: Policy, x: readonly number[]): number {
  const { z } = logits(p, x);
  let best = -1;
  for (let i = 0; i < CELLS; i++) if (x[i] === 0 && (best < 0 || z[i]! > z[best]!)) best = i;
  return best;
}

function train(): Policy {
  const rand = mulberry32(SEED);
  const init = (fanIn: number, fanOut: number) => (rand() * 2 - 1) * Math.sqrt(6 / (fanIn + fanOut));
  const p: Policy = {
    w1: Array.from({ length: HIDDEN }, () => Array.from({ length: CELLS }, () => init(CELLS, HIDDEN))),
    b1: Array(HIDDEN).fill(0.05),
    w2: Array.from({ length: CELLS }, () => Array.from({ length: HIDDEN }, () => init(HIDDEN, CELLS))),
    b2: Array(CELLS).fill(0),
  };
  for (let game = 0; game < GAMES; game++) {
    const board = Array(CELLS).fill(0);
    const moves: { x: number[]; move: number; player: number }[] = [];
    let player = 1;
    let result = 0;
    for (let turn = 0; turn < CELLS; turn++) {
      const x = board.map((v) => v * player);
      const { z } = logits(p, x);
      const legal = x.flatMap((v, i) => (v === 0 ? [i] : []));
      const top = Math.max(...legal.map((i) => z[i]!));
      const weights = legal.map((i) => Math.exp(z[i]! - top));
      let r = rand() * weights.reduce((a, b) => a + b, 0);
      let move = legal[legal.length - 1]!;
      for (let k = 0; k < legal.length; k++)
        if ((r -= weights[k]!) <= 0) {
          move = legal[k]!;
          break;
        }
      moves.push({ x, move, player });
      board[move] = player;
      result = winner(board);
      if (result !== 0) break;
      player = -player;
    }
    moves.forEach(({ x: x0, move: move0, player: mover }, at) => {
      const outcome = result === 0 ? (mover === -1 ? DRAW_REWARD_SECOND : 0) : result === mover ? 1 : -1;
      // Later moves decided the game more directly than the opening: discount towards the start.
      const reward = outcome * GAMMA ** (moves.length - 1 - at);
      if (reward === 0) return;
      // The board's eight symmetries are the same position: learn each move in all of them.
      for (const sym of SYMMETRIES) {
        const x = sym.map((from) => x0[from]!);
        const move = sym.indexOf(move0);
        reinforce(p, x, move, reward);
      }
    });
  }
  return p;
}

/** The eight symmetries of the board, as the source cell of each target cell. */
const SYMMETRIES: number[][] = (() => {
  const rot = [6, 3, 0, 7, 4, 1, 8, 5, 2];
  const flip = [2, 1, 0, 5, 4, 3, 8, 7, 6];
  const out: number[][] = [];
  let s = [0, 1, 2, 3, 4, 5, 6, 7, 8];
  for (let r = 0; r < 4; r++) {
    out.push(
      s,
      s.map((_, i) => s[flip[i]!]!),
    );
    s = s.map((_, i) => s[rot[i]!]!);
  }
  return out;
})();

function reinforce(p: Policy, x: number[], move: number, reward: number): void {
  {
    {
      // Gradient of log softmax over the legal cells: onehot(move) - softmax.
      const { h, z } = logits(p, x);
      const legal = x.flatMap((v, i) => (v === 0 ? [i] : []));
      const top = Math.max(...legal.map((i) => z[i]!));
      const e = legal.map((i) => Math.exp(z[i]! - top));
      const sum = e.reduce((a, b) => a + b, 0);
      const dz = Array(CELLS).fill(0);
      legal.forEach((i, k) => (dz[i] = (i === move ? 1 : 0) - e[k]! / sum));
      const dh = Array(HIDDEN).fill(0);
      for (let k = 0; k < CELLS; k++) {
        if (dz[k] === 0) continue;
        const g = LR * reward * dz[k];
        p.b2[k]! += g;
        for (let j = 0; j < HIDDEN; j++) {
          dh[j] += g * p.w2[k]![j]!;
          p.w2[k]![j]! += g * h[j]!;
        }
      }
      for (let j = 0; j < HIDDEN; j++) {
        if (h[j]! <= 0) continue;
        p.b1[j]! += dh[j];
        for (let i = 0; i < CELLS; i++) p.w1[j]![i]! += dh[j] * x[i]!;
      }
    }
  }
}

/** Plays `games` games against a uniformly random player (seeded) and counts the policy's results. */
export function versusRandom(p: Policy, games: number, seed = 99): { win: number; draw: number; loss: number } {
  const rand = mulberry32(seed);
  const tally = { win: 0, draw: 0, loss: 0 };
  for (let g = 0; g < games; g++) {
    const board = Array(CELLS).fill(0);
    const policyMark = g % 2 === 0 ? 1 : -1;
    let player = 1;
    let result = 0;
    for (let turn = 0; turn < CELLS && result === 0; turn++) {
      const empty = board.flatMap((v, i) => (v === 0 ? [i] : []));
      const move =
        player === policyMark
          ? bestMove(
              p,
              board.map((v) => v * player),
            )
          : empty[Math.floor(rand() * empty.length)]!;
      board[move] = player;
      result = winner(board);
      player = -player;
    }
    if (result === 0) tally.draw++;
    else if (result === policyMark) tally.win++;
    else tally.loss++;
  }
  return tally;
}

/** Largest spread max_i z_i - min_j z_j of the trained logits over every x in [-1, 1]^9 (interval bound). */
export function logitSpreadBound(p: Policy): number {
  const hHi = p.w1.map((row, j) =>
    Math.max(
      0,
      row.reduce((s, w) => s + Math.abs(w), p.b1[j]!),
    ),
  );
  const zLo = p.w2.map((row, k) => row.reduce((s, w, j) => s + Math.min(0, w * hHi[j]!), p.b2[k]!));
  const zHi = p.w2.map((row, k) => row.reduce((s, w, j) => s + Math.max(0, w * hHi[j]!), p.b2[k]!));
  return Math.max(...zHi) - Math.min(...zLo);
}

const round = (v: number) => Number(v.toPrecision(8));

export function trainSpec(): Record<string, unknown> {
  const raw = train();
  const p: Policy = { w1: raw.w1.map((r) => r.map(round)), b1: raw.b1.map(round), w2: raw.w2.map((r) => r.map(round)), b2: raw.b2.map(round) };
  // A power of two above twice the bound: exact in fixed point, and a wide margin over rounding.
  const mask = 2 ** Math.ceil(Math.log2(2 * logitSpreadBound(p) + 1));
  const cells = Array.from({ length: CELLS }, (_, i) => `c${i}`);
  const copy = (sign: number) => Array.from({ length: CELLS }, (_, i) => Array.from({ length: CELLS }, (_, k) => (k === i ? sign : 0)));
  const record = versusRandom(p, 1000);
  return {
    name: "tic-tac-toe",
    version: "1.0.0",
    description: `Tic-tac-toe policy trained by self-play: 9 cells -> ${HIDDEN} ReLU -> 9 logits, masked so that only empty cells can win the argmax. The output is the chosen cell; the board is repeated as outputs so the game contract can check which position was proved.`,
    fixedPoint: { inputBits: 0, weightBits: 12, activationBits: 8 },
    features: cells.map((name, i) => ({
      name,
      unit: "mark",
      min: -1,
      max: 1,
      description: `cell ${i} (row ${Math.floor(i / 3)}, column ${i % 3}): 1 the mover's mark, -1 the opponent's, 0 empty`,
    })),
    layers: [
      // Rows 0..HIDDEN-1: the trained hidden units; then relu(x_i) and relu(-x_i) for the mask.
      { type: "dense", weights: [...p.w1, ...copy(1), ...copy(-1)], bias: [...p.b1, ...Array(2 * CELLS).fill(0)] },
      { type: "relu" },
      {
        type: "dense",
        weights: p.w2.map((row, k) => [...row, ...Array.from({ length: 2 * CELLS }, (_, m) => (m % CELLS === k ? -mask : 0))]),
        bias: p.b2,
      },
      { type: "argmax" },
      { type: "output", outputs: [{ name: "move", unit: "cell", description: "the chosen cell, 0-8 row by row: the argmax over the empty cells" }] },
    ],
    extraOutputs: cells.map((c, i) => ({
      type: "feature",
      name: `board_${i}`,
      unit: "mark",
      feature: c,
      description: `cell ${i} of the proved position, as given`,
    })),
    metadata: {
      trainer: "scripts/train.ts: REINFORCE self-play, seeded, deterministic",
      games: GAMES,
      seed: SEED,
      mask,
      logitSpreadBound: round(logitSpreadBound(p)),
      versusRandom1000: record,
    },
  };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const spec = trainSpec();
  writeFileSync(SPEC_PATH, JSON.stringify(spec, null, 2) + "\n");
  console.log(`wrote ${SPEC_PATH}: ${JSON.stringify(spec.metadata)}`);
}
