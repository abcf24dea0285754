import { expect } from "chai";
import { network } from "hardhat";
import { PRICES, deploySignals, poseidonHash, windowAt } from "../signalsFixture.js";
import { connectAs } from "../helpers.js";

const { ethers, ignition, networkHelpers } = await network.create();

const fixture = () => deploySignals(ethers, ignition);

describe("PriceSource", function () {
  it("hashes each full window with the same Poseidon as circomlib", async function () {
    const { priceSource } = await networkHelpers.loadFixture(fixture);
    for (const epoch of [6, 8, 10]) {
      expect(await priceSource.windowOf(epoch)).to.deep.equal(windowAt(epoch));
      expect(await priceSource.windowHash(epoch)).to.equal(await poseidonHash(windowAt(epoch)));
    }
  });

  it("records price and time per epoch, and emits PriceRecorded with the window hash", async function () {
    const { priceSource } = await networkHelpers.loadFixture(fixture);
    expect(await priceSource.latestEpoch()).to.equal(10n);
    expect(await priceSource.priceAt(3)).to.equal(PRICES[2]);
    const price = 311_000n;
    const tx = priceSource.recordPrice(11, price);
    await expect(tx)
      .to.emit(priceSource, "PriceRecorded")
      .withArgs(11, price, await poseidonHash([...PRICES.slice(5), price]));
    expect(await priceSource.recordedAt(11)).to.equal(BigInt(await networkHelpers.time.latest()));
  });

  it("has no window before 6 prices, reverting with PriceSourceUnknownEpoch", async function () {
    const { priceSource } = await networkHelpers.loadFixture(fixture);
    for (const epoch of [0, 5, 11]) {
      await expect(priceSource.windowHash(epoch)).to.be.revertedWithCustomError(priceSource, "PriceSourceUnknownEpoch").withArgs(epoch);
    }
    await expect(priceSource.windowOf(5)).to.be.revertedWithCustomError(priceSource, "PriceSourceUnknownEpoch").withArgs(5);
    await expect(priceSource.priceAt(11)).to.be.revertedWithCustomError(priceSource, "PriceSourceUnknownEpoch").withArgs(11);
  });

  it("rejects a skipped or repeated epoch with PriceSourceUnexpectedEpoch", async function () {
    const { priceSource } = await networkHelpers.loadFixture(fixture);
    for (const epoch of [10, 12]) {
      await expect(priceSource.recordPrice(epoch, 1n)).to.be.revertedWithCustomError(priceSource, "PriceSourceUnexpectedEpoch").withArgs(epoch, 11);
    }
  });

  it("rejects a zero price and one beyond 2^64 - 1 with PriceSourceInvalidPrice", async function () {
    const { priceSource } = await networkHelpers.loadFixture(fixture);
    for (const price of [0n, 1n << 64n]) {
      await expect(priceSource.recordPrice(11, price)).to.be.revertedWithCustomError(priceSource, "PriceSourceInvalidPrice").withArgs(price);
    }
  });

  it("accepts prices only from its owner", async function () {
    const { priceSource, stranger } = await networkHelpers.loadFixture(fixture);
    await expect(connectAs(priceSource, stranger).recordPrice(11, 5n))
      .to.be.revertedWithCustomError(priceSource, "OwnableUnauthorizedAccount")
      .withArgs(stranger.address);
  });
});
