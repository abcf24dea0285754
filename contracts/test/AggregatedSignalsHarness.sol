// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {AggregatedSignals} from "../libraries/AggregatedSignals.sol";

/**
 * @title AggregatedSignalsHarness
 * @notice TEST ONLY. Exposes the {AggregatedSignals} library to tests.
 */
contract AggregatedSignalsHarness {
    function constants()
        external
        pure
        returns (
            uint256 batchFields,
            uint256 subjectBits,
            uint256 nonceBits,
            uint256 activeBit,
            uint256 wordBits,
            uint256 maxSize
        )
    {
        return (
            AggregatedSignals.BATCH_FIELDS,
            AggregatedSignals.SUBJECT_BITS,
            AggregatedSignals.NONCE_BITS,
            AggregatedSignals.ACTIVE_BIT,
            AggregatedSignals.OUTPUT_WORD_BITS,
            AggregatedSignals.MAX_SIZE
        );
    }

    function indices(
        uint256 slotSize,
        uint256 i
    ) external pure returns (uint256 commitment, uint256 root, uint256 statement) {
        return (
            AggregatedSignals.commitmentIndex(),
            AggregatedSignals.inputRootIndex(),
            AggregatedSignals.statementIndex(i, slotSize)
        );
    }

    function count(uint256 n, uint256 slotSize) external pure returns (uint256) {
        return AggregatedSignals.count(n, slotSize);
    }

    function isSize(uint256 n) external pure returns (bool) {
        return AggregatedSignals.isSize(n);
    }

    function unpackStatement(uint256 statement) external pure returns (address subject, uint256 nonce, uint256 marker) {
        return AggregatedSignals.unpackStatement(statement);
    }

    function outputWords(uint256[] calldata entries) external pure returns (uint256) {
        return AggregatedSignals.outputWords(entries);
    }

    function outputAt(uint256 packedWord, uint256 entry, uint256 shift) external pure returns (uint256) {
        (uint256 bits, int256 min) = AggregatedSignals.unpackLayout(entry);
        return AggregatedSignals.outputAt(packedWord, bits, min, shift);
    }
}
