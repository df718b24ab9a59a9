import { ed25519 as nobleEd25519, ed25519ph as nobleEd25519ph } from '@noble/curves/ed25519.js'
import { describe, expect, it } from 'vitest'
import { concatBytes, fromHex, toHex, utf8ToBytes } from '../bytes.ts'
import { type CommonErrorCode, isBaseError } from '../errors.ts'
import { nobleCrypto } from './noble.ts'
import { nodeCrypto } from './node.ts'
import type { CryptoProvider } from './types.ts'

// These suites run on Node, where node:crypto must be found: a missing node provider fails, never skips.
function requireNodeCrypto(): CryptoProvider {
  if (nodeCrypto === undefined) throw new Error('node:crypto provider did not load under Node')
  return nodeCrypto
}
const node = requireNodeCrypto()
const providers: readonly CryptoProvider[] = [node, nobleCrypto]

const h = fromHex
function code(fn: () => unknown): CommonErrorCode | string {
  try {
    fn()
  } catch (error) {
    return isBaseError(error) ? error.code : `untyped: ${String(error)}`
  }
  return 'no error'
}

/** A deterministic byte pattern (no randomness in tests). */
function pattern(length: number, seed: number): Uint8Array {
  const out = new Uint8Array(length)
  for (let i = 0; i < length; i++) out[i] = (seed + i * 31 + (i >> 3) * 7) & 0xff
  return out
}

// RFC 8032 §7.1, TEST 1-3 and TEST 1024 is left out for size; §7.3 "TEST abc" for Ed25519ph.
const ed25519Vectors = [
  {
    secret: '9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60',
    public: 'd75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a',
    message: '',
    signature:
      'e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b',
  },
  {
    secret: '4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb',
    public: '3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c',
    message: '72',
    signature:
      '92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00',
  },
  {
    secret: 'c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7',
    public: 'fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025',
    message: 'af82',
    signature:
      '6291d657deec24024827e69c3abe01a30ce548a284743a445e3680d7db5ac3ac18ff9b538d16f290ae67f760984dc6594a7c15e9716ed28dc027beceea1ec40a',
  },
] as const

const ed25519phVector = {
  secret: '833fe62409237b9d62ec77587520911e9a759cec1d19755b7da901b96dca3d42',
  public: 'ec172b93ad5e563bf4932c70e1245034c35467ef2efd4d64ebf819683467e2bf',
  message: '616263',
  signature:
    '98a70222f0b8121aa9d30f813d683f809e462b469c7ff87639499bb94e6dae4131f85042463c2a355a2003d062adf5aaa10b8c61e636062aaad11c2a26083406',
} as const

// The context libxmtp signs identity updates with (shared/protocol/v3-node-api-and-identity.md §4.7).
const identityUpdateContext = utf8ToBytes('IDENTITY UPDATE SIGNATURE')

