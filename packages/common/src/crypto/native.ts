/**
 * Optional native backends for the primitives node:crypto lacks and identity verifies in bulk:
 * Ed25519ph with a context (XMTP installation keys), secp256k1 public-key recovery (EIP-191 wallets) and
 * Keccak-256 (the EIP-191 digest and every Ethereum address); and X25519, which node:crypto has but only
 * through KeyObjects (an MLS commit seals to every leaf of a 250-member group, and each seal built a key
 * pair and imported keys as JWK around two scalar multiplications).
 *
 * - `sodium-native` (libsodium, prebuilt binaries shipped inside the npm package) gives the group operations
 *   to compute `[S]B - [k]A`; the node provider then compares its encoding with R exactly as ed25519-dalek's
 *   `verify_prehashed` does. libsodium refuses some inputs that dalek and noble still evaluate (small-order or
 *   non-canonical A, S = 0, a product at the identity): {@link NativeBackends.ed25519SbMinusKa} answers
 *   `undefined` for those and the caller decides them with noble, so every verdict stays the noble one.
 *   Its X25519 (`crypto_scalarmult`, RFC 7748 §5) takes raw 32-byte scalars and u-coordinates; libsodium
 *   refuses exactly the all-zero result (a low-order u, RFC 7748 §6.1), which
 *   {@link NativeBackends.x25519} answers as `undefined`: the caller then asks node:crypto, whose OpenSSL
 *   refuses the same inputs, so the error is the one the KeyObject path gives. Its ChaCha20-Poly1305
 *   (RFC 8439) is one call per seal or open, where node:crypto builds a cipher object and makes five calls.
 * - `secp256k1` (libsecp256k1 through N-API, prebuilt for linux-x64, darwin-arm64, win32-x64) recovers keys
 *   under the same rules as noble (r and s in [1, n), the x = r point must exist, the hash taken mod n), and
 *   signs hashes below n with noble's bytes (RFC 6979, low s).
 * - `keccak` (the Keccak team's KeccakP-1600 code through N-API, prebuilt for linux-x64, darwin-x64,
 *   win32-x64) runs the Keccak-256 sponge of Ethereum: rate 1088, capacity 512, the original pad10*1 with
 *   suffix 0x01 (not SHA3-256's 0x06, so node:crypto's `sha3-256` is not it). Its addon is loaded through
 *   `node-gyp-build` directly, without the package's stream wrapper, which costs more than the hash.
 *
 * All are optional dependencies reached with `createRequire` (no import statement: a browser bundle never
 * sees them). A backend that does not load, or that fails its load-time probe against known answers, is
 * left out and noble does the work: slower, same verdicts.
 * @module
 */
import { equalBytes, fromHex, toHex } from '../bytes.ts'

