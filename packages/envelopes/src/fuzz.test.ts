/**
 * Hostile-input totality: random and mutated bytes into every parser end in a typed EnvelopeError or a
 * result, never another exception or a hang. Fixed seed, so every run checks the same inputs.
 */
import { describe, expect, it } from 'vitest'
import { createVectorClock, decodeCursor, encodeCursor } from './cursor.ts'
import {
  createClientEnvelope,
  parseClientEnvelope,
  parseOriginatorEnvelope,
  parsePayerEnvelope,
} from './envelope.ts'
import { EnvelopeError } from './errors.ts'
import { groupMessagesTopic, parseTopic, parseTopicString, parseV3Topic } from './topic.ts'

function rng(seed: number): () => number {
  let s = seed >>> 0 || 1
  return () => {
    s ^= s << 13
    s ^= s >>> 17
    s ^= s << 5
    return s >>> 0
  }
}

function outcome(fn: () => unknown): string {
  try {
    fn()
    return 'ok'
  } catch (error) {
    if (error instanceof EnvelopeError) return error.code
    throw error
  }
}

describe('parsers are total on hostile input', () => {
  it('random byte strings', () => {
    const next = rng(0x5eed)
    const parsers = [
      parseTopic,
      decodeCursor,
      parseClientEnvelope,
      parsePayerEnvelope,
      parseOriginatorEnvelope,
    ]
    for (let i = 0; i < 1000; i++) {
      const bytes = Uint8Array.from({ length: next() % 64 }, () => next() & 0xff)
      for (const parse of parsers) expect(outcome(() => parse(bytes))).toMatch(/^(ok|Envelope::\w+)$/)
    }
  })

  it('mutations of valid client envelopes and cursors', () => {
    const next = rng(0xc0ffee)
    const client = createClientEnvelope({
      targetTopic: groupMessagesTopic(new Uint8Array(16).fill(1)),
      dependsOn: createVectorClock({ 0: 5, 100: 300 }),
      payload: { kind: 'groupMessage', bytes: new Uint8Array([0x0a, 0x03, 0x0a, 0x01, 0x61]) },
    }).bytes
    const cursor = encodeCursor(createVectorClock({ 0: 5, 100: 300, 200: 2n ** 40n }))
    const seen = new Set<string>()
    for (let i = 0; i < 1000; i++) {
      for (const [base, parse] of [
        [client, parseClientEnvelope],
        [cursor, decodeCursor],
      ] as const) {
        const copy = base.slice()
        copy[next() % copy.length] = next() & 0xff
        const result = outcome(() => parse(copy))
        expect(result).toMatch(/^(ok|Envelope::\w+)$/)
        seen.add(result)
      }
    }
    expect(seen.has('ok')).toBe(true)
    expect(seen.has('Envelope::Malformed')).toBe(true)
  })

  it('random strings into the string parsers', () => {
    const next = rng(0xbeef)
    const alphabet = '/xmtpls1gw-0123456789abcdefABX_:,@ '
    for (let i = 0; i < 1000; i++) {
      const text = Array.from({ length: next() % 48 }, () => alphabet[next() % alphabet.length]).join('')
      for (const parse of [parseV3Topic, parseTopicString]) {
        expect(outcome(() => parse(text))).toMatch(/^(ok|Envelope::\w+)$/)
      }
    }
  })
})
