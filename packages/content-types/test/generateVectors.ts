/**
 * Writes `vectors/content-types/*.json`. Valid cases are encoded by codecs nobody here wrote wherever one
 * exists (libxmtp 1.9.1 through `@xmtp/node-bindings`, the official JS codecs, `@xmtp/proto`); the case's
 * `encoder` says which. Invalid cases are hand-made hostile payloads, each with the code it must raise.
 *
 * Run from packages/content-types: `node --conditions=@xmtp-lite/source --import tsx test/generateVectors.ts`,
 * then review the diff. libxmtp picks its own random keys, so the remote attachment cases change on every run.
 * @module
 */
import { writeFileSync } from 'node:fs'
import { deflateRawSync, deflateSync, gzipSync } from 'node:zlib'
import { ReactionCodec as OfficialReactionCodec } from '@xmtp/content-type-reaction'
import { ReplyCodec as OfficialReplyCodec } from '@xmtp/content-type-reply'
import {
  ContentTypeText as OfficialContentTypeText,
  TextCodec as OfficialTextCodec,
} from '@xmtp/content-type-text'
import { TransactionReferenceCodec as OfficialTransactionReferenceCodec } from '@xmtp/content-type-transaction-reference'
import * as libxmtp from '@xmtp/node-bindings'
import { mlsTranscriptMessages, content as protoContent } from '@xmtp/proto'
import { DeleteMessageCodec } from '../src/delete-message/deleteMessage.ts'
import { encodeEncodedContent } from '../src/encodedContent.ts'
import { LeaveRequestCodec } from '../src/leave-request/leaveRequest.ts'
import { encryptAttachment } from '../src/remote-attachment/encryption.ts'
import { toVectorJson } from '../src/vectorJson.ts'

const outDir = new URL('../../../vectors/content-types/', import.meta.url)
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex')
const utf8 = (s: string) => new TextEncoder().encode(s)

interface Id {
  authorityId: string
  typeId: string
  versionMajor: number
  versionMinor: number
}
const id = (authorityId: string, typeId: string, versionMajor = 1): Id => ({
  authorityId,
  typeId,
  versionMajor,
  versionMinor: 0,
})
const ids = {
  text: id('xmtp.org', 'text'),
  markdown: id('xmtp.org', 'markdown'),
  reaction1: id('xmtp.org', 'reaction'),
  reaction2: id('xmtp.org', 'reaction', 2),
  reply: id('xmtp.org', 'reply'),
  readReceipt: id('xmtp.org', 'readReceipt'),
  attachment: id('xmtp.org', 'attachment'),
  remote: id('xmtp.org', 'remoteStaticAttachment'),
  multi: id('xmtp.org', 'multiRemoteStaticAttachment'),
  tx: id('xmtp.org', 'transactionReference'),
  wallet: id('xmtp.org', 'walletSendCalls'),
  actions: id('coinbase.com', 'actions'),
  intent: id('coinbase.com', 'intent'),
  deleteMessage: id('xmtp.org', 'deleteMessage'),
  leave: id('xmtp.org', 'leave_request'),
  groupUpdated: id('xmtp.org', 'group_updated'),
  membership: id('xmtp.org', 'group_membership_change'),
}

// biome-ignore lint/suspicious/noExplicitAny: official EncodedContent objects come in several declared shapes.
type Loose = any

/** Serializes an EncodedContent with the official @xmtp/proto encoder. */
function officialBytes(encoded: Loose): string {
  const { type, parameters, content, fallback, compression } = encoded
  const message: Loose = { type, parameters, content }
  if (fallback !== undefined && fallback !== null) message.fallback = fallback
  if (compression !== undefined && compression !== null) message.compression = compression
  return hex(protoContent.EncodedContent.encode(message).finish())
}
function raw(
  type: Id,
  content: Uint8Array,
  parameters: Record<string, string> = {},
  extra: Loose = {},
): string {
  return officialBytes({ type, parameters, content, ...extra })
}

