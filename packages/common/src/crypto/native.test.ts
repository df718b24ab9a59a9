/**
 * Differential tests of the native fast paths (native.ts) against the noble reference: Ed25519ph verification
 * through libsodium's group operations and secp256k1 recovery through libsecp256k1 must give the verdict and
 * the key noble gives, for valid signatures, corrupted ones, random bytes and the pinned edge cases of
 * ed25519Rule.test.ts (small-order and mixed-order keys, non-canonical encodings, S >= L, S = 0). A fast path
 * that answers differently on one input forks an inbox between two nodes, so thousands of inputs run here.
 * X25519 through libsodium must give node:crypto's KeyObject path's shared secrets and public keys, and
 * refuse the same low-order inputs with the same error; its ChaCha20-Poly1305 must seal to the same bytes and
 * refuse the same forgeries.
 */
import { createHash, randomBytes } from 'node:crypto'
import { ED25519_TORSION_SUBGROUP, ed25519, ed25519ph, x25519 } from '@noble/curves/ed25519.js'
import { secp256k1 } from '@noble/curves/secp256k1.js'
import { sha512 } from '@noble/hashes/sha2.js'
import { keccak_256 } from '@noble/hashes/sha3.js'
import fc from 'fast-check'
import { afterEach, describe, expect, it } from 'vitest'
import { concatBytes, fromHex, toHex, utf8ToBytes } from '../bytes.ts'
import { isBaseError } from '../errors.ts'
import { loadNativeBackends } from './native.ts'
import { dom2, nobleCrypto } from './noble.ts'
import { nodeCrypto, nodeCryptoFor } from './node.ts'
import type { CryptoProvider } from './types.ts'

// The comparisons below are synchronous and take tens of seconds on a loaded machine. Without a macrotask
// turn between tests, the worker cannot read vitest's RPC replies for the whole file and reports
// "Timeout calling onTaskUpdate" (60 s), failing a run whose tests all passed.
afterEach(() => new Promise<void>((resolve) => setTimeout(resolve, 0)))

function required<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new Error(`${what} did not load under Node`)
  return value
}
const fast = required(nodeCrypto, 'node:crypto provider')
const plain = required(nodeCryptoFor(globalThis, { native: false }), 'node:crypto provider without native')
const native = loadNativeBackends(globalThis)

// The npm packages ship prebuilt binaries for these platforms; there a missing backend is a failure, not a
// reason to skip (elsewhere the provider runs on noble and the comparisons below still hold).
const prebuilt = process.platform === 'linux' && process.arch === 'x64'

const { Point } = ed25519
const L = Point.Fn.ORDER
const p = 2n ** 255n - 19n
const context = utf8ToBytes('IDENTITY UPDATE SIGNATURE')

function le(n: bigint, length = 32): Uint8Array {
  return Uint8Array.from({ length }, (_, i) => Number((n >> BigInt(8 * i)) & 0xffn))
}
function fromLe(bytes: Uint8Array): bigint {
  let n = 0n
  for (let i = bytes.length - 1; i >= 0; i--) n = (n << 8n) | BigInt(bytes[i] as number)
  return n
}
/** k = SHA-512(dom2(1, C) || R || A || SHA-512(M)) mod L, as the signer computes it (RFC 8032 §5.1.6). */
function challengePh(r: Uint8Array, a: Uint8Array, m: Uint8Array, ctx = context): bigint {
  return fromLe(sha512(concatBytes(dom2(1, ctx), r, a, sha512(m)))) % L
}

/**
 * The verdict of noble, after checking that the native path (and, with `all`, node without native: noble's
 * points with OpenSSL's SHA-512) gives the same one.
 */
function expectSamePh(
  sig: Uint8Array,
  msg: Uint8Array,
  key: Uint8Array,
  ctx = context,
  all = false,
): boolean {
  const expected = nobleCrypto.ed25519.verifyPh(sig, msg, key, ctx)
  const label = `sig ${toHex(sig)} key ${toHex(key)} msg ${toHex(msg)} ctx ${toHex(ctx)}`
  expect(fast.ed25519.verifyPh(sig, msg, key, ctx), label).toBe(expected)
  if (all) expect(plain.ed25519.verifyPh(sig, msg, key, ctx), label).toBe(expected)
  return expected
}

describe('native backends', () => {
  it.runIf(prebuilt)('load from their npm packages on this platform', () => {
    expect(native.names).toEqual(['libsodium', 'libsecp256k1', 'libkeccak'])
    expect(fast.nativeBackends).toEqual(['libsodium', 'libsecp256k1', 'libkeccak'])
    expect(plain.nativeBackends).toEqual([])
    expect(native.x25519).toBeDefined()
    expect(native.x25519Base).toBeDefined()
    expect(native.x25519GenerateKeyPair).toBeDefined()
    expect(native.chacha20poly1305Seal).toBeDefined()
    expect(native.chacha20poly1305Open).toBeDefined()
    expect(native.ed25519Verify).toBeDefined()
    expect(native.ed25519Signer).toBeDefined()
  })

  it('libsodium computes honest [S]B - [k]A and refuses exactly what noble must then decide', () => {
    const sbMinusKa = required(native.ed25519SbMinusKa, 'libsodium backend')
    const a = 0x1234567n
    const A = Point.BASE.multiply(a)
    for (const [s, k] of [
      [5n, 7n],
      [L - 1n, 1n],
      [123456789n, L - 2n],
    ] as const) {
      expect(toHex(sbMinusKa(le(s), le(k), A.toBytes()) as Uint8Array)).toBe(
        toHex(Point.BASE.multiply(s).subtract(A.multiply(k)).toBytes()),
      )
    }
    // Refusals (noble decides these): S = 0, k = 0, a small-order A, a mixed-order A, a non-canonical A.
    expect(sbMinusKa(le(0n), le(3n), A.toBytes())).toBeUndefined()
    expect(sbMinusKa(le(3n), le(0n), A.toBytes())).toBeUndefined()
    for (const hex of ED25519_TORSION_SUBGROUP) {
      expect(sbMinusKa(le(3n), le(5n), fromHex(hex)), hex).toBeUndefined()
    }
    const torsion = Point.fromBytes(fromHex(ED25519_TORSION_SUBGROUP[1] as string))
    expect(sbMinusKa(le(3n), le(5n), A.add(torsion).toBytes())).toBeUndefined()
    expect(sbMinusKa(le(3n), le(5n), le(p + 1n))).toBeUndefined()
  })
})

/**
 * A Node-like global whose `node:module` require answers `load(id)` and resolves with `resolve(id)`
 * (everything else is the real one).
 */
function globalWithRequire(load: (id: string) => unknown, resolve: (id: string) => string = load as never) {
  const real = process.getBuiltinModule
  const require = Object.assign((id: string) => load(id), { resolve })
  return {
    process: {
      versions: process.versions,
      getBuiltinModule: (id: string) =>
        id === 'node:module' ? { createRequire: () => require } : (real as (id: string) => unknown)(id),
    },
  }
}

