import { fromHex, toHex } from '@xmtp-lite/common'
import { describe, expect, it } from 'vitest'
import { codeOf } from '../test/codes.ts'
import {
  advanceIdCursor,
  advanceVectorClock,
  compareIdCursors,
  compareVectorClocks,
  createIdCursor,
  createVectorClock,
  decodeCursor,
  dominates,
  encodeCursor,
  getSequenceId,
  idCursorFromVectorClock,
  idCursorToString,
  idCursorToVectorClock,
  MAX_VECTOR_CLOCK_LENGTH,
  mergeIdCursors,
  mergeVectorClocks,
  parseIdCursor,
  parseVectorClock,
  V3Originator,
  vectorClockToString,
} from './cursor.ts'

const topic = '/xmtp/mls/1/g-8985c1f37638a2b8ebd693c7ae3bbc5c/proto'

describe('vector clocks', () => {
  it('treats missing originators as 0', () => {
    const clock = createVectorClock({ 100: 5 })
    expect(getSequenceId(clock, 100)).toBe(5n)
    expect(getSequenceId(clock, 200)).toBe(0n)
    expect(compareVectorClocks(createVectorClock({ 100: 0 }), createVectorClock())).toBe('equal')
  })

  it('advances monotonically and returns the same clock when nothing moves', () => {
    const a = createVectorClock([[100, 5n]])
    const b = advanceVectorClock(a, 100, 7)
    expect(getSequenceId(b, 100)).toBe(7n)
    expect(getSequenceId(a, 100)).toBe(5n)
    expect(advanceVectorClock(b, 100, 3)).toBe(b)
    expect(getSequenceId(advanceVectorClock(b, 200, 1n), 200)).toBe(1n)
  })

  it('merges pointwise and orders clocks', () => {
    const a = createVectorClock({ 0: 3, 100: 5 })
    const b = createVectorClock({ 100: 2, 200: 9 })
    const m = mergeVectorClocks(a, b)
    expect(vectorClockToString(m)).toBe('0:3,100:5,200:9')
    expect(compareVectorClocks(a, b)).toBe('concurrent')
    expect(compareVectorClocks(a, m)).toBe('before')
    expect(compareVectorClocks(m, b)).toBe('after')
    expect(compareVectorClocks(m, mergeVectorClocks(b, a))).toBe('equal')
    expect(dominates(m, a)).toBe(true)
    expect(dominates(a, m)).toBe(false)
    expect(dominates(a, createVectorClock({ 100: 0 }))).toBe(true)
  })

  it('encodes the proto Cursor map, entries sorted, both entry fields written', () => {
    const clock = createVectorClock([
      [100, 5n],
      [0, 3n],
    ])
    // field 1 (LEN) { 1: key, 2: value } per entry; 100 = 0x64.
    expect(toHex(encodeCursor(clock))).toBe('0a0408001003' + '0a0408641005')
    expect(toHex(encodeCursor(createVectorClock()))).toBe('')
    const big = createVectorClock([[0xffffffff, 0xffffffffffffffffn]])
    expect(decodeCursor(encodeCursor(big))).toEqual(big)
  })

  it('decodes entries in any order, missing key or value as 0, unknown fields skipped', () => {
    const clock = decodeCursor(fromHex('0a0508c8011009' + '0a021005' + '0a0208641a00' + '1001'))
    expect(vectorClockToString(clock)).toBe('0:5,200:9')
    expect(getSequenceId(clock, 100)).toBe(0n)
    expect(clock.has(100)).toBe(true)
  })

  it('rejects malformed cursors with typed codes', () => {
    const bad: [string, string][] = [
      ['0a05086410', 'Envelope::Malformed'], // truncated entry
      ['0a', 'Envelope::Malformed'], // truncated length
      ['0805', 'Envelope::Malformed'], // field 1 as varint
      ['0a0408641005' + '0a0408641006', 'Envelope::Malformed'], // node id twice
      ['0a0708ffffffff1f1001', 'Envelope::Malformed'], // key beyond uint32
      // The cursor's own framing (not only its entries): each of these must fail on its own.
      ['0a06' + '08641005', 'Envelope::Malformed'], // entry length past the end, though what is left parses
      ['0000', 'Envelope::Malformed'], // field number 0
      ['1901020304050607', 'Envelope::Malformed'], // unknown fixed64 field cut short
      ['1d010203', 'Envelope::Malformed'], // unknown fixed32 field cut short
      ['1b', 'Envelope::Malformed'], // group start (wire type 3)
      ['1e00', 'Envelope::Malformed'], // wire type 6
      ['0a0310ffff', 'Envelope::Malformed'], // truncated varint in value
      ['0a0b1080808080808080808002', 'Envelope::Malformed'], // value beyond 64 bits
      ['0b00', 'Envelope::Malformed'], // group wire type
    ]
    for (const [hex, code] of bad)
      expect(
        codeOf(() => decodeCursor(fromHex(hex))),
        hex,
      ).toBe(code)
    const many = createVectorClock(
      Array.from({ length: MAX_VECTOR_CLOCK_LENGTH + 1 }, (_, i) => [i, 1n] as const),
    )
    expect(codeOf(() => decodeCursor(encodeCursor(many)))).toBe('Envelope::CursorTooLong')
    expect(decodeCursor(encodeCursor(many), { maxEntries: 1000 }).size).toBe(101)
  })

  it('rejects out-of-range values when built', () => {
    expect(codeOf(() => createVectorClock({ 1: -1 }))).toBe('Envelope::InvalidArgument')
    expect(codeOf(() => createVectorClock([[2 ** 32, 1n]]))).toBe('Envelope::InvalidArgument')
    expect(codeOf(() => createVectorClock([[1, 2n ** 64n]]))).toBe('Envelope::InvalidArgument')
    expect(codeOf(() => advanceVectorClock(createVectorClock(), 1, 1.5))).toBe('Envelope::InvalidArgument')
  })

  it('has a canonical string form', () => {
    const clock = createVectorClock({ 200: 9, 0: 3, 100: 0 })
    expect(vectorClockToString(clock)).toBe('0:3,200:9')
    expect(vectorClockToString(createVectorClock())).toBe('')
    expect(compareVectorClocks(parseVectorClock('0:3,200:9'), clock)).toBe('equal')
    expect(parseVectorClock('').size).toBe(0)
    for (const bad of [
      '200:9,0:3',
      '0:3,0:4',
      '01:3',
      '1:0',
      '1:',
      ':1',
      '1',
      'a:b',
      '4294967296:1',
      '1:-1',
    ]) {
      expect(
        codeOf(() => parseVectorClock(bad)),
        bad,
      ).toBe('Envelope::CursorMalformed')
    }
    const long = Array.from({ length: 101 }, (_, i) => `${i}:1`).join(',')
    expect(codeOf(() => parseVectorClock(long))).toBe('Envelope::CursorTooLong')
  })
})

