/**
 * Names derived from a model's name, free of Node built-ins: the circuit codegen (which the browser
 * prover reaches through the model commitment) and ./paths.ts both use them.
 */

/** PascalCase contract/template name prefix, e.g. credit-score -> CreditScore. */
export function pascalName(model: string): string {
  return model
    .split("-")
    .map((w) => w.charAt(0).toUpperCase() + w.slice(1))
    .join("");
}
