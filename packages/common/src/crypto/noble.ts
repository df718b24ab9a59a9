/**
 * The pure-JS provider: every primitive from `@noble/hashes`, `@noble/curves` and `@noble/ciphers`.
 * It runs wherever JavaScript runs; the node provider borrows its keccak, secp256k1 and Ed25519ph.
 * @module
 */
import { gcm } from '@noble/ciphers/aes.js'
import { chacha20poly1305 as nobleChacha } from '@noble/ciphers/chacha.js'
import { ed25519, ed25519ph, x25519 } from '@noble/curves/ed25519.js'
import { secp256k1 } from '@noble/curves/secp256k1.js'
import { expand, extract, hkdf } from '@noble/hashes/hkdf.js'
import { hmac } from '@noble/hashes/hmac.js'
import { sha256, sha512 } from '@noble/hashes/sha2.js'
import { keccak_256 } from '@noble/hashes/sha3.js'
import { compareUnsigned, concatBytes, equalBytes } from '../bytes.ts'
import { CommonError } from '../errors.ts'
import {
  aeadNonceLength,
  aeadTagLength,
  aesKeyLengths,
  checkAad,
  checkBytes,
  checkContext,
  checkOutputLength,
  hkdfSha256MaxLength,
} from './checks.ts'
import type { Aead, CryptoProvider, Ed25519, Secp256k1, X25519, X25519KeyPair } from './types.ts'

/** Largest `randomBytes` request (1 GiB): more is a bug, not a key. */
const maxRandomLength = 2 ** 30

/** Web Crypto caps one `getRandomValues` call at 65,536 bytes (W3C WebCrypto §10.1.1). */
const getRandomValuesChunk = 65536

/** CSPRNG bytes from Web Crypto (global in browsers, Node >= 19, Deno, Bun and workers). */
export function webRandomBytes(length: number): Uint8Array {
  checkOutputLength(length, maxRandomLength, 'length')
  const webCrypto = (globalThis as { crypto?: { getRandomValues?: (array: Uint8Array) => Uint8Array } })
    .crypto
  if (typeof webCrypto?.getRandomValues !== 'function') {
    throw new CommonError('Common::Unsupported', 'no crypto.getRandomValues in this runtime')
  }
  const out = new Uint8Array(length)
  for (let offset = 0; offset < length; offset += getRandomValuesChunk) {
    webCrypto.getRandomValues(out.subarray(offset, Math.min(length, offset + getRandomValuesChunk)))
  }
  return out
}

/** Keccak-256 (the Ethereum hash; node:crypto has none). */
export function nobleKeccak256(data: Uint8Array): Uint8Array {
  return keccak_256(checkBytes(data, 'data'))
}

// ---------------------------------------------------------------------------------------------------------
// Ed25519 verification with one rule for both providers.
//
// node:crypto verifies with OpenSSL (ossl_ed25519_verify): S must be below L, A is decoded without a
// canonicity check (y is taken mod p, as ref10's fe_frombytes does), the challenge k = SHA-512(dom || R || A ||
// M) uses the bytes as given, and the check is cofactorless: encode([S]B - [k]A) must equal the R bytes
// (RFC 8032 §5.1.7 allows it; ed25519-dalek `verify`/`verify_prehashed`, which libxmtp uses, does the same).
// noble's own `ed25519.verify` differs (cofactored, strict decoding, small-order keys rejected), so both
// providers' Ed25519ph and the noble provider's pure Ed25519 use this routine instead, built on noble's
// point arithmetic. Then node and noble give the same verdict for every input, which matters more than
// either rule: two members of an MLS group that disagree on one signature fork the group.
// ---------------------------------------------------------------------------------------------------------

const Point = ed25519.Point
/** The prime order L of the Ed25519 base point (RFC 8032 §5.1). */
const groupOrder = Point.Fn.ORDER

function bigintFromLe(bytes: Uint8Array): bigint {
  let n = 0n
  for (let i = bytes.length - 1; i >= 0; i--) n = (n << 8n) | BigInt(bytes[i] as number)
  return n
}

