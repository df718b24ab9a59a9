/**
 * Leaving a group as libxmtp 1.9 does, on a real node-lite: the leaver sends a LeaveRequest
 * (`xmtp.org/leave_request:1.0`), every member puts it on its pending-remove list, and the super admins'
 * clients commit the removal, once even when two of them race (groups/mod.rs `leave_group`,
 * mls_sync.rs `process_leave_request_message`, mls-groups.md §6.3).
 */
import type { GroupUpdated } from '@xmtp-lite/content-types/group-updated'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { TestNode } from '../../test/testNode.ts'
import type { Client } from '../client.ts'
import type { Conversation } from './conversation.ts'

let net: TestNode
const newClient = (seed: number): Promise<Client> => net.newClient(seed)

async function joined(client: Client, id: string): Promise<Conversation> {
  await client.conversations.syncWelcomes()
  const view = await client.conversations.get(id)
  if (view === undefined) throw new Error('no welcome')
  await view.sync()
  return view
}

function codeOf(error: unknown): string | undefined {
  return (error as { code?: string }).code
}

beforeAll(async () => {
  net = await TestNode.start()
})

afterAll(() => net?.close())

describe('leave()', () => {
  it('a member leaves; two racing super admins commit one removal; membership converges', async () => {
    const alice = await newClient(81)
    const carol = await newClient(82)
    const bob = await newClient(83)
    const dave = await newClient(84)
    const group = await alice.conversations.newGroup([carol.inboxId, bob.inboxId, dave.inboxId])
    await group.addSuperAdmin(carol.inboxId)
    const carolView = await joined(carol, group.id)
    const bobView = await joined(bob, group.id)
    const daveView = await joined(dave, group.id)

    await daveView.leave()
    expect(daveView.isPendingRemove).toBe(true)
    // Already on the list: a second call sends nothing (libxmtp `is_in_pending_remove`).
    await daveView.leave()
    const sent = (await daveView.messages()).filter((m) => m.kind === 'application')
    expect(sent).toHaveLength(1)
    // libxmtp matches the request by its type id (xmtp_content_types `ContentType`), and sends no note.
    expect({ ...sent[0]?.contentType }).toMatchObject({
      authorityId: 'xmtp.org',
      typeId: 'leave_request',
      versionMajor: 1,
      versionMinor: 0,
    })
    expect(sent[0]?.content).toEqual({})

    // Bob (no admin) reads it: on his list, but he commits nothing.
    await bobView.sync()
    expect(await bobView.pendingRemoveInboxIds()).toEqual([dave.inboxId])
    expect(bobView.epoch).toBe(group.epoch)

    // The two super admins read it at the same time; each starts a removal, one lands.
    const epochBefore = group.epoch
    await Promise.all([group.sync(), carolView.sync()])
    await Promise.all([group.sync(), carolView.sync(), bobView.sync()])
    await group.sync()
    expect(group.epoch).toBe(epochBefore + 1n)
    for (const view of [group, carolView, bobView]) {
      expect(view.epoch).toBe(group.epoch)
      expect(view.memberInboxIds().sort()).toEqual([alice.inboxId, carol.inboxId, bob.inboxId].sort())
      expect(await view.pendingRemoveInboxIds()).toEqual([])
      expect((await view.intents()).filter((i) => i.state === 'Error')).toEqual([])
    }
    // Bob's transcript reports Dave as left, not removed (§6.3).
    const changes = (await bobView.messages()).filter((m) => m.kind === 'membershipChange')
    const last = changes[changes.length - 1]?.content as GroupUpdated
    expect(last.leftInboxes.map((i) => i.inboxId)).toEqual([dave.inboxId])
    expect(last.removedInboxes).toEqual([])

    // Dave reads the removal, then nothing more.
    await daveView.sync()
    expect(daveView.isActive).toBe(false)
    expect(daveView.isPendingRemove).toBe(false)
    const daveCount = (await daveView.messages()).length
    await group.sendText('after dave left')
    await daveView.sync()
    expect(await daveView.messages()).toHaveLength(daveCount)
    await bobView.sync()
    expect((await bobView.messages()).some((m) => m.content === 'after dave left')).toBe(true)
    expect(codeOf(await daveView.leave().catch((e: unknown) => e))).toBe('Client::NotAGroupMember')
  })

  it('refuses what libxmtp refuses, with typed errors, and publishes nothing', async () => {
    const erin = await newClient(85)
    const frank = await newClient(86)
    const alone = await erin.conversations.newGroup([])
    expect(codeOf(await alone.leave().catch((e: unknown) => e))).toBe('Client::SingleMemberLeaveRejected')
    const dm = await erin.conversations.newDm(frank.inboxId)
    expect(codeOf(await dm.leave().catch((e: unknown) => e))).toBe('Client::DmLeaveForbidden')
    const group = await erin.conversations.newGroup([frank.inboxId])
    expect(codeOf(await group.leave().catch((e: unknown) => e))).toBe('Client::SuperAdminLeaveForbidden')
    expect((await group.messages()).filter((m) => m.kind === 'application')).toEqual([])
    // Once demoted by another super admin, the same member may leave.
    await group.addSuperAdmin(frank.inboxId)
    const frankView = await joined(frank, group.id)
    await frankView.removeSuperAdmin(erin.inboxId)
    await group.sync()
    await group.leave()
    await frankView.sync()
    await group.sync()
    expect(group.isActive).toBe(false)
    expect(frankView.memberInboxIds()).toEqual([frank.inboxId])
  })
})
