// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {PublicSignals} from "./PublicSignals.sol";

/**
 * @title AggregatedSignals
 * @notice The public-signal layout of an aggregated proof (up to N statements of one model), in Solidity.
 *
 * For a batch of `n` slots of `slotSize` signals each (1 + the number of packed output words):
 *
 *   [0]                          modelCommitment   must equal the registry's commitment for the model
 *   [1]                          inputRoot         Poseidon Merkle root over the slots' input commitments
 *   [2 + slotSize * i]           statement i       2^224 + nonce * 2^160 + subject, or 0 (empty slot)
 *   [2 + slotSize * i + 1 ...]   outputs i         the outputs packed by their proven widths, 0 when empty
 *
 * This mirrors `prover/abi/aggregatedSignals.ts`, the single definition of the layout; a test checks
 * that the two agree (test/contracts/libraries/AggregatedSignals.test.ts).
 */
library AggregatedSignals {
    /// @dev Per-batch fields before the slots (modelCommitment, inputRoot).
    uint256 internal constant BATCH_FIELDS = 2;
    /// @dev Bits of the subject in a statement word.
    uint256 internal constant SUBJECT_BITS = 160;
    /// @dev Bits of the nonce in a statement word (an aggregated statement's nonce is < 2^64).
    uint256 internal constant NONCE_BITS = 64;
    /// @dev The active marker's bit: statement >> ACTIVE_BIT == 1 for every active slot.
    uint256 internal constant ACTIVE_BIT = 224;
    /// @dev Capacity of one packed output word.
    uint256 internal constant OUTPUT_WORD_BITS = 248;
    /// @dev Largest batch size.
    uint256 internal constant MAX_SIZE = 1024;

    /// @dev Index of `modelCommitment`.
    function commitmentIndex() internal pure returns (uint256) {
        return 0;
    }

    /// @dev Index of `inputRoot`.
    function inputRootIndex() internal pure returns (uint256) {
        return 1;
    }

    /// @dev Index of slot `i`'s statement word.
    function statementIndex(uint256 i, uint256 slotSize) internal pure returns (uint256) {
        return BATCH_FIELDS + i * slotSize;
    }

    /// @dev Number of signals of a batch of `n` slots of `slotSize` signals.
    function count(uint256 n, uint256 slotSize) internal pure returns (uint256) {
        return BATCH_FIELDS + n * slotSize;
    }

    /// @dev Whether `n` is a batch size: a power of two in [2, MAX_SIZE].
    function isSize(uint256 n) internal pure returns (bool) {
        return n >= 2 && n <= MAX_SIZE && n & (n - 1) == 0;
    }

    /// @dev (subject, nonce, marker) of a statement word; marker is 1 for an active slot.
    function unpackStatement(uint256 statement) internal pure returns (address subject, uint256 nonce, uint256 marker) {
        subject = address(uint160(statement));
        nonce = uint64(statement >> SUBJECT_BITS);
        marker = statement >> ACTIVE_BIT;
    }

    /// @dev (bits, min) of one output's layout word: `bits << 248 | (min mod 2^248)`.
    function unpackLayout(uint256 entry) internal pure returns (uint256 bits, int256 min) {
        bits = entry >> OUTPUT_WORD_BITS;
        // Sign-extends the low 248 bits.
        min = int256(entry << 8) >> 8;
    }

    /**
     * @dev The number of output words of a layout, with the rule of prover/abi/aggregatedSignals.ts
     * packOutputRanges: outputs in order, a new word before a digit would pass 248 bits, a raw element
     * (bits 0) in a word of its own. Reverts-free: the registry checked every width is <= 248.
     */
    function outputWords(uint256[] memory entries) internal pure returns (uint256 words) {
        uint256 used = OUTPUT_WORD_BITS;
        for (uint256 j; j < entries.length; ++j) {
            (uint256 bits, ) = unpackLayout(entries[j]);
            if (bits == 0) {
                ++words;
                used = OUTPUT_WORD_BITS;
            } else {
                if (used + bits > OUTPUT_WORD_BITS) {
                    ++words;
                    used = 0;
                }
                used += bits;
            }
        }
    }

    /**
     * @dev Output j of the slot whose first output word is at `firstWord` in `signals`, as the field
     * element a single proof would carry (a negative value q is r - |q|). `word`/`shift` come from the
     * same rule as {outputWords} (see {InferenceHub}).
     */
    function outputAt(uint256 packedWord, uint256 bits, int256 min, uint256 shift) internal pure returns (uint256) {
        if (bits == 0) return packedWord;
        // digit < 2^248 and |min| < 2^247: the sum fits an int256.
        int256 v = min + int256((packedWord >> shift) & ((1 << bits) - 1));
        return v < 0 ? PublicSignals.FIELD_MODULUS - uint256(-v) : uint256(v);
    }
}
