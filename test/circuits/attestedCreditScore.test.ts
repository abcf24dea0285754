/**
 * The attested credit-score circuit (docs/ATTESTATION.md): the soundness suite every model runs, and
 * the attestation's own attacks. Method (docs/SECURITY.md): compute an honest witness, change what an
 * attacker would change, and require the R1CS constraints (not the witness generator's asserts) to fail.
 */
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import { WitnessCalculatorBuilder } from "circom_runtime";
import { buildBabyjub } from "circomlibjs";
import { decodePublicSignals, publicSignalCount } from "../../prover/abi/publicSignals.js";
import { bundledSpecPath } from "../../prover/artifacts/paths.js";
import { SUBGROUP_ORDER, signAttestationMessage } from "../../prover/attest/attestation.js";
import { compileCircuit } from "../../prover/circuit/compile.js";
import { changeViolates, firstViolatedConstraint, loadR1cs, loadSymbols } from "../../prover/circuit/r1cs.js";
import { compileSpec, randomBetween, rng, testAttesterKey, type CompiledModel } from "../helpers/circuits.js";
import { soundnessSuite } from "./soundness.js";

const SPEC = bundledSpecPath("credit-score-attested");
const SUBJECT = 0x70997970c51812dc3a010c7d01b50e0d17dc79c8n;
const OTHER_SUBJECT = 0x3c44cdddb6a900fa2b585dd299e03d12fa4293bcn;

describe("circuit: bundled credit-score-attested model", () => {
  // The same weights as credit-score, whose suite runs 200 random inputs: fewer here keep CI short.
  // circomlib's IsZero computes out = 1 - in * inv with in * out = 0: when in = 0 (the two sides of
  // the signature equation agree, as in every valid witness) inv is free, but out is 1 whatever inv
  // is, so no other signal, and nothing public, can change with it.
  const isZeroInverse = "IsZero's inverse: free only when its input is 0, and its output is 1 whatever the inverse";
  soundnessSuite({
    specPath: SPEC,
    nonLinearConstraints: 6160,
    randomInputs: 40,
    harmlessFreeSignals: {
      "main.attestation.signature.eqCheckX.isz.inv": isZeroInverse,
      "main.attestation.signature.eqCheckY.isz.inv": isZeroInverse,
    },
  });

  describe("attestation", () => {
    let m: CompiledModel;
    let inputs: bigint[];
    let honest: bigint[];

    before(async function () {
      this.timeout(300_000);
      m = await compileSpec(SPEC);
      const next = rng(7);
      inputs = m.ir.features.map((f) => randomBetween(next, f.qmin, f.qmax));
      honest = await m.witness(inputs, { subject: SUBJECT });
    });

    /**
     * A witness an attacker could assemble: everything outside the signature check computed honestly
     * for the changed statement (the witness generator does that when the changed statement is
     * signed too), and the signature check's inputs and internal signals copied from the honest
     * witness, i.e. the attester's real signature over the original statement. Only the seam between
     * the two can fail: the signed message must be the hash of what the circuit computed on.
     */
    function withRealSignature(forged: bigint[]): bigint[] {
      const w = forged.slice();
      for (const [name, wire] of m.symbols) {
        if (/^main\.(attestation\.|attesterA[xy]$|signature(R8x|R8y|S)$)/.test(name)) w[wire] = honest[wire]!;
      }
      return w;
    }

    it("accepts the honest witness and exposes attesterKeyHash and validity (issuedAt, expiresAt) after nonce", async () => {
      expect(m.check(honest)).to.equal(-1);
      const count = publicSignalCount(1, { attested: true });
      const decoded = decodePublicSignals(honest.slice(1, 1 + count), 1, { attested: true });
      const key = await testAttesterKey();
      expect(decoded.subject).to.equal(SUBJECT);
      expect(decoded.attestation).to.deep.equal({ attesterKeyHash: key.keyHash, issuedAt: 1_700_000_000n, expiresAt: 1_800_000_000n });
    });

    it("rejects a witness whose feature differs from the signed one, for every feature", async () => {
      for (const [i, f] of m.ir.features.entries()) {
        const changed = inputs.slice();
        changed[i] = changed[i] === f.qmax ? f.qmin : changed[i]! + 1n;
        const forged = await m.witness(changed, { subject: SUBJECT });
        expect(m.check(forged), `the changed statement, signed, is a valid witness (${f.name})`).to.equal(-1);
        expect(m.check(withRealSignature(forged)), `feature ${f.name} changed after signing`).to.not.equal(-1);
      }
    });

    it("rejects an attestation issued for another subject", async () => {
      const forged = await m.witness(inputs, { subject: OTHER_SUBJECT });
      expect(m.check(forged)).to.equal(-1);
      expect(m.check(withRealSignature(forged))).to.not.equal(-1);
    });

    it("rejects a changed issuedAt or expiresAt (a stretched validity window)", async () => {
      // The public validity follows (the witness helper packs what it signs); the real signature
      // covers the original window.
      for (const window of [{ issuedAt: 1_600_000_000n }, { expiresAt: 1_900_000_000n }]) {
        const forged = await m.witness(inputs, { subject: SUBJECT, attestation: window });
        expect(m.check(forged)).to.equal(-1);
        expect(
          m.check(withRealSignature(forged)),
          JSON.stringify(window, (_k, v) => String(v)),
        ).to.not.equal(-1);
      }
    });

    it("rejects an attesterKeyHash other than the signing key's (a trusted key's hash over an untrusted signature)", async () => {
      const trusted = await testAttesterKey(2);
      const wire = m.symbols.get("main.attesterKeyHash")!;
      expect(changeViolates(m.r1cs, honest, wire, trusted.keyHash)).to.equal(true);
    });

    it("rejects a signature by another key presented with the signer's public key but the trusted key's hash", async () => {
      const trusted = await testAttesterKey(2);
      const other = await testAttesterKey(3);
      // The generator computes the witness with the claimed (wrong) hash only if constraints allow it.
      let refused = false;
      await m.witness(inputs, { subject: SUBJECT, attestation: { key: other, override: { attesterKeyHash: trusted.keyHash } } }).catch(() => (refused = true));
      expect(refused).to.equal(true);
      // Signed by `other` and carrying its own hash, the circuit accepts: trust is the hub's call.
      const w = await m.witness(inputs, { subject: SUBJECT, attestation: { key: other } });
      expect(m.check(w)).to.equal(-1);
      expect(w[m.symbols.get("main.attesterKeyHash")!]).to.equal(other.keyHash);
    });

    it("rejects a validity signal other than the packed signed window, and timestamps of 2^64 or more", async () => {
      const wire = m.symbols.get("main.validity")!;
      expect(changeViolates(m.r1cs, honest, wire, honest[wire]! + 1n)).to.equal(true);
      // issuedAt = 2^64 with expiresAt = 0 packs to the same number as issuedAt = 2^64 - 1 with
      // expiresAt = 2^64 (wrapping the low half): the range checks refuse the wrapped pair.
      let refused = false;
      await m.witness(inputs, { subject: SUBJECT, attestation: { issuedAt: 1_700_000_000n, expiresAt: 1n << 64n } }).catch(() => (refused = true));
      expect(refused).to.equal(true);
      const issuedWire = m.symbols.get("main.issuedAt")!;
      expect(changeViolates(m.r1cs, honest, issuedWire, honest[issuedWire]! + (1n << 64n))).to.equal(true);
    });

    it("rejects R8 off the curve (the prover's verifier refuses it, so the circuit must too)", () => {
      const wire = m.symbols.get("main.signatureR8x")!;
      expect(changeViolates(m.r1cs, honest, wire, honest[wire]! + 1n)).to.equal(true);
    });
  });
});