describe('fallback to noble', () => {
  it('when the optional packages are not installed: no backend, and the provider still verifies alike', () => {
    const missing = globalWithRequire((id) => {
      throw Object.assign(new Error(`Cannot find module '${id}'`), { code: 'MODULE_NOT_FOUND' })
    })
    expect(loadNativeBackends(missing).names).toEqual([])
    const provider = required(nodeCryptoFor(missing), 'node provider without the optional packages')
    expect(provider.nativeBackends).toEqual([])
    const seed = new Uint8Array(32).fill(4)
    const message = utf8ToBytes('fallback')
    const signature = ed25519ph.sign(message, seed, { context })
    expect(provider.ed25519.verifyPh(signature, message, ed25519.getPublicKey(seed), context)).toBe(true)
    expect(provider.ed25519.verifyPh(signature, message, ed25519.getPublicKey(seed.fill(5)), context)).toBe(
      false,
    )
    const hash = new Uint8Array(32).fill(9)
    const key = new Uint8Array(32).fill(3)
    expect(provider.secp256k1.recoverPublicKey(hash, provider.secp256k1.signRecoverable(hash, key))).toEqual(
      nobleCrypto.secp256k1.getPublicKey(key),
    )
    expect(toHex(provider.keccak256(utf8ToBytes('fallback')))).toBe(
      toHex(nobleCrypto.keccak256(utf8ToBytes('fallback'))),
    )
    // X25519 on node:crypto KeyObjects: same secrets, same refusals as with libsodium.
    const alice = fromHex('77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a')
    const bob = fromHex('5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb')
    expect(toHex(provider.x25519.sharedSecret(alice, provider.x25519.getPublicKey(bob)))).toBe(
      '4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742',
    )
    const pair = provider.x25519.generateKeyPair()
    expect(toHex(pair.sharedSecret(fast.x25519.getPublicKey(bob)))).toBe(
      toHex(fast.x25519.sharedSecret(bob, pair.publicKey)),
    )
    for (const u of smallOrderU) {
      expect(x25519Outcome(provider, alice, u)).toBe(x25519Outcome(fast, alice, u))
      expect(x25519Outcome(provider, alice, u)).toMatch(/^Common::CryptoFailure: /)
    }
    // ChaCha20-Poly1305 on node:crypto's cipher objects.
    const sealed = provider.chacha20poly1305.encrypt(alice, alice.subarray(0, 12), message, bob)
    expect(toHex(sealed)).toBe(
      toHex(fast.chacha20poly1305.encrypt(alice, alice.subarray(0, 12), message, bob)),
    )
    sealed[0] = (sealed[0] as number) ^ 1
    expect(openOutcome(provider, alice, alice.subarray(0, 12), sealed, bob)).toBe(
      openOutcome(fast, alice, alice.subarray(0, 12), sealed, bob),
    )
  })

  it('when a package loads but answers wrongly: its probe fails and it is left out', () => {
    const wrong = globalWithRequire(
      (id) => {
        if (id === 'sodium-native') {
          const zero = (out: Uint8Array) => out.fill(0)
          return {
            crypto_scalarmult_ed25519_base_noclamp: zero,
            crypto_scalarmult_ed25519_noclamp: zero,
            crypto_core_ed25519_sub: zero,
            crypto_core_ed25519_scalar_reduce: zero,
          }
        }
        if (id === 'secp256k1/bindings') return { ecdsaRecover: () => new Uint8Array(65) }
        // A keccak addon that pads like SHA-3 (0x06): a plausible wrong build, caught by the known answers.
        if (id === 'node-gyp-build') {
          return () =>
            class {
              #data: Uint8Array = new Uint8Array(0)
              initialize() {}
              absorb(data: Uint8Array) {
                this.#data = data
              }
              absorbLastFewBits() {}
              squeeze() {
                return Uint8Array.from(createHash('sha3-256').update(this.#data).digest())
              }
            }
        }
        throw new Error(`Cannot find module '${id}'`)
      },
      (id) => `/nowhere/node_modules/${id}`,
    )
    expect(loadNativeBackends(wrong).names).toEqual([])
    expect(toHex(required(nodeCryptoFor(wrong), 'node provider').keccak256(new Uint8Array(0)))).toBe(
      'c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470',
    )
  })

  it('X25519: a libsodium that computes wrongly or does not refuse an all-zero result is left out', () => {
    const ed25519Only = {
      crypto_scalarmult_ed25519_base_noclamp: () => {},
      crypto_scalarmult_ed25519_noclamp: () => {},
      crypto_core_ed25519_sub: () => {},
      crypto_core_ed25519_scalar_reduce: () => {},
    }
    const honest = (q: Uint8Array, n: Uint8Array, u: Uint8Array) => q.set(x25519.scalarMult(n, u))
    const honestBase = (q: Uint8Array, n: Uint8Array) => q.set(x25519.scalarMultBase(n))
    const builds = {
      // Writes the zero product instead of failing (a build without the RFC 7748 §6.1 check).
      noRefusal: {
        crypto_scalarmult: (q: Uint8Array, n: Uint8Array, u: Uint8Array) => {
          try {
            honest(q, n, u)
          } catch {
            q.fill(0)
          }
        },
        crypto_scalarmult_base: honestBase,
      },
      // Does not clamp the scalar.
      noClamp: {
        crypto_scalarmult: (q: Uint8Array, n: Uint8Array, u: Uint8Array) => {
          const unclamped = n.slice()
          unclamped[0] = (unclamped[0] as number) | 7
          honest(q, unclamped.fill(0x11, 1, 2), u)
        },
        crypto_scalarmult_base: honestBase,
      },
      wrongBase: { crypto_scalarmult: honest, crypto_scalarmult_base: (q: Uint8Array) => q.fill(9) },
    }
    for (const [name, build] of Object.entries(builds)) {
      const loaded = loadNativeBackends(globalWithRequire(() => ({ ...ed25519Only, ...build })))
      expect(loaded.x25519, name).toBeUndefined()
      expect(loaded.names, name).toEqual([])
    }
    // A ChaCha20-Poly1305 whose open does not check the tag (decrypts whatever it is given).
    const noTagCheck = {
      crypto_aead_chacha20poly1305_ietf_encrypt: (
        c: Uint8Array,
        m: Uint8Array,
        ad: Uint8Array,
        _n: null,
        npub: Uint8Array,
        k: Uint8Array,
      ) => c.set(plain.chacha20poly1305.encrypt(k, npub, m, ad)),
      crypto_aead_chacha20poly1305_ietf_decrypt: (
        m: Uint8Array,
        _n: null,
        c: Uint8Array,
        ad: Uint8Array,
        npub: Uint8Array,
        k: Uint8Array,
      ) => {
        const sealed = plain.chacha20poly1305.encrypt(k, npub, new Uint8Array(c.length - 16), ad)
        m.set(c.subarray(0, c.length - 16).map((b, i) => b ^ (sealed[i] as number)))
      },
    }
    const unchecked = loadNativeBackends(globalWithRequire(() => noTagCheck))
    expect(unchecked.chacha20poly1305Open).toBeUndefined()
    expect(unchecked.names).toEqual([])
    // The same with the tag checked passes its probe.
    const checked = loadNativeBackends(
      globalWithRequire(() => ({
        ...noTagCheck,
        crypto_aead_chacha20poly1305_ietf_decrypt: (
          m: Uint8Array,
          _n: null,
          c: Uint8Array,
          ad: Uint8Array,
          npub: Uint8Array,
          k: Uint8Array,
        ) => m.set(plain.chacha20poly1305.decrypt(k, npub, c, ad)),
      })),
    )
    expect(checked.chacha20poly1305Open).toBeDefined()
    expect(checked.names).toEqual(['libsodium'])
    // The honest build (noble's X25519 behind libsodium's names) passes the probe.
    const loaded = loadNativeBackends(
      globalWithRequire(() => ({ crypto_scalarmult: honest, crypto_scalarmult_base: honestBase })),
    )
    expect(loaded.names).toEqual(['libsodium'])
    expect(loaded.ed25519SbMinusKa).toBeUndefined()
    expect(loaded.x25519GenerateKeyPair).toBeUndefined()
    // Key generation: an honest one is taken, one handing out a public key of another private key is not.
    const keypair = (pk: Uint8Array, sk: Uint8Array) => {
      sk.set(randomBytes(32))
      pk.set(x25519.getPublicKey(sk))
    }
    const withKeygen = (box: (pk: Uint8Array, sk: Uint8Array) => void) =>
      loadNativeBackends(
        globalWithRequire(() => ({
          crypto_scalarmult: honest,
          crypto_scalarmult_base: honestBase,
          crypto_box_keypair: box,
        })),
      )
    expect(withKeygen(keypair).x25519GenerateKeyPair).toBeDefined()
    const skewed = withKeygen((pk, sk) => {
      keypair(pk, sk)
      sk[0] = (sk[0] as number) ^ 0x40
    })
    expect(skewed.x25519GenerateKeyPair).toBeUndefined()
    expect(skewed.x25519).toBeDefined()
    const constant = withKeygen((pk, sk) => {
      sk.fill(7)
      pk.set(x25519.getPublicKey(sk))
    })
    expect(constant.x25519GenerateKeyPair).toBeUndefined()
    const provider = required(
      nodeCryptoFor(
        globalWithRequire(() => ({ crypto_scalarmult: honest, crypto_scalarmult_base: honestBase })),
      ),
      'node provider',
    )
    const alice = fromHex('77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a')
    expect(x25519Outcome(provider, alice, new Uint8Array(32))).toBe(
      x25519Outcome(plain, alice, new Uint8Array(32)),
    )
  })

  it('in a browser-like global (no process): nothing is loaded', () => {
    expect(loadNativeBackends({}).names).toEqual([])
  })
})

describe('Keccak-256: libkeccak and noble agree', () => {
  const nativeKeccak = (data: Uint8Array) => required(native.keccak256, 'keccak backend')(data)
  it('on every length from 0 to 600 bytes (the 136-byte rate and its multiples at both edges)', () => {
    for (let length = 0; length <= 600; length++) {
      const data = Uint8Array.from({ length }, (_, i) => (i * 131 + length) & 0xff)
      const expected = toHex(keccak_256(data))
      expect(toHex(nativeKeccak(data)), `length ${length}`).toBe(expected)
      expect(toHex(fast.keccak256(data)), `length ${length}`).toBe(expected)
    }
  })

  it('on 2,000 random inputs, some of them views into a larger buffer (fast-check)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 2000 }), fc.nat(16), fc.nat(16), (bytes, head, tail) => {
        const view = bytes.subarray(Math.min(head, bytes.length), Math.max(head, bytes.length - tail))
        const expected = toHex(keccak_256(view))
        expect(toHex(nativeKeccak(view))).toBe(expected)
        expect(toHex(fast.keccak256(view))).toBe(expected)
      }),
      { numRuns: 2000 },
    )
  })

  it('returns its own plain bytes: a later hash does not change an earlier result', () => {
    const first = fast.keccak256(utf8ToBytes('first'))
    const copy = toHex(first)
    fast.keccak256(utf8ToBytes('second'))
    expect(toHex(first)).toBe(copy)
    expect(Object.getPrototypeOf(first)).toBe(Uint8Array.prototype)
    expect(first.length).toBe(32)
    expect(first.buffer.byteLength).toBe(32)
  })

  it('refuses a non-byte input with the provider code, as noble does', () => {
    const codeOf = (provider: CryptoProvider) => {
      try {
        provider.keccak256('abc' as unknown as Uint8Array)
        return 'no error'
      } catch (error) {
        return isBaseError(error) ? error.code : `untyped ${String(error)}`
      }
    }
    expect(codeOf(fast)).toMatch(/^Common::/)
    expect(codeOf(fast)).toBe(codeOf(nobleCrypto))
  })
})

