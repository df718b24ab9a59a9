/**
 * Suite 0x0003 for ts-mls on our crypto provider (`@xmtp-lite/common` `defaultCrypto`: node:crypto where
 * present, noble otherwise). ts-mls's default provider pays a WebCrypto key import on every HMAC, HKDF,
 * Ed25519 and HPKE call; here every primitive is a direct synchronous call.
 *
 * HPKE (RFC 9180) base mode (hpke.ts) is implemented on those primitives for DHKEM(X25519, HKDF-SHA256)
 * 0x0020, HKDF-SHA256 0x0001, ChaCha20-Poly1305 0x0003, the HPKE suite of MLS ciphersuite 0x0003
 * (RFC 9420 §17.1). Its output is checked against `@hpke/core` in provider.test.ts.
 * @module
 */
import { type CryptoProvider, defaultCrypto, equalBytes } from '@xmtp-lite/common'
import type { CiphersuiteImpl } from 'ts-mls'
import type { Hash } from 'ts-mls/crypto/hash.js'
import type { Hpke, PrivateKey, PublicKey } from 'ts-mls/crypto/hpke.js'
import type { Kdf } from 'ts-mls/crypto/kdf.js'
import type { Signature } from 'ts-mls/crypto/signature.js'
import { CryptoError } from 'ts-mls/mlsError.js'
import { hpkeSuiteId, kemSuiteId, makeHpkeBase } from './hpke.ts'
import { xmtpCiphersuiteName } from './suite.ts'

/** A raw key standing in for ts-mls's CryptoKey-typed HPKE keys (ts-mls only passes them back to us). */
interface RawKey {
  readonly raw: Uint8Array
  readonly type: 'public' | 'private'
}

type Signer = (message: Uint8Array) => Uint8Array

const empty = new Uint8Array()

function constantTimeEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false
  let diff = 0
  for (let i = 0; i < a.length; i++) diff |= (a[i] as number) ^ (b[i] as number)
  return diff === 0
}

