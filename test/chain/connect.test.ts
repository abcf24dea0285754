/**
 * The JSON-RPC connection against a node that closes idle keep-alive connections while the process is
 * busy (solc compiles synchronously for seconds): the next request must not fail on the closed socket.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { expect } from "chai";
import { connectRead } from "../../prover/chain/connect.js";

/** Blocks the event loop, as a synchronous solc compile does. */
function busy(ms: number): void {
  const until = Date.now() + ms;
  while (Date.now() < until);
}

describe("chain connection over HTTP keep-alive", () => {
  let server: Server;
  let url: string;
  const methods: string[] = [];

  before(async () => {
    server = createServer((req, res) => {
      let body = "";
      req.on("data", (d) => (body += d));
      req.on("end", () => {
        const { id, method } = JSON.parse(body) as { id: number; method: string };
        methods.push(method);
        const result = method === "eth_chainId" ? "0x7a69" : method === "eth_sendRawTransaction" ? `0x${"ab".repeat(32)}` : "0x2a";
        // The node promises a long keep-alive but drops idle connections after 200 ms (a proxy's or a
        // restarted node's behaviour): the client believes the socket is still good.
        res.setHeader("Keep-Alive", "timeout=60");
        res.setHeader("Content-Type", "application/json");
        res.end(JSON.stringify({ jsonrpc: "2.0", id, result }));
      });
    });
    server.keepAliveTimeout = 200;
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => new Promise<void>((r) => server.close(() => r())));

  it("answers a read after the process was busy longer than the node keeps an idle connection", async () => {
    const { publicClient } = await connectRead(url);
    expect(await publicClient.getBlockNumber({ cacheTime: 0 })).to.equal(42n);
    busy(2500);
    expect(await publicClient.getBlockNumber({ cacheTime: 0 })).to.equal(42n);
  });

  it("never sends a transaction twice: a send on a dead connection fails instead of being retried", async () => {
    const { publicClient } = await connectRead(url);
    await publicClient.getBlockNumber({ cacheTime: 0 });
    methods.length = 0;
    busy(2500);
    const sent = await publicClient.request({ method: "eth_sendRawTransaction", params: ["0x02"] }).then(
      () => "answered",
      () => "failed",
    );
    // Whatever the outcome, the node saw the transaction at most once.
    expect(methods.filter((m) => m === "eth_sendRawTransaction").length).to.be.at.most(1);
    expect(sent).to.equal("failed");
  });
});
