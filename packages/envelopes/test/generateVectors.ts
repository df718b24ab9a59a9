/**
 * The deterministic generator of `vectors/topics`, `vectors/envelopes` and `vectors/cursors`.
 *
 * Fixed keys (test/fixtures.ts), fixed clocks, payloads captured from libxmtp 1.9.1, RFC 6979 signatures:
 * running it twice gives the same bytes, and `test/vectors.test.ts` fails when the committed files differ
 * from what this produces. Run `pnpm --filter @xmtp-lite/envelopes vectors` to rewrite them.
 * @module
 */
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { concatBytes, defaultCrypto, fromHex, toHex } from '@xmtp-lite/common'
import { createVectorClock, encodeCursor, mergeVectorClocks, parseVectorClock } from '../src/cursor.ts'
import {
  type ClientEnvelope,
  createBlockchainOriginatorEnvelope,
  createClientEnvelope,
  createOriginatorEnvelope,
  createPayerEnvelope,
  createUnsignedPayerEnvelope,
  type OriginatorEnvelope,
  type PayerEnvelope,
  parseOriginatorEnvelope,
} from '../src/envelope.ts'
import { originatorSignatureHash, payerSignatureHash, signHash } from '../src/signing.ts'
import {
  groupMessagesTopic,
  identityUpdatesTopic,
  keyPackagesTopic,
  payerReportAttestationsTopic,
  payerReportsTopic,
  v3GroupTopic,
  v3WelcomeTopic,
  welcomeMessagesTopic,
} from '../src/topic.ts'
import { encodeFields } from '../src/wire.ts'
import {
  encodeMls,
  groupMessageInput,
  libxmtpBytes,
  node100Key,
  node200Key,
  payerKey,
  repoRoot,
} from './fixtures.ts'

/** A vector file: its description, how it was made, and its cases. */
export interface VectorFile {
  readonly description: string
  readonly generator: string
  readonly cases: readonly Record<string, unknown>[]
}

const GENERATOR = 'packages/envelopes/test/generateVectors.ts (fixed keys, fixed clocks, RFC 6979 signatures)'

// Identifiers from the libxmtp 1.9.1 capture (shared/vectors/libxmtp-1.9.1).
const groupId = fromHex('8985c1f37638a2b8ebd693c7ae3bbc5c')
const installationKey = fromHex('f8dca9e5afd91b7be359718f0fa639e8aef8570f2ebc8e58ea985eb4f7963325')
const inboxId = '45915bad9a857a62ceed43a7573d3eef87966c96961128c520dc1c5d6fa5d38b'
/** 2026-11-24T13:38:56.771963557Z: the capture's client timestamp, used as the fixed originator clock. */
const originatorNs = 1_795_522_736_771_963_557n
const expiryUnixtime = originatorNs / 1_000_000_000n + 60n * 86_400n

