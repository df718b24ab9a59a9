/**
 * Issue 9, content types: every standard type @xmtp/node-sdk 5.5.0 (libxmtp 1.9.1) sends is decoded by our
 * client, and every one our client sends is decoded by libxmtp (which decodes in Rust: `findEnrichedMessages`
 * and `getMessageById`). Text and group-updated are covered by the other mixed tests; the transcripts here
 * are checked too. libxmtp sends reactions as `reaction:2.0` (protobuf) and reads our `reaction:1.0` (JSON).
 */
import type { Conversation, DecodedMessage } from '@xmtp-lite/client'
import { ContentTypeActions } from '@xmtp-lite/content-types/actions'
import { ContentTypeAttachment } from '@xmtp-lite/content-types/attachment'
import { ContentTypeIntent } from '@xmtp-lite/content-types/intent'
import { ContentTypeMarkdown } from '@xmtp-lite/content-types/markdown'
import { ContentTypeMultiRemoteAttachment } from '@xmtp-lite/content-types/multi-remote-attachment'
import { ContentTypeReaction } from '@xmtp-lite/content-types/reaction'
import { ContentTypeReadReceipt } from '@xmtp-lite/content-types/read-receipt'
import { ContentTypeRemoteAttachment } from '@xmtp-lite/content-types/remote-attachment'
import { ContentTypeReply } from '@xmtp-lite/content-types/reply'
import { ContentTypeText } from '@xmtp-lite/content-types/text'
import { ContentTypeTransactionReference } from '@xmtp-lite/content-types/transaction-reference'
import { ContentTypeWalletSendCalls } from '@xmtp-lite/content-types/wallet-send-calls'
import { beforeAll, describe, expect, it } from 'vitest'
import type { SdkMessage } from './driver.ts'
import { expectConverged, oneByOne, useCast } from './mixedHarness.ts'

const cast = useCast(oneByOne)
let group: Conversation
/** A text message of libxmtp's that reactions and replies point at. */
let target = ''

const bytes = (hex: string) => Uint8Array.from(Buffer.from(hex, 'hex'))
const remote = (url: string, b: string, length: number, filename: string) => ({
  url,
  contentDigest: b.repeat(32),
  secret: bytes('11'.repeat(32)),
  salt: bytes('22'.repeat(32)),
  nonce: bytes('33'.repeat(12)),
  scheme: 'https://',
  contentLength: length,
  filename,
})
/** The same value in the driver's JSON (bytes as `{ $bytes }`), and as the SDK prints it back (0x hex). */
const remoteSdkIn = (r: ReturnType<typeof remote>) => ({
  ...r,
  secret: { $bytes: '11'.repeat(32) },
  salt: { $bytes: '22'.repeat(32) },
  nonce: { $bytes: '33'.repeat(12) },
})
const remoteSdkOut = (r: ReturnType<typeof remote>) => ({
  ...r,
  secret: `0x${'11'.repeat(32)}`,
  salt: `0x${'22'.repeat(32)}`,
  nonce: `0x${'33'.repeat(12)}`,
})
const transaction = {
  namespace: 'eip155',
  networkId: '8453',
  reference: '0xabc123',
  metadata: {
    transactionType: 'transfer',
    currency: 'USDC',
    amount: 1.5,
    decimals: 6,
    fromAddress: '0x1111',
    toAddress: '0x2222',
  },
}
const walletCalls = {
  version: '1.0',
  chainId: '0x2105',
  from: '0x1234',
  calls: [
    {
      to: '0x5678',
      data: '0x00',
      value: '0x1',
      metadata: { description: 'pay', transactionType: 'transfer' },
    },
  ],
}

/**
 * One content type both ways: what the SDK is given and what we must decode from it, and what we send and
 * what the SDK must decode from it. `typeId:major` names the wire type each side uses.
 */
interface Case {
  readonly kind: string
  readonly sdkSends: () => unknown
  readonly weDecode: () => { readonly type: string; readonly content: unknown }
  readonly weSend: () => { readonly type: unknown; readonly content: unknown }
  readonly sdkDecodes: () => { readonly type: string; readonly content: unknown }
}

