/**
 * Reader of vectors/xip-poll (the XIP draft xips/xip-poll.md; feature flag `xip-poll`).
 * Drafted by `pnpm xip new poll`; `check` now runs each case through the registry with {@link PollCodec}.
 */
import { readdirSync, readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { ContentTypeError } from '../errors.ts'
import { ContentCodecRegistry } from '../registry.ts'
import { PollCodec } from './poll.ts'

const dir = new URL('../../../../vectors/xip-poll/', import.meta.url)
const files = readdirSync(dir).filter(
  (f) => f.endsWith('.json') && !f.endsWith('.new.json') && !f.endsWith('.schema.json'),
)

interface Case {
  readonly description: string
  readonly valid: boolean
  readonly error?: string
  readonly [field: string]: unknown
}

/** What the implementation did with a case: its outputs, or the stable error code it threw. */
type Outcome =
  | { readonly ok: true; readonly outputs: Record<string, unknown> }
  | { readonly ok: false; readonly error: string }

const registry = new ContentCodecRegistry([new PollCodec()])

/** Runs one case through the implementation: decode the EncodedContent bytes with the poll codec. */
async function check(c: Case): Promise<Outcome> {
  try {
    const decoded = await registry.decodeBytes(Buffer.from(String(c.encodedContent), 'hex'))
    return { ok: true, outputs: { decoded: decoded.content, fallback: decoded.fallback } }
  } catch (error) {
    if (error instanceof ContentTypeError) return { ok: false, error: error.code }
    throw error
  }
}

describe('vectors/xip-poll', () => {
  it('has vector files', () => {
    expect(files, 'write vectors/xip-poll/<name>.json (vectors/README.md)').not.toEqual([])
  })
  for (const file of files) {
    const doc = JSON.parse(readFileSync(new URL(file, dir), 'utf8')) as { cases: Case[] }
    describe(file, () => {
      for (const c of doc.cases) {
        it(c.description, async () => {
          const outcome = await check(c)
          if (c.valid)
            expect(outcome).toEqual({ ok: true, outputs: { decoded: c.decoded, fallback: c.fallback } })
          else expect(outcome).toEqual({ ok: false, error: c.error })
        })
      }
    })
  }
})

describe('PollCodec', () => {
  it('refuses to encode a poll the Specification refuses', () => {
    const codec = new PollCodec()
    for (const poll of [
      { question: 'q', options: ['a'] },
      { question: 'q', options: ['a', 'a'] },
      { question: '', options: ['a', 'b'] },
    ]) {
      let code: string | undefined
      try {
        codec.encode(poll)
      } catch (e) {
        code = e instanceof ContentTypeError ? e.code : String(e)
      }
      expect(code).toBe('ContentType::InvalidContent')
    }
  })
})