function topicVectors(): VectorFile {
  const valid = [
    ['group messages: the libxmtp group id', groupMessagesTopic(groupId), v3GroupTopic(groupId)],
    ['welcomes: an installation key', welcomeMessagesTopic(installationKey), v3WelcomeTopic(installationKey)],
    ['identity updates: the captured inbox id as 32 raw bytes', identityUpdatesTopic(inboxId), null],
    ['key packages: an installation key', keyPackagesTopic(installationKey), null],
    ['payer reports (reserved): node 100 as little-endian uint32', payerReportsTopic(100), null],
    ['payer report attestations (reserved): node 200', payerReportAttestationsTopic(200), null],
  ] as const
  const labels = [
    'group_messages_v1',
    'welcome_message_v1',
    'identity_updates_v1',
    'key_packages_v1',
    'payer_reports_v1',
    'payer_report_attestations_v1',
  ]
  const cases: Record<string, unknown>[] = valid.map(([description, topic, v3]) => ({
    description,
    topic: toHex(topic.bytes),
    valid: true,
    kind: topic.kind,
    identifier: toHex(topic.identifier),
    string: `${labels[topic.kind]}/${toHex(topic.identifier)}`,
    v3Topic: v3,
    reserved: topic.kind >= 4,
  }))
  cases.push(
    {
      description: 'xmtpd pkg/topic/topic_test.go TestValidTopic: {1, 2, 3}',
      topic: '010203',
      valid: true,
      kind: 1,
      identifier: '0203',
      string: 'welcome_message_v1/0203',
      v3Topic: '/xmtp/mls/1/w-0203/proto',
      reserved: false,
    },
    {
      description: 'the longest topic: 128 bytes',
      topic: `00${'ab'.repeat(127)}`,
      valid: true,
      kind: 0,
      identifier: 'ab'.repeat(127),
      string: `group_messages_v1/${'ab'.repeat(127)}`,
      v3Topic: `/xmtp/mls/1/g-${'ab'.repeat(127)}/proto`,
      reserved: false,
    },
    {
      description: 'xmtpd TestMissingIdentifier: {1}',
      topic: '01',
      valid: false,
      error: 'Envelope::TopicMalformed',
    },
    {
      description: 'xmtpd TestInvalidKind: {255, 2, 3}',
      topic: 'ff0203',
      valid: false,
      error: 'Envelope::TopicUnknownKind',
    },
    { description: 'empty topic', topic: '', valid: false, error: 'Envelope::TopicMalformed' },
    { description: 'unknown kind 6', topic: '06aa', valid: false, error: 'Envelope::TopicUnknownKind' },
    {
      description: 'oversize topic: 129 bytes',
      topic: `00${'ab'.repeat(128)}`,
      valid: false,
      error: 'Envelope::TopicTooLong',
    },
  )
  return {
    description:
      'xmtpd kind-prefixed byte topics (protocol/xmtpd-network.md §2): kind byte then identifier, 2..128 bytes; human-readable and V3 forms.',
    generator: GENERATOR,
    cases,
  }
}

function v3TopicVectors(): VectorFile {
  const bad: [string, string, string][] = [
    ['version 2 prefix', '/xmtp/mls/2/g-ab/proto', 'Envelope::TopicMalformed'],
    ['no leading slash', 'xmtp/mls/1/g-ab/proto', 'Envelope::TopicMalformed'],
    ['wrong suffix', '/xmtp/mls/1/g-ab/json', 'Envelope::TopicMalformed'],
    ['unknown letter', '/xmtp/mls/1/x-ab/proto', 'Envelope::TopicMalformed'],
    ['empty identifier', '/xmtp/mls/1/g-/proto', 'Envelope::TopicMalformed'],
    ['uppercase hex', '/xmtp/mls/1/g-AB/proto', 'Envelope::TopicMalformed'],
    ['odd hex length', '/xmtp/mls/1/g-abc/proto', 'Envelope::TopicMalformed'],
    ['non-hex', '/xmtp/mls/1/w-zz/proto', 'Envelope::TopicMalformed'],
    ['0x prefix inside', '/xmtp/mls/1/g-0xab/proto', 'Envelope::TopicMalformed'],
    ['a V2 topic', '/xmtp/0/m-123/proto', 'Envelope::TopicMalformed'],
    ['identifier of 128 bytes', `/xmtp/mls/1/g-${'ab'.repeat(128)}/proto`, 'Envelope::TopicTooLong'],
  ]
  return {
    description:
      'V3 string topics (protocol/v3-node-api-and-identity.md §5.1): /xmtp/mls/1/g-<hex>/proto and /xmtp/mls/1/w-<hex>/proto, canonical lowercase only.',
    generator: GENERATOR,
    cases: [
      {
        description: 'the libxmtp 1.9.1 group',
        v3Topic: v3GroupTopic(groupId),
        valid: true,
        kind: 0,
        identifier: toHex(groupId),
        topic: toHex(groupMessagesTopic(groupId).bytes),
      },
      {
        description: 'the welcome topic of the joining ts-mls installation',
        v3Topic: v3WelcomeTopic(installationKey),
        valid: true,
        kind: 1,
        identifier: toHex(installationKey),
        topic: toHex(welcomeMessagesTopic(installationKey).bytes),
      },
      ...bad.map(([description, v3Topic, error]) => ({ description, v3Topic, valid: false, error })),
    ],
  }
}

// --- envelopes ---------------------------------------------------------------------------------------

function groupClient(): ClientEnvelope {
  return createClientEnvelope({
    targetTopic: groupMessagesTopic(groupId),
    dependsOn: createVectorClock({ 0: 1 }),
    payload: { kind: 'groupMessage', bytes: groupMessageInput(libxmtpBytes('group-join/gm-2-app.bin')) },
  })
}

