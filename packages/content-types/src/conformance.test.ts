/**
 * Conformance against codecs nobody here wrote, in both directions, through the wire bytes:
 * - the official JS codecs (`@xmtp/content-type-*`), serialized with the official `@xmtp/proto`;
 * - libxmtp itself (`@xmtp/node-bindings` 1.9.1, the Rust codecs behind the official SDKs), whose encoders
 *   also give the exact fallback texts and JSON bytes;
 * - the official `@xmtp/proto` decoders for the protobuf payloads.
 * @module
 */
import { createServer, type Server } from 'node:http'
import { createRequire } from 'node:module'
import type { AddressInfo } from 'node:net'
import { dirname, join } from 'node:path'
import { GroupUpdatedCodec as OfficialGroupUpdatedCodec } from '@xmtp/content-type-group-updated'
import { MarkdownCodec as OfficialMarkdownCodec } from '@xmtp/content-type-markdown'
import { ReactionCodec as OfficialReactionCodec } from '@xmtp/content-type-reaction'
import { ReadReceiptCodec as OfficialReadReceiptCodec } from '@xmtp/content-type-read-receipt'
import {
  AttachmentCodec as OfficialAttachmentCodec,
  RemoteAttachmentCodec as OfficialRemoteAttachmentCodec,
} from '@xmtp/content-type-remote-attachment'
import { ReplyCodec as OfficialReplyCodec } from '@xmtp/content-type-reply'
import {
  ContentTypeText as OfficialContentTypeText,
  TextCodec as OfficialTextCodec,
} from '@xmtp/content-type-text'
import { TransactionReferenceCodec as OfficialTransactionReferenceCodec } from '@xmtp/content-type-transaction-reference'
import { WalletSendCallsCodec as OfficialWalletSendCallsCodec } from '@xmtp/content-type-wallet-send-calls'
import * as libxmtp from '@xmtp/node-bindings'
import { mlsTranscriptMessages, content as protoContent } from '@xmtp/proto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Actions, ActionsCodec } from './actions/actions.ts'
import { AttachmentCodec } from './attachment/attachment.ts'
import type { EncodedContent } from './codec.ts'
import { decodeEncodedContent, encodeEncodedContent } from './encodedContent.ts'
import { GroupMembershipChangeCodec } from './group-membership-change/groupMembershipChange.ts'
import { emptyGroupUpdated, type GroupUpdated, GroupUpdatedCodec } from './group-updated/groupUpdated.ts'
import { IntentCodec } from './intent/intent.ts'
import { MarkdownCodec } from './markdown/markdown.ts'
import { MultiRemoteAttachmentCodec } from './multi-remote-attachment/multiRemoteAttachment.ts'
import { type Reaction, ReactionCodec } from './reaction/reaction.ts'
import { ReactionV2Codec } from './reaction/reactionV2.ts'
import { ReadReceiptCodec } from './read-receipt/readReceipt.ts'
import { ContentCodecRegistry } from './registry.ts'
import { decryptAttachment, encryptAttachment } from './remote-attachment/encryption.ts'
import { loadRemoteAttachment } from './remote-attachment/fetch.ts'
import { type RemoteAttachment, RemoteAttachmentCodec } from './remote-attachment/remoteAttachment.ts'
import { ContentTypeReply, ReplyCodec } from './reply/reply.ts'
import { ContentTypeText, TextCodec } from './text/text.ts'
import {
  type TransactionReference,
  TransactionReferenceCodec,
} from './transaction-reference/transactionReference.ts'
import { WalletSendCallsCodec, type WalletSendCallsParams } from './wallet-send-calls/walletSendCalls.ts'

const require = createRequire(import.meta.url)
// The official generated decoders not re-exported by @xmtp/proto's index (interop.md: load them by path).
const protoDir = dirname(require.resolve('@xmtp/proto'))
const reactionPb = require(join(protoDir, 'mls/message_contents/content_types/reaction.pb.js'))
const multiPb = require(join(protoDir, 'mls/message_contents/content_types/multi_remote_attachment.pb.js'))

// biome-ignore lint/suspicious/noExplicitAny: official EncodedContent objects come in several declared shapes.
type Loose = any

