/**
 * The generated Groth16 batch verifier (prover/setup/groth16Batch.ts) of the bundled credit-score model,
 * checked directly with real snarkjs proofs: it must accept exactly the batches whose every proof the
 * single verifier accepts.
 */
import { readFileSync } from "node:fs";
import { expect } from "chai";
import { network } from "hardhat";
import { artifactPath, bundledSpecPath } from "../../../prover/artifacts/paths.js";
import { applicantFeatures, germanCreditSplit } from "../../../prover/data/germanCredit.js";
import { FIELD_MODULUS } from "../../../prover/field.js";
import { decodeProofWords, encodeBatch, encodeProofWords } from "../../../prover/prove/calldata.js";
import { ModelProver, type ProveReturnType } from "../../../prover/prove/prover.js";
import { BASE_FIELD_MODULUS, groth16BatchVerifierSource, verificationKeyHash } from "../../../prover/setup/groth16Batch.js";

const { ethers, networkHelpers } = await network.create();

type Item = { proofBytes: string; publicSignals: bigint[] };

/** Proof i with word k replaced. */
function withWord(item: Item, k: number, value: bigint): Item {
  const words = decodeProofWords(item.proofBytes);
  words[k] = value;
  return { proofBytes: encodeProofWords(words), publicSignals: item.publicSignals };
}