function payerFor(client: ClientEnvelope | Uint8Array, target: number): PayerEnvelope {
  return createPayerEnvelope({
    clientEnvelope: client,
    targetOriginator: target,
    messageRetentionDays: 60,
    payerPrivateKey: payerKey,
  })
}

function originate(payer: PayerEnvelope | Uint8Array, nodeId: number, sequenceId: bigint, key = node100Key) {
  return createOriginatorEnvelope({
    payerEnvelope: payer,
    originatorNodeId: nodeId,
    originatorSequenceId: sequenceId,
    originatorNs,
    baseFeePicodollars: 1_000_000n,
    congestionFeePicodollars: 0n,
    expiryUnixtime,
    nodePrivateKey: key,
  })
}

/** Signs arbitrary unsigned-originator bytes as node 100 and wraps them (for wire-level invalid cases). */
function signRaw(unsigned: Uint8Array, key = node100Key): Uint8Array {
  const signature = signHash(defaultCrypto, originatorSignatureHash(defaultCrypto, unsigned), key)
  return encodeFields([
    [1, 'bytes', unsigned],
    [2, 'message', encodeFields([[1, 'bytes', signature]])],
  ])
}

/** An unsigned originator envelope around raw payer bytes, node 100, sequence 1. */
function unsignedAround(payerBytes: Uint8Array): Uint8Array {
  return encodeFields([
    [1, 'uint32', 100],
    [2, 'uint64', 1n],
    [3, 'int64', originatorNs],
    [4, 'bytes', payerBytes],
    [7, 'uint64', expiryUnixtime],
  ])
}

/** A payer envelope around raw client bytes, signed by the payer for node 100. */
function payerAround(clientBytes: Uint8Array): Uint8Array {
  const signature = signHash(defaultCrypto, payerSignatureHash(defaultCrypto, 100, clientBytes), payerKey)
  return encodeFields([
    [1, 'bytes', clientBytes],
    [2, 'message', encodeFields([[1, 'bytes', signature]])],
    [3, 'uint32', 100],
    [4, 'uint32', 60],
  ])
}

function expectedOf(envelope: OriginatorEnvelope): Record<string, unknown> {
  const u = envelope.unsignedOriginatorEnvelope
  const p = u.payerEnvelope
  const c = p.clientEnvelope
  return {
    originatorNodeId: u.originatorNodeId,
    originatorSequenceId: u.originatorSequenceId.toString(),
    originatorNs: u.originatorNs.toString(),
    baseFeePicodollars: u.baseFeePicodollars.toString(),
    congestionFeePicodollars: u.congestionFeePicodollars.toString(),
    expiryUnixtime: u.expiryUnixtime.toString(),
    targetOriginator: p.targetOriginator,
    messageRetentionDays: p.messageRetentionDays,
    proof: envelope.proof.kind,
    targetTopic: toHex(c.aad.targetTopic.bytes),
    dependsOn:
      c.aad.dependsOn === undefined
        ? null
        : Object.fromEntries([...c.aad.dependsOn].map(([k, v]) => [k, v.toString()])),
    payloadKind: c.payload.kind,
    payload: toHex(c.payload.bytes),
    unsignedOriginatorEnvelope: toHex(envelope.unsignedOriginatorBytes),
    payerEnvelope: toHex(u.payerEnvelopeBytes),
    clientEnvelope: toHex(p.clientEnvelopeBytes),
  }
}

