/**
 * Reads the language-neutral vectors of vectors/topics, vectors/envelopes and vectors/cursors, checks each
 * case against this package, re-checks the signed hashes and signers with viem (code nobody here wrote),
 * and fails when the committed files differ from what the deterministic generator produces.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { concatBytes, defaultCrypto, fromHex, toHex, utf8ToBytes } from '@xmtp-lite/common'
import { type Hex, keccak256, numberToBytes, recoverAddress, recoverPublicKey } from 'viem'
import { describe, expect, it } from 'vitest'
import {
  compareVectorClocks,
  decodeCursor,
  encodeCursor,
  mergeVectorClocks,
  parseVectorClock,
  vectorClockToString,
} from '../src/cursor.ts'
import { parseOriginatorEnvelope, verifyOriginatorEnvelope, verifyPayerEnvelope } from '../src/envelope.ts'
import { originatorSignatureHash, payerSignatureHash } from '../src/signing.ts'
import {
  isReservedTopic,
  parseTopic,
  parseTopicString,
  parseV3Topic,
  topicToString,
  topicToV3Topic,
  v3TopicToTopic,
} from '../src/topic.ts'
import { codeOf } from './codes.ts'
import { repoRoot } from './fixtures.ts'
import { generateVectors, renderVectorFile } from './generateVectors.ts'

// biome-ignore lint/suspicious/noExplicitAny: vector cases are untyped JSON, read field by field.
type Case = Record<string, any> & { description: string; valid: boolean; error?: string }

function load(path: string): { cases: Case[]; nodeKeys?: Record<string, string> } {
  return JSON.parse(readFileSync(join(repoRoot, 'vectors', path), 'utf8'))
}

const hex = (bytes: Uint8Array): Hex => `0x${toHex(bytes)}`

describe('vectors/topics/kind-prefixed.json', () => {
  const { cases } = load('topics/kind-prefixed.json')
  it.each(cases)('$description', (c) => {
    if (!c.valid) {
      expect(codeOf(() => parseTopic(fromHex(c.topic)))).toBe(c.error)
      return
    }
    const topic = parseTopic(fromHex(c.topic))
    expect(topic.kind).toBe(c.kind)
    expect(toHex(topic.identifier)).toBe(c.identifier)
    expect(topicToString(topic)).toBe(c.string)
    expect(toHex(parseTopicString(c.string).bytes)).toBe(c.topic)
    expect(isReservedTopic(topic)).toBe(c.reserved)
    if (c.v3Topic === null) expect(codeOf(() => topicToV3Topic(topic))).toBe('Envelope::TopicNoV3Form')
    else expect(topicToV3Topic(topic)).toBe(c.v3Topic)
  })
})

describe('vectors/topics/v3-string.json', () => {
  const { cases } = load('topics/v3-string.json')
  it.each(cases)('$description', (c) => {
    if (!c.valid) {
      expect(codeOf(() => parseV3Topic(c.v3Topic))).toBe(c.error)
      return
    }
    const parsed = parseV3Topic(c.v3Topic)
    expect(parsed.kind).toBe(c.kind)
    expect(toHex(parsed.identifier)).toBe(c.identifier)
    expect(toHex(v3TopicToTopic(c.v3Topic).bytes)).toBe(c.topic)
  })
})

describe('vectors/envelopes/originator-envelopes.json', () => {
  const file = load('envelopes/originator-envelopes.json')
  const nodeKeys = new Map(Object.entries(file.nodeKeys ?? {}).map(([id, key]) => [Number(id), fromHex(key)]))

  /** The procedure README.md describes: parse, verify the node proof, verify the payer when signed. */
  function check(c: Case) {
    const envelope = parseOriginatorEnvelope(fromHex(c.envelope))
    verifyOriginatorEnvelope(envelope, {
      nodeKeys,
      ...(c.expectedNodeId === undefined ? {} : { expectedNodeId: c.expectedNodeId }),
      allowBlockchainProof: c.allowBlockchainProof === true,
    })
    const payer = envelope.unsignedOriginatorEnvelope.payerEnvelope
    const signer =
      payer.payerSignature === undefined
        ? undefined
        : verifyPayerEnvelope(
            payer,
            c.expectedPayerAddress === undefined ? {} : { expectedPayerAddress: c.expectedPayerAddress },
          )
    return { envelope, signer }
  }

  it.each(cases(file))('$description', async (c) => {
    if (!c.valid) {
      expect(codeOf(() => check(c))).toBe(c.error)
      return
    }
    const { envelope, signer } = check(c)
    const u = envelope.unsignedOriginatorEnvelope
    const p = u.payerEnvelope
    const e = c.expected
    expect(u.originatorNodeId).toBe(e.originatorNodeId)
    expect(u.originatorSequenceId.toString()).toBe(e.originatorSequenceId)
    expect(u.originatorNs.toString()).toBe(e.originatorNs)
    expect(u.baseFeePicodollars.toString()).toBe(e.baseFeePicodollars)
    expect(u.congestionFeePicodollars.toString()).toBe(e.congestionFeePicodollars)
    expect(u.expiryUnixtime.toString()).toBe(e.expiryUnixtime)
    expect(p.targetOriginator).toBe(e.targetOriginator)
    expect(p.messageRetentionDays).toBe(e.messageRetentionDays)
    expect(envelope.proof.kind).toBe(e.proof)
    expect(toHex(p.clientEnvelope.aad.targetTopic.bytes)).toBe(e.targetTopic)
    const dependsOn = p.clientEnvelope.aad.dependsOn
    expect(
      dependsOn === undefined
        ? null
        : Object.fromEntries([...dependsOn].map(([k, v]) => [String(k), v.toString()])),
    ).toEqual(e.dependsOn)
    expect(p.clientEnvelope.payload.kind).toBe(e.payloadKind)
    expect(toHex(p.clientEnvelope.payload.bytes)).toBe(e.payload)
    expect(toHex(envelope.unsignedOriginatorBytes)).toBe(e.unsignedOriginatorEnvelope)
    expect(toHex(u.payerEnvelopeBytes)).toBe(e.payerEnvelope)
    expect(toHex(p.clientEnvelopeBytes)).toBe(e.clientEnvelope)
    expect(signer?.address ?? null).toBe(e.payerAddress)

    // Independent re-check with viem: hashes from the spec text, signers by ecrecover.
    if (envelope.proof.kind === 'originatorSignature') {
      const hash = keccak256(concatBytes(utf8ToBytes('originator|'), envelope.unsignedOriginatorBytes))
      const key = await recoverPublicKey({ hash, signature: hex(envelope.proof.signature) })
      expect(key).toBe(hex(nodeKeys.get(u.originatorNodeId) as Uint8Array))
    }
    if (p.payerSignature !== undefined) {
      const hash = keccak256(
        concatBytes(
          utf8ToBytes('target|'),
          numberToBytes(p.targetOriginator, { size: 4 }),
          utf8ToBytes('payer|'),
          p.clientEnvelopeBytes,
        ),
      )
      const address = await recoverAddress({ hash, signature: hex(p.payerSignature) })
      expect(address.toLowerCase()).toBe(e.payerAddress)
    }
  })

  function cases(f: { cases: Case[] }): Case[] {
    return f.cases
  }

  it('covers each invalid kind the brief names', () => {
    const errors = new Set(file.cases.filter((c) => !c.valid).map((c) => c.error))
    for (const code of [
      'Envelope::Malformed',
      'Envelope::MissingField',
      'Envelope::TopicUnknownKind',
      'Envelope::TopicTooLong',
      'Envelope::SignatureInvalid',
      'Envelope::SignerMismatch',
    ]) {
      expect(errors.has(code), code).toBe(true)
    }
  })
})