describe("circuit: circomlib EdDSAPoseidonVerifier, as AttestationCheck uses it", () => {
  it("rejects S + l (S not below the subgroup order) by a constraint, though (S + l) * B8 = S * B8", async function () {
    this.timeout(300_000);
    // A main component with `enabled` as a public input, so that a witness can be computed with the
    // checks disabled (the generator's asserts would refuse S + l) and then switched on: exactly the
    // witness a malicious prover would hand to the prover, with AttestationCheck's enabled = 1.
    const dir = mkdtempSync(join(tmpdir(), "zkinfer-eddsa-"));
    const source = join(dir, "eddsa.circom");
    writeFileSync(
      source,
      'pragma circom 2.2.0;\ninclude "circomlib/circuits/eddsaposeidon.circom";\ncomponent main {public [enabled]} = EdDSAPoseidonVerifier();\n',
    );
    await compileCircuit({ source, outDir: dir });
    const r1cs = await loadR1cs(join(dir, "eddsa.r1cs"));
    const symbols = loadSymbols(join(dir, "eddsa.sym"));
    const wc = await WitnessCalculatorBuilder(readFileSync(join(dir, "eddsa_js", "eddsa.wasm")));

    const key = await testAttesterKey();
    const message = 123456789n;
    const sig = await signAttestationMessage(key, message);

    const witnessFor = async (S: bigint) => {
      const w: bigint[] = await wc.calculateWitness(
        { enabled: 0n, Ax: key.publicKey.x, Ay: key.publicKey.y, S, R8x: sig.R8.x, R8y: sig.R8.y, M: message },
        true,
      );
      w[symbols.get("main.enabled")!] = 1n;
      return w;
    };
    // S + l is a genuine malleation: the same point, so only the range check on S stops it.
    const babyJub = await buildBabyjub();
    const left = babyJub.mulPointEscalar(babyJub.Base8, sig.S);
    const malleated = babyJub.mulPointEscalar(babyJub.Base8, sig.S + SUBGROUP_ORDER);
    expect(babyJub.F.eq(left[0], malleated[0]) && babyJub.F.eq(left[1], malleated[1])).to.equal(true);

    expect(firstViolatedConstraint(r1cs, await witnessFor(sig.S)), "the real signature, checks on").to.equal(-1);
    expect(firstViolatedConstraint(r1cs, await witnessFor(sig.S + SUBGROUP_ORDER)), "S + l, checks on").to.not.equal(-1);
  });
});