/** Our EncodedContent -> wire bytes -> the official @xmtp/proto decoder. */
function toOfficial(encoded: EncodedContent): Loose {
  return protoContent.EncodedContent.decode(encodeEncodedContent(encoded))
}
/** An official EncodedContent -> the official @xmtp/proto encoder -> our decoder. */
function fromOfficial(encoded: Loose): EncodedContent {
  return decodeEncodedContent(protoContent.EncodedContent.encode(encoded).finish())
}
/** A libxmtp EncodedContent object -> our bytes -> our decoder (libxmtp returns plain objects). */
function fromLibxmtp(encoded: libxmtp.EncodedContent): EncodedContent {
  const { type, parameters, content, fallback, compression } = encoded
  if (type === undefined) throw new Error('libxmtp returned no type')
  return decodeEncodedContent(
    encodeEncodedContent({
      type,
      parameters,
      content,
      ...(fallback === undefined || fallback === null ? {} : { fallback }),
      ...(compression === undefined || compression === null ? {} : { compression }),
    }),
  )
}

const texts = ['', 'gm', 'héllo wörld 👋🏽 — 日本語', 'x'.repeat(1024)]

describe('text and markdown', () => {
  it.each(texts)('text %#: ours <-> official JS <-> libxmtp', (s) => {
    const ours = new TextCodec()
    const official = new OfficialTextCodec()
    expect(official.decode(toOfficial(ours.encode(s)))).toBe(s)
    expect(ours.decode(fromOfficial(official.encode(s)))).toBe(s)
    const lib = fromLibxmtp(libxmtp.encodeText(s))
    expect(ours.decode(lib)).toBe(s)
    expect(lib.fallback).toBeUndefined()
    // Byte-identical EncodedContent to the official JS codec's.
    const theirBytes = protoContent.EncodedContent.encode(official.encode(s)).finish()
    expect(Buffer.from(encodeEncodedContent(ours.encode(s))).toString('hex')).toBe(
      Buffer.from(theirBytes).toString('hex'),
    )
  })

  it.each(texts)('markdown %#: ours <-> official JS <-> libxmtp', (s) => {
    const ours = new MarkdownCodec()
    const official = new OfficialMarkdownCodec()
    expect(official.decode(toOfficial(ours.encode(s)))).toBe(s)
    expect(ours.decode(fromOfficial(official.encode(s)))).toBe(s)
    expect(ours.decode(fromLibxmtp(libxmtp.encodeMarkdown(s)))).toBe(s)
  })
})

const reactions: Reaction[] = [
  { reference: 'ab'.repeat(32), action: 'added', content: '👍', schema: 'unicode' },
  {
    reference: 'cd'.repeat(32),
    referenceInboxId: 'ef'.repeat(32),
    action: 'removed',
    content: ':smile:',
    schema: 'shortcode',
  },
  { reference: '01'.repeat(32), action: 'added', content: 'party-parrot', schema: 'custom' },
]
const libAction = { added: 1, removed: 2 } as const
const libSchema = { unicode: 1, shortcode: 2, custom: 3 } as const

describe('reaction', () => {
  it.each(reactions)('JSON 1.0 %#: ours <-> official JS', (r) => {
    const ours = new ReactionCodec()
    const official = new OfficialReactionCodec()
    expect(official.decode(toOfficial(ours.encode(r)))).toEqual(r)
    expect(ours.decode(fromOfficial(official.encode(r)))).toEqual(r)
  })

  it.each(reactions)(
    'protobuf 2.0 %#: libxmtp -> ours (with its fallback), ours -> official decoder',
    (r) => {
      const ours = new ReactionV2Codec()
      const lib = fromLibxmtp(
        libxmtp.encodeReaction({
          reference: r.reference,
          referenceInboxId: r.referenceInboxId ?? '',
          action: libAction[r.action] as unknown as libxmtp.ReactionAction,
          content: r.content,
          schema: libSchema[r.schema] as unknown as libxmtp.ReactionSchema,
        }),
      )
      expect(lib.type).toMatchObject({ typeId: 'reaction', versionMajor: 2 })
      expect(ours.decode(lib)).toEqual(r)
      expect(ours.fallback(r)).toBe(lib.fallback)
      expect(new ReactionCodec().fallback(r)).toBe(lib.fallback)
      const decoded = reactionPb.ReactionV2.decode(toOfficial(ours.encode(r)).content)
      expect(decoded).toMatchObject({
        reference: r.reference,
        referenceInboxId: r.referenceInboxId ?? '',
        action: libAction[r.action],
        content: r.content,
        schema: libSchema[r.schema],
      })
    },
  )
})