describe('V3 id cursors', () => {
  it('starts at 0, advances monotonically, merges and compares', () => {
    const start = createIdCursor(topic)
    expect(start.id).toBe(0n)
    const a = advanceIdCursor(start, 42)
    expect(advanceIdCursor(a, 7)).toBe(a)
    expect(compareIdCursors(start, a)).toBe('before')
    expect(compareIdCursors(a, start)).toBe('after')
    expect(compareIdCursors(a, createIdCursor(topic, 42n))).toBe('equal')
    expect(mergeIdCursors(start, a)).toBe(a)
  })

  it('refuses to compare cursors of different topics', () => {
    const other = createIdCursor('/xmtp/mls/1/w-ab/proto')
    expect(codeOf(() => compareIdCursors(createIdCursor(topic), other))).toBe('Envelope::InvalidArgument')
  })

  it('maps to libxmtp originator ids and has a string form', () => {
    const cursor = createIdCursor(topic, 42n)
    expect(vectorClockToString(idCursorToVectorClock(cursor, V3Originator.ApplicationMessages))).toBe('10:42')
    expect(
      idCursorFromVectorClock(topic, createVectorClock({ 10: 42 }), V3Originator.ApplicationMessages),
    ).toEqual(cursor)
    expect(idCursorFromVectorClock(topic, createVectorClock({ 10: 42 }), V3Originator.MlsCommits).id).toBe(0n)
    expect(idCursorToString(cursor)).toBe(`42@${topic}`)
    expect(parseIdCursor(`42@${topic}`)).toEqual(cursor)
    expect(codeOf(() => parseIdCursor(`x@${topic}`))).toBe('Envelope::CursorMalformed')
    expect(codeOf(() => parseIdCursor(topic))).toBe('Envelope::CursorMalformed')
    expect(codeOf(() => parseIdCursor('42@/xmtp/mls/1/q-ab/proto'))).toBe('Envelope::TopicMalformed')
    expect(codeOf(() => createIdCursor('nope'))).toBe('Envelope::TopicMalformed')
  })
})
