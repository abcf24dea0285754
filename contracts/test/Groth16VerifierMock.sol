// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/**
 * @title Groth16VerifierMock
 * @notice TEST ONLY. Mimics the calling convention of a snarkjs 0.7.6 Groth16 verifier with 5 public
 * signals (same signature, and it returns from inside assembly), without any cryptography.
 *
 * It accepts iff every word arrived where snarkjs would read it: the proof words a[0], a[1],
 * b[0][0], b[0][1], b[1][0], b[1][1], c[0], c[1] must be 1..8 plus pubSignals[0], and pubSignals[4]
 * must be nonzero. Any other layout (a shifted word, a missing signal, a swapped b) returns false.
 */
contract Groth16VerifierMock {
    function verifyProof(
        uint256[2] calldata _pA,
        uint256[2][2] calldata _pB,
        uint256[2] calldata _pC,
        uint256[5] calldata _pubSignals
    ) public pure returns (bool) {
        uint256 base = _pubSignals[0];
        bool ok =
            _pA[0] == base + 1 &&
                _pA[1] == base + 2 &&
                _pB[0][0] == base + 3 &&
                _pB[0][1] == base + 4 &&
                _pB[1][0] == base + 5 &&
                _pB[1][1] == base + 6 &&
                _pC[0] == base + 7 &&
                _pC[1] == base + 8 &&
                _pubSignals[4] != 0;
        assembly {
            mstore(0, ok)
            return(0, 0x20)
        }
    }
}
