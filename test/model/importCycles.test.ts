/**
 * The acyclic-imports rule of eslint.config.js (import-x's no-cycle over prover/): it reports a cycle
 * (two modules written for the test in a scratch folder, linted with the project's own config) and
 * the compiler's modules, whose two cycles (model/ir <-> graph; commitment -> codegen -> attestation
 * -> commitment) were broken, have none.
 */
import { expect } from "chai";
import { ESLint } from "eslint";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { REPO_ROOT } from "../../prover/artifacts/paths.js";

const CONFIG = join(REPO_ROOT, "eslint.config.js");

describe("acyclic imports (lint)", function () {
  this.timeout(120_000);

  it("reports a cycle between two prover modules", async () => {
    const dir = mkdtempSync(join(tmpdir(), "zkinfer-cycle-"));
    try {
      mkdirSync(join(dir, "prover"));
      writeFileSync(join(dir, "prover", "a.ts"), 'import { b } from "./b.js";\nexport const a = (): number => b() + 1;\n');
      writeFileSync(join(dir, "prover", "b.ts"), 'import { a } from "./a.js";\nexport const b = (): number => a() - 1;\n');
      writeFileSync(join(dir, "prover", "c.ts"), 'import { b } from "./b.js";\nexport const c = (): number => b();\n');
      const eslint = new ESLint({ cwd: dir, overrideConfigFile: CONFIG });
      const results = await eslint.lintFiles(["prover/a.ts", "prover/b.ts", "prover/c.ts"]);
      const cycles = (file: string) =>
        results
          .find((r) => r.filePath.endsWith(file))!
          .messages.filter((m) => m.ruleId === "import-x/no-cycle")
          .map((m) => m.message);
      expect(cycles("a.ts")).to.have.length(1);
      expect(cycles("b.ts")).to.have.length(1);
      expect(cycles("a.ts")[0]).to.match(/Dependency cycle/);
      // c.ts reaches the cycle but is not on it.
      expect(cycles("c.ts")).to.deep.equal([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("finds no cycle in the compiler's modules", async () => {
    const eslint = new ESLint({ cwd: REPO_ROOT });
    const results = await eslint.lintFiles(["prover/model/**/*.ts", "prover/graph/**/*.ts", "prover/circuit/**/*.ts", "prover/attest/**/*.ts"]);
    const cycles = results.flatMap((r) => r.messages.filter((m) => m.ruleId === "import-x/no-cycle").map((m) => `${r.filePath}: ${m.message}`));
    expect(cycles).to.deep.equal([]);
  });
});
