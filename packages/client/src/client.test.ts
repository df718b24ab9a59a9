import { createWalletSigner } from '@xmtp-lite/identity'
import { type RunningNode, startNode } from '@xmtp-lite/node-lite'
import { MemoryLevel } from 'memory-level'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Client } from './client.ts'
import { createWebSocketTransport } from './transport/websocket.ts'

// A real node-lite (memory storage, real validators) on real sockets: gRPC and WebSocket.
let node: RunningNode
const encryptionKey = new Uint8Array(32).fill(1)
const wallet = (n: number) => createWalletSigner(new Uint8Array(32).fill(n))

beforeAll(async () => {
  node = await startNode({ memory: true, grpcPort: 0, httpPort: 0, rateLimits: false })
})

afterAll(async () => {
  await node?.close()
})

describe('Client.create', () => {
  it('registers a new inbox over gRPC and loads it again from the same database', async () => {
    const db = new MemoryLevel<string, Uint8Array>()
    const signer = wallet(3)
    const client = await Client.create(signer, {
      apiUrl: `http://127.0.0.1:${node.grpcPort}`,
      db,
      encryptionKey,
    })
    expect(client.inboxId).toMatch(/^[0-9a-f]{64}$/)
    expect(await client.inboxes.installations(client.inboxId)).toEqual([client.installationKey])
    await client.api.transport.close()

    const again = await Client.create(signer, {
      apiUrl: `http://127.0.0.1:${node.grpcPort}`,
      db,
      encryptionKey,
    })
    expect(again.inboxId).toBe(client.inboxId)
    expect(again.installationId).toBe(client.installationId)
    await again.close()
  })

  it('adds a second installation to an existing inbox over WebSocket', async () => {
    const signer = wallet(4)
    const first = await Client.create(signer, {
      transport: createWebSocketTransport({ url: `ws://127.0.0.1:${node.httpPort}/ws` }),
      db: new MemoryLevel(),
      encryptionKey,
    })
    const second = await Client.create(signer, {
      transport: createWebSocketTransport({ url: `ws://127.0.0.1:${node.httpPort}/ws` }),
      db: new MemoryLevel(),
      encryptionKey,
    })
    expect(second.inboxId).toBe(first.inboxId)
    await first.inboxes.refresh([first.inboxId])
    const installations = await first.inboxes.installations(first.inboxId)
    expect(installations).toHaveLength(2)
    await first.close()
    await second.close()
  })

  it('refuses a database that holds another identifier', async () => {
    const db = new MemoryLevel<string, Uint8Array>()
    const url = `http://127.0.0.1:${node.grpcPort}`
    const a = await Client.create(wallet(5), { apiUrl: url, db, encryptionKey })
    await a.api.transport.close()
    const error = await Client.create(wallet(6), { apiUrl: url, db, encryptionKey }).catch((e) => e)
    expect(error.code).toBe('Client::InvalidArgument')
  })
})