/** What {@link loadNativeBackends} found. */
export interface NativeBackends {
  /**
   * The 32-byte encoding of `[s]B - [k]A` for little-endian scalars `s`, `k` below L and a 32-byte point
   * encoding `a`, or `undefined` where libsodium refuses to compute it (then decide with noble).
   */
  readonly ed25519SbMinusKa?: (s: Uint8Array, k: Uint8Array, a: Uint8Array) => Uint8Array | undefined
  /**
   * libsodium's Ed25519 verification (`crypto_sign_verify_detached`), used only for its acceptances: each
   * is one OpenSSL makes too, so the node provider answers `true` when this does and asks OpenSSL otherwise
   * (node.ts). libsodium checks S < L, refuses a non-canonical or small-order A and a small-order R, then
   * compares encode([S]B - [k]A) with the R bytes, k = SHA-512(R || A || M) mod L (RFC 8032 §5.1.7, no
   * cofactor); OpenSSL (`ossl_ed25519_verify`) makes the same comparison with A decoded mod p and only the
   * S < L check before it. For an A libsodium accepts, both decode the same point, hash the same bytes and
   * encode the same result, so libsodium never accepts what OpenSSL refuses; it refuses some inputs OpenSSL
   * accepts (small-order or non-canonical A, small-order R), which OpenSSL then decides.
   */
  readonly ed25519Verify?: (signature: Uint8Array, message: Uint8Array, publicKey: Uint8Array) => boolean
  /**
   * libsodium's Ed25519 signing key for a 32-byte seed: signatures of `crypto_sign_detached`, which are
   * RFC 8032's deterministic ones, byte for byte those OpenSSL makes (the probe checks RFC 8032 vectors).
   * The returned signer holds a copy of the seed (libsodium's 64-byte secret key, seed || public key).
   */
  readonly ed25519Signer?: (seed: Uint8Array) => (message: Uint8Array) => Uint8Array
  /** `x mod L` (32 bytes, little-endian) of a 64-byte little-endian integer (RFC 8032 §5.1.7 step 2). */
  readonly ed25519ReduceScalar?: (wide64: Uint8Array) => Uint8Array
  /**
   * X25519(scalar, u) (RFC 7748 §5: the scalar clamped, the top bit of u ignored, u taken modulo p), or
   * `undefined` where libsodium refuses: the all-zero result of a low-order u (RFC 7748 §6.1).
   */
  readonly x25519?: (scalar: Uint8Array, u: Uint8Array) => Uint8Array | undefined
  /** X25519(scalar, 9): the public key of a 32-byte private key (RFC 7748 §6.1). */
  readonly x25519Base?: (scalar: Uint8Array) => Uint8Array
  /**
   * A fresh X25519 key pair in one call (libsodium's `crypto_box_keypair`: 32 bytes from its CSPRNG, the
   * kernel's getrandom on Linux, and their public key).
   */
  readonly x25519GenerateKeyPair?: () => { readonly privateKey: Uint8Array; readonly publicKey: Uint8Array }
  /**
   * ChaCha20-Poly1305 (RFC 8439 §2.8) sealing: `ciphertext || tag` of a 32-byte key, 12-byte nonce,
   * plaintext and AAD (lengths checked by the caller).
   */
  readonly chacha20poly1305Seal?: (
    key: Uint8Array,
    nonce: Uint8Array,
    plaintext: Uint8Array,
    aad: Uint8Array,
  ) => Uint8Array
  /** Its opening: the plaintext, or `undefined` when the tag does not verify (input of at least 16 bytes). */
  readonly chacha20poly1305Open?: (
    key: Uint8Array,
    nonce: Uint8Array,
    ciphertextWithTag: Uint8Array,
    aad: Uint8Array,
  ) => Uint8Array | undefined
  /**
   * The 65-byte uncompressed key recovered from a 64-byte `r || s` signature with recovery id 0 or 1 over a
   * 32-byte hash. Throws (any error) when no key recovers.
   */
  readonly secp256k1Recover?: (signature64: Uint8Array, recovery: number, hash32: Uint8Array) => Uint8Array
  /**
   * The deterministic signature of a 32-byte hash below the group order n (libsecp256k1's default RFC 6979
   * nonce, no extra data, low s): `r || s` and the recovery id, or `undefined` when the private key is zero
   * or not below n. A hash of n or more is not given to it: libsecp256k1 seeds its nonce with the raw hash
   * where RFC 6979 §3.2 (and noble) seed it with the hash reduced mod n, so the signatures would differ.
   */
  readonly secp256k1Sign?: (
    hash32: Uint8Array,
    privateKey: Uint8Array,
  ) => { readonly signature64: Uint8Array; readonly recovery: number } | undefined
  /** Keccak-256 (Ethereum's, pad 0x01) of any bytes, 32 bytes out. */
  readonly keccak256?: (data: Uint8Array) => Uint8Array
  /** The backends that loaded and passed their probe, for benchmarks and diagnostics. */
  readonly names: readonly NativeBackendName[]
}

/** The name of a native backend in {@link NativeBackends.names}. */
export type NativeBackendName = 'libsodium' | 'libsecp256k1' | 'libkeccak'

/** The sponge object of the `keccak` addon (src/addon.cc of the package: one KeccakWidth1600 sponge). */
interface KeccakSponge {
  initialize(rate: number, capacity: number): void
  absorb(data: Uint8Array): void
  absorbLastFewBits(bits: number): void
  squeeze(length: number): Uint8Array
}

