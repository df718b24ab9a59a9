import { xmtp } from '@xmtp-lite/proto'
import { describe, expect, it } from 'vitest'
import { encodeGetInboxIdsResponse, generatedGetInboxIdsResponse } from './inboxIdsWire.ts'
import type { InboxIdResult } from './types.ts'

const ident = xmtp.identity.api.v1

/** A deterministic generator (xorshift32), so a failure names its seed. */
function rng(seed: number) {
  let s = seed >>> 0 || 1
  const next = () => {
    s ^= s << 13
    s >>>= 0
    s ^= s >>> 17
    s ^= s << 5
    s >>>= 0
    return s
  }
  return { next, below: (n: number) => next() % n }
}

/** Lengths at the one- and two-byte varint edges of a field and of a whole response. */
const edgeLengths = [0, 1, 42, 64, 125, 126, 127, 128, 129, 300, 16_383, 16_384]

function asciiString(r: ReturnType<typeof rng>, length: number): string {
  let s = ''
  for (let i = 0; i < length; i++) s += String.fromCharCode(r.below(128))
  return s
}

/** Mostly ASCII; sometimes a character past it (é, €, an astral pair, a lone surrogate). */
function anyString(r: ReturnType<typeof rng>, length: number): string {
  const s = asciiString(r, length)
  if (length === 0 || r.below(4) !== 0) return s
  const odd = ['é', '€', '😀', '\ud800', '\udfff', '\u0080', '\u07ff', '\uffff'][r.below(8)] as string
  const at = r.below(length)
  return s.slice(0, at) + odd + s.slice(at + 1)
}

function randomResults(r: ReturnType<typeof rng>, strings: typeof anyString): InboxIdResult[] {
  const n = [0, 1, 1, 1, 2, 5, 50][r.below(7)] as number
  return Array.from({ length: n }, () => {
    const identifierLength = r.below(2) === 0 ? 42 : (edgeLengths[r.below(edgeLengths.length)] as number)
    const inboxId =
      r.below(3) === 0
        ? undefined
        : strings(r, r.below(2) === 0 ? 64 : (edgeLengths[r.below(edgeLengths.length)] as number))
    return { identifier: strings(r, identifierLength), inboxId }
  })
}

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex')

describe('GetInboxIds wire encoding', () => {
  it('writes the same bytes as the generated protobuf code for ASCII identifiers and inbox ids', () => {
    for (let seed = 1; seed <= 500; seed++) {
      const results = randomResults(rng(seed), asciiString)
      expect(hex(encodeGetInboxIdsResponse(results)), `seed ${seed}`).toBe(
        hex(generatedGetInboxIdsResponse(results)),
      )
    }
  })

  it('writes the same bytes for any string, non-ASCII ones included', () => {
    for (let seed = 1; seed <= 500; seed++) {
      const results = randomResults(rng(seed), anyString)
      expect(hex(encodeGetInboxIdsResponse(results)), `seed ${seed}`).toBe(
        hex(generatedGetInboxIdsResponse(results)),
      )
    }
  })

  it('keeps an empty inbox id and leaves out an empty identifier, as the generated code', () => {
    const cases: InboxIdResult[][] = [
      [],
      [{ identifier: '', inboxId: undefined }],
      [{ identifier: '', inboxId: '' }],
      [{ identifier: '0xabc', inboxId: '' }],
      [{ identifier: '0xabc', inboxId: undefined }],
    ]
    for (const results of cases) {
      expect(hex(encodeGetInboxIdsResponse(results))).toBe(hex(generatedGetInboxIdsResponse(results)))
    }
    // And it decodes to what was encoded: presence of inbox_id included.
    const decoded = ident.GetInboxIdsResponse.decode(
      encodeGetInboxIdsResponse([
        { identifier: '0xabc', inboxId: '' },
        { identifier: '0xdef', inboxId: undefined },
        { identifier: '0x123', inboxId: 'ab'.repeat(32) },
      ]),
    )
    expect(decoded.responses.map((x) => [x.identifier, x.inboxId ?? null, x.identifierKind])).toEqual([
      ['0xabc', '', 0],
      ['0xdef', null, 0],
      ['0x123', 'ab'.repeat(32), 0],
    ])
  })
})