interface Case {
  description: string
  encoder?: string
  encodedContent: string
  decoded?: unknown
  fallback?: string
  options?: Record<string, unknown>
  valid: boolean
  error?: string
}
const valid = (description: string, encoder: string, encodedContent: string, decoded: unknown): Case => ({
  description,
  encoder,
  encodedContent,
  decoded: toVectorJson(decoded),
  valid: true,
})
const invalid = (
  description: string,
  encodedContent: string,
  error: string,
  options?: Record<string, unknown>,
): Case => ({
  description,
  encodedContent,
  valid: false,
  error: `ContentType::${error}`,
  ...(options === undefined ? {} : { options }),
})

function write(name: string, description: string, cases: Case[]): void {
  const file = {
    description,
    generator:
      'packages/content-types/test/generateVectors.ts (libxmtp 1.9.1 via @xmtp/node-bindings, official @xmtp/content-type-* codecs, @xmtp/proto 3.96.0)',
    format:
      'encodedContent: hex EncodedContent protobuf (content.proto); decoded: the value our codec returns (bytes {"$bytes": hex}, dates {"$date": iso}, ids {"$contentType": s}); options: decode limits',
    cases,
  }
  // Written beside the reviewed file as *.new.json (vectors/README.md): `pnpm vectors --accept` replaces it.
  writeFileSync(new URL(name.replace(/\.json$/, '.new.json'), outDir), `${JSON.stringify(file, null, 2)}\n`)
}

const lib = (e: libxmtp.EncodedContent) => officialBytes(e)
const truncated = (h: string, n = 2) => h.slice(0, h.length - 2 * n)

// text / markdown
const textBytes = lib(libxmtp.encodeText('gm 👋'))
write('text.v1.json', 'xmtp.org/text:1.0', [
  valid('libxmtp text', 'libxmtp encodeText', textBytes, 'gm 👋'),
  valid(
    'official JS text',
    '@xmtp/content-type-text',
    officialBytes(new OfficialTextCodec().encode('héllo')),
    'héllo',
  ),
  valid('empty text', 'libxmtp encodeText', lib(libxmtp.encodeText('')), ''),
  valid(
    'no encoding parameter defaults to UTF-8 (libxmtp text.rs)',
    'hand-made',
    raw(ids.text, utf8('hi')),
    'hi',
  ),
  invalid(
    'malformed UTF-8',
    raw(ids.text, new Uint8Array([0xc3, 0x28]), { encoding: 'UTF-8' }),
    'InvalidUtf8',
  ),
  invalid(
    'encoding other than UTF-8',
    raw(ids.text, utf8('hi'), { encoding: 'ISO-8859-1' }),
    'UnsupportedEncoding',
  ),
  invalid('truncated protobuf', truncated(textBytes), 'MalformedProtobuf'),
  invalid('not protobuf at all', hex(utf8('{"text":"gm"}')), 'MalformedProtobuf'),
  invalid(
    'EncodedContent without a type',
    hex(new Uint8Array([0x22, 0x02, 0x68, 0x69])),
    'InvalidContentTypeId',
  ),
  invalid('larger than the caller limit', textBytes, 'ContentTooLarge', { maxBytes: 8 }),
])
write('markdown.v1.json', 'xmtp.org/markdown:1.0', [
  valid(
    'libxmtp markdown',
    'libxmtp encodeMarkdown',
    lib(libxmtp.encodeMarkdown('# Hi\n*there*')),
    '# Hi\n*there*',
  ),
  invalid('malformed UTF-8', raw(ids.markdown, new Uint8Array([0xff]), { encoding: 'UTF-8' }), 'InvalidUtf8'),
])

