/**
 * examples/tic-tac-toe from this repository: the self-play trainer reproduces the committed spec, the
 * legal-move mask inside the committed network holds on every reachable position (with the circuit's
 * own integer semantics), and on Hardhat's EVM a game is played to the end with every network move
 * landing only through a real proof.
 */
import { readFileSync } from "node:fs";
import { expect } from "chai";
import { network } from "hardhat";
import { buildModel } from "../../prover/build/buildModel.js";
import { FIELD_MODULUS } from "../../prover/field.js";
import { runReference } from "../../prover/model/interpret.js";
import { ModelProver } from "../../prover/prove/prover.js";
import { CELLS, SPEC_PATH, logits, trainSpec, winner, type Policy } from "../../examples/tic-tac-toe/scripts/train.js";
import { compileExample, deployHubAndModel } from "./exampleStack.js";

/** The board from the network's side (O = +1, X = -1) as the spec's features. */
const features = (board: number[]) => Object.fromEntries(board.map((v, i) => [`c${i}`, v]));

/** Every position reachable in play where O (the network, -1 in X-first terms) is to move. */
function positionsForO(): number[][] {
  const seen = new Set<string>();
  const out: number[][] = [];
  const walk = (board: number[], player: number) => {
    const key = board.join();
    if (seen.has(key) || winner(board) !== 0 || board.every((v) => v !== 0)) return;
    seen.add(key);
    // X = 1 moves first; the network plays O = -1 and sees its own marks as +1.
    if (player === -1) out.push(board.map((v) => -v));
    board.forEach((v, i) => {
      if (v !== 0) return;
      const next = [...board];
      next[i] = player;
      walk(next, -player);
    });
  };
  walk(Array(CELLS).fill(0), 1);
  return out;
}