interface SodiumNative {
  crypto_scalarmult_ed25519_base_noclamp(q: Uint8Array, n: Uint8Array): void
  crypto_scalarmult_ed25519_noclamp(q: Uint8Array, n: Uint8Array, p: Uint8Array): void
  crypto_core_ed25519_sub(r: Uint8Array, p: Uint8Array, q: Uint8Array): void
  crypto_core_ed25519_scalar_reduce(r: Uint8Array, s: Uint8Array): void
  crypto_sign_verify_detached(sig: Uint8Array, m: Uint8Array, pk: Uint8Array): boolean
  crypto_sign_seed_keypair(pk: Uint8Array, sk: Uint8Array, seed: Uint8Array): void
  crypto_sign_detached(sig: Uint8Array, m: Uint8Array, sk: Uint8Array): void
  crypto_scalarmult(q: Uint8Array, n: Uint8Array, p: Uint8Array): void
  crypto_scalarmult_base(q: Uint8Array, n: Uint8Array): void
  crypto_box_keypair(pk: Uint8Array, sk: Uint8Array): void
  crypto_aead_chacha20poly1305_ietf_encrypt(
    c: Uint8Array,
    m: Uint8Array,
    ad: Uint8Array,
    nsec: null,
    npub: Uint8Array,
    k: Uint8Array,
  ): number
  crypto_aead_chacha20poly1305_ietf_decrypt(
    m: Uint8Array,
    nsec: null,
    c: Uint8Array,
    ad: Uint8Array,
    npub: Uint8Array,
    k: Uint8Array,
  ): number
}

interface Secp256k1Native {
  ecdsaRecover(sig: Uint8Array, recid: number, msg32: Uint8Array, compressed: boolean): Uint8Array
  ecdsaSign?(msg32: Uint8Array, seckey: Uint8Array): { signature: Uint8Array; recid: number }
  privateKeyVerify?(seckey: Uint8Array): boolean
}

type Require = ((id: string) => unknown) & { resolve?: (id: string) => string }

/** What the loader looks at on the global object (the node provider's global). */
export interface NativeLikeGlobal {
  readonly process?: { versions?: { node?: unknown }; getBuiltinModule?: (id: string) => unknown }
}

function requireFor(global: NativeLikeGlobal): Require | undefined {
  const proc = global.process
  if (typeof proc?.versions?.node !== 'string' || typeof proc.getBuiltinModule !== 'function')
    return undefined
  try {
    const mod = proc.getBuiltinModule('node:module') as
      | { createRequire?: (from: string) => Require }
      | undefined
    if (typeof mod?.createRequire !== 'function') return undefined
    return mod.createRequire(import.meta.url)
  } catch {
    return undefined
  }
}

type SodiumBackends = Pick<
  NativeBackends,
  | 'ed25519SbMinusKa'
  | 'ed25519ReduceScalar'
  | 'ed25519Verify'
  | 'ed25519Signer'
  | 'x25519'
  | 'x25519Base'
  | 'x25519GenerateKeyPair'
  | 'chacha20poly1305Seal'
  | 'chacha20poly1305Open'
>

function loadSodium(require: Require): SodiumBackends {
  let sodium: SodiumNative
  try {
    sodium = require('sodium-native') as SodiumNative
  } catch {
    return {}
  }
  if (sodium === null || typeof sodium !== 'object') return {}
  return {
    ...loadSodiumEd25519(sodium),
    ...loadSodiumEd25519Verify(sodium),
    ...loadSodiumEd25519Sign(sodium),
    ...loadSodiumX25519(sodium),
    ...loadSodiumChaCha(sodium),
  }
}