describe('reply', () => {
  const registry = new ContentCodecRegistry([new TextCodec(), new ReplyCodec(), new ReactionCodec()])
  const officialText = new OfficialTextCodec()
  const officialReaction = new OfficialReactionCodec()
  const officialRegistry = {
    codecFor: (id: Loose) =>
      id.typeId === 'text' ? officialText : id.typeId === 'reaction' ? officialReaction : undefined,
  } as Loose

  it('text reply: ours -> official JS and back', () => {
    const reply = {
      reference: 'ab'.repeat(32),
      referenceInboxId: 'cd'.repeat(32),
      contentType: ContentTypeText,
      content: 'sure',
    }
    const theirs = new OfficialReplyCodec().decode(
      toOfficial(registry.encode(reply, ContentTypeReply)),
      officialRegistry,
    )
    expect(theirs.reference).toBe(reply.reference)
    expect(theirs.referenceInboxId).toBe(reply.referenceInboxId)
    expect(theirs.contentType.toString()).toBe('xmtp.org/text:1.0')
    expect(theirs.content).toBe('sure')
    const official = new OfficialReplyCodec().encode(
      { reference: 'ef'.repeat(32), contentType: OfficialContentTypeText, content: 'ok 👌' },
      officialRegistry,
    )
    const ours = registry.decode(fromOfficial(official)).content
    expect(ours).toEqual({ reference: 'ef'.repeat(32), contentType: ContentTypeText, content: 'ok 👌' })
  })

  it('a reply wrapping a reaction, both directions', () => {
    const reaction = reactions[1] as Reaction
    const OfficialContentTypeId = OfficialContentTypeText.constructor as new (fields: Loose) => Loose
    const reactionType = new OfficialContentTypeId({
      authorityId: 'xmtp.org',
      typeId: 'reaction',
      versionMajor: 1,
      versionMinor: 0,
    })
    const official = new OfficialReplyCodec().encode(
      { reference: 'aa', contentType: reactionType, content: reaction },
      officialRegistry,
    )
    expect((registry.decode(fromOfficial(official)).content as Loose).content).toEqual(reaction)
    const ours = registry.encode(
      { reference: 'aa', contentType: new ReactionCodec().contentType, content: reaction },
      ContentTypeReply,
    )
    expect(new OfficialReplyCodec().decode(toOfficial(ours), officialRegistry).content).toEqual(reaction)
  })
})

describe('read receipt', () => {
  it('ours <-> official JS <-> libxmtp', () => {
    const ours = new ReadReceiptCodec()
    expect(new OfficialReadReceiptCodec().decode()).toEqual(
      ours.decode(fromOfficial(new OfficialReadReceiptCodec().encode())),
    )
    expect(toOfficial(ours.encode()).content.length).toBe(0)
    const lib = fromLibxmtp(libxmtp.encodeReadReceipt({}))
    expect(ours.decode(lib)).toEqual({})
    expect(lib.fallback).toBeUndefined()
  })
})

const attachment = {
  filename: 'photo.jpg',
  mimeType: 'image/jpeg',
  data: new Uint8Array([0xff, 0xd8, 0xff, 0, 1, 2, 3]),
}

