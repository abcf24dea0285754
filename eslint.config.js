// ESLint (flat config): typescript-eslint's recommended rules, and the direction imports may run in.
//
// The layers, lowest first (a layer imports only from layers below it):
//   compiler     prover/{model,onnx,circuit,abi,attest,data}, prover/{errors,field}.ts, prover/artifacts
//   setup/prove  prover/{setup,prove,build}
//   chain        prover/chain (viem; deploys through the Ignition modules in deploy/)
//   front ends   prover/{service,cli,sdk}
// deploy/ (Ignition modules) imports nothing from prover/; scripts/ never import test/; nothing
// under prover/ imports scripts/ or test/; the service never imports the development helpers
// (scripts/dev/).
//
// And no import cycles anywhere in prover/ (import-x's no-cycle): a cycle means two modules are one
// concern split in two, and it makes the load order (and so which export is still undefined) matter.
import js from "@eslint/js";
import { createNodeResolver, importX } from "eslint-plugin-import-x";
import tseslint from "typescript-eslint";

/**
 * `no-restricted-imports` forbidding imports of `paths` (folders or files without the .js suffix), as
 * written at any depth: `../service/chain.js` and `../../prover/service/chain.js` both match "service/chain".
 */
function forbid(message, ...paths) {
  const group = paths.flatMap((p) => [`**/${p}`, `**/${p}.js`, `**/${p}/**`]);
  return { "no-restricted-imports": ["error", { patterns: [{ group, message }] }] };
}

/** A folder under prover/, as a sibling imports it (`../chain/x.js`) or from outside (`prover/chain/x.js`). */
const above = (...layers) => layers;
const PROVER = "prover";

export default tseslint.config(
  {
    ignores: [
      "node_modules/",
      "artifacts/",
      "cache/",
      "build/",
      "types/",
      "ignition/deployments/",
      "**/*.generated.ts",
      // The package build (npm pack's prepack), and what the examples generate when they run.
      "dist/",
      "walkthrough/",
      "examples/*/{node_modules,artifacts,cache,build,types,dist}/",
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_", caughtErrors: "none" }],
      "@typescript-eslint/consistent-type-imports": ["error", { fixStyle: "inline-type-imports" }],
    },
  },
  {
    // Acyclic imports. The sources import `./x.js` for `./x.ts` (NodeNext), hence the extension alias.
    // test/model/importCycles.test.ts shows it reports a cycle. (Type-only imports are erased and not counted.)
    files: ["prover/**/*.ts"],
    plugins: { "import-x": importX },
    settings: {
      "import-x/extensions": [".ts", ".js"],
      "import-x/parsers": { "@typescript-eslint/parser": [".ts"] },
      "import-x/resolver-next": [createNodeResolver({ extensions: [".ts", ".js", ".json"], extensionAlias: { ".js": [".ts", ".js"] } })],
    },
    rules: { "import-x/no-cycle": ["error", { ignoreExternal: true }] },
  },
  {
    // No function over 150 lines in prover/ (issue 23): a longer one is several steps that want names.
    files: ["prover/**/*.ts"],
    rules: { "max-lines-per-function": ["error", { max: 150 }] },
  },
  {
    // The few plain JavaScript files (bin/, the prover process entry) run on Node.
    files: ["**/*.js", "**/*.mjs"],
    languageOptions: { globals: { console: "readonly", process: "readonly", URL: "readonly" } },
  },
  // Import direction, per folder.
  {
    files: [
      "prover/model/**",
      "prover/onnx/**",
      "prover/circuit/**",
      "prover/abi/**",
      "prover/attest/**",
      "prover/data/**",
      "prover/artifacts/**",
      "prover/*.ts",
    ],
    rules: forbid(
      "The compiler layer imports nothing from setup/prove, chain or the front ends (see eslint.config.js).",
      ...above("setup", "prove", "build", "chain", "service", "cli", "sdk"),
      "deploy",
      "scripts",
      "test",
    ),
  },
  {
    files: ["prover/setup/**", "prover/prove/**", "prover/build/**"],
    rules: forbid(
      "setup/prove imports nothing from the chain layer or the front ends.",
      ...above("chain", "service", "cli", "sdk"),
      "deploy",
      "scripts",
      "test",
    ),
  },
  {
    files: ["prover/chain/**"],
    rules: forbid("The chain layer imports nothing from the front ends (service, cli, sdk).", ...above("service", "cli", "sdk"), "scripts", "test"),
  },
  {
    files: ["prover/sdk/**"],
    rules: forbid("The SDK is a library: it imports the chain layer, never the service or the CLI.", ...above("service", "cli"), "scripts", "test"),
  },
  {
    files: ["prover/service/**"],
    rules: forbid("The service imports neither the CLI nor development helpers (scripts/dev).", ...above("cli"), "scripts", "test"),
  },
  {
    files: ["prover/cli/**"],
    rules: forbid(
      "The CLI takes its chain code from prover/chain, never from the service's internals.",
      ...above("service/chain", "service/submitter"),
      "scripts",
      "test",
    ),
  },
  {
    files: ["deploy/**"],
    rules: forbid("deploy/ (Ignition modules) imports nothing from prover/, scripts/ or test/.", PROVER, "scripts", "test"),
  },
  {
    files: ["scripts/**"],
    rules: forbid("scripts/ do not import test/: move shared helpers to scripts/dev/.", "test"),
  },
  {
    // Tests use chai's property assertions (`expect(x).to.be.true`) and read untyped JSON responses.
    files: ["test/**"],
    rules: {
      "@typescript-eslint/no-unused-expressions": "off",
      "@typescript-eslint/no-explicit-any": "off",
      // Hardhat's chai matchers take closeTo over for bigints and throw on a non-integer ("35511.25 is not
      // an integer") in the suite, while the same test passes where the plugin is not loaded.
      "no-restricted-syntax": [
        "error",
        {
          selector: "CallExpression[callee.property.name=/^(closeTo|approximately)$/]",
          message: "Hardhat's chai matchers make closeTo integer-only: assert Math.abs(a - b) with .at.most(tolerance).",
        },
      ],
    },
  },
);