/** The outcome of one X25519 call: the shared secret in hex, or the error code and message. */
function x25519Outcome(provider: CryptoProvider, secret: Uint8Array, u: Uint8Array): string {
  try {
    return toHex(provider.x25519.sharedSecret(secret, u))
  } catch (error) {
    return isBaseError(error) ? `${error.code}: ${error.message}` : `untyped ${String(error)}`
  }
}

/**
 * The u-coordinates of small order (RFC 7748 §6.1 requires refusing their all-zero results; the list is
 * the one of libsodium's blacklist and of "May the Fourth Be With You", Cremers and Jackson 2019): 0, 1,
 * the two points of order 8, p - 1, and the non-canonical p and p + 1, each also with the top bit set
 * (ignored, RFC 7748 §5).
 */
const smallOrderU: readonly Uint8Array[] = [
  0n,
  1n,
  325606250916557431795983626356110631294008115727848805560023387167927233504n,
  39382357235489614581723060781553021112529911719440698176882885853963445705823n,
  p - 1n,
  p,
  p + 1n,
].flatMap((u) => {
  const high = le(u)
  high[31] = (high[31] as number) | 0x80
  return [le(u), high]
})

describe('X25519: libsodium and node:crypto agree', () => {
  const nativeX25519 = required(native.x25519, 'libsodium X25519')
  const nativeBase = required(native.x25519Base, 'libsodium X25519 base')

  it('on 1,000 random scalars and u-coordinates, some views into a larger buffer (fast-check)', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        fc.nat(8),
        (secret, u, offset) => {
          const padded = new Uint8Array(offset + 40)
          padded.set(u, offset)
          const view = padded.subarray(offset, offset + 32)
          const expected = x25519Outcome(plain, secret, u)
          expect(x25519Outcome(fast, secret, view)).toBe(expected)
          expect(toHex(fast.x25519.getPublicKey(secret))).toBe(toHex(plain.x25519.getPublicKey(secret)))
          expect(toHex(fast.x25519.keyPair(secret).sharedSecret(u))).toBe(expected)
        },
      ),
      { numRuns: 1000 },
    )
  }, 120_000)

  it('on honest exchanges: shared secrets from both sides and across the two paths match', () => {
    for (let i = 0; i < 200; i++) {
      const a = fast.x25519.generateKeyPair()
      const b = plain.x25519.generateKeyPair()
      const fromA = a.sharedSecret(b.publicKey)
      expect(toHex(fromA)).toBe(toHex(b.sharedSecret(a.publicKey)))
      expect(fromA.some((byte) => byte !== 0)).toBe(true)
      const secret = fast.x25519.randomPrivateKey()
      expect(toHex(fast.x25519.keyPair(secret).publicKey)).toBe(toHex(plain.x25519.getPublicKey(secret)))
      expect(toHex(fast.x25519.sharedSecret(secret, b.publicKey))).toBe(
        toHex(plain.x25519.sharedSecret(secret, b.publicKey)),
      )
    }
  })

  it('refuses every small-order u exactly as node:crypto does (Common::CryptoFailure), for many scalars', () => {
    for (let seed = 0; seed < 64; seed++) {
      const secret = Uint8Array.from({ length: 32 }, (_, i) => (seed * 37 + i * 11) & 0xff)
      for (const u of smallOrderU) {
        const label = `u ${toHex(u)} scalar ${toHex(secret)}`
        expect(nativeX25519(secret, u), label).toBeUndefined()
        const expected = x25519Outcome(plain, secret, u)
        expect(expected, label).toMatch(/^Common::CryptoFailure: /)
        expect(x25519Outcome(fast, secret, u), label).toBe(expected)
        expect(x25519Outcome(nobleCrypto, secret, u).split(': ')[0], label).toBe('Common::CryptoFailure')
        const pair = fast.x25519.keyPair(secret)
        let thrown: unknown
        try {
          pair.sharedSecret(u)
        } catch (error) {
          thrown = error
        }
        expect(isBaseError(thrown) && thrown.code, label).toBe('Common::CryptoFailure')
      }
    }
  })

  it('on every non-canonical u (p + 2 to 2^255 - 1, top bit clear and set): reduced modulo p alike', () => {
    const secret = fromHex('4b66e9d4d1b4673c5ad22691957d6af5c11b6421e0ea01d42ca4169e7918ba0d')
    let compared = 0
    for (let u = p + 2n; u < 2n ** 255n; u++) {
      for (const topBit of [0, 0x80]) {
        const bytes = le(u)
        bytes[31] = (bytes[31] as number) | topBit
        const expected = x25519Outcome(plain, secret, bytes)
        expect(x25519Outcome(fast, secret, bytes)).toBe(expected)
        expect(x25519Outcome(fast, secret, le(u - p))).toBe(expected)
        compared++
      }
    }
    expect(compared).toBe(34)
  })

  it('matches noble on the RFC 7748 §5.2 iterated vector (1,000 iterations)', () => {
    let k = fromHex('0900000000000000000000000000000000000000000000000000000000000000')
    let u = k
    for (let i = 0; i < 1000; i++) {
      const next = nativeX25519(k, u) as Uint8Array
      u = k
      k = next
    }
    expect(toHex(k)).toBe('684cf59ba83309552800ef566f2f4d3c1c3887c49360e3875f2eb94d99532c51')
    expect(
      toHex(nativeBase(fromHex('5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb'))),
    ).toBe(
      toHex(x25519.getPublicKey(fromHex('5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb'))),
    )
  })

  it('generates key pairs whose public key is the one node:crypto derives, all different', () => {
    const generate = required(native.x25519GenerateKeyPair, 'libsodium X25519 key generation')
    const seen = new Set<string>()
    for (let i = 0; i < 200; i++) {
      const { privateKey, publicKey } = generate()
      expect(toHex(publicKey)).toBe(toHex(plain.x25519.getPublicKey(privateKey)))
      seen.add(toHex(privateKey))
    }
    expect(seen.size).toBe(200)
    // A generated pair agrees with node:crypto's pairs on the shared secret.
    const ours = fast.x25519.generateKeyPair()
    const theirs = plain.x25519.generateKeyPair()
    expect(toHex(ours.sharedSecret(theirs.publicKey))).toBe(toHex(theirs.sharedSecret(ours.publicKey)))
  })

  it('key pairs keep their own copy of the private key', () => {
    const secret = fromHex('77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a')
    const peer = fromHex('de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f')
    const copy = secret.slice()
    const pair = fast.x25519.keyPair(copy)
    copy.fill(0)
    expect(toHex(pair.sharedSecret(peer))).toBe(
      '4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742',
    )
    expect(toHex(pair.publicKey)).toBe('8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a')
  })
})