describe.each(providers.map((p) => [p.name, p] as const))('%s provider', (_name, c) => {
  describe('hashes and MACs', () => {
    it('SHA-256, SHA-512 and Keccak-256 give the published digests', () => {
      // FIPS 180-4 examples ("abc"), and keccak256("") as Ethereum uses it.
      expect(toHex(c.sha256(utf8ToBytes('abc')))).toBe(
        'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
      )
      expect(toHex(c.sha512(utf8ToBytes('abc')))).toBe(
        'ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f',
      )
      expect(toHex(c.keccak256(new Uint8Array(0)))).toBe(
        'c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470',
      )
      expect(toHex(c.sha256(new Uint8Array(0)))).toBe(
        'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
      )
    })
    it('returns plain Uint8Arrays that own their buffer', () => {
      for (const out of [
        c.sha256(pattern(10, 1)),
        c.hmacSha256(pattern(3, 1), pattern(3, 2)),
        c.ed25519.sign(pattern(4, 1), pattern(32, 2)),
      ]) {
        expect(Object.getPrototypeOf(out)).toBe(Uint8Array.prototype)
        expect(out.byteOffset).toBe(0)
        expect(out.buffer.byteLength).toBe(out.length)
      }
    })
    it('HMAC-SHA256 matches RFC 4231 test case 2, and an empty key works', () => {
      expect(toHex(c.hmacSha256(utf8ToBytes('Jefe'), utf8ToBytes('what do ya want for nothing?')))).toBe(
        '5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843',
      )
      // An empty key is padded with zeros (RFC 2104 §2), so it equals a 32-byte zero key.
      expect(c.hmacSha256(new Uint8Array(0), pattern(5, 1))).toEqual(
        c.hmacSha256(new Uint8Array(32), pattern(5, 1)),
      )
    })
  })

  describe('HKDF-SHA256 (RFC 5869 appendix A)', () => {
    const ikm22 = new Uint8Array(22).fill(0x0b)
    const range = (from: number, to: number) => Uint8Array.from({ length: to - from + 1 }, (_, i) => from + i)
    const cases = [
      {
        name: 'A.1 basic',
        ikm: ikm22,
        salt: range(0x00, 0x0c),
        info: range(0xf0, 0xf9),
        length: 42,
        prk: '077709362c2e32df0ddc3f0dc47bba6390b6c73bb50f9c3122ec844ad7c2b3e5',
        okm: '3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865',
      },
      {
        name: 'A.2 longer inputs',
        ikm: range(0x00, 0x4f),
        salt: range(0x60, 0xaf),
        info: range(0xb0, 0xff),
        length: 82,
        prk: '06a6b88c5853361a06104c9ceb35b45cef760014904671014a193f40c15fc244',
        okm: 'b11e398dc80327a1c8e7f78c596a49344f012eda2d4efad8a050cc4c19afa97c59045a99cac7827271cb41c65e590e09da3275600c2f09b8367793a9aca3db71cc30c58179ec3e87c14c01d5c1f3434f1d87',
      },
      {
        name: 'A.3 empty salt and info',
        ikm: ikm22,
        salt: new Uint8Array(0),
        info: new Uint8Array(0),
        length: 42,
        prk: '19ef24a32c717b167f33a91d6f648bdf96596776afdb6377ac434c1c293ccb04',
        okm: '8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d9d201395faa4b61a96c8',
      },
    ]
    it.each(cases)('$name', ({ ikm, salt, info, length, prk, okm }) => {
      expect(toHex(c.hkdfExtractSha256(salt, ikm))).toBe(prk)
      expect(toHex(c.hkdfExpandSha256(h(prk), info, length))).toBe(okm)
      expect(toHex(c.hkdfSha256(ikm, salt, info, length))).toBe(okm)
    })
    it('agrees with extract-then-expand for info longer than 1024 bytes and for edge lengths', () => {
      const info = pattern(1500, 3)
      const prk = c.hkdfExtractSha256(pattern(7, 1), pattern(40, 2))
      expect(c.hkdfSha256(pattern(40, 2), pattern(7, 1), info, 100)).toEqual(
        c.hkdfExpandSha256(prk, info, 100),
      )
      expect(c.hkdfSha256(pattern(40, 2), pattern(7, 1), info, 0)).toEqual(new Uint8Array(0))
      expect(c.hkdfExpandSha256(prk, info, 255 * 32).length).toBe(255 * 32)
    })
    it('rejects output lengths outside 0..8160', () => {
      expect(code(() => c.hkdfExpandSha256(new Uint8Array(32), new Uint8Array(0), 255 * 32 + 1))).toBe(
        'Common::InvalidLength',
      )
      expect(code(() => c.hkdfSha256(new Uint8Array(32), new Uint8Array(0), new Uint8Array(0), -1))).toBe(
        'Common::InvalidLength',
      )
      expect(code(() => c.hkdfSha256(new Uint8Array(32), new Uint8Array(0), new Uint8Array(0), 1.5))).toBe(
        'Common::InvalidLength',
      )
    })
  })

  describe('Ed25519 (RFC 8032)', () => {
    it.each(ed25519Vectors)('§7.1 vector with message "$message"', (v) => {
      const secret = h(v.secret)
      expect(toHex(c.ed25519.getPublicKey(secret))).toBe(v.public)
      expect(toHex(c.ed25519.sign(h(v.message), secret))).toBe(v.signature)
      expect(c.ed25519.verify(h(v.signature), h(v.message), h(v.public))).toBe(true)
      expect(c.ed25519.verify(h(v.signature), concatBytes(h(v.message), h('00')), h(v.public))).toBe(false)
    })
    it('§7.3 Ed25519ph vector (empty context)', () => {
      const v = ed25519phVector
      expect(toHex(c.ed25519.signPh(h(v.message), h(v.secret), new Uint8Array(0)))).toBe(v.signature)
      expect(c.ed25519.verifyPh(h(v.signature), h(v.message), h(v.public), new Uint8Array(0))).toBe(true)
      // Pure and prehashed signatures are domain-separated (dom2, RFC 8032 §2).
      expect(c.ed25519.verify(h(v.signature), h(v.message), h(v.public))).toBe(false)
    })
    it("Ed25519ph with XMTP's identity-update context matches noble's ed25519ph", () => {
      for (let seed = 0; seed < 4; seed++) {
        const secret = pattern(32, seed * 13 + 1)
        const text = pattern(seed * 50, seed)
        const signature = c.ed25519.signPh(text, secret, identityUpdateContext)
        expect(signature).toEqual(nobleEd25519ph.sign(text, secret, { context: identityUpdateContext }))
        const publicKey = c.ed25519.getPublicKey(secret)
        expect(c.ed25519.verifyPh(signature, text, publicKey, identityUpdateContext)).toBe(true)
        expect(nobleEd25519ph.verify(signature, text, publicKey, { context: identityUpdateContext })).toBe(
          true,
        )
        expect(c.ed25519.verifyPh(signature, text, publicKey, utf8ToBytes('PUBLIC SIGNATURE CONTEXT'))).toBe(
          false,
        )
        expect(c.ed25519.verifyPh(signature, text, publicKey, new Uint8Array(0))).toBe(false)
      }
    })
    it('signs and verifies round trips, and matches noble byte for byte', () => {
      for (let seed = 0; seed < 8; seed++) {
        const secret = pattern(32, seed * 7)
        const message = pattern(seed * 37, seed)
        const signature = c.ed25519.sign(message, secret)
        expect(signature).toEqual(nobleEd25519.sign(message, secret))
        const publicKey = c.ed25519.getPublicKey(secret)
        expect(c.ed25519.verify(signature, message, publicKey)).toBe(true)
        // Verify twice: the second call takes the node provider's key cache.
        expect(c.ed25519.verify(signature, message, publicKey)).toBe(true)
        const flipped = signature.slice()
        flipped[seed] = (flipped[seed] as number) ^ 1
        expect(c.ed25519.verify(flipped, message, publicKey)).toBe(false)
      }
    })
    it('returns false (and never throws) for hostile signatures and keys of the right length', () => {
      const message = pattern(20, 9)
      for (let seed = 0; seed < 16; seed++) {
        const signature = pattern(64, seed * 17)
        const publicKey = pattern(32, seed * 5 + 3)
        expect(c.ed25519.verify(signature, message, publicKey)).toBe(false)
        expect(c.ed25519.verifyPh(signature, message, publicKey, identityUpdateContext)).toBe(false)
      }
      expect(c.ed25519.verify(new Uint8Array(64).fill(0xff), message, new Uint8Array(32).fill(0xff))).toBe(
        false,
      )
    })
    it('throws typed errors on wrong lengths', () => {
      const sig = new Uint8Array(64)
      const key = new Uint8Array(32)
      expect(code(() => c.ed25519.verify(sig.subarray(1), new Uint8Array(0), key))).toBe(
        'Common::InvalidLength',
      )
      expect(code(() => c.ed25519.verify(sig, new Uint8Array(0), key.subarray(1)))).toBe(
        'Common::InvalidLength',
      )
      expect(code(() => c.ed25519.sign(new Uint8Array(0), new Uint8Array(31)))).toBe('Common::InvalidLength')
      expect(code(() => c.ed25519.getPublicKey(new Uint8Array(64)))).toBe('Common::InvalidLength')
      expect(code(() => c.ed25519.signPh(new Uint8Array(0), key, new Uint8Array(256)))).toBe(
        'Common::InvalidLength',
      )
      expect(code(() => c.ed25519.verifyPh(sig, new Uint8Array(0), key, new Uint8Array(256)))).toBe(
        'Common::InvalidLength',
      )
      expect(code(() => c.ed25519.verify('x' as unknown as Uint8Array, new Uint8Array(0), key))).toBe(
        'Common::InvalidLength',
      )
    })
    it('a prepared signer signs as sign() does, with its own copy of the key', () => {
      for (const v of ed25519Vectors) {
        const secret = h(v.secret)
        const sign = c.ed25519.signer(secret)
        secret.fill(0)
        expect(toHex(sign(h(v.message)))).toBe(v.signature)
      }
      expect(code(() => c.ed25519.signer(new Uint8Array(31)))).toBe('Common::InvalidLength')
    })
    it('makes fresh 32-byte keys', () => {
      const a = c.ed25519.randomPrivateKey()
      const b = c.ed25519.randomPrivateKey()
      expect(a.length).toBe(32)
      expect(a).not.toEqual(b)
    })
  })

  describe('X25519 (RFC 7748)', () => {
    it('§5.2 scalar multiplication vectors', () => {
      // getPublicKey multiplies the base point; sharedSecret multiplies any u.
      expect(
        toHex(
          c.x25519.sharedSecret(
            h('a546e36bf0527c9d3b16154b82465edd62144c0ac1fc5a18506a2244ba449ac4'),
            h('e6db6867583030db3594c1a424b15f7c726624ec26b3353b10a903a6d0ab1c4c'),
          ),
        ),
      ).toBe('c3da55379de9c6908e94ea4df28d084f32eccf03491c71f754b4075577a28552')
      expect(
        toHex(
          c.x25519.sharedSecret(
            h('4b66e9d4d1b4673c5ad22691957d6af5c11b6421e0ea01d42ca4169e7918ba0d'),
            h('e5210f12786811d3f4b7959d0538ae2c31dbe7106fc03c3efc4cd549c715a493'),
          ),
        ),
      ).toBe('95cbde9476e8907d7aade45cb4b873f88b595a68799fa152e6f8f7647aac7957')
    })
    it('§6.1 Diffie-Hellman vector', () => {
      const alice = h('77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a')
      const bob = h('5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb')
      expect(toHex(c.x25519.getPublicKey(alice))).toBe(
        '8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a',
      )
      expect(toHex(c.x25519.getPublicKey(bob))).toBe(
        'de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f',
      )
      const shared = '4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742'
      expect(toHex(c.x25519.sharedSecret(alice, c.x25519.getPublicKey(bob)))).toBe(shared)
      expect(toHex(c.x25519.sharedSecret(bob, c.x25519.getPublicKey(alice)))).toBe(shared)
    })
    it('refuses low-order public keys with Common::CryptoFailure (RFC 7748 §6.1)', () => {
      const p = 2n ** 255n - 19n
      const le = (n: bigint) =>
        Uint8Array.from({ length: 32 }, (_, i) => Number((n >> BigInt(8 * i)) & 0xffn))
      const lowOrder = [
        0n,
        1n,
        p - 1n,
        p,
        p + 1n,
        325606250916557431795983626356110631294008115727848805560023387167927233504n,
        39382357235489614581723060781553021112529911719440698176882885853963445705823n,
      ]
      for (const u of lowOrder) {
        const bytes = le(u)
        expect(code(() => c.x25519.sharedSecret(pattern(32, 1), bytes))).toBe('Common::CryptoFailure')
        // The top bit is ignored (RFC 7748 §5), so the same points with it set are refused too.
        bytes[31] = (bytes[31] as number) | 0x80
        expect(code(() => c.x25519.sharedSecret(pattern(32, 1), bytes))).toBe('Common::CryptoFailure')
      }
    })
    it('prepared key pairs give the public key and shared secrets of the raw-key calls', () => {
      const alice = h('77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a')
      const bob = h('5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb')
      const pair = c.x25519.keyPair(alice)
      expect(toHex(pair.publicKey)).toBe('8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a')
      const shared = '4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742'
      expect(toHex(pair.sharedSecret(c.x25519.getPublicKey(bob)))).toBe(shared)
      // The pair holds its own copy: zeroing the caller's array changes nothing.
      const copy = bob.slice()
      const bobPair = c.x25519.keyPair(copy)
      copy.fill(0)
      expect(toHex(bobPair.sharedSecret(pair.publicKey))).toBe(shared)
      const fresh = c.x25519.generateKeyPair()
      const other = c.x25519.generateKeyPair()
      expect(fresh.publicKey.length).toBe(32)
      expect(fresh.publicKey).not.toEqual(other.publicKey)
      expect(fresh.sharedSecret(other.publicKey)).toEqual(other.sharedSecret(fresh.publicKey))
      expect(fresh.sharedSecret(bobPair.publicKey)).toEqual(bobPair.sharedSecret(fresh.publicKey))
      expect(code(() => fresh.sharedSecret(new Uint8Array(32)))).toBe('Common::CryptoFailure')
      // Peer keys met before (node keeps their imported form) give the same answers again.
      expect(code(() => fresh.sharedSecret(new Uint8Array(32)))).toBe('Common::CryptoFailure')
      expect(toHex(pair.sharedSecret(c.x25519.getPublicKey(bob)))).toBe(shared)
      expect(toHex(c.x25519.sharedSecret(alice, c.x25519.getPublicKey(bob)))).toBe(shared)
      expect(code(() => fresh.sharedSecret(new Uint8Array(31)))).toBe('Common::InvalidLength')
      expect(code(() => c.x25519.keyPair(new Uint8Array(33)))).toBe('Common::InvalidLength')
    })
    it('throws typed errors on wrong lengths', () => {
      expect(code(() => c.x25519.sharedSecret(new Uint8Array(31), new Uint8Array(32)))).toBe(
        'Common::InvalidLength',
      )
      expect(code(() => c.x25519.getPublicKey(new Uint8Array(33)))).toBe('Common::InvalidLength')
    })
  })

  describe('secp256k1 (Ethereum)', () => {
    it('derives the public key and address of private key 1', () => {
      const one = h('0000000000000000000000000000000000000000000000000000000000000001')
      // The generator G (SEC 2 §2.4.1).
      expect(toHex(c.secp256k1.getPublicKey(one))).toBe(
        '0479be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798483ada7726a3c4655da4fbfc0e1108a8fd17b448a68554199c47d08ffb10d4b8',
      )
      expect(toHex(c.secp256k1.getPublicKey(one, true))).toBe(
        '0279be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798',
      )
      const address = toHex(c.keccak256(c.secp256k1.getPublicKey(one).subarray(1)).subarray(12))
      expect(address).toBe('7e5f4552091a69125d5dfcb7b8c2659029395bdf')
    })
    it('signs an EIP-191 message as eth-account does, and recovers the key', () => {
      // eth-account documentation example: sign_message(encode_defunct(text="I♥SF"), key).
      const key = h('b25c7db31feed9122727bf0939dc769a96564b2de4c4726d035b36ecf1e5b364')
      const text = utf8ToBytes('I♥SF')
      const digest = c.keccak256(
        concatBytes(utf8ToBytes(`\x19Ethereum Signed Message:\n${text.length}`), text),
      )
      expect(toHex(digest)).toBe('1476abb745d423bf09273f1afd887d951181d25adc66c4834a70491911b7f750')
      const signature = c.secp256k1.signRecoverable(digest, key)
      expect(toHex(signature)).toBe(
        'e6ca9bba58c88611fad66a6ce8f996908195593807c4b38bd528d2cff09d4eb33e5bfbbf4d3e39b1a2fd816a7680c19ebebaf3a141b239934ad43cb33fcec8ce1c',
      )
      const recovered = c.secp256k1.recoverPublicKey(digest, signature)
      expect(recovered).toEqual(c.secp256k1.getPublicKey(key))
      expect(toHex(c.keccak256(recovered.subarray(1)).subarray(12))).toBe(
        '5ce9454909639d2d17a3f753ce7d93fa0b9ab12e',
      )
      // v as 0/1 recovers the same key.
      const zeroOne = signature.slice()
      zeroOne[64] = (signature[64] as number) - 27
      expect(c.secp256k1.recoverPublicKey(digest, zeroOne)).toEqual(recovered)
    })
    it('throws typed errors on bad signatures and keys', () => {
      const digest = pattern(32, 4)
      const signature = c.secp256k1.signRecoverable(digest, pattern(32, 5))
      const badV = signature.slice()
      badV[64] = 29
      expect(code(() => c.secp256k1.recoverPublicKey(digest, badV))).toBe('Common::CryptoFailure')
      const zeroR = signature.slice()
      zeroR.fill(0, 0, 32)
      expect(code(() => c.secp256k1.recoverPublicKey(digest, zeroR))).toBe('Common::CryptoFailure')
      const bigS = signature.slice()
      bigS.fill(0xff, 32, 64)
      expect(code(() => c.secp256k1.recoverPublicKey(digest, bigS))).toBe('Common::CryptoFailure')
      expect(code(() => c.secp256k1.recoverPublicKey(digest, signature.subarray(0, 64)))).toBe(
        'Common::InvalidLength',
      )
      expect(code(() => c.secp256k1.getPublicKey(new Uint8Array(32)))).toBe('Common::CryptoFailure')
      expect(code(() => c.secp256k1.signRecoverable(digest, new Uint8Array(32).fill(0xff)))).toBe(
        'Common::CryptoFailure',
      )
      expect(code(() => c.secp256k1.signRecoverable(pattern(31, 1), pattern(32, 5)))).toBe(
        'Common::InvalidLength',
      )
    })
  })

  describe('AES-GCM (McGrew & Viega, "The GCM mode of operation", appendix B)', () => {
    const p64 =
      'd9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a721c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b391aafd255'
    const k = 'feffe9928665731c6d6a8f9467308308'
    const cases = [
      {
        name: 'test case 1',
        key: '00'.repeat(16),
        iv: '00'.repeat(12),
        aad: '',
        pt: '',
        ct: '',
        tag: '58e2fccefa7e3061367f1d57a4e7455a',
      },
      {
        name: 'test case 2',
        key: '00'.repeat(16),
        iv: '00'.repeat(12),
        aad: '',
        pt: '00'.repeat(16),
        ct: '0388dace60b6a392f328c2b971b2fe78',
        tag: 'ab6e47d42cec13bdf53a67b21257bddf',
      },
      {
        name: 'test case 3 (AES-128)',
        key: k,
        iv: 'cafebabefacedbaddecaf888',
        aad: '',
        pt: p64,
        ct: '42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e21d514b25466931c7d8f6a5aac84aa051ba30b396a0aac973d58e091473f5985',
        tag: '4d5c2af327cd64a62cf35abd2ba6fab4',
      },
      {
        name: 'test case 4 (AES-128, aad)',
        key: k,
        iv: 'cafebabefacedbaddecaf888',
        aad: 'feedfacedeadbeeffeedfacedeadbeefabaddad2',
        pt: p64.slice(0, 120),
        ct: '42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e21d514b25466931c7d8f6a5aac84aa051ba30b396a0aac973d58e091',
        tag: '5bc94fbc3221a5db94fae95ae7121a47',
      },
      {
        name: 'test case 9 (AES-192)',
        key: `${k}feffe9928665731c`,
        iv: 'cafebabefacedbaddecaf888',
        aad: '',
        pt: p64,
        ct: '3980ca0b3c00e841eb06fac4872a2757859e1ceaa6efd984628593b40ca1e19c7d773d00c144c525ac619d18c84a3f4718e2448b2fe324d9ccda2710acade256',
        tag: '9924a7c8587336bfb118024db8674a14',
      },
      {
        name: 'test case 15 (AES-256)',
        key: k + k,
        iv: 'cafebabefacedbaddecaf888',
        aad: '',
        pt: p64,
        ct: '522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662898015ad',
        tag: 'b094dac5d93471bdec1a502270e3cc6c',
      },
    ]
    it.each(cases)('$name', ({ key, iv, aad, pt, ct, tag }) => {
      const additional = aad === '' ? undefined : h(aad)
      const sealed = c.aesGcm.encrypt(h(key), h(iv), h(pt), additional)
      expect(toHex(sealed)).toBe(ct + tag)
      expect(toHex(c.aesGcm.decrypt(h(key), h(iv), sealed, additional))).toBe(pt)
    })
  })

  describe('ChaCha20-Poly1305 (RFC 8439)', () => {
    const key = h('808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f')
    const nonce = h('070000004041424344454647')
    const aad = h('50515253c0c1c2c3c4c5c6c7')
    const plaintext = utf8ToBytes(
      "Ladies and Gentlemen of the class of '99: If I could offer you only one tip for the future, sunscreen would be it.",
    )
    const sealed =
      'd31a8d34648e60db7b86afbc53ef7ec2a4aded51296e08fea9e2b5a736ee62d63dbea45e8ca9671282fafb69da92728b1a71de0a9e060b2905d6a5b67ecd3b3692ddbd7f2d778b8c9803aee328091b58fab324e4fad675945585808b4831d7bc3ff4def08e4b7a9de576d26586cec64b6116' +
      '1ae10b594f09e26a7e902ecbd0600691'
    it('§2.8.2 AEAD vector', () => {
      expect(toHex(c.chacha20poly1305.encrypt(key, nonce, plaintext, aad))).toBe(sealed)
      expect(c.chacha20poly1305.decrypt(key, nonce, h(sealed), aad)).toEqual(plaintext)
    })
  })

  describe.each([
    ['AES-GCM', 'aesGcm', 32],
    ['ChaCha20-Poly1305', 'chacha20poly1305', 32],
  ] as const)('%s failures', (_label, field, keyLength) => {
    const aead = c[field]
    const key = pattern(keyLength, 1)
    const nonce = pattern(12, 2)
    const sealed = aead.encrypt(key, nonce, pattern(40, 3), pattern(5, 4))
    it('refuses a flipped bit anywhere, a wrong aad or key, and truncation', () => {
      for (let i = 0; i < sealed.length; i += 7) {
        const tampered = sealed.slice()
        tampered[i] = (tampered[i] as number) ^ 0x10
        expect(code(() => aead.decrypt(key, nonce, tampered, pattern(5, 4)))).toBe('Common::AeadTagMismatch')
      }
      expect(code(() => aead.decrypt(key, nonce, sealed, pattern(5, 5)))).toBe('Common::AeadTagMismatch')
      expect(code(() => aead.decrypt(key, nonce, sealed))).toBe('Common::AeadTagMismatch')
      expect(code(() => aead.decrypt(pattern(keyLength, 9), nonce, sealed, pattern(5, 4)))).toBe(
        'Common::AeadTagMismatch',
      )
      expect(code(() => aead.decrypt(key, nonce, sealed.subarray(0, sealed.length - 1), pattern(5, 4)))).toBe(
        'Common::AeadTagMismatch',
      )
      expect(code(() => aead.decrypt(key, nonce, sealed.subarray(0, 15)))).toBe('Common::AeadTagMismatch')
      expect(code(() => aead.decrypt(key, nonce, new Uint8Array(0)))).toBe('Common::AeadTagMismatch')
    })
    it('treats a missing aad as an empty one', () => {
      const a = aead.encrypt(key, nonce, pattern(3, 3))
      expect(aead.encrypt(key, nonce, pattern(3, 3), new Uint8Array(0))).toEqual(a)
      expect(aead.decrypt(key, nonce, a, new Uint8Array(0))).toEqual(pattern(3, 3))
    })
    it('throws Common::InvalidLength on wrong key and nonce sizes', () => {
      expect(code(() => aead.encrypt(pattern(31, 1), nonce, pattern(3, 3)))).toBe('Common::InvalidLength')
      expect(code(() => aead.encrypt(key, pattern(16, 1), pattern(3, 3)))).toBe('Common::InvalidLength')
      expect(code(() => aead.decrypt(key, pattern(8, 1), sealed))).toBe('Common::InvalidLength')
    })
  })

  describe('randomBytes', () => {
    it('returns the requested length, including more than one getRandomValues call', () => {
      expect(c.randomBytes(0).length).toBe(0)
      const big = c.randomBytes(70_000)
      expect(big.length).toBe(70_000)
      // The last chunk is filled too: 4,464 random bytes being all zero has probability 2^-35712.
      expect(big.subarray(65_536).some((b) => b !== 0)).toBe(true)
      expect(c.randomBytes(32)).not.toEqual(c.randomBytes(32))
    })
    it('refuses negative and fractional lengths', () => {
      expect(code(() => c.randomBytes(-1))).toBe('Common::InvalidLength')
      expect(code(() => c.randomBytes(0.5))).toBe('Common::InvalidLength')
    })
  })
})