describe('vectors/envelopes/signature-hashes.json', () => {
  const { cases } = load('envelopes/signature-hashes.json')
  it.each(cases)('$description', (c) => {
    const data = fromHex(c.data)
    if (c.kind === 'payer') {
      expect(toHex(payerSignatureHash(defaultCrypto, c.targetOriginator, data))).toBe(c.hash)
      const viem = keccak256(
        concatBytes(
          utf8ToBytes('target|'),
          numberToBytes(c.targetOriginator, { size: 4 }),
          utf8ToBytes('payer|'),
          data,
        ),
      )
      expect(viem).toBe(`0x${c.hash}`)
    } else {
      expect(toHex(originatorSignatureHash(defaultCrypto, data))).toBe(c.hash)
      expect(keccak256(concatBytes(utf8ToBytes('originator|'), data))).toBe(`0x${c.hash}`)
    }
  })
})

describe('vectors/cursors/cursors.json', () => {
  const { cases } = load('cursors/cursors.json')
  it.each(cases)('$description', (c) => {
    if (!c.valid) {
      expect(codeOf(() => decodeCursor(fromHex(c.cursor)))).toBe(c.error)
      return
    }
    const clock = decodeCursor(fromHex(c.cursor))
    expect(Object.fromEntries([...clock].map(([k, v]) => [String(k), v.toString()]))).toEqual(c.entries)
    expect(vectorClockToString(clock)).toBe(c.string)
    expect(compareVectorClocks(parseVectorClock(c.string), clock)).toBe('equal')
    // Re-encoding is canonical (sorted): equal to the vector unless the vector's entries were out of order.
    expect(toHex(encodeCursor(decodeCursor(encodeCursor(clock))))).toBe(toHex(encodeCursor(clock)))
  })
})

describe('vectors/cursors/order.json', () => {
  const { cases } = load('cursors/order.json')
  it.each(cases)('$description', (c) => {
    const a = parseVectorClock(c.a)
    const b = parseVectorClock(c.b)
    expect(compareVectorClocks(a, b)).toBe(c.order)
    expect(vectorClockToString(mergeVectorClocks(a, b))).toBe(c.merged)
  })
})

describe('vector files', () => {
  it('are exactly what the deterministic generator writes (regenerate with `pnpm vectors`)', () => {
    for (const [path, file] of Object.entries(generateVectors())) {
      expect(readFileSync(join(repoRoot, 'vectors', path), 'utf8'), path).toBe(renderVectorFile(file))
    }
  })
})
