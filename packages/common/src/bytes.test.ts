import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  bytesToUtf8,
  compareBytes,
  compareUnsigned,
  concatBytes,
  equalBytes,
  fromBase64,
  fromHex,
  toBase64,
  toHex,
  utf8ToBytes,
} from './bytes.ts'
import { isBaseError } from './errors.ts'

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn()
  } catch (error) {
    return isBaseError(error) ? error.code : 'untyped'
  }
  return undefined
}

describe('hex', () => {
  it('round-trips every byte value', () => {
    const all = Uint8Array.from({ length: 256 }, (_, i) => i)
    expect(fromHex(toHex(all))).toEqual(all)
    expect(toHex(Uint8Array.of(0, 15, 255))).toBe('000fff')
  })
  it('gives the same hex on both paths (short: table; 16 bytes and more under Node: Buffer), views included', () => {
    const reference = (bytes: Uint8Array) =>
      Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('')
    const backing = Uint8Array.from({ length: 300 }, (_, i) => (i * 167 + 13) & 0xff)
    for (let length = 0; length <= 130; length++) {
      for (const offset of [0, 1, 7, 64]) {
        const view = backing.subarray(offset, offset + length)
        expect(toHex(view), `length ${length} offset ${offset}`).toBe(reference(view))
      }
    }
    const shared = new Uint8Array(new SharedArrayBuffer(40)).fill(0xa5)
    expect(toHex(shared.subarray(3, 35))).toBe('a5'.repeat(32))
  })
  it('accepts 0x and upper case', () => {
    expect(fromHex('0xABcd')).toEqual(Uint8Array.of(0xab, 0xcd))
  })
  it('rejects odd length and non-hex characters with a code', () => {
    expect(codeOf(() => fromHex('abc'))).toBe('Common::InvalidHex')
    expect(codeOf(() => fromHex('zz'))).toBe('Common::InvalidHex')
  })
})

describe('base64 and utf-8', () => {
  it('matches Buffer', () => {
    const bytes = Uint8Array.from({ length: 70_000 }, (_, i) => (i * 31) & 255)
    expect(toBase64(bytes)).toBe(Buffer.from(bytes).toString('base64'))
    expect(fromBase64(toBase64(bytes))).toEqual(bytes)
  })
  it('rejects bad base64 and bad utf-8 with codes', () => {
    expect(codeOf(() => fromBase64('***'))).toBe('Common::InvalidBase64')
    expect(codeOf(() => bytesToUtf8(Uint8Array.of(0xff, 0xfe)))).toBe('Common::InvalidUtf8')
    expect(bytesToUtf8(utf8ToBytes('gm ✓'))).toBe('gm ✓')
  })
})

describe('comparison', () => {
  it('orders and compares', () => {
    expect(equalBytes(Uint8Array.of(1, 2), Uint8Array.of(1, 2))).toBe(true)
    expect(equalBytes(Uint8Array.of(1, 2), Uint8Array.of(1, 3))).toBe(false)
    expect(equalBytes(Uint8Array.of(1), Uint8Array.of(1, 0))).toBe(false)
    expect(compareBytes(Uint8Array.of(1), Uint8Array.of(1, 0))).toBeLessThan(0)
    expect(compareBytes(Uint8Array.of(2), Uint8Array.of(1, 9))).toBeGreaterThan(0)
    expect(concatBytes(Uint8Array.of(1), Uint8Array.of(), Uint8Array.of(2, 3))).toEqual(
      Uint8Array.of(1, 2, 3),
    )
  })
})

describe('compareUnsigned', () => {
  const be = (n: bigint, length: number) =>
    Uint8Array.from({ length }, (_, i) => Number((n >> BigInt(8 * (length - 1 - i))) & 0xffn))
  const le = (n: bigint, length: number) => be(n, length).reverse()
  const sign = (x: bigint, y: bigint) => (x < y ? -1 : x > y ? 1 : 0)

  it('decides equal to the bound, one below and one above, in both byte orders', () => {
    // Bounds whose low byte is 0x00 or 0xff, so one below / one above carries into the next byte.
    const bounds = [1n, 0x100n, 0x1ffn, 0x7fffffffffffffffffffffffffffffff5d576e7357a4501ddfe92f46681b20a0n]
    for (const bound of bounds) {
      for (const [endian, encode] of [
        ['big', be],
        ['little', le],
      ] as const) {
        const b = encode(bound, 32)
        expect(compareUnsigned(encode(bound, 32), b, endian)).toBe(0)
        expect(compareUnsigned(encode(bound - 1n, 32), b, endian)).toBe(-1)
        expect(compareUnsigned(encode(bound + 1n, 32), b, endian)).toBe(1)
      }
    }
    // The byte order matters: 0x0100 against 0x0001.
    expect(compareUnsigned(Uint8Array.of(1, 0), Uint8Array.of(0, 1), 'big')).toBe(1)
    expect(compareUnsigned(Uint8Array.of(1, 0), Uint8Array.of(0, 1), 'little')).toBe(-1)
    expect(compareUnsigned(new Uint8Array(0), new Uint8Array(0), 'big')).toBe(0)
  })

  it('agrees with the integer comparison for any two values of one length', () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: 0n, max: 2n ** 256n - 1n }),
        fc.bigInt({ min: 0n, max: 2n ** 256n - 1n }),
        (x, y) => {
          expect(compareUnsigned(be(x, 32), be(y, 32), 'big')).toBe(sign(x, y))
          expect(compareUnsigned(le(x, 32), le(y, 32), 'little')).toBe(sign(x, y))
        },
      ),
    )
  })

  it('refuses integers of different lengths (Common::InvalidLength)', () => {
    expect(codeOf(() => compareUnsigned(Uint8Array.of(1), Uint8Array.of(0, 1), 'big'))).toBe(
      'Common::InvalidLength',
    )
  })
})
