/**
 * PLONK and FFLONK models end to end, with real snarkjs proofs of a tiny public-input model (225
 * PLONK gates: a 2^8 ptau for PLONK, 2^11 for FFLONK) and their generated verifiers on Hardhat's
 * EVM behind the hub and the CreditGate. Every attack is a real proof, changed.
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { expect } from "chai";
import { ContractFactory } from "ethers";
import { network } from "hardhat";
import { createPublicClient, custom, type Address, type Hash, type Hex } from "viem";
import { signalIndex } from "../../prover/abi/publicSignals.js";
import { publicInputRanges } from "../../prover/abi/publicInputRanges.js";
import { artifactPath } from "../../prover/artifacts/paths.js";
import { buildModel, type BuiltModel } from "../../prover/build/buildModel.js";
import { compileModelVerifier } from "../../prover/chain/compileVerifier.js";
import { ZkinferError } from "../../prover/errors.js";
import { FIELD_MODULUS } from "../../prover/field.js";
import { decodeProof, encodeProof } from "../../prover/prove/calldata.js";
import { ModelProver, type ProveReturnType } from "../../prover/prove/prover.js";
import { verifyInferenceTransaction } from "../../prover/sdk/verifyInferenceTransaction.js";
import { plonkDomainPower, plonkGateCount, universalPtauPower } from "../../prover/setup/universal.js";
import { zkinferCli } from "../helpers/cli.js";
import { connectAs } from "../contracts/helpers.js";

const { ethers, networkHelpers, provider } = await network.create();

const SYSTEMS = ["plonk", "fflonk"] as const;
type System = (typeof SYSTEMS)[number];
const specPath = (system: System) => fileURLToPath(new URL(`../fixtures/tiny-${system}.json`, import.meta.url));
const SUBJECT = "0x00000000000000000000000000000000000000b7";
// income 100, debt 20: score 0.9 * relu(5 - 0.8 + 0.1) - 0.5 > 0, so the gate (threshold 0) opens a line.
const FEATURES = { income: 100, debt: 20 };

/** The proof bytes with word `i` replaced by `f(word)`. */
function withWord(proofBytes: string, i: number, f: (w: bigint) => bigint): Hex {
  const words = Array.from({ length: (proofBytes.length - 2) / 64 }, (_, k) => BigInt(`0x${proofBytes.slice(2 + 64 * k, 66 + 64 * k)}`));
  words[i] = f(words[i]!);
  return `0x${words.map((w) => w.toString(16).padStart(64, "0")).join("")}`;
}