function envelopeVectors(): VectorFile {
  const nodeKeys = {
    '100': toHex(defaultCrypto.secp256k1.getPublicKey(node100Key)),
    '200': toHex(defaultCrypto.secp256k1.getPublicKey(node200Key)),
  }
  const payerAddress = '0x19e7e376e7c213b7e7e7e46cc70a5dd086daff2a'
  const cases: Record<string, unknown>[] = []
  const valid = (description: string, envelope: OriginatorEnvelope, extra: Record<string, unknown> = {}) => {
    cases.push({
      description,
      envelope: toHex(envelope.bytes),
      ...extra,
      valid: true,
      expected: {
        ...expectedOf(envelope),
        payerAddress:
          envelope.unsignedOriginatorEnvelope.payerEnvelope.payerSignature === undefined
            ? null
            : payerAddress,
      },
    })
  }
  const invalid = (
    description: string,
    bytes: Uint8Array,
    error: string,
    extra: Record<string, unknown> = {},
  ) => {
    cases.push({ description, envelope: toHex(bytes), ...extra, valid: false, error })
  }

  // --- valid ---
  const client = groupClient()
  const main = originate(payerFor(client, 100), 100, 7n)
  valid('libxmtp application message (gm-2) through node 100, depends_on {0: 1}', main)
  const welcome = createClientEnvelope({
    targetTopic: welcomeMessagesTopic(installationKey),
    payload: {
      kind: 'welcomeMessage',
      bytes: encodeMls('WelcomeMessageInput', {
        v1: {
          installationKey,
          data: libxmtpBytes('group-join/welcome-wrapped-data.bin'),
          hpkePublicKey: new Uint8Array(32).fill(5),
          wrapperAlgorithm: 1,
          welcomeMetadata: libxmtpBytes('group-join/welcome-metadata-ct.bin'),
        },
      }),
    },
  })
  valid('libxmtp welcome through node 200', originate(payerFor(welcome, 200), 200, 1n, node200Key))
  const keyPackage = createClientEnvelope({
    targetTopic: keyPackagesTopic(installationKey),
    payload: {
      kind: 'uploadKeyPackage',
      bytes: encodeMls('UploadKeyPackageRequest', {
        keyPackage: { keyPackageTlsSerialized: libxmtpBytes('group-join/ts-key-package.bin') },
        isInboxIdCredential: false,
      }),
    },
  })
  valid('key package upload through node 100', originate(payerFor(keyPackage, 100), 100, 8n))
  const commit = createClientEnvelope({
    targetTopic: groupMessagesTopic(groupId),
    payload: {
      kind: 'groupMessage',
      bytes: groupMessageInput(libxmtpBytes('group-join/gm-1-commit.bin'), false),
    },
  })
  const chainCommit = createBlockchainOriginatorEnvelope({
    payerEnvelope: createUnsignedPayerEnvelope(commit),
    originatorNodeId: 0,
    originatorSequenceId: 1n,
    originatorNs,
    transactionHash: fromHex('5a'.repeat(32)),
  })
  valid(
    'chain-derived commit (gm-1): originator 0, payer envelope with field 1 only, blockchain proof',
    chainCommit,
    {
      allowBlockchainProof: true,
    },
  )
  const update = libxmtpBytes('publish-identity-update-request.bin').subarray(3)
  valid(
    'chain-derived identity update (the captured libxmtp 1.9.1 registration): originator 1',
    createBlockchainOriginatorEnvelope({
      payerEnvelope: createUnsignedPayerEnvelope(
        createClientEnvelope({
          targetTopic: identityUpdatesTopic(inboxId),
          payload: { kind: 'identityUpdate', bytes: update },
        }),
      ),
      originatorNodeId: 1,
      originatorSequenceId: 1n,
      originatorNs,
      transactionHash: fromHex('6b'.repeat(32)),
    }),
    { allowBlockchainProof: true },
  )
  const withUnknown = concatBytes(client.bytes, fromHex('f80101'))
  valid(
    'a client envelope with an unknown field 31: kept byte for byte, both signatures hold',
    originate(payerAround(withUnknown), 100, 9n),
  )

  // --- invalid: wire format ---
  invalid(
    'truncated: the first half of the envelope',
    main.bytes.subarray(0, main.bytes.length >> 1),
    'Envelope::Malformed',
  )
  invalid(
    'truncated: the last byte missing',
    main.bytes.subarray(0, main.bytes.length - 1),
    'Envelope::Malformed',
  )
  invalid('empty bytes: no unsigned envelope', new Uint8Array(0), 'Envelope::MissingField')
  invalid(
    'wrong wire type: OriginatorEnvelope.unsigned_originator_envelope (1) as a varint',
    concatBytes(fromHex('0801'), main.bytes.subarray(0)),
    'Envelope::Malformed',
  )
  invalid(
    'wrong wire type: UnsignedOriginatorEnvelope.originator_sequence_id (2) as length-delimited, validly signed',
    signRaw(concatBytes(fromHex('120101'), main.unsignedOriginatorBytes)),
    'Envelope::Malformed',
  )
  invalid(
    'wrong wire type: PayerEnvelope.target_originator (3) as length-delimited, validly signed',
    signRaw(
      unsignedAround(concatBytes(fromHex('1a0100'), main.unsignedOriginatorEnvelope.payerEnvelopeBytes)),
    ),
    'Envelope::Malformed',
  )
  invalid(
    'repeated singular field: originator_node_id twice, validly signed',
    signRaw(concatBytes(fromHex('0864'), main.unsignedOriginatorBytes)),
    'Envelope::Malformed',
  )
  invalid(
    'uint32 out of range: originator_node_id = 2^32, validly signed',
    signRaw(concatBytes(fromHex('088080808010'), main.unsignedOriginatorBytes.subarray(2))),
    'Envelope::Malformed',
  )
  invalid(
    'both proofs of the oneof set',
    concatBytes(main.bytes, encodeFields([[3, 'message', encodeFields([[1, 'bytes', new Uint8Array(32)]])]])),
    'Envelope::Malformed',
  )

  // --- invalid: missing fields and topics ---
  invalid('no proof', encodeFields([[1, 'bytes', main.unsignedOriginatorBytes]]), 'Envelope::MissingField')
  invalid(
    'client envelope without aad, validly signed by payer and node',
    signRaw(unsignedAround(payerAround(encodeFields([[2, 'message', client.payload.bytes]])))),
    'Envelope::MissingField',
  )
  invalid(
    'client envelope without payload, validly signed by payer and node',
    signRaw(unsignedAround(payerAround(encodeFields([[1, 'message', client.aad.bytes]])))),
    'Envelope::MissingField',
  )
  const aadWith = (topic: Uint8Array) => encodeFields([[2, 'bytes', topic]])
  invalid(
    'unknown topic kind 7 in aad.target_topic, validly signed',
    signRaw(
      unsignedAround(
        payerAround(
          encodeFields([
            [1, 'message', aadWith(fromHex('07aa'))],
            [2, 'message', client.payload.bytes],
          ]),
        ),
      ),
    ),
    'Envelope::TopicUnknownKind',
  )
  invalid(
    'oversize topic (129 bytes) in aad.target_topic, validly signed',
    signRaw(
      unsignedAround(
        payerAround(
          encodeFields([
            [1, 'message', aadWith(concatBytes(Uint8Array.of(0), new Uint8Array(128).fill(1)))],
            [2, 'message', client.payload.bytes],
          ]),
        ),
      ),
    ),
    'Envelope::TopicTooLong',
  )
  invalid(
    'group message payload on a key-package topic, validly signed',
    signRaw(
      unsignedAround(
        payerAround(
          encodeFields([
            [1, 'message', aadWith(keyPackagesTopic(installationKey).bytes)],
            [2, 'message', client.payload.bytes],
          ]),
        ),
      ),
    ),
    'Envelope::TopicPayloadMismatch',
  )

  // --- invalid: signatures ---
  if (main.proof.kind !== 'originatorSignature') throw new Error('unreachable')
  const flipped = main.proof.signature.slice()
  flipped[10] = (flipped[10] as number) ^ 0x01
  invalid(
    'bad originator signature: one bit of r flipped',
    encodeFields([
      [1, 'bytes', main.unsignedOriginatorBytes],
      [2, 'message', encodeFields([[1, 'bytes', flipped]])],
    ]),
    'Envelope::SignatureInvalid',
  )
  const v27 = main.proof.signature.slice()
  v27[64] = (v27[64] as number) + 27
  invalid(
    'originator signature with v = 27/28 (personal_sign style, not xmtpd)',
    encodeFields([
      [1, 'bytes', main.unsignedOriginatorBytes],
      [2, 'message', encodeFields([[1, 'bytes', v27]])],
    ]),
    'Envelope::SignatureInvalid',
  )
  const u = main.unsignedOriginatorEnvelope
  invalid(
    're-encoded inner bytes: the unsigned envelope re-serialized with its fields in reverse order, original signature',
    encodeFields([
      [
        1,
        'bytes',
        encodeFields([
          [7, 'uint64', u.expiryUnixtime],
          [6, 'uint64', u.congestionFeePicodollars],
          [5, 'uint64', u.baseFeePicodollars],
          [4, 'bytes', u.payerEnvelopeBytes],
          [3, 'int64', u.originatorNs],
          [2, 'uint64', u.originatorSequenceId],
          [1, 'uint32', u.originatorNodeId],
        ]),
      ],
      [2, 'message', encodeFields([[1, 'bytes', main.proof.signature]])],
    ]),
    'Envelope::SignatureInvalid',
  )
  // The payer's signature over the client bytes *with* the unknown field.
  const sigField = createPayerEnvelope({
    clientEnvelope: withUnknown,
    targetOriginator: 100,
    messageRetentionDays: 60,
    payerPrivateKey: payerKey,
  }).payerSignature as Uint8Array
  invalid(
    're-encoded client envelope: unknown field dropped by a re-serializing node, payer signature kept (node re-signed)',
    signRaw(
      unsignedAround(
        encodeFields([
          [1, 'bytes', client.bytes],
          [2, 'message', encodeFields([[1, 'bytes', sigField]])],
          [3, 'uint32', 100],
          [4, 'uint32', 60],
        ]),
      ),
    ),
    'Envelope::SignatureInvalid',
    { expectedPayerAddress: payerAddress },
  )
  invalid(
    'tampered payload: one byte of the MLS ciphertext changed, signatures kept',
    (() => {
      const bytes = main.bytes.slice()
      // Offsets from a fresh parse: its views all point into one copy of the envelope bytes.
      const inner = parseOriginatorEnvelope(main.bytes).unsignedOriginatorEnvelope.payerEnvelope
        .clientEnvelope.payload.bytes
      const at = inner.byteOffset + inner.length - 41
      bytes[at] = (bytes[at] as number) ^ 0x80
      return bytes
    })(),
    'Envelope::SignatureInvalid',
  )
  invalid(
    'signer is not the expected node: claims originator 100, signed by node 200',
    originate(payerFor(client, 100), 100, 7n, node200Key).bytes,
    'Envelope::SignerMismatch',
  )
  invalid(
    'originator 300 has no known key',
    originate(payerFor(client, 300), 300, 1n, node200Key).bytes,
    'Envelope::UnknownOriginator',
  )
  invalid('from node 100 where node 200 was expected', main.bytes, 'Envelope::UnexpectedOriginator', {
    expectedNodeId: 200,
  })
  invalid(
    'a blockchain proof where a node signature is required',
    chainCommit.bytes,
    'Envelope::MissingField',
  )

  return {
    description:
      'xmtpd OriginatorEnvelope bytes (protocol/xmtpd-network.md §1): parse every layer, verify the node signature with nodeKeys (and the payer signature), expected fields as decoded.',
    generator: GENERATOR,
    nodeKeys,
    cases,
  } as VectorFile
}