const dom2Prefix = new TextEncoder().encode('SigEd25519 no Ed25519 collisions')
/** RFC 8032 §2: dom2(phflag, context) = "SigEd25519 no Ed25519 collisions" || phflag || len(context) || context. */
export function dom2(phflag: number, context: Uint8Array): Uint8Array {
  return concatBytes(dom2Prefix, Uint8Array.of(phflag, context.length), context)
}

/** L as 32 little-endian bytes. */
const groupOrderLe: Uint8Array = Uint8Array.from({ length: 32 }, (_, i) =>
  Number((groupOrder >> BigInt(8 * i)) & 0xffn),
)

/**
 * True when the 32-byte little-endian S is below L (RFC 8032 §5.1.7 step 1: S >= L is malleable), compared
 * byte by byte (no BigInt: this runs once per verification).
 */
export function isEd25519ScalarCanonical(s32: Uint8Array): boolean {
  return compareUnsigned(s32, groupOrderLe, 'little') < 0
}

/**
 * The cofactorless RFC 8032 §5.1.7 check; `domain` is empty for pure Ed25519, dom2(1, C) for Ed25519ph, and
 * `message` is M or PH(M). Lengths must have been checked. `hash512` is SHA-512 (the node provider passes
 * OpenSSL's, which is faster than noble's).
 */
export function verifyEd25519Cofactorless(
  signature: Uint8Array,
  message: Uint8Array,
  publicKey: Uint8Array,
  domain: Uint8Array,
  hash512: (data: Uint8Array) => Uint8Array = sha512,
): boolean {
  const rBytes = signature.subarray(0, 32)
  const s = bigintFromLe(signature.subarray(32, 64))
  // RFC 8032 §5.1.7 step 1: reject S >= L (signature malleability).
  if (s >= groupOrder) return false
  let a: InstanceType<typeof Point>
  try {
    // zip215 = true decodes y mod p and accepts x = 0 with the sign bit set, which is what OpenSSL's
    // ge_frombytes_vartime does; a y with no matching x fails in both.
    a = Point.fromBytes(publicKey, true)
  } catch {
    return false
  }
  const k = bigintFromLe(hash512(concatBytes(domain, rBytes, publicKey, message))) % groupOrder
  // Variable time is fine: every input here is public.
  const check = Point.BASE.multiplyUnsafe(s).subtract(a.multiplyUnsafe(k))
  return equalBytes(check.toBytes(), rBytes)
}

/** Ed25519ph signing (RFC 8032 §5.1, PH = SHA-512), shared by both providers. */
export function nobleSignEd25519Ph(
  message: Uint8Array,
  privateKey: Uint8Array,
  context: Uint8Array,
): Uint8Array {
  checkBytes(message, 'message')
  checkBytes(privateKey, 'privateKey', 32)
  checkContext(context)
  return ed25519ph.sign(message, privateKey, { context })
}

/** Ed25519ph verification under the rule above, shared by both providers. */
export function nobleVerifyEd25519Ph(
  signature: Uint8Array,
  message: Uint8Array,
  publicKey: Uint8Array,
  context: Uint8Array,
): boolean {
  checkBytes(signature, 'signature', 64)
  checkBytes(message, 'message')
  checkBytes(publicKey, 'publicKey', 32)
  checkContext(context)
  return verifyEd25519Cofactorless(signature, sha512(message), publicKey, dom2(1, context))
}

const nobleEd25519: Ed25519 = {
  randomPrivateKey: () => webRandomBytes(32),
  getPublicKey(privateKey) {
    return ed25519.getPublicKey(checkBytes(privateKey, 'privateKey', 32))
  },
  sign(message, privateKey) {
    checkBytes(message, 'message')
    return ed25519.sign(message, checkBytes(privateKey, 'privateKey', 32))
  },
  signer(privateKey) {
    const own = checkBytes(privateKey, 'privateKey', 32).slice()
    return (message) => ed25519.sign(checkBytes(message, 'message'), own)
  },
  verify(signature, message, publicKey) {
    checkBytes(signature, 'signature', 64)
    checkBytes(message, 'message')
    checkBytes(publicKey, 'publicKey', 32)
    return verifyEd25519Cofactorless(signature, message, publicKey, new Uint8Array(0))
  },
  signPh: nobleSignEd25519Ph,
  verifyPh: nobleVerifyEd25519Ph,
}

