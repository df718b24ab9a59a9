/**
 * The node:crypto provider: OpenSSL through node:crypto wherever Node has the primitive (SHA-2, HMAC, HKDF,
 * Ed25519, X25519, AES-GCM, ChaCha20-Poly1305), and for the rest (keccak, secp256k1, Ed25519ph) noble, with
 * libsodium's group operations for Ed25519ph verification, libsecp256k1 for key recovery and signing, the Keccak
 * team's code for Keccak-256 when their optional npm packages load (see native.ts; noble decides whatever
 * they refuse, so verdicts never change). X25519 and ChaCha20-Poly1305 also run on libsodium when it loads:
 * raw bytes in and out instead of a KeyObject per key (OpenSSL decides the X25519 inputs libsodium refuses)
 * and one call per AEAD operation instead of a cipher object. Ed25519 verification asks libsodium first and
 * keeps only its acceptances, each of which OpenSSL makes too; OpenSSL decides everything libsodium refuses.
 * Prepared Ed25519 signers sign with libsodium (deterministic signatures: the same bytes as OpenSSL's).
 *
 * node:crypto is reached through `process.getBuiltinModule` (Node >= 20.16, Bun, Deno), never through an
 * import statement: this module loads unchanged in a browser bundle (where `nodeCrypto` is `undefined`),
 * has no top-level await (so `require()` of the package works on Node >= 20.19), and no bundler tries to
 * resolve `node:crypto`.
 * @module
 */
import type * as NodeCryptoModule from 'node:crypto'
import { compareUnsigned, concatBytes, equalBytes, fromHex, toHex } from '../bytes.ts'
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
  ownBytes,
} from './checks.ts'
import { loadNativeBackends, type NativeBackends } from './native.ts'
import {
  checkRecoverable,
  dom2,
  isEd25519ScalarCanonical,
  nobleKeccak256,
  nobleSecp256k1,
  nobleSignEd25519Ph,
  verifyEd25519Cofactorless,
} from './noble.ts'
import type { Aead, CryptoProvider, Ed25519, Secp256k1, X25519, X25519KeyPair } from './types.ts'

type NodeCrypto = typeof NodeCryptoModule
type KeyObject = NodeCryptoModule.KeyObject

/** The JWK curve names of RFC 8037 §2 for the OKP keys we import. */
type OkpCurve = 'Ed25519' | 'X25519'

/** The largest `info` node's `hkdfSync` takes (Node's documented limit); longer ones take the HMAC path. */
const nodeHkdfMaxInfo = 1024

const maxRandomLength = 2 ** 30

/** The counter byte of the first HKDF-Expand block (RFC 5869 §2.3). */
const firstBlock = Uint8Array.of(1)

interface NodeApi {
  readonly nc: NodeCrypto
  readonly Buffer: typeof Buffer
  /** Whether private keys go in as JWK (fast) or as PKCS#8 DER (the fallback, see importPrivate). */
  readonly privateAsJwk: boolean
}

// RFC 8410 §7: a PKCS#8 Ed25519 / X25519 private key is this fixed DER prefix followed by the 32 raw bytes.
const pkcs8Prefix: Readonly<Record<OkpCurve, Uint8Array>> = {
  Ed25519: fromHex('302e020100300506032b657004220420'),
  X25519: fromHex('302e020100300506032b656e04220420'),
}

function base64url(api: NodeApi, bytes: Uint8Array): string {
  return api.Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64url')
}

