/**
 * The player's page: X moves with TicTacToe.play; after each, the page proves the network's move with
 * zkinfer/browser on the board as the contract holds it and submits it through
 * InferenceHub.verifyAndAct, which calls the game. The board shown is always the chain's.
 */
import { artifactUrls, loadModelProver, type ModelProver } from "zkinfer/browser";
import {
  createPublicClient,
  createWalletClient,
  custom,
  defineChain,
  http,
  parseAbi,
  parseEventLogs,
  type Address,
  type EIP1193Provider,
  type Hex,
} from "viem";

interface Config {
  rpc: string;
  chainId: number;
  hub: Address;
  modelId: string;
  game: Address;
  account: number;
}

const hubAbi = parseAbi(["function verifyAndAct(uint256 modelId, bytes proof, uint256[] publicSignals)"]);
const gameAbi = parseAbi([
  "struct Game { address player; uint8 moves; bool over; uint8 winner; uint8[9] cells; }",
  "function newGame() returns (uint256)",
  "function play(uint256 gameId, uint256 cell)",
  "function game(uint256 gameId) view returns (Game)",
  "function nextNonce(uint256 gameId) view returns (uint256)",
  "event GameStarted(uint256 indexed gameId, address indexed player)",
]);
const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const status = (text: string) => ($("status").textContent = text);

function rpcProvider(url: string): EIP1193Provider {
  let id = 0;
  return {
    async request({ method, params }: { method: string; params?: unknown }) {
      const res = await fetch(url, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ jsonrpc: "2.0", id: ++id, method, params: params ?? [] }),
      });
      const body = (await res.json()) as { result?: unknown; error?: { message: string } };
      if (body.error) throw new Error(body.error.message);
      return body.result;
    },
    on() {},
    removeListener() {},
  } as unknown as EIP1193Provider;
}

async function main() {
  const config = (await (await fetch("config.json")).json()) as Config;
  const rpc = new URL(config.rpc, location.href).toString();
  const chain = defineChain({
    id: config.chainId,
    name: "local",
    nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 },
    rpcUrls: { default: { http: [rpc] } },
  });
  const publicClient = createPublicClient({ chain, transport: http(rpc) });
  const provider = rpcProvider(rpc);
  const account = ((await provider.request({ method: "eth_accounts" })) as Address[])[config.account]!;
  const wallet = createWalletClient({ account, chain, transport: custom(provider) });
  const send = async (hash: Hex) => {
    const receipt = await publicClient.waitForTransactionReceipt({ hash });
    if (receipt.status !== "success") throw new Error("the transaction reverted");
    return receipt;
  };

  const cells = Array.from({ length: 9 }, (_, i) => {
    const b = document.createElement("button");
    b.id = `cell-${i}`;
    b.type = "button";
    b.disabled = true;
    $("board").append(b);
    return b;
  });
  const prover: ModelProver = await loadModelProver(artifactUrls("model/"));
  let gameId = 0n;

  const read = () => publicClient.readContract({ address: config.game, abi: gameAbi, functionName: "game", args: [gameId] });
  async function render(yourTurn: boolean) {
    const g = await read();
    g.cells.forEach((c, i) => {
      cells[i]!.textContent = c === 1 ? "X" : c === 2 ? "O" : "";
      cells[i]!.disabled = !yourTurn || g.over || c !== 0;
    });
    if (g.over) status(g.winner === 1 ? "you win" : g.winner === 2 ? "O wins" : "draw");
    else status(yourTurn ? "your turn" : "O is thinking (proving)…");
    return g;
  }

  async function newGame() {
    $<HTMLButtonElement>("new-game").disabled = true;
    const receipt = await send(await wallet.writeContract({ address: config.game, abi: gameAbi, functionName: "newGame" }));
    gameId = parseEventLogs({ abi: gameAbi, logs: receipt.logs, eventName: "GameStarted" })[0]!.args.gameId;
    await render(true);
    $<HTMLButtonElement>("new-game").disabled = false;
  }

  async function networkMove() {
    const g = await render(false);
    if (g.over) return;
    // The network plays O and sees its own marks as +1, X's as -1.
    const features = Object.fromEntries(g.cells.map((c, i) => [`c${i}`, c === 2 ? 1 : c === 1 ? -1 : 0]));
    const nonce = await publicClient.readContract({ address: config.game, abi: gameAbi, functionName: "nextNonce", args: [gameId] });
    const p = await prover.prove({ features, subject: account, nonce });
    $("prove-ms").textContent = `${Math.round(p.timings.witnessMs + p.timings.proveMs)} ms, cell ${p.publicSignals[0]}`;
    await send(
      await wallet.writeContract({
        address: config.hub,
        abi: hubAbi,
        functionName: "verifyAndAct",
        args: [BigInt(config.modelId), p.proofBytes as Hex, p.publicSignals],
      }),
    );
    await render(true);
  }

  cells.forEach((b, i) =>
    b.addEventListener("click", async () => {
      try {
        cells.forEach((c) => (c.disabled = true));
        await send(await wallet.writeContract({ address: config.game, abi: gameAbi, functionName: "play", args: [gameId, BigInt(i)] }));
        await networkMove();
      } catch (e) {
        status(`error: ${(e as Error).message.split("\n")[0]}`);
      }
    }),
  );
  $("new-game").addEventListener("click", () => newGame().catch((e: Error) => status(`error: ${e.message}`)));
  await newGame();
}

main().catch((e: Error) => status(`error: ${e.message}`));