function nobleX25519SharedSecret(privateKey: Uint8Array, publicKey: Uint8Array): Uint8Array {
  checkBytes(privateKey, 'privateKey', 32)
  checkBytes(publicKey, 'publicKey', 32)
  try {
    // noble refuses the low-order u-coordinates up front; OpenSSL refuses their all-zero result: the same set.
    return x25519.getSharedSecret(privateKey, publicKey)
  } catch (cause) {
    throw new CommonError('Common::CryptoFailure', 'X25519 public key is of low order', { cause })
  }
}

function nobleX25519KeyPair(privateKey: Uint8Array): X25519KeyPair {
  const own = checkBytes(privateKey, 'privateKey', 32).slice()
  return {
    publicKey: x25519.getPublicKey(own),
    sharedSecret: (publicKey) => nobleX25519SharedSecret(own, publicKey),
  }
}

const nobleX25519: X25519 = {
  randomPrivateKey: () => webRandomBytes(32),
  getPublicKey(privateKey) {
    return x25519.getPublicKey(checkBytes(privateKey, 'privateKey', 32))
  },
  sharedSecret: nobleX25519SharedSecret,
  generateKeyPair: () => nobleX25519KeyPair(webRandomBytes(32)),
  keyPair: nobleX25519KeyPair,
}

/**
 * Checks the arguments of `recoverPublicKey` (both providers) and returns the recovery id (0 or 1) of v.
 * @throws {CommonError} `Common::InvalidLength` on wrong lengths, `Common::CryptoFailure` on a bad v.
 */
export function checkRecoverable(hash32: Uint8Array, signature65: Uint8Array): 0 | 1 {
  checkBytes(hash32, 'hash32', 32)
  checkBytes(signature65, 'signature65', 65)
  const v = signature65[64] as number
  const recovery = v === 27 || v === 28 ? v - 27 : v
  if (recovery !== 0 && recovery !== 1) {
    throw new CommonError('Common::CryptoFailure', 'recovery byte v must be 0, 1, 27 or 28', {
      details: `got ${v}`,
    })
  }
  return recovery
}

/** secp256k1 as Ethereum uses it (noble); the node provider swaps in libsecp256k1 for recovery when present. */
export const nobleSecp256k1: Secp256k1 = {
  getPublicKey(privateKey, compressed = false) {
    checkBytes(privateKey, 'privateKey', 32)
    try {
      return secp256k1.getPublicKey(privateKey, compressed)
    } catch (cause) {
      throw new CommonError('Common::CryptoFailure', 'secp256k1 private key is zero or not below the order', {
        cause,
      })
    }
  },
  signRecoverable(hash32, privateKey) {
    checkBytes(hash32, 'hash32', 32)
    checkBytes(privateKey, 'privateKey', 32)
    let recovered: Uint8Array
    try {
      // RFC 6979 nonces (no extra entropy), low-s: the same bytes as viem and ethers for the same key.
      recovered = secp256k1.sign(hash32, privateKey, {
        prehash: false,
        lowS: true,
        format: 'recovered',
        extraEntropy: false,
      })
    } catch (cause) {
      throw new CommonError('Common::CryptoFailure', 'secp256k1 private key is zero or not below the order', {
        cause,
      })
    }
    // noble's 'recovered' layout is recovery || r || s; Ethereum's is r || s || v with v = 27 + recovery.
    const recovery = recovered[0] as number
    if (recovery > 1) {
      // r >= n happens with probability ~2^-128 and has no Ethereum v byte.
      throw new CommonError('Common::CryptoFailure', 'signature needs recovery id above 1')
    }
    const out = new Uint8Array(65)
    out.set(recovered.subarray(1, 65), 0)
    out[64] = 27 + recovery
    return out
  },
  recoverPublicKey(hash32, signature65) {
    const recovery = checkRecoverable(hash32, signature65)
    try {
      const signature = secp256k1.Signature.fromBytes(
        concatBytes(Uint8Array.of(recovery), signature65.subarray(0, 64)),
        'recovered',
      )
      return signature.recoverPublicKey(hash32).toBytes(false)
    } catch (cause) {
      throw new CommonError('Common::CryptoFailure', 'no public key can be recovered from this signature', {
        cause,
      })
    }
  },
}