// Keys go in and out as JWK (RFC 8037 §2) rather than DER: Node hands a JWK "d" or "x" straight to
// EVP_PKEY_new_raw_private_key / _public_key, while DER goes through OpenSSL 3's decoder framework, which
// measured 10-15x slower here (PKCS#8 import ~1.3 ms against ~0.1 ms for JWK). Node 20 reads only "d" of a
// private JWK ("x" must be a string and is otherwise unused), so an empty "x" is passed. Should a Node
// version start to check "x", the load-time probe sees it fail and private keys take PKCS#8 DER instead.
function importPrivate(api: NodeApi, crv: OkpCurve, raw: Uint8Array): KeyObject {
  if (api.privateAsJwk) {
    return api.nc.createPrivateKey({ key: { kty: 'OKP', crv, d: base64url(api, raw), x: '' }, format: 'jwk' })
  }
  const prefix = pkcs8Prefix[crv]
  const der = api.Buffer.alloc(prefix.length + raw.length)
  der.set(prefix, 0)
  der.set(raw, prefix.length)
  try {
    return api.nc.createPrivateKey({ key: der, format: 'der', type: 'pkcs8' })
  } finally {
    der.fill(0)
  }
}
function importPublic(api: NodeApi, crv: OkpCurve, raw: Uint8Array): KeyObject {
  return api.nc.createPublicKey({ key: { kty: 'OKP', crv, x: base64url(api, raw) }, format: 'jwk' })
}
function exportPublic(api: NodeApi, key: KeyObject): Uint8Array {
  const { x } = key.export({ format: 'jwk' })
  if (typeof x !== 'string')
    throw new CommonError('Common::CryptoFailure', 'node:crypto exported no public key')
  return ownBytes(api.Buffer.from(x, 'base64url'))
}

/** What {@link loadNodeCrypto} looks at on the global object. */
export interface NodeLikeGlobal {
  readonly process?: { versions?: { node?: unknown }; getBuiltinModule?: (id: string) => unknown }
}

function loadNodeCrypto(global: NodeLikeGlobal): NodeApi | undefined {
  const proc = global.process
  if (typeof proc?.versions?.node !== 'string' || typeof proc.getBuiltinModule !== 'function')
    return undefined
  try {
    const nc = proc.getBuiltinModule('node:crypto') as NodeCrypto | undefined
    if (nc === undefined || typeof nc.createPrivateKey !== 'function') return undefined
    const buffer = proc.getBuiltinModule('node:buffer') as { Buffer?: typeof Buffer } | undefined
    if (typeof buffer?.Buffer?.from !== 'function') return undefined
    // Probe what we rely on once (RFC 8032 §7.1 TEST 1: seed -> public key, sign, verify), so that a runtime
    // with a partial or different node:crypto falls back to noble as a whole instead of failing on first use.
    const seed = fromHex('9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60')
    const expected = 'd75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a'
    for (const privateAsJwk of [true, false]) {
      const api: NodeApi = { nc, Buffer: buffer.Buffer, privateAsJwk }
      try {
        const key = importPrivate(api, 'Ed25519', seed)
        if (toHex(exportPublic(api, nc.createPublicKey(key))) !== expected) continue
        const probe = new Uint8Array(3)
        const publicKey = importPublic(api, 'Ed25519', fromHex(expected))
        if (!nc.verify(null, probe, publicKey, nc.sign(null, probe, key))) return undefined
        importPrivate(api, 'X25519', seed)
      } catch {
        continue
      }
      const ciphers = nc.getCiphers()
      for (const c of ['chacha20-poly1305', 'aes-128-gcm', 'aes-192-gcm', 'aes-256-gcm']) {
        if (!ciphers.includes(c)) return undefined
      }
      return api
    }
    return undefined
  } catch {
    return undefined
  }
}

/**
 * A small least-recently-used map. Verifying many signatures under the same public key is the hot path of
 * identity and MLS, and building a KeyObject costs about as much as an OpenSSL verify; bounded so that a
 * peer sending fresh keys cannot grow memory.
 */
