/**
 * The trader SDK through viem on Hardhat's EVM: signal history and live signals from a SignalFeed, and
 * the off-chain re-verification of a verifyAndAct transaction's proof (a real Groth16 proof of the
 * bundled credit-score model, since the SDK's check is model-agnostic).
 */
import { readFileSync } from "node:fs";
import { expect } from "chai";
import { network } from "hardhat";
import { createPublicClient, custom, type Address, type Hash } from "viem";
import { artifactPath, bundledSpecPath } from "../../prover/artifacts/paths.js";
import { deployCreditScore } from "../helpers/creditScoreStack.js";
import { applicantFeatures, germanCreditSplit } from "../../prover/data/germanCredit.js";
import { runReference } from "../../prover/model/interpret.js";
import { ModelProver } from "../../prover/prove/prover.js";
import { getSignalHistory, watchSignals, type PublishedSignal } from "../../prover/sdk/signals.js";
import { verifyInferenceTransaction } from "../../prover/sdk/verifyInferenceTransaction.js";
import { connectAs, dummyProof } from "../contracts/helpers.js";
import { deploySignals, poseidonHash, signalStatement, windowAt } from "../contracts/signalsFixture.js";

describe("trader SDK", function () {
  describe("signals", function () {
    it("reads a model's signal history, oldest first, and only that model's", async function () {
      const { ethers, ignition, provider } = await network.create();
      const d = await deploySignals(ethers, ignition);
      const client = createPublicClient({ transport: custom(provider) });
      await d.hub.registerModel(d.verifier, 5n, 4, "another model");
      await d.hub.setConsumer(2n, d.feed);

      const sent: Hash[] = [];
      for (const [epoch, direction] of [
        [7, 1n],
        [9, -1n],
      ] as const) {
        const signals = signalStatement({
          direction,
          size: 512n,
          epoch: BigInt(epoch),
          windowHash: await poseidonHash(windowAt(epoch)),
          subject: d.bot.address,
        });
        sent.push((await connectAs(d.hub, d.bot).verifyAndAct(d.modelId, dummyProof(), signals)).hash);
      }
      const other = signalStatement({ direction: 0n, size: 0n, epoch: 10n, windowHash: await poseidonHash(windowAt(10)), subject: d.bot.address });
      other[4] = 5n;
      await connectAs(d.hub, d.bot).verifyAndAct(2n, dummyProof(), other);

      const history = await getSignalHistory({ client, feed: (await d.feed.getAddress()) as Address, modelId: d.modelId });
      expect(history.map((s) => [s.epoch, s.direction, s.size, s.subject])).to.deep.equal([
        [7n, 1, 512, d.bot.address],
        [9n, -1, 512, d.bot.address],
      ]);
      expect(history.map((s) => s.txHash)).to.deep.equal(sent);
    });

    it("delivers each new signal to a watcher", async function () {
      const { ethers, ignition, provider } = await network.create();
      const d = await deploySignals(ethers, ignition);
      const client = createPublicClient({ transport: custom(provider), pollingInterval: 50 });
      const seen: PublishedSignal[] = [];
      const stop = watchSignals({
        client,
        feed: (await d.feed.getAddress()) as Address,
        modelId: d.modelId,
        onSignal: (s) => seen.push(s),
        pollingInterval: 50,
      });
      try {
        for (const epoch of [8, 10]) {
          const signals = signalStatement({
            direction: 1n,
            size: 100n,
            epoch: BigInt(epoch),
            windowHash: await poseidonHash(windowAt(epoch)),
            subject: d.bot.address,
          });
          await (await connectAs(d.hub, d.bot).verifyAndAct(d.modelId, dummyProof(), signals)).wait();
        }
        const deadline = Date.now() + 10_000;
        while (seen.length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      } finally {
        stop();
      }
      expect(seen.map((s) => s.epoch)).to.deep.equal([8n, 10n]);
    });
  });

  describe("verifyInferenceTransaction", function () {
    it("re-verifies a real proof from its transaction against the registry as of its block", async function () {
      this.timeout(120_000);
      const { ethers, ignition, networkHelpers, provider } = await network.create();
      const prover = await ModelProver.load(bundledSpecPath("credit-score"));
      const { test } = germanCreditSplit();
      const applicant = test.find((i) => runReference(prover.ir, applicantFeatures(i)).outputs[0]! > 0n)!;
      const [owner, alice] = await ethers.getSigners();
      const model = {
        name: "credit-score",
        version: prover.ir.version,
        verifierContract: "CreditScoreVerifier",
        modelCommitment: prover.modelCommitment,
        numOutputs: 1,
      };
      const { hub, verifier, modelId } = await deployCreditScore({ ignition, model, threshold: 0n, creditLimit: 1n });
      const p = await prover.prove({ features: applicantFeatures(applicant), subject: alice!.address, nonce: 1n });
      // Sent by alice, the proof's subject (only the subject may submit on this model).
      const txHash = (await hub.connect(alice!).verifyAndAct(modelId, p.proofBytes, p.publicSignals)).hash as Hash;

      const client = createPublicClient({ transport: custom(provider) });
      const hubAddress = (await hub.getAddress()) as Address;
      const verificationKey = JSON.parse(readFileSync(artifactPath("credit-score", "vkey"), "utf8"));
      const result = await verifyInferenceTransaction({ client, hub: hubAddress, txHash, verificationKey });
      expect(result).to.include({ valid: true, succeeded: true, eventEmitted: true, proofValid: true, commitmentMatches: true, modelId });
      expect(result.publicSignals).to.deep.equal(p.publicSignals);

      // A key for another circuit does not verify it.
      const otherKey = { ...verificationKey, IC: [...verificationKey.IC].reverse() };
      expect((await verifyInferenceTransaction({ client, hub: hubAddress, txHash, verificationKey: otherKey })).proofValid).to.equal(false);

      // The check reads the registry as of the transaction's block: a later upgrade does not change it,
      // but the same proof submitted after the upgrade is refused on-chain.
      await hub.connect(owner).announceModelUpdate(modelId, verifier, 12345n);
      await networkHelpers.time.increase(await hub.updateDelay());
      await hub.connect(owner).applyModelUpdate(modelId);
      expect((await verifyInferenceTransaction({ client, hub: hubAddress, txHash, verificationKey })).valid).to.equal(true);
    });

    it("does not report a reverted verifyAndAct as a verified inference, though its proof is valid", async function () {
      // docs/SECURITY.md, SDK: the replay of a valid proof reverts on-chain (InferenceHubNonceUsed);
      // its calldata still carries a proof that verifies against the key and the registered commitment.
      this.timeout(120_000);
      const { ethers, ignition, provider } = await network.create();
      const prover = await ModelProver.load(bundledSpecPath("credit-score"));
      const [, alice] = await ethers.getSigners();
      const model = {
        name: "credit-score",
        version: prover.ir.version,
        verifierContract: "CreditScoreVerifier",
        modelCommitment: prover.modelCommitment,
        numOutputs: 1,
      };
      const { hub, modelId } = await deployCreditScore({ ignition, model, threshold: 0n, creditLimit: 1n });
      const p = await prover.prove({ features: applicantFeatures(0), subject: alice!.address, nonce: 7n });
      await (await hub.connect(alice!).verifyAndAct(modelId, p.proofBytes, p.publicSignals)).wait();
      // An explicit gas limit skips the estimate, so the replay is mined (and reverts) instead of being refused before sending.
      await hub
        .connect(alice!)
        .verifyAndAct(modelId, p.proofBytes, p.publicSignals, { gasLimit: 1_000_000n })
        .catch(() => undefined);
      const latest = (await provider.request({ method: "eth_getBlockByNumber", params: ["latest", false] })) as { transactions: Hash[] };
      const txHash = latest.transactions[0]!;

      const client = createPublicClient({ transport: custom(provider) });
      const hubAddress = (await hub.getAddress()) as Address;
      expect((await client.getTransactionReceipt({ hash: txHash })).status).to.equal("reverted");
      const verificationKey = JSON.parse(readFileSync(artifactPath("credit-score", "vkey"), "utf8"));
      const result = await verifyInferenceTransaction({ client, hub: hubAddress, txHash, verificationKey });
      expect(result).to.include({ valid: false, succeeded: false, eventEmitted: false, proofValid: true, commitmentMatches: true });
    });

    it("refuses a transaction that is not a verifyAndAct call on the hub", async function () {
      const { ethers, ignition, provider } = await network.create();
      const d = await deploySignals(ethers, ignition);
      const client = createPublicClient({ transport: custom(provider) });
      const txHash = (await d.priceSource.recordPrice(11n, 1n)).hash as Hash;
      const hub = (await d.hub.getAddress()) as Address;
      let message = "";
      try {
        await verifyInferenceTransaction({ client, hub, txHash, verificationKey: {} });
      } catch (error) {
        message = (error as Error).message;
      }
      expect(message).to.match(/was not sent to the hub/);
    });
  });
});