describe("examples/tic-tac-toe: a game opponent whose moves are proved", function () {
  this.timeout(900_000);
  let prover: ModelProver;

  before(async () => {
    await buildModel({ specPath: SPEC_PATH });
    prover = await ModelProver.load(SPEC_PATH);
  });

  const move = (board: number[]) => Number(runReference(prover.ir, features(board)).outputs[0]!);

  it("the self-play trainer reproduces the committed spec byte for byte", () => {
    expect(JSON.stringify(trainSpec(), null, 2) + "\n").to.equal(readFileSync(SPEC_PATH, "utf8"));
  });

  it("picks an empty cell on every reachable position, also where the unmasked policy prefers an occupied one", () => {
    const positions = positionsForO();
    expect(positions.length).to.be.greaterThan(2000);
    const spec = JSON.parse(readFileSync(SPEC_PATH, "utf8"));
    const hidden = spec.layers[0].weights.length - 2 * CELLS;
    const policy: Policy = {
      w1: spec.layers[0].weights.slice(0, hidden),
      b1: spec.layers[0].bias.slice(0, hidden),
      w2: spec.layers[2].weights.map((row: number[]) => row.slice(0, hidden)),
      b2: spec.layers[2].bias,
    };
    let maskDecided = 0;
    for (const board of positions) {
      const m = move(board);
      expect(board[m], `move ${m} on ${board}`).to.equal(0);
      const { z } = logits(policy, board);
      if (board[z.indexOf(Math.max(...z))] !== 0) maskDecided++;
    }
    // The mask is what keeps the network legal, not luck: on many positions its raw favourite is taken.
    expect(maskDecided).to.be.greaterThan(100);
  });

  async function deployFixture() {
    const { ethers } = await network.create();
    const [, person, prover_] = await ethers.getSigners();
    const { hub, modelId } = await deployHubAndModel(ethers, { name: "tic-tac-toe", modelCommitment: prover.modelCommitment, numOutputs: 10 });
    const c = compileExample("tic-tac-toe", ["TicTacToe.sol"]);
    const game = await (await ethers.getContractFactory(c.TicTacToe!.abi, c.TicTacToe!.bytecode)).deploy(await hub.getAddress(), modelId);
    await (await hub.setConsumer(modelId, await game.getAddress())).wait();
    await (await (game.connect(person!) as any).newGame()).wait();
    // Anyone may prove and submit the network's move; here a third account does (it is the proof's subject).
    return { hub: hub.connect(prover_!) as any, modelId, game: game.connect(person!) as any, person: person!, submitter: prover_! };
  }

  /** The board from the network's side, read from the contract (1 X, 2 O). */
  const boardOf = async (game: any) => [...(await game.game(1n)).cells].map((c: bigint) => (c === 2n ? 1 : c === 1n ? -1 : 0));

  it("plays a game to the end: the person's moves by play(), the network's only with a proof of its argmax", async () => {
    const { hub, modelId, game, submitter } = await deployFixture();
    for (let turn = 0; !(await game.game(1n)).over; turn++) {
      const board = await boardOf(game);
      if (turn % 2 === 0) {
        // The person takes the first empty cell of a fixed preference order.
        const cell = [4, 0, 8, 2, 6, 1, 3, 5, 7].find((i) => board[i] === 0)!;
        await (await game.play(1n, cell)).wait();
        continue;
      }
      const nonce = await game.nextNonce(1n);
      const p = await prover.prove({ features: features(board), subject: submitter.address, nonce });
      const expected = move(board);
      expect(Number(p.publicSignals[0])).to.equal(expected);
      await expect(hub.verifyAndAct(modelId, p.proofBytes, [...p.publicSignals]))
        .to.emit(game, "Moved")
        .withArgs(1n, 2, expected);
    }
    const end = await game.game(1n);
    expect(end.moves).to.be.greaterThanOrEqual(5n);
  });

  it("refuses a stale position, a board that is not the game's, a changed move, and a move out of turn", async () => {
    const { hub, modelId, game, submitter, person } = await deployFixture();
    await expect(game.play(1n, 4n)).to.emit(game, "Moved");
    await expect(game.play(1n, 0n)).to.be.revertedWithCustomError(game, "TicTacToeNotYourTurn");
    const board = await boardOf(game);
    const nonce = await game.nextNonce(1n);
    // A proof on another board under the right nonce: the board outputs give it away.
    const other = [...board];
    other[0] = -1;
    const wrongBoard = await prover.prove({ features: features(other), subject: submitter.address, nonce });
    await expect(hub.verifyAndAct(modelId, wrongBoard.proofBytes, [...wrongBoard.publicSignals]))
      .to.be.revertedWithCustomError(game, "TicTacToeBoardMismatch")
      .withArgs(1n, 0n);
    // The honest proof with its move changed to another empty cell: the proof no longer verifies.
    const honest = await prover.prove({ features: features(board), subject: submitter.address, nonce });
    const changed = [...honest.publicSignals];
    changed[0] = BigInt([0, 1, 2, 3, 5, 6, 7, 8].find((i) => BigInt(i) !== honest.publicSignals[0])!);
    await expect(hub.verifyAndAct(modelId, honest.proofBytes, changed)).to.be.revertedWithCustomError(hub, "InferenceHubInvalidProof");
    // The board signal of a person's mark is r - 1 (the field's -1).
    expect(honest.publicSignals[1 + 4]).to.equal(FIELD_MODULUS - 1n);
    await (await hub.verifyAndAct(modelId, honest.proofBytes, [...honest.publicSignals])).wait();
    // The position has passed (the person moved again): a proof of it from another submitter, who has
    // not used the nonce at the hub, is refused by the game.
    const after = await boardOf(game);
    await (
      await game.play(
        1n,
        after.findIndex((v) => v === 0),
      )
    ).wait();
    const stale = await prover.prove({ features: features(board), subject: person.address, nonce });
    await expect(hub.connect(person).verifyAndAct(modelId, stale.proofBytes, [...stale.publicSignals]))
      .to.be.revertedWithCustomError(game, "TicTacToeWrongPosition")
      .withArgs(1n, nonce);
  });
});