export class KeyCache<Value = KeyObject> {
  readonly #max: number
  /** How many entries it holds now (at most the bound given to the constructor). */
  get size(): number {
    return this.#map.size
  }
  readonly #map = new Map<string, Value>()
  constructor(max: number) {
    this.#max = max
  }
  get(id: string, make: () => Value): Value {
    const hit = this.#map.get(id)
    if (hit !== undefined) {
      // Re-insert: Map iterates in insertion order, so the first key is the least recently used.
      this.#map.delete(id)
      this.#map.set(id, hit)
      return hit
    }
    const made = make()
    this.#map.set(id, made)
    if (this.#map.size > this.#max) {
      const oldest = this.#map.keys().next()
      if (oldest.done !== true) this.#map.delete(oldest.value)
    }
    return made
  }
}

/** Public keys only: private keys are never cached (they would outlive the caller's zeroing). */
const publicKeyCacheSize = 512

function cacheId(bytes: Uint8Array): string {
  return String.fromCharCode(...bytes)
}

/** The order n of secp256k1's group, big-endian. */
const secp256k1Order = fromHex('fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141')

/**
 * `signRecoverable` on libsecp256k1: the bytes, refusals and errors of noble's (RFC 6979 nonce without
 * extra entropy, low s, `r || s || 27 + recovery`), about 12x faster; a hash of n or more goes to noble
 * (see `NativeBackends.secp256k1Sign`). Tested equal to noble's on random and edge inputs (native.test.ts).
 */
function signRecoverableNative(
  sign: NonNullable<NativeBackends['secp256k1Sign']>,
  hash32: Uint8Array,
  privateKey: Uint8Array,
): Uint8Array {
  checkBytes(hash32, 'hash32', 32)
  checkBytes(privateKey, 'privateKey', 32)
  // A hash of n or more is one libsecp256k1 signs with another nonce.
  if (compareUnsigned(hash32, secp256k1Order, 'big') >= 0)
    return nobleSecp256k1.signRecoverable(hash32, privateKey)
  const signed = sign(hash32, privateKey)
  if (signed === undefined) {
    throw new CommonError('Common::CryptoFailure', 'secp256k1 private key is zero or not below the order')
  }
  if (signed.recovery > 1) {
    // r >= n happens with probability ~2^-128 and has no Ethereum v byte.
    throw new CommonError('Common::CryptoFailure', 'signature needs recovery id above 1')
  }
  const out = new Uint8Array(65)
  out.set(signed.signature64, 0)
  out[64] = 27 + signed.recovery
  return out
}

