/**
 * Issue 9, membership both ways: add, remove, remove and re-add, with our client and the official SDK
 * (libxmtp 1.9.1) each doing the changes, every side compared after every step (mixedHarness.ts).
 *
 * Also the orderings that forked mixed groups before: a re-add reaching a member that has not synced its
 * removal (our client used to skip that welcome: the group stayed "active" locally, and libxmtp counted us
 * in while we were out), and libxmtp's key-update commit (sent before its first message in a group it just
 * joined, mls-groups.md §7.2) racing a commit of ours for the same epoch: the loser must be rebuilt, by
 * whichever side lost, and everyone must end at the same epoch.
 */
import { describe, expect, it } from 'vitest'
import {
  expectConverged,
  ourTexts,
  type SdkSide,
  sdkIsActive,
  sdkTexts,
  twoByTwo,
  useCast,
} from './mixedHarness.ts'

const cast = useCast(twoByTwo)

const sdkMessages = (side: SdkSide, groupId: string) =>
  side.driver.call<Parameters<typeof sdkTexts>[0]>('messages', { name: side.name, conversationId: groupId })

describe('membership changes in mixed groups', () => {
  it('we add, remove and re-add a libxmtp inbox; every side agrees after each step', async () => {
    const group = await cast.ours.conversations.newGroup([cast.official.inboxId], {
      name: 'membership by us',
    })
    await cast.sdk.call('sync', { name: cast.official.name })
    await expectConverged(group.id, [group], [cast.official])

    await group.addMembers([cast.official2.inboxId])
    await cast.sdk.call('sync', { name: cast.official2.name })
    await expectConverged(group.id, [group], [cast.official, cast.official2])
    await group.sendText('after add')
    expect(sdkTexts(await sdkMessages(cast.official2, group.id))).toEqual(['after add'])

    await group.removeMembers([cast.official2.inboxId])
    const afterRemove = await expectConverged(group.id, [group], [cast.official])
    expect(afterRemove.members.map((m) => m.inboxId)).not.toContain(cast.official2.inboxId)
    expect(await sdkIsActive(cast.official2, group.id)).toBe(false)
    await group.sendText('while out')

    await group.addMembers([cast.official2.inboxId])
    await cast.sdk.call('sync', { name: cast.official2.name })
    await expectConverged(group.id, [group], [cast.official, cast.official2])
    expect(await sdkIsActive(cast.official2, group.id)).toBe(true)
    await cast.sdk.call('sendText', {
      name: cast.official2.name,
      conversationId: group.id,
      text: 'back again',
    })
    await group.sync()
    expect(ourTexts(await group.messages())).toEqual(['after add', 'while out', 'back again'])
    expect(sdkTexts(await sdkMessages(cast.official2, group.id))).not.toContain('while out')
    await expectConverged(group.id, [group], [cast.official, cast.official2])
  })

  it('libxmtp adds, removes and re-adds an inbox of ours; every side agrees after each step', async () => {
    const created = await cast.sdk.call<{ id: string }>('newGroup', {
      name: cast.official.name,
      inboxIds: [cast.ours.inboxId],
      groupName: 'membership by libxmtp',
    })
    const [mine] = await cast.ours.conversations.syncWelcomes()
    if (mine === undefined) throw new Error('no welcome for ours')
    await expectConverged(created.id, [mine], [cast.official])

    await cast.sdk.call('addMembers', {
      name: cast.official.name,
      conversationId: created.id,
      inboxIds: [cast.ours2.inboxId],
    })
    const [theirs] = await cast.ours2.conversations.syncWelcomes()
    if (theirs === undefined) throw new Error('no welcome for ours2')
    await expectConverged(created.id, [mine, theirs], [cast.official])
    await theirs.sendText('ours2 here')
    expect(sdkTexts(await sdkMessages(cast.official, created.id))).toContain('ours2 here')
    await mine.sync()
    expect(ourTexts(await mine.messages())).toContain('ours2 here')

    await cast.sdk.call('removeMembers', {
      name: cast.official.name,
      conversationId: created.id,
      inboxIds: [cast.ours2.inboxId],
    })
    await theirs.sync()
    expect(theirs.isActive).toBe(false)
    const afterRemove = await expectConverged(created.id, [mine], [cast.official])
    expect(afterRemove.members.map((m) => m.inboxId)).not.toContain(cast.ours2.inboxId)

    await cast.sdk.call('addMembers', {
      name: cast.official.name,
      conversationId: created.id,
      inboxIds: [cast.ours2.inboxId],
    })
    const [again] = await cast.ours2.conversations.syncWelcomes()
    expect(again).toBe(theirs)
    expect(theirs.isActive).toBe(true)
    await expectConverged(created.id, [mine, theirs], [cast.official])
    await theirs.sendText('ours2 back')
    expect(sdkTexts(await sdkMessages(cast.official, created.id))).toContain('ours2 back')
    await expectConverged(created.id, [mine, theirs], [cast.official])
  })

  it('libxmtp removes and re-adds us before we sync: the newer welcome wins over our stale copy', async () => {
    const created = await cast.sdk.call<{ id: string }>('newGroup', {
      name: cast.official.name,
      inboxIds: [cast.ours.inboxId, cast.ours2.inboxId],
    })
    await cast.ours.conversations.syncWelcomes()
    const [stale] = await cast.ours2.conversations.syncWelcomes()
    if (stale === undefined) throw new Error('no welcome for ours2')
    const mine = await cast.ours.conversations.get(created.id)
    if (mine === undefined) throw new Error('ours did not join')
    await cast.sdk.call('removeMembers', {
      name: cast.official.name,
      conversationId: created.id,
      inboxIds: [cast.ours2.inboxId],
    })
    await cast.sdk.call('addMembers', {
      name: cast.official.name,
      conversationId: created.id,
      inboxIds: [cast.ours2.inboxId],
    })
    expect(stale.isActive).toBe(true)
    expect(await cast.ours2.conversations.syncWelcomes()).toEqual([stale])
    await expectConverged(created.id, [mine, stale], [cast.official])
    await stale.sendText('never left, as far as I knew')
    expect(sdkTexts(await sdkMessages(cast.official, created.id))).toContain('never left, as far as I knew')
  })

  it('we remove and re-add a libxmtp inbox before it syncs: it rejoins at our epoch', async () => {
    const group = await cast.ours.conversations.newGroup([cast.official.inboxId, cast.official2.inboxId])
    await cast.sdk.call('sync', { name: cast.official.name })
    await cast.sdk.call('sync', { name: cast.official2.name })
    await group.removeMembers([cast.official2.inboxId])
    await group.addMembers([cast.official2.inboxId])
    await cast.sdk.call('sync', { name: cast.official2.name })
    await expectConverged(group.id, [group], [cast.official, cast.official2])
    await cast.sdk.call('sendText', { name: cast.official2.name, conversationId: group.id, text: 'rejoined' })
    await group.sync()
    expect(ourTexts(await group.messages())).toEqual(['rejoined'])
  })

  it("libxmtp's first-message key update racing our rename or removal: both sides end at one epoch", async () => {
    for (const change of ['rename', 'remove'] as const) {
      const group = await cast.ours.conversations.newGroup([cast.official.inboxId])
      await cast.sdk.call('sync', { name: cast.official.name })
      await group.addMembers([cast.official2.inboxId])
      await cast.sdk.call('sync', { name: cast.official2.name })
      // official2 has never sent here, so its send starts with a key-update commit for this same epoch.
      await Promise.all([
        cast.sdk.call('sendText', {
          name: cast.official2.name,
          conversationId: group.id,
          text: `racing a ${change}`,
        }),
        change === 'rename'
          ? group.updateName('renamed mid-race')
          : group.removeMembers([cast.official.inboxId]),
      ])
      const sides = change === 'rename' ? [cast.official, cast.official2] : [cast.official2]
      // The losing commit (whichever side made it) is refused by the others, then rebuilt by its author.
      const state = await expectConverged(group.id, [group], sides, { allowRefusals: true })
      expect(BigInt(state.epoch)).toBe(group.epoch)
      expect(ourTexts(await group.messages())).toEqual([`racing a ${change}`])
      if (change === 'remove') expect(await sdkIsActive(cast.official, group.id)).toBe(false)
      else expect(group.name).toBe('renamed mid-race')
    }
  })
})
