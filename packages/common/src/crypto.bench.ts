/**
 * `pnpm bench crypto`: the node:crypto provider against the pure-JS noble provider, same run, same inputs.
 * Target (issue 2): Ed25519 verify and X25519 at least 10x faster than the pure-JS path. Ed25519ph verify and
 * secp256k1 recovery (issue 4) and X25519 (issue 5) also show the node provider without its native backends
 * (libsodium, libsecp256k1), i.e. what a machine gets where those optional packages do not load.
 *
 * Fast operations run in batches per timed call so that the timer's own cost does not flatten the ratio.
 * @module
 */
import { type BenchCase, compare } from '@xmtp-lite/bench'
import { equalBytes } from './bytes.ts'
import { nobleCrypto } from './crypto/noble.ts'
import { nodeCrypto, nodeCryptoFor } from './crypto/node.ts'
import { secp256k1KnownKeyVerifier } from './crypto/secp256k1KnownKey.ts'
import type { CryptoProvider } from './crypto/types.ts'
import { defaultCrypto } from './crypto.ts'

if (nodeCrypto === undefined) throw new Error('node:crypto provider did not load')
const node: CryptoProvider = nodeCrypto
const nodeWithoutNative = nodeCryptoFor(globalThis, { native: false }) as CryptoProvider

function pattern(length: number, seed: number): Uint8Array {
  const out = new Uint8Array(length)
  for (let i = 0; i < length; i++) out[i] = (seed + i * 31) & 0xff
  return out
}

function batch(name: string, times: number, op: () => unknown): BenchCase {
  return {
    name: times === 1 ? name : `${name} (x${times})`,
    fn: () => {
      for (let i = 0; i < times; i++) op()
    },
  }
}

function versus(
  title: string,
  times: number,
  op: (c: CryptoProvider) => unknown,
  minRatio?: number,
  extra: readonly BenchCase[] = [],
) {
  return compare({
    title,
    baseline: batch('noble', times, () => op(nobleCrypto)),
    candidates: [batch('node', times, () => op(node)), ...extra],
    ...(minRatio === undefined ? {} : { target: { minRatio } }),
  })
}

const secret = pattern(32, 1)
const message = pattern(100, 2)
const publicKey = node.ed25519.getPublicKey(secret)
const signature = node.ed25519.sign(message, secret)
const peer = node.x25519.getPublicKey(pattern(32, 3))
const kib = pattern(1024, 4)
const key32 = pattern(32, 5)
const nonce = pattern(12, 6)
const info = pattern(40, 7)

// 600 distinct keys: more than the node provider's 512-entry public-key cache, so every verify misses.
const manyKeys = Array.from({ length: 600 }, (_, i) => {
  const s = pattern(32, 100 + i)
  return { publicKey: node.ed25519.getPublicKey(s), signature: node.ed25519.sign(message, s) }
})
let next = 0