function makeNodeCrypto(api: NodeApi, native: NativeBackends): CryptoProvider {
  const { nc } = api
  const ed25519PublicKeys = new KeyCache(publicKeyCacheSize)
  // HPKE seals to the same leaf keys commit after commit (every member of the copath resolution).
  const x25519PublicKeys = new KeyCache(publicKeyCacheSize)
  const privateKey = (crv: OkpCurve, raw: Uint8Array) => importPrivate(api, crv, raw)
  const publicKey = (crv: OkpCurve, raw: Uint8Array) => importPublic(api, crv, raw)
  const rawPublicKey = (key: KeyObject) => exportPublic(api, key)

  const digest =
    typeof nc.hash === 'function'
      ? (algorithm: string, data: Uint8Array) => ownBytes(nc.hash(algorithm, data, 'buffer'))
      : (algorithm: string, data: Uint8Array) => ownBytes(nc.createHash(algorithm).update(data).digest())

  const sha512 = (data: Uint8Array) => digest('sha512', data)

  /**
   * Ed25519ph (RFC 8032 §5.1.7 with dom2(1, C) and PH = SHA-512) under the rule of verifyEd25519Cofactorless:
   * S < L, k = SHA-512(dom2 || R || A || PH(M)) mod L, then encode([S]B - [k]A) must equal the R bytes, as
   * ed25519-dalek `verify_prehashed` checks. libsodium computes the point where it agrees to; whatever it
   * refuses (small-order or non-canonical A, S = 0, identity results) goes to the noble routine.
   */
  function verifyPh(
    signature: Uint8Array,
    message: Uint8Array,
    publicKeyBytes: Uint8Array,
    context: Uint8Array,
  ): boolean {
    checkBytes(signature, 'signature', 64)
    checkBytes(message, 'message')
    checkBytes(publicKeyBytes, 'publicKey', 32)
    checkContext(context)
    const prehash = sha512(message)
    const domain = dom2(1, context)
    const { ed25519SbMinusKa, ed25519ReduceScalar } = native
    if (ed25519SbMinusKa !== undefined && ed25519ReduceScalar !== undefined) {
      const r = signature.subarray(0, 32)
      const s = signature.subarray(32, 64)
      if (!isEd25519ScalarCanonical(s)) return false
      const k = ed25519ReduceScalar(sha512(concatBytes(domain, r, publicKeyBytes, prehash)))
      const check = ed25519SbMinusKa(s, k, publicKeyBytes)
      if (check !== undefined) return equalBytes(check, r)
    }
    return verifyEd25519Cofactorless(signature, prehash, publicKeyBytes, domain, sha512)
  }

  const sodiumVerify = native.ed25519Verify
  const sodiumSigner = native.ed25519Signer
  const { secp256k1Recover, secp256k1Sign, keccak256 } = native
  const secp: Secp256k1 =
    secp256k1Recover === undefined
      ? nobleSecp256k1
      : {
          getPublicKey: nobleSecp256k1.getPublicKey,
          signRecoverable:
            secp256k1Sign === undefined
              ? nobleSecp256k1.signRecoverable
              : (hash32, privateKey) => signRecoverableNative(secp256k1Sign, hash32, privateKey),
          recoverPublicKey(hash32, signature65) {
            const recovery = checkRecoverable(hash32, signature65)
            try {
              return secp256k1Recover(signature65.subarray(0, 64), recovery, hash32)
            } catch (cause) {
              throw new CommonError(
                'Common::CryptoFailure',
                'no public key can be recovered from this signature',
                { cause },
              )
            }
          },
        }

  function hmacSha256(key: Uint8Array, data: Uint8Array): Uint8Array {
    checkBytes(key, 'key')
    checkBytes(data, 'data')
    return ownBytes(nc.createHmac('sha256', key).update(data).digest())
  }

  function hkdfExpandSha256(prk: Uint8Array, info: Uint8Array, length: number): Uint8Array {
    checkBytes(prk, 'prk')
    checkBytes(info, 'info')
    checkOutputLength(length, hkdfSha256MaxLength, 'length')
    // RFC 5869 §2.3: T(i) = HMAC(PRK, T(i-1) || info || i), OKM = first L bytes of T(1) || T(2) || ...
    if (length <= 32) {
      // One block (every MLS and HPKE secret, key and nonce): T(1) = HMAC(PRK, info || 0x01).
      const block = nc.createHmac('sha256', prk).update(info).update(firstBlock).digest()
      return length === 32 ? ownBytes(block) : new Uint8Array(block.subarray(0, length))
    }
    const out = new Uint8Array(length)
    let previous: Uint8Array = new Uint8Array(0)
    for (let i = 1, offset = 0; offset < length; i++, offset += 32) {
      previous = nc.createHmac('sha256', prk).update(previous).update(info).update(Uint8Array.of(i)).digest()
      out.set(previous.subarray(0, Math.min(32, length - offset)), offset)
    }
    return out
  }

  const ed: Ed25519 = {
    randomPrivateKey: () => randomBytes(32),
    getPublicKey(secret) {
      checkBytes(secret, 'privateKey', 32)
      return rawPublicKey(nc.createPublicKey(privateKey('Ed25519', secret)))
    },
    sign(message, secret) {
      checkBytes(message, 'message')
      checkBytes(secret, 'privateKey', 32)
      return ownBytes(nc.sign(null, message, privateKey('Ed25519', secret)))
    },
    signer(secret) {
      checkBytes(secret, 'privateKey', 32)
      // libsodium where it loads: the same deterministic RFC 8032 signatures (its probe checks RFC 8032's
      // vectors, native.test.ts compares thousands with OpenSSL's), in about 60% of the CPU time.
      if (sodiumSigner !== undefined) {
        const sign = sodiumSigner(secret)
        return (message) => sign(checkBytes(message, 'message'))
      }
      const key = privateKey('Ed25519', secret)
      return (message) => ownBytes(nc.sign(null, checkBytes(message, 'message'), key))
    },
    verify(signature, message, publicKeyBytes) {
      checkBytes(signature, 'signature', 64)
      checkBytes(message, 'message')
      checkBytes(publicKeyBytes, 'publicKey', 32)
      // libsodium first, for its acceptances only: each one is an OpenSSL acceptance too (native.ts,
      // ed25519Verify), and it costs about half of node:crypto's verify, whose OpenSSL 3 fetches SHA-512 and
      // builds a digest context per call. S < L is checked here as well, so that a libsodium built with
      // ED25519_COMPAT (top three bits of S only) cannot accept a malleated S. Everything libsodium refuses
      // (forgeries, and the small-order or non-canonical keys and nonces OpenSSL accepts) is OpenSSL's call.
      if (
        sodiumVerify !== undefined &&
        isEd25519ScalarCanonical(signature.subarray(32, 64)) &&
        sodiumVerify(signature, message, publicKeyBytes)
      )
        return true
      let key: KeyObject
      try {
        key = ed25519PublicKeys.get(cacheId(publicKeyBytes), () => publicKey('Ed25519', publicKeyBytes))
      } catch {
        // A runtime whose OpenSSL refuses to import these bytes: decide with the shared rule instead.
        return verifyEd25519Cofactorless(signature, message, publicKeyBytes, new Uint8Array(0))
      }
      try {
        // OpenSSL: S < L, cofactorless, A decoded mod p (see verifyEd25519Cofactorless for the rule).
        return nc.verify(null, message, key, signature)
      } catch {
        return false
      }
    },
    signPh: nobleSignEd25519Ph,
    verifyPh,
  }

  function x25519SharedSecret(key: KeyObject, peer: Uint8Array): Uint8Array {
    checkBytes(peer, 'publicKey', 32)
    try {
      const peerKey = x25519PublicKeys.get(cacheId(peer), () => publicKey('X25519', peer))
      return ownBytes(nc.diffieHellman({ privateKey: key, publicKey: peerKey }))
    } catch (cause) {
      // OpenSSL refuses an all-zero result (RFC 7748 §6.1), i.e. a low-order public key.
      throw new CommonError('Common::CryptoFailure', 'X25519 public key is of low order', { cause })
    }
  }
  // The KeyObject is the provider's own copy of the key (imported or generated inside OpenSSL).
  const x25519KeyPair = (key: KeyObject): X25519KeyPair => ({
    publicKey: rawPublicKey(nc.createPublicKey(key)),
    sharedSecret: (peer) => x25519SharedSecret(key, peer),
  })

  const viaKeyObjects: X25519 = {
    randomPrivateKey: () => randomBytes(32),
    getPublicKey(secret) {
      checkBytes(secret, 'privateKey', 32)
      return rawPublicKey(nc.createPublicKey(privateKey('X25519', secret)))
    },
    sharedSecret(secret, peer) {
      checkBytes(secret, 'privateKey', 32)
      return x25519SharedSecret(privateKey('X25519', secret), peer)
    },
    generateKeyPair() {
      return x25519KeyPair(nc.generateKeyPairSync('x25519').privateKey)
    },
    keyPair(secret) {
      checkBytes(secret, 'privateKey', 32)
      return x25519KeyPair(privateKey('X25519', secret))
    },
  }

  // libsodium's scalar multiplication on raw bytes, where it loaded: no KeyObject is built per key. It
  // refuses exactly the all-zero result; those inputs go to OpenSSL, which refuses them too and gives the
  // error of the KeyObject path (so the verdicts and codes never depend on which library is installed).
  const nativeX25519 = native.x25519
  const nativeX25519Base = native.x25519Base
  const x: X25519 =
    nativeX25519 === undefined || nativeX25519Base === undefined
      ? viaKeyObjects
      : (() => {
          const shared = (secret: Uint8Array, peer: Uint8Array): Uint8Array => {
            checkBytes(peer, 'publicKey', 32)
            return nativeX25519(secret, peer) ?? viaKeyObjects.sharedSecret(secret, peer)
          }
          // The pair keeps its own copy of the private key.
          const pairOf = (own: Uint8Array, publicKey = nativeX25519Base(own)): X25519KeyPair => ({
            publicKey,
            sharedSecret: (peer) => shared(own, peer),
          })
          const generate = native.x25519GenerateKeyPair
          return {
            randomPrivateKey: () => randomBytes(32),
            getPublicKey(secret) {
              return nativeX25519Base(checkBytes(secret, 'privateKey', 32))
            },
            sharedSecret(secret, peer) {
              return shared(checkBytes(secret, 'privateKey', 32), peer)
            },
            generateKeyPair() {
              if (generate === undefined) return pairOf(randomBytes(32))
              const { privateKey: own, publicKey } = generate()
              return pairOf(own, publicKey)
            },
            keyPair(secret) {
              return pairOf(checkBytes(secret, 'privateKey', 32).slice())
            },
          }
        })()

  function aead(name: string, keyLengths: readonly number[], algorithm: (key: Uint8Array) => string): Aead {
    const options = { authTagLength: aeadTagLength } as const
    return {
      encrypt(key, nonce, plaintext, aad) {
        checkBytes(key, 'key', ...keyLengths)
        checkBytes(nonce, 'nonce', aeadNonceLength)
        checkBytes(plaintext, 'plaintext')
        const additional = checkAad(aad)
        const cipher = nc.createCipheriv(algorithm(key) as 'chacha20-poly1305', key, nonce, options)
        if (additional.length > 0) cipher.setAAD(additional, { plaintextLength: plaintext.length })
        const out = new Uint8Array(plaintext.length + aeadTagLength)
        const body = cipher.update(plaintext)
        out.set(body, 0)
        const rest = cipher.final()
        out.set(rest, body.length)
        out.set(cipher.getAuthTag(), body.length + rest.length)
        return out
      },
      decrypt(key, nonce, ciphertextWithTag, aad) {
        checkBytes(key, 'key', ...keyLengths)
        checkBytes(nonce, 'nonce', aeadNonceLength)
        checkBytes(ciphertextWithTag, 'ciphertextWithTag')
        const additional = checkAad(aad)
        if (ciphertextWithTag.length < aeadTagLength) {
          throw new CommonError('Common::AeadTagMismatch', `${name} input is shorter than its tag`)
        }
        const split = ciphertextWithTag.length - aeadTagLength
        const decipher = nc.createDecipheriv(algorithm(key) as 'chacha20-poly1305', key, nonce, options)
        decipher.setAuthTag(ciphertextWithTag.subarray(split))
        if (additional.length > 0) decipher.setAAD(additional, { plaintextLength: split })
        const out = new Uint8Array(split)
        const body = decipher.update(ciphertextWithTag.subarray(0, split))
        try {
          const rest = decipher.final()
          out.set(body, 0)
          out.set(rest, body.length)
        } catch (cause) {
          body.fill(0)
          throw new CommonError('Common::AeadTagMismatch', `${name} tag does not verify`, { cause })
        }
        return out
      },
    }
  }

  // libsodium's ChaCha20-Poly1305 where it loaded (one call per seal or open), same checks and errors.
  const chachaOnNode = aead('ChaCha20-Poly1305', [32], () => 'chacha20-poly1305')
  const { chacha20poly1305Seal: nativeSeal, chacha20poly1305Open: nativeOpen } = native
  const chacha20poly1305: Aead =
    nativeSeal === undefined || nativeOpen === undefined
      ? chachaOnNode
      : {
          encrypt(key, nonce, plaintext, aad) {
            checkBytes(key, 'key', 32)
            checkBytes(nonce, 'nonce', aeadNonceLength)
            checkBytes(plaintext, 'plaintext')
            return nativeSeal(key, nonce, plaintext, checkAad(aad))
          },
          decrypt(key, nonce, ciphertextWithTag, aad) {
            checkBytes(key, 'key', 32)
            checkBytes(nonce, 'nonce', aeadNonceLength)
            checkBytes(ciphertextWithTag, 'ciphertextWithTag')
            const additional = checkAad(aad)
            if (ciphertextWithTag.length < aeadTagLength) {
              throw new CommonError(
                'Common::AeadTagMismatch',
                'ChaCha20-Poly1305 input is shorter than its tag',
              )
            }
            const out = nativeOpen(key, nonce, ciphertextWithTag, additional)
            if (out === undefined) {
              throw new CommonError('Common::AeadTagMismatch', 'ChaCha20-Poly1305 tag does not verify')
            }
            return out
          },
        }

  function randomBytes(length: number): Uint8Array {
    checkOutputLength(length, maxRandomLength, 'length')
    return nc.randomFillSync(new Uint8Array(length))
  }

  return Object.freeze({
    name: 'node',
    nativeBackends: native.names,
    randomBytes,
    sha256: (data: Uint8Array) => digest('sha256', checkBytes(data, 'data')),
    sha512: (data: Uint8Array) => digest('sha512', checkBytes(data, 'data')),
    keccak256:
      keccak256 === undefined ? nobleKeccak256 : (data: Uint8Array) => keccak256(checkBytes(data, 'data')),
    hmacSha256,
    hkdfSha256(ikm: Uint8Array, salt: Uint8Array, info: Uint8Array, length: number) {
      checkBytes(ikm, 'ikm')
      checkBytes(salt, 'salt')
      checkBytes(info, 'info')
      checkOutputLength(length, hkdfSha256MaxLength, 'length')
      if (length === 0) return new Uint8Array(0)
      if (info.length > nodeHkdfMaxInfo) return hkdfExpandSha256(hmacSha256(salt, ikm), info, length)
      return new Uint8Array(nc.hkdfSync('sha256', ikm, salt, info, length))
    },
    hkdfExtractSha256: (salt: Uint8Array, ikm: Uint8Array) => hmacSha256(salt, ikm),
    hkdfExpandSha256,
    ed25519: Object.freeze(ed),
    x25519: Object.freeze(x),
    secp256k1: Object.freeze(secp),
    aesGcm: Object.freeze(aead('AES-GCM', aesKeyLengths, (key) => `aes-${key.length * 8}-gcm`)),
    chacha20poly1305: Object.freeze(chacha20poly1305),
  })
}

/** Options of {@link nodeCryptoFor}. */
export interface NodeCryptoOptions {
  /** Load the optional native backends (sodium-native, secp256k1, keccak); default true. */
  readonly native?: boolean
}

/**
 * The node:crypto provider for a given global object, or `undefined` when it has no usable node:crypto.
 * Internal (not exported from the package): lets the tests play a browser, and run without the native
 * backends to compare both paths.
 */
export function nodeCryptoFor(
  global: NodeLikeGlobal,
  options: NodeCryptoOptions = {},
): CryptoProvider | undefined {
  const api = loadNodeCrypto(global)
  if (api === undefined) return undefined
  return makeNodeCrypto(api, options.native === false ? { names: [] } : loadNativeBackends(global))
}

/**
 * The node:crypto provider, or `undefined` where node:crypto is absent (browsers, workers) or lacks a
 * primitive we rely on.
 */
export const nodeCrypto: CryptoProvider | undefined = nodeCryptoFor(globalThis as NodeLikeGlobal)