// reaction
const r1 = {
  reference: 'ab'.repeat(32),
  referenceInboxId: 'cd'.repeat(32),
  action: 'added',
  content: '👍',
  schema: 'unicode',
} as const
write('reaction.v1.json', 'xmtp.org/reaction:1.0 (JSON)', [
  valid(
    'official JS reaction',
    '@xmtp/content-type-reaction',
    officialBytes(new OfficialReactionCodec().encode(r1)),
    r1,
  ),
  valid(
    'oldest form: fields in parameters, emoji as text',
    'hand-made',
    raw(ids.reaction1, utf8('🎉'), { action: 'removed', reference: 'ef', schema: 'unicode' }),
    { reference: 'ef', action: 'removed', content: '🎉', schema: 'unicode' },
  ),
  invalid('bad JSON without legacy parameters', raw(ids.reaction1, utf8('{"action":')), 'InvalidJson'),
  invalid(
    'unknown action',
    raw(ids.reaction1, utf8('{"action":"liked","reference":"ab","schema":"unicode","content":"x"}')),
    'SchemaMismatch',
  ),
  invalid(
    'missing reference',
    raw(ids.reaction1, utf8('{"action":"added","schema":"unicode","content":"x"}')),
    'SchemaMismatch',
  ),
])
const r2 = { reference: '01'.repeat(32), action: 'removed', content: ':tada:', schema: 'shortcode' } as const
const r2Bytes = lib(
  libxmtp.encodeReaction({
    reference: r2.reference,
    referenceInboxId: '',
    action: 2 as Loose,
    content: r2.content,
    schema: 2 as Loose,
  }),
)
write('reaction.v2.json', 'xmtp.org/reaction:2.0 (protobuf ReactionV2)', [
  {
    ...valid('libxmtp reaction', 'libxmtp encodeReaction', r2Bytes, r2),
    fallback: 'Removed ":tada:" from an earlier message',
  },
  invalid(
    'UNSPECIFIED action',
    raw(ids.reaction2, Buffer.from('0a02616218002201782801', 'hex')),
    'SchemaMismatch',
  ),
  invalid(
    'unknown schema value 9',
    raw(ids.reaction2, Buffer.from('0a02616218012201782809', 'hex')),
    'SchemaMismatch',
  ),
  invalid('truncated ReactionV2', raw(ids.reaction2, Buffer.from('0a0561', 'hex')), 'MalformedProtobuf'),
])

// reply
const officialRegistry = { codecFor: () => new OfficialTextCodec() } as Loose
const reply = new OfficialReplyCodec().encode(
  {
    reference: 'aa'.repeat(32),
    referenceInboxId: 'bb'.repeat(32),
    contentType: OfficialContentTypeText,
    content: 'sounds good',
  },
  officialRegistry,
)
const innerText = hex(
  encodeEncodedContent({ type: ids.text, parameters: { encoding: 'UTF-8' }, content: utf8('x') }),
)
write('reply.v1.json', 'xmtp.org/reply:1.0 wrapping text', [
  valid('official JS reply to text', '@xmtp/content-type-reply', officialBytes(reply), {
    reference: 'aa'.repeat(32),
    referenceInboxId: 'bb'.repeat(32),
    contentType: OfficialContentTypeText,
    content: 'sounds good',
  }),
  invalid(
    'missing reference parameter',
    raw(ids.reply, Buffer.from(innerText, 'hex'), { contentType: 'xmtp.org/text:1.0' }),
    'InvalidParameter',
  ),
  invalid(
    'truncated inner EncodedContent',
    raw(ids.reply, Buffer.from(truncated(innerText), 'hex'), { reference: 'aa' }),
    'MalformedProtobuf',
  ),
  invalid(
    'inner type unknown and no fallback',
    raw(
      ids.reply,
      encodeEncodedContent({ type: id('example.com', 'poll'), parameters: {}, content: utf8('?') }),
      { reference: 'aa' },
    ),
    'UnknownContentType',
  ),
])

write('read-receipt.v1.json', 'xmtp.org/readReceipt:1.0', [
  valid('libxmtp read receipt', 'libxmtp encodeReadReceipt', lib(libxmtp.encodeReadReceipt({})), {}),
])