function loadSodiumEd25519(sodium: SodiumNative): SodiumBackends {
  for (const fn of [
    'crypto_scalarmult_ed25519_base_noclamp',
    'crypto_scalarmult_ed25519_noclamp',
    'crypto_core_ed25519_sub',
    'crypto_core_ed25519_scalar_reduce',
  ] as const) {
    if (typeof sodium[fn] !== 'function') return {}
  }
  const sbMinusKa = (s: Uint8Array, k: Uint8Array, a: Uint8Array): Uint8Array | undefined => {
    const sb = new Uint8Array(32)
    const ka = new Uint8Array(32)
    const out = new Uint8Array(32)
    try {
      // Each throws where libsodium returns -1: s = 0 or k = 0, A non-canonical, of small order or outside
      // the prime-order subgroup, or a product at the identity. None of those is a verdict: noble decides.
      sodium.crypto_scalarmult_ed25519_base_noclamp(sb, s)
      sodium.crypto_scalarmult_ed25519_noclamp(ka, k, a)
      sodium.crypto_core_ed25519_sub(out, sb, ka)
    } catch {
      return undefined
    }
    return out
  }
  const reduce = (wide64: Uint8Array): Uint8Array => {
    const out = new Uint8Array(32)
    sodium.crypto_core_ed25519_scalar_reduce(out, wide64)
    return out
  }
  // Probe: [1]B - [1]B would be refused (identity), so use [3]B - [1]B = [2]B, and 2^512 - 1 mod L.
  try {
    const one = new Uint8Array(32)
    one[0] = 1
    const three = new Uint8Array(32)
    three[0] = 3
    const base = fromHex('5866666666666666666666666666666666666666666666666666666666666666')
    const twoB = fromHex('c9a3f86aae465f0e56513864510f3997561fa2c9e85ea21dc2292309f3cd6022')
    const reducedMax = fromHex('000f9c44e31106a447938568a71b0ed065bef517d273ecce3d9a307c1b419903')
    const got = sbMinusKa(three, one, base)
    if (got === undefined || !equalBytes(got, twoB)) return {}
    if (!equalBytes(reduce(new Uint8Array(64).fill(0xff)), reducedMax)) return {}
  } catch {
    return {}
  }
  return { ed25519SbMinusKa: sbMinusKa, ed25519ReduceScalar: reduce }
}

function loadSodiumEd25519Verify(sodium: SodiumNative): SodiumBackends {
  if (typeof sodium.crypto_sign_verify_detached !== 'function') return {}
  const verify = (signature: Uint8Array, message: Uint8Array, publicKey: Uint8Array): boolean => {
    try {
      return sodium.crypto_sign_verify_detached(signature, message, publicKey) === true
    } catch {
      return false
    }
  }
  // Probe: RFC 8032 §7.1 TEST 2 is accepted; with one bit flipped in R, in S, in the message or in the key,
  // with S + L, or under the other TEST 1 key, it is refused. A build that accepts what it must refuse would
  // make the node provider accept forgeries, so it is left out.
  try {
    const publicKey = fromHex('3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c')
    const message = fromHex('72')
    const signature = fromHex(
      '92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00',
    )
    if (!verify(signature, message, publicKey)) return {}
    const flipped = (bytes: Uint8Array, index: number) => {
      const out = bytes.slice()
      out[index] = (out[index] as number) ^ 1
      return out
    }
    const sPlusL = signature.slice()
    const l = fromHex('edd3f55c1a631258d69cf7a2def9de1400000000000000000000000000000010')
    for (let i = 0, carry = 0; i < 32; i++) {
      const sum = (sPlusL[32 + i] as number) + (l[i] as number) + carry
      sPlusL[32 + i] = sum & 0xff
      carry = sum >> 8
    }
    const otherKey = fromHex('d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a')
    if (
      verify(flipped(signature, 0), message, publicKey) ||
      verify(flipped(signature, 40), message, publicKey) ||
      verify(signature, flipped(message, 0), publicKey) ||
      verify(signature, message, flipped(publicKey, 1)) ||
      verify(sPlusL, message, publicKey) ||
      verify(signature, message, otherKey)
    )
      return {}
  } catch {
    return {}
  }
  return { ed25519Verify: verify }
}

