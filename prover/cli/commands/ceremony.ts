/**
 * `zkinfer ceremony <init|contribute|verify|finalize>`: a multi-party phase-2 setup for a built model
 * (prover/setup/ceremony.ts). The ceremony folder travels from contributor to contributor; each runs
 * `contribute` on their own machine and publishes the hash it prints.
 */
import { parseArgs } from "node:util";
import { UsageError, ZkinferError } from "../../errors.js";
import type { Command } from "../command.js";

export const command: Command = {
  usage:
    "init <model|model-dir|spec.json> --out <dir> [--ptau <file>] [--segment <i>] | contribute <dir> --name <who> [--entropy-file <f>] | " +
    "verify <dir> [--r1cs <file>] [--ptau <file>] [--json] | finalize <dir> --beacon <hex> [--iterations <n>] [--r1cs <file>] [--ptau <file>]",
  summary:
    "A multi-party Groth16 phase 2 for a built model (Groth16 only: PLONK and FFLONK models need none and are refused). `init` writes the initial zkey and transcript.json; each `contribute` adds one " +
    "contribution (OS randomness plus an optional file; nothing secret is written) and prints its hash; `verify` checks the whole chain " +
    "against the model's r1cs and the ptau and names any failing step; `finalize` applies a public beacon, exports the verification key " +
    "and makes the ceremony's key the model's setup (the build then generates its verifier from it). `init --segment <i>` runs it for segment i " +
    "of the model's segments build (`zkinfer segments build`; default ptau the one all its segments share), whose keys `segments build` then takes.",
  async run(argv, ctx) {
    const { positionals, values } = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        ptau: { type: "string" },
        out: { type: "string" },
        name: { type: "string" },
        "entropy-file": { type: "string" },
        r1cs: { type: "string" },
        beacon: { type: "string" },
        iterations: { type: "string" },
        segment: { type: "string" },
        json: { type: "boolean", default: false },
      },
    });
    const [action, target, ...extra] = positionals;
    if (!target || extra.length > 0) throw new UsageError(`expected \`ceremony ${action ?? "<action>"} <${action === "init" ? "model" : "dir"}>\``);
    const ceremony = await import("../../setup/ceremony.js");
    // A folder that is not a ceremony is said as such (after the flags are checked), not reported as a failing step.
    const requireCeremony = async () => {
      const { existsSync } = await import("node:fs");
      const { ceremonyPath } = await import("../../artifacts/paths.js");
      if (!existsSync(ceremonyPath(target, "transcript"))) {
        throw new ZkinferError(`${target} holds no ceremony (no transcript.json): start one with \`zkinfer ceremony init <model> --out ${target}\``);
      }
    };
    switch (action) {
      case "init": {
        if (!values.out) throw new UsageError("init needs --out <dir> (and --ptau <file>, default the ptau the model's build used)");
        const { readModelSpec } = await import("../../model/spec.js");
        const spec = ctx.spec(target);
        const parsed = readModelSpec(spec);
        const model = values.segment === undefined ? parsed.name : await segmentName(parsed.name, values.segment);
        const { proofSystemOf } = await import("../../model/specSchema.js");
        const { needsCircuitCeremony } = await import("../../setup/universal.js");
        const system = proofSystemOf(parsed);
        // PLONK and FFLONK keys derive from the universal ptau alone: there is nothing to contribute to.
        if (!needsCircuitCeremony(system)) {
          throw new ZkinferError(
            `${model} uses ${system}, which needs no circuit-specific ceremony: its keys derive from the universal ptau alone. ` +
              `Build it with a ceremony ptau instead (\`zkinfer build ${target} --ptau <file>\`, a published Hermez file is checked by its hash).`,
          );
        }
        // Without --ptau: the phase 1 the model's build used (a development one makes the ceremony a rehearsal).
        const ptau = values.ptau ?? (await builtPtau(model, target));
        // A segment's transcript names no spec: finalizing it must not build the single model.
        const t = await ceremony.initCeremony({ model, ...(values.segment === undefined ? { spec } : {}), ptau, dir: values.out, log: console.log });
        console.log(`ceremony for ${model} in ${values.out}: circuit ${t.circuit.hash.slice(0, 32)}…, ptau 2^${t.ptau.power} (${t.ptau.source})`);
        console.log(`next: \`zkinfer ceremony contribute ${values.out} --name <who>\` on each contributor's machine`);
        return;
      }
      case "contribute": {
        if (!values.name) throw new UsageError("contribute needs --name <who> (published with the contribution hash)");
        await requireCeremony();
        const { index, hash } = await ceremony.contribute({ dir: target, name: values.name, entropyFile: values["entropy-file"] });
        console.log(`contribution ${index} (${values.name}) hash:`);
        console.log(hash);
        console.log("publish this hash; anyone can check it appears in `zkinfer ceremony verify`.");
        return;
      }
      case "verify": {
        await requireCeremony();
        const report = await ceremony.verifyCeremony({ dir: target, r1cs: values.r1cs, ptau: values.ptau });
        if (!values.json) {
          console.log(`circuit ${report.circuit}`);
          console.log(`ptau    ${report.ptau}`);
          for (const [i, c] of report.contributions.entries()) console.log(`contribution ${i + 1} ${c.name}: ${c.hash}`);
          console.log(`beacon  ${report.beacon ?? "(not finalized)"}`);
          console.log(report.valid ? "ceremony verifies" : `INVALID at ${report.error}`);
        } else {
          const { ptauSource: _, ...json } = report;
          console.log(JSON.stringify(json));
        }
        return report.valid ? 0 : 1;
      }
      case "finalize": {
        if (!values.beacon) throw new UsageError("finalize needs --beacon <hex>: a public random value fixed after the last contribution");
        await requireCeremony();
        const iterationsExp = values.iterations === undefined ? undefined : Number(values.iterations);
        const report = await ceremony.finalizeCeremony({ dir: target, beaconHex: values.beacon, iterationsExp, r1cs: values.r1cs, ptau: values.ptau });
        const info = ceremony.installCeremonySetup(target);
        const { model, spec } = ceremony.readTranscript(target);
        console.log(
          `finalized: ${report.contributions.length} contributions + beacon ${report.beacon}; installed as ${model}'s setup (zkey sha256 ${info.zkeySha256.slice(0, 16)}…)`,
        );
        // The model's build generates the Solidity verifier from the installed zkey.
        const { existsSync } = await import("node:fs");
        if (spec && existsSync(spec)) {
          const { buildModel } = await import("../../build/buildModel.js");
          await buildModel({ specPath: spec, log: console.log });
        } else if (/-segment-\d+-of-\d+$/.test(model)) {
          console.log(`next: once every segment's ceremony is finalized, \`zkinfer segments build <spec>\` generates the SegmentedVerifier from their keys`);
        } else {
          console.log(`next: \`zkinfer build <model-dir>\` generates the verifier from the ceremony's key`);
        }
        return;
      }
      default:
        throw new UsageError(`unknown ceremony action \`${action}\`: use init, contribute, verify or finalize`);
    }
  },
};

