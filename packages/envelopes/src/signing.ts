/**
 * The hashes and secp256k1 signatures of the xmtpd envelope layers (protocol/xmtpd-network.md §1.4;
 * xmtpd `pkg/utils/hash.go`, `pkg/constants/constants.go`).
 *
 * Every signature is Ethereum-style secp256k1 over a keccak256 hash, 65 bytes `r || s || v` with
 * **v in {0, 1}** (go-ethereum `crypto.Sign`, not the 27/28 of `personal_sign`); signers are found by
 * public-key recovery. The hash inputs are domain-separated with ASCII labels and joined without length
 * prefixes, so the labels differ in a way no concatenation can fake (`target|` vs `originator|`).
 * @module
 */
import { concatBytes, equalBytes, toHex, utf8ToBytes } from '@xmtp-lite/common'
import { EnvelopeError } from './errors.ts'

/**
 * The primitives this package needs, structurally a subset of `@xmtp-lite/common`'s crypto provider, so
 * callers can pass that provider (or any other with the same shape).
 */
export interface EnvelopeCrypto {
  keccak256(data: Uint8Array): Uint8Array
  readonly secp256k1: {
    /** 65-byte uncompressed public key of a 32-byte private key. */
    getPublicKey(privateKey: Uint8Array): Uint8Array
    /** 65-byte `r || s || v` (v = 27/28 or 0/1) over a 32-byte hash; deterministic, low-s. */
    signRecoverable(hash32: Uint8Array, privateKey: Uint8Array): Uint8Array
    /** 65-byte uncompressed public key; throws when nothing can be recovered. */
    recoverPublicKey(hash32: Uint8Array, signature65: Uint8Array): Uint8Array
  }
}

const TARGET_LABEL = utf8ToBytes('target|')
const PAYER_LABEL = utf8ToBytes('payer|')
const ORIGINATOR_LABEL = utf8ToBytes('originator|')

/** Domain-separation labels of the xmtpd signatures (xmtpd `pkg/constants`). */
export const SignatureLabels = {
  Target: 'target|',
  Payer: 'payer|',
  Originator: 'originator|',
  Jwt: 'jwt|',
} as const

/**
 * The hash a payer signs: keccak256(`target|` ‖ uint32 big-endian target originator ‖ `payer|` ‖ the exact
 * unsigned ClientEnvelope bytes). The target node is covered, so a payer envelope cannot be replayed to
 * another node.
 */
export function payerSignatureHash(
  crypto: EnvelopeCrypto,
  targetOriginator: number,
  clientEnvelopeBytes: Uint8Array,
): Uint8Array {
  const target = new Uint8Array(4)
  new DataView(target.buffer).setUint32(0, targetOriginator, false)
  return crypto.keccak256(concatBytes(TARGET_LABEL, target, PAYER_LABEL, clientEnvelopeBytes))
}

/** The hash an originator signs: keccak256(`originator|` ‖ the exact UnsignedOriginatorEnvelope bytes). */
export function originatorSignatureHash(
  crypto: EnvelopeCrypto,
  unsignedOriginatorBytes: Uint8Array,
): Uint8Array {
  return crypto.keccak256(concatBytes(ORIGINATOR_LABEL, unsignedOriginatorBytes))
}

/**
 * Signs a 32-byte hash the xmtpd way: 65 bytes with v in {0, 1}.
 * @throws {EnvelopeError} `Envelope::InvalidArgument` when the private key is not 32 bytes.
 */
export function signHash(crypto: EnvelopeCrypto, hash: Uint8Array, privateKey: Uint8Array): Uint8Array {
  if (privateKey.length !== 32) {
    throw new EnvelopeError('Envelope::InvalidArgument', 'secp256k1 private key must be 32 bytes')
  }
  let signature: Uint8Array
  try {
    signature = crypto.secp256k1.signRecoverable(hash, privateKey)
  } catch (cause) {
    throw new EnvelopeError('Envelope::InvalidArgument', 'secp256k1 signing failed (bad private key?)', {
      cause,
    })
  }
  const out = signature.slice()
  const v = out[64] as number
  out[64] = v >= 27 ? v - 27 : v
  return out
}

/**
 * The 65-byte uncompressed public key that signed `hash`. Accepts exactly what go-ethereum's `SigToPub`
 * accepts from xmtpd peers in practice: 65 bytes, v in {0, 1}. A 27/28 v is refused so that one
 * signature has one encoding.
 * @throws {EnvelopeError} `Envelope::SignatureInvalid` when the signature is malformed or recovers nothing.
 */
export function recoverSigner(crypto: EnvelopeCrypto, hash: Uint8Array, signature: Uint8Array): Uint8Array {
  if (signature.length !== 65) {
    throw new EnvelopeError(
      'Envelope::SignatureInvalid',
      `signature must be 65 bytes, got ${signature.length}`,
    )
  }
  const v = signature[64] as number
  if (v !== 0 && v !== 1) {
    throw new EnvelopeError('Envelope::SignatureInvalid', `signature recovery id must be 0 or 1, got ${v}`)
  }
  try {
    return crypto.secp256k1.recoverPublicKey(hash, signature)
  } catch (cause) {
    throw new EnvelopeError('Envelope::SignatureInvalid', 'no public key recovers from the signature', {
      cause,
    })
  }
}

/**
 * The Ethereum address (`0x` + 40 lowercase hex) of a 65-byte uncompressed secp256k1 public key:
 * the last 20 bytes of keccak256 of X ‖ Y.
 * @throws {EnvelopeError} `Envelope::InvalidArgument` for any other key encoding.
 */
export function publicKeyToAddress(crypto: EnvelopeCrypto, publicKey: Uint8Array): string {
  checkUncompressedKey(publicKey)
  return `0x${toHex(crypto.keccak256(publicKey.subarray(1)).subarray(12))}`
}

/** @throws {EnvelopeError} `Envelope::InvalidArgument` unless `key` is 65 bytes starting with 0x04. */
export function checkUncompressedKey(key: Uint8Array): void {
  if (key.length !== 65 || key[0] !== 0x04) {
    throw new EnvelopeError(
      'Envelope::InvalidArgument',
      'node public key must be an uncompressed 65-byte secp256k1 point (as the NodeRegistry stores it)',
    )
  }
}

/** Equality of two public keys in constant time. */
export function samePublicKey(a: Uint8Array, b: Uint8Array): boolean {
  return equalBytes(a, b)
}