function loadSodiumEd25519Sign(sodium: SodiumNative): SodiumBackends {
  if (
    typeof sodium.crypto_sign_seed_keypair !== 'function' ||
    typeof sodium.crypto_sign_detached !== 'function'
  )
    return {}
  const signer = (seed: Uint8Array) => {
    const publicKey = new Uint8Array(32)
    const secretKey = new Uint8Array(64)
    sodium.crypto_sign_seed_keypair(publicKey, secretKey, seed)
    return (message: Uint8Array): Uint8Array => {
      const signature = new Uint8Array(64)
      sodium.crypto_sign_detached(signature, message, secretKey)
      return signature
    }
  }
  // Probe: RFC 8032 §7.1 TEST 1 (empty message) and TEST 2 (one byte), exact signatures: a build that signs
  // differently (randomized nonces, another key expansion) is left out and OpenSSL keeps signing.
  try {
    const vectors: [string, string, string][] = [
      [
        '9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60',
        '',
        'e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b',
      ],
      [
        '4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb',
        '72',
        '92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00',
      ],
    ]
    for (const [seed, message, signature] of vectors) {
      if (toHex(signer(fromHex(seed))(fromHex(message))) !== signature) return {}
    }
  } catch {
    return {}
  }
  return { ed25519Signer: signer }
}

function loadSodiumX25519(sodium: SodiumNative): SodiumBackends {
  if (typeof sodium.crypto_scalarmult !== 'function' || typeof sodium.crypto_scalarmult_base !== 'function')
    return {}
  const x25519 = (scalar: Uint8Array, u: Uint8Array): Uint8Array | undefined => {
    const out = new Uint8Array(32)
    try {
      // Throws where libsodium returns -1: the result is all zero (u of low order, on the curve or its
      // twist, RFC 7748 §6.1); its blacklist of small-order u gives only such results.
      sodium.crypto_scalarmult(out, scalar, u)
    } catch {
      return undefined
    }
    return out
  }
  const x25519Base = (scalar: Uint8Array): Uint8Array => {
    const out = new Uint8Array(32)
    sodium.crypto_scalarmult_base(out, scalar)
    return out
  }
  // Probe: RFC 7748 §5.2 (first vector: unclamped scalar, u with its top bit set), §6.1 (Alice's public
  // key), and the refusal of u = 0 (a low-order point whose product is all zero).
  try {
    const product = x25519(
      fromHex('a546e36bf0527c9d3b16154b82465edd62144c0ac1fc5a18506a2244ba449ac4'),
      fromHex('e6db6867583030db3594c1a424b15f7c726624ec26b3353b10a903a6d0ab1c4c'),
    )
    const expected = fromHex('c3da55379de9c6908e94ea4df28d084f32eccf03491c71f754b4075577a28552')
    if (product === undefined || !equalBytes(product, expected)) return {}
    const alice = x25519Base(fromHex('77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a'))
    if (!equalBytes(alice, fromHex('8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a')))
      return {}
    if (x25519(new Uint8Array(32).fill(1), new Uint8Array(32)) !== undefined) return {}
  } catch {
    return {}
  }
  if (typeof sodium.crypto_box_keypair !== 'function') return { x25519, x25519Base }
  const x25519GenerateKeyPair = () => {
    const publicKey = new Uint8Array(32)
    const privateKey = new Uint8Array(32)
    sodium.crypto_box_keypair(publicKey, privateKey)
    return { privateKey, publicKey }
  }
  // Probe: two pairs, each public key that of its private key, the two private keys different.
  try {
    const a = x25519GenerateKeyPair()
    const b = x25519GenerateKeyPair()
    if (
      !equalBytes(a.publicKey, x25519Base(a.privateKey)) ||
      !equalBytes(b.publicKey, x25519Base(b.privateKey))
    )
      return { x25519, x25519Base }
    if (equalBytes(a.privateKey, b.privateKey)) return { x25519, x25519Base }
  } catch {
    return { x25519, x25519Base }
  }
  return { x25519, x25519Base, x25519GenerateKeyPair }
}

