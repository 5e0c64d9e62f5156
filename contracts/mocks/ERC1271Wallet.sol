// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IERC1271} from "@openzeppelin/contracts/interfaces/IERC1271.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";

/// @title ERC1271Wallet
/// @notice Test contract wallet: its owner makes calls through it, and it approves (ERC-1271) any
/// digest its owner signed, so tests can check that contract wallets can sign relayed requests.
contract ERC1271Wallet is IERC1271 {
    /// @notice Only the owner may make calls through the wallet.
    error NotWalletOwner(address caller);
    /// @notice The call reverted with `data`.
    error CallFailed(bytes data);

    /// @notice The EOA whose signatures the wallet approves.
    address public immutable owner;

    constructor(address owner_) {
        owner = owner_;
    }

    /// @notice Calls `target` with `data` as the wallet (owner only).
    function execute(address target, bytes calldata data) external returns (bytes memory ret) {
        if (msg.sender != owner) revert NotWalletOwner(msg.sender);
        bool ok;
        // solhint-disable-next-line avoid-low-level-calls
        (ok, ret) = target.call(data);
        if (!ok) revert CallFailed(ret);
    }

    /// @inheritdoc IERC1271
    function isValidSignature(bytes32 hash, bytes calldata signature) external view returns (bytes4) {
        (address signer, ECDSA.RecoverError err, ) = ECDSA.tryRecover(hash, signature);
        return err == ECDSA.RecoverError.NoError && signer == owner ? IERC1271.isValidSignature.selector : bytes4(0);
    }
}
