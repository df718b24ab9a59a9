import { ContentTypeError } from '@xmtp-lite/content-types'
import { ContentTypePoll, type Poll } from '@xmtp-lite/content-types/xip-poll'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { TestNode } from '../test/testNode.ts'
import { ClientError } from './errors.ts'
import { checkClientFlags } from './flags.ts'
import { createWebSocketTransport } from './transport/websocket.ts'

// Two real nodes on free ports: one runs xip-poll, one does not (node-lite src/flags.ts).
let flagged: TestNode
let plain: TestNode

beforeAll(async () => {
  flagged = await TestNode.start({ flags: ['xip-poll'] })
  plain = await TestNode.start({ http: true })
})

afterAll(async () => {
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
    const alice = await flagged.newClient(0x61, { flags: ['xip-poll'] })
    const bob = await flagged.newClient(0x62, { flags: ['xip-poll'] })
    const carol = await flagged.newClient(0x63)
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
      await plain.newClient(0x64, { flags: ['xip-poll'] })
    } catch (e) {
      refused = e
    }
    expect(refused).toBeInstanceOf(ClientError)
    expect((refused as ClientError).code).toBe('Client::Rejected')
    // FAILED_PRECONDITION: Node::FlagNotEnabled.
    expect((refused as { status?: number }).status).toBe(9)
    let overWs: unknown
    try {
      await plain.newClient(0x65, {
        flags: ['xip-poll'],
        transport: createWebSocketTransport({
          url: `ws://127.0.0.1:${plain.node.httpPort}/ws`,
          flags: ['xip-poll'],
        }),
      })
    } catch (e) {
      overWs = e
    }
    expect((overWs as ClientError).code).toBe('Client::Rejected')
    // The same client without the flag registers through that node.
    expect((await plain.newClient(0x64)).inboxId).toMatch(/^[0-9a-f]{64}$/)
  })
})
