/**
 * The official SDK across devnet nodes (issue 8): alice's client on node 1 (localhost:5556, the SDK's
 * `local` env), bob's on node 2 (`apiUrl`); a group and a DM between them, messages both ways. Everything
 * one client publishes reaches the other's node only through replication.
 */

import { type Devnet, startDevnet } from '@xmtp-lite/devnet'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { SdkDriver, type SdkMessage } from './driver.ts'

const keys = {
  alice: '0x4444444444444444444444444444444444444444444444444444444444444444',
  bob: '0x5555555555555555555555555555555555555555555555555555555555555555',
} as const

let devnet: Devnet
let sdk: SdkDriver
const inbox: Record<string, string> = {}

const texts = (messages: readonly SdkMessage[]) =>
  messages.filter((m) => m.contentType === 'xmtp.org/text:1.0').map((m) => m.content)

/** Waits until every node holds every originator's envelopes (generous deadline, no timing assertion). */
async function replicated(): Promise<void> {
  const end = Date.now() + 30_000
  for (;;) {
    const nodes = devnet.status().nodes
    const last = new Map(nodes.map((n) => [n.id, n.replication?.cursors[n.id] ?? 0]))
    if (nodes.every((n) => [...last].every(([id, seq]) => n.replication?.cursors[id] === seq))) return
    if (Date.now() > end) throw new Error('devnet did not converge')
    await new Promise((r) => setTimeout(r, 20))
  }
}

beforeAll(async () => {
  devnet = await startDevnet({
    nodes: 2,
    firstGrpcPort: 5556,
    statusPort: false,
    nodeOptions: { rateLimits: false },
  })
  sdk = await SdkDriver.start()
})

afterAll(async () => {
  await sdk?.close()
  await devnet?.stop()
})

describe('the official SDK across two devnet nodes', () => {
  it('registers alice on node 1 and bob on node 2', async () => {
    inbox.alice = (await sdk.createClient('alice', keys.alice)).inboxId
    inbox.bob = (await sdk.createClient('bob', keys.bob, devnet.nodes[1]?.grpcUrl)).inboxId
    await replicated()
    // Each node knows both inboxes.
    for (const name of ['alice', 'bob']) {
      const state = await sdk.call<{ installations: string[] }>('inboxState', { name, refresh: true })
      expect(state.installations).toHaveLength(1)
    }
  })

  it('a group made on node 1 reaches bob on node 2; messages both ways', async () => {
    const { id } = await sdk.call<{ id: string }>('newGroup', {
      name: 'alice',
      inboxIds: [inbox.bob],
      groupName: 'across nodes',
    })
    await replicated()
    await sdk.call('sync', { name: 'bob' })
    await sdk.call('sendText', { name: 'alice', conversationId: id, text: 'from node 1' })
    await replicated()
    await sdk.call('sendText', { name: 'bob', conversationId: id, text: 'from node 2' })
    await replicated()
    for (const name of ['alice', 'bob']) {
      const messages = await sdk.call<SdkMessage[]>('messages', { name, conversationId: id })
      expect(texts(messages)).toEqual(['from node 1', 'from node 2'])
    }
  })

  it('a DM opened on node 2 reaches alice on node 1; replies come back', async () => {
    const dm = await sdk.call<{ id: string }>('newDm', { name: 'bob', inboxId: inbox.alice })
    await sdk.call('sendText', { name: 'bob', conversationId: dm.id, text: 'psst' })
    await replicated()
    await sdk.call('sync', { name: 'alice' })
    await sdk.call('sendText', { name: 'alice', conversationId: dm.id, text: 'hi bob' })
    await replicated()
    for (const name of ['alice', 'bob']) {
      const messages = await sdk.call<SdkMessage[]>('messages', { name, conversationId: dm.id })
      expect(texts(messages)).toEqual(['psst', 'hi bob'])
    }
    // Both nodes originated what their own client published, and each holds the other's envelopes.
    const [n1, n2] = devnet.status().nodes
    expect(n1?.replication?.cursors[100]).toBeGreaterThan(0)
    expect(n2?.replication?.cursors[200]).toBeGreaterThan(0)
    expect(n1?.replication?.cursors[200]).toBe(n2?.replication?.cursors[200])
    expect(n2?.replication?.cursors[100]).toBe(n1?.replication?.cursors[100])
  })
})