// attachments
const attachment = { filename: 'hello.txt', mimeType: 'text/plain', data: utf8('hello attachment') }
write('attachment.v1.json', 'xmtp.org/attachment:1.0', [
  {
    ...valid(
      'libxmtp attachment',
      'libxmtp encodeAttachment',
      lib(libxmtp.encodeAttachment({ ...attachment, content: attachment.data })),
      attachment,
    ),
    fallback: "Can't display hello.txt. This app doesn't support attachments.",
  },
  invalid('missing mimeType', raw(ids.attachment, utf8('x'), { filename: 'a' }), 'InvalidParameter'),
])

const enc = libxmtp.encryptAttachment({ ...attachment, content: attachment.data })
const remote = {
  url: 'https://cdn.example/hello',
  contentDigest: enc.contentDigest,
  salt: enc.salt,
  nonce: enc.nonce,
  secret: enc.secret,
  scheme: 'https://',
  contentLength: enc.contentLength,
  filename: 'hello.txt',
}
const remoteBytes = lib(libxmtp.encodeRemoteAttachment(remote))
const remoteParams = (patch: Record<string, string>) => ({
  contentDigest: enc.contentDigest,
  salt: hex(enc.salt),
  nonce: hex(enc.nonce),
  secret: hex(enc.secret),
  scheme: 'https://',
  ...patch,
})
write('remote-attachment.v1.json', 'xmtp.org/remoteStaticAttachment:1.0', [
  valid('libxmtp remote attachment', 'libxmtp encodeRemoteAttachment', remoteBytes, remote),
  invalid(
    'salt is not hex',
    raw(ids.remote, utf8(remote.url), remoteParams({ salt: 'zz' })),
    'InvalidParameter',
  ),
  invalid(
    'digest is not 64 hex digits',
    raw(ids.remote, utf8(remote.url), remoteParams({ contentDigest: 'abc' })),
    'InvalidParameter',
  ),
  invalid(
    'contentLength is not decimal',
    raw(ids.remote, utf8(remote.url), remoteParams({ contentLength: '1e3' })),
    'InvalidParameter',
  ),
])

// Encryption: payload + key material -> attachment.
const fixedKeys = {
  secret: new Uint8Array(32).fill(7),
  salt: new Uint8Array(32).fill(8),
  nonce: new Uint8Array(12).fill(9),
}
const ours = await encryptAttachment(attachment, fixedKeys)
const tampered = ours.payload.slice()
tampered[3] = (tampered[3] as number) ^ 0x01
const encCase = (
  description: string,
  encoder: string | undefined,
  p: Uint8Array,
  k: Loose,
  extra: Loose,
) => ({
  description,
  ...(encoder === undefined ? {} : { encoder }),
  payload: hex(p),
  contentDigest: k.contentDigest,
  secret: hex(k.secret),
  salt: hex(k.salt),
  nonce: hex(k.nonce),
  ...extra,
})
writeFileSync(
  new URL('remote-attachment-encryption.new.json', outDir),
  `${JSON.stringify(
    {
      description:
        'Remote attachment encryption (mls-groups.md §6.3): HKDF-SHA256(secret, salt, info empty) -> AES-256-GCM key; payload = ciphertext || tag; contentDigest = hex SHA-256(payload), checked first',
      generator: 'packages/content-types/test/generateVectors.ts',
      cases: [
        encCase('libxmtp encryptAttachment', 'libxmtp encryptAttachment', enc.payload, enc, {
          decoded: toVectorJson(attachment),
          valid: true,
        }),
        encCase(
          'fixed keys (xmtp-lite; libxmtp decrypts it in conformance.test.ts)',
          'xmtp-lite',
          ours.payload,
          ours,
          {
            decoded: toVectorJson(attachment),
            valid: true,
          },
        ),
        encCase('payload tampered: digest mismatch', undefined, tampered, ours, {
          valid: false,
          error: 'ContentType::DigestMismatch',
        }),
        encCase(
          'wrong secret',
          undefined,
          ours.payload,
          { ...ours, secret: new Uint8Array(32).fill(1) },
          {
            valid: false,
            error: 'ContentType::DecryptionFailed',
          },
        ),
        encCase(
          'wrong nonce',
          undefined,
          ours.payload,
          { ...ours, nonce: new Uint8Array(12) },
          {
            valid: false,
            error: 'ContentType::DecryptionFailed',
          },
        ),
        encCase(
          'salt of the wrong length',
          undefined,
          ours.payload,
          { ...ours, salt: new Uint8Array(16) },
          {
            valid: false,
            error: 'ContentType::InvalidParameter',
          },
        ),
        encCase('payload larger than the download limit', undefined, ours.payload, ours, {
          options: { maxBytes: 16 },
          valid: false,
          error: 'ContentType::ContentTooLarge',
        }),
      ],
    },
    null,
    2,
  )}\n`,
)

