/**
 * The devnet's node registry: ids 100, 200, 300, ... (xmtpd registers nodes in steps of 100, protocol
 * xmtpd-network.md §3) with fixed secp256k1 keys derived from the id, so every run and every test has the
 * same registry. These keys are PUBLIC knowledge: a devnet is for development only.
 * @module
 */
import { createECDH, createHash } from 'node:crypto'

/** The id of the i-th node (0-based): 100, 200, 300, ... */
export function devnetNodeId(index: number): number {
  return (index + 1) * 100
}

/** The fixed private key of a devnet node: sha256("xmtp-lite devnet node <id>"). */
export function devnetPrivateKey(nodeId: number): Uint8Array {
  return new Uint8Array(createHash('sha256').update(`xmtp-lite devnet node ${nodeId}`).digest())
}

/**
 * The 65-byte uncompressed secp256k1 public key of a devnet node. Through OpenSSL (node:crypto's ECDH on
 * secp256k1): noble's first `getPublicKey` builds its precomputed table of G first, ~150 ms of a start.
 */
export function devnetPublicKey(nodeId: number): Uint8Array {
  const ecdh = createECDH('secp256k1')
  ecdh.setPrivateKey(devnetPrivateKey(nodeId))
  return new Uint8Array(ecdh.getPublicKey())
}