/** The outcome of one AEAD open: the plaintext in hex, or the error code and message. */
function openOutcome(
  provider: CryptoProvider,
  key: Uint8Array,
  nonce: Uint8Array,
  sealed: Uint8Array,
  aad?: Uint8Array,
): string {
  try {
    return toHex(provider.chacha20poly1305.decrypt(key, nonce, sealed, aad))
  } catch (error) {
    return isBaseError(error) ? `${error.code}: ${error.message}` : `untyped ${String(error)}`
  }
}

describe('ChaCha20-Poly1305: libsodium and node:crypto agree', () => {
  it('on 2,000 random keys, nonces, plaintexts and AADs, some views into larger buffers (fast-check)', () => {
    const view = (bytes: Uint8Array, offset: number) => {
      const padded = new Uint8Array(bytes.length + offset + 5).fill(0xee)
      padded.set(bytes, offset)
      return padded.subarray(offset, offset + bytes.length)
    }
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        fc.uint8Array({ minLength: 12, maxLength: 12 }),
        fc.uint8Array({ maxLength: 1100 }),
        fc.option(fc.uint8Array({ maxLength: 80 }), { nil: undefined }),
        fc.nat(7),
        fc.nat(1200),
        (key, nonce, plaintext, aad, offset, flip) => {
          const sealed = plain.chacha20poly1305.encrypt(key, nonce, plaintext, aad)
          const fastSealed = fast.chacha20poly1305.encrypt(
            view(key, offset),
            view(nonce, offset),
            view(plaintext, offset),
            aad === undefined ? undefined : view(aad, offset),
          )
          expect(toHex(fastSealed)).toBe(toHex(sealed))
          expect(openOutcome(fast, key, nonce, view(sealed, offset), aad)).toBe(toHex(plaintext))
          // One bit flipped anywhere (ciphertext or tag), or the AAD changed: both refuse alike.
          const forged = sealed.slice()
          const at = flip % forged.length
          forged[at] = (forged[at] as number) ^ (1 << (flip % 8))
          const expected = openOutcome(plain, key, nonce, forged, aad)
          expect(expected).toMatch(/^Common::AeadTagMismatch: .*ChaCha20-Poly1305 tag does not verify$/)
          expect(openOutcome(fast, key, nonce, forged, aad)).toBe(expected)
          const otherAad = Uint8Array.of(...(aad ?? []), 0)
          expect(openOutcome(fast, key, nonce, sealed, otherAad)).toBe(
            openOutcome(plain, key, nonce, sealed, otherAad),
          )
        },
      ),
      { numRuns: 2000 },
    )
  }, 120_000)

  it('on inputs shorter than a tag, and on wrong key and nonce lengths: same codes and messages', () => {
    const key = new Uint8Array(32).fill(1)
    const nonce = new Uint8Array(12).fill(2)
    for (let length = 0; length <= 16; length++) {
      const input = new Uint8Array(length)
      expect(openOutcome(fast, key, nonce, input)).toBe(openOutcome(plain, key, nonce, input))
    }
    const sealed = fast.chacha20poly1305.encrypt(key, nonce, new Uint8Array(0))
    expect(sealed.length).toBe(16)
    expect(openOutcome(fast, key, nonce, sealed)).toBe('')
    for (const [k, n] of [
      [new Uint8Array(31), nonce],
      [key, new Uint8Array(8)],
    ] as const) {
      expect(openOutcome(fast, k, n, sealed)).toBe(openOutcome(plain, k, n, sealed))
      let code = 'no error'
      try {
        fast.chacha20poly1305.encrypt(k, n, new Uint8Array(3))
      } catch (error) {
        code = isBaseError(error) ? error.code : 'untyped'
      }
      expect(code).toBe('Common::InvalidLength')
    }
  })
})