function nobleAead(
  name: string,
  keyLengths: readonly number[],
  make: (
    key: Uint8Array,
    nonce: Uint8Array,
    aad: Uint8Array,
  ) => { encrypt(data: Uint8Array): Uint8Array; decrypt(data: Uint8Array): Uint8Array },
): Aead {
  return {
    encrypt(key, nonce, plaintext, aad) {
      checkBytes(key, 'key', ...keyLengths)
      checkBytes(nonce, 'nonce', aeadNonceLength)
      checkBytes(plaintext, 'plaintext')
      return make(key, nonce, checkAad(aad)).encrypt(plaintext)
    },
    decrypt(key, nonce, ciphertextWithTag, aad) {
      checkBytes(key, 'key', ...keyLengths)
      checkBytes(nonce, 'nonce', aeadNonceLength)
      checkBytes(ciphertextWithTag, 'ciphertextWithTag')
      const additional = checkAad(aad)
      if (ciphertextWithTag.length < aeadTagLength) {
        throw new CommonError('Common::AeadTagMismatch', `${name} input is shorter than its tag`)
      }
      try {
        return make(key, nonce, additional).decrypt(ciphertextWithTag)
      } catch (cause) {
        throw new CommonError('Common::AeadTagMismatch', `${name} tag does not verify`, { cause })
      }
    },
  }
}

/** HKDF-Expand with noble (RFC 5869 §2.3), argument checks included. */
export function nobleHkdfExpandSha256(prk: Uint8Array, info: Uint8Array, length: number): Uint8Array {
  checkBytes(prk, 'prk')
  checkBytes(info, 'info')
  checkOutputLength(length, hkdfSha256MaxLength, 'length')
  if (length === 0) return new Uint8Array(0)
  return expand(sha256, prk, info, length)
}

/** The pure-JS provider. */
export const nobleCrypto: CryptoProvider = Object.freeze({
  name: 'noble',
  randomBytes: webRandomBytes,
  sha256: (data: Uint8Array) => sha256(checkBytes(data, 'data')),
  sha512: (data: Uint8Array) => sha512(checkBytes(data, 'data')),
  keccak256: nobleKeccak256,
  hmacSha256: (key: Uint8Array, data: Uint8Array) =>
    hmac(sha256, checkBytes(key, 'key'), checkBytes(data, 'data')),
  hkdfSha256(ikm: Uint8Array, salt: Uint8Array, info: Uint8Array, length: number) {
    checkBytes(ikm, 'ikm')
    checkBytes(salt, 'salt')
    checkBytes(info, 'info')
    checkOutputLength(length, hkdfSha256MaxLength, 'length')
    if (length === 0) return new Uint8Array(0)
    return hkdf(sha256, ikm, salt, info, length)
  },
  hkdfExtractSha256: (salt: Uint8Array, ikm: Uint8Array) =>
    extract(sha256, checkBytes(ikm, 'ikm'), checkBytes(salt, 'salt')),
  hkdfExpandSha256: nobleHkdfExpandSha256,
  ed25519: Object.freeze(nobleEd25519),
  x25519: Object.freeze(nobleX25519),
  secp256k1: Object.freeze(nobleSecp256k1),
  aesGcm: Object.freeze(nobleAead('AES-GCM', aesKeyLengths, (key, nonce, aad) => gcm(key, nonce, aad))),
  chacha20poly1305: Object.freeze(
    nobleAead('ChaCha20-Poly1305', [32], (key, nonce, aad) => nobleChacha(key, nonce, aad)),
  ),
})