describe('attachment and remote attachment', () => {
  it('inline attachment: ours <-> official JS <-> libxmtp (with its fallback)', () => {
    const ours = new AttachmentCodec()
    const official = new OfficialAttachmentCodec()
    const theirs = official.decode(toOfficial(ours.encode(attachment)))
    expect({ ...theirs, data: new Uint8Array(theirs.data) }).toEqual(attachment)
    expect(ours.decode(fromOfficial(official.encode(attachment)))).toEqual(attachment)
    for (const a of [attachment, { mimeType: 'text/plain', data: new Uint8Array([104]) }]) {
      const lib = fromLibxmtp(libxmtp.encodeAttachment({ ...a, content: a.data }))
      expect(ours.decode(lib)).toEqual(a)
      expect(ours.fallback(a)).toBe(lib.fallback)
    }
  })

  it('remote attachment parameters: ours <-> official JS <-> libxmtp', async () => {
    const enc = await encryptAttachment(attachment)
    const remote: RemoteAttachment = {
      url: 'https://cdn.example/abc',
      contentDigest: enc.contentDigest,
      salt: enc.salt,
      nonce: enc.nonce,
      secret: enc.secret,
      scheme: 'https://',
      contentLength: enc.contentLength,
      filename: 'photo.jpg',
    }
    const ours = new RemoteAttachmentCodec()
    expect(new OfficialRemoteAttachmentCodec().decode(toOfficial(ours.encode(remote)))).toEqual(remote)
    expect(ours.decode(fromOfficial(new OfficialRemoteAttachmentCodec().encode(remote as Loose)))).toEqual(
      remote,
    )
    const lib = fromLibxmtp(libxmtp.encodeRemoteAttachment({ ...remote, contentLength: enc.contentLength }))
    expect(ours.decode(lib)).toEqual(remote)
    expect(ours.fallback(remote)).toBe(lib.fallback)
  })

  it('encryption: libxmtp encrypts, we decrypt; we encrypt, libxmtp decrypts', async () => {
    const theirs = libxmtp.encryptAttachment({ ...attachment, content: attachment.data })
    expect(await decryptAttachment(theirs.payload, theirs)).toEqual(attachment)
    const ours = await encryptAttachment(attachment)
    const back = libxmtp.decryptAttachment(ours.payload, {
      url: 'https://cdn.example/x',
      contentDigest: ours.contentDigest,
      secret: ours.secret,
      salt: ours.salt,
      nonce: ours.nonce,
      scheme: 'https://',
      contentLength: ours.contentLength,
    })
    expect({ filename: back.filename, mimeType: back.mimeType, data: back.content }).toEqual(attachment)
  })

  describe('with the official JS loader, over a real local HTTP server', () => {
    const bodies = new Map<string, Uint8Array>()
    let server: Server
    let base = ''
    beforeAll(async () => {
      server = createServer((req, res) => {
        const body = bodies.get(req.url ?? '')
        if (body === undefined) res.writeHead(404).end()
        else res.writeHead(200).end(body)
      })
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
      base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
    })
    afterAll(async () => {
      await new Promise<void>((resolve) => server.close(() => resolve()))
    })

    it('official load() opens what we encrypted, and we open what the official encodeEncrypted made', async () => {
      const ours = await encryptAttachment(attachment)
      bodies.set('/ours', ours.payload)
      const officialRegistry = { codecFor: () => new OfficialAttachmentCodec() } as Loose
      const loaded = await OfficialRemoteAttachmentCodec.load(
        { ...ours, url: `${base}/ours`, scheme: 'https://', filename: 'photo.jpg' } as Loose,
        officialRegistry,
      )
      expect(loaded).toEqual(attachment)
      const theirs = await OfficialRemoteAttachmentCodec.encodeEncrypted(
        attachment,
        new OfficialAttachmentCodec(),
      )
      bodies.set('/theirs', theirs.payload)
      const remote = {
        url: `${base}/theirs`,
        contentDigest: theirs.digest,
        secret: theirs.secret,
        salt: theirs.salt,
        nonce: theirs.nonce,
        scheme: 'https://',
      }
      expect(await loadRemoteAttachment(remote, { allowInsecureHttp: true })).toEqual(attachment)
    })
  })

  it('multi remote attachment: libxmtp -> ours (with its fallback), ours -> official decoder', async () => {
    const infos = await Promise.all(
      ['a.png', undefined].map(async (filename, i) => {
        const enc = await encryptAttachment({ ...attachment, data: new Uint8Array([i]) })
        const info: RemoteAttachment = {
          url: `https://cdn.example/${i}`,
          contentDigest: enc.contentDigest,
          secret: enc.secret,
          salt: enc.salt,
          nonce: enc.nonce,
          scheme: 'https://',
        }
        if (filename !== undefined) {
          info.filename = filename
          info.contentLength = enc.contentLength
        }
        return info
      }),
    )
    const ours = new MultiRemoteAttachmentCodec()
    const lib = fromLibxmtp(libxmtp.encodeMultiRemoteAttachment({ attachments: infos }))
    expect(ours.decode(lib)).toEqual({ attachments: infos })
    expect(ours.fallback()).toBe(lib.fallback)
    const decoded = multiPb.MultiRemoteAttachment.decode(
      toOfficial(ours.encode({ attachments: infos })).content,
    )
    expect(decoded.attachments.map((a: Loose) => ({ ...a }))).toEqual(
      infos.map((a) => ({ contentLength: undefined, filename: undefined, ...a })),
    )
  })
})