function hashVectors(): VectorFile {
  const client = groupClient()
  const main = originate(payerFor(client, 100), 100, 7n)
  return {
    description:
      'The signed hashes of protocol/xmtpd-network.md §1.4: keccak256("target|" ‖ BE32 target ‖ "payer|" ‖ client bytes) and keccak256("originator|" ‖ unsigned bytes).',
    generator: GENERATOR,
    cases: [
      ...[0, 100, 0x01020304, 0xffffffff].map((target) => ({
        description: `payer hash, target originator ${target}`,
        kind: 'payer',
        targetOriginator: target,
        data: toHex(client.bytes),
        hash: toHex(payerSignatureHash(defaultCrypto, target, client.bytes)),
        valid: true,
      })),
      {
        description: 'payer hash of an empty client envelope, target 100',
        kind: 'payer',
        targetOriginator: 100,
        data: '',
        hash: toHex(payerSignatureHash(defaultCrypto, 100, new Uint8Array(0))),
        valid: true,
      },
      {
        description: 'originator hash of the main envelope of originator-envelopes.json',
        kind: 'originator',
        data: toHex(main.unsignedOriginatorBytes),
        hash: toHex(originatorSignatureHash(defaultCrypto, main.unsignedOriginatorBytes)),
        valid: true,
      },
    ],
  }
}

