import { ContentTypeError } from '@xmtp-lite/content-types'
import { ContentTypePoll, type Poll } from '@xmtp-lite/content-types/xip-poll'
import { createWalletSigner } from '@xmtp-lite/identity'
import { type RunningNode, startNode } from '@xmtp-lite/node-lite'
import { MemoryLevel } from 'memory-level'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Client, type ClientOptions } from './client.ts'
import { ClientError } from './errors.ts'
import { checkClientFlags } from './flags.ts'
import { createWebSocketTransport } from './transport/websocket.ts'

// Two real nodes on free ports: one runs xip-poll, one does not (node-lite src/flags.ts).
let flagged: RunningNode
let plain: RunningNode
const clients: Client[] = []

const create = async (seed: number, node: RunningNode, extra: Partial<ClientOptions> = {}) => {
  const c = await Client.create(createWalletSigner(new Uint8Array(32).fill(seed)), {
    apiUrl: `http://127.0.0.1:${node.grpcPort}`,
    db: new MemoryLevel(),
    encryptionKey: new Uint8Array(32).fill(seed),
    ...extra,
  })
  clients.push(c)
  return c
}

beforeAll(async () => {
  flagged = await startNode({
    memory: true,
    grpcPort: 0,
    httpPort: 0,
    rateLimits: false,
    flags: ['xip-poll'],
  })
  plain = await startNode({ memory: true, grpcPort: 0, httpPort: 0, rateLimits: false })
})

afterAll(async () => {
  for (const c of clients) await c.close()
  await flagged?.close()
  await plain?.close()
})

const poll: Poll = { question: 'Lunch?', options: ['pizza', 'sushi'] }
const fallback = 'Poll: Lunch? (1. pizza, 2. sushi). Your app does not support polls yet.'

describe('client feature flags', () => {
  it('refuses a flag this client does not implement', () => {
    expect(checkClientFlags(['xip-poll', 'xip-poll'])).toEqual(['xip-poll'])
    let code: string | undefined
    try {
      checkClientFlags(['xip-nope'])
    } catch (e) {
      code = e instanceof ClientError ? e.code : String(e)
    }
    expect(code).toBe('Client::InvalidArgument')
  })

  it('with xip-poll a client sends and reads polls; without it the same message is its fallback text', async () => {
    const alice = await create(0x61, flagged, { flags: ['xip-poll'] })
    const bob = await create(0x62, flagged, { flags: ['xip-poll'] })
    const carol = await create(0x63, flagged)
    expect(alice.flags).toEqual(['xip-poll'])
    expect(carol.flags).toEqual([])
    const group = await alice.conversations.newGroup([bob.inboxId, carol.inboxId], { name: 'polls' })
    await group.send(poll, ContentTypePoll)
    for (const [who, known] of [
      [bob, true],
      [carol, false],
    ] as const) {
      const [joined] = await who.conversations.syncWelcomes()
      await joined?.sync()
      const last = (await joined?.messages())?.filter((m) => m.kind === 'application').at(-1)
      expect(last?.contentType.typeId).toBe('poll')
      expect(last?.fallback).toBe(fallback)
      expect(last?.content).toEqual(known ? poll : fallback)
    }
    // Without the flag, sending a poll fails: the client has no codec for it.
    const [carolsGroup] = await carol.conversations.list()
    await expect(carolsGroup?.send(poll, ContentTypePoll)).rejects.toBeInstanceOf(ContentTypeError)
  })

  it('a node without the flag refuses the writes of a flagged client (gRPC and WebSocket)', async () => {
    let refused: unknown
    try {
      await create(0x64, plain, { flags: ['xip-poll'] })
    } catch (e) {
      refused = e
    }
    expect(refused).toBeInstanceOf(ClientError)
    expect((refused as ClientError).code).toBe('Client::Rejected')
    // FAILED_PRECONDITION: Node::FlagNotEnabled.
    expect((refused as { status?: number }).status).toBe(9)
    let overWs: unknown
    try {
      await create(0x65, plain, {
        flags: ['xip-poll'],
        transport: createWebSocketTransport({
          url: `ws://127.0.0.1:${plain.httpPort}/ws`,
          flags: ['xip-poll'],
        }),
      })
    } catch (e) {
      overWs = e
    }
    expect((overWs as ClientError).code).toBe('Client::Rejected')
    // The same client without the flag registers through that node.
    expect((await create(0x64, plain)).inboxId).toMatch(/^[0-9a-f]{64}$/)
  })
})
