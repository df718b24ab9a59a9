/**
 * Optimistic send on a real node-lite on disk: a prepared message is listed at once as unpublished, goes
 * out with `publishMessages` and reaches the other member once; with the node down it stays unpublished
 * (and a later publish delivers it once), and after 3 failed attempts it is failed and never sent.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { TestNode } from '../../test/testNode.ts'
import type { Client } from '../client.ts'
import type { Conversation } from './conversation.ts'

let net: TestNode
const newClient = (seed: number): Promise<Client> =>
  net.newClient(seed, { retry: { attempts: 2, baseDelayMs: 20 } })

/** Restarts the node and waits until `client` reaches it again (its channel reconnects with a backoff). */
async function restart(client: Client): Promise<void> {
  await net.restart()
  for (let i = 0; ; i++) {
    try {
      await client.conversations.syncWelcomes()
      return
    } catch (error) {
      if (i >= 120) throw error
      await new Promise((resolve) => setTimeout(resolve, 250))
    }
  }
}

async function texts(
  conversation: Conversation,
): Promise<{ id: string; content: unknown; status: string }[]> {
  return (await conversation.messages({ kind: 'application' })).map((m) => ({
    id: m.id,
    content: m.content,
    status: m.deliveryStatus,
  }))
}

beforeAll(async () => {
  net = await TestNode.start({ disk: true })
})

afterAll(() => net?.close())

describe('optimistic send', () => {
  it('prepares locally, publishes once, keeps a message across failures, fails it after 3 attempts', async () => {
    const alice = await newClient(41)
    const bob = await newClient(42)
    const group = await alice.conversations.newGroup([bob.inboxId])
    const [bobGroup] = await bob.conversations.syncWelcomes()
    expect(bobGroup?.id).toBe(group.id)
    if (bobGroup === undefined) return

    // Visible at once, unpublished, and nothing reaches the node.
    const one = await group.prepareMessage('one')
    expect(await texts(group)).toEqual([{ id: one, content: 'one', status: 'unpublished' }])
    await bobGroup.sync()
    expect(await texts(bobGroup)).toEqual([])

    await group.publishMessages()
    expect(await texts(group)).toEqual([{ id: one, content: 'one', status: 'published' }])
    await bobGroup.sync()
    expect(await texts(bobGroup)).toEqual([{ id: one, content: 'one', status: 'published' }])
    // Nothing left to publish: a second call sends nothing.
    await group.publishMessages()
    await bobGroup.sync()
    expect((await texts(bobGroup)).length).toBe(1)

    // The node is down: the attempt fails and the message stays unpublished; a later publish delivers it.
    const two = await group.prepareMessage('two')
    const three = await group.prepareMessage('three')
    await net.stop()
    await expect(group.publishMessages()).rejects.toThrow()
    expect((await texts(group)).slice(1)).toEqual([
      { id: two, content: 'two', status: 'unpublished' },
      { id: three, content: 'three', status: 'unpublished' },
    ])
    await restart(alice)
    await group.publishMessages()
    expect((await texts(group)).map((m) => m.status)).toEqual(['published', 'published', 'published'])
    await bobGroup.sync()
    expect(await texts(bobGroup)).toEqual([
      { id: one, content: 'one', status: 'published' },
      { id: two, content: 'two', status: 'published' },
      { id: three, content: 'three', status: 'published' },
    ])

    // Three failed attempts: failed, and never sent afterwards.
    const four = await group.prepareMessage('four')
    await net.stop()
    await expect(group.publishMessages()).rejects.toThrow()
    await expect(group.publishMessages()).rejects.toThrow()
    expect((await group.messages({ deliveryStatus: 'unpublished' })).map((m) => m.id)).toEqual([four])
    await expect(group.publishMessages()).rejects.toThrow()
    expect((await group.messages({ deliveryStatus: 'failed' })).map((m) => m.id)).toEqual([four])
    await restart(alice)
    await group.publishMessages()
    await group.sync()
    expect((await group.messages({ deliveryStatus: 'failed' })).map((m) => m.id)).toEqual([four])
    await bobGroup.sync()
    expect((await texts(bobGroup)).map((m) => m.content)).toEqual(['one', 'two', 'three'])

    // Bob's prepared reply reaches Alice once.
    const reply = await bobGroup.prepareMessage('reply')
    await bobGroup.publishMessages()
    await group.sync()
    expect((await texts(group)).filter((m) => m.id === reply)).toEqual([
      { id: reply, content: 'reply', status: 'published' },
    ])
  }, 120_000)
})