describe('Ed25519ph: the native path and noble agree', () => {
  it('on 500 random honest signatures (all valid) and a corruption of each (fast-check)', () => {
    let accepted = 0
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        fc.uint8Array({ maxLength: 300 }),
        fc.nat(),
        fc.constantFrom('signature', 'key', 'message', 'context'),
        (seed, message, where, what) => {
          const publicKey = ed25519.getPublicKey(seed)
          const signature = ed25519ph.sign(message, seed, { context })
          if (expectSamePh(signature, message, publicKey)) accepted++
          // One flipped bit somewhere: every path must refuse it alike.
          const flip = (bytes: Uint8Array) => {
            const out = bytes.length === 0 ? new Uint8Array(1) : bytes.slice()
            const bit = where % (out.length * 8)
            out[bit >> 3] = (out[bit >> 3] as number) ^ (1 << (bit & 7))
            return out
          }
          if (what === 'signature') expectSamePh(flip(signature), message, publicKey)
          if (what === 'key') expectSamePh(signature, message, flip(publicKey))
          if (what === 'message') expectSamePh(signature, flip(message), publicKey)
          if (what === 'context') expectSamePh(signature, message, publicKey, flip(context))
        },
      ),
      { numRuns: 500, seed: 20261203 },
    )
    expect(accepted).toBe(500)
  }, 300_000)

  it('on 1,000 random byte strings as signatures and keys (fast-check)', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 64, maxLength: 64 }),
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        fc.uint8Array({ maxLength: 40 }),
        (signature, publicKey, message) => {
          // Keep S below L half of the time so that the point arithmetic runs, not only the S check.
          const sig = signature.slice()
          if ((sig[0] as number) & 1) sig[63] = (sig[63] as number) & 0x0f
          expect(expectSamePh(sig, message, publicKey)).toBe(false)
        },
      ),
      { numRuns: 1000, seed: 424242 },
    )
  }, 300_000)

  it('on forged and edge cases: torsion keys and nonces, mixed-order keys, non-canonical A, S = 0, S + L', () => {
    let counter = 0
    const next = (length: number) => sha512(le(BigInt(++counter), 8)).subarray(0, length)
    const torsion = ED25519_TORSION_SUBGROUP.map((hex) => Point.fromBytes(fromHex(hex)))
    const pick = <T>(items: readonly T[]) => items[(next(1)[0] as number) % items.length] as T
    const verdictCount = { true: 0, false: 0 }
    const decidedBySodium = { yes: 0, no: 0 }
    const sbMinusKa = required(native.ed25519SbMinusKa, 'libsodium backend')
    for (let i = 0; i < 600; i++) {
      const a = (fromLe(next(32)) % (L - 1n)) + 1n
      const r = (fromLe(next(32)) % (L - 1n)) + 1n
      const t = pick(torsion)
      const message = next(i % 50)
      const publicPoint = pick([Point.BASE.multiply(a), Point.BASE.multiply(a).add(t), t])
      let publicKey = publicPoint.toBytes()
      const kind = i % 7
      if (kind === 4) publicKey = next(32) // random bytes: often not a point
      if (kind === 5) {
        // Non-canonical encodings (y >= p) where one exists, else the sign bit flipped (-A).
        const y = fromLe(publicKey) & (2n ** 255n - 1n)
        publicKey = y < 19n ? le(fromLe(publicKey) + p) : publicKey.map((b, j) => (j === 31 ? b ^ 0x80 : b))
      }
      if (kind === 6) publicKey = le(p + (fromLe(next(1)) % 19n))
      const rPoint = pick([Point.BASE.multiply(r), Point.BASE.multiply(r).add(t), t])
      const rBytes = kind === 3 && i % 2 === 0 ? le(p + 1n) : rPoint.toBytes()
      const k = challengePh(rBytes, publicKey, message)
      const honestS = (r + k * a) % L
      const s = pick([honestS, honestS, honestS, honestS + L, 0n, fromLe(next(32)) % L, fromLe(next(32))])
      const signature = concatBytes(rBytes, le(s % 2n ** 256n))
      const verdict = expectSamePh(signature, message, publicKey, context, true)
      verdictCount[verdict ? 'true' : 'false']++
      if (s < L) decidedBySodium[sbMinusKa(le(s), le(k), publicKey) === undefined ? 'no' : 'yes']++
    }
    // Both verdicts occur, and both the libsodium path and the noble fallback were exercised.
    expect(verdictCount.true).toBeGreaterThan(20)
    expect(verdictCount.false).toBeGreaterThan(50)
    expect(decidedBySodium.yes).toBeGreaterThan(50)
    expect(decidedBySodium.no).toBeGreaterThan(50)
  }, 300_000)

  it('cofactorless: a mixed-order key verifies only when 8 divides k, on every path', () => {
    const torsion = Point.fromBytes(fromHex(ED25519_TORSION_SUBGROUP[1] as string))
    const a = 0x1234567n
    const publicKey = Point.BASE.multiply(a).add(torsion).toBytes()
    const r = 0x7654321n
    const rBytes = Point.BASE.multiply(r).toBytes()
    const seen = new Set<boolean>()
    for (let i = 0; i < 64 && seen.size < 2; i++) {
      const message = Uint8Array.of(i)
      const k = challengePh(rBytes, publicKey, message)
      const signature = concatBytes(rBytes, le((r + k * a) % L))
      const verdict = expectSamePh(signature, message, publicKey, context, true)
      expect(verdict).toBe(k % 8n === 0n)
      seen.add(verdict)
    }
    expect(seen).toEqual(new Set([true, false]))
  })

  it('the identity forgery (A = R = identity, S = 0) verifies on every path, as dalek verify_prehashed', () => {
    const identity = le(1n)
    for (const message of [new Uint8Array(0), fromHex('deadbeef')]) {
      expect(expectSamePh(concatBytes(identity, new Uint8Array(32)), message, identity, context, true)).toBe(
        true,
      )
    }
  })
})

