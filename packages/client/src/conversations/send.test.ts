/**
 * The send path beside streams, on a real node-lite: a send syncs its conversation first unless an open
 * stream keeps it current (then it skips that round trip and no message is lost, even with commits in
 * flight), and a stream applies what it is delivered without reading the topic again.
 */
import { toHex } from '@xmtp-lite/common'
import { createWalletSigner } from '@xmtp-lite/identity'
import { type RunningNode, startNode } from '@xmtp-lite/node-lite'
import { MemoryLevel } from 'memory-level'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Client } from '../client.ts'
import type { Conversation } from './conversation.ts'
import type { DecodedMessage } from './messages.ts'

let node: RunningNode
const clients: Client[] = []

async function newClient(seed: number, now?: () => number): Promise<Client> {
  const client = await Client.create(createWalletSigner(new Uint8Array(32).fill(seed)), {
    apiUrl: `http://127.0.0.1:${node.grpcPort}`,
    db: new MemoryLevel(),
    encryptionKey: new Uint8Array(32).fill(6),
    ...(now === undefined ? {} : { now }),
  })
  clients.push(client)
  return client
}

/** Counts the QueryGroupMessages a client makes for one group (the real call still runs). */
function countQueries(client: Client, groupId: Uint8Array): { count: number } {
  const counter = { count: 0 }
  const query = client.api.queryGroupMessages.bind(client.api)
  client.api.queryGroupMessages = (id, afterId) => {
    if (toHex(id) === toHex(groupId)) counter.count++
    return query(id, afterId)
  }
  return counter
}

const texts = async (c: Conversation) =>
  (await c.messages()).filter((m) => m.kind === 'application').map((m) => `${m.content}`)

async function view(client: Client, id: string): Promise<Conversation> {
  await client.conversations.syncWelcomes()
  const c = await client.conversations.get(id)
  if (c === undefined) throw new Error('not joined')
  return c
}

/** Waits (no deadline of its own: the test's timeout bounds it) until `done` holds. */
async function until(done: () => boolean): Promise<void> {
  while (!done()) await new Promise((resolve) => setTimeout(resolve, 10))
}

async function take(iterator: AsyncIterator<DecodedMessage>, count: number): Promise<string[]> {
  const out: string[] = []
  while (out.length < count) {
    const next = await iterator.next()
    if (next.done === true) break
    if (next.value.kind === 'application') out.push(String(next.value.content))
  }
  return out
}

beforeAll(async () => {
  node = await startNode({ memory: true, grpcPort: 0, httpPort: false, rateLimits: false })
})

afterAll(async () => {
  for (const c of clients) await c.close()
  await node?.close()
})

describe('sending beside streams', () => {
  it('a send in a conversation nobody keeps current syncs first, so it is made in the latest epoch', async () => {
    // A clock that stands still: after the first send, the 5 s installation check never comes due again,
    // so only the sync rule decides whether the topic is read.
    const clock = Date.now()
    const bob = await newClient(71)
    const alice = await newClient(72, () => clock)
    const bobGroup = await bob.conversations.newGroup([alice.inboxId])
    const group = await view(alice, bobGroup.id)
    await group.sendText('first')
    // Five commits alice has not read: a message made in her old epoch would not decrypt for bob any more
    // (max_past_epochs = 3).
    for (let i = 0; i < 5; i++) await bobGroup.updateName(`name ${i}`)
    const queries = countQueries(alice, group.groupId)
    await group.sendText('after five commits')
    // One read before encrypting, one after publishing (the message read back).
    expect(queries.count).toBe(2)
    expect(group.epoch).toBe(bobGroup.epoch)
    await bobGroup.sync()
    expect(await texts(bobGroup)).toEqual(['first', 'after five commits'])
  })

  it('a conversation an open stream keeps current: the send skips its sync and nothing is lost', async () => {
    const clock = Date.now()
    const bob = await newClient(73)
    const alice = await newClient(74, () => clock)
    const bobGroup = await bob.conversations.newGroup([alice.inboxId])
    const group = await view(alice, bobGroup.id)
    const stream = alice.conversations.streamMessages(group)
    await stream.ready
    await group.sendText('first')
    for (let i = 0; i < 5; i++) await bobGroup.updateName(`name ${i}`)
    // The stream applies the five commits as the node delivers them.
    await until(() => group.epoch === bobGroup.epoch)
    const queries = countQueries(alice, group.groupId)
    await group.sendText('kept current by the stream')
    // No read before encrypting; the one read is the message read back after publishing.
    expect(queries.count).toBe(1)
    await bobGroup.sync()
    expect(await texts(bobGroup)).toEqual(['first', 'kept current by the stream'])

    // Once the stream is closed, nothing keeps the conversation current: the send syncs first again.
    stream.close()
    for (let i = 0; i < 5; i++) await bobGroup.updateName(`again ${i}`)
    queries.count = 0
    await group.sendText('stream closed')
    expect(queries.count).toBe(2)
    expect(group.epoch).toBe(bobGroup.epoch)
    await bobGroup.sync()
    expect(await texts(bobGroup)).toEqual(['first', 'kept current by the stream', 'stream closed'])
  })

  it('commits in flight while a streaming member sends: every message still reaches everyone', async () => {
    const clock = Date.now()
    const bob = await newClient(75)
    const carol = await newClient(76)
    const alice = await newClient(77, () => clock)
    const bobGroup = await bob.conversations.newGroup([alice.inboxId, carol.inboxId])
    const group = await view(alice, bobGroup.id)
    const carolGroup = await view(carol, bobGroup.id)
    const stream = alice.conversations.streamMessages(group)
    await stream.ready
    await group.sendText('m0')
    const sent = ['m0']
    // Bob's commit lands on the node and alice sends at once, before or after her stream applied it.
    for (let i = 1; i <= 6; i++) {
      const committing = bobGroup.updateName(`name ${i}`)
      await committing
      await group.sendText(`m${i}`)
      sent.push(`m${i}`)
    }
    await bobGroup.sync()
    await carolGroup.sync()
    await until(() => group.epoch === bobGroup.epoch)
    expect(await texts(bobGroup)).toEqual(sent)
    expect(await texts(carolGroup)).toEqual(sent)
    expect(await texts(group)).toEqual(sent)
    expect(carolGroup.epoch).toBe(bobGroup.epoch)
    stream.close()
  })

  it('a stream applies each delivered message without reading the topic again, in order, once', async () => {
    const alice = await newClient(78)
    const bob = await newClient(79)
    const group = await alice.conversations.newGroup([bob.inboxId])
    const bobGroup = await view(bob, group.id)
    // Opened once bob is in the group, so its catch-up read is over when it is ready.
    const stream = bob.conversations.streamAllMessages()
    await stream.ready
    const iterator = stream[Symbol.asyncIterator]()
    await group.sendText('hello')
    expect(await take(iterator, 1)).toEqual(['hello'])
    const queries = countQueries(bob, group.groupId)
    const sent = Array.from({ length: 12 }, (_, i) => `burst ${i}`)
    await Promise.all(sent.map((text) => group.sendText(text)))
    const received = await take(iterator, sent.length)
    // Node order: what alice's log holds once read back; bob stored the same, each once.
    const order = await texts(group)
    expect(order.slice(1).sort()).toEqual([...sent].sort())
    expect(received).toEqual(order.slice(1))
    expect(await texts(bobGroup)).toEqual(order)
    expect(queries.count).toBe(0)
    stream.close()
  })
})
