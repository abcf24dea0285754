/**
 * A public test set of an accuracy bounty (docs/SECURITY.md, "Accuracy bounty"): quantized samples
 * and their binary labels, and the one hash that names it on chain.
 *
 * The hash is keccak256, not Poseidon. The samples are constants of the bounty circuit, so the
 * circuit never hashes them (the hash is a constant output too) and a field-friendly hash would save
 * nothing; keccak256 over the ABI encoding is what anyone can recompute with any Ethereum tool, and
 * what a contract could recompute from calldata. It is shifted right by 3 bits so that it is below
 * 2^253 < r, one field element of the public signals (126-bit collision resistance remains).
 */
import { encodeAbiParameters, keccak256, stringToHex } from "viem";
import { ZkinferError } from "../errors.js";

export interface TestSet {
  /** The input scale the samples are quantized at (the model's fixedPoint.inputBits). */
  inputScale: number;
  /** Feature names, in the model's input order (presentation: not hashed, the order is). */
  features: readonly string[];
  /** samples[s][i]: feature i of sample s, quantized at 2^inputScale. */
  samples: readonly (readonly bigint[])[];
  /** labels[s]: 1 = positive (the model's output >= 0 predicts it), 0 = negative. */
  labels: readonly number[];
}

/** Domain tag of the test-set hash. */
const TEST_SET_DOMAIN = stringToHex("zkinfer/testset/v1", { size: 32 });

/** Refuses a malformed test set, naming the field. */
export function checkTestSet(t: TestSet): void {
  if (t.samples.length === 0) throw new ZkinferError("testSet.samples is empty: a bounty needs at least one sample");
  if (t.labels.length !== t.samples.length) throw new ZkinferError(`testSet.labels has ${t.labels.length} entries for ${t.samples.length} samples`);
  t.samples.forEach((row, s) => {
    if (row.length !== t.features.length)
      throw new ZkinferError(`testSet.samples[${s}] has ${row.length} values; expected ${t.features.length} (one per feature)`);
  });
  t.labels.forEach((y, s) => {
    if (y !== 0 && y !== 1) throw new ZkinferError(`testSet.labels[${s}] = ${y}; labels are 0 or 1`);
  });
}

/**
 * keccak256(abi.encode(domain, inputScale, numFeatures, int256[] samples row by row, uint8[] labels)) >> 3.
 *
 * @example
 * const h = testSetHash(germanCreditTestSet(12));
 */
export function testSetHash(t: TestSet): bigint {
  checkTestSet(t);
  const encoded = encodeAbiParameters(
    [{ type: "bytes32" }, { type: "uint256" }, { type: "uint256" }, { type: "int256[]" }, { type: "uint8[]" }],
    [TEST_SET_DOMAIN, BigInt(t.inputScale), BigInt(t.features.length), t.samples.flat(), t.labels],
  );
  return BigInt(keccak256(encoded)) >> 3n;
}