describe('transaction reference and wallet send calls', () => {
  const tx: TransactionReference = {
    namespace: 'eip155',
    networkId: '8453',
    reference: '0x'.padEnd(66, 'a'),
    metadata: {
      transactionType: 'transfer',
      currency: 'USDC',
      amount: 12.5,
      decimals: 6,
      fromAddress: '0x1',
      toAddress: '0x2',
    },
  }

  it('transaction reference: ours <-> official JS <-> libxmtp', () => {
    const ours = new TransactionReferenceCodec()
    const official = new OfficialTransactionReferenceCodec()
    for (const value of [tx, { networkId: 1, reference: '0xbeef' }]) {
      expect(official.decode(toOfficial(ours.encode(value)))).toEqual(value)
      expect(ours.decode(fromOfficial(official.encode(value)))).toEqual(value)
    }
    const lib = fromLibxmtp(libxmtp.encodeTransactionReference(tx as libxmtp.TransactionReference))
    expect(ours.decode(lib)).toEqual(tx)
    expect(ours.fallback(tx)).toBe(lib.fallback)
    // Same JSON bytes as libxmtp's serde output.
    expect(ours.encode(tx).content).toEqual(lib.content)
  })

  it('wallet send calls: ours <-> official JS <-> libxmtp', () => {
    const req: WalletSendCallsParams = {
      version: '1.0',
      chainId: '0x2105',
      from: '0x1234',
      calls: [
        {
          to: '0x5678',
          data: '0xa9059cbb',
          value: '0x0',
          gas: '0x5208',
          metadata: { description: 'Pay', transactionType: 'transfer' },
        },
      ],
      capabilities: { paymasterService: 'https://pm.example' },
    }
    const ours = new WalletSendCallsCodec()
    const official = new OfficialWalletSendCallsCodec()
    expect(official.decode(toOfficial(ours.encode(req)))).toEqual(req)
    expect(ours.decode(fromOfficial(official.encode(req)))).toEqual(req)
    const lib = fromLibxmtp(libxmtp.encodeWalletSendCalls(req))
    expect(ours.decode(lib)).toEqual(req)
    expect(ours.fallback(ours.decode(lib))).toBe(lib.fallback)
    expect(ours.encode(req).content).toEqual(lib.content)
  })
})

describe('actions and intent (libxmtp only: no official JS codec exists)', () => {
  const actions: Actions = {
    id: 'thanksgiving',
    description: 'Pick the main dish',
    actions: [
      { id: 'turkey', label: 'Turkey', imageUrl: 'https://img.example/t.jpg', style: 'primary' },
      {
        id: 'tofu',
        label: 'Tofu',
        style: 'danger',
        expiresAt: new Date(Date.UTC(2025, 0, 15, 12, 30, 45, 123)),
      },
      { id: 'skip', label: 'Skip', style: 'secondary' },
    ],
    expiresAt: new Date(Date.UTC(2025, 11, 31, 23, 59, 59)),
  }
  const ns = (d: Date) => BigInt(d.getTime()) * 1_000_000n
  const styleNumber = { primary: 0, secondary: 1, danger: 2 } as const

  it('actions: same JSON bytes as libxmtp, decoded equal, same fallback', () => {
    const lib = fromLibxmtp(
      libxmtp.encodeActions({
        id: actions.id,
        description: actions.description,
        actions: actions.actions.map((a) => ({
          id: a.id,
          label: a.label,
          ...(a.imageUrl === undefined ? {} : { imageUrl: a.imageUrl }),
          ...(a.style === undefined ? {} : { style: styleNumber[a.style] as unknown as libxmtp.ActionStyle }),
          ...(a.expiresAt === undefined ? {} : { expiresAtNs: ns(a.expiresAt) }),
        })),
        expiresAtNs: ns(actions.expiresAt as Date),
      }),
    )
    const ours = new ActionsCodec()
    expect(ours.decode(lib)).toEqual(actions)
    expect(ours.fallback(actions)).toBe(lib.fallback)
    expect(new TextDecoder().decode(ours.encode(actions).content)).toBe(new TextDecoder().decode(lib.content))
  })

  it('intent: same JSON bytes as libxmtp, decoded equal, same fallback', () => {
    const ours = new IntentCodec()
    for (const intent of [
      { id: 'thanksgiving', actionId: 'turkey' },
      { id: 'q', actionId: 'a', metadata: { note: { nested: [1, true] } } },
    ]) {
      const lib = fromLibxmtp(libxmtp.encodeIntent(intent))
      expect(ours.decode(lib)).toEqual(intent)
      expect(ours.fallback(intent)).toBe(lib.fallback)
      expect(ours.encode(intent).content).toEqual(lib.content)
    }
  })
})