function loadSodiumChaCha(sodium: SodiumNative): SodiumBackends {
  if (
    typeof sodium.crypto_aead_chacha20poly1305_ietf_encrypt !== 'function' ||
    typeof sodium.crypto_aead_chacha20poly1305_ietf_decrypt !== 'function'
  )
    return {}
  // One call each, against node:crypto's cipher object, AAD, update, final and tag calls.
  const seal = (key: Uint8Array, nonce: Uint8Array, plaintext: Uint8Array, aad: Uint8Array) => {
    const out = new Uint8Array(plaintext.length + 16)
    sodium.crypto_aead_chacha20poly1305_ietf_encrypt(out, plaintext, aad, null, nonce, key)
    return out
  }
  const open = (key: Uint8Array, nonce: Uint8Array, ciphertextWithTag: Uint8Array, aad: Uint8Array) => {
    const out = new Uint8Array(ciphertextWithTag.length - 16)
    try {
      // libsodium checks the tag before decrypting and throws (-1) when it does not verify.
      sodium.crypto_aead_chacha20poly1305_ietf_decrypt(out, null, ciphertextWithTag, aad, nonce, key)
    } catch {
      return undefined
    }
    return out
  }
  // Probe: RFC 8439 §2.8.2 (the sunscreen text), sealed and opened, and refused with one tag bit flipped.
  try {
    const key = fromHex('808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f')
    const nonce = fromHex('070000004041424344454647')
    const aad = fromHex('50515253c0c1c2c3c4c5c6c7')
    const plaintext = new TextEncoder().encode(
      "Ladies and Gentlemen of the class of '99: If I could offer you only one tip for the future, sunscreen would be it.",
    )
    const sealed = seal(key, nonce, plaintext, aad)
    if (
      toHex(sealed.subarray(0, 16)) !== 'd31a8d34648e60db7b86afbc53ef7ec2' ||
      toHex(sealed.subarray(sealed.length - 16)) !== '1ae10b594f09e26a7e902ecbd0600691'
    )
      return {}
    const opened = open(key, nonce, sealed, aad)
    if (opened === undefined || !equalBytes(opened, plaintext)) return {}
    sealed[sealed.length - 1] = (sealed[sealed.length - 1] as number) ^ 1
    if (open(key, nonce, sealed, aad) !== undefined) return {}
  } catch {
    return {}
  }
  return { chacha20poly1305Seal: seal, chacha20poly1305Open: open }
}

function loadSecp256k1(require: Require): Pick<NativeBackends, 'secp256k1Recover' | 'secp256k1Sign'> {
  let secp: Secp256k1Native
  try {
    // `secp256k1/bindings` is the N-API addon only; the package's main entry would silently fall back to
    // elliptic (pure JS, slower than noble) when the addon is missing.
    secp = require('secp256k1/bindings') as Secp256k1Native
    if (typeof secp.ecdsaRecover !== 'function') return {}
  } catch {
    return {}
  }
  const recover = (signature64: Uint8Array, recovery: number, hash32: Uint8Array): Uint8Array => {
    const out = secp.ecdsaRecover(signature64, recovery, hash32, false)
    return out.byteOffset === 0 && out.byteLength === out.buffer.byteLength ? out : new Uint8Array(out)
  }
  // Probe: the key of private key 1 (the generator G) from its RFC 6979 signature of 32 bytes 0x01.
  try {
    const hash = new Uint8Array(32).fill(1)
    const signature = fromHex(
      '747a6c6bd9a8ff0b77a99b8f274f5df5198b5dddc33edd4bc89e459d13dfa6177431bfa016325b8f27491781d1c462999f1dde760560373a517d29161c2df139',
    )
    const g = fromHex(
      '0479be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798483ada7726a3c4655da4fbfc0e1108a8fd17b448a68554199c47d08ffb10d4b8',
    )
    if (!equalBytes(recover(signature, 1, hash), g)) return {}
  } catch {
    return {}
  }
  return { secp256k1Recover: recover, ...loadSecp256k1Sign(secp) }
}

/**
 * Signing through the same addon, when it has it and answers its probes: private key 1 signs 32 bytes
 * 0x01 to the RFC 6979 signature the recovery probe uses (recovery id 1), and keys 0 and n are refused.
 */
