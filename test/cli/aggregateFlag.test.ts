/** `zkinfer build --aggregate` and `deploy --aggregate`: the batch sizes, or a usage error naming the bad one. */
import { expect } from "chai";
import { parseAggregateSizes } from "../../prover/cli/commands/build.js";

describe("--aggregate <N,N,...>", () => {
  it("reads powers of two in [2, 1024]", () => {
    expect(parseAggregateSizes("4,16,64")).to.deep.equal([4, 16, 64]);
    expect(parseAggregateSizes(" 2 ")).to.deep.equal([2]);
  });

  for (const bad of ["3", "1", "2048", "4,x", "-4", "4.0", ""]) {
    it(`refuses "${bad}" naming it`, () => {
      expect(() => parseAggregateSizes(bad)).to.throw(/--aggregate: ".*" is not a batch size/);
    });
  }
});