describe('node and noble agree', () => {
  it('on X25519 with non-canonical u-coordinates (RFC 7748 §5: taken modulo p, top bit ignored)', () => {
    const p = 2n ** 255n - 19n
    const le = (n: bigint) => Uint8Array.from({ length: 32 }, (_, i) => Number((n >> BigInt(8 * i)) & 0xffn))
    const secret = pattern(32, 77)
    let compared = 0
    for (let u = p + 2n; u < 2n ** 255n; u++) {
      for (const topBit of [0, 0x80]) {
        const bytes = le(u)
        bytes[31] = (bytes[31] as number) | topBit
        const reduced = le(u - p)
        const outcome = (c: CryptoProvider, input: Uint8Array) => {
          try {
            return toHex(c.x25519.sharedSecret(secret, input))
          } catch (error) {
            return isBaseError(error) ? error.code : 'untyped'
          }
        }
        const expected = outcome(nobleCrypto, reduced)
        expect(outcome(node, bytes)).toBe(expected)
        expect(outcome(nobleCrypto, bytes)).toBe(expected)
        compared++
      }
    }
    expect(compared).toBe(34)
  })

  it('on every primitive for the same inputs', () => {
    const [a, b] = [node, nobleCrypto]
    for (let seed = 0; seed < 6; seed++) {
      const data = pattern(seed * 97, seed)
      const key32 = pattern(32, seed + 40)
      const nonce = pattern(12, seed + 50)
      expect(a.sha256(data)).toEqual(b.sha256(data))
      expect(a.sha512(data)).toEqual(b.sha512(data))
      expect(a.hmacSha256(key32, data)).toEqual(b.hmacSha256(key32, data))
      expect(a.hkdfSha256(data, key32, nonce, 77)).toEqual(b.hkdfSha256(data, key32, nonce, 77))
      // Every length around the one-block fast path (<= 32 bytes) and the second block.
      for (const length of [0, 1, 12, 31, 32, 33, 64, 65]) {
        expect(a.hkdfExpandSha256(key32, data, length)).toEqual(b.hkdfExpandSha256(key32, data, length))
        expect(a.hkdfExpandSha256(key32, data, length).length).toBe(length)
      }
      expect(a.x25519.getPublicKey(key32)).toEqual(b.x25519.getPublicKey(key32))
      const peer = b.x25519.getPublicKey(pattern(32, seed + 60))
      expect(a.x25519.sharedSecret(key32, peer)).toEqual(b.x25519.sharedSecret(key32, peer))
      for (const keyLength of [16, 24, 32]) {
        const k = pattern(keyLength, seed)
        expect(a.aesGcm.encrypt(k, nonce, data, key32)).toEqual(b.aesGcm.encrypt(k, nonce, data, key32))
      }
      expect(a.chacha20poly1305.encrypt(key32, nonce, data)).toEqual(
        b.chacha20poly1305.encrypt(key32, nonce, data),
      )
      expect(a.ed25519.getPublicKey(key32)).toEqual(b.ed25519.getPublicKey(key32))
      expect(a.ed25519.sign(data, key32)).toEqual(b.ed25519.sign(data, key32))
    }
  })
})
