/**
 * The shape of a crypto provider: every primitive xmtp-lite needs, synchronous, bytes in and bytes out.
 *
 * Two implementations exist: {@link nobleCrypto} (pure JS, `@noble/*`, runs everywhere) and `nodeCrypto`
 * (node:crypto / OpenSSL where Node has the primitive, noble where it does not). Both give the same bytes
 * and the same verdicts for every input, the test suite runs over both.
 * @module
 */

/** An AEAD with a 16-byte tag appended to the ciphertext (RFC 5116 §5.1 layout). */
export interface Aead {
  /**
   * Encrypts `plaintext`; returns `ciphertext || tag` (tag 16 bytes).
   * @throws {CommonError} `Common::InvalidLength` on a wrong key or nonce length.
   */
  encrypt(key: Uint8Array, nonce: Uint8Array, plaintext: Uint8Array, aad?: Uint8Array): Uint8Array
  /**
   * Decrypts `ciphertext || tag`; returns the plaintext.
   * @throws {CommonError} `Common::AeadTagMismatch` when the tag does not verify or the input is shorter than
   * a tag; `Common::InvalidLength` on a wrong key or nonce length.
   */
  decrypt(key: Uint8Array, nonce: Uint8Array, ciphertextWithTag: Uint8Array, aad?: Uint8Array): Uint8Array
}

/** Ed25519 (RFC 8032): pure Ed25519 and Ed25519ph. Private keys are 32-byte seeds. */
export interface Ed25519 {
  /** A fresh 32-byte seed from the CSPRNG. */
  randomPrivateKey(): Uint8Array
  /** The 32-byte public key of a 32-byte seed (RFC 8032 §5.1.5). */
  getPublicKey(privateKey: Uint8Array): Uint8Array
  /** A 64-byte `R || S` signature (RFC 8032 §5.1.6); deterministic. */
  sign(message: Uint8Array, privateKey: Uint8Array): Uint8Array
  /**
   * `privateKey` prepared once for many signatures: `signer(k)(m)` equals `sign(m, k)`, without importing the
   * key again per message (node:crypto derives the public key on every import). The function holds its own
   * copy of the key: drop it when the key is retired.
   * @throws {CommonError} `Common::InvalidLength` unless the key is 32 bytes.
   */
  signer(privateKey: Uint8Array): (message: Uint8Array) => Uint8Array
  /**
   * RFC 8032 §5.1.7 with the cofactorless equation `[S]B = R + [k]A` checked on encodings, `S < L`
   * required, `A` decoded as OpenSSL and ed25519-dalek `verify` do. False for any 64-byte signature that does
   * not verify (never throws on hostile bytes of the right length).
   * @throws {CommonError} `Common::InvalidLength` when the signature is not 64 bytes or the key not 32.
   */
  verify(signature: Uint8Array, message: Uint8Array, publicKey: Uint8Array): boolean
  /** Ed25519ph (RFC 8032 §5.1, phflag 1, PH = SHA-512) with a context of at most 255 bytes. */
  signPh(message: Uint8Array, privateKey: Uint8Array, context: Uint8Array): Uint8Array
  /** Verifies an Ed25519ph signature, under the same rules as {@link Ed25519.verify}. */
  verifyPh(signature: Uint8Array, message: Uint8Array, publicKey: Uint8Array, context: Uint8Array): boolean
}

/** X25519 (RFC 7748). */
export interface X25519 {
  /** A fresh 32-byte private key from the CSPRNG (clamped when used, RFC 7748 §5). */
  randomPrivateKey(): Uint8Array
  /** The 32-byte public u-coordinate of a private key. */
  getPublicKey(privateKey: Uint8Array): Uint8Array
  /**
   * The 32-byte shared secret.
   * @throws {CommonError} `Common::CryptoFailure` when `publicKey` is a low-order point (the result would be
   * all zero, RFC 7748 §6.1); `Common::InvalidLength` on wrong lengths.
   */
  sharedSecret(privateKey: Uint8Array, publicKey: Uint8Array): Uint8Array
  /**
   * A fresh key pair whose private half stays inside the provider: an HPKE ephemeral key (RFC 9180 §4.1
   * Encap) without importing a private key twice.
   */
  generateKeyPair(): X25519KeyPair
  /**
   * `privateKey` imported once, for its public key and any number of shared secrets (HPKE Decap).
   * @throws {CommonError} `Common::InvalidLength` unless the key is 32 bytes.
   */
  keyPair(privateKey: Uint8Array): X25519KeyPair
}

