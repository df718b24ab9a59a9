/**
 * Cross-checks this package's strict wire codec against the protobufjs code generated from `proto/`
 * (`@xmtp-lite/proto`, `xmtp.xmtpv4.envelopes`): both read the same fields from the same bytes, and the
 * generated encoder reproduces the vectors byte for byte (our encoding is plain canonical protobuf).
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { defaultCrypto, fromHex, toHex } from '@xmtp-lite/common'
import { toBigInt, toLong, xmtp } from '@xmtp-lite/proto'
import { describe, expect, it } from 'vitest'
import { createVectorClock, decodeCursor, encodeCursor } from '../src/cursor.ts'
import { parseOriginatorEnvelope, verifyOriginatorEnvelope, verifyPayerEnvelope } from '../src/envelope.ts'
import { originatorSignatureHash, payerSignatureHash, signHash } from '../src/signing.ts'
import { groupMessagesTopic } from '../src/topic.ts'
import { groupMessageInput, libxmtpBytes, node100Key, payerKey, repoRoot } from './fixtures.ts'

const pb = xmtp.xmtpv4.envelopes

interface VectorCase {
  readonly description: string
  readonly envelope: string
  readonly valid: boolean
}

const file = JSON.parse(
  readFileSync(join(repoRoot, 'vectors', 'envelopes', 'originator-envelopes.json'), 'utf8'),
) as {
  nodeKeys: Record<string, string>
  cases: VectorCase[]
}
const nodeKeys = new Map(Object.entries(file.nodeKeys).map(([id, key]) => [Number(id), fromHex(key)]))

describe('against the generated protobufjs code of xmtp.xmtpv4.envelopes', () => {
  it.each(file.cases.filter((c) => c.valid))('reads the same fields: $description', (c) => {
    const bytes = fromHex(c.envelope)
    const ours = parseOriginatorEnvelope(bytes)
    const outer = pb.OriginatorEnvelope.decode(bytes)
    expect(toHex(outer.unsignedOriginatorEnvelope)).toBe(toHex(ours.unsignedOriginatorBytes))
    if (ours.proof.kind === 'originatorSignature') {
      expect(toHex(outer.originatorSignature?.bytes ?? new Uint8Array(0))).toBe(toHex(ours.proof.signature))
    } else {
      expect(toHex(outer.blockchainProof?.transactionHash ?? new Uint8Array(0))).toBe(
        toHex(ours.proof.transactionHash),
      )
    }
    const unsigned = pb.UnsignedOriginatorEnvelope.decode(outer.unsignedOriginatorEnvelope)
    const u = ours.unsignedOriginatorEnvelope
    expect(unsigned.originatorNodeId).toBe(u.originatorNodeId)
    expect(toBigInt(unsigned.originatorSequenceId)).toBe(u.originatorSequenceId)
    expect(toBigInt(unsigned.originatorNs)).toBe(u.originatorNs)
    expect(toBigInt(unsigned.baseFeePicodollars)).toBe(u.baseFeePicodollars)
    expect(toBigInt(unsigned.congestionFeePicodollars)).toBe(u.congestionFeePicodollars)
    expect(toBigInt(unsigned.expiryUnixtime)).toBe(u.expiryUnixtime)
    const payer = pb.PayerEnvelope.decode(unsigned.payerEnvelopeBytes)
    expect(payer.targetOriginator).toBe(u.payerEnvelope.targetOriginator)
    expect(payer.messageRetentionDays).toBe(u.payerEnvelope.messageRetentionDays)
    const client = pb.ClientEnvelope.decode(payer.unsignedClientEnvelope)
    expect(toHex(client.aad?.targetTopic ?? new Uint8Array(0))).toBe(
      toHex(u.payerEnvelope.clientEnvelope.aad.targetTopic.bytes),
    )
    expect(client.payload).toBe(u.payerEnvelope.clientEnvelope.payload.kind)
    // Re-encoding each layer with protobufjs gives the same bytes: nothing of ours is non-canonical.
    expect(toHex(pb.OriginatorEnvelope.encode(outer).finish())).toBe(c.envelope)
    expect(toHex(pb.UnsignedOriginatorEnvelope.encode(unsigned).finish())).toBe(toHex(u.bytes))
    expect(toHex(pb.PayerEnvelope.encode(payer).finish())).toBe(toHex(u.payerEnvelopeBytes))
  })

  it('parses and verifies envelopes built by the generated encoder', () => {
    const clientBytes = pb.ClientEnvelope.encode({
      aad: { targetTopic: groupMessagesTopic(fromHex('8985c1f37638a2b8ebd693c7ae3bbc5c')).bytes },
      groupMessage: xmtp.mls.api.v1.GroupMessageInput.decode(
        groupMessageInput(libxmtpBytes('group-join/gm-3-app.bin')),
      ),
    }).finish()
    const payerSignature = signHash(
      defaultCrypto,
      payerSignatureHash(defaultCrypto, 100, clientBytes),
      payerKey,
    )
    const payerBytes = pb.PayerEnvelope.encode({
      unsignedClientEnvelope: clientBytes,
      payerSignature: { bytes: payerSignature },
      targetOriginator: 100,
      messageRetentionDays: 30,
    }).finish()
    const unsignedBytes = pb.UnsignedOriginatorEnvelope.encode({
      originatorNodeId: 100,
      originatorSequenceId: toLong(42n),
      originatorNs: toLong(1_795_522_736_000n),
      payerEnvelopeBytes: payerBytes,
    }).finish()
    const signature = signHash(
      defaultCrypto,
      originatorSignatureHash(defaultCrypto, unsignedBytes),
      node100Key,
    )
    const bytes = pb.OriginatorEnvelope.encode({
      unsignedOriginatorEnvelope: unsignedBytes,
      originatorSignature: { bytes: signature },
    }).finish()
    const parsed = parseOriginatorEnvelope(bytes)
    expect(parsed.unsignedOriginatorEnvelope.originatorSequenceId).toBe(42n)
    expect(parsed.unsignedOriginatorEnvelope.payerEnvelope.messageRetentionDays).toBe(30)
    expect(verifyOriginatorEnvelope(parsed, { nodeKeys }).proof).toBe('signature')
    expect(verifyPayerEnvelope(parsed.unsignedOriginatorEnvelope.payerEnvelope).address).toBe(
      '0x19e7e376e7c213b7e7e7e46cc70a5dd086daff2a',
    )
  })

  it('agrees on Cursor maps in both directions', () => {
    const clock = createVectorClock({ 0: 3n, 100: 5n, 4294967295: 18446744073709551615n })
    const decoded = pb.Cursor.decode(encodeCursor(clock))
    const entries = Object.entries(decoded.nodeIdToSequenceId).map(([k, v]): [number, bigint] => [
      Number(k),
      toBigInt(v),
    ])
    expect(new Map(entries)).toEqual(clock)
    const theirs = pb.Cursor.encode({ nodeIdToSequenceId: { 200: toLong(9n), 7: toLong(1n) } }).finish()
    expect([...decodeCursor(theirs)].sort(([a], [b]) => a - b)).toEqual([
      [7, 1n],
      [200, 9n],
    ])
  })
})
