/**
 * What the ONNX importer (./graphImport.ts) hands to calibration and the checks: the network as the
 * spec's layers (one graph layer) with its input and output tensors.
 */
import type { LayerSpec } from "../model/specSchema.js";

/** A layer before quantization: the spec's layer without the output layer. */
export type FloatLayer = Exclude<LayerSpec, { type: "output" }>;

export interface ImportedNetwork {
  inputName: string;
  inputShape: number[];
  /** Number of input values (the flattened input tensors, concatenated). */
  inputSize: number;
  outputName: string;
  outputShape: number[];
  /** Every input tensor (their values are concatenated, in order, into the features) and its ONNX element type. */
  inputs?: { name: string; shape: number[]; elemType: number }[];
  /** Every output tensor (flattened and concatenated, in order, into the outputs). */
  outputs?: { name: string; shape: number[] }[];
  layers: FloatLayer[];
  producer: string;
  /** The ONNX operators seen, in order, for reports. */
  operators: string[];
  /**
   * Set only when the user asked for the class (`--argmax-output`, ImportOptions.argmaxOutput) and the
   * model ends in Softmax: the graph's output is then an ArgMax over the Softmax's input logits
   * (softmax is strictly monotone, so the most probable class is the largest logit's; ties to the
   * lowest index), and a float comparison takes the argmax of the model's probabilities. Without the
   * option a final Softmax is compiled as what it is: probabilities.
   */
  finalSoftmax?: { node: string };
}

/** How to import: options of `zkinfer import` and `zkinfer check-onnx`. */
export interface ImportOptions {
  /**
   * Compile a final Softmax as the index of the most probable class (an ArgMax over its logits)
   * instead of the probabilities: far cheaper (no exp, no division), and exact where the logits'
   * margin exceeds their error. Refused when the model does not end in one Softmax over one vector.
   */
  argmaxOutput?: boolean;
}
