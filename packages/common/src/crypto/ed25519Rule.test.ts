/**
 * Ed25519 verification edge cases (the "many EdDSAs" corner cases: Chalkias, Garillot, Nikolaenko,
 * "Taming the many EdDSAs", SSR 2020). Both providers must give the same verdict on every one, since two
 * group members that disagree on a signature fork the group. The expected verdicts follow the rule the
 * providers document: cofactorless, S < L, A decoded mod p (OpenSSL, ed25519-dalek `verify`).
 */
import { ED25519_TORSION_SUBGROUP, ed25519 } from '@noble/curves/ed25519.js'
import { sha512 } from '@noble/hashes/sha2.js'
import { describe, expect, it } from 'vitest'
import { concatBytes, fromHex, toHex } from '../bytes.ts'
import { isEd25519ScalarCanonical, nobleCrypto } from './noble.ts'
import { nodeCrypto } from './node.ts'
import { isSmallOrderEd25519Point } from './smallOrder.ts'
import type { CryptoProvider } from './types.ts'

// These suites run on Node, where node:crypto must be found: a missing node provider fails, never skips.
function requireNodeCrypto(): CryptoProvider {
  if (nodeCrypto === undefined) throw new Error('node:crypto provider did not load under Node')
  return nodeCrypto
}
const node = requireNodeCrypto()
const providers: readonly CryptoProvider[] = [node, nobleCrypto]

const { Point } = ed25519
const L = Point.Fn.ORDER
const p = 2n ** 255n - 19n

function le(n: bigint, length = 32): Uint8Array {
  return Uint8Array.from({ length }, (_, i) => Number((n >> BigInt(8 * i)) & 0xffn))
}
function fromLe(bytes: Uint8Array): bigint {
  let n = 0n
  for (let i = bytes.length - 1; i >= 0; i--) n = (n << 8n) | BigInt(bytes[i] as number)
  return n
}
function challenge(r: Uint8Array, a: Uint8Array, m: Uint8Array): bigint {
  return fromLe(sha512(concatBytes(r, a, m))) % L
}
function verdicts(signature: Uint8Array, message: Uint8Array, publicKey: Uint8Array): boolean[] {
  return providers.map((c) => c.ed25519.verify(signature, message, publicKey))
}

const identity = fromHex('0100000000000000000000000000000000000000000000000000000000000000')
const zero32 = new Uint8Array(32)