describe("Groth16BatchVerifier (generated from the credit-score key, real proofs)", function () {
  const proofs: ProveReturnType[] = [];
  let otherModel: ProveReturnType;

  before(async function () {
    this.timeout(300_000);
    const prover = await ModelProver.load(bundledSpecPath("credit-score"));
    const { test } = germanCreditSplit();
    const subjects = (await ethers.getSigners()).slice(1, 5).map((s) => s.address);
    for (let i = 0; i < 4; i++) {
      proofs.push(await prover.prove({ features: applicantFeatures(test[i]!), subject: subjects[i]!, nonce: BigInt(i + 1) }));
    }
    // Another model with the same signal layout (1 output + 4 bindings): a valid proof, for another key.
    const trees = await ModelProver.load(bundledSpecPath("credit-trees"));
    otherModel = await trees.prove({ features: applicantFeatures(test[0]!), subject: subjects[0]!, nonce: 1n });
  });

  async function deployFixture() {
    const verifier = await ethers.deployContract("CreditScoreVerifier");
    return { verifier };
  }

  const batch = (items: Item[]) => encodeBatch(items);

  it("accepts batches of 1, 2 and 4 valid proofs, as the single verifier accepts each", async function () {
    const { verifier } = await networkHelpers.loadFixture(deployFixture);
    for (const p of proofs) expect(await verifier.verify(p.proofBytes, p.publicSignals)).to.equal(true);
    for (const n of [1, 2, 4]) {
      const b = batch(proofs.slice(0, n));
      expect(await verifier.verifyBatch(b.proofs, b.publicSignals), `batch of ${n}`).to.equal(true);
    }
  });

  it("rejects a batch in which one proof is forged (its subject changed), wherever it sits", async function () {
    const { verifier } = await networkHelpers.loadFixture(deployFixture);
    for (const at of [0, 3]) {
      const items: Item[] = proofs.map((p) => ({ proofBytes: p.proofBytes, publicSignals: [...p.publicSignals] }));
      items[at]!.publicSignals[3] = items[at]!.publicSignals[3]! + 1n; // subject
      const b = batch(items);
      expect(await verifier.verifyBatch(b.proofs, b.publicSignals), `forged at ${at}`).to.equal(false);
    }
  });

  it("rejects two invalid proofs whose errors would cancel under fixed coefficients (C swapped between them)", async function () {
    const { verifier } = await networkHelpers.loadFixture(deployFixture);
    // With every coefficient 1, sum_i C_i is unchanged by the swap and the product equation would hold.
    const w1 = decodeProofWords(proofs[1]!.proofBytes);
    const w2 = decodeProofWords(proofs[2]!.proofBytes);
    const swapped1 = encodeProofWords([...w1.slice(0, 6), ...w2.slice(6)]);
    const swapped2 = encodeProofWords([...w2.slice(0, 6), ...w1.slice(6)]);
    expect(await verifier.verify(swapped1, proofs[1]!.publicSignals)).to.equal(false);
    const b = batch([
      proofs[0]!,
      { proofBytes: swapped1, publicSignals: proofs[1]!.publicSignals },
      { proofBytes: swapped2, publicSignals: proofs[2]!.publicSignals },
    ]);
    expect(await verifier.verifyBatch(b.proofs, b.publicSignals)).to.equal(false);
  });

  it("rejects a batch holding a valid proof of another model (credit-trees, same signal layout)", async function () {
    const { verifier } = await networkHelpers.loadFixture(deployFixture);
    const b = batch([proofs[0]!, proofs[1]!, otherModel]);
    expect(await verifier.verifyBatch(b.proofs, b.publicSignals)).to.equal(false);
    // Even with the statement's model commitment rewritten to credit-score's: the key differs.
    const disguised = { proofBytes: otherModel.proofBytes, publicSignals: [...otherModel.publicSignals] };
    disguised.publicSignals[1] = proofs[0]!.publicSignals[1]!;
    const d = batch([proofs[0]!, disguised]);
    expect(await verifier.verifyBatch(d.proofs, d.publicSignals)).to.equal(false);
  });

  it("accepts a re-randomised copy (-A, -B) as a valid proof: replay is refused by statement, in the hub", async function () {
    const { verifier } = await networkHelpers.loadFixture(deployFixture);
    const w = decodeProofWords(proofs[0]!.proofBytes);
    const negated = encodeProofWords([w[0]!, BASE_FIELD_MODULUS - w[1]!, w[2]!, w[3]!, BASE_FIELD_MODULUS - w[4]!, BASE_FIELD_MODULUS - w[5]!, w[6]!, w[7]!]);
    expect(negated).to.not.equal(proofs[0]!.proofBytes);
    const b = batch([proofs[0]!, { proofBytes: negated, publicSignals: proofs[0]!.publicSignals }]);
    expect(await verifier.verifyBatch(b.proofs, b.publicSignals)).to.equal(true);
  });

  it("rejects a signal >= r (x + r aliases x) and a coordinate >= q (a second encoding of a point)", async function () {
    const { verifier } = await networkHelpers.loadFixture(deployFixture);
    const aliased = { proofBytes: proofs[1]!.proofBytes, publicSignals: [...proofs[1]!.publicSignals] };
    aliased.publicSignals[4] = aliased.publicSignals[4]! + FIELD_MODULUS; // nonce + r
    const s = batch([proofs[0]!, aliased]);
    expect(await verifier.verifyBatch(s.proofs, s.publicSignals)).to.equal(false);

    const w = decodeProofWords(proofs[0]!.proofBytes);
    for (const k of [0, 1, 6]) {
      // k = 0: A's x of the UNRANDOMISED first proof, which never passes through ecMul.
      const b = batch([withWord(proofs[0]!, k, w[k]! + BASE_FIELD_MODULUS), proofs[1]!]);
      expect(await verifier.verifyBatch(b.proofs, b.publicSignals), `word ${k} + q`).to.equal(false);
    }
  });

  it("rejects points off the curve and the zero proof", async function () {
    const { verifier } = await networkHelpers.loadFixture(deployFixture);
    for (const at of [0, 1]) {
      const b = batch([withWord(proofs[at]!, 7, 1n), proofs[at === 0 ? 1 : 0]!]);
      expect(await verifier.verifyBatch(b.proofs, b.publicSignals), `C off the curve at ${at}`).to.equal(false);
    }
    const zero = { proofBytes: encodeProofWords(Array(8).fill(0n)), publicSignals: proofs[1]!.publicSignals };
    const z = batch([proofs[0]!, zero]);
    expect(await verifier.verifyBatch(z.proofs, z.publicSignals)).to.equal(false);
  });

  it("refuses malformed batches with custom errors", async function () {
    const { verifier } = await networkHelpers.loadFixture(deployFixture);
    await expect(verifier.verifyBatch("0x", [])).to.be.revertedWithCustomError(verifier, "InferenceVerifierInvalidBatch").withArgs(5n, 0n);
    const b = batch(proofs.slice(0, 2));
    await expect(verifier.verifyBatch(b.proofs, b.publicSignals.slice(0, 9)))
      .to.be.revertedWithCustomError(verifier, "InferenceVerifierInvalidBatch")
      .withArgs(5n, 9n);
    await expect(verifier.verifyBatch(b.proofs.slice(0, -64), b.publicSignals))
      .to.be.revertedWithCustomError(verifier, "InferenceVerifierInvalidProofLength")
      .withArgs(512n, 480n);
  });

  it("is regenerated identically from the verification key, and bound to that key's hash (key hygiene)", function () {
    const source = readFileSync(artifactPath("credit-score", "batchVerifier"), "utf8");
    const vkey = JSON.parse(readFileSync(artifactPath("credit-score", "vkey"), "utf8"));
    const importLine = /import \{IBatchInferenceVerifier\} from "([^"]+)";/.exec(source)![1]!;
    const provenance = /verification key of (.+)\.\n/.exec(source)![1]!;
    expect(groth16BatchVerifierSource({ vkey, interfaceImport: importLine, provenance })).to.equal(source);
    expect(source).to.contain(`_VK_HASH = ${verificationKeyHash(vkey)};`);
    const other = JSON.parse(readFileSync(artifactPath("credit-trees", "vkey"), "utf8"));
    expect(verificationKeyHash(other)).to.not.equal(verificationKeyHash(vkey));
    expect(() => groth16BatchVerifierSource({ vkey: { ...vkey, protocol: "plonk" }, interfaceImport: "x", provenance: "x" })).to.throw(
      RangeError,
      "groth16 bn128",
    );
  });

  it("uses n + 3 pairings: the marginal gas of a proof is about one pairing and two scalar multiplications", async function () {
    const { verifier } = await networkHelpers.loadFixture(deployFixture);
    const gas = async (n: number) => {
      const b = batch(proofs.slice(0, n));
      return verifier.verifyBatch.estimateGas(b.proofs, b.publicSignals);
    };
    const [g2, g4] = [await gas(2), await gas(4)];
    const marginal = (g4 - g2) / 2n;
    console.log(`      verifyBatch: n=2 ${g2} gas, n=4 ${g4} gas, ${marginal} per extra proof`);
    // 34,000 (pairing) + 2 x 6,000 (ecMul) + 150 (ecAdd) + calldata and hashing: well under a single check (~207k).
    expect(marginal).to.be.greaterThan(46_000n);
    expect(marginal).to.be.lessThan(56_000n);
  });
});
