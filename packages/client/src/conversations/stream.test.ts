/**
 * Streams on a real node-lite on disk, restarted under them: every message delivered once, in order,
 * with disconnect and reconnect events in between.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createWalletSigner } from '@xmtp-lite/identity'
import { type RunningNode, startNode } from '@xmtp-lite/node-lite'
import { MemoryLevel } from 'memory-level'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Client } from '../client.ts'
import type { DecodedMessage } from './messages.ts'

let node: RunningNode
let dataDir: string
let port: number
const clients: Client[] = []

async function newClient(seed: number): Promise<Client> {
  const client = await Client.create(createWalletSigner(new Uint8Array(32).fill(seed)), {
    apiUrl: `http://127.0.0.1:${port}`,
    db: new MemoryLevel(),
    encryptionKey: new Uint8Array(32).fill(2),
    retry: { attempts: 6, baseDelayMs: 50 },
  })
  clients.push(client)
  return client
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
  dataDir = mkdtempSync(join(tmpdir(), 'xmtp-lite-stream-'))
  node = await startNode({ dataDir, grpcPort: 0, httpPort: false, rateLimits: false })
  port = node.grpcPort
})

afterAll(async () => {
  for (const c of clients) await c.close()
  await node?.close()
  rmSync(dataDir, { recursive: true, force: true })
})

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

    await node.close()
    node = await startNode({ dataDir, grpcPort: port, httpPort: false, rateLimits: false })
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
