/**
 * Issue 9: our client and the official SDK (libxmtp 1.9.1) in the same conversations, on one
 * node-lite. libxmtp refuses a bad commit silently (one log line, ts-mls-libxmtp-interop.md), so every step
 * compares epoch, members and name on both sides: a call that merely succeeds proves nothing.
 */
import type { Client, Conversation } from '@xmtp-lite/client'
import type { RunningNode } from '@xmtp-lite/node-lite'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { SdkDriver, SdkMessage } from './driver.ts'
import {
  expectConverged,
  officialClient,
  ourClient,
  ourTexts,
  type SdkSide,
  startSdk,
  startSdkNode,
  sdkTexts as texts,
} from './mixedHarness.ts'

let node: RunningNode
let sdk: SdkDriver
let ours: Client
let official: SdkSide

beforeAll(async () => {
  node = await startSdkNode()
  sdk = await startSdk()
  official = await officialClient(sdk, 'official', '44'.repeat(32))
  ours = await ourClient(0x55)
})

afterAll(async () => {
  await ours?.close()
  await sdk?.close()
  await node?.close()
})

describe('mixed groups: xmtp-lite client and the official SDK', () => {
  it('the official SDK creates a group and adds our client; we join, read and write', async () => {
    const created = await sdk.call<{ id: string }>('newGroup', {
      name: 'official',
      inboxIds: [ours.inboxId],
      groupName: 'made by libxmtp',
    })
    await sdk.call('sendText', { name: 'official', conversationId: created.id, text: 'hello from libxmtp' })
    const joined = await ours.conversations.syncWelcomes()
    expect(joined.map((c) => c.id)).toEqual([created.id])
    const group = joined[0] as Conversation
    await group.sync()
    expect(group.name).toBe('made by libxmtp')
    expect(ourTexts(await group.messages())).toEqual(['hello from libxmtp'])
    await group.sendText('hello from xmtp-lite')
    const theirs = await sdk.call<SdkMessage[]>('messages', { name: 'official', conversationId: created.id })
    expect(texts(theirs)).toEqual(['hello from libxmtp', 'hello from xmtp-lite'])
    await group.sync()
    await expectConverged(created.id, [group], [official])
  })

  it('our client creates a group with the official SDK inbox; it joins, reads and writes', async () => {
    const group = await ours.conversations.newGroup([official.inboxId], { name: 'made by xmtp-lite' })
    await group.sendText('gm libxmtp')
    await sdk.call('sync', { name: 'official' })
    const list = await sdk.call<{ id: string; name: string | null }[]>('listConversations', {
      name: 'official',
    })
    expect(list.map((c) => c.id)).toContain(group.id)
    const theirs = await sdk.call<SdkMessage[]>('messages', { name: 'official', conversationId: group.id })
    expect(texts(theirs)).toEqual(['gm libxmtp'])
    // libxmtp's first message in a group it just joined is preceded by an empty key-update commit
    // (mls-groups.md §7.2): we must merge it (one epoch up) before its message decrypts.
    const epochBefore = group.epoch
    await sdk.call('sendText', { name: 'official', conversationId: group.id, text: 'gm xmtp-lite' })
    const received = await group.sync()
    expect(received.map((m) => [m.kind, m.senderInboxId])).toEqual([
      ['membershipChange', official.inboxId],
      ['application', official.inboxId],
    ])
    expect(received[0]?.content).toMatchObject({
      addedInboxes: [],
      removedInboxes: [],
      metadataFieldChanges: [],
    })
    expect(group.epoch).toBe(epochBefore + 1n)
    expect(ourTexts(await group.messages())).toEqual(['gm libxmtp', 'gm xmtp-lite'])
    await expectConverged(group.id, [group], [official])
  })

  it('a rename by us is seen by libxmtp with epochs in step, and the other way round', async () => {
    const group = await ours.conversations.newGroup([official.inboxId], { name: 'before' })
    await sdk.call('sync', { name: 'official' })
    await group.updateName('renamed by xmtp-lite')
    await expectConverged(group.id, [group], [official])
    await sdk.call('updateName', {
      name: 'official',
      conversationId: group.id,
      groupName: 'renamed by libxmtp',
    })
    await group.sync()
    expect(group.name).toBe('renamed by libxmtp')
    await expectConverged(group.id, [group], [official])
  })

  it('DMs both ways settle on one conversation per pair', async () => {
    const dm = await sdk.call<{ id: string }>('newDm', { name: 'official', inboxId: ours.inboxId })
    await sdk.call('sendText', { name: 'official', conversationId: dm.id, text: 'dm from libxmtp' })
    await ours.conversations.syncWelcomes()
    const ourDm = await ours.conversations.newDm(official.inboxId)
    expect(ourDm.id).toBe(dm.id)
    expect(ourTexts(await ourDm.messages())).toEqual(['dm from libxmtp'])
    await ourDm.sendText('dm from xmtp-lite')
    const theirs = await sdk.call<SdkMessage[]>('messages', { name: 'official', conversationId: dm.id })
    expect(texts(theirs)).toEqual(['dm from libxmtp', 'dm from xmtp-lite'])
    await expectConverged(dm.id, [ourDm], [official])
  })

  it('an inbox of ours with two installations, in groups made by either side: every installation is in', async () => {
    const first = await ourClient(0x58)
    const second = await ourClient(0x59, new Uint8Array(32).fill(0x58))
    try {
      expect(second.inboxId).toBe(first.inboxId)
      const group = await first.conversations.newGroup([official.inboxId], { name: 'two installations' })
      await sdk.call('sync', { name: official.name })
      const [copy] = await second.conversations.syncWelcomes()
      if (copy === undefined) throw new Error('our second installation got no welcome')
      const state = await expectConverged(group.id, [group, copy], [official])
      expect(state.members.find((m) => m.inboxId === first.inboxId)?.installationIds).toHaveLength(2)
      await copy.sendText('from the second installation')
      expect(texts(await sdk.call('messages', { name: official.name, conversationId: group.id }))).toEqual([
        'from the second installation',
      ])

      const created = await sdk.call<{ id: string }>('newGroup', {
        name: official.name,
        inboxIds: [first.inboxId],
      })
      const [a] = await first.conversations.syncWelcomes()
      const [b] = await second.conversations.syncWelcomes()
      if (a === undefined || b === undefined) throw new Error('an installation got no welcome')
      const theirs = await expectConverged(created.id, [a, b], [official])
      expect(theirs.members.find((m) => m.inboxId === first.inboxId)?.installationIds).toHaveLength(2)
    } finally {
      await first.close()
      await second.close()
    }
  })
})
