/**
 * Issue 9: our client and the official SDK (libxmtp 1.9.1) in the same conversations, on one
 * node-lite. libxmtp refuses a bad commit silently (one log line, ts-mls-libxmtp-interop.md), so every step
 * compares epoch, members and name on both sides: a call that merely succeeds proves nothing.
 */
import type { Conversation } from '@xmtp-lite/client'
import { describe, expect, it } from 'vitest'
import type { SdkMessage } from './driver.ts'
import { expectConverged, oneByOne, ourClient, ourTexts, sdkTexts as texts, useCast } from './mixedHarness.ts'

const cast = useCast(oneByOne)

describe('mixed groups: xmtp-lite client and the official SDK', () => {
  it('the official SDK creates a group and adds our client; we join, read and write', async () => {
    const created = await cast.sdk.call<{ id: string }>('newGroup', {
      name: 'official',
      inboxIds: [cast.ours.inboxId],
      groupName: 'made by libxmtp',
    })
    await cast.sdk.call('sendText', {
      name: 'official',
      conversationId: created.id,
      text: 'hello from libxmtp',
    })
    const joined = await cast.ours.conversations.syncWelcomes()
    expect(joined.map((c) => c.id)).toEqual([created.id])
    const group = joined[0] as Conversation
    await group.sync()
    expect(group.name).toBe('made by libxmtp')
    expect(ourTexts(await group.messages())).toEqual(['hello from libxmtp'])
    await group.sendText('hello from xmtp-lite')
    const theirs = await cast.sdk.call<SdkMessage[]>('messages', {
      name: 'official',
      conversationId: created.id,
    })
    expect(texts(theirs)).toEqual(['hello from libxmtp', 'hello from xmtp-lite'])
    await group.sync()
    await expectConverged(created.id, [group], [cast.official])
  })

  it('our client creates a group with the official SDK inbox; it joins, reads and writes', async () => {
    const group = await cast.ours.conversations.newGroup([cast.official.inboxId], {
      name: 'made by xmtp-lite',
    })
    await group.sendText('gm libxmtp')
    await cast.sdk.call('sync', { name: 'official' })
    const list = await cast.sdk.call<{ id: string; name: string | null }[]>('listConversations', {
      name: 'official',
    })
    expect(list.map((c) => c.id)).toContain(group.id)
    const theirs = await cast.sdk.call<SdkMessage[]>('messages', {
      name: 'official',
      conversationId: group.id,
    })
    expect(texts(theirs)).toEqual(['gm libxmtp'])
    // libxmtp's first message in a group it just joined is preceded by an empty key-update commit
    // (mls-groups.md §7.2): we must merge it (one epoch up) before its message decrypts.
    const epochBefore = group.epoch
    await cast.sdk.call('sendText', { name: 'official', conversationId: group.id, text: 'gm xmtp-lite' })
    const received = await group.sync()
    expect(received.map((m) => [m.kind, m.senderInboxId])).toEqual([
      ['membershipChange', cast.official.inboxId],
      ['application', cast.official.inboxId],
    ])
    expect(received[0]?.content).toMatchObject({
      addedInboxes: [],
      removedInboxes: [],
      metadataFieldChanges: [],
    })
    expect(group.epoch).toBe(epochBefore + 1n)
    expect(ourTexts(await group.messages())).toEqual(['gm libxmtp', 'gm xmtp-lite'])
    await expectConverged(group.id, [group], [cast.official])
  })

  it('a rename by us is seen by libxmtp with epochs in step, and the other way round', async () => {
    const group = await cast.ours.conversations.newGroup([cast.official.inboxId], { name: 'before' })
    await cast.sdk.call('sync', { name: 'official' })
    await group.updateName('renamed by xmtp-lite')
    await expectConverged(group.id, [group], [cast.official])
    await cast.sdk.call('updateName', {
      name: 'official',
      conversationId: group.id,
      groupName: 'renamed by libxmtp',
    })
    await group.sync()
    expect(group.name).toBe('renamed by libxmtp')
    await expectConverged(group.id, [group], [cast.official])
  })

  it('DMs both ways settle on one conversation per pair', async () => {
    const dm = await cast.sdk.call<{ id: string }>('newDm', { name: 'official', inboxId: cast.ours.inboxId })
    await cast.sdk.call('sendText', { name: 'official', conversationId: dm.id, text: 'dm from libxmtp' })
    await cast.ours.conversations.syncWelcomes()
    const ourDm = await cast.ours.conversations.newDm(cast.official.inboxId)
    expect(ourDm.id).toBe(dm.id)
    expect(ourTexts(await ourDm.messages())).toEqual(['dm from libxmtp'])
    await ourDm.sendText('dm from xmtp-lite')
    const theirs = await cast.sdk.call<SdkMessage[]>('messages', { name: 'official', conversationId: dm.id })
    expect(texts(theirs)).toEqual(['dm from libxmtp', 'dm from xmtp-lite'])
    await expectConverged(dm.id, [ourDm], [cast.official])
  })

  it('an inbox of ours with two installations, in groups made by either side: every installation is in', async () => {
    const first = await ourClient(0x58)
    const second = await ourClient(0x59, new Uint8Array(32).fill(0x58))
    try {
      expect(second.inboxId).toBe(first.inboxId)
      const group = await first.conversations.newGroup([cast.official.inboxId], { name: 'two installations' })
      await cast.sdk.call('sync', { name: cast.official.name })
      const [copy] = await second.conversations.syncWelcomes()
      if (copy === undefined) throw new Error('our second installation got no welcome')
      const state = await expectConverged(group.id, [group, copy], [cast.official])
      expect(state.members.find((m) => m.inboxId === first.inboxId)?.installationIds).toHaveLength(2)
      await copy.sendText('from the second installation')
      expect(
        texts(await cast.sdk.call('messages', { name: cast.official.name, conversationId: group.id })),
      ).toEqual(['from the second installation'])

      const created = await cast.sdk.call<{ id: string }>('newGroup', {
        name: cast.official.name,
        inboxIds: [first.inboxId],
      })
      const [a] = await first.conversations.syncWelcomes()
      const [b] = await second.conversations.syncWelcomes()
      if (a === undefined || b === undefined) throw new Error('an installation got no welcome')
      const theirs = await expectConverged(created.id, [a, b], [cast.official])
      expect(theirs.members.find((m) => m.inboxId === first.inboxId)?.installationIds).toHaveLength(2)
    } finally {
      await first.close()
      await second.close()
    }
  })
})
