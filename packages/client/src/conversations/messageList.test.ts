/**
 * Listing a conversation's stored messages with filters (content type, time window, delivery status, kind)
 * and a limit counted after filtering, on messages that really went through a node-lite over gRPC.
 */
import { ContentTypeReaction } from '@xmtp-lite/content-types/reaction'
import { ContentTypeText } from '@xmtp-lite/content-types/text'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { TestNode } from '../../test/testNode.ts'
import type { Client } from '../client.ts'

let net: TestNode
const install = (seed: number): Promise<Client> => net.newClient(seed)

beforeAll(async () => {
  net = await TestNode.start()
})

afterAll(() => net?.close())

describe('conversation.messages() filters', () => {
  it('filters by content type, time window, delivery status and kind; the limit counts what passes', async () => {
    const alice = await install(0x81)
    const bob = await install(0x82)
    const group = await alice.conversations.newGroup([bob.inboxId])
    await group.sendText('one')
    const reactionId = await group.send(
      { reference: 'aa', action: 'added', content: '👍', schema: 'unicode' },
      ContentTypeReaction,
    )
    await group.sendText('two')
    await group.sendText('three')
    await group.updateName('named')
    await bob.conversations.syncWelcomes()
    const onBob = await bob.conversations.get(group.id)
    await onBob?.sync()
    const all = (await onBob?.messages()) ?? []
    const texts = (ms: readonly { content: unknown }[]) => ms.map((m) => m.content)

    const textOnly = (await onBob?.messages({ contentTypes: [ContentTypeText] })) ?? []
    expect(texts(textOnly)).toEqual(['one', 'two', 'three'])
    const reactions = (await onBob?.messages({ contentTypes: [ContentTypeReaction] })) ?? []
    expect(reactions.map((m) => m.id)).toEqual([reactionId])
    // Commit transcripts (here the rename) are their own kind; together the two kinds are everything.
    const transcripts = (await onBob?.messages({ kind: 'membershipChange' })) ?? []
    expect(transcripts.length).toBeGreaterThan(0)
    expect(transcripts.every((m) => m.kind === 'membershipChange')).toBe(true)
    const applications = (await onBob?.messages({ kind: 'application' })) ?? []
    expect(applications).toHaveLength(4)
    expect(applications.length + transcripts.length).toBe(all.length)

    // A window strictly between the first and the last text (node timestamps, ms resolution: the expected
    // list is computed from the timestamps, so messages stored within one millisecond do not matter).
    const one = textOnly[0]?.sentAtNs ?? 0n
    const three = textOnly[2]?.sentAtNs ?? 0n
    const middle =
      (await onBob?.messages({ sentAfterNs: one, sentBeforeNs: three, kind: 'application' })) ?? []
    const expected = applications.filter((m) => m.sentAtNs > one && m.sentAtNs < three)
    expect(middle.map((m) => m.id)).toEqual(expected.map((m) => m.id))
    expect(texts(middle)).not.toContain('one')
    expect(texts(middle)).not.toContain('three')

    // The limit counts filtered messages, newest first when descending.
    const lastTwo =
      (await onBob?.messages({ contentTypes: [ContentTypeText], limit: 2, direction: 'descending' })) ?? []
    expect(texts(lastTwo)).toEqual(['three', 'two'])
    // The sender's copies were read back: all published, none waiting.
    expect((await group.messages({ deliveryStatus: 'unpublished' })).length).toBe(0)
    expect(
      texts(await group.messages({ deliveryStatus: 'published', contentTypes: [ContentTypeText] })),
    ).toEqual(['one', 'two', 'three'])
  })
})