const multi = {
  attachments: [
    remote,
    {
      url: 'https://cdn.example/2',
      contentDigest: 'ee'.repeat(32),
      salt: enc.salt,
      nonce: enc.nonce,
      secret: enc.secret,
      scheme: 'https://',
    },
  ],
}
write('multi-remote-attachment.v1.json', 'xmtp.org/multiRemoteStaticAttachment:1.0', [
  {
    ...valid(
      'libxmtp multi remote attachment',
      'libxmtp encodeMultiRemoteAttachment',
      lib(libxmtp.encodeMultiRemoteAttachment(multi)),
      multi,
    ),
    fallback: "Can't display this content. This app doesn't support multiple remote attachments.",
  },
  invalid('truncated MultiRemoteAttachment', raw(ids.multi, Buffer.from('0a20', 'hex')), 'MalformedProtobuf'),
])

// JSON types
const tx = {
  namespace: 'eip155',
  networkId: '8453',
  reference: `0x${'ab'.repeat(32)}`,
  metadata: {
    transactionType: 'transfer',
    currency: 'USDC',
    amount: 0.5,
    decimals: 6,
    fromAddress: '0x1',
    toAddress: '0x2',
  },
}
write('transaction-reference.v1.json', 'xmtp.org/transactionReference:1.0', [
  valid(
    'libxmtp transaction reference',
    'libxmtp encodeTransactionReference',
    lib(libxmtp.encodeTransactionReference(tx)),
    tx,
  ),
  valid(
    'official JS with a numeric networkId',
    '@xmtp/content-type-transaction-reference',
    officialBytes(new OfficialTransactionReferenceCodec().encode({ networkId: 1, reference: '0xbeef' })),
    { networkId: 1, reference: '0xbeef' },
  ),
  invalid('bad JSON', raw(ids.tx, utf8('{"networkId":1,')), 'InvalidJson'),
  invalid(
    'networkId is a boolean',
    raw(ids.tx, utf8('{"networkId":true,"reference":"0x"}')),
    'SchemaMismatch',
  ),
  invalid(
    'metadata.amount is a string',
    raw(
      ids.tx,
      utf8(
        '{"networkId":"1","reference":"0x","metadata":{"transactionType":"t","currency":"c","amount":"1","decimals":1,"fromAddress":"a","toAddress":"b"}}',
      ),
    ),
    'SchemaMismatch',
  ),
])
const wallet = {
  version: '1.0',
  chainId: '0x2105',
  from: '0x1234',
  calls: [{ to: '0x5678', value: '0x1', metadata: { description: 'Send', transactionType: 'transfer' } }],
}
write('wallet-send-calls.v1.json', 'xmtp.org/walletSendCalls:1.0', [
  valid(
    'libxmtp wallet send calls',
    'libxmtp encodeWalletSendCalls',
    lib(libxmtp.encodeWalletSendCalls(wallet)),
    wallet,
  ),
  invalid(
    'calls missing',
    raw(ids.wallet, utf8('{"version":"1","chainId":"0x1","from":"0x1"}')),
    'SchemaMismatch',
  ),
  invalid('not UTF-8', raw(ids.wallet, new Uint8Array([0xfe, 0xff])), 'InvalidUtf8'),
])
const actionsValue = {
  id: 'lunch',
  description: 'Where to eat?',
  actions: [
    { id: 'a', label: 'Tacos', style: 'primary' },
    {
      id: 'b',
      label: 'Sushi',
      imageUrl: 'https://img.example/s.png',
      expiresAt: new Date('2026-01-02T03:04:05.678Z'),
    },
  ],
  expiresAt: new Date('2026-01-03T00:00:00.000Z'),
}
write('actions.v1.json', 'coinbase.com/actions:1.0', [
  {
    ...valid(
      'libxmtp actions',
      'libxmtp encodeActions',
      lib(
        libxmtp.encodeActions({
          id: 'lunch',
          description: 'Where to eat?',
          actions: [
            { id: 'a', label: 'Tacos', style: 0 as Loose },
            {
              id: 'b',
              label: 'Sushi',
              imageUrl: 'https://img.example/s.png',
              expiresAtNs: 1767323045678000000n,
            },
          ],
          expiresAtNs: 1767398400000000000n,
        }),
      ),
      actionsValue,
    ),
    fallback: 'Where to eat?\n\n[1] Tacos\n[2] Sushi\n\nReply with the number to select',
  },
  invalid(
    'unknown style',
    raw(ids.actions, utf8('{"id":"x","description":"d","actions":[{"id":"a","label":"A","style":"loud"}]}')),
    'SchemaMismatch',
  ),
  invalid(
    'expiresAt not RFC 3339',
    raw(ids.actions, utf8('{"id":"x","description":"d","actions":[],"expiresAt":"tomorrow"}')),
    'SchemaMismatch',
  ),
  invalid('bad JSON', raw(ids.actions, utf8('{"id":"x"')), 'InvalidJson'),
])
const intent = { id: 'lunch', actionId: 'a', metadata: { note: 'extra salsa' } }
write('intent.v1.json', 'coinbase.com/intent:1.0', [
  {
    ...valid('libxmtp intent', 'libxmtp encodeIntent', lib(libxmtp.encodeIntent(intent)), intent),
    fallback: 'User selected action: a',
  },
  invalid('actionId missing', raw(ids.intent, utf8('{"id":"lunch"}')), 'SchemaMismatch'),
  invalid(
    'metadata is an array',
    raw(ids.intent, utf8('{"id":"l","actionId":"a","metadata":[]}')),
    'SchemaMismatch',
  ),
])