/** An X25519 private key held by the provider (its own copy). */
export interface X25519KeyPair {
  /** The 32-byte public u-coordinate. */
  readonly publicKey: Uint8Array
  /** {@link X25519.sharedSecret} with this private key, under the same errors. */
  sharedSecret(publicKey: Uint8Array): Uint8Array
}

/** secp256k1 ECDSA as Ethereum uses it (recoverable signatures over a 32-byte hash). */
export interface Secp256k1 {
  /** The public key: 65-byte uncompressed `04 || X || Y` by default, 33 bytes when `compressed`. */
  getPublicKey(privateKey: Uint8Array, compressed?: boolean): Uint8Array
  /**
   * A 65-byte `r || s || v` signature of a 32-byte hash, RFC 6979 deterministic, low-s, with the Ethereum
   * recovery byte `v` = 27 or 28 (the `personal_sign` convention).
   */
  signRecoverable(hash32: Uint8Array, privateKey: Uint8Array): Uint8Array
  /**
   * The 65-byte uncompressed public key that produced `signature65` (`r || s || v`, v in 0, 1, 27, 28) over
   * `hash32`. High-s signatures are accepted (as Ethereum's ecrecover does); callers that require low-s check it.
   * @throws {CommonError} `Common::CryptoFailure` when no key can be recovered (bad v, r or s out of range).
   */
  recoverPublicKey(hash32: Uint8Array, signature65: Uint8Array): Uint8Array
}

/** Every primitive of xmtp-lite, synchronous. */
export interface CryptoProvider {
  /** Which implementation this is; `'node'` when any primitive runs on node:crypto. */
  readonly name: 'node' | 'noble'
  /**
   * The optional native libraries the provider uses beside node:crypto (node provider only): `libsodium`
   * for Ed25519ph verification and X25519, `libsecp256k1` for key recovery, `libkeccak` for Keccak-256. Verdicts and
   * digests are the same with or without them.
   */
  readonly nativeBackends?: readonly ('libsodium' | 'libsecp256k1' | 'libkeccak')[]
  /** `length` bytes from the platform CSPRNG. */
  randomBytes(length: number): Uint8Array
  sha256(data: Uint8Array): Uint8Array
  sha512(data: Uint8Array): Uint8Array
  /** Keccak-256 (the pre-standard SHA-3 Ethereum uses), always from `@noble/hashes`. */
  keccak256(data: Uint8Array): Uint8Array
  hmacSha256(key: Uint8Array, data: Uint8Array): Uint8Array
  /** HKDF-SHA256 (RFC 5869): extract then expand; `length` at most 255 * 32. */
  hkdfSha256(ikm: Uint8Array, salt: Uint8Array, info: Uint8Array, length: number): Uint8Array
  /** HKDF-Extract (RFC 5869 §2.2): `HMAC(salt, ikm)`; an empty salt acts as 32 zero bytes. */
  hkdfExtractSha256(salt: Uint8Array, ikm: Uint8Array): Uint8Array
  /** HKDF-Expand (RFC 5869 §2.3); `length` at most 255 * 32. */
  hkdfExpandSha256(prk: Uint8Array, info: Uint8Array, length: number): Uint8Array
  readonly ed25519: Ed25519
  readonly x25519: X25519
  readonly secp256k1: Secp256k1
  /** AES-GCM with 16-, 24- or 32-byte keys, 12-byte nonces and 16-byte tags (NIST SP 800-38D). */
  readonly aesGcm: Aead
  /** ChaCha20-Poly1305 (RFC 8439): 32-byte key, 12-byte nonce, 16-byte tag. */
  readonly chacha20poly1305: Aead
}
