/**
 * Which spec a model's build was made from. Builds live under build/models/<name>, so two specs with
 * the same name would share (and overwrite) one build; a proof of one would then be checked against
 * the other's keys. The build records its spec and refuses a different spec of the same name.
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { isAbsolute, join, relative, resolve } from "node:path";
import { BuildArtifactError } from "../artifacts/models.js";
import { artifactPath, REPO_ROOT } from "../artifacts/paths.js";
import { contentHash } from "./cache.js";

interface BuildSource {
  /** The spec's path, relative to the repository when inside it (so a copied build/ still matches). */
  specPath: string;
  specHash: string;
}

/** Records `specPath` as the source of `model`'s build; throws when the build came from another spec. */
export function claimBuild(model: string, specPath: string): void {
  const file = join(artifactPath(model, "dir"), "source.json");
  const rel = relative(REPO_ROOT, resolve(specPath));
  const here: BuildSource = {
    specPath: rel && !rel.startsWith("..") && !isAbsolute(rel) ? rel : resolve(specPath),
    specHash: contentHash([{ file: specPath }]),
  };
  if (existsSync(file)) {
    const prior = JSON.parse(readFileSync(file, "utf8")) as BuildSource;
    // The same file (edited since: a rebuild) or the same content elsewhere (a copy) is the same model.
    if (prior.specPath !== here.specPath && prior.specHash !== here.specHash) {
      throw new BuildArtifactError(
        `${relative(process.cwd(), artifactPath(model, "dir"))} holds the build of another spec named \`${model}\` (${prior.specPath}). ` +
          `Give this model another name (its spec's "name", or \`zkinfer import --name\`), or delete that folder to replace its build.`,
      );
    }
  }
  writeFileSync(file, JSON.stringify(here, null, 2) + "\n");
}
