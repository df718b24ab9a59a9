// SPDX-License-Identifier: MIT
// A minimal ERC-1271 smart-contract wallet for @xmtp-lite/identity's tests: a single owner key whose
// ECDSA signature over the hash is accepted. The owner can hand the wallet to another key, which lets the
// tests check that verification is pinned to a block number (the answer changes between blocks).
pragma solidity ^0.8.20;

contract TestErc1271Wallet {
    bytes4 internal constant MAGIC = 0x1626ba7e;
    address public owner;

    constructor(address initialOwner) {
        owner = initialOwner;
    }

    function setOwner(address next) external {
        require(msg.sender == owner, "not owner");
        owner = next;
    }

    function isValidSignature(bytes32 hash, bytes calldata signature) external view returns (bytes4) {
        if (signature.length != 65) return 0xffffffff;
        bytes32 r;
        bytes32 s;
        uint8 v;
        assembly {
            r := calldataload(signature.offset)
            s := calldataload(add(signature.offset, 32))
            v := byte(0, calldataload(add(signature.offset, 64)))
        }
        if (v < 27) v += 27;
        address signer = ecrecover(hash, v, r, s);
        return (signer != address(0) && signer == owner) ? MAGIC : bytes4(0xffffffff);
    }
}