function cursorVectors(): VectorFile {
  const entries = (o: Record<number, bigint>) =>
    Object.fromEntries(Object.entries(o).map(([k, v]) => [k, v.toString()]))
  const ok = (description: string, clock: Record<number, bigint>, text: string) => ({
    description,
    cursor: toHex(encodeCursor(createVectorClock(clock))),
    valid: true,
    entries: entries(clock),
    string: text,
  })
  return {
    description:
      'xmtp.xmtpv4.envelopes.Cursor {1 node_id_to_sequence_id: map<uint32, uint64>} (protocol/xmtpd-network.md §1.2, §3.1) and its string form.',
    generator: GENERATOR,
    cases: [
      ok('empty cursor', {}, ''),
      ok('chain commits and one node', { 0: 3n, 100: 5n }, '0:3,100:5'),
      ok('explicit zero entry (encoded, left out of the string form)', { 100: 0n, 200: 9n }, '200:9'),
      ok(
        'uint32 and uint64 maxima',
        { 4294967295: 18446744073709551615n },
        '4294967295:18446744073709551615',
      ),
      {
        description: 'entries out of order, one entry with the key missing (= node 0)',
        cursor: '0a0508c8011009' + '0a021005',
        valid: true,
        entries: { 0: '5', 200: '9' },
        string: '0:5,200:9',
      },
      { description: 'truncated entry', cursor: '0a05086410', valid: false, error: 'Envelope::Malformed' },
      {
        description: 'map field as a varint (wrong wire type)',
        cursor: '0805',
        valid: false,
        error: 'Envelope::Malformed',
      },
      {
        description: 'node id twice',
        cursor: '0a0408641005' + '0a0408641006',
        valid: false,
        error: 'Envelope::Malformed',
      },
      {
        description: 'node id beyond uint32',
        cursor: '0a0708ffffffff1f1001',
        valid: false,
        error: 'Envelope::Malformed',
      },
      {
        description: 'sequence id beyond 64 bits',
        cursor: '0a0b1080808080808080808002',
        valid: false,
        error: 'Envelope::Malformed',
      },
      {
        description: '101 entries (xmtpd maxVectorClockLength is 100)',
        cursor: toHex(
          encodeCursor(createVectorClock(Array.from({ length: 101 }, (_, i) => [i, 1n] as const))),
        ),
        valid: false,
        error: 'Envelope::CursorTooLong',
      },
    ],
  }
}