/** The ptau file the model's build recorded (setup.json), or a usage error asking for --ptau. */
async function builtPtau(model: string, target: string): Promise<string> {
  const { existsSync } = await import("node:fs");
  const { readSetupRecord } = await import("../../setup/setupRecord.js");
  const recorded = readSetupRecord(model)?.ptau.path;
  if (recorded === undefined || !existsSync(recorded)) {
    throw new UsageError(
      `init needs --ptau <file>: ${model} has no build whose ptau could be used (\`zkinfer build ${target}\` first, or give the ceremony's ptau)`,
    );
  }
  return recorded;
}

/**
 * Segment `flag` of the model's segments build, by the artifact name of its key (segments of one circuit
 * share the first one's key, so one ceremony serves them all); a usage error naming the segments there are.
 */
async function segmentName(model: string, flag: string): Promise<string> {
  const { readSegmentRecord } = await import("../../segment/build.js");
  const segments = readSegmentRecord(model).segments;
  const k = segments.length;
  const i = Number(flag);
  if (!/^[0-9]+$/.test(flag) || i >= k) throw new UsageError(`--segment must be a segment of ${model}'s build, 0 to ${k - 1}, got "${flag}"`);
  const { segmentArtifactName } = await import("../../segment/circuit.js");
  const name = segments[i]!.name;
  if (name !== segmentArtifactName(model, i, k)) console.log(`segment ${i} shares the key of ${name} (the same circuit): this ceremony is that key's`);
  return name;
}