/** k = SHA-512(R || A || M) mod L (RFC 8032 §5.1.6, pure Ed25519). */
function challenge(r: Uint8Array, a: Uint8Array, m: Uint8Array): bigint {
  return fromLe(sha512(concatBytes(r, a, m))) % L
}

/** Tallies of {@link expectSameVerdict}: which path decided, and how. */
const ed25519Paths = { sodiumAccepted: 0, opensslAccepted: 0, refused: 0 }

/**
 * The verdict of OpenSSL alone (the provider without native backends), after checking that the provider
 * with libsodium gives the same one, and that libsodium never accepts what OpenSSL refuses.
 */
function expectSameVerdict(sig: Uint8Array, msg: Uint8Array, key: Uint8Array): boolean {
  const label = `sig ${toHex(sig)} key ${toHex(key)} msg ${toHex(msg)}`
  const openssl = plain.ed25519.verify(sig, msg, key)
  const sodium = required(native.ed25519Verify, 'libsodium Ed25519 verification')(sig, msg, key)
  if (sodium) expect(openssl, `libsodium accepted what OpenSSL refuses: ${label}`).toBe(true)
  expect(fast.ed25519.verify(sig, msg, key), label).toBe(openssl)
  if (sodium) ed25519Paths.sodiumAccepted++
  else if (openssl) ed25519Paths.opensslAccepted++
  else ed25519Paths.refused++
  return openssl
}

describe('Ed25519: libsodium accepts only what OpenSSL accepts, and the provider gives OpenSSL verdicts', () => {
  it('on 1,000 random honest signatures (all valid, some views) and a corruption of each (fast-check)', () => {
    let accepted = 0
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        fc.uint8Array({ maxLength: 1200 }),
        fc.nat(),
        fc.constantFrom('signature', 'key', 'message'),
        fc.boolean(),
        (seed, message, where, what, view) => {
          const publicKey = ed25519.getPublicKey(seed)
          const signature = ed25519.sign(message, seed)
          // The same bytes as views into larger buffers (sodium-native reads offset and length).
          const inView = (bytes: Uint8Array) =>
            view
              ? concatBytes(Uint8Array.of(0xaa), bytes, Uint8Array.of(0xbb)).subarray(1, bytes.length + 1)
              : bytes
          if (expectSameVerdict(inView(signature), inView(message), inView(publicKey))) accepted++
          const flip = (bytes: Uint8Array) => {
            const out = bytes.length === 0 ? new Uint8Array(1) : bytes.slice()
            const bit = where % (out.length * 8)
            out[bit >> 3] = (out[bit >> 3] as number) ^ (1 << (bit & 7))
            return out
          }
          if (what === 'signature') expectSameVerdict(flip(signature), message, publicKey)
          if (what === 'key') expectSameVerdict(signature, message, flip(publicKey))
          if (what === 'message') expectSameVerdict(signature, flip(message), publicKey)
        },
      ),
      { numRuns: 1000, seed: 20261203 },
    )
    expect(accepted).toBe(1000)
  }, 300_000)

  it('on 1,000 random byte strings as signatures and keys (fast-check)', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 64, maxLength: 64 }),
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        fc.uint8Array({ maxLength: 40 }),
        (signature, publicKey, message) => {
          const sig = signature.slice()
          if ((sig[0] as number) & 1) sig[63] = (sig[63] as number) & 0x0f
          expect(expectSameVerdict(sig, message, publicKey)).toBe(false)
        },
      ),
      { numRuns: 1000, seed: 424242 },
    )
  }, 300_000)

  it('on forged and edge cases: torsion and mixed-order keys and nonces, non-canonical A and R, S = 0, S + L', () => {
    let counter = 0
    const next = (length: number) => sha512(le(BigInt(++counter), 8)).subarray(0, length)
    const torsion = ED25519_TORSION_SUBGROUP.map((hex) => Point.fromBytes(fromHex(hex)))
    const pick = <T>(items: readonly T[]) => items[(next(1)[0] as number) % items.length] as T
    const before = { ...ed25519Paths }
    const verdictCount = { true: 0, false: 0 }
    for (let i = 0; i < 1500; i++) {
      const a = (fromLe(next(32)) % (L - 1n)) + 1n
      const r = (fromLe(next(32)) % (L - 1n)) + 1n
      const t = pick(torsion)
      const message = next(i % 50)
      const publicPoint = pick([Point.BASE.multiply(a), Point.BASE.multiply(a).add(t), t])
      let publicKey = publicPoint.toBytes()
      const kind = i % 7
      if (kind === 4) publicKey = next(32) // random bytes: often not a point
      if (kind === 5) {
        // Non-canonical encodings (y >= p) where one exists, else the sign bit flipped (-A).
        const y = fromLe(publicKey) & (2n ** 255n - 1n)
        publicKey = y < 19n ? le(fromLe(publicKey) + p) : publicKey.map((b, j) => (j === 31 ? b ^ 0x80 : b))
      }
      if (kind === 6) publicKey = le(p + (fromLe(next(1)) % 19n))
      const rPoint = pick([Point.BASE.multiply(r), Point.BASE.multiply(r).add(t), t])
      let rBytes = rPoint.toBytes()
      if (kind === 3) {
        // A non-canonical R (y >= p) where one exists: never the encoding of a result, so always refused.
        const y = fromLe(rBytes) & (2n ** 255n - 1n)
        if (y < 19n) rBytes = le(fromLe(rBytes) + p)
      }
      const k = challenge(rBytes, publicKey, message)
      const honestS = (r + k * a) % L
      // A small-order key: [S]B - [k]A = [r]B whenever [k]A is the identity (always for A = identity).
      const forgedS = publicPoint.equals(t) ? r : honestS
      const s = pick([honestS, honestS, forgedS, honestS + L, 0n, fromLe(next(32)) % L, fromLe(next(32))])
      const signature = concatBytes(rBytes, le(s % 2n ** 256n))
      verdictCount[expectSameVerdict(signature, message, publicKey) ? 'true' : 'false']++
    }
    // Both verdicts occur, libsodium accepted many, and OpenSSL alone accepted some that libsodium refused
    // (small-order or mixed-order keys and nonces): the fallback decided those.
    // (The inputs are fixed: 86 accepted, 70 of them by libsodium, 16 by OpenSSL alone, 1,414 refused.)
    expect(verdictCount.true).toBeGreaterThan(50)
    expect(verdictCount.false).toBeGreaterThan(1000)
    expect(ed25519Paths.sodiumAccepted - before.sodiumAccepted).toBeGreaterThan(40)
    expect(ed25519Paths.opensslAccepted - before.opensslAccepted).toBeGreaterThan(5)
  }, 300_000)

  it('the identity forgery (A = R = identity, S = 0): libsodium refuses it, OpenSSL accepts, so does the provider', () => {
    const identity = le(1n)
    for (const message of [new Uint8Array(0), fromHex('deadbeef')]) {
      const signature = concatBytes(identity, new Uint8Array(32))
      expect(required(native.ed25519Verify, 'libsodium')(signature, message, identity)).toBe(false)
      expect(plain.ed25519.verify(signature, message, identity)).toBe(true)
      expect(fast.ed25519.verify(signature, message, identity)).toBe(true)
    }
  })

  it('a libsodium build that accepts what it must refuse is left out, and the provider stays right', () => {
    const ed25519Only = {
      crypto_scalarmult_ed25519_base_noclamp: () => {},
      crypto_scalarmult_ed25519_noclamp: () => {},
      crypto_core_ed25519_sub: () => {},
      crypto_core_ed25519_scalar_reduce: () => {},
    }
    const honest = (sig: Uint8Array, m: Uint8Array, pk: Uint8Array) => ed25519.verify(sig, m, pk)
    const sPlusL = (sig: Uint8Array) => {
      const s = fromLe(sig.subarray(32))
      return s >= L ? concatBytes(sig.subarray(0, 32), le(s - L)) : sig
    }
    const builds = {
      acceptsAll: () => true,
      // ED25519_COMPAT-like: reduces S instead of refusing S >= L.
      reducesS: (sig: Uint8Array, m: Uint8Array, pk: Uint8Array) => honest(sPlusL(sig), m, pk),
      ignoresKey: (sig: Uint8Array, m: Uint8Array) =>
        ed25519.verify(sig, m, ed25519.getPublicKey(le(1n))) || sig.length === 64,
      refusesAll: () => false,
    }
    for (const [name, verify] of Object.entries(builds)) {
      const loaded = loadNativeBackends(
        globalWithRequire(() => ({ ...ed25519Only, crypto_sign_verify_detached: verify })),
      )
      expect(loaded.ed25519Verify, name).toBeUndefined()
    }
    const honestBuild = { ...ed25519Only, crypto_sign_verify_detached: honest }
    expect(loadNativeBackends(globalWithRequire(() => honestBuild)).ed25519Verify).toBeDefined()
    // A provider over a build that accepts everything still refuses a forgery (the build was left out).
    const provider = required(
      nodeCryptoFor(globalWithRequire(() => ({ ...ed25519Only, crypto_sign_verify_detached: () => true }))),
      'node provider',
    )
    const publicKey = ed25519.getPublicKey(new Uint8Array(32).fill(7))
    expect(provider.ed25519.verify(new Uint8Array(64).fill(1), fromHex('00'), publicKey)).toBe(false)
  })
})

