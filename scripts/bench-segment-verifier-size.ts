/**
 * `npx tsx scripts/bench-segment-verifier-size.ts [--inline 20,26,27] [--contracts 100,273,274]`
 * (docs/SEGMENTS.md, "Keys in data contracts"): the code size of generated SegmentedVerifiers by the
 * number of distinct keys, with the keys inline and in data contracts: runtime code (EIP-170: 24,576
 * bytes) and creation code (EIP-3860: 49,152 bytes). The keys are the tiny fixture's (built with
 * `zkinfer segments build test/fixtures/segments-tiny.json --max-segment-constraints 1000 --min-segments 3`
 * first, if needed), segment 1's for every segment but the last, each with its delta shifted so that
 * they are distinct (the size does not depend on the keys being valid). Compiles with solc as deploy does.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { REPO_ROOT, artifactPath } from "../prover/artifacts/paths.js";
import { compileContract } from "../prover/chain/compileVerifier.js";
import { buildSegments } from "../prover/segment/build.js";
import { segmentedVerifierSource, type KeyStorage } from "../prover/segment/verifier.js";
import type { Groth16VerificationKey } from "../prover/setup/groth16Batch.js";

const flag = (name: string, fallback: string) => {
  const i = process.argv.indexOf(name);
  return (i >= 0 ? process.argv[i + 1]! : fallback).split(",").filter(Boolean).map(Number);
};
const record = await buildSegments({ specPath: join(REPO_ROOT, "test", "fixtures", "segments-tiny.json"), maxSegmentConstraints: 1000, minSegments: 3 });
const read = (i: number) => JSON.parse(readFileSync(artifactPath(record.segments[i]!.name, "vkey"), "utf8")) as Groth16VerificationKey;
const inner = read(1);
const last = read(record.segments.length - 1);
const dir = mkdtempSync(join(tmpdir(), "zkinfer-verifier-size-"));
try {
  for (const [storage, ks] of [
    ["inline", flag("--inline", "3,20,26,27")],
    ["contracts", flag("--contracts", "3,100,273,274")],
  ] as [KeyStorage, number[]][]) {
    for (const k of ks) {
      const vkeys = Array.from({ length: k }, (_, i) => {
        const key = structuredClone(i === k - 1 ? last : inner);
        key.vk_delta_2[0]![0] = String(BigInt(key.vk_delta_2[0]![0]!) + BigInt(i + 1));
        return key;
      });
      const file = join(dir, `V${storage}${k}.sol`);
      const interfaceImport = join(REPO_ROOT, "contracts", "interfaces", "IInferenceVerifier.sol");
      writeFileSync(file, segmentedVerifierSource({ vkeys, contractName: "V", interfaceImport, provenance: "size", keyStorage: storage }));
      const c = compileContract(file, "V");
      const runtimeBytes = (c.deployedBytecode.length - 2) / 2;
      const initcodeBytes = (c.bytecode.length - 2) / 2;
      console.log(JSON.stringify({ storage, k, runtimeBytes, initcodeBytes, deployable: runtimeBytes <= 24_576 && initcodeBytes <= 49_152 }));
    }
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
process.exit(0);
