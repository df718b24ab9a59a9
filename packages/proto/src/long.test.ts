import { describe, expect, it } from 'vitest'
import { ProtoError } from './errors.ts'
import { xmtp } from './gen/index.js'
import { Long, toBigInt, toLong } from './long.ts'

const ns = 1_732_550_400_123_456_789n // > 2^53: a number would round it

function codeOf(f: () => unknown): string | undefined {
  try {
    f()
  } catch (e) {
    return e instanceof ProtoError ? e.code : `untyped: ${String(e)}`
  }
  return undefined
}

describe('64-bit fields', () => {
  it('decode to Long without losing precision', () => {
    const bytes = xmtp.identity.associations.IdentityUpdate.encode({ clientTimestampNs: toLong(ns) }).finish()
    const decoded = xmtp.identity.associations.IdentityUpdate.decode(bytes)
    expect(decoded.clientTimestampNs).toBeInstanceOf(Long)
    expect(toBigInt(decoded.clientTimestampNs)).toBe(ns)
    expect(ns > BigInt(Number.MAX_SAFE_INTEGER)).toBe(true)
  })

  it('round-trip the uint64 extremes and signed int64 values', () => {
    for (const v of [0n, 1n, (1n << 53n) + 1n, (1n << 63n) - 1n, 1n << 63n, (1n << 64n) - 1n]) {
      expect(toBigInt(toLong(v))).toBe(v)
      const page = xmtp.identity.associations.Member
      expect(
        toBigInt(page.decode(page.encode({ clientTimestampNs: toLong(v) }).finish()).clientTimestampNs ?? 0),
      ).toBe(v)
    }
    for (const v of [-1n, -(1n << 63n), -(1n << 40n)]) {
      const long = toLong(v)
      expect(long.unsigned).toBe(false)
      expect(toBigInt(long)).toBe(v)
    }
    // int64 on the wire: ConsentSave.consented_at_ns is signed.
    const save = xmtp.device_sync.consent_backup.ConsentSave
    const negative = save.decode(save.encode({ consentedAtNs: toLong(-5n) }).finish())
    expect(toBigInt(negative.consentedAtNs)).toBe(-5n)
  })

  it('accept safe numbers and bigints, reject what does not fit', () => {
    expect(toBigInt(42)).toBe(42n)
    expect(toBigInt(-7)).toBe(-7n)
    expect(toBigInt(12n)).toBe(12n)
    expect(toBigInt(Long.fromString('18446744073709551615', true))).toBe((1n << 64n) - 1n)
    expect(codeOf(() => toBigInt(2 ** 60))).toBe('Proto::InvalidInput')
    expect(codeOf(() => toBigInt(1.5))).toBe('Proto::InvalidInput')
    expect(codeOf(() => toLong(1n << 64n))).toBe('Proto::InvalidInput')
    expect(codeOf(() => toLong(-(1n << 63n) - 1n))).toBe('Proto::InvalidInput')
  })
})
