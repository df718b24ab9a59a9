/**
 * Differential tests: the known-key verifier must answer exactly what recovery answers ("does
 * recoverPublicKey return this key?") on valid signatures and on every malleation we can name.
 */
import { secp256k1 } from '@noble/curves/secp256k1.js'
import { sha256 } from '@noble/hashes/sha2.js'
import { describe, expect, it } from 'vitest'
import { equalBytes } from '../bytes.ts'
import { isBaseError } from '../errors.ts'
import { nobleSecp256k1 } from './noble.ts'
import { secp256k1KnownKeyVerifier } from './secp256k1KnownKey.ts'

const n = secp256k1.Point.Fn.ORDER
const p = secp256k1.Point.Fp.ORDER

/** Deterministic 32-byte values (no randomness in tests). */
function det(label: string, i: number): Uint8Array {
  return sha256(new TextEncoder().encode(`${label} ${i}`))
}

function be32(value: bigint): Uint8Array {
  return Uint8Array.from(Buffer.from(value.toString(16).padStart(64, '0'), 'hex'))
}

function big(bytes: Uint8Array): bigint {
  return BigInt(`0x${Buffer.from(bytes).toString('hex')}`)
}

function withParts(sig: Uint8Array, parts: { r?: bigint; s?: bigint; v?: number }): Uint8Array {
  const out = sig.slice()
  if (parts.r !== undefined) out.set(be32(parts.r), 0)
  if (parts.s !== undefined) out.set(be32(parts.s), 32)
  if (parts.v !== undefined) out[64] = parts.v
  return out
}

/** The reference verdict: recovery returns exactly this key. */
function recovers(hash: Uint8Array, sig: Uint8Array, key: Uint8Array): boolean {
  try {
    return equalBytes(nobleSecp256k1.recoverPublicKey(hash, sig), key)
  } catch (error) {
    if (!isBaseError(error)) throw error
    return false
  }
}

const keys = Array.from({ length: 3 }, (_, i) => det('key', i))
const publics = keys.map((k) => nobleSecp256k1.getPublicKey(k))
const verifiers = publics.map((k) => secp256k1KnownKeyVerifier(k))

// An r below n that is not the x of any curve point (x³ + 7 is not a square): recovery cannot lift it.
let notOnCurve = 5n
while (secp256k1.Point.Fp.sqrt !== undefined) {
  const rhs = (notOnCurve ** 3n + 7n) % p
  if (secp256k1.Point.Fp.pow(rhs, (p - 1n) / 2n) !== 1n) break
  notOnCurve++
}

describe('secp256k1KnownKeyVerifier', () => {
  it('agrees with recovery on valid signatures and on every malleation', () => {
    const verdicts = { accepted: 0, refused: 0 }
    const check = (hash: Uint8Array, sig: Uint8Array, k: number) => {
      const expected = recovers(hash, sig, publics[k] as Uint8Array)
      expect((verifiers[k] as (h: Uint8Array, s: Uint8Array) => boolean)(hash, sig)).toBe(expected)
      verdicts[expected ? 'accepted' : 'refused']++
      return expected
    }
    for (let i = 0; i < 60; i++) {
      const k = i % keys.length
      const hash = det('hash', i)
      const sig = nobleSecp256k1.signRecoverable(hash, keys[k] as Uint8Array)
      const r = big(sig.subarray(0, 32))
      const s = big(sig.subarray(32, 64))
      const v = (sig[64] as number) - 27
      // As signed (v = 27/28), and as xmtpd writes it (v = 0/1): both recover the key.
      expect(check(hash, sig, k)).toBe(true)
      expect(check(hash, withParts(sig, { v }), k)).toBe(true)
      // The other parity: recovery lifts the other R and finds another key.
      expect(check(hash, withParts(sig, { v: 1 - v }), k)).toBe(false)
      // High s with the parity flipped is the same signature mirrored: recovery accepts it (no low-s rule).
      expect(check(hash, withParts(sig, { s: n - s, v: 1 - v }), k)).toBe(true)
      expect(check(hash, withParts(sig, { s: n - s }), k)).toBe(false)
      // Another key, another hash, a changed r or s.
      check(hash, sig, (k + 1) % keys.length)
      expect(check(det('other hash', i), sig, k)).toBe(false)
      check(hash, withParts(sig, { r: r === 1n ? 2n : r - 1n }), k)
      expect(check(hash, withParts(sig, { s: s === 1n ? 2n : s - 1n }), k)).toBe(false)
      // Out of range: zero, n, above n, all ones; bad recovery bytes; r that lifts no point.
      for (const bad of [0n, n, n + 1n, 2n ** 256n - 1n]) {
        expect(check(hash, withParts(sig, { r: bad }), k)).toBe(false)
        expect(check(hash, withParts(sig, { s: bad }), k)).toBe(false)
      }
      for (const badV of [2, 3, 26, 29, 255]) expect(check(hash, withParts(sig, { v: badV }), k)).toBe(false)
      expect(check(hash, withParts(sig, { r: notOnCurve }), k)).toBe(false)
    }
    // Hashes at or above n are reduced mod n by both (SEC 1 §4.1.4): a hash of n + e verifies as e.
    const e = 12345n
    const sig = nobleSecp256k1.signRecoverable(be32(e), keys[0] as Uint8Array)
    expect(check(be32(n + e), sig, 0)).toBe(true)
    expect(check(be32(e), sig, 0)).toBe(true)
    // Random-looking signatures over random hashes (nothing valid, by construction).
    for (let i = 0; i < 40; i++) {
      const junk = new Uint8Array(65)
      junk.set(det('junk r', i), 0)
      junk.set(det('junk s', i), 32)
      junk[64] = i % 2
      expect(check(det('junk hash', i), junk, i % keys.length)).toBe(false)
    }
    expect(verdicts.accepted).toBe(60 * 3 + 2)
    expect(verdicts.refused).toBeGreaterThan(60 * 15)
  })

  it('rejects wrong lengths as recovery does, and refuses a non-point key', () => {
    const verify = verifiers[0] as (h: Uint8Array, s: Uint8Array) => boolean
    const code = (fn: () => unknown) => {
      try {
        fn()
      } catch (error) {
        return isBaseError(error) ? error.code : 'untyped'
      }
      return 'no error'
    }
    expect(code(() => verify(new Uint8Array(31), new Uint8Array(65)))).toBe('Common::InvalidLength')
    expect(code(() => verify(new Uint8Array(32), new Uint8Array(64)))).toBe('Common::InvalidLength')
    const notAPoint = (publics[0] as Uint8Array).slice()
    notAPoint[64] = (notAPoint[64] as number) ^ 1
    expect(() => secp256k1KnownKeyVerifier(notAPoint)).toThrow()
  })
})