// protobuf types without an official JS encoder
write(
  'delete-message.v1.json',
  'xmtp.org/deleteMessage:1.0 (no official JS codec: encoded by xmtp-lite, bytes checked against delete_message.proto)',
  [
    valid(
      'delete',
      'xmtp-lite',
      officialBytes(new DeleteMessageCodec().encode({ messageId: 'ab'.repeat(32) })),
      { messageId: 'ab'.repeat(32) },
    ),
    invalid('empty message id', raw(ids.deleteMessage, new Uint8Array()), 'SchemaMismatch'),
    invalid('truncated', raw(ids.deleteMessage, Buffer.from('0a40abab', 'hex')), 'MalformedProtobuf'),
  ],
)
write(
  'leave-request.v1.json',
  'xmtp.org/leave_request:1.0 (no official JS codec: encoded by xmtp-lite, bytes checked against leave_request.proto)',
  [
    valid(
      'leave request without a note (what libxmtp sends)',
      'xmtp-lite',
      officialBytes(new LeaveRequestCodec().encode({})),
      {},
    ),
    invalid('truncated note', raw(ids.leave, Buffer.from('0a05ff', 'hex')), 'MalformedProtobuf'),
  ],
)
const gu = {
  initiatedByInboxId: 'a1'.repeat(32),
  addedInboxes: [{ inboxId: 'b2'.repeat(32) }],
  removedInboxes: [],
  metadataFieldChanges: [{ fieldName: 'group_name', oldValue: 'Old', newValue: 'New' }],
  leftInboxes: [{ inboxId: 'c3'.repeat(32) }],
  addedAdminInboxes: [],
  removedAdminInboxes: [],
  addedSuperAdminInboxes: [{ inboxId: 'd4'.repeat(32) }],
  removedSuperAdminInboxes: [],
}
write('group-updated.v1.json', 'xmtp.org/group_updated:1.0', [
  valid(
    'GroupUpdated from @xmtp/proto',
    '@xmtp/proto 3.96.0 GroupUpdated',
    raw(ids.groupUpdated, mlsTranscriptMessages.GroupUpdated.encode(gu).finish()),
    gu,
  ),
  invalid('truncated', raw(ids.groupUpdated, Buffer.from('0a40a1a1', 'hex')), 'MalformedProtobuf'),
])
const mc = {
  membersAdded: [
    { installationIds: [new Uint8Array([1, 2, 3])], accountAddress: '0xa', initiatedByAccountAddress: '0xb' },
  ],
  membersRemoved: [],
  installationsAdded: [],
  installationsRemoved: [],
}
write('group-membership-change.v1.json', 'xmtp.org/group_membership_change:1.0 (legacy)', [
  valid(
    'GroupMembershipChanges from @xmtp/proto',
    '@xmtp/proto 3.96.0',
    raw(ids.membership, mlsTranscriptMessages.GroupMembershipChanges.encode(mc).finish()),
    mc,
  ),
  invalid('wrong wire type', raw(ids.membership, Buffer.from('0f', 'hex')), 'MalformedProtobuf'),
])

