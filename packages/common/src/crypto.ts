/**
 * The default crypto provider and the helpers bound to it.
 *
 * `defaultCrypto` is the node:crypto provider where node:crypto exists and the pure-JS noble provider
 * elsewhere. Both give identical bytes and verdicts (the test suite runs over both), so the choice is a
 * matter of speed only.
 * @module
 */
import { toHex } from './bytes.ts'
import { checkBytes } from './crypto/checks.ts'
import { nobleCrypto } from './crypto/noble.ts'
import { nodeCrypto } from './crypto/node.ts'
import type { CryptoProvider } from './crypto/types.ts'
import { CommonError } from './errors.ts'

/** The fastest correct provider of this runtime: {@link nodeCrypto} when present, else {@link nobleCrypto}. */
export const defaultCrypto: CryptoProvider = nodeCrypto ?? nobleCrypto

/** SHA-256 with {@link defaultCrypto}. */
export function sha256(data: Uint8Array): Uint8Array {
  return defaultCrypto.sha256(data)
}

/** SHA-512 with {@link defaultCrypto}. */
export function sha512(data: Uint8Array): Uint8Array {
  return defaultCrypto.sha512(data)
}

/** Keccak-256 (Ethereum's hash) with {@link defaultCrypto}. */
export function keccak256(data: Uint8Array): Uint8Array {
  return defaultCrypto.keccak256(data)
}

/**
 * `length` bytes from the platform CSPRNG.
 * @throws {CommonError} `Common::InvalidLength` when `length` is not an integer from 0 to 2^30.
 */
export function randomBytes(length: number): Uint8Array {
  return defaultCrypto.randomBytes(length)
}

/**
 * The Ethereum address of a secp256k1 public key: `0x` + lowercase hex of the last 20 bytes of
 * keccak256(X || Y) (Ethereum Yellow Paper, appendix F). Not EIP-55 checksummed: XMTP compares and stores
 * addresses in lowercase.
 * @example
 * ethereumAddressFromPublicKey(defaultCrypto.secp256k1.getPublicKey(privateKey)) // '0x7e5f…'
 * @throws {CommonError} `Common::InvalidLength` unless the key is 65 bytes; `Common::CryptoFailure` unless it
 * starts with 0x04 (uncompressed).
 */
export function ethereumAddressFromPublicKey(uncompressed65: Uint8Array): string {
  checkBytes(uncompressed65, 'uncompressed65', 65)
  if (uncompressed65[0] !== 0x04) {
    throw new CommonError('Common::CryptoFailure', 'public key is not in uncompressed (0x04) form')
  }
  return `0x${toHex(defaultCrypto.keccak256(uncompressed65.subarray(1)).subarray(12))}`
}
