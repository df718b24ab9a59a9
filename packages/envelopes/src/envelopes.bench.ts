/**
 * Envelope throughput: an OriginatorEnvelope around a 256-byte group message (MLS data of 256 bytes in a
 * GroupMessageInput), built and signed, then parsed and verified. Baseline: the generated protobufjs code of
 * `@xmtp-lite/proto` encoding / decoding the same four layers with no signatures, measured in the same run.
 * Run: `npx -y pnpm@10.34.9 bench envelopes`.
 */
import { compare } from '@xmtp-lite/bench'
import { defaultCrypto } from '@xmtp-lite/common'
import { xmtp } from '@xmtp-lite/proto'
import { createVectorClock } from './cursor.ts'
import {
  createBlockchainOriginatorEnvelope,
  createClientEnvelope,
  createOriginatorEnvelope,
  createPayerEnvelope,
  createUnsignedPayerEnvelope,
  parseOriginatorEnvelope,
  verifyOriginatorEnvelope,
  verifyPayerEnvelope,
} from './envelope.ts'
import { groupMessagesTopic } from './topic.ts'

const pb = xmtp.xmtpv4.envelopes
const payerKey = new Uint8Array(32).fill(0x11)
const nodeKey = new Uint8Array(32).fill(0x22)
const nodeKeys = new Map([[100, defaultCrypto.secp256k1.getPublicKey(nodeKey)]])
const topic = groupMessagesTopic(new Uint8Array(16).fill(0x89))
const mlsData = Uint8Array.from({ length: 256 }, (_, i) => (i * 31 + 7) & 0xff)
const groupMessage = xmtp.mls.api.v1.GroupMessageInput.encode({
  v1: { data: mlsData, senderHmac: new Uint8Array(32).fill(7), shouldPush: true },
}).finish()
const decodedGroupMessage = xmtp.mls.api.v1.GroupMessageInput.decode(groupMessage)
const dependsOn = createVectorClock({ 0: 12 })
const dummySignature = new Uint8Array(65)

function buildSigned(): Uint8Array {
  const client = createClientEnvelope({
    targetTopic: topic,
    dependsOn,
    payload: { kind: 'groupMessage', bytes: groupMessage },
  })
  const payer = createPayerEnvelope({
    clientEnvelope: client,
    targetOriginator: 100,
    messageRetentionDays: 60,
    payerPrivateKey: payerKey,
  })
  return createOriginatorEnvelope({
    payerEnvelope: payer,
    originatorNodeId: 100,
    originatorSequenceId: 1234n,
    originatorNs: 1_795_522_736_771_963_557n,
    baseFeePicodollars: 1_000_000n,
    expiryUnixtime: 1_800_706_736n,
    nodePrivateKey: nodeKey,
  }).bytes
}

const envelopeBytes = buildSigned()
const payerBytes = parseOriginatorEnvelope(envelopeBytes).unsignedOriginatorEnvelope.payerEnvelopeBytes

function protobufjsEncode(): Uint8Array {
  const client = pb.ClientEnvelope.encode({
    aad: { targetTopic: topic.bytes, dependsOn: { nodeIdToSequenceId: { 0: 12 as never } } },
    groupMessage: decodedGroupMessage,
  }).finish()
  const payer = pb.PayerEnvelope.encode({
    unsignedClientEnvelope: client,
    payerSignature: { bytes: dummySignature },
    targetOriginator: 100,
    messageRetentionDays: 60,
  }).finish()
  const unsigned = pb.UnsignedOriginatorEnvelope.encode({
    originatorNodeId: 100,
    originatorSequenceId: 1234 as never,
    originatorNs: 1_795_522_736_771 as never,
    payerEnvelopeBytes: payer,
    baseFeePicodollars: 1_000_000 as never,
    expiryUnixtime: 1_800_706_736 as never,
  }).finish()
  return pb.OriginatorEnvelope.encode({
    unsignedOriginatorEnvelope: unsigned,
    originatorSignature: { bytes: dummySignature },
  }).finish()
}

function protobufjsDecode(bytes: Uint8Array): unknown {
  const outer = pb.OriginatorEnvelope.decode(bytes)
  const unsigned = pb.UnsignedOriginatorEnvelope.decode(outer.unsignedOriginatorEnvelope)
  const payer = pb.PayerEnvelope.decode(unsigned.payerEnvelopeBytes)
  return pb.ClientEnvelope.decode(payer.unsignedClientEnvelope)
}

console.log(
  `envelope: ${envelopeBytes.length} bytes (256-byte MLS message), crypto provider: ${defaultCrypto.name}`,
)

await compare({
  title: 'encode + sign an OriginatorEnvelope (256-byte group message); ops/s = envelopes/s',
  baseline: { name: 'protobufjs encode, 4 layers, no signatures', fn: protobufjsEncode },
  candidates: [
    {
      name: 'ours: encode 4 layers, no signatures',
      fn: () =>
        createBlockchainOriginatorEnvelope({
          payerEnvelope: createUnsignedPayerEnvelope(
            createClientEnvelope({
              targetTopic: topic,
              dependsOn,
              payload: { kind: 'groupMessage', bytes: groupMessage },
            }),
          ),
          originatorNodeId: 100,
          originatorSequenceId: 1234n,
          originatorNs: 1_795_522_736_771_963_557n,
          transactionHash: dummySignature,
        }),
    },
    {
      name: 'ours: node originates (1 signature)',
      fn: () =>
        createOriginatorEnvelope({
          payerEnvelope: payerBytes,
          originatorNodeId: 100,
          originatorSequenceId: 1234n,
          originatorNs: 1_795_522_736_771_963_557n,
          nodePrivateKey: nodeKey,
        }),
    },
    { name: 'ours: full build, payer + node signatures', fn: buildSigned },
  ],
})

await compare({
  title: 'parse + verify an OriginatorEnvelope (256-byte group message); ops/s = envelopes/s',
  baseline: { name: 'protobufjs decode, 4 layers, no signatures', fn: () => protobufjsDecode(envelopeBytes) },
  candidates: [
    { name: 'ours: strict parse, 4 layers', fn: () => parseOriginatorEnvelope(envelopeBytes) },
    {
      name: 'ours: parse + verify node signature',
      fn: () => verifyOriginatorEnvelope(parseOriginatorEnvelope(envelopeBytes), { nodeKeys }),
    },
    {
      name: 'ours: parse + verify node and payer',
      fn: () => {
        const envelope = parseOriginatorEnvelope(envelopeBytes)
        verifyOriginatorEnvelope(envelope, { nodeKeys })
        return verifyPayerEnvelope(envelope.unsignedOriginatorEnvelope.payerEnvelope)
      },
    },
  ],
})