describe('Ed25519 verification rule, identical in both providers', () => {
  it('accepts a valid signature and refuses the same one with S + L (RFC 8032 §5.1.7: S < L)', () => {
    const secret = le(12345n)
    const message = fromHex('616263')
    const signature = nobleCrypto.ed25519.sign(message, secret)
    const publicKey = nobleCrypto.ed25519.getPublicKey(secret)
    expect(verdicts(signature, message, publicKey)).toEqual([true, true])
    const s = fromLe(signature.subarray(32))
    const malleated = concatBytes(signature.subarray(0, 32), le(s + L))
    expect(verdicts(malleated, message, publicKey)).toEqual([false, false])
  })

  it('accepts the small-order key A = identity with R = identity and S = 0, as OpenSSL and dalek do', () => {
    // [0]B - [k]O = O = R for every message: why callers that need non-repudiation must refuse such keys.
    for (const message of [new Uint8Array(0), fromHex('00'), fromHex('deadbeef')]) {
      expect(verdicts(concatBytes(identity, zero32), message, identity)).toEqual([true, true])
    }
  })

  it('S < L is decided byte by byte exactly as the integer comparison, around L and at random', () => {
    const values = [
      0n,
      1n,
      L - 2n,
      L - 1n,
      L,
      L + 1n,
      L + 256n,
      L - 256n,
      2n ** 252n,
      2n ** 253n,
      2n ** 256n - 1n,
    ]
    for (let i = 0; i < 64; i++)
      values.push(L ^ (1n << BigInt(i * 4)), fromLe(sha512(le(BigInt(i))).subarray(0, 32)))
    for (const v of values) expect(isEd25519ScalarCanonical(le(v)), v.toString(16)).toBe(v < L)
  })

  it('decodes A modulo p: the non-canonical identity (y = p + 1) is accepted', () => {
    const nonCanonicalIdentity = le(p + 1n)
    expect(verdicts(concatBytes(identity, zero32), fromHex('01'), nonCanonicalIdentity)).toEqual([true, true])
  })

  it('accepts x = 0 with the sign bit set in A (y = 1), as both decoders do', () => {
    const signedIdentity = identity.slice()
    signedIdentity[31] = 0x80
    expect(verdicts(concatBytes(identity, zero32), fromHex('02'), signedIdentity)).toEqual([true, true])
  })

  it('compares R as bytes: a non-canonical R never verifies', () => {
    const nonCanonicalR = le(p + 1n)
    expect(verdicts(concatBytes(nonCanonicalR, zero32), fromHex('03'), identity)).toEqual([false, false])
  })

  it('refuses a key with no point (y without a square root) without throwing', () => {
    // y = 2 has no x on edwards25519: (y^2 - 1) / (d y^2 + 1) is a non-square.
    const notAPoint = le(2n)
    expect(() => Point.fromBytes(notAPoint, true)).toThrow()
    expect(verdicts(concatBytes(identity, zero32), fromHex('04'), notAPoint)).toEqual([false, false])
  })

  it('uses the cofactorless equation: a mixed-order key verifies only when 8 divides k', () => {
    // A = aB + T with T of order 8; R = rB, S = r + k a. Then [S]B - [k]A = R - [k]T, equal to R iff 8 | k.
    // The cofactored equation (noble's own ed25519.verify) accepts every one of these.
    const torsion = Point.fromBytes(fromHex(ED25519_TORSION_SUBGROUP[1] as string))
    const a = 0x1234567n
    const publicKey = Point.BASE.multiply(a).add(torsion).toBytes()
    const r = 0x7654321n
    const rBytes = Point.BASE.multiply(r).toBytes()
    const seen = new Set<boolean>()
    for (let i = 0; i < 64 && seen.size < 2; i++) {
      const message = Uint8Array.of(i)
      const k = challenge(rBytes, publicKey, message)
      const signature = concatBytes(rBytes, le((r + k * a) % L))
      const expected = k % 8n === 0n
      seen.add(expected)
      expect(ed25519.verify(signature, message, publicKey)).toBe(true)
      expect(verdicts(signature, message, publicKey)).toEqual([expected, expected])
    }
    // Both outcomes were exercised (k = 0 mod 8 happens 1 time in 8).
    expect(seen).toEqual(new Set([true, false]))
  })

  it('agrees on every small-order (A, R) pair with S = 0', () => {
    for (const aHex of ED25519_TORSION_SUBGROUP) {
      for (const rHex of ED25519_TORSION_SUBGROUP) {
        const results = verdicts(concatBytes(fromHex(rHex), zero32), fromHex('05'), fromHex(aHex))
        expect(results[0], `A=${aHex} R=${rHex}`).toBe(results[1])
      }
    }
  })

  it('agrees on single-bit corruptions of a valid signature and key', () => {
    const secret = le(999n)
    const message = fromHex('cafe')
    const signature = nobleCrypto.ed25519.sign(message, secret)
    const publicKey = nobleCrypto.ed25519.getPublicKey(secret)
    for (let bit = 0; bit < 512; bit += 5) {
      const s = signature.slice()
      s[bit >> 3] = (s[bit >> 3] as number) ^ (1 << (bit & 7))
      expect(verdicts(s, message, publicKey), `signature bit ${bit}`).toEqual([false, false])
    }
    for (let bit = 0; bit < 256; bit += 3) {
      const k = publicKey.slice()
      k[bit >> 3] = (k[bit >> 3] as number) ^ (1 << (bit & 7))
      expect(verdicts(signature, message, k), `key bit ${bit} (${toHex(k)})`).toEqual([false, false])
    }
  })

  it('agrees on 120 deterministic mixed cases (honest, torsion-shifted, small-order, non-canonical, random)', () => {
    let counter = 0
    const next = (length: number) => sha512(le(BigInt(++counter), 8)).subarray(0, length)
    const torsion = ED25519_TORSION_SUBGROUP.map((hex) => Point.fromBytes(fromHex(hex)))
    const pick = <T>(items: readonly T[]) => items[(next(1)[0] as number) % items.length] as T
    let accepted = 0
    for (let i = 0; i < 120; i++) {
      const a = (fromLe(next(32)) % (L - 1n)) + 1n
      const r = (fromLe(next(32)) % (L - 1n)) + 1n
      const t = pick(torsion)
      const message = next(i % 40)
      const publicPoint = pick([
        Point.BASE.multiply(a),
        Point.BASE.multiply(a),
        Point.BASE.multiply(a).add(t),
        t,
      ])
      let publicKey = publicPoint.toBytes()
      const kind = i % 6
      if (kind === 4) publicKey = next(32) // random bytes: often not a point
      if (kind === 5 && fromLe(publicKey.subarray(0, 31)) < 19n && (publicKey[31] as number) === 0) {
        publicKey = le(fromLe(publicKey) + p) // a non-canonical encoding where one exists
      }
      const rPoint = pick([Point.BASE.multiply(r), Point.BASE.multiply(r), Point.BASE.multiply(r).add(t), t])
      const rBytes = rPoint.toBytes()
      const k = challenge(rBytes, publicKey, message)
      const honestS = (r + k * a) % L
      const s = pick([honestS, honestS, honestS, honestS + L, 0n, fromLe(next(32)) % L, fromLe(next(32))])
      const signature = concatBytes(rBytes, le(s % 2n ** 256n))
      const [nodeVerdict, nobleVerdict] = verdicts(signature, message, publicKey)
      expect(nodeVerdict, `case ${i}: ${toHex(signature)} ${toHex(publicKey)} ${toHex(message)}`).toBe(
        nobleVerdict,
      )
      if (nodeVerdict === true) accepted++
    }
    // Both verdicts occur, so the comparison is not vacuous.
    expect(accepted).toBeGreaterThan(10)
    expect(accepted).toBeLessThan(110)
  })
})