describe('Ed25519 signing: libsodium signs byte for byte as OpenSSL does', () => {
  it('on 1,000 random seeds and messages, some views into larger buffers (fast-check)', () => {
    required(native.ed25519Signer, 'libsodium Ed25519 signing')
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        fc.uint8Array({ maxLength: 1500 }),
        fc.boolean(),
        (seed, message, view) => {
          const inView = (bytes: Uint8Array) =>
            view
              ? concatBytes(Uint8Array.of(0xaa), bytes, Uint8Array.of(0xbb)).subarray(1, bytes.length + 1)
              : bytes
          const signature = fast.ed25519.signer(inView(seed))(inView(message))
          expect(toHex(signature)).toBe(toHex(plain.ed25519.sign(message, seed)))
          expect(toHex(signature)).toBe(toHex(ed25519.sign(message, seed)))
        },
      ),
      { numRuns: 1000, seed: 7070 },
    )
  }, 300_000)

  it('a signer keeps its own copy of the seed, and each signature is a fresh array', () => {
    const seed = new Uint8Array(32).fill(9)
    const sign = fast.ed25519.signer(seed)
    const before = sign(fromHex('01'))
    seed.fill(1)
    const after = sign(fromHex('01'))
    expect(toHex(after)).toBe(toHex(before))
    expect(after).not.toBe(before)
    expect(toHex(after)).toBe(toHex(plain.ed25519.sign(fromHex('01'), new Uint8Array(32).fill(9))))
  })

  it('a libsodium that signs differently (randomized nonce, other key) is left out', () => {
    const honestKeypair = (pk: Uint8Array, sk: Uint8Array, seed: Uint8Array) => {
      sk.set(seed)
      sk.set(ed25519.getPublicKey(seed), 32)
      pk.set(ed25519.getPublicKey(seed))
    }
    const honestSign = (sig: Uint8Array, m: Uint8Array, sk: Uint8Array) =>
      sig.set(ed25519.sign(m, sk.subarray(0, 32)))
    const builds = {
      // A hedged build: valid signatures, but not RFC 8032's deterministic ones.
      randomized: {
        crypto_sign_seed_keypair: honestKeypair,
        crypto_sign_detached: (sig: Uint8Array, m: Uint8Array, sk: Uint8Array) => {
          const r = ed25519.utils.randomSecretKey()
          sig.set(ed25519.sign(concatBytes(r, m), sk.subarray(0, 32)))
        },
      },
      otherKey: {
        crypto_sign_seed_keypair: (pk: Uint8Array, sk: Uint8Array, seed: Uint8Array) =>
          honestKeypair(
            pk,
            sk,
            seed.map((b) => b ^ 1),
          ),
        crypto_sign_detached: honestSign,
      },
    }
    for (const [name, build] of Object.entries(builds)) {
      expect(loadNativeBackends(globalWithRequire(() => build)).ed25519Signer, name).toBeUndefined()
    }
    const honest = { crypto_sign_seed_keypair: honestKeypair, crypto_sign_detached: honestSign }
    expect(loadNativeBackends(globalWithRequire(() => honest)).ed25519Signer).toBeDefined()
  })
})

