// SPDX-License-Identifier: MIT
// A CREATE2 factory for TestErc1271Wallet, for @xmtp-lite/identity's ERC-6492 tests: a wallet's address is
// known (and can sign, through an ERC-6492 wrapper carrying this factory and its calldata) before it exists.
pragma solidity ^0.8.20;

import "TestErc1271Wallet.sol";

contract TestErc1271WalletFactory {
    function deploy(address owner, bytes32 salt) external returns (address) {
        return address(new TestErc1271Wallet{salt: salt}(owner));
    }

    /// The address `deploy(owner, salt)` creates (EIP-1014).
    function predict(address owner, bytes32 salt) external view returns (address) {
        bytes32 initCodeHash = keccak256(abi.encodePacked(type(TestErc1271Wallet).creationCode, abi.encode(owner)));
        return address(uint160(uint256(keccak256(abi.encodePacked(bytes1(0xff), address(this), salt, initCodeHash)))));
    }
}
