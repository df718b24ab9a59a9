import { xmtp } from '@xmtp-lite/proto'
import { describe, expect, it } from 'vitest'
import {
  decodeCanonical,
  decodeGetInboxIdsRequest,
  encodeGetInboxIdsResponse,
  generatedGetInboxIdsRequest,
  generatedGetInboxIdsResponse,
} from './inboxIdsWire.ts'
import { rng } from './testing/rng.ts'
import type { InboxIdResult } from './types.ts'

const ident = xmtp.identity.api.v1

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

describe('GetInboxIds request decoding', () => {
  function randomRequest(r: ReturnType<typeof rng>, strings: typeof anyString): Uint8Array {
    const n = [0, 1, 1, 1, 2, 5, 50][r.below(7)] as number
    return ident.GetInboxIdsRequest.encode({
      requests: Array.from({ length: n }, () => ({
        identifier: strings(r, r.below(2) === 0 ? 42 : (edgeLengths[r.below(edgeLengths.length)] as number)),
        identifierKind: [0, 1, 2, 127, 128, 300, -1][r.below(7)] as number,
      })),
    }).finish()
  }

  /** The generated code's answer, or the name of what it threw. */
  function both(bytes: Uint8Array) {
    const run = (f: () => unknown) => {
      try {
        return f()
      } catch (e) {
        return `threw ${(e as { code?: string }).code ?? String(e)}`
      }
    }
    return [run(() => decodeGetInboxIdsRequest(bytes)), run(() => generatedGetInboxIdsRequest(bytes))]
  }

  it('reads what clients send in place, with the values of the generated code', () => {
    let canonical = 0
    for (let seed = 1; seed <= 500; seed++) {
      const bytes = randomRequest(rng(seed), asciiString)
      const [ours, generated] = both(bytes)
      expect(ours, `seed ${seed}`).toEqual(generated)
      if (decodeCanonical(bytes) !== undefined) canonical++
    }
    // Every request without a multi-byte or negative kind takes the in-place path.
    expect(canonical).toBeGreaterThan(100)
    const sdkShape = ident.GetInboxIdsRequest.encode({
      requests: [{ identifier: `0x${'ab'.repeat(20)}`, identifierKind: 1 }],
    }).finish()
    expect(decodeCanonical(sdkShape)).toEqual([{ identifier: `0x${'ab'.repeat(20)}`, identifierKind: 1 }])
  })

  it('answers any other shape, hostile bytes included, exactly as the generated code does', () => {
    for (let seed = 1; seed <= 1500; seed++) {
      const r = rng(seed)
      const bytes = Uint8Array.from(randomRequest(r, anyString))
      // Mutations: flipped bytes, truncation, an unknown field, a repeated or reordered field, garbage.
      switch (r.below(6)) {
        case 0:
          for (let k = 0; k < 1 + r.below(3) && bytes.length > 0; k++)
            bytes[r.below(bytes.length)] = r.below(256)
          break
        case 1: {
          const cut = bytes.subarray(0, r.below(bytes.length + 1))
          expect(both(cut)[0], `seed ${seed}`).toEqual(both(cut)[1])
          continue
        }
        case 2: {
          const extra = Uint8Array.from([0x18 + 8 * r.below(3), r.below(128)])
          const joined = new Uint8Array([...bytes, ...extra])
          expect(both(joined)[0], `seed ${seed}`).toEqual(both(joined)[1])
          continue
        }
        case 3: {
          // One Request with its fields reversed or doubled.
          const inner = [0x10, 0x01, 0x0a, 0x02, 0x30, 0x78, ...(r.below(2) === 0 ? [0x0a, 0x01, 0x61] : [])]
          const msg = new Uint8Array([...bytes, 0x0a, inner.length, ...inner])
          expect(both(msg)[0], `seed ${seed}`).toEqual(both(msg)[1])
          continue
        }
        case 4: {
          const junk = Uint8Array.from({ length: r.below(40) }, () => r.below(256))
          expect(both(junk)[0], `seed ${seed}`).toEqual(both(junk)[1])
          continue
        }
        default:
          break
      }
      const [ours, generated] = both(bytes)
      expect(ours, `seed ${seed}`).toEqual(generated)
    }
  })
})
