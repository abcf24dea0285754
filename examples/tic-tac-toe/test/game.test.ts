/**
 * The game on Hardhat's network with real proofs: the self-play trainer reproduces the committed
 * spec, the mask inside the network keeps every move on an empty cell, a game is played to its end
 * with each network move accepted only through a proof, and stale, mismatched or changed proofs are
 * refused.
 */
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { expect } from "chai";
import { network } from "hardhat";
import { ModelProver } from "zkinfer/prover";
import { SPEC_PATH, trainSpec } from "../scripts/train.js";

const R = 21888242871839275222246405745257275088548364400416034343698204186575808495617n;
/** The board from the network's side (O = +1, X = -1) as the spec's features. */
const features = (board: number[]) => Object.fromEntries(board.map((v, i) => [`c${i}`, v]));

describe("tic-tac-toe: a game opponent whose moves are proved", () => {
  let prover: ModelProver;

  before(async () => {
    // The artifacts `npm test` built first (zkinfer build, into zkinfer.config.json's buildDir).
    process.env.ZKINFER_BUILD_DIR ??= resolve("build");
    prover = await ModelProver.load(SPEC_PATH);
  });

  async function deploy() {
    const { ethers } = await network.create();
    const [, person, submitter] = await ethers.getSigners();
    const hub = await ethers.deployContract("InferenceHub", [2n * 24n * 3600n]);
    const verifier = await ethers.deployContract("TicTacToeVerifier");
    await (await hub.registerModel(await verifier.getAddress(), prover.modelCommitment, 10, "tic-tac-toe")).wait();
    const modelId = await hub.modelCount();
    const game = await ethers.deployContract("TicTacToe", [await hub.getAddress(), modelId]);
    await (await hub.setConsumer(modelId, await game.getAddress())).wait();
    await (await game.connect(person!).newGame()).wait();
    return { hub: hub.connect(submitter!), modelId, game: game.connect(person!), person: person!, submitter: submitter! };
  }

  const boardOf = async (game: { game(id: bigint): Promise<{ cells: bigint[] }> }) =>
    [...(await game.game(1n)).cells].map((c) => (c === 2n ? 1 : c === 1n ? -1 : 0));

  it("the self-play trainer reproduces the committed spec byte for byte", () => {
    expect(JSON.stringify(trainSpec(), null, 2) + "\n").to.equal(readFileSync(SPEC_PATH, "utf8"));
  });

  it("plays a game to its end: the person by play(), the network only with a proof of its argmax over the empty cells", async () => {
    const { hub, modelId, game, submitter } = await deploy();
    for (let turn = 0; !(await game.game(1n)).over; turn++) {
      const board = await boardOf(game);
      if (turn % 2 === 0) {
        await (
          await game.play(
            1n,
            [4, 0, 8, 2, 6, 1, 3, 5, 7].find((i) => board[i] === 0)!,
          )
        ).wait();
        continue;
      }
      const p = await prover.prove({ features: features(board), subject: submitter.address, nonce: await game.nextNonce(1n) });
      const move = p.publicSignals[0]!;
      expect(board[Number(move)]).to.equal(0);
      await expect(hub.verifyAndAct(modelId, p.proofBytes, [...p.publicSignals]))
        .to.emit(game, "Moved")
        .withArgs(1n, 2, move);
    }
  });

  it("refuses a board that is not the game's, a changed move, and a position that has passed", async () => {
    const { hub, modelId, game, submitter, person } = await deploy();
    await (await game.play(1n, 4n)).wait();
    const board = await boardOf(game);
    const nonce = await game.nextNonce(1n);
    const other = [...board];
    other[0] = -1;
    const wrong = await prover.prove({ features: features(other), subject: submitter.address, nonce });
    await expect(hub.verifyAndAct(modelId, wrong.proofBytes, [...wrong.publicSignals])).to.be.revertedWithCustomError(game, "TicTacToeBoardMismatch");
    const honest = await prover.prove({ features: features(board), subject: submitter.address, nonce });
    expect(honest.publicSignals[1 + 4]).to.equal(R - 1n);
    const changed = [...honest.publicSignals];
    changed[0] = honest.publicSignals[0] === 0n ? 1n : 0n;
    await expect(hub.verifyAndAct(modelId, honest.proofBytes, changed)).to.be.revertedWithCustomError(hub, "InferenceHubInvalidProof");
    await (await hub.verifyAndAct(modelId, honest.proofBytes, [...honest.publicSignals])).wait();
    const after = await boardOf(game);
    await (
      await game.play(
        1n,
        after.findIndex((v) => v === 0),
      )
    ).wait();
    const stale = await prover.prove({ features: features(board), subject: person.address, nonce });
    await expect(hub.connect(person).verifyAndAct(modelId, stale.proofBytes, [...stale.publicSignals])).to.be.revertedWithCustomError(
      game,
      "TicTacToeWrongPosition",
    );
  });
});
