import { fromHex, toHex } from '@xmtp-lite/common'
import { describe, expect, it } from 'vitest'
import { codeOf } from '../test/codes.ts'
import { decodeFields, encodeFields } from './wire.ts'

const schema = { 1: 'uint32', 2: 'uint64', 3: 'int64', 4: 'bytes', 5: 'message' } as const

describe('strict wire codec', () => {
  it('encodes as protobuf does: ascending fields, defaults skipped, messages kept even when empty', () => {
    const bytes = encodeFields([
      [1, 'uint32', 300],
      [2, 'uint64', 0n],
      [3, 'int64', -1n],
      [4, 'bytes', new Uint8Array(0)],
      [5, 'message', new Uint8Array(0)],
    ])
    // 300 = ac 02; int64 -1 = ten-byte varint ff…ff 01 (two's complement).
    expect(toHex(bytes)).toBe('08ac02' + '18ffffffffffffffffff01' + '2a00')
  })

  it('round-trips 64-bit extremes', () => {
    const bytes = encodeFields([
      [1, 'uint32', 0xffffffff],
      [2, 'uint64', 0xffffffffffffffffn],
      [3, 'int64', -(2n ** 63n)],
      [4, 'bytes', new Uint8Array([1, 2])],
    ])
    const fields = decodeFields(bytes, schema, 'T')
    expect(fields.get(1)).toBe(0xffffffff)
    expect(fields.get(2)).toBe(0xffffffffffffffffn)
    expect(fields.get(3)).toBe(-(2n ** 63n))
    expect([...(fields.get(4) as Uint8Array)]).toEqual([1, 2])
  })

  it('returns byte fields as views into the input (no copy, no re-encoding)', () => {
    const input = fromHex('22020102')
    const view = decodeFields(input, schema, 'T').get(4) as Uint8Array
    expect(view.buffer).toBe(input.buffer)
    expect(view.byteOffset).toBe(2)
  })

  it('skips unknown fields of every wire type', () => {
    // field 9 varint, field 10 fixed64, field 11 LEN, field 12 fixed32, then field 1.
    const input = fromHex('4801' + '510102030405060708' + '5a0161' + '6501020304' + '0807')
    expect(decodeFields(input, schema, 'T').get(1)).toBe(7)
  })

  it('rejects every wire violation as Envelope::Malformed', () => {
    const bad = [
      '08', // varint missing
      '0880', // truncated varint
      '22', // length missing
      '2205', // length past the end
      '12020102', // uint64 field as LEN
      '2001', // bytes field as varint
      '0801' + '0802', // field 1 twice
      '0880808080 10'.replace(' ', ''), // uint32 above 2^32 - 1
      '1080808080808080808002', // varint above 64 bits
      '10ffffffffffffffffffff01', // varint of 11 bytes
      '0001', // field number 0
      '4b', // group start (wire type 3)
      '4c', // group end (wire type 4)
      '4e00', // wire type 6
      '51010203', // truncated fixed64 (unknown field)
      '6501', // truncated fixed32 (unknown field)
    ]
    for (const hex of bad)
      expect(
        codeOf(() => decodeFields(fromHex(hex), schema, 'T')),
        hex,
      ).toBe('Envelope::Malformed')
  })
})