describe('isSmallOrderEd25519Point', () => {
  // Every encoding whose y (mod p) is that of a torsion point, with either sign bit.
  function derived(): Set<string> {
    const out = new Set<string>()
    for (const hex of ED25519_TORSION_SUBGROUP) {
      const y = fromLe(fromHex(hex)) & (2n ** 255n - 1n)
      for (const ys of y + p < 2n ** 255n ? [y, y + p] : [y]) {
        for (const sign of [0n, 1n]) {
          const bytes = le(ys | (sign << 255n))
          try {
            if (Point.fromBytes(bytes, true).isSmallOrder()) out.add(toHex(bytes))
          } catch {
            // no such point
          }
        }
      }
    }
    return out
  }
  it('recognises exactly the encodings derived from the torsion subgroup', () => {
    const all = derived()
    expect(all.size).toBe(14)
    for (const hex of all) expect(isSmallOrderEd25519Point(fromHex(hex)), hex).toBe(true)
  })
  it('refuses nothing else: honest keys, mixed-order keys, and neighbours of the list', () => {
    for (let i = 1n; i < 50n; i++) {
      const honest = Point.BASE.multiply(i * 7919n)
      expect(isSmallOrderEd25519Point(honest.toBytes())).toBe(false)
      const mixed = honest.add(Point.fromBytes(fromHex(ED25519_TORSION_SUBGROUP[Number(i % 8n)] as string)))
      expect(isSmallOrderEd25519Point(mixed.toBytes())).toBe(false)
    }
    for (const hex of derived()) {
      const near = fromHex(hex)
      near[5] = (near[5] as number) ^ 1
      expect(isSmallOrderEd25519Point(near)).toBe(false)
    }
  })
  it('turns the identity forgery into a refusal when applied before verify', () => {
    const signature = concatBytes(identity, zero32)
    expect(isSmallOrderEd25519Point(identity)).toBe(true)
    expect(isSmallOrderEd25519Point(signature.subarray(0, 32))).toBe(true)
  })
})
