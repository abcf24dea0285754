/**
 * zkinfer's own FFLONK verifier (prover/setup/fflonkVerifier.ts) against the two verifiers it replaces,
 * on real snarkjs proofs of the tiny-fflonk fixture: snarkjs's JS verifier (snarkjs.fflonk.verify, the
 * reference of the math) and snarkjs's Solidity template behind PlonkFamilyVerifierAdapter (what the
 * build deployed before). Every one of the 24 proof words and every public signal is mutated (+1, the
 * base field modulus p, the scalar field modulus r, 0), and the three answers are compared.
 *
 * Where the answers may differ, by design, and what is asserted instead:
 *   - `inv`, the prover's batch inverse: the JS verifier recomputes its inverses and never reads it,
 *     so it accepts any inv; both contracts check it (acc * inv == 1) and must reject every change;
 *   - a non-canonical word (a coordinate + p, an evaluation + r): the JS verifier reduces it and
 *     accepts; both contracts refuse words outside their field.
 * Everything else must be answered identically by all three.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { expect } from "chai";
import { ContractFactory, type BaseContract } from "ethers";
import { network } from "hardhat";
import * as snarkjs from "snarkjs";
import type { Hex } from "viem";
import { REPO_ROOT, artifactPath } from "../../prover/artifacts/paths.js";
import { buildModel, type BuiltModel } from "../../prover/build/buildModel.js";
import { compileContract, compileModelVerifier, localVerifierRuntime, sameRuntimeCode, type CompiledContract } from "../../prover/chain/compileVerifier.js";
import { ZkinferError } from "../../prover/errors.js";
import { FIELD_MODULUS as R } from "../../prover/field.js";
import { decodeProof, type FflonkProof } from "../../prover/prove/calldata.js";
import { ModelProver, type ProveReturnType } from "../../prover/prove/prover.js";
import { FFLONK_MAX_PUBLIC_SIGNALS, fflonkVerifierSource, type FflonkVerificationKey } from "../../prover/setup/fflonkVerifier.js";
import { exportSolidityVerifier } from "../../prover/setup/groth16.js";
import { BASE_FIELD_MODULUS as P } from "../../prover/setup/groth16Batch.js";
import { withBuildRoot } from "../helpers/cli.js";

const { ethers } = await network.create();

const specPath = fileURLToPath(new URL("../fixtures/tiny-fflonk.json", import.meta.url));
const WORDS = [
  "C1.x",
  "C1.y",
  "C2.x",
  "C2.y",
  "W1.x",
  "W1.y",
  "W2.x",
  "W2.y",
  "ql",
  "qr",
  "qm",
  "qo",
  "qc",
  "s1",
  "s2",
  "s3",
  "a",
  "b",
  "c",
  "z",
  "zw",
  "t1w",
  "t2w",
  "inv",
];
const INV = 23;
const MUTATIONS: [string, (w: bigint) => bigint][] = [
  ["+1", (w) => w + 1n],
  ["p", () => P],
  ["r", () => R],
  ["0", () => 0n],
];

function wordsOf(proofBytes: string): bigint[] {
  return Array.from({ length: 24 }, (_, k) => BigInt(`0x${proofBytes.slice(2 + 64 * k, 66 + 64 * k)}`));
}
function bytesOf(words: readonly bigint[]): Hex {
  return `0x${words.map((w) => (w % 2n ** 256n).toString(16).padStart(64, "0")).join("")}`;
}
function withWords(proofBytes: string, changes: Record<number, bigint>): Hex {
  const words = wordsOf(proofBytes);
  for (const [i, v] of Object.entries(changes)) words[Number(i)] = v;
  return bytesOf(words);
}

describe("zkinfer's FFLONK verifier, differential against snarkjs (real proofs)", function () {
  this.timeout(600_000);
  let built: BuiltModel;
  let prover: ModelProver;
  let vkey: object;
  const proofs: ProveReturnType[] = [];
  let ours: BaseContract;
  let template: BaseContract;

  before(async () => {
    built = await buildModel({ specPath });
    prover = await ModelProver.load(specPath);
    vkey = prover.verificationKey as object;
    // Several statements: other features, subjects and nonces (a fresh blinding each time).
    const statements = [
      { features: { income: 100, debt: 20 }, subject: "0x00000000000000000000000000000000000000b7", nonce: 1n },
      { features: { income: 3, debt: 190 }, subject: "0x00000000000000000000000000000000000000c8", nonce: 7n },
      { features: { income: 200, debt: 0 }, subject: "0x00000000000000000000000000000000000000d9", nonce: 2n ** 200n },
    ];
    for (const s of statements) proofs.push(await prover.prove(s));

    const [owner] = await ethers.getSigners();
    const deploy = async (c: CompiledContract) => (await new ContractFactory(c.abi as never, c.bytecode, owner).deploy()).waitForDeployment();
    ours = await deploy(compileModelVerifier(built.name));
    // The verifier the build generated before issue 15: snarkjs's template behind the self-call adapter.
    const dir = mkdtempSync(join(tmpdir(), "zkinfer-fflonk-template-"));
    writeFileSync(join(dir, "SnarkjsVerifier.sol"), await exportSolidityVerifier(artifactPath(built.name, "zkey")));
    const adapter = join(REPO_ROOT, "contracts", "verifiers", "PlonkFamilyVerifierAdapter.sol");
    const n = proofs[0]!.publicSignals.length;
    writeFileSync(
      join(dir, "TemplateVerifier.sol"),
      `// SPDX-License-Identifier: MIT\npragma solidity ^0.8.28;\nimport {FflonkVerifier} from "./SnarkjsVerifier.sol";\nimport {PlonkFamilyVerifierAdapter} from "${adapter}";\n` +
        `contract TemplateVerifier is FflonkVerifier, PlonkFamilyVerifierAdapter(${n}) {\n` +
        `    function verify(bytes calldata proof, uint256[] calldata publicSignals) external view returns (bool) {\n` +
        `        return _verifyBySelfCall(FflonkVerifier.verifyProof.selector, proof, publicSignals);\n    }\n}\n`,
    );
    template = await deploy(compileContract(join(dir, "TemplateVerifier.sol"), "TemplateVerifier"));
  });

  /** The three verifiers' answers; ours must answer (a revert here fails the test), the others may throw (false). */
  async function answers(proofBytes: string, publicSignals: readonly bigint[]) {
    const js = await snarkjs.fflonk.verify(vkey, publicSignals.map(String), decodeProof(proofBytes, "fflonk") as FflonkProof).catch(() => false);
    const sol = (await ours.getFunction("verify")(proofBytes, publicSignals)) as boolean;
    const tpl = await (template.getFunction("verify")(proofBytes, publicSignals) as Promise<boolean>).catch(() => false);
    return { js, ours: sol, template: tpl };
  }

  it("generates the deployed contract from the key alone: the build's file is the generator's output, with no snarkjs template", async () => {
    const file = artifactPath(built.name, "verifierContract");
    const source = readFileSync(file, "utf8");
    expect(source).to.contain("AUTO-GENERATED by zkinfer (prover/setup/fflonkVerifier.ts) from model tiny-fflonk, zkey sha256 ");
    expect(source).to.contain(`contract TinyFflonkVerifier is IInferenceVerifier`);
    expect(source).to.not.contain("import {FflonkVerifier}");
    const regenerated = fflonkVerifierSource({
      vkey: JSON.parse(readFileSync(artifactPath(built.name, "vkey"), "utf8")),
      contractName: "TinyFflonkVerifier",
      interfaceImport: source.match(/import \{IInferenceVerifier\} from "([^"]+)"/)![1]!,
      provenance: source.match(/from (model tiny-fflonk, zkey sha256 [0-9a-f]{64})\./)![1]!,
    });
    expect(regenerated).to.equal(source);
  });

  it("refuses to generate from a key whose roots of unity break the closed forms, or that is not FFLONK", () => {
    const key = JSON.parse(readFileSync(artifactPath(built.name, "vkey"), "utf8")) as FflonkVerificationKey;
    const generate = (changes: Partial<FflonkVerificationKey>) => () =>
      fflonkVerifierSource({ vkey: { ...key, ...changes }, contractName: "X", interfaceImport: "./I.sol", provenance: "test" });
    expect(generate({})).to.not.throw();
    const w = BigInt(key.w);
    expect(generate({ w: String((w * w) % R) })).to.throw(RangeError, "primitive 2^power-th root");
    expect(generate({ power: key.power + 1 })).to.throw(RangeError, "primitive 2^power-th root");
    expect(generate({ w8: key.w4 })).to.throw(RangeError, "w8^4 = -1");
    expect(generate({ w4: key.w8 })).to.throw(RangeError, "w4^2 = -1");
    expect(generate({ w3: "1" })).to.throw(RangeError, "primitive cube root");
    expect(generate({ wr: key.w })).to.throw(RangeError, "wr^3 = w");
    expect(generate({ k1: String(R) })).to.throw(RangeError, "not a field element");
    expect(generate({ nPublic: 0 })).to.throw(RangeError, "at least one public signal");
    // Beyond 20 signals the unrolled verifier would not fit the contract size limit.
    expect(generate({ nPublic: FFLONK_MAX_PUBLIC_SIGNALS })).to.not.throw();
    expect(generate({ nPublic: FFLONK_MAX_PUBLIC_SIGNALS + 1 })).to.throw(RangeError, `takes at most ${FFLONK_MAX_PUBLIC_SIGNALS}`);
    expect(generate({ protocol: "plonk" })).to.throw(RangeError, "not a bn128 FFLONK verification key");
  });

  it("refuses to build an FFLONK model with more public signals than a deployable verifier takes, before any setup", async () => {
    const spec = JSON.parse(readFileSync(fileURLToPath(new URL("../fixtures/tiny-fflonk.json", import.meta.url)), "utf8"));
    // 17 public inputs + 1 output + the 4 binding signals = 22 public signals.
    const features = Array.from({ length: 17 }, (_, i) => ({ name: `f${i}`, unit: "x", min: 0, max: 200 }));
    const wide = {
      ...spec,
      name: "wide-fflonk",
      features,
      layers: [
        { type: "dense", weights: [features.map(() => 0.01)], bias: [0] },
        { type: "output", outputs: [{ name: "score", unit: "logit" }] },
      ],
    };
    const dir = mkdtempSync(join(tmpdir(), "zkinfer-wide-fflonk-"));
    try {
      const specPath = join(dir, "wide-fflonk.json");
      writeFileSync(specPath, JSON.stringify(wide));
      await withBuildRoot(dir, async () => {
        const logged: string[] = [];
        const refused = await buildModel({ specPath, log: (l) => logged.push(l) }).then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(refused).to.be.instanceOf(ZkinferError);
        expect((refused as Error).message).to.contain("wide-fflonk has 22 public signals; an FFLONK verifier takes at most 20");
        expect(logged.join("\n")).to.not.match(/fflonk setup|powers of tau/);
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("deploys the runtime code `zkinfer verify-deployment` rebuilds from the build's file", async () => {
    const code = (await ethers.provider.getCode(await ours.getAddress())) as Hex;
    expect(sameRuntimeCode(code, localVerifierRuntime(built.name).runtime)).to.equal(true);
  });

  it("accepts every valid proof, as snarkjs's JS verifier and its template do", async () => {
    for (const p of proofs) expect(await answers(p.proofBytes, p.publicSignals)).to.deep.equal({ js: true, ours: true, template: true });
  });

  it("answers as snarkjs for every proof word mutated (+1, p, r, 0); a changed inv is rejected by both contracts", async () => {
    let compared = 0;
    for (const p of proofs) {
      const words = wordsOf(p.proofBytes);
      for (let i = 0; i < 24; i++) {
        for (const [label, f] of MUTATIONS) {
          const mutated = withWords(p.proofBytes, { [i]: f(words[i]!) });
          const got = await answers(mutated, p.publicSignals);
          const where = `${WORDS[i]} -> ${label}`;
          expect(got.ours, where).to.equal(false);
          expect(got.template, where).to.equal(false);
          // The JS verifier never reads inv; every other change it rejects too.
          expect(got.js, where).to.equal(i === INV);
          compared++;
        }
      }
    }
    expect(compared).to.equal(proofs.length * 24 * 4);
  });

  it("answers as snarkjs for every public signal mutated (+1, r, 0, + r), whatever the hub would do first", async () => {
    for (const p of proofs.slice(0, 2)) {
      for (let j = 0; j < p.publicSignals.length; j++) {
        for (const [label, f] of [...MUTATIONS.filter(([l]) => l !== "p"), ["+r", (w: bigint) => w + R] as const]) {
          const signals = [...p.publicSignals];
          if (f(signals[j]!) === signals[j]) continue;
          signals[j] = f(signals[j]!);
          // A signal >= r: the JS verifier rejects it (publicInputsAreValid), and so does ours, itself.
          expect(await answers(p.proofBytes, signals), `signal ${j} -> ${label}`).to.deep.equal({ js: false, ours: false, template: false });
        }
      }
    }
  });

  it("rejects points off the curve and (0, 0), the precompiles' point at infinity, for each of C1, C2, W1, W2", async () => {
    const p = proofs[0]!;
    for (let k = 0; k < 4; k++) {
      for (const [label, x, y] of [
        ["(0, 0)", 0n, 0n],
        ["(1, 1)", 1n, 1n],
        ["(1, 2), a curve point, but not the proof's", 1n, 2n],
      ] as const) {
        const got = await answers(withWords(p.proofBytes, { [2 * k]: x, [2 * k + 1]: y }), p.publicSignals);
        expect(got, `${WORDS[2 * k]!.slice(0, 2)} := ${label}`).to.deep.equal({ js: false, ours: false, template: false });
      }
    }
  });

  it("rejects non-canonical words the JS verifier reduces and accepts: a coordinate + p, an evaluation + r", async () => {
    const p = proofs[0]!;
    const words = wordsOf(p.proofBytes);
    for (let i = 0; i < 24; i++) {
      const alias = words[i]! + (i < 8 ? P : R);
      if (alias >= 2n ** 256n) continue;
      const got = await answers(withWords(p.proofBytes, { [i]: alias }), p.publicSignals);
      expect({ ours: got.ours, template: got.template }, WORDS[i]).to.deep.equal({ ours: false, template: false });
      // The JS verifier reads the same field element: it accepts wherever the point or value is the proof's own.
      expect(got.js, WORDS[i]).to.equal(true);
    }
  });

  it("rejects a wrong batch inverse (inv + 1, 2 inv, another proof's inv, 1, -inv) that the JS verifier never reads", async () => {
    const [p, q] = [proofs[0]!, proofs[1]!];
    const inv = wordsOf(p.proofBytes)[INV]!;
    for (const bad of [(inv + 1n) % R, (2n * inv) % R, wordsOf(q.proofBytes)[INV]!, 1n, R - inv]) {
      const got = await answers(withWords(p.proofBytes, { [INV]: bad }), p.publicSignals);
      expect({ ours: got.ours, template: got.template }).to.deep.equal({ ours: false, template: false });
    }
  });

  it("rejects a proof under another statement's signals, and two proofs' words mixed", async () => {
    const [p, q] = [proofs[0]!, proofs[1]!];
    expect(await answers(p.proofBytes, q.publicSignals)).to.deep.equal({ js: false, ours: false, template: false });
    const [pw, qw] = [wordsOf(p.proofBytes), wordsOf(q.proofBytes)];
    // The points of one proof with the evaluations of the other (inv included, so only the math decides).
    const mixed = bytesOf([...pw.slice(0, 8), ...qw.slice(8)]);
    expect(await answers(mixed, p.publicSignals)).to.deep.equal({ js: false, ours: false, template: false });
  });

  it("refuses a wrong length or signal count with the interface's errors, as the adapter did", async () => {
    const p = proofs[0]!;
    const short = `0x${p.proofBytes.slice(2, 2 + 2 * 736)}` as Hex;
    await expect(ours.getFunction("verify")(short, p.publicSignals))
      .to.be.revertedWithCustomError(ours, "InferenceVerifierInvalidProofLength")
      .withArgs(768n, 736n);
    await expect(ours.getFunction("verify")(p.proofBytes, p.publicSignals.slice(1)))
      .to.be.revertedWithCustomError(ours, "InferenceVerifierInvalidSignalCount")
      .withArgs(BigInt(p.publicSignals.length), BigInt(p.publicSignals.length - 1));
  });

  it("costs less than the template behind its adapter (each call's gas, reported, not a timing)", async () => {
    const p = proofs[0]!;
    const gas = async (c: BaseContract) => c.getFunction("verify").estimateGas(p.proofBytes, p.publicSignals);
    const [own, tpl] = [await gas(ours), await gas(template)];
    console.log(`      verify: ours ${own} gas, snarkjs template + adapter ${tpl} gas (both transactions, 21,000 and calldata included)`);
    expect(own < tpl).to.equal(true);
  });
});
