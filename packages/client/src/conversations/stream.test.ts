/**
 * Streams on a real node-lite on disk, restarted under them: every message delivered once, in order,
 * with disconnect and reconnect events in between.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { TestNode } from '../../test/testNode.ts'
import type { Client } from '../client.ts'
import type { DecodedMessage } from './messages.ts'

let net: TestNode
const newClient = (seed: number): Promise<Client> =>
  net.newClient(seed, { retry: { attempts: 6, baseDelayMs: 50 } })

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
  net = await TestNode.start({ disk: true })
})

afterAll(() => net?.close())

describe('streams', () => {
  it('deliver new conversations and messages once each, across a node restart', async () => {
    const alice = await newClient(31)
    const bob = await newClient(32)
    const events: string[] = []
    const stream = bob.conversations.streamAllMessages({
      onDisconnect: () => events.push('disconnect'),
      onReconnect: () => events.push('reconnect'),
    })
    await stream.ready
    const iterator = stream[Symbol.asyncIterator]()

    const group = await alice.conversations.newGroup([bob.inboxId])
    await group.sendText('one')
    await group.sendText('two')
    expect(await take(iterator, 2)).toEqual(['one', 'two'])

    await net.stop()
    await net.restart()
    await group.sendText('three')
    expect(await take(iterator, 1)).toEqual(['three'])
    // One disconnect for the restart, one reconnect once the subscriptions are open again.
    expect(events).toEqual(['disconnect', 'reconnect'])

    const bobGroup = await bob.conversations.get(group.id)
    const texts = ((await bobGroup?.messages()) ?? [])
      .filter((m) => m.kind === 'application')
      .map((m) => m.content)
    expect(texts).toEqual(['one', 'two', 'three'])
    stream.close()
    expect((await iterator.next()).done).toBe(true)
  })
})
