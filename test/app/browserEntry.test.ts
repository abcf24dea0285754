/**
 * The browser prover is the Node prover's code, not a copy, and needs nothing from Node: walk the
 * imports of the browser entry points (package.json "exports") through the repository's sources and
 * require that none is a Node built-in. npm packages are the bundler's (Vite builds them for the
 * browser; the Chromium tests run the result).
 */
import { readFileSync } from "node:fs";
import { isBuiltin } from "node:module";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { expect } from "chai";
import { ModelProver as BrowserModelProver } from "../../prover/prove/browser.js";
import { ModelProver as CoreModelProver } from "../../prover/prove/core.js";
import { ModelProver as NodeModelProver } from "../../prover/prove/prover.js";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const pkg = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as {
  exports: Record<string, string | { default: string }>;
  devDependencies: Record<string, string>;
  dependencies: Record<string, string>;
};
/** A bare name such as "buffer" that is also a declared npm package is that package (a browser polyfill), not Node's. */
const declared = (s: string) => s in pkg.devDependencies || s in pkg.dependencies;

/** Every import specifier reachable from `entry` through relative imports (type-only imports included). */
function importClosure(entry: string): Map<string, string[]> {
  const seen = new Map<string, string[]>();
  const visit = (file: string) => {
    if (seen.has(file)) return;
    const source = readFileSync(file, "utf8");
    const specifiers = [...source.matchAll(/^\s*(?:import|export)\b[^"';]*?from\s+["']([^"']+)["']|^\s*import\s+["']([^"']+)["']/gm)].map(
      (m) => (m[1] ?? m[2])!,
    );
    seen.set(file, specifiers);
    for (const s of specifiers) if (s.startsWith(".")) visit(resolve(dirname(file), s.replace(/\.js$/, ".ts")));
  };
  visit(entry);
  return seen;
}

describe("browser prover entry points", () => {
  const entries = Object.entries(pkg.exports)
    .filter(([k]) => k.startsWith("./browser"))
    // The package exports compiled files (dist/<path>.js); their sources are <path>.ts.
    .map(([k, v]) => [k, join(ROOT, (typeof v === "string" ? v : v.default).replace(/^\.\/dist\//, "./").replace(/\.js$/, ".ts"))] as const);

  it("are declared in package.json exports", () => {
    expect(entries.map(([k]) => k)).to.include.members(["./browser", "./browser/client", "./browser/worker"]);
  });

  for (const [name, file] of entries) {
    it(`${name} reaches no Node built-in`, () => {
      const closure = importClosure(file);
      expect(closure.size).to.be.greaterThan(name === "./browser/client" ? 0 : 8);
      for (const [f, specifiers] of closure) {
        const builtins = specifiers.filter((s) => s.startsWith("node:") || (isBuiltin(s) && !declared(s)));
        expect(builtins, `${f.slice(ROOT.length)} imports ${builtins.join(", ")}`).to.deep.equal([]);
      }
    });
  }

  it("the browser and Node provers are one implementation", () => {
    expect(BrowserModelProver).to.equal(CoreModelProver);
    expect(Object.getPrototypeOf(NodeModelProver)).to.equal(CoreModelProver);
    // The Node class adds loaders only: every proving method is the core's.
    expect(Object.getOwnPropertyNames(NodeModelProver.prototype)).to.deep.equal(["constructor"]);
  });
});
