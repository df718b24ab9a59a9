/**
 * Issue 7, leaving a mixed group (libxmtp 1.9.1 `leave_group`): the leaver sends a LeaveRequest
 * (`xmtp.org/leave_request:1.0`), every member puts it on its pending-remove list, and a super admin's
 * client commits the removal (groups/mod.rs `remove_members_pending_removal`). Both directions: a libxmtp
 * member leaves a group our client administers, and a member of ours leaves a group libxmtp administers.
 * Every step ends with the same group state on every side and no refusal in libxmtp's log.
 */
import { describe, expect, it } from 'vitest'
import type { SdkMessage } from './driver.ts'
import {
  expectConverged,
  groupOfFour,
  ourTexts,
  type SdkSide,
  sdkGroupState,
  sdkIsActive,
  sdkTexts,
  twoByTwo,
  useCast,
} from './mixedHarness.ts'

const cast = useCast(twoByTwo)

const sdkMessages = (side: SdkSide, groupId: string) =>
  side.driver.call<SdkMessage[]>('messages', { name: side.name, conversationId: groupId })

const leftIn = (messages: readonly SdkMessage[]) =>
  messages
    .filter((m) => m.contentType === 'xmtp.org/group_updated:1.0')
    .flatMap((m) =>
      ((m.content as { leftInboxes?: { inboxId: string }[] }).leftInboxes ?? []).map((i) => i.inboxId),
    )

describe('leaving mixed groups', () => {
  it('a libxmtp member leaves a group our client administers; our super admin removes it', async () => {
    const { group, ours2Group: mine2 } = await groupOfFour(cast, { name: 'leave by libxmtp' })
    await expectConverged(group.id, [group, mine2], [cast.official, cast.official2])

    const left = await cast.sdk.call<{ isPendingRemoval: boolean }>('requestRemoval', {
      name: cast.official.name,
      conversationId: group.id,
    })
    expect(left.isPendingRemoval).toBe(true)
    // Our members read the LeaveRequest: on the list; our super admin commits the removal in its sync.
    await mine2.sync()
    expect(await mine2.pendingRemoveInboxIds()).toEqual([cast.official.inboxId])
    // libxmtp made a key-update commit before its first message in the group (mine2 has read it): the
    // removal is the one commit after it.
    const epoch = mine2.epoch
    await group.sync()
    expect(group.epoch).toBe(epoch + 1n)
    const state = await expectConverged(group.id, [group, mine2], [cast.official2])
    expect(state.members.map((m) => m.inboxId)).not.toContain(cast.official.inboxId)
    expect(await sdkIsActive(cast.official, group.id)).toBe(false)
    // Both implementations report the removal as "left" (§6.3).
    expect(leftIn(await sdkMessages(cast.official2, group.id))).toEqual([cast.official.inboxId])
    const ourLeft = (await mine2.messages())
      .filter((m) => m.kind === 'membershipChange')
      .flatMap((m) => (m.content as { leftInboxes: { inboxId: string }[] }).leftInboxes.map((i) => i.inboxId))
    expect(ourLeft).toEqual([cast.official.inboxId])

    await group.sendText('after libxmtp left')
    // The leaver's libxmtp no longer syncs the group (its sync says "Group is inactive"); after a syncAll
    // it holds nothing sent after its removal.
    await cast.sdk.call('syncAll', { name: cast.official.name })
    const leaverView = await cast.official.driver.call<SdkMessage[]>('messages', {
      name: cast.official.name,
      conversationId: group.id,
      sync: false,
    })
    expect(sdkTexts(leaverView)).not.toContain('after libxmtp left')
    expect(sdkTexts(await sdkMessages(cast.official2, group.id))).toContain('after libxmtp left')
  })

  it('a member of ours leaves a group libxmtp administers; libxmtp removes it', async () => {
    const created = await cast.sdk.call<{ id: string }>('newGroup', {
      name: cast.official.name,
      inboxIds: [cast.ours.inboxId, cast.ours2.inboxId, cast.official2.inboxId],
      groupName: 'leave by ours',
    })
    await cast.ours.conversations.syncWelcomes()
    await cast.ours2.conversations.syncWelcomes()
    const mine = await cast.ours.conversations.get(created.id)
    const mine2 = await cast.ours2.conversations.get(created.id)
    if (mine === undefined || mine2 === undefined) throw new Error('no welcome for ours')
    await cast.sdk.call('sync', { name: cast.official2.name })
    await expectConverged(created.id, [mine, mine2], [cast.official, cast.official2])

    await mine.leave()
    expect(mine.isPendingRemove).toBe(true)
    // libxmtp's super admin commits the removal when it processes the request (inline or from its
    // worker): sync until it has.
    let members: string[] = []
    for (let i = 0; i < 60; i++) {
      const state = await sdkGroupState(cast.official, created.id)
      members = state.members.map((m) => m.inboxId)
      if (!members.includes(cast.ours.inboxId)) break
      await new Promise((resolve) => setTimeout(resolve, 500))
    }
    expect(members).not.toContain(cast.ours.inboxId)
    await mine.sync()
    expect(mine.isActive).toBe(false)
    await expectConverged(created.id, [mine2], [cast.official, cast.official2])
    const ourLeft = (await mine2.messages())
      .filter((m) => m.kind === 'membershipChange')
      .flatMap((m) => (m.content as { leftInboxes: { inboxId: string }[] }).leftInboxes.map((i) => i.inboxId))
    expect(ourLeft).toEqual([cast.ours.inboxId])

    const before = (await mine.messages()).length
    await cast.sdk.call('sendText', {
      name: cast.official.name,
      conversationId: created.id,
      text: 'after ours left',
    })
    await mine.sync()
    expect(await mine.messages()).toHaveLength(before)
    await mine2.sync()
    expect(ourTexts(await mine2.messages())).toContain('after ours left')
  })
})
