/**
 * Writes batches.json: replication batches a node must accept or refuse (protocol/xmtpd-network.md §5:
 * a batch from a peer carries that originator's envelopes at exactly cursor + 1, cursor + 2, ..., each
 * signed by the originator's registered key over `originator|` ‖ the exact unsigned bytes).
 * Run from packages/node-lite: node --conditions=@xmtp-lite/source --import tsx src/replication/vectorsGenerate.ts
 */
import { createHash } from 'node:crypto'
import { writeFileSync } from 'node:fs'
import { defaultCrypto } from '@xmtp-lite/common'
import {
  createClientEnvelope,
  createOriginatorEnvelope,
  createUnsignedPayerEnvelope,
  groupMessagesTopic,
} from '@xmtp-lite/envelopes'
import { xmtp } from '@xmtp-lite/proto'
import { encodePrivateMessageFrame } from '../mlsFraming.ts'

const key = (id: number) =>
  new Uint8Array(createHash('sha256').update(`xmtp-lite devnet node ${id}`).digest())
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex')
const group = new Uint8Array(16).fill(0x33)

function envelope(seq: number, originator = 100, signer = key(originator)): string {
  const client = createClientEnvelope({
    targetTopic: groupMessagesTopic(group),
    payload: {
      kind: 'groupMessage',
      bytes: xmtp.mls.api.v1.GroupMessageInput.encode({
        v1: {
          data: encodePrivateMessageFrame({
            groupId: group,
            ciphertext: new Uint8Array([seq]),
            contentType: 1,
          }),
        },
      }).finish(),
    },
  })
  return hex(
    createOriginatorEnvelope({
      payerEnvelope: createUnsignedPayerEnvelope(client),
      originatorNodeId: originator,
      originatorSequenceId: seq,
      originatorNs: 1_795_564_800_000_000_000n,
      nodePrivateKey: signer,
    }).bytes,
  )
}

const tampered = (h: string) => `${h.slice(0, h.length - 2)}${h.endsWith('00') ? '01' : '00'}`
const registry = [100, 200].map((id) => ({
  id,
  publicKey: hex(defaultCrypto.secp256k1.getPublicKey(key(id))),
}))
const cases = [
  {
    description: 'first batch from cursor 0',
    cursor: 0,
    frames: [envelope(1), envelope(2), envelope(3)],
    valid: true,
  },
  {
    description: 'a batch resuming from cursor 2',
    cursor: 2,
    frames: [envelope(3), envelope(4)],
    valid: true,
  },
  { description: 'an empty batch', cursor: 5, frames: [], valid: true },
  {
    description: 'signed by another registered node (200) while claiming originator 100',
    cursor: 0,
    frames: [envelope(1, 100, key(200))],
    valid: false,
    error: 'Replication::BadSignature',
  },
  {
    description: 'signed by an unregistered key',
    cursor: 0,
    frames: [envelope(1, 100, key(999))],
    valid: false,
    error: 'Replication::BadSignature',
  },
  {
    description: 'gap: 1 then 3',
    cursor: 0,
    frames: [envelope(1), envelope(3)],
    valid: false,
    error: 'Replication::SequenceGap',
  },
  {
    description: 'gap: starts at 2 from cursor 0',
    cursor: 0,
    frames: [envelope(2)],
    valid: false,
    error: 'Replication::SequenceGap',
  },
  {
    description: 'reorder: 2 then 1 from cursor 1',
    cursor: 1,
    frames: [envelope(2), envelope(1)],
    valid: false,
    error: 'Replication::SequenceReordered',
  },
  {
    description: 'replay of an envelope at the cursor',
    cursor: 3,
    frames: [envelope(3)],
    valid: false,
    error: 'Replication::SequenceReordered',
  },
  {
    description: "another originator's envelope in 100's stream",
    cursor: 0,
    frames: [envelope(1, 200)],
    valid: false,
    error: 'Replication::UnexpectedOriginator',
  },
  {
    description: 'garbage bytes',
    cursor: 0,
    frames: ['ffff'],
    valid: false,
    error: 'Replication::MalformedEnvelope',
  },
  {
    description: 'last signature byte changed',
    cursor: 0,
    frames: [tampered(envelope(1))],
    valid: false,
    error: 'Replication::BadSignature',
  },
]
writeFileSync(
  // Written beside the reviewed file (vectors/README.md): `pnpm vectors --accept` replaces it.
  new URL('../../../../vectors/replication/batches.new.json', import.meta.url),
  `${JSON.stringify(
    {
      description:
        "Replication batches from peer originator 100 (frames = OriginatorEnvelope bytes in order) checked against the puller's cursor and the node registry; keys are sha256('xmtp-lite devnet node <id>').",
      generator: 'packages/node-lite/src/replication/vectorsGenerate.ts',
      originator: 100,
      registry,
      cases,
    },
    null,
    2,
  )}\n`,
)