await versus('Ed25519 sign (100-byte message)', 1, (c) => c.ed25519.sign(message, secret))
await versus(
  'Ed25519 verify (100-byte message, same key)',
  1,
  (c) => c.ed25519.verify(signature, message, publicKey),
  10,
  [
    batch('node, public-key cache missed every time', 1, () => {
      const k = manyKeys[next++ % manyKeys.length]
      if (k !== undefined) node.ed25519.verify(k.signature, message, k.publicKey)
    }),
    // OpenSSL alone (what node does for whatever libsodium refuses, and everywhere without sodium-native).
    batch('node, native backends off (OpenSSL only, cached KeyObject)', 1, () =>
      nodeWithoutNative.ed25519.verify(signature, message, publicKey),
    ),
  ],
)
await versus('Ed25519 getPublicKey', 1, (c) => c.ed25519.getPublicKey(secret))
const context = new TextEncoder().encode('IDENTITY UPDATE SIGNATURE')
const signaturePh = node.ed25519.signPh(message, secret, context)
const ethHash = pattern(32, 8)
const recoverable = node.secp256k1.signRecoverable(ethHash, pattern(32, 9))
const manyRecoverable = Array.from({ length: 64 }, (_, i) =>
  node.secp256k1.signRecoverable(pattern(32, 200 + i), pattern(32, 300 + i)),
)
await versus(
  `Ed25519ph verify (context IDENTITY UPDATE SIGNATURE; node backends: ${node.nativeBackends?.join(', ') || 'none'})`,
  1,
  (c) => c.ed25519.verifyPh(signaturePh, message, publicKey, context),
  undefined,
  [
    batch('node, native backends off (noble points, OpenSSL SHA-512)', 1, () =>
      nodeWithoutNative.ed25519.verifyPh(signaturePh, message, publicKey, context),
    ),
    batch('node, a different key every time (600 keys)', 1, () => {
      const k = manyKeys[next++ % manyKeys.length]
      if (k !== undefined) node.ed25519.verifyPh(signaturePh, message, k.publicKey, context)
    }),
  ],
)
let nextRecoverable = 0
await versus(
  'secp256k1 public-key recovery (r || s || v over a 32-byte hash)',
  1,
  (c) => c.secp256k1.recoverPublicKey(ethHash, recoverable),
  undefined,
  [
    batch('node, native backends off (noble)', 1, () =>
      nodeWithoutNative.secp256k1.recoverPublicKey(ethHash, recoverable),
    ),
    batch('node, a different signature every time (64)', 1, () => {
      const i = nextRecoverable++ % manyRecoverable.length
      node.secp256k1.recoverPublicKey(pattern(32, 200 + i), manyRecoverable[i] as Uint8Array)
    }),
  ],
)
// X25519: libsodium (when it loads) and node:crypto's KeyObjects (native backends off) beside noble.
const keyObjects = (name: string, op: (c: CryptoProvider) => unknown) => [
  batch(`${name}, native backends off (KeyObjects)`, 1, () => op(nodeWithoutNative)),
]
const x25519Shared = (c: CryptoProvider) => c.x25519.sharedSecret(secret, peer)
const x25519Public = (c: CryptoProvider) => c.x25519.getPublicKey(secret)
// One HPKE Encap's X25519 work (RFC 9180 §4.1): a fresh key pair and one DH, as an MLS commit pays per leaf.
const x25519Encap = (c: CryptoProvider) => c.x25519.generateKeyPair().sharedSecret(peer)
await versus('X25519 shared secret', 1, x25519Shared, 10, keyObjects('node', x25519Shared))
await versus('X25519 getPublicKey', 1, x25519Public, 10, keyObjects('node', x25519Public))
await versus(
  'X25519 fresh key pair + shared secret (HPKE Encap)',
  1,
  x25519Encap,
  10,
  keyObjects('node', x25519Encap),
)
await versus('SHA-256 (1 KiB)', 20, (c) => c.sha256(kib))
await versus('SHA-256 (32 bytes)', 50, (c) => c.sha256(key32))
await versus('HMAC-SHA256 (32-byte key, 64 bytes)', 50, (c) => c.hmacSha256(key32, message.subarray(0, 64)))
await versus('ChaCha20-Poly1305 encrypt (1 KiB)', 20, (c) => c.chacha20poly1305.encrypt(key32, nonce, kib))
await versus('AES-256-GCM encrypt (1 KiB)', 20, (c) => c.aesGcm.encrypt(key32, nonce, kib))
// Keccak-256 at the two sizes identity hashes: an EIP-191 signature text (~330 bytes) and a public key (64).
const text330 = pattern(330, 8)
await versus('Keccak-256 (330 bytes, an EIP-191 signature text)', 20, (c) => c.keccak256(text330))
await versus('Keccak-256 (64 bytes, public key to address)', 50, (c) => c.keccak256(kib.subarray(0, 64)))
await versus('HKDF-SHA256 extract+expand (32 -> 42 bytes)', 50, (c) => c.hkdfSha256(key32, nonce, info, 42))
await versus('HKDF-Expand SHA256 (32 bytes, MLS ExpandWithLabel shape)', 50, (c) =>
  c.hkdfExpandSha256(key32, info, 32),
)
await versus('HKDF-Expand SHA256 (96 bytes)', 50, (c) => c.hkdfExpandSha256(key32, info, 96))

// secp256k1 against a KNOWN key (replication verifies each originator envelope under its registry key):
// recovery + compare, beside the fixed-base verifier that reaches the same verdict without recovering.
const k1Key = pattern(32, 9)
const k1Public = nobleCrypto.secp256k1.getPublicKey(k1Key)
const k1Hashes = Array.from({ length: 20 }, (_, i) => nobleCrypto.keccak256(pattern(64, 200 + i)))
const k1Sigs = k1Hashes.map((h) => nobleCrypto.secp256k1.signRecoverable(h, k1Key))
const k1Verify = secp256k1KnownKeyVerifier(k1Public)
await compare({
  title: 'secp256k1: is this signature by the known key? (x20 signatures)',
  baseline: batch('recoverPublicKey + compare (noble)', 1, () => {
    for (let i = 0; i < 20; i++) {
      equalBytes(
        nobleCrypto.secp256k1.recoverPublicKey(k1Hashes[i] as Uint8Array, k1Sigs[i] as Uint8Array),
        k1Public,
      )
    }
  }),
  candidates: [
    batch('secp256k1KnownKeyVerifier (fixed-base tables)', 1, () => {
      for (let i = 0; i < 20; i++) k1Verify(k1Hashes[i] as Uint8Array, k1Sigs[i] as Uint8Array)
    }),
  ],
})
console.log(`\ndefaultCrypto is '${defaultCrypto.name}'`)
