/**
 * The stream of conversations on a real node-lite on disk, restarted under it: groups and DMs another
 * client adds us to and the ones we create arrive once each, nothing is lost across the restart, and a
 * kind filter keeps DMs out of a group stream.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { TestNode } from '../../test/testNode.ts'
import type { Client } from '../client.ts'
import type { Conversation } from './conversation.ts'

let net: TestNode
const newClient = (seed: number): Promise<Client> =>
  net.newClient(seed, { retry: { attempts: 6, baseDelayMs: 50 } })

async function take(iterator: AsyncIterator<Conversation>, count: number): Promise<Conversation[]> {
  const out: Conversation[] = []
  while (out.length < count) {
    const next = await iterator.next()
    if (next.done === true) break
    out.push(next.value)
  }
  return out
}

beforeAll(async () => {
  net = await TestNode.start({ disk: true })
})

afterAll(() => net?.close())

describe('conversation stream', () => {
  it('yields joined and created conversations once each, across a node restart', async () => {
    const alice = await newClient(51)
    const bob = await newClient(52)
    const carol = await newClient(53)
    const events: string[] = []
    const stream = bob.conversations.stream({
      onDisconnect: () => events.push('disconnect'),
      onReconnect: () => events.push('reconnect'),
    })
    const groups = bob.conversations.stream({}, { kind: 'group' })
    await Promise.all([stream.ready, groups.ready])
    const iterator = stream[Symbol.asyncIterator]()
    const groupIterator = groups[Symbol.asyncIterator]()

    const group = await alice.conversations.newGroup([bob.inboxId], { name: 'first' })
    const dm = await alice.conversations.newDm(bob.inboxId)
    const first = await take(iterator, 2)
    expect(first.map((c) => c.id).sort()).toEqual([group.id, dm.id].sort())
    expect(first.find((c) => c.id === dm.id)?.kind).toBe('dm')
    expect(first.find((c) => c.id === dm.id)?.peerInboxId).toBe(alice.inboxId)
    // A sync that reads the same welcomes again yields nothing new.
    await bob.conversations.syncAll()

    // The node restarts: a group and a DM made while it was coming back still arrive, once each.
    await net.stop()
    await net.restart()
    const second = await carol.conversations.newGroup([bob.inboxId, alice.inboxId])
    const carolDm = await carol.conversations.newDm(bob.inboxId)
    const afterRestart = await take(iterator, 2)
    expect(afterRestart.map((c) => c.id).sort()).toEqual([second.id, carolDm.id].sort())

    // One we create ourselves arrives too.
    const own = await bob.conversations.newGroup([carol.inboxId])
    expect((await take(iterator, 1)).map((c) => c.id)).toEqual([own.id])

    // The group stream saw the groups only, in the same order as they arrived.
    expect((await take(groupIterator, 3)).map((c) => c.id)).toEqual([group.id, second.id, own.id])

    // Nothing was yielded twice: after a last sync and one more conversation, the next item is the new one.
    await bob.conversations.syncAll()
    const last = await alice.conversations.newGroup([bob.inboxId])
    expect((await take(iterator, 1)).map((c) => c.id)).toEqual([last.id])
    expect((await take(groupIterator, 1)).map((c) => c.id)).toEqual([last.id])
    // The other stream's catch-up may have delivered first; this one reports its own reconnection too.
    for (let i = 0; i < 240 && events.length < 2; i++)
      await new Promise((resolve) => setTimeout(resolve, 250))
    expect(events).toEqual(['disconnect', 'reconnect'])
    stream.close()
    groups.close()
    expect((await iterator.next()).done).toBe(true)
  }, 120_000)
})