const cases: Case[] = [
  {
    kind: 'markdown',
    sdkSends: () => '# from *libxmtp*',
    weDecode: () => ({ type: 'markdown:1', content: '# from *libxmtp*' }),
    weSend: () => ({ type: ContentTypeMarkdown, content: '# from *xmtp-lite*' }),
    sdkDecodes: () => ({ type: 'xmtp.org/markdown:1.0', content: '# from *xmtp-lite*' }),
  },
  {
    kind: 'reaction',
    sdkSends: () => ({
      reference: target,
      referenceInboxId: cast.official.inboxId,
      action: 1,
      content: '👍',
      schema: 1,
    }),
    weDecode: () => ({
      type: 'reaction:2',
      content: {
        reference: target,
        referenceInboxId: cast.official.inboxId,
        action: 'added',
        content: '👍',
        schema: 'unicode',
      },
    }),
    weSend: () => ({
      type: ContentTypeReaction,
      content: {
        reference: target,
        referenceInboxId: cast.official.inboxId,
        action: 'removed',
        content: ':tada:',
        schema: 'shortcode',
      },
    }),
    sdkDecodes: () => ({
      type: 'xmtp.org/reaction:1.0',
      content: {
        reference: target,
        referenceInboxId: cast.official.inboxId,
        action: 2,
        content: ':tada:',
        schema: 2,
      },
    }),
  },
  {
    kind: 'reply',
    sdkSends: () => ({
      reference: target,
      referenceInboxId: cast.official.inboxId,
      content: { $text: 'reply from libxmtp' },
    }),
    weDecode: () => ({
      type: 'reply:1',
      content: {
        reference: target,
        referenceInboxId: cast.official.inboxId,
        contentType: ContentTypeText,
        content: 'reply from libxmtp',
      },
    }),
    weSend: () => ({
      type: ContentTypeReply,
      content: {
        reference: target,
        referenceInboxId: cast.official.inboxId,
        contentType: ContentTypeText,
        content: 'reply from xmtp-lite',
      },
    }),
    sdkDecodes: () => ({
      type: 'xmtp.org/reply:1.0',
      content: {
        referenceId: target,
        content: 'reply from xmtp-lite',
        inReplyTo: { id: target, content: 'react to me' },
      },
    }),
  },
  {
    kind: 'readReceipt',
    sdkSends: () => null,
    weDecode: () => ({ type: 'readReceipt:1', content: {} }),
    weSend: () => ({ type: ContentTypeReadReceipt, content: {} }),
    sdkDecodes: () => ({ type: 'xmtp.org/readReceipt:1.0', content: {} }),
  },
  {
    kind: 'attachment',
    sdkSends: () => ({ filename: 'a.txt', mimeType: 'text/plain', content: { $bytes: '68656c6c6f' } }),
    weDecode: () => ({
      type: 'attachment:1',
      content: { filename: 'a.txt', mimeType: 'text/plain', data: bytes('68656c6c6f') },
    }),
    weSend: () => ({
      type: ContentTypeAttachment,
      content: { filename: 'b.txt', mimeType: 'text/plain', data: bytes('6869') },
    }),
    sdkDecodes: () => ({
      type: 'xmtp.org/attachment:1.0',
      content: { filename: 'b.txt', mimeType: 'text/plain', content: '0x6869' },
    }),
  },
  {
    kind: 'remoteAttachment',
    sdkSends: () => remoteSdkIn(remote('https://example.com/a', 'ab', 5, 'a.bin')),
    weDecode: () => ({
      type: 'remoteStaticAttachment:1',
      content: remote('https://example.com/a', 'ab', 5, 'a.bin'),
    }),
    weSend: () => ({
      type: ContentTypeRemoteAttachment,
      content: remote('https://example.com/b', 'cd', 7, 'b.bin'),
    }),
    sdkDecodes: () => ({
      type: 'xmtp.org/remoteStaticAttachment:1.0',
      content: remoteSdkOut(remote('https://example.com/b', 'cd', 7, 'b.bin')),
    }),
  },
  {
    kind: 'multiRemoteAttachment',
    sdkSends: () => ({
      attachments: [
        remoteSdkIn(remote('https://example.com/c', 'ef', 3, 'c.bin')),
        remoteSdkIn(remote('https://example.com/d', '01', 4, 'd.bin')),
      ],
    }),
    weDecode: () => ({
      type: 'multiRemoteStaticAttachment:1',
      content: {
        attachments: [
          remote('https://example.com/c', 'ef', 3, 'c.bin'),
          remote('https://example.com/d', '01', 4, 'd.bin'),
        ],
      },
    }),
    weSend: () => ({
      type: ContentTypeMultiRemoteAttachment,
      content: { attachments: [remote('https://example.com/e', '23', 9, 'e.bin')] },
    }),
    sdkDecodes: () => ({
      type: 'xmtp.org/multiRemoteStaticAttachment:1.0',
      content: { attachments: [remoteSdkOut(remote('https://example.com/e', '23', 9, 'e.bin'))] },
    }),
  },
  {
    kind: 'transactionReference',
    sdkSends: () => transaction,
    weDecode: () => ({ type: 'transactionReference:1', content: transaction }),
    weSend: () => ({
      type: ContentTypeTransactionReference,
      content: { ...transaction, reference: '0xdef456' },
    }),
    sdkDecodes: () => ({
      type: 'xmtp.org/transactionReference:1.0',
      content: { ...transaction, reference: '0xdef456' },
    }),
  },
  {
    kind: 'walletSendCalls',
    sdkSends: () => walletCalls,
    weDecode: () => ({ type: 'walletSendCalls:1', content: walletCalls }),
    weSend: () => ({ type: ContentTypeWalletSendCalls, content: { ...walletCalls, from: '0xabcd' } }),
    sdkDecodes: () => ({ type: 'xmtp.org/walletSendCalls:1.0', content: { ...walletCalls, from: '0xabcd' } }),
  },
  {
    kind: 'actions',
    sdkSends: () => ({
      id: 'a1',
      description: 'choose',
      actions: [
        { id: 'yes', label: 'Yes', style: 0 },
        { id: 'no', label: 'No', style: 2 },
      ],
    }),
    weDecode: () => ({
      type: 'actions:1',
      content: {
        id: 'a1',
        description: 'choose',
        actions: [
          { id: 'yes', label: 'Yes', style: 'primary' },
          { id: 'no', label: 'No', style: 'danger' },
        ],
      },
    }),
    weSend: () => ({
      type: ContentTypeActions,
      content: { id: 'a2', description: 'pick', actions: [{ id: 'x', label: 'X', style: 'secondary' }] },
    }),
    sdkDecodes: () => ({
      type: 'coinbase.com/actions:1.0',
      content: { id: 'a2', description: 'pick', actions: [{ id: 'x', label: 'X', style: 1 }] },
    }),
  },
  {
    kind: 'intent',
    sdkSends: () => ({ id: 'a2', actionId: 'x', metadata: { note: 'from libxmtp' } }),
    weDecode: () => ({
      type: 'intent:1',
      content: { id: 'a2', actionId: 'x', metadata: { note: 'from libxmtp' } },
    }),
    weSend: () => ({ type: ContentTypeIntent, content: { id: 'a1', actionId: 'yes', metadata: { n: 2 } } }),
    sdkDecodes: () => ({
      type: 'coinbase.com/intent:1.0',
      content: { id: 'a1', actionId: 'yes', metadata: { n: 2 } },
    }),
  },
]

