/**
 * examples/tic-tac-toe's page in a real Chromium: a person plays X by clicking, the page proves each
 * of the network's moves and submits it through verifyAndAct; the game ends on chain, and every O
 * move on record is the committed network's choice on the board before it.
 */
import { existsSync } from "node:fs";
import { expect } from "chai";
import { chromium, type Browser } from "playwright-core";
import { parseAbi, parseEventLogs, type Abi, type Address } from "viem";
import { buildModel } from "../../prover/build/buildModel.js";
import { compileModelVerifier } from "../../prover/chain/compileVerifier.js";
import { modelCommitment } from "../../prover/circuit/commitment.js";
import { lowerModel } from "../../prover/model/ir.js";
import { runReference } from "../../prover/model/interpret.js";
import { readModelSpec } from "../../prover/model/spec.js";
import { SPEC_PATH } from "../../examples/tic-tac-toe/scripts/train.js";
import { compileExample } from "./exampleStack.js";
import { CHROMIUM, CHROMIUM_ARGS, deployContract, hubArtifact, startExampleWeb, type ExampleWeb } from "./webHarness.js";

const gameAbi = parseAbi(["event Moved(uint256 indexed gameId, uint8 mark, uint256 cell)", "event GameEnded(uint256 indexed gameId, uint8 winner)"]);

describe("examples/tic-tac-toe in Chromium: a person plays the proved network", function () {
  this.timeout(900_000);
  let web: ExampleWeb;
  let browser: Browser;
  let game: Address;
  const ir = lowerModel(readModelSpec(SPEC_PATH));

  before(async () => {
    if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install -y chromium (see .ci/run)`);
    await buildModel({ specPath: SPEC_PATH });
    web = await startExampleWeb({
      example: "tic-tac-toe",
      model: "tic-tac-toe",
      specPath: SPEC_PATH,
      async deploy(clients) {
        const { publicClient, walletClient } = clients;
        const hubA = hubArtifact();
        const hub = await deployContract(clients, hubA.abi, hubA.bytecode, [2n * 24n * 3600n]);
        const v = compileModelVerifier("tic-tac-toe");
        const verifier = await deployContract(clients, v.abi, v.bytecode);
        const send = async (address: Address, abi: Abi, functionName: string, args: unknown[]) =>
          publicClient.waitForTransactionReceipt({
            hash: await walletClient.writeContract({ address, abi, functionName, args, account: clients.account, chain: publicClient.chain }),
          });
        await send(hub, hubA.abi, "registerModel", [verifier, await modelCommitment(ir), 10, "tic-tac-toe"]);
        const c = compileExample("tic-tac-toe", ["TicTacToe.sol"]);
        game = await deployContract(clients, c.TicTacToe!.abi, c.TicTacToe!.bytecode, [hub, 1n]);
        await send(hub, hubA.abi, "setConsumer", [1n, game]);
        return { hub, modelId: 1n, game, account: 1 };
      },
    });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true });
  });

  after(async () => {
    await browser?.close();
    await web?.stop();
  });

  it("plays a game to its end by clicks; every O move on chain is the network's argmax over the empty cells", async () => {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on("pageerror", (e) => errors.push(e.message));
    await page.goto(web.url);
    const settled = () =>
      page.waitForFunction(() => /your turn|wins|draw|error/.test(document.getElementById("status")?.textContent ?? ""), undefined, { timeout: 300_000 });
    await settled();
    for (let turn = 0; turn < 5; turn++) {
      const text = (await page.textContent("#status"))!;
      if (text !== "your turn") break;
      // The person takes the first free cell of a fixed preference order.
      const free = await page.$$eval("#board button", (bs) => bs.map((b) => (b as HTMLButtonElement).textContent === ""));
      const cell = [4, 0, 8, 2, 6, 1, 3, 5, 7].find((i) => free[i])!;
      await page.click(`#cell-${cell}`);
      await page.waitForFunction((c) => document.getElementById(`cell-${c}`)?.textContent === "X", cell, { timeout: 60_000 });
      await settled();
    }
    const final = (await page.textContent("#status"))!;
    expect(final, errors.join("\n")).to.match(/^(you win|O wins|draw)$/);

    // Replay the chain's record: each O move must be the model's choice on the board before it.
    const logs = parseEventLogs({ abi: gameAbi, logs: await web.clients.publicClient.getLogs({ address: game, fromBlock: 0n }) });
    const moves = logs.filter((l) => l.eventName === "Moved").map((l) => l.args as { mark: number; cell: bigint });
    expect(moves.filter((m) => m.mark === 2).length).to.be.at.least(2);
    const board = Array(9).fill(0);
    for (const m of moves) {
      if (m.mark === 2) {
        const chosen = runReference(ir, Object.fromEntries(board.map((v, i) => [`c${i}`, v]))).outputs[0]!;
        expect(m.cell).to.equal(chosen);
      }
      board[Number(m.cell)] = m.mark === 2 ? 1 : -1;
    }
    const ended = logs.filter((l) => l.eventName === "GameEnded");
    expect(ended).to.have.length(1);
    const shown = { 1: "you win", 2: "O wins", 0: "draw" }[(ended[0]!.args as { winner: number }).winner];
    expect(final).to.equal(shown);
    expect(errors).to.deep.equal([]);
  });
});
