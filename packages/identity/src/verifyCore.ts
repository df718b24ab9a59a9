/**
 * The two signature checks a log is made of: EIP-191 wallet signatures (secp256k1 key recovery) and
 * installation-key signatures (Ed25519ph with the identity-update context), protocol/v3-node-api-and-identity.md
 * §4.7, libxmtp `verified_signature.rs`.
 *
 * This module depends on `@xmtp-lite/common` only: the verification workers (verifyWorker.ts) load it
 * without the protobuf code, and run exactly these functions, so a worker's verdict is the caller's.
 * @module
 */
import {
  type CryptoProvider,
  compareUnsigned,
  concatBytes,
  defaultCrypto,
  ethereumAddressFromPublicKey,
  fromHex,
  toHex,
  utf8ToBytes,
} from '@xmtp-lite/common'
import { IdentityError } from './errors.ts'

/** The Ed25519ph context of identity-update signatures (libxmtp `InstallationKeyContext`, §4.7). */
export const installationKeyContext: Uint8Array = utf8ToBytes('IDENTITY UPDATE SIGNATURE')

/** secp256k1 group order. */
const secpN = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n

/** An `Identity::SignatureInvalid` error. */
export function invalid(message: string, cause?: unknown): IdentityError {
  return new IdentityError('Identity::SignatureInvalid', message, cause === undefined ? {} : { cause })
}

/** The EIP-191 `personal_sign` digest of a text: keccak256("\x19Ethereum Signed Message:\n" ‖ len ‖ text). */
export function hashPersonalMessage(
  text: string | Uint8Array,
  crypto: CryptoProvider = defaultCrypto,
): Uint8Array {
  const bytes = typeof text === 'string' ? utf8ToBytes(text) : text
  return crypto.keccak256(concatBytes(utf8ToBytes(`\x19Ethereum Signed Message:\n${bytes.length}`), bytes))
}

/** The big-endian unsigned integer of `bytes` (0 for none). */
export function bigFrom(bytes: Uint8Array): bigint {
  return bytes.length === 0 ? 0n : BigInt(`0x${toHex(bytes)}`)
}

/** `value` (below 2^256) as 32 big-endian bytes. */
export function bytes32(value: bigint): Uint8Array {
  const hex = value.toString(16).padStart(64, '0')
  const out = new Uint8Array(32)
  for (let i = 0; i < 32; i++) out[i] = Number.parseInt(hex.slice(i * 2, i * 2 + 2), 16)
  return out
}

/** ⌊n / 2⌋ of secp256k1, big-endian: the largest low `s`. */
const secpHalfN = fromHex('7fffffffffffffffffffffffffffffff5d576e7357a4501ddfe92f46681b20a0')

/** Whether bytes 32..63 of a signature (its `s`, big-endian) are at most n / 2. */
function isLowS(signature: Uint8Array): boolean {
  return compareUnsigned(signature.subarray(32, 64), secpHalfN, 'big') <= 0
}

/**
 * Recovers the address behind a 65-byte `r‖s‖v` EIP-191 signature of `text`. As libxmtp: v must be 0, 1,
 * 27 or 28; a high `s` is negated with its parity flipped, so both encodings recover the same signer and
 * share one replay key `r‖low-s‖parity` (`from_recoverable_ecdsa`). An `r` or `s` of zero or at least n is
 * refused (`Identity::SignatureInvalid`).
 */
export function recoverEcdsa(
  text: Uint8Array,
  signature: Uint8Array,
  crypto: CryptoProvider,
): { address: string; replayKey: Uint8Array } {
  if (signature.length !== 65) throw invalid('a recoverable ECDSA signature must be 65 bytes')
  const v = signature[64] as number
  if (v !== 0 && v !== 1 && v !== 27 && v !== 28) throw invalid('bad recovery byte')
  let parity = v >= 27 ? v - 27 : v
  let normalized: Uint8Array
  if (isLowS(signature)) {
    // What honest signers send: r‖s as given, only v becomes the parity.
    normalized = new Uint8Array(65)
    normalized.set(signature.subarray(0, 64))
    normalized[64] = parity
  } else {
    let s = bigFrom(signature.subarray(32, 64))
    // An `s` of n or more is not a scalar: libxmtp's parser (k256 `Signature::from_slice`) refuses it, and
    // reducing it here would recover some unrelated address instead.
    if (s >= secpN) throw invalid('ECDSA s is not below the group order')
    if (s > secpN / 2n) {
      s = secpN - s
      parity ^= 1
    }
    normalized = concatBytes(signature.subarray(0, 32), bytes32(s), Uint8Array.of(parity))
  }
  let publicKey: Uint8Array
  try {
    publicKey = crypto.secp256k1.recoverPublicKey(hashPersonalMessage(text, crypto), normalized)
  } catch (cause) {
    throw invalid('no public key recovers from the signature', cause)
  }
  return { address: ethereumAddressFromPublicKey(publicKey), replayKey: normalized }
}

/**
 * Checks an installation key's Ed25519ph signature of `text` with the identity-update context (strict, as
 * ed25519-dalek's `verify_prehashed`: S < L, canonical encodings, the provider's rules).
 * @throws {IdentityError} `Identity::SignatureInvalid`
 */
export function checkInstallationSignature(
  text: Uint8Array,
  signature: Uint8Array,
  publicKey: Uint8Array,
  crypto: CryptoProvider,
): void {
  if (signature.length !== 64 || publicKey.length !== 32) {
    throw invalid('an installation signature is 64 bytes with a 32-byte key')
  }
  let ok: boolean
  try {
    ok = crypto.ed25519.verifyPh(signature, text, publicKey, installationKeyContext)
  } catch (cause) {
    throw invalid('the installation signature is unusable', cause)
  }
  if (!ok) throw invalid('the installation signature does not verify')
}
