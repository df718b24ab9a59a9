import { fromHex, toHex } from '@xmtp-lite/common'
import { describe, expect, it } from 'vitest'
import {
  decodeOpaque,
  decodeOpaqueExact,
  decodeUint16List,
  decodeVarint,
  encodeOpaque,
  encodeUint16List,
  encodeVarint,
} from './tls.ts'

function code(fn: () => unknown): string | undefined {
  try {
    fn()
  } catch (error) {
    return (error as { code?: string }).code
  }
  return undefined
}

describe('MLS varint (RFC 9420 §2.1.2)', () => {
  it('uses the shortest of the 1, 2 and 4 byte forms', () => {
    expect(toHex(encodeVarint(0))).toBe('00')
    expect(toHex(encodeVarint(63))).toBe('3f')
    // A 64-byte inbox id gets the 0x40 0x40 prefix libxmtp writes (mls-groups.md §3.1).
    expect(toHex(encodeVarint(64))).toBe('4040')
    expect(toHex(encodeVarint(16383))).toBe('7fff')
    expect(toHex(encodeVarint(16384))).toBe('80004000')
    expect(toHex(encodeVarint(0x3fffffff))).toBe('bfffffff')
  })

  it('round-trips lengths at every boundary', () => {
    for (const n of [0, 1, 63, 64, 300, 16383, 16384, 1 << 20, 0x3fffffff]) {
      const encoded = encodeVarint(n)
      expect(decodeVarint(encoded, 0, 'x')).toEqual({ value: n, offset: encoded.length })
    }
  })

  it('rejects the 0b11 prefix, non-minimal forms and truncation', () => {
    expect(code(() => decodeVarint(fromHex('c000000000000001'), 0, 'x'))).toBe('Mls::ExtensionMalformed')
    expect(code(() => decodeVarint(fromHex('4001'), 0, 'x'))).toBe('Mls::ExtensionMalformed')
    expect(code(() => decodeVarint(fromHex('80000040'), 0, 'x'))).toBe('Mls::ExtensionMalformed')
    expect(code(() => decodeVarint(fromHex('40'), 0, 'x'))).toBe('Mls::ExtensionMalformed')
    expect(code(() => decodeVarint(new Uint8Array(0), 0, 'x'))).toBe('Mls::ExtensionMalformed')
  })

  it('refuses lengths that do not fit', () => {
    expect(code(() => encodeVarint(0x40000000))).toBe('Mls::InvalidArgument')
    expect(code(() => encodeVarint(-1))).toBe('Mls::InvalidArgument')
  })
})

describe('opaque vectors', () => {
  it('prefix and read back', () => {
    const data = fromHex('0102030405')
    const encoded = encodeOpaque(data)
    expect(toHex(encoded)).toBe('050102030405')
    expect(decodeOpaque(encoded, 0, 'x')).toEqual({ value: data, offset: 6 })
    expect(decodeOpaqueExact(encoded, 'x')).toEqual(data)
  })

  it('rejects overruns and trailing bytes', () => {
    expect(code(() => decodeOpaque(fromHex('0501'), 0, 'x'))).toBe('Mls::ExtensionMalformed')
    expect(code(() => decodeOpaqueExact(fromHex('010100'), 'x'))).toBe('Mls::ExtensionMalformed')
  })

  it('encodes and decodes uint16 lists', () => {
    const encoded = encodeUint16List([0xff01, 0x0001])
    expect(toHex(encoded)).toBe('04ff010001')
    expect(decodeUint16List(encoded, 0, 'x')).toEqual({ value: [0xff01, 1], offset: 5 })
    expect(code(() => decodeUint16List(fromHex('03ff0100'), 0, 'x'))).toBe('Mls::ExtensionMalformed')
    expect(code(() => encodeUint16List([0x10000]))).toBe('Mls::InvalidArgument')
  })
})