describe('secp256k1 recovery: libsecp256k1 and noble agree', () => {
  const n = secp256k1.Point.Fn.ORDER
  function recovered(c: CryptoProvider, hash: Uint8Array, sig65: Uint8Array): string {
    try {
      return toHex(c.secp256k1.recoverPublicKey(hash, sig65))
    } catch (error) {
      return isBaseError(error) ? `throws ${error.code}` : `untyped ${String(error)}`
    }
  }
  function expectSameRecovery(hash: Uint8Array, sig65: Uint8Array): string {
    const expected = recovered(nobleCrypto, hash, sig65)
    expect(recovered(fast, hash, sig65), `hash ${toHex(hash)} sig ${toHex(sig65)}`).toBe(expected)
    return expected
  }
  const be = (x: bigint) => fromHex(x.toString(16).padStart(64, '0'))
  /** The smallest x > 1 with x^3 + 7 a non-square mod p (Euler's criterion): no point has it as x. */
  function noCurvePointX(): bigint {
    const P = secp256k1.Point.Fp.ORDER
    const pow = (b: bigint, e: bigint) => {
      let r = 1n
      let x = b % P
      for (let k = e; k > 0n; k >>= 1n, x = (x * x) % P) if (k & 1n) r = (r * x) % P
      return r
    }
    for (let x = 2n; ; x++) if (pow(x ** 3n + 7n, (P - 1n) / 2n) === P - 1n) return x
  }

  it('on 400 random honest signatures, each also with v - 27, high s and a corrupted byte (fast-check)', () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: 1n, max: n - 1n }),
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        fc.nat(64),
        (key, hash, where) => {
          const sig65 = nobleCrypto.secp256k1.signRecoverable(hash, be(key))
          const publicKey = toHex(nobleCrypto.secp256k1.getPublicKey(be(key)))
          expect(expectSameRecovery(hash, sig65)).toBe(publicKey)
          // v as 0/1 instead of 27/28, and the high-s twin with the other parity: the same key.
          const raw = sig65.slice()
          raw[64] = (raw[64] as number) - 27
          expect(expectSameRecovery(hash, raw)).toBe(publicKey)
          const s = BigInt(`0x${toHex(sig65.subarray(32, 64))}`)
          const high = concatBytes(
            sig65.subarray(0, 32),
            be(n - s),
            Uint8Array.of(55 - (sig65[64] as number)),
          )
          expect(expectSameRecovery(hash, high)).toBe(publicKey)
          const corrupt = sig65.slice()
          corrupt[where] = (corrupt[where] as number) ^ 0x01
          expectSameRecovery(hash, corrupt)
        },
      ),
      { numRuns: 400, seed: 31337 },
    )
  }, 300_000)

  it('on 1,000 random 65-byte strings (fast-check)', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        fc.uint8Array({ minLength: 64, maxLength: 64 }),
        fc.constantFrom(0, 1, 27, 28),
        (hash, rs, v) => {
          expectSameRecovery(hash, concatBytes(rs, Uint8Array.of(v)))
        },
      ),
      { numRuns: 1000, seed: 1203 },
    )
  }, 300_000)

  it('on the range edges of r and s (0, 1, n - 1, n, 2^256 - 1) and an r with no curve point', () => {
    const hash = sha512(utf8ToBytes('edge')).subarray(0, 32)
    const values = [0n, 1n, 2n, n - 1n, n, n + 1n, 2n ** 256n - 1n]
    const outcomes = new Set<string>()
    for (const r of values) {
      for (const s of values) {
        for (const v of [27, 28]) {
          outcomes.add(
            expectSameRecovery(hash, concatBytes(be(r), be(s), Uint8Array.of(v)))
              .split(' ')[0]
              ?.slice(0, 2) === 'th'
              ? 'throws'
              : '04',
          )
        }
      }
    }
    // An r that is not the x of any curve point (r^3 + 7 not a square mod p): both refuse.
    const r = noCurvePointX()
    expect(expectSameRecovery(hash, concatBytes(be(r), be(7n), Uint8Array.of(27)))).toBe(
      'throws Common::CryptoFailure',
    )
    // Both outcomes occurred: keys recover from the in-range edge values, the out-of-range ones throw.
    expect(outcomes).toEqual(new Set(['throws', '04']))
  })

  it('refuses a bad v with the same code on both providers', () => {
    const hash = new Uint8Array(32).fill(2)
    const sig65 = nobleCrypto.secp256k1.signRecoverable(hash, be(5n))
    for (const v of [2, 26, 29, 255]) {
      const bad = sig65.slice()
      bad[64] = v
      expect(expectSameRecovery(hash, bad)).toBe('throws Common::CryptoFailure')
    }
  })
})

describe('secp256k1 signing: libsecp256k1 and noble give the same bytes', () => {
  const n = secp256k1.Point.Fn.ORDER
  const be = (x: bigint) => fromHex(x.toString(16).padStart(64, '0'))
  function signed(c: CryptoProvider, hash: Uint8Array, key: Uint8Array): string {
    try {
      return toHex(c.secp256k1.signRecoverable(hash, key))
    } catch (error) {
      return isBaseError(error) ? `throws ${error.code}` : `untyped ${String(error)}`
    }
  }
  function expectSameSignature(hash: Uint8Array, key: Uint8Array): string {
    const expected = signed(nobleCrypto, hash, key)
    expect(signed(fast, hash, key), `hash ${toHex(hash)} key ${toHex(key)}`).toBe(expected)
    return expected
  }

  it('loads on the prebuilt platforms', () => {
    if (prebuilt) expect(native.secp256k1Sign).toBeDefined()
  })

  it('on 1,000 random keys and hashes, the backend and the provider (fast-check)', () => {
    const sign = native.secp256k1Sign
    fc.assert(
      fc.property(
        fc.bigInt({ min: 1n, max: n - 1n }),
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        (key, hash) => {
          const expected = expectSameSignature(hash, be(key))
          // The backend itself, for hashes below n (the provider sends the others to noble).
          if (sign !== undefined && BigInt(`0x${toHex(hash)}`) < n) {
            const out = sign(hash, be(key))
            expect(
              out === undefined ? 'refused' : `${toHex(out.signature64)}${(27 + out.recovery).toString(16)}`,
            ).toBe(expected)
          }
        },
      ),
      { numRuns: 1000, seed: 20261203 },
    )
  }, 300_000)

  it('on the edges of the key (0, 1, n - 1, n, 2^256 - 1) and of the hash (0, n - 1, n, n + 1, 2^256 - 1)', () => {
    const keys = [0n, 1n, 2n, n - 1n, n, n + 1n, 2n ** 256n - 1n]
    const hashes = [0n, 1n, n - 1n, n, n + 1n, 2n ** 256n - 1n]
    const outcomes = new Set<string>()
    for (const key of keys) {
      for (const hash of hashes) outcomes.add(expectSameSignature(be(hash), be(key)).slice(0, 6))
    }
    // Keys 0, n and above are refused with the same code; the others sign every hash alike.
    expect([...outcomes].filter((o) => o.startsWith('throws'))).toEqual(['throws'])
    expect(expectSameSignature(be(1n), be(n))).toBe('throws Common::CryptoFailure')
    // A hash of n or more: libsecp256k1 alone would seed its nonce with the unreduced hash and sign other
    // bytes (a valid signature, not noble's), which is why the provider gives those hashes to noble.
    const sign = native.secp256k1Sign
    if (sign !== undefined) {
      const out = sign(be(2n ** 256n - 1n), be(5n))
      const viaNoble = nobleCrypto.secp256k1.signRecoverable(be(2n ** 256n - 1n), be(5n))
      expect(toHex(out?.signature64 ?? new Uint8Array(0))).not.toBe(toHex(viaNoble.subarray(0, 64)))
    }
  })

  it('refuses hashes and keys of the wrong length with the same code', () => {
    for (const [hash, key] of [
      [new Uint8Array(31), be(5n)],
      [new Uint8Array(33), be(5n)],
      [new Uint8Array(32), new Uint8Array(31)],
    ] as const) {
      const expected = signed(nobleCrypto, hash, key)
      expect(expected.startsWith('throws')).toBe(true)
      expect(signed(fast, hash, key)).toBe(expected)
    }
  })
})