describe('group updated and the legacy membership change', () => {
  const update: GroupUpdated = {
    ...emptyGroupUpdated('a1'.repeat(32)),
    addedInboxes: [{ inboxId: 'b2'.repeat(32) }, { inboxId: 'c3'.repeat(32) }],
    removedInboxes: [{ inboxId: 'd4'.repeat(32) }],
    metadataFieldChanges: [
      { fieldName: 'group_name', oldValue: 'old', newValue: 'new' },
      { fieldName: 'description', newValue: 'set' },
      { fieldName: 'group_image_url_square' },
    ],
  }
  const full: GroupUpdated = {
    ...update,
    leftInboxes: [{ inboxId: 'e5' }],
    addedAdminInboxes: [{ inboxId: 'f6' }],
    removedAdminInboxes: [{ inboxId: '07' }],
    addedSuperAdminInboxes: [{ inboxId: '18' }],
    removedSuperAdminInboxes: [{ inboxId: '29' }],
  }
  const plain = (v: unknown) => JSON.parse(JSON.stringify(v))

  it('fields 1-4: ours <-> the official JS codec (its @xmtp/proto 3.78 predates fields 5-9)', () => {
    const ours = new GroupUpdatedCodec()
    const official = new OfficialGroupUpdatedCodec()
    const theirs = plain(official.decode(toOfficial(ours.encode(update))))
    expect(theirs.initiatedByInboxId).toBe(update.initiatedByInboxId)
    expect(theirs.addedInboxes).toEqual(update.addedInboxes)
    expect(theirs.removedInboxes).toEqual(update.removedInboxes)
    expect(theirs.metadataFieldChanges).toEqual(update.metadataFieldChanges)
    expect(ours.decode(fromOfficial(official.encode(update as Loose)))).toEqual(update)
  })

  it('all nine fields: ours <-> the official @xmtp/proto 3.96 GroupUpdated', () => {
    const ours = new GroupUpdatedCodec()
    const bytes = ours.encode(full).content
    expect(plain(mlsTranscriptMessages.GroupUpdated.decode(bytes))).toEqual(plain(full))
    const theirs = mlsTranscriptMessages.GroupUpdated.encode(full as Loose).finish()
    expect(ours.decode({ type: ours.contentType, parameters: {}, content: theirs })).toEqual(full)
  })

  it('membership change: ours <-> the official @xmtp/proto GroupMembershipChanges', () => {
    const change = {
      membersAdded: [
        {
          installationIds: [new Uint8Array([1, 2]), new Uint8Array([3])],
          accountAddress: '0xa',
          initiatedByAccountAddress: '0xb',
        },
      ],
      membersRemoved: [],
      installationsAdded: [
        { installationIds: [new Uint8Array([9])], accountAddress: '0xc', initiatedByAccountAddress: '0xa' },
      ],
      installationsRemoved: [],
    }
    const ours = new GroupMembershipChangeCodec()
    const decoded = mlsTranscriptMessages.GroupMembershipChanges.decode(ours.encode(change).content)
    expect(decoded.membersAdded[0]?.installationIds.map((b: Uint8Array) => [...b])).toEqual([[1, 2], [3]])
    expect(decoded.installationsAdded[0]?.accountAddress).toBe('0xc')
    const theirs = mlsTranscriptMessages.GroupMembershipChanges.encode(change).finish()
    expect(ours.decode({ type: ours.contentType, parameters: {}, content: theirs })).toEqual(change)
  })
})
