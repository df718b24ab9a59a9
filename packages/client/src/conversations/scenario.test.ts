/**
 * The scenario on a real node-lite: three inboxes with two installations each in one group. A
 * message sent from any installation reaches every other installation of every member, each view of the
 * group agrees (epoch, members, epoch secret, message order), and a removed member's installations read
 * nothing new.
 */
import { toHex } from '@xmtp-lite/common'
import { createWalletSigner } from '@xmtp-lite/identity'
import { type RunningNode, startNode } from '@xmtp-lite/node-lite'
import { MemoryLevel } from 'memory-level'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Client } from '../client.ts'
import type { Conversation } from './conversation.ts'

let node: RunningNode
const names = ['alice1', 'alice2', 'bob1', 'bob2', 'carol1', 'carol2'] as const
type Name = (typeof names)[number]
const seeds: Record<Name, number> = { alice1: 91, alice2: 91, bob1: 92, bob2: 92, carol1: 93, carol2: 93 }
const installations = new Map<Name, Client>()
const views = new Map<Name, Conversation>()

function client(name: Name): Client {
  const c = installations.get(name)
  if (c === undefined) throw new Error(name)
  return c
}

function view(name: Name): Conversation {
  const c = views.get(name)
  if (c === undefined) throw new Error(name)
  return c
}

const texts = async (c: Conversation) =>
  (await c.messages()).filter((m) => m.kind === 'application').map((m) => `${m.content}`)

beforeAll(async () => {
  node = await startNode({ memory: true, grpcPort: 0, httpPort: false, rateLimits: false })
  for (const name of names) {
    installations.set(
      name,
      await Client.create(createWalletSigner(new Uint8Array(32).fill(seeds[name])), {
        apiUrl: `http://127.0.0.1:${node.grpcPort}`,
        db: new MemoryLevel(),
        encryptionKey: new Uint8Array(32).fill(5),
      }),
    )
  }
})

afterAll(async () => {
  for (const c of installations.values()) await c.close()
  await node?.close()
})

describe('three inboxes, two installations each, one group', () => {
  it('puts all six installations in the group, every view agreeing', async () => {
    const group = await client('alice1').conversations.newGroup(
      [client('bob1').inboxId, client('carol1').inboxId],
      {
        name: 'six installations',
      },
    )
    views.set('alice1', group)
    for (const name of names.slice(1)) {
      const joined = await client(name).conversations.syncWelcomes()
      expect(joined.map((c) => c.id)).toEqual([group.id])
      views.set(name, joined[0] as Conversation)
    }
    const members = group.members()
    expect(members.map((m) => m.installationIds.length)).toEqual([2, 2, 2])
    const secret = toHex(await group.mlsGroup.exportSecret('scenario', new Uint8Array(), 16))
    for (const name of names) {
      const c = view(name)
      await c.sync()
      expect(c.name).toBe('six installations')
      expect(c.epoch).toBe(group.epoch)
      expect(c.members()).toEqual(members)
      expect(toHex(await c.mlsGroup.exportSecret('scenario', new Uint8Array(), 16))).toBe(secret)
    }
  })

  it('delivers a message from each installation to all five others, in one order everywhere', async () => {
    for (const name of names) await view(name).sendText(`from ${name}`)
    const expected = names.map((n) => `from ${n}`)
    for (const name of names) {
      const c = view(name)
      await c.sync()
      expect(await texts(c)).toEqual(expected)
      const messages = (await c.messages()).filter((m) => m.kind === 'application')
      // Sender inbox and installation are known; own messages are recognised by each installation.
      for (const [i, m] of messages.entries()) {
        const from = client(names[i] as Name)
        expect(m.senderInboxId).toBe(from.inboxId)
        expect(m.senderInstallationId).toBe(from.installationId)
        expect(m.isOwn).toBe(names[i] === name)
      }
    }
  })

  it('a removed member’s two installations read nothing new; the others go on', async () => {
    // Alice's other installation removes Carol (Alice's inbox is the super admin).
    await view('alice2').removeMembers([client('carol1').inboxId])
    await view('bob2').sendText('after carol left')
    for (const name of ['carol1', 'carol2'] as const) {
      const c = view(name)
      await c.sync()
      expect(c.isActive).toBe(false)
      expect(await texts(c)).not.toContain('after carol left')
    }
    const rest = ['alice1', 'alice2', 'bob1', 'bob2'] as const
    for (const name of rest) {
      const c = view(name)
      await c.sync()
      expect((await texts(c)).at(-1)).toBe('after carol left')
      expect(c.epoch).toBe(view('alice2').epoch)
      expect(c.members().map((m) => m.inboxId)).not.toContain(client('carol1').inboxId)
    }
    // Even told the group id, Carol's installations cannot read what follows.
    await view('alice1').sendText('still private')
    for (const name of ['carol1', 'carol2'] as const) {
      await client(name).conversations.syncAll()
      expect(await texts(view(name))).not.toContain('still private')
    }
  })
})
