// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

// The Poseidon hashers (contracts/base/PoseidonHashers.sol) are poseidon-solidity's libraries,
// each deployed on its own and called directly through IPoseidon2/3/4
// (contracts/interfaces/IPoseidon.sol). Hardhat compiles
// only what contracts/ imports: these imports give the deploy code their artifacts.
// solhint-disable no-unused-import
import {PoseidonT3} from "poseidon-solidity/PoseidonT3.sol";
import {PoseidonT4} from "poseidon-solidity/PoseidonT4.sol";
import {PoseidonT5} from "poseidon-solidity/PoseidonT5.sol";
