/**
 * prover/chain/receiptLogs.ts: the one decoder of a receipt's logs that `zkinfer submit` and the prover
 * service's job record share. Logs are built with viem's encoders from the generated ABIs, so these
 * tests need no chain.
 */
import { expect } from "chai";
import { encodeAbiParameters, encodeEventTopics, getAddress, type Address, type Hex } from "viem";
import { creditGateAbi, inferenceHubAbi } from "../../prover/chain/abi.js";
import { BUNDLED_CONSUMER_ABIS, decodeReceiptLogs, jsonArgs } from "../../prover/chain/receiptLogs.js";

const GATE = "0x00000000000000000000000000000000000000aa" as Address;
const HUB = "0x00000000000000000000000000000000000000bb" as Address;
const OTHER = "0x00000000000000000000000000000000000000cc" as Address;
const SUBJECT = getAddress("0x1111111111111111111111111111111111111111");

function creditLineOpened(address: Address, limit: bigint, score: bigint) {
  const topics = encodeEventTopics({ abi: creditGateAbi, eventName: "CreditLineOpened", args: { subject: SUBJECT } }) as Hex[];
  const data = encodeAbiParameters([{ type: "uint256" }, { type: "int256" }], [limit, score]);
  return { address, topics, data };
}

describe("decodeReceiptLogs", () => {
  it("decodes a bundled consumer's event by its ABI, with its arguments by name", () => {
    const [log] = decodeReceiptLogs([creditLineOpened(GATE, 1000n, -5n)], { abisFor: () => BUNDLED_CONSUMER_ABIS });
    expect(log).to.deep.include({ address: getAddress(GATE), contract: "CreditGate", event: "CreditLineOpened" });
    expect(log!.args).to.deep.equal({ subject: SUBJECT, limit: 1000n, score: -5n });
    expect(jsonArgs(log!.args)).to.deep.equal({ subject: SUBJECT, limit: "1000", score: "-5" });
  });

  it("keeps a log no ABI decodes raw, under the caller's name for its address, and loses nothing", () => {
    const unknown = { address: OTHER, topics: [`0x${"ab".repeat(32)}`] as Hex[], data: "0x1234" as Hex };
    const [log] = decodeReceiptLogs([unknown], { abisFor: () => BUNDLED_CONSUMER_ABIS, nameOf: (a) => (a === getAddress(OTHER) ? "MyVault" : undefined) });
    expect(log).to.deep.equal({ address: getAddress(OTHER), contract: "MyVault", event: null, args: null, topics: unknown.topics, data: "0x1234" });
  });

  it("decodes strictly: an event with the same signature but other data is kept raw", () => {
    // CreditLineOpened's topic with one word of data instead of two: a lenient decoder would make up the rest.
    const truncated = { ...creditLineOpened(GATE, 1n, 1n), data: encodeAbiParameters([{ type: "uint256" }], [1n]) };
    const [log] = decodeReceiptLogs([truncated], { abisFor: () => BUNDLED_CONSUMER_ABIS });
    expect(log!.event).to.equal(null);
    expect(log!.data).to.equal(truncated.data);
  });

  it("tries the caller's ABIs in order and skips the addresses it is told to", () => {
    const logs = [creditLineOpened(GATE, 7n, 3n), creditLineOpened(HUB, 8n, 4n)];
    const decoded = decodeReceiptLogs(logs, {
      abisFor: (a) => (a === getAddress(GATE) ? [["MyGate", creditGateAbi], ...BUNDLED_CONSUMER_ABIS] : [["InferenceHub", inferenceHubAbi]]),
      skip: [HUB],
    });
    expect(decoded.map((l) => [l.address, l.contract])).to.deep.equal([[getAddress(GATE), "MyGate"]]);
  });
});
