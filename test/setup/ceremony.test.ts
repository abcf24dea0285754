/**
 * `zkinfer ceremony`: a three-party phase 2 run as three separate processes with their own entropy,
 * verified and finalized; and the attacks on a ceremony folder (a tampered contribution, a contribution
 * made on a stale zkey, a wrong ptau, a wrong r1cs), each detected with the failing step named.
 * Circuit: the public-inputs fixture (69 constraints, ptau 2^8).
 */
import { cpSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { expect } from "chai";
import { artifactPath, ceremonyPath, devPtauPath } from "../../prover/artifacts/paths.js";
import { sha256File } from "../../prover/setup/groth16.js";
import { blake2bFile, resolvePtau } from "../../prover/setup/ptau.js";
import { isolatedBuild, lastJsonLine, withBuildRoot, zkinferCli } from "../helpers/cli.js";

const spec = fileURLToPath(new URL("../fixtures/public-inputs.json", import.meta.url));

interface Report {
  valid: boolean;
  circuit: string;
  ptau: string;
  contributions: { name: string; hash: string }[];
  beacon: string | null;
  error: string | null;
}

describe("zkinfer ceremony", function () {
  this.timeout(300_000);
  const work = mkdtempSync(join(tmpdir(), "zkinfer-ceremony-"));
  const dir = join(work, "ceremony");
  let root: string;
  let r1cs: string;
  let env: NodeJS.ProcessEnv;
  /** Copies of the ceremony folder at given points, to attack without touching the honest one. */
  let afterOne: string;
  let afterThree: string;
  const hashes: string[] = [];

  const verify = async (folder: string, ...extra: string[]) => {
    const r = await zkinferCli(["ceremony", "verify", folder, "--json", ...extra], env);
    return { code: r.code, report: lastJsonLine<Report>(r.stdout) };
  };
  const snapshot = (name: string) => {
    const copy = join(work, name);
    cpSync(dir, copy, { recursive: true });
    return copy;
  };
  const editTranscript = (folder: string, edit: (t: Record<string, any>) => void) => {
    const path = ceremonyPath(folder, "transcript");
    const t = JSON.parse(readFileSync(path, "utf8"));
    edit(t);
    writeFileSync(path, JSON.stringify(t));
  };

  before(async () => {
    await resolvePtau({ power: 8 });
    root = await isolatedBuild(spec, "public-inputs");
    r1cs = await withBuildRoot(root, () => artifactPath("public-inputs", "r1cs"));
    env = { ZKINFER_BUILD_DIR: root };
  });
  after(() => {
    rmSync(work, { recursive: true, force: true });
    rmSync(root, { recursive: true, force: true });
  });

  it("runs init and three contributions in separate processes, each with its own entropy and published hash", async () => {
    const init = await zkinferCli(["ceremony", "init", spec, "--ptau", devPtauPath(8), "--out", dir], env);
    expect(init.code, init.stderr).to.equal(0);
    expect(init.stdout).to.include("ptau 2^8 (development)");

    const entropy = join(work, "dice.txt");
    writeFileSync(entropy, "4 6 1 3 3 5 2 6 6 1");
    for (const [name, extra] of [
      ["alice", []],
      ["bob", ["--entropy-file", entropy]],
      ["carol", []],
    ] as const) {
      const r = await zkinferCli(["ceremony", "contribute", dir, "--name", name, ...extra], env);
      expect(r.code, r.stderr).to.equal(0);
      const hash = /hash:\n([0-9a-f]{128})\n/.exec(r.stdout)?.[1];
      expect(hash, r.stdout).to.be.a("string");
      hashes.push(hash!);
      if (name === "alice") afterOne = snapshot("after-one");
    }
    expect(new Set(hashes).size).to.equal(3);
    afterThree = snapshot("after-three");
    // Nothing but the keys and the transcript is written: no entropy, no toxic waste.
    expect(readdirSync(dir).sort()).to.deep.equal(["circuit_0000.zkey", "circuit_0001.zkey", "circuit_0002.zkey", "circuit_0003.zkey", "transcript.json"]);
  });

  it("verifies the chain and lists every contributor with the hash they published", async () => {
    const { code, report } = await verify(dir);
    expect(code).to.equal(0);
    expect(report).to.include({ valid: true, beacon: null, error: null });
    expect(report.contributions).to.deep.equal([
      { name: "alice", hash: hashes[0] },
      { name: "bob", hash: hashes[1] },
      { name: "carol", hash: hashes[2] },
    ]);
    expect(report.ptau).to.equal(await blake2bFile(devPtauPath(8)));
    expect(report.circuit).to.match(/^[0-9a-f]{128}$/);
  });

  it("finalizes with a beacon: the model's build then uses the ceremony's key and generates its verifier from it", async () => {
    const r = await zkinferCli(["ceremony", "finalize", dir, "--beacon", "5eed" + "00".repeat(30), "--iterations", "10"], env);
    expect(r.code, r.stderr).to.equal(0);
    const { code, report } = await verify(dir);
    expect(code).to.equal(0);
    expect(report).to.include({ valid: true, beacon: "5eed" + "00".repeat(30) });

    const finalSha = sha256File(ceremonyPath(dir, "finalZkey"));
    await withBuildRoot(root, () => {
      const setup = JSON.parse(readFileSync(artifactPath("public-inputs", "setupInfo"), "utf8"));
      expect(setup).to.include({ setup: "ceremony", contributions: 3, zkeySha256: finalSha });
      expect(sha256File(artifactPath("public-inputs", "zkey"))).to.equal(finalSha);
      expect(readFileSync(artifactPath("public-inputs", "verifierContract"), "utf8")).to.include(`zkey sha256 ${finalSha}`);
      expect(readFileSync(artifactPath("public-inputs", "vkey"), "utf8")).to.equal(readFileSync(ceremonyPath(dir, "vkey"), "utf8"));
    });
    const again = await zkinferCli(["ceremony", "contribute", dir, "--name", "dave"], env);
    expect(again.code).to.equal(1);
    expect(again.stderr).to.include("is finalized");
  });

  it("detects a tampered contribution: a replaced file, and an altered key whose transcript was updated to match", async () => {
    const replaced = join(work, "replaced");
    cpSync(afterThree, replaced, { recursive: true });
    const zkey2 = ceremonyPath(replaced, "zkey", 2);
    const bytes = readFileSync(zkey2);
    bytes[Math.floor(bytes.length / 2)]! ^= 0x01;
    writeFileSync(zkey2, bytes);
    const a = await verify(replaced);
    expect(a.code).to.equal(1);
    expect(a.report.valid).to.equal(false);
    expect(a.report.error).to.match(/^contribution 2 \(bob\): .*sha256 differs/);

    // The attacker also rewrites the transcript's file hash: snarkjs's own check still fails.
    editTranscript(replaced, (t) => (t.contributions[1].sha256 = sha256File(zkey2)));
    editTranscript(replaced, (t) => (t.contributions[2].previousSha256 = sha256File(zkey2)));
    const b = await verify(replaced);
    expect(b.code).to.equal(1);
    expect(b.report.error).to.match(/^contribution 2 \(bob\): snarkjs zkey verify failed/);
  });

  it("detects a contribution made on a stale zkey, even with a transcript that claims otherwise", async () => {
    // Mallory contributes on the folder as it was after alice, then her key is passed off as #3.
    const stale = join(work, "stale");
    cpSync(afterOne, stale, { recursive: true });
    const m = await zkinferCli(["ceremony", "contribute", stale, "--name", "mallory"], env);
    expect(m.code, m.stderr).to.equal(0);
    const mallory = JSON.parse(readFileSync(ceremonyPath(stale, "transcript"), "utf8")).contributions[1];

    const forged = join(work, "forged");
    cpSync(afterThree, forged, { recursive: true });
    cpSync(ceremonyPath(stale, "zkey", 2), ceremonyPath(forged, "zkey", 3));
    const honest = JSON.parse(readFileSync(ceremonyPath(forged, "transcript"), "utf8"));
    editTranscript(forged, (t) => (t.contributions[2] = { ...mallory, previousSha256: honest.contributions[1].sha256 }));
    const { code, report } = await verify(forged);
    expect(code).to.equal(1);
    expect(report.error).to.match(/^contribution 3 \(mallory\): its zkey holds 2 contribution\(s\) where the transcript has 3: it was made on a stale zkey/);

    // Recorded as made on alice's key: the transcript chain itself names it stale.
    editTranscript(forged, (t) => (t.contributions[2].previousSha256 = mallory.previousSha256));
    expect((await verify(forged)).report.error).to.match(/^contribution 3 \(mallory\): it was made on a stale zkey/);
  });

  it("detects a wrong ptau, given on the command line or written into the transcript", async () => {
    await resolvePtau({ power: 11 });
    const other = devPtauPath(11);
    const a = await verify(dir, "--ptau", other);
    expect(a.code).to.equal(1);
    expect(a.report.error).to.match(/^ptau: .* is not the phase-1 file this ceremony was run with/);

    const swapped = join(work, "swapped-ptau");
    cpSync(dir, swapped, { recursive: true });
    const otherHash = await blake2bFile(other);
    editTranscript(swapped, (t) => Object.assign(t.ptau, { path: other, blake2b: otherHash, power: 11 }));
    const b = await verify(swapped);
    expect(b.code).to.equal(1);
    expect(b.report.error).to.match(/^initial zkey: .* does not derive from this r1cs and ptau/);
  });

  it("detects a wrong r1cs, given on the command line or written into the transcript", async () => {
    const wrong = join(work, "wrong.r1cs");
    const bytes = readFileSync(r1cs);
    // One byte in the middle of the constraints section changed: another circuit with the same shape.
    bytes[constraintsSectionMiddle(bytes)]! ^= 0x01;
    writeFileSync(wrong, bytes);
    const a = await verify(dir, "--r1cs", wrong);
    expect(a.code).to.equal(1);
    expect(a.report.error).to.match(/^circuit: .* is not the circuit this ceremony was run for/);

    const swapped = join(work, "swapped-r1cs");
    cpSync(dir, swapped, { recursive: true });
    editTranscript(swapped, (t) => (t.circuit.r1csSha256 = sha256File(wrong)));
    const b = await verify(swapped, "--r1cs", wrong);
    expect(b.code).to.equal(1);
    expect(b.report.error).to.match(/^initial zkey: /);
  });

  it("rejects bad command lines with one line and exit code 2", async () => {
    const r = await zkinferCli(["ceremony", "contribute", dir], env);
    expect(r.code).to.equal(2);
    expect(r.stderr.trim().split("\n")).to.have.length(1);
    expect(r.stderr).to.include("contribute needs --name");
    const bad = await zkinferCli(["ceremony", "finalize", afterThree, "--beacon", "xyz"], env);
    expect(bad.code).to.equal(1);
    expect(bad.stderr).to.include("--beacon must be 1 to 255 bytes of hex");
    expect(existsSync(ceremonyPath(afterThree, "finalZkey"))).to.equal(false);
  });
});

/** Offset of the middle of an r1cs file's constraints section (type 2): magic, version, count, then sections of (type u32, size u64, data). */
function constraintsSectionMiddle(r1cs: Buffer): number {
  let pos = 12;
  while (pos < r1cs.length) {
    const type = r1cs.readUInt32LE(pos);
    const size = Number(r1cs.readBigUInt64LE(pos + 4));
    if (type === 2) return pos + 12 + Math.floor(size / 2);
    pos += 12 + size;
  }
  throw new Error("no constraints section");
}
