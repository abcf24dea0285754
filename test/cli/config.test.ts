/**
 * zkinfer.config.json (prover/config): found by walking up from the working directory, its paths
 * resolved against its own folder, every schema error naming the file and the field, and the
 * network a command selects.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import { CONFIG_FILE_NAME, ConfigError, findConfigFile, loadConfig, readConfig, selectNetwork } from "../../prover/config/config.js";

describe("zkinfer.config.json", () => {
  const root = mkdtempSync(join(tmpdir(), "zkinfer-config-"));
  const project = join(root, "project");
  const deep = join(project, "src", "deep");
  const write = (dir: string, json: unknown) => writeFileSync(join(dir, CONFIG_FILE_NAME), typeof json === "string" ? json : JSON.stringify(json));
  before(() => {
    mkdirSync(deep, { recursive: true });
    mkdirSync(join(project, "models", "triage"), { recursive: true });
    writeFileSync(join(project, "models", "triage", "spec.json"), "{}");
    write(project, {
      networks: { local: { rpc: "http://127.0.0.1:8545", chainId: 31337 }, sepolia: { rpc: "https://rpc.example" } },
      defaultNetwork: "local",
      models: { triage: { spec: "models/triage" }, other: { spec: "elsewhere/spec.json" } },
      buildDir: "out/build",
    });
  });
  after(() => rmSync(root, { recursive: true, force: true }));

  it("is found from a subfolder, with every path resolved against the file's folder", () => {
    expect(findConfigFile(deep)).to.equal(join(project, CONFIG_FILE_NAME));
    const config = loadConfig({ cwd: deep })!;
    expect(config.root).to.equal(project);
    expect(config.buildDir).to.equal(join(project, "out", "build"));
    expect(config.contractsDir).to.equal(join(project, "contracts"));
    expect(config.deploymentsDir).to.equal(join(project, "deployments"));
    // A model folder means its spec.json; a file path stays.
    expect(config.models.triage!.spec).to.equal(join(project, "models", "triage", "spec.json"));
    expect(config.models.other!.spec).to.equal(join(project, "elsewhere", "spec.json"));
  });

  it("is optional: none above a folder gives undefined, and no network is selected", () => {
    const bare = mkdtempSync(join(tmpdir(), "zkinfer-noconfig-"));
    try {
      expect(loadConfig({ cwd: bare })).to.equal(undefined);
      expect(selectNetwork(undefined)).to.equal(undefined);
      expect(() => selectNetwork(undefined, "local")).to.throw(ConfigError, "--network local: there is no zkinfer.config.json here or above");
    } finally {
      rmSync(bare, { recursive: true, force: true });
    }
  });

  it("selects --network, else defaultNetwork, and names the defined ones for an unknown name", () => {
    const config = readConfig(join(project, CONFIG_FILE_NAME));
    expect(selectNetwork(config)).to.deep.equal({ name: "local", rpc: "http://127.0.0.1:8545", chainId: 31337 });
    expect(selectNetwork(config, "sepolia")).to.deep.equal({ name: "sepolia", rpc: "https://rpc.example" });
    expect(() => selectNetwork(config, "mainnet")).to.throw(ConfigError, /--network mainnet: .* defines only local, sepolia/);
  });

  const cases: [string, unknown, RegExp][] = [
    ["an rpc that is not http(s)", { networks: { local: { rpc: "ws://x" } } }, /networks\.local\.rpc: must be an http:\/\/ or https:\/\/ JSON-RPC URL/],
    ["a chain id that is not a positive integer", { networks: { local: { rpc: "http://x", chainId: -1 } } }, /networks\.local\.chainId: /],
    ["an unknown field at the top", { network: {} }, /\(root\): unknown field "network" \(allowed: networks, defaultNetwork, models/],
    ["an unknown field in a network", { networks: { local: { rpc: "http://x", url: "y" } } }, /networks\.local: unknown field "url"/],
    [
      "a defaultNetwork naming no network",
      { networks: { a: { rpc: "http://x" } }, defaultNetwork: "b" },
      /defaultNetwork: names no network in "networks" \(defined: a\)/,
    ],
    ["a model without a spec", { models: { m: {} } }, /models\.m\.spec: /],
    ["a bad network name", { networks: { "-x": { rpc: "http://x" } } }, /networks\.-x: "-x" is not a valid name: names are letters, digits/],
    ["JSON that does not parse", "{ networks: ", /is not valid JSON/],
  ];
  for (const [what, json, message] of cases) {
    it(`refuses ${what}, naming the file and the field`, () => {
      const dir = mkdtempSync(join(root, "bad-"));
      write(dir, json);
      expect(() => readConfig(join(dir, CONFIG_FILE_NAME)))
        .to.throw(ConfigError, message)
        .with.property("message")
        .that.includes(join(dir, CONFIG_FILE_NAME));
    });
  }

  it("refuses a --config file that does not exist, saying so", () => {
    expect(() => loadConfig({ file: join(root, "nope.json") })).to.throw(ConfigError, /cannot read the config file .*nope\.json: no such file/);
  });
});
