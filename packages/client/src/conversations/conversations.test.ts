/**
 * Client scenarios on a real node-lite (memory storage, real validators, gRPC on a free port): groups and
 * DMs between several inboxes, with every member's view compared after each step.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { TestNode } from '../../test/testNode.ts'
import type { Client } from '../client.ts'
import type { Conversation } from './conversation.ts'
import type { DecodedMessage } from './messages.ts'

let net: TestNode
const newClient = (seed: number): Promise<Client> => net.newClient(seed)

const texts = (messages: readonly DecodedMessage[]) =>
  messages.filter((m) => m.kind === 'application').map((m) => m.content)

async function view(client: Client, id: string): Promise<Conversation> {
  await client.conversations.syncWelcomes()
  const conversation = await client.conversations.get(id)
  if (conversation === undefined) throw new Error(`${client.inboxId} does not have ${id}`)
  await conversation.sync()
  return conversation
}

let alice: Client
let bob: Client
let carol: Client

beforeAll(async () => {
  net = await TestNode.start()
  alice = await newClient(21)
  bob = await newClient(22)
  carol = await newClient(23)
})

afterAll(() => net?.close())

describe('groups between our clients', () => {
  let groupId = ''

  it('creates a group that the invitee joins from its welcome', async () => {
    const group = await alice.conversations.newGroup([bob.inboxId], { name: 'first' })
    groupId = group.id
    expect(
      group
        .members()
        .map((m) => m.inboxId)
        .sort(),
    ).toEqual([alice.inboxId, bob.inboxId].sort())
    const joined = await bob.conversations.syncWelcomes()
    expect(joined.map((c) => c.id)).toEqual([groupId])
    const bobView = await view(bob, groupId)
    expect(bobView.name).toBe('first')
    expect(bobView.epoch).toBe(group.epoch)
    expect(bobView.members()).toEqual(group.members())
  })

  it('delivers messages both ways in order, each recognised as own by its sender', async () => {
    const a = await view(alice, groupId)
    const b = await view(bob, groupId)
    await a.sendText('gm bob')
    await b.sendText('gm alice')
    await a.sendText('third')
    await a.sync()
    await b.sync()
    expect(texts(await a.messages())).toEqual(['gm bob', 'gm alice', 'third'])
    expect(texts(await b.messages())).toEqual(['gm bob', 'gm alice', 'third'])
    const own = (await a.messages()).filter((m) => m.kind === 'application').map((m) => m.isOwn)
    expect(own).toEqual([true, false, true])
    expect((await a.messages()).every((m) => m.deliveryStatus === 'published')).toBe(true)
  })

  it('adds a member, renames, removes: every view agrees on epoch, members and name', async () => {
    const a = await view(alice, groupId)
    await a.addMembers([carol.inboxId])
    const c = await view(carol, groupId)
    expect(c.members().map((m) => m.inboxId)).toContain(carol.inboxId)
    await a.updateName('renamed')
    await a.removeMembers([bob.inboxId])
    const b = await view(bob, groupId)
    const c2 = await view(carol, groupId)
    expect(c2.name).toBe('renamed')
    expect(c2.epoch).toBe(a.epoch)
    expect(c2.members()).toEqual(a.members())
    expect(b.isActive).toBe(false)
    await a.sendText('after removal')
    await c2.sync()
    await b.sync()
    expect(texts(await c2.messages())).toEqual(['after removal'])
    expect(texts(await b.messages())).not.toContain('after removal')
    const transcript = (await a.messages()).filter((m) => m.kind === 'membershipChange')
    expect(transcript.length).toBeGreaterThanOrEqual(3)
  })

  it('a re-add reaches a member that has not synced its removal yet: the newer welcome replaces the group', async () => {
    const a = await alice.conversations.newGroup([carol.inboxId], { name: 're-add' })
    await carol.conversations.syncWelcomes()
    const handle = await carol.conversations.get(a.id)
    if (handle === undefined) throw new Error('carol did not join')
    await a.removeMembers([carol.inboxId])
    await a.addMembers([carol.inboxId])
    // Carol never synced the removal: her copy is still active at the older epoch.
    expect(handle.isActive).toBe(true)
    const joined = await carol.conversations.syncWelcomes()
    expect(joined.map((c) => c.id)).toEqual([a.id])
    expect(joined[0]).toBe(handle)
    await handle.sync()
    expect(handle.isActive).toBe(true)
    expect(handle.epoch).toBe(a.epoch)
    expect(handle.members()).toEqual(a.members())
    await a.sendText('welcome back')
    await handle.sync()
    expect(texts(await handle.messages())).toContain('welcome back')
    // The same welcome again (or an older one) is skipped: we are in the group at that epoch already.
    expect(await carol.conversations.syncWelcomes()).toEqual([])
  })

  it('keeps one DM per pair and delivers in it', async () => {
    const dm = await bob.conversations.newDm(carol.inboxId)
    expect(await bob.conversations.newDm(carol.inboxId)).toBe(dm)
    await dm.sendText('psst')
    await carol.conversations.syncWelcomes()
    const carolDm = await carol.conversations.findDm(bob.inboxId)
    expect(carolDm?.id).toBe(dm.id)
    await carolDm?.sync()
    expect(texts((await carolDm?.messages()) ?? [])).toEqual(['psst'])
  })

  it('syncAll skips idle conversations', async () => {
    const result = await carol.conversations.syncAll()
    expect(result.synced).toBe(0)
    const a = await view(alice, groupId)
    await a.sendText('wake up')
    const after = await carol.conversations.syncAll()
    expect(after).toEqual({ synced: 1, messages: 1 })
  })
})
