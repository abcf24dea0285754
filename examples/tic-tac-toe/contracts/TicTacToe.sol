// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IInferenceConsumer} from "zkinfer/contracts/interfaces/IInferenceConsumer.sol";

/**
 * @title TicTacToe
 * @notice Games of a person (X, who starts) against the committed tic-tac-toe network (O). The
 * person moves with {play}; the network's move is accepted only from the hub, with a proof that the
 * committed network chose it: the argmax, over the EMPTY cells, of its policy on this very board
 * (the mask is inside the model, see the example's README). Anyone may prove and submit the AI's
 * move; the proof fixes which move it is, so a submitter cannot choose a weaker one.
 *
 * The proof's nonce names the position: nonce = gameId * 16 + number of marks on the board, so a
 * proof for a position that has passed is refused, and its outputs repeat the board (outputs[1..9],
 * from the network's side: 1 its own mark, r - 1 the person's, 0 empty), which must be this game's.
 */
contract TicTacToe is IInferenceConsumer {
    error TicTacToeUnauthorizedCaller(address caller);
    error TicTacToeUnexpectedModel(uint256 modelId);
    error TicTacToeNotYourGame(uint256 gameId, address caller);
    error TicTacToeNotYourTurn(uint256 gameId);
    error TicTacToeGameOver(uint256 gameId);
    error TicTacToeIllegalMove(uint256 gameId, uint256 cell);
    /// @notice The proof is for another position than the game's current one.
    error TicTacToeWrongPosition(uint256 gameId, uint256 nonce);
    /// @notice The proved board is not the game's board.
    error TicTacToeBoardMismatch(uint256 gameId, uint256 cell);
    error TicTacToeWrongOutputCount(uint256 count);

    event GameStarted(uint256 indexed gameId, address indexed player);
    event Moved(uint256 indexed gameId, uint8 mark, uint256 cell);
    /// @notice winner: 1 the person (X), 2 the network (O), 0 a draw.
    event GameEnded(uint256 indexed gameId, uint8 winner);

    uint8 private constant _EMPTY = 0;
    uint8 private constant _X = 1;
    uint8 private constant _O = 2;
    /// @dev r - 1: the signal of -1 (the person's mark, seen from the network's side).
    uint256 private constant _MINUS_ONE = 21888242871839275222246405745257275088548364400416034343698204186575808495616;

    struct Game {
        address player;
        uint8 moves;
        bool over;
        uint8 winner;
        uint8[9] cells;
    }

    address public immutable hub;
    uint256 public immutable modelId;
    uint256 public gameCount;
    mapping(uint256 gameId => Game) private _games;

    constructor(address hub_, uint256 modelId_) {
        hub = hub_;
        modelId = modelId_;
    }

    /// @notice Starts a game for the caller, who plays X and moves first. Returns its id (from 1).
    function newGame() external returns (uint256 gameId) {
        gameId = ++gameCount;
        _games[gameId].player = msg.sender;
        emit GameStarted(gameId, msg.sender);
    }

    /// @notice The person's move: X on `cell` (0-8, row by row).
    function play(uint256 gameId, uint256 cell) external {
        Game storage g = _games[gameId];
        if (g.player != msg.sender) revert TicTacToeNotYourGame(gameId, msg.sender);
        if (g.over) revert TicTacToeGameOver(gameId);
        if (g.moves % 2 != 0) revert TicTacToeNotYourTurn(gameId);
        _place(gameId, g, cell, _X);
    }

    /// @dev See {IInferenceConsumer-onInferenceVerified}. outputs = [move, board_0, ..., board_8].
    function onInferenceVerified(uint256 modelId_, address, uint256 nonce, uint256[] calldata outputs) external {
        if (msg.sender != hub) revert TicTacToeUnauthorizedCaller(msg.sender);
        if (modelId_ != modelId) revert TicTacToeUnexpectedModel(modelId_);
        if (outputs.length != 10) revert TicTacToeWrongOutputCount(outputs.length);
        uint256 gameId = nonce >> 4;
        Game storage g = _games[gameId];
        if (g.player == address(0)) revert TicTacToeWrongPosition(gameId, nonce);
        if (g.over) revert TicTacToeGameOver(gameId);
        if (g.moves % 2 != 1) revert TicTacToeNotYourTurn(gameId);
        if (nonce & 15 != g.moves) revert TicTacToeWrongPosition(gameId, nonce);
        for (uint256 i; i < 9; ++i) {
            uint8 c = g.cells[i];
            uint256 expected =
                c == _O
                    ? 1
                    : c == _X
                        ? _MINUS_ONE
                        : 0;
            if (outputs[1 + i] != expected) revert TicTacToeBoardMismatch(gameId, i);
        }
        // The circuit's mask already makes the move an empty cell; _place checks it again.
        _place(gameId, g, outputs[0], _O);
    }

    /// @notice A game: its player, the number of marks, whether it ended and who won, the cells
    /// (0 empty, 1 X, 2 O).
    function game(uint256 gameId) external view returns (Game memory) {
        return _games[gameId];
    }

    /// @notice The nonce a proof of the network's next move in `gameId` must carry.
    function nextNonce(uint256 gameId) external view returns (uint256) {
        return (gameId << 4) | _games[gameId].moves;
    }

    function _place(uint256 gameId, Game storage g, uint256 cell, uint8 mark) private {
        if (cell > 8 || g.cells[cell] != _EMPTY) revert TicTacToeIllegalMove(gameId, cell);
        g.cells[cell] = mark;
        ++g.moves;
        emit Moved(gameId, mark, cell);
        if (_wins(g.cells, mark)) {
            g.over = true;
            g.winner = mark;
            emit GameEnded(gameId, mark);
        } else if (g.moves == 9) {
            g.over = true;
            emit GameEnded(gameId, 0);
        }
    }

    function _wins(uint8[9] storage c, uint8 m) private view returns (bool) {
        return
            (c[0] == m && c[1] == m && c[2] == m) ||
            (c[3] == m && c[4] == m && c[5] == m) ||
            (c[6] == m && c[7] == m && c[8] == m) ||
            (c[0] == m && c[3] == m && c[6] == m) ||
            (c[1] == m && c[4] == m && c[7] == m) ||
            (c[2] == m && c[5] == m && c[8] == m) ||
            (c[0] == m && c[4] == m && c[8] == m) ||
            (c[2] == m && c[4] == m && c[6] == m);
    }
}
