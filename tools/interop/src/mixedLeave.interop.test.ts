/**
 * Issue 7, leaving a mixed group (libxmtp 1.9.1 `leave_group`): the leaver sends a LeaveRequest
 * (`xmtp.org/leave_request:1.0`), every member puts it on its pending-remove list, and a super admin's
 * client commits the removal (groups/mod.rs `remove_members_pending_removal`). Both directions: a libxmtp
 * member leaves a group our client administers, and a member of ours leaves a group libxmtp administers.
 * Every step ends with the same group state on every side and no refusal in libxmtp's log.
 */
import type { Client } from '@xmtp-lite/client'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { SdkDriver, SdkMessage } from './driver.ts'
import {
  expectConverged,
  type MixedCast,
  ourTexts,
  type SdkSide,
  sdkGroupState,
  sdkIsActive,
  sdkTexts,
  startMixedCast,
} from './mixedHarness.ts'

let sdk: SdkDriver
let ours: Client
let ours2: Client
let official: SdkSide
let official2: SdkSide

let cast: MixedCast | undefined

beforeAll(async () => {
  cast = await startMixedCast()
  ;({ sdk, official, official2, ours, ours2 } = cast)
})

afterAll(() => cast?.close())

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
    const group = await ours.conversations.newGroup([official.inboxId, official2.inboxId, ours2.inboxId], {
      name: 'leave by libxmtp',
    })
    await sdk.call('sync', { name: official.name })
    await sdk.call('sync', { name: official2.name })
    const [mine2] = await ours2.conversations.syncWelcomes()
    if (mine2 === undefined) throw new Error('no welcome for ours2')
    await expectConverged(group.id, [group, mine2], [official, official2])

    const left = await sdk.call<{ isPendingRemoval: boolean }>('requestRemoval', {
      name: official.name,
      conversationId: group.id,
    })
    expect(left.isPendingRemoval).toBe(true)
    // Our members read the LeaveRequest: on the list; our super admin commits the removal in its sync.
    await mine2.sync()
    expect(await mine2.pendingRemoveInboxIds()).toEqual([official.inboxId])
    // libxmtp made a key-update commit before its first message in the group (mine2 has read it): the
    // removal is the one commit after it.
    const epoch = mine2.epoch
    await group.sync()
    expect(group.epoch).toBe(epoch + 1n)
    const state = await expectConverged(group.id, [group, mine2], [official2])
    expect(state.members.map((m) => m.inboxId)).not.toContain(official.inboxId)
    expect(await sdkIsActive(official, group.id)).toBe(false)
    // Both implementations report the removal as "left" (§6.3).
    expect(leftIn(await sdkMessages(official2, group.id))).toEqual([official.inboxId])
    const ourLeft = (await mine2.messages())
      .filter((m) => m.kind === 'membershipChange')
      .flatMap((m) => (m.content as { leftInboxes: { inboxId: string }[] }).leftInboxes.map((i) => i.inboxId))
    expect(ourLeft).toEqual([official.inboxId])

    await group.sendText('after libxmtp left')
    // The leaver's libxmtp no longer syncs the group (its sync says "Group is inactive"); after a syncAll
    // it holds nothing sent after its removal.
    await sdk.call('syncAll', { name: official.name })
    const leaverView = await official.driver.call<SdkMessage[]>('messages', {
      name: official.name,
      conversationId: group.id,
      sync: false,
    })
    expect(sdkTexts(leaverView)).not.toContain('after libxmtp left')
    expect(sdkTexts(await sdkMessages(official2, group.id))).toContain('after libxmtp left')
  })

  it('a member of ours leaves a group libxmtp administers; libxmtp removes it', async () => {
    const created = await sdk.call<{ id: string }>('newGroup', {
      name: official.name,
      inboxIds: [ours.inboxId, ours2.inboxId, official2.inboxId],
      groupName: 'leave by ours',
    })
    await ours.conversations.syncWelcomes()
    await ours2.conversations.syncWelcomes()
    const mine = await ours.conversations.get(created.id)
    const mine2 = await ours2.conversations.get(created.id)
    if (mine === undefined || mine2 === undefined) throw new Error('no welcome for ours')
    await sdk.call('sync', { name: official2.name })
    await expectConverged(created.id, [mine, mine2], [official, official2])

    await mine.leave()
    expect(mine.isPendingRemove).toBe(true)
    // libxmtp's super admin commits the removal when it processes the request (inline or from its
    // worker): sync until it has.
    let members: string[] = []
    for (let i = 0; i < 60; i++) {
      const state = await sdkGroupState(official, created.id)
      members = state.members.map((m) => m.inboxId)
      if (!members.includes(ours.inboxId)) break
      await new Promise((resolve) => setTimeout(resolve, 500))
    }
    expect(members).not.toContain(ours.inboxId)
    await mine.sync()
    expect(mine.isActive).toBe(false)
    await expectConverged(created.id, [mine2], [official, official2])
    const ourLeft = (await mine2.messages())
      .filter((m) => m.kind === 'membershipChange')
      .flatMap((m) => (m.content as { leftInboxes: { inboxId: string }[] }).leftInboxes.map((i) => i.inboxId))
    expect(ourLeft).toEqual([ours.inboxId])

    const before = (await mine.messages()).length
    await sdk.call('sendText', { name: official.name, conversationId: created.id, text: 'after ours left' })
    await mine.sync()
    expect(await mine.messages()).toHaveLength(before)
    await mine2.sync()
    expect(ourTexts(await mine2.messages())).toContain('after ours left')
  })
})