function orderVectors(): VectorFile {
  const pairs: [string, string, string][] = [
    ['', '', 'equal'],
    ['100:5', '100:5', 'equal'],
    ['100:4', '100:5', 'before'],
    ['100:5,200:1', '100:5', 'after'],
    ['0:3,100:5', '100:2,200:9', 'concurrent'],
    ['', '0:1', 'before'],
  ]
  return {
    description:
      'Vector-clock order (missing = 0) and merge (pointwise max), in the string form of cursors.json.',
    generator: GENERATOR,
    cases: pairs.map(([a, b, order]) => ({
      description: `${a === '' ? '{}' : a} vs ${b === '' ? '{}' : b}`,
      a,
      b,
      order,
      merged: [...mergeVectorClocks(parseVectorClock(a), parseVectorClock(b))]
        .sort(([x], [y]) => x - y)
        .map(([k, v]) => `${k}:${v}`)
        .join(','),
      valid: true,
    })),
  }
}

/** Every vector file, keyed by its path under `vectors/`. */
export function generateVectors(): Record<string, VectorFile> {
  return {
    'topics/kind-prefixed.json': topicVectors(),
    'topics/v3-string.json': v3TopicVectors(),
    'envelopes/originator-envelopes.json': envelopeVectors(),
    'envelopes/signature-hashes.json': hashVectors(),
    'cursors/cursors.json': cursorVectors(),
    'cursors/order.json': orderVectors(),
  }
}

/** The exact text a vector file is written as. */
export function renderVectorFile(file: VectorFile): string {
  return `${JSON.stringify(file, null, 2)}\n`
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  for (const [path, file] of Object.entries(generateVectors())) {
    // Written beside the reviewed file as *.new.json (vectors/README.md): `pnpm vectors --accept` replaces it.
    const out = path.replace(/\.json$/, '.new.json')
    writeFileSync(join(repoRoot, 'vectors', out), renderVectorFile(file))
    console.log(`wrote vectors/${out} (${file.cases.length} cases)`)
  }
}