function loadSecp256k1Sign(secp: Secp256k1Native): Pick<NativeBackends, 'secp256k1Sign'> {
  const { ecdsaSign, privateKeyVerify } = secp
  if (typeof ecdsaSign !== 'function' || typeof privateKeyVerify !== 'function') return {}
  const sign = (hash32: Uint8Array, privateKey: Uint8Array) => {
    if (!privateKeyVerify.call(secp, privateKey)) return undefined
    const { signature, recid } = ecdsaSign.call(secp, hash32, privateKey)
    return { signature64: new Uint8Array(signature), recovery: recid }
  }
  try {
    const one = new Uint8Array(32)
    one[31] = 1
    const signed = sign(new Uint8Array(32).fill(1), one)
    if (
      signed === undefined ||
      signed.recovery !== 1 ||
      toHex(signed.signature64) !==
        '747a6c6bd9a8ff0b77a99b8f274f5df5198b5dddc33edd4bc89e459d13dfa6177431bfa016325b8f27491781d1c462999f1dde760560373a517d29161c2df139'
    )
      return {}
    const order = fromHex('fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141')
    if (sign(one, new Uint8Array(32)) !== undefined || sign(one, order) !== undefined) return {}
  } catch {
    return {}
  }
  return { secp256k1Sign: sign }
}

function loadKeccak(require: Require): Pick<NativeBackends, 'keccak256'> {
  let sponge: KeccakSponge
  try {
    if (typeof require.resolve !== 'function') return {}
    // The package folder (where its prebuilds/ are), and node-gyp-build to pick the prebuild for this
    // platform, libc and Node ABI, as the package's own bindings.js does.
    const folder = require.resolve('keccak/package.json').replace(/[\\/]package\.json$/, '')
    const build = require('node-gyp-build') as (dir: string) => unknown
    const Sponge = build(folder) as new () => KeccakSponge
    if (typeof Sponge !== 'function') return {}
    sponge = new Sponge()
  } catch {
    return {}
  }
  // One sponge, re-initialized per hash: the calls are synchronous, so no two hashes interleave on it.
  const keccak256 = (data: Uint8Array): Uint8Array => {
    sponge.initialize(1088, 512)
    sponge.absorb(data)
    sponge.absorbLastFewBits(0x01)
    const out = sponge.squeeze(32)
    return out.byteOffset === 0 && out.byteLength === out.buffer.byteLength
      ? new Uint8Array(out.buffer, 0, 32)
      : new Uint8Array(out)
  }
  // Probe: Keccak-256 of the empty string, of "abc", and of 200 bytes 0xa3 (two blocks: 200 > 136).
  try {
    const answers: [Uint8Array, string][] = [
      [new Uint8Array(0), 'c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470'],
      [Uint8Array.of(0x61, 0x62, 0x63), '4e03657aea45a94fc7d47ba826c8d667c0d1e6e33a64a036ec44f58fa12d6c45'],
      [new Uint8Array(200).fill(0xa3), '3a57666b048777f2c953dc4456f45a2588e1cb6f2da760122d530ac2ce607d4a'],
    ]
    for (const [input, hex] of answers) if (!equalBytes(keccak256(input), fromHex(hex))) return {}
  } catch {
    return {}
  }
  return { keccak256 }
}

/** Loads the native backends that are installed and answer their probe; none in a browser. */
export function loadNativeBackends(global: NativeLikeGlobal): NativeBackends {
  const require = requireFor(global)
  if (require === undefined) return { names: [] }
  const sodium = loadSodium(require)
  const secp = loadSecp256k1(require)
  const keccak = loadKeccak(require)
  const names: NativeBackendName[] = []
  if (
    sodium.ed25519SbMinusKa !== undefined ||
    sodium.ed25519Verify !== undefined ||
    sodium.ed25519Signer !== undefined ||
    sodium.x25519 !== undefined ||
    sodium.chacha20poly1305Seal !== undefined
  )
    names.push('libsodium')
  if (secp.secp256k1Recover !== undefined) names.push('libsecp256k1')
  if (keccak.keccak256 !== undefined) names.push('libkeccak')
  return { ...sodium, ...secp, ...keccak, names }
}
