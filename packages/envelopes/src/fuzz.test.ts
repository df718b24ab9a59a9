/**
 * Hostile-input totality: random and mutated bytes into every parser end in a typed EnvelopeError or a
 * result, never another exception or a hang. Fixed seed, so every run checks the same inputs.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { fromHex } from '@xmtp-lite/common'
import { describe, expect, it } from 'vitest'
import { repoRoot } from '../test/fixtures.ts'
import { createVectorClock, decodeCursor, encodeCursor } from './cursor.ts'
import {
  createClientEnvelope,
  parseClientEnvelope,
  parseOriginatorEnvelope,
  parsePayerEnvelope,
  verifyOriginatorEnvelope,
} from './envelope.ts'
import { EnvelopeError } from './errors.ts'
import { decodeClientPayload } from './payload.ts'
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

describe('every truncation and byte change of the signed vectors', () => {
  const vectors = JSON.parse(
    readFileSync(join(repoRoot, 'vectors', 'envelopes', 'originator-envelopes.json'), 'utf8'),
  ) as { nodeKeys: Record<string, string>; cases: { envelope: string; valid: boolean }[] }
  const nodeKeys = new Map(Object.entries(vectors.nodeKeys).map(([id, key]) => [Number(id), fromHex(key)]))
  const signed = vectors.cases.filter((c) => c.valid).map((c) => fromHex(c.envelope))

  it('parse, verify and payload decoding end in a result or an Envelope code; none of them verifies', () => {
    expect(signed.length).toBeGreaterThan(3)
    const outcomes = new Set<string>()
    for (const base of signed) {
      // Every proper prefix, then every byte set to 0x00, to 0xff and with its top bit flipped.
      const variants: Uint8Array[] = []
      for (let n = 0; n < base.length; n++) variants.push(base.subarray(0, n))
      for (let i = 0; i < base.length; i++) {
        for (const value of [0x00, 0xff, (base[i] as number) ^ 0x80]) {
          if (value === base[i]) continue
          const changed = base.slice()
          changed[i] = value
          variants.push(changed)
        }
      }
      for (const bytes of variants) {
        const parsed = outcome(() => parseOriginatorEnvelope(bytes))
        expect(parsed, `parse ${Buffer.from(bytes).toString('hex')}`).toMatch(/^(ok|Envelope::\w+)$/)
        outcomes.add(parsed)
        if (parsed !== 'ok') continue
        const envelope = parseOriginatorEnvelope(bytes)
        const payload = outcome(() =>
          decodeClientPayload(envelope.unsignedOriginatorEnvelope.payerEnvelope.clientEnvelope.payload),
        )
        expect(payload, `payload ${Buffer.from(bytes).toString('hex')}`).toMatch(/^(ok|Envelope::\w+)$/)
        outcomes.add(`payload ${payload}`)
        const verified = outcome(() => verifyOriginatorEnvelope(envelope, { nodeKeys }))
        // A prefix or a changed byte of a signed envelope never verifies.
        expect(verified, `verify ${Buffer.from(bytes).toString('hex')}`).toMatch(/^Envelope::\w+$/)
      }
    }
    expect(outcomes).toContain('Envelope::Malformed')
    expect(outcomes).toContain('Envelope::MissingField')
    expect(outcomes).toContain('payload Envelope::Malformed')
  }, 120_000)
})
