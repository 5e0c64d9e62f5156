// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @title IGroth16Settlement
/// @notice The surface every proof-settled module shares: the proof layout, the verifier it
/// trusts and the errors a settlement reverts with.
interface IGroth16Settlement {
    /// @notice A Groth16 proof in the layout the snarkjs Solidity verifier takes
    /// (`b` has its G2 coordinates swapped relative to snarkjs JSON).
    struct Groth16Proof {
        uint256[2] a;
        uint256[2][2] b;
        uint256[2] c;
    }

    /// @notice The verifier address holds no code.
    error VerifierNotContract(address verifier);
    /// @notice A circuit needs at least one public input (the proof context).
    error NoPublicInputs();
    /// @notice The public inputs rebuilt for a settlement do not have the circuit's count.
    error PublicInputCountMismatch(uint256 expected, uint256 actual);
    /// @notice Public input `index` is not a field element (>= the BN254 scalar field modulus).
    error PublicInputNotInField(uint256 index, uint256 value);
    /// @notice The proof does not verify against the public inputs rebuilt for round `roundKey`.
    error InvalidProof(uint256 roundKey);

    /// @notice The Groth16 verifier this contract checks proofs with.
    function verifier() external view returns (address);

    /// @notice How many public inputs the verifier's circuit takes.
    function numPublicInputs() external view returns (uint256);

    /// @notice The proof context this contract binds every proof to: chainId * 2^160 + address(this).
    function proofContext() external view returns (uint256);
}