/** Builds the ts-mls suite implementation of 0x0003 on `crypto`. */
export function makeXmtpSuite(crypto: CryptoProvider = defaultCrypto): CiphersuiteImpl {
  const { labeledExtract, labeledExpand, encap, decap, keySchedule } = makeHpkeBase(crypto)

  const raw = (k: PublicKey | PrivateKey): Uint8Array => (k as unknown as RawKey).raw
  const asPublic = (bytes: Uint8Array) => ({ raw: bytes, type: 'public' }) as unknown as PublicKey
  const asPrivate = (bytes: Uint8Array) => ({ raw: bytes, type: 'private' }) as unknown as PrivateKey

  const aeadSeal = (key: Uint8Array, nonce: Uint8Array, aad: Uint8Array | undefined, plaintext: Uint8Array) =>
    crypto.chacha20poly1305.encrypt(key, nonce, plaintext, aad ?? empty)
  const aeadOpen = (
    key: Uint8Array,
    nonce: Uint8Array,
    aad: Uint8Array | undefined,
    ciphertext: Uint8Array,
  ) => {
    try {
      return crypto.chacha20poly1305.decrypt(key, nonce, ciphertext, aad ?? empty)
    } catch (e) {
      throw new CryptoError(`AEAD open failed: ${String(e)}`)
    }
  }

  const hpke: Hpke = {
    keyLength: 32,
    nonceLength: 12,
    async seal(publicKey, plaintext, info, aad) {
      const { enc, shared } = encap(raw(publicKey))
      const { key, baseNonce } = keySchedule(shared, info)
      return { ct: aeadSeal(key, baseNonce, aad, plaintext), enc }
    },
    async open(privateKey, kemOutput, ciphertext, info, aad) {
      const { key, baseNonce } = keySchedule(decap(raw(privateKey), kemOutput), info)
      return aeadOpen(key, baseNonce, aad, ciphertext)
    },
    async exportSecret(publicKey, exporterContext, length, info) {
      const { enc, shared } = encap(raw(publicKey))
      const { exporterSecret } = keySchedule(shared, info, true)
      return { enc, secret: labeledExpand(hpkeSuiteId, exporterSecret, 'sec', exporterContext, length) }
    },
    async importSecret(privateKey, exporterContext, kemOutput, length, info) {
      const { exporterSecret } = keySchedule(decap(raw(privateKey), kemOutput), info, true)
      return labeledExpand(hpkeSuiteId, exporterSecret, 'sec', exporterContext, length)
    },
    async importPrivateKey(k) {
      if (k.length !== 32) throw new CryptoError('an X25519 private key is 32 bytes')
      return asPrivate(k)
    },
    async importPublicKey(k) {
      if (k.length !== 32) throw new CryptoError('an X25519 public key is 32 bytes')
      return asPublic(k)
    },
    async exportPublicKey(k) {
      return raw(k)
    },
    async exportPrivateKey(k) {
      return raw(k)
    },
    async encryptAead(key, nonce, aad, plaintext) {
      return aeadSeal(key, nonce, aad, plaintext)
    },
    async decryptAead(key, nonce, aad, ciphertext) {
      return aeadOpen(key, nonce, aad, ciphertext)
    },
    async deriveKeyPair(ikm) {
      // DeriveKeyPair for X25519 (RFC 9180 §7.1.3).
      const dkpPrk = labeledExtract(kemSuiteId, empty, 'dkp_prk', ikm)
      const sk = labeledExpand(kemSuiteId, dkpPrk, 'sk', empty, 32)
      return { privateKey: asPrivate(sk), publicKey: asPublic(crypto.x25519.getPublicKey(sk)) }
    },
    async generateKeyPair() {
      const sk = crypto.x25519.randomPrivateKey()
      return { privateKey: asPrivate(sk), publicKey: asPublic(crypto.x25519.getPublicKey(sk)) }
    },
  }

  const hash: Hash = {
    async digest(data) {
      return crypto.sha256(data)
    },
    async mac(key, data) {
      return crypto.hmacSha256(key, data)
    },
    async verifyMac(key, mac, data) {
      return constantTimeEqual(crypto.hmacSha256(key, data), mac)
    },
  }

  const kdf: Kdf = {
    size: 32,
    async extract(salt, ikm) {
      return crypto.hkdfExtractSha256(salt, ikm)
    },
    async expand(prk, info, length) {
      return crypto.hkdfExpandSha256(prk, info, length)
    },
  }

  const seedOf = (signKey: Uint8Array): Uint8Array =>
    // ts-mls's own keygen hands out PKCS#8 (48 bytes, seed last); ours are raw 32-byte seeds.
    signKey.length === 48 ? signKey.subarray(16) : signKey
  // The group's signature key signs every message it sends: keep it prepared (node:crypto otherwise
  // re-imports it, deriving its public key, on every signature). Keyed by the caller's key array, whose
  // bytes must still equal the copy taken; the entry goes away with that array.
  const signers = new WeakMap<Uint8Array, { readonly seed: Uint8Array; readonly sign: Signer }>()
  const signerOf = (signKey: Uint8Array): Signer => {
    const seed = seedOf(signKey)
    const known = signers.get(signKey)
    if (known !== undefined && equalBytes(known.seed, seed)) return known.sign
    const sign = crypto.ed25519.signer(seed)
    signers.set(signKey, { seed: seed.slice(), sign })
    return sign
  }
  const signature: Signature = {
    async sign(signKey, message) {
      return signerOf(signKey)(message)
    },
    async verify(publicKey, message, sig) {
      try {
        return crypto.ed25519.verify(sig, message, publicKey)
      } catch {
        return false
      }
    },
    async keygen() {
      const signKey = crypto.ed25519.randomPrivateKey()
      return { signKey, publicKey: crypto.ed25519.getPublicKey(signKey) }
    },
  }

  return {
    name: xmtpCiphersuiteName,
    hash,
    hpke,
    kdf,
    signature,
    rng: { randomBytes: (n) => crypto.randomBytes(n) },
  }
}