// compression and unknown types
const long = 'hello compressed XMTP '.repeat(50)
const textParams = { encoding: 'UTF-8' }
write(
  'compression.json',
  'EncodedContent.compression (mls-groups.md §6.2): DEFLATE 0 = zlib-wrapped, GZIP 1; 16 MiB cap on decompressed size',
  [
    valid(
      'deflate (zlib) from node:zlib',
      'node:zlib deflateSync',
      raw(ids.text, deflateSync(utf8(long)), textParams, { compression: 0 }),
      long,
    ),
    valid(
      'gzip from node:zlib',
      'node:zlib gzipSync',
      raw(ids.text, gzipSync(utf8(long)), textParams, { compression: 1 }),
      long,
    ),
    valid(
      'raw deflate labelled DEFLATE (accepted as libxmtp does)',
      'node:zlib deflateRawSync',
      raw(ids.text, deflateRawSync(utf8(long)), textParams, { compression: 0 }),
      long,
    ),
    invalid(
      'deflate bomb: 16 MiB + 1 of "A"',
      raw(ids.text, deflateSync(Buffer.alloc(16 * 1024 * 1024 + 1, 0x41), { level: 9 }), textParams, {
        compression: 0,
      }),
      'DecompressedTooLarge',
    ),
    invalid(
      'gzip bomb under a 64 KiB cap',
      raw(ids.text, gzipSync(Buffer.alloc(1024 * 1024), { level: 9 }), textParams, { compression: 1 }),
      'DecompressedTooLarge',
      {
        maxDecompressedBytes: 65536,
      },
    ),
    invalid(
      'corrupt gzip',
      raw(ids.text, new Uint8Array([0x1f, 0x8b, 8, 0, 1, 2, 3]), textParams, { compression: 1 }),
      'DecompressionFailed',
    ),
    invalid(
      'truncated deflate',
      raw(ids.text, deflateSync(utf8(long)).subarray(0, 12), textParams, { compression: 0 }),
      'DecompressionFailed',
    ),
    invalid(
      'unknown compression value 7',
      raw(ids.text, utf8('hi'), textParams, { compression: 7 }),
      'UnknownCompression',
    ),
  ],
)
write('unknown-type.json', 'Content types without a registered codec', [
  {
    ...valid(
      'unknown type with fallback text',
      'hand-made',
      raw(id('example.com', 'poll'), utf8('?'), {}, { fallback: 'Poll: lunch?' }),
      'Poll: lunch?',
    ),
    fallback: 'Poll: lunch?',
  },
  invalid('unknown type without fallback', raw(id('example.com', 'poll'), utf8('?')), 'UnknownContentType'),
  invalid(
    'known type, unknown major version, no fallback',
    raw(id('xmtp.org', 'text', 9), utf8('?')),
    'UnknownContentType',
  ),
])
console.log('vectors written')