describe("PLONK and FFLONK models (real proofs through the hub)", function () {
  this.timeout(600_000);
  const built = {} as Record<System, BuiltModel>;
  const provers = {} as Record<System, ModelProver>;
  const proofs = {} as Record<System, ProveReturnType>;

  before(async () => {
    for (const system of SYSTEMS) {
      built[system] = await buildModel({ specPath: specPath(system) });
      provers[system] = await ModelProver.load(specPath(system));
      proofs[system] = await provers[system].prove({ features: FEATURES, subject: SUBJECT, nonce: 1n });
    }
  });

  /** Hub, the model's generated verifier (compiled from the build) and a CreditGate as its consumer. */
  async function deploy(system: System) {
    const [owner] = await ethers.getSigners();
    const hubDeployed = await ethers.deployContract("InferenceHub", [3600n]);
    await networkHelpers.setBalance(SUBJECT, 10n ** 18n);
    const hub = connectAs(hubDeployed, await ethers.getImpersonatedSigner(SUBJECT));
    const compiled = compileModelVerifier(built[system].name);
    const verifier = await (await new ContractFactory(compiled.abi as never, compiled.bytecode, owner).deploy()).waitForDeployment();
    const ir = provers[system].ir;
    await (
      await hubDeployed.registerPublicInputModel(
        verifier,
        built[system].modelCommitment,
        1,
        ir.visibility.publicInputBits!,
        publicInputRanges(ir),
        `test:${system}`,
      )
    ).wait();
    const modelId: bigint = await hubDeployed.modelCount();
    const creditGate = await ethers.deployContract("CreditGate", [hubDeployed, modelId, owner!.address, 0n, 5_000n]);
    await (await hubDeployed.setConsumer(modelId, creditGate)).wait();
    return { hub, verifier, creditGate, modelId };
  }
  const fixtures = { plonk: () => deploy("plonk"), fflonk: () => deploy("fflonk") };

  for (const system of SYSTEMS) {
    describe(system, () => {
      it("is set up from the universal ptau alone, at the power computed from its PLONK gates", async () => {
        const gates = await plonkGateCount(artifactPath(built[system].name, "r1cs"));
        const vkey = JSON.parse(readFileSync(artifactPath(built[system].name, "vkey"), "utf8")) as { protocol: string; power: number };
        expect(built[system].proofSystem).to.equal(system);
        expect(built[system].setup).to.include({ setup: "universal", contributions: 0 });
        expect(vkey.protocol).to.equal(system);
        // The gate count agrees with the domain snarkjs chose, and the ptau is the one it accepted.
        expect(vkey.power).to.equal(plonkDomainPower(system, gates));
        expect(built[system].ptau.power).to.equal(universalPtauPower(system, gates));
        expect(built[system].ptau.power).to.be.lessThanOrEqual(11);
      });

      it("proves, says its system in the proof, verifies off-chain, and round-trips through the proof bytes", async () => {
        const p = proofs[system];
        expect(p.proofSystem).to.equal(system);
        expect(p.proof.protocol).to.equal(system);
        expect((p.proofBytes.length - 2) / 2).to.equal(768);
        expect(await provers[system].verify(p.proof, p.publicSignals)).to.equal(true);
        const decoded = decodeProof(p.proofBytes, system);
        expect(encodeProof(decoded)).to.equal(p.proofBytes);
        expect(await provers[system].verify(decoded, p.publicSignals)).to.equal(true);
      });

      it("goes through verifyAndAct on the EVM and the CreditGate opens a credit line", async () => {
        const { hub, creditGate, modelId } = await networkHelpers.loadFixture(fixtures[system]);
        const p = proofs[system];
        const tx = await hub.verifyAndAct(modelId, p.proofBytes, p.publicSignals);
        await expect(tx).to.emit(hub, "InferenceVerified").withArgs(modelId, SUBJECT, 1n);
        await expect(tx).to.emit(creditGate, "CreditLineOpened");
        expect((await creditGate.creditLineOf(SUBJECT)).limit).to.equal(5_000n);
        expect(await hub.isNonceUsed(modelId, SUBJECT, 1n)).to.equal(true);
        // The same statement again is a replay.
        await expect(hub.verifyAndAct(modelId, p.proofBytes, p.publicSignals)).to.be.revertedWithCustomError(hub, "InferenceHubNonceUsed");
      });

      it("reverts a tampered proof (an evaluation, a commitment point) with InferenceHubInvalidProof and changes no state", async () => {
        const { hub, creditGate, modelId } = await networkHelpers.loadFixture(fixtures[system]);
        const p = proofs[system];
        const lastEvaluation = withWord(p.proofBytes, 23, (w) => (w + 1n) % FIELD_MODULUS);
        const firstPoint = withWord(p.proofBytes, 0, (w) => w ^ 1n);
        for (const bad of [lastEvaluation, firstPoint]) {
          await expect(hub.verifyAndAct(modelId, bad, p.publicSignals))
            .to.be.revertedWithCustomError(hub, "InferenceHubInvalidProof")
            .withArgs(modelId);
        }
        // A changed output (the statement, not the proof) fails the same way.
        const changed = [...p.publicSignals];
        changed[0] = changed[0]! + 1n;
        await expect(hub.verifyAndAct(modelId, p.proofBytes, changed)).to.be.revertedWithCustomError(hub, "InferenceHubInvalidProof");
        expect(await hub.isNonceUsed(modelId, SUBJECT, 1n)).to.equal(false);
        expect((await creditGate.creditLineOf(SUBJECT)).limit).to.equal(0n);
      });

      it(
        system === "plonk"
          ? "refuses a public signal >= r in the hub, whose snarkjs verifier range-checks only the proof's elements"
          : "refuses a public signal >= r in the hub, and zkinfer's FFLONK verifier returns false for it too",
        async () => {
          const { hub, verifier, modelId } = await networkHelpers.loadFixture(fixtures[system]);
          if (system === "plonk") {
            // The template checks every proof word against the field (checkField) and no public signal:
            // its only reads of the signals feed the transcript and the public-input polynomial.
            const source = readFileSync(artifactPath(built[system].name, "snarkjsVerifier"), "utf8");
            const checked = [...source.matchAll(/checkField\(calldataload\((?:add\()?(\w+)/g)].map((m) => m[1]);
            expect(checked.length).to.be.greaterThan(0);
            expect(checked.filter((p) => /pub/i.test(p!))).to.deep.equal([]);
          }
          const p = proofs[system];
          const nonceAt = signalIndex("nonce", 1);
          const aliased = [...p.publicSignals];
          aliased[nonceAt] = aliased[nonceAt]! + FIELD_MODULUS;
          // nonce + r is the same field element as the nonce: a fresh-looking nonce for a used statement.
          // The hub refuses it before any verifier runs, whatever the proof system.
          await expect(hub.verifyAndAct(modelId, p.proofBytes, aliased))
            .to.be.revertedWithCustomError(hub, "InferenceHubSignalNotInField")
            .withArgs(nonceAt, aliased[nonceAt]);
          expect(await hub.isNonceUsed(modelId, SUBJECT, 1n)).to.equal(false);
          // PLONK: the template happens to fail it too (the raw word enters its Fiat-Shamir transcript;
          // the hub's check is the guarantee). FFLONK: zkinfer's verifier checks every signal < r itself,
          // as snarkjs's JS verifier does (test/e2e/fflonkVerifier.test.ts).
          expect(await verifier.getFunction("verify")(p.proofBytes, aliased)).to.equal(false);
        },
      );

      it("refuses a batch and changes no state (batching is Groth16's)", async () => {
        const { hub, modelId } = await networkHelpers.loadFixture(fixtures[system]);
        const p = proofs[system];
        const bytes = (p.proofBytes.length - 2) / 2;
        // Its own proof is not one 256-byte Groth16 proof per statement: refused before any check (C38).
        await expect(hub.verifyAndActBatch(modelId, p.proofBytes, p.publicSignals))
          .to.be.revertedWithCustomError(hub, "InferenceHubBatchProofCountMismatch")
          .withArgs(modelId, 1n, 256n, BigInt(bytes));
        // Groth16-sized bytes reach the verifier, which has no batch check.
        await expect(hub.verifyAndActBatch(modelId, p.proofBytes.slice(0, 2 + 512), p.publicSignals))
          .to.be.revertedWithCustomError(hub, "InferenceHubBatchNotSupported")
          .withArgs(modelId);
        expect(await hub.isNonceUsed(modelId, SUBJECT, 1n)).to.equal(false);
      });

      it("re-verifies the transaction's proof from its calldata with the SDK", async () => {
        const { hub, modelId } = await networkHelpers.loadFixture(fixtures[system]);
        const p = proofs[system];
        const receipt = await (await hub.verifyAndAct(modelId, p.proofBytes, p.publicSignals)).wait();
        const client = createPublicClient({ transport: custom(provider) });
        const hubAddress = (await hub.getAddress()) as Address;
        const result = await verifyInferenceTransaction({
          client,
          hub: hubAddress,
          txHash: receipt.hash as Hash,
          verificationKey: provers[system].verificationKey as object,
        });
        expect(result).to.include({ valid: true, proofValid: true, succeeded: true });
        // The other system's key: the bytes are read as that system's proof (the key decides), and fail.
        const other = provers[system === "plonk" ? "fflonk" : "plonk"].verificationKey as object;
        const wrong = await verifyInferenceTransaction({ client, hub: hubAddress, txHash: receipt.hash as Hash, verificationKey: other });
        expect(wrong).to.include({ valid: false, proofValid: false, succeeded: true });
      });
    });
  }

  describe("a proof of one system given to another", () => {
    it("is refused off-chain naming both systems", async () => {
      const error = await provers.fflonk.verify(proofs.plonk.proof, proofs.plonk.publicSignals).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).to.be.instanceOf(ZkinferError);
      expect((error as Error).message).to.contain("This is a plonk proof, but the verification key is fflonk");
      expect(() => decodeProof(proofs.plonk.proofBytes, "groth16")).to.throw(ZkinferError, "A groth16 proof is 256 bytes; these proof bytes are 768");
    });

    it("fails on-chain: PLONK bytes in the FFLONK verifier do not verify, Groth16-sized bytes are refused by length", async () => {
      const { hub, verifier, modelId } = await networkHelpers.loadFixture(fixtures.fflonk);
      const plonkBytes = proofs.plonk.proofBytes;
      // Same statement shape (the two fixtures share the circuit), another system's proof.
      expect(await verifier.getFunction("verify")(plonkBytes, proofs.fflonk.publicSignals)).to.equal(false);
      await expect(hub.verifyAndAct(modelId, plonkBytes, proofs.fflonk.publicSignals)).to.be.revertedWithCustomError(hub, "InferenceHubInvalidProof");
      const groth16Sized = `0x${proofs.fflonk.proofBytes.slice(2, 2 + 512)}`;
      await expect(hub.verifyAndAct(modelId, groth16Sized, proofs.fflonk.publicSignals))
        .to.be.revertedWithCustomError(verifier, "InferenceVerifierInvalidProofLength")
        .withArgs(768n, 256n);
    });

    it("`zkinfer prove` then `zkinfer verify` work for each system from the CLI, and a changed output fails", async () => {
      const { mkdtempSync, readFileSync, writeFileSync } = await import("node:fs");
      const { join } = await import("node:path");
      const { tmpdir } = await import("node:os");
      const dir = mkdtempSync(join(tmpdir(), "zkinfer-systems-cli-"));
      const input = join(dir, "input.json");
      writeFileSync(input, JSON.stringify(FEATURES));
      for (const system of SYSTEMS) {
        const out = join(dir, `${system}.json`);
        const proved = await zkinferCli(["prove", specPath(system), "--input", input, "--subject", SUBJECT, "--nonce", "7", "--out", out]);
        expect(proved.code, proved.stderr).to.equal(0);
        const written = JSON.parse(readFileSync(out, "utf8")) as { proof: { protocol: string }; publicSignals: string[] };
        expect(written.proof.protocol).to.equal(system);
        const verified = await zkinferCli(["verify", specPath(system), out]);
        expect(verified.code, verified.stderr).to.equal(0);
        const forged = join(dir, `${system}-forged.json`);
        writeFileSync(
          forged,
          JSON.stringify({ ...written, publicSignals: [String(BigInt(written.publicSignals[0]!) + 1n), ...written.publicSignals.slice(1)] }),
        );
        const refused = await zkinferCli(["verify", specPath(system), forged]);
        expect(refused.code, `${system}: a changed output must not verify`).to.not.equal(0);
      }
    });

    it("is refused by `zkinfer verify` before any key is read, and `zkinfer ceremony init` refuses a PLONK model", async () => {
      const { mkdtempSync, writeFileSync } = await import("node:fs");
      const { join } = await import("node:path");
      const { tmpdir } = await import("node:os");
      const dir = mkdtempSync(join(tmpdir(), "zkinfer-systems-"));
      const proofFile = join(dir, "proof.json");
      writeFileSync(proofFile, JSON.stringify({ proof: proofs.plonk.proof, publicSignals: proofs.plonk.publicSignals.map(String) }));
      const verified = await zkinferCli(["verify", specPath("fflonk"), proofFile]);
      expect(verified.code).to.not.equal(0);
      expect(verified.stderr).to.contain("This is a plonk proof, but tiny-fflonk's proof system is fflonk");
      const ceremony = await zkinferCli(["ceremony", "init", specPath("plonk"), "--ptau", "unused.ptau", "--out", join(dir, "c")]);
      expect(ceremony.code).to.not.equal(0);
      expect(ceremony.stderr).to.contain("tiny-plonk uses plonk, which needs no circuit-specific ceremony");
    });
  });
});
