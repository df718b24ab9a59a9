/**
 * Inbox ids: `lowercase_hex(SHA-256(UTF-8(display(identifier) ‖ decimal(nonce))))`
 * (protocol/v3-node-api-and-identity.md §4.4; libxmtp `Identifier::inbox_id`).
 * @module
 */
import { sha256, toHex, utf8ToBytes } from '@xmtp-lite/common'
import { IdentityError } from './errors.ts'
import {
  type EthereumIdentifier,
  identifierDisplay,
  type PasskeyIdentifier,
  type PublicIdentifier,
} from './model.ts'

const maxU64 = (1n << 64n) - 1n
const addressPattern = /^0x[0-9a-fA-F]{40}$/
const inboxIdPattern = /^[0-9a-f]{64}$/

/**
 * An Ethereum identifier from an address in any case, sanitised as libxmtp does: lower-cased, and
 * required to be exactly `0x` + 40 hex digits (`InvalidAccountAddress` otherwise).
 * @throws {IdentityError} `Identity::InvalidAddress`
 */
export function ethereumIdentifier(address: string): EthereumIdentifier {
  if (!addressPattern.test(address)) {
    throw new IdentityError(
      'Identity::InvalidAddress',
      'an Ethereum address must be 0x followed by 40 hex digits',
      {
        details: JSON.stringify(address),
      },
    )
  }
  return { kind: 'ethereum', address: address.toLowerCase() }
}

/** A passkey identifier from its SEC1 P-256 public key (33 or 65 bytes). */
export function passkeyIdentifier(key: Uint8Array, relyingParty?: string): PasskeyIdentifier {
  if (key.length === 0) throw new IdentityError('Identity::InvalidIdentifier', 'a passkey key is empty')
  return relyingParty === undefined ? { kind: 'passkey', key } : { kind: 'passkey', key, relyingParty }
}

/** True when `address` is exactly what libxmtp stores: `0x` + 40 lowercase hex digits. */
export function isSanitizedAddress(address: string): boolean {
  return addressPattern.test(address) && address === address.toLowerCase()
}

/** True when `value` looks like an inbox id (64 lowercase hex digits). */
export function isInboxId(value: string): boolean {
  return inboxIdPattern.test(value)
}

function checkNonce(nonce: bigint | number): bigint {
  const n = typeof nonce === 'number' ? (Number.isSafeInteger(nonce) ? BigInt(nonce) : -1n) : nonce
  if (n < 0n || n > maxU64) {
    throw new IdentityError('Identity::InvalidNonce', 'an inbox nonce must be an integer in 0..2^64-1', {
      details: String(nonce),
    })
  }
  return n
}

/**
 * The inbox id of an identifier and a nonce. The identifier's display form is hashed as it is (an
 * Ethereum address built by {@link ethereumIdentifier} is already lower case).
 * @throws {IdentityError} `Identity::InvalidNonce`
 */
export function inboxIdFor(identifier: PublicIdentifier, nonce: bigint | number): string {
  const n = checkNonce(nonce)
  return toHex(sha256(utf8ToBytes(`${identifierDisplay(identifier)}${n.toString(10)}`)))
}

/**
 * The same as the official SDK's `generateInboxId(identifier, nonce?)`: an Ethereum address in any case
 * (lower-cased first) or an identifier, and a nonce that defaults to **1** as in the Node bindings
 * (`bindings/node/src/inbox_id.rs`).
 * @example
 * generateInboxId('0x1234567890abcdef1234567890abcdef12345678', 0n)
 * // 'fcd18d86276d7a99fe522dba9660c420f03c8648785ada7c5daae232a3df77a9'
 * @throws {IdentityError} `Identity::InvalidAddress`, `Identity::InvalidNonce`
 */
export function generateInboxId(identifier: string | PublicIdentifier, nonce: bigint | number = 1n): string {
  const id = typeof identifier === 'string' ? ethereumIdentifier(identifier) : identifier
  return inboxIdFor(id, nonce)
}