const typeOf = (m: DecodedMessage) => `${m.contentType.typeId}:${m.contentType.versionMajor}`

beforeAll(async () => {
  group = await cast.ours.conversations.newGroup([cast.official.inboxId], { name: 'content' })
  await cast.sdk.call('sync', { name: cast.official.name })
  target = (
    await cast.sdk.call<{ messageId: string }>('sendContent', {
      name: cast.official.name,
      conversationId: group.id,
      kind: 'text',
      value: 'react to me',
    })
  ).messageId
  // libxmtp's first message here came after its key-update commit (mls-groups.md §7.2): both read.
  await group.sync()
})

describe('content types between our client and libxmtp', () => {
  it.each(cases.map((c) => [c.kind, c] as const))(
    '%s sent by libxmtp is decoded by our client',
    async (_kind, c) => {
      await cast.sdk.call('sendContent', {
        name: cast.official.name,
        conversationId: group.id,
        kind: c.kind,
        value: c.sdkSends(),
      })
      const [received] = (await group.sync()).filter((m) => m.kind === 'application')
      if (received === undefined) throw new Error(`no ${c.kind} arrived`)
      expect(received.contentError).toBeUndefined()
      expect(received.senderInboxId).toBe(cast.official.inboxId)
      expect({ type: typeOf(received), content: received.content }).toEqual(c.weDecode())
    },
  )

  it.each(cases.map((c) => [c.kind, c] as const))(
    '%s sent by our client is decoded by libxmtp',
    async (_kind, c) => {
      const sent = c.weSend()
      const id = await group.send(sent.content, sent.type as never)
      const seen = await cast.sdk.call<SdkMessage | null>('message', {
        name: cast.official.name,
        conversationId: group.id,
        messageId: id,
      })
      if (seen === null) throw new Error(`libxmtp has no message ${id}`)
      expect(seen.senderInboxId).toBe(cast.ours.inboxId)
      const expected = c.sdkDecodes()
      expect(seen.contentType).toBe(expected.type)
      expect(seen.content).toMatchObject(expected.content as object)
    },
  )

  it('transcripts (group_updated) of each side decode on the other, and the group stayed converged', async () => {
    await group.updateName('content, renamed by us')
    await cast.sdk.call('updateName', {
      name: cast.official.name,
      conversationId: group.id,
      groupName: 'content, renamed by libxmtp',
    })
    const mine = (await group.sync()).filter((m) => m.kind === 'membershipChange')
    expect(mine.map((m) => m.content)).toContainEqual(
      expect.objectContaining({
        initiatedByInboxId: cast.official.inboxId,
        metadataFieldChanges: [
          {
            fieldName: 'group_name',
            oldValue: 'content, renamed by us',
            newValue: 'content, renamed by libxmtp',
          },
        ],
      }),
    )
    const theirs = await cast.sdk.call<SdkMessage[]>('messages', {
      name: cast.official.name,
      conversationId: group.id,
    })
    const updates = theirs.filter((m) => m.contentType === 'xmtp.org/group_updated:1.0').map((m) => m.content)
    expect(updates).toContainEqual(
      expect.objectContaining({
        initiatedByInboxId: cast.ours.inboxId,
        metadataFieldChanges: [
          expect.objectContaining({ fieldName: 'group_name', newValue: 'content, renamed by us' }),
        ],
      }),
    )
    await expectConverged(group.id, [group], [cast.official])
  })
})
