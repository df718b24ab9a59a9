/**
 * Disappearing messages with the official SDK (libxmtp 1.9.1) on one node-lite: the settings are the
 * group's `message_disappear_from_ns` / `message_disappear_in_ns` metadata (mls-groups.md §11), set by
 * either side and read by the other; our client expires what it receives by its own (injectable) clock.
 */
import { Client } from '@xmtp-lite/client'
import { createWalletSigner } from '@xmtp-lite/identity'
import { type RunningNode, startNode } from '@xmtp-lite/node-lite'
import { MemoryLevel } from 'memory-level'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { SdkDriver } from './driver.ts'

interface SdkDisappearing {
  readonly enabled: boolean
  readonly fromNs: string | null
  readonly inNs: string | null
}

let node: RunningNode
let sdk: SdkDriver
let ours: Client
let official: { inboxId: string }
let clockMs = Date.now()
const hour = 3_600_000_000_000n

beforeAll(async () => {
  node = await startNode({ memory: true, grpcPort: 5556, httpPort: false, rateLimits: false })
  sdk = await SdkDriver.start()
  official = await sdk.createClient('official', `0x${'68'.repeat(32)}`)
  ours = await Client.create(createWalletSigner(new Uint8Array(32).fill(0x69)), {
    apiUrl: 'http://127.0.0.1:5556',
    db: new MemoryLevel(),
    encryptionKey: new Uint8Array(32).fill(3),
    now: () => clockMs,
  })
})

afterAll(async () => {
  await ours?.close()
  await sdk?.close()
  await node?.close()
})

describe('disappearing messages between our client and the official SDK', () => {
  it('libxmtp turns them on: we read the settings and expire its messages by our clock', async () => {
    const { id } = await sdk.call<{ id: string }>('newGroup', { name: 'official', inboxIds: [ours.inboxId] })
    const fromNs = BigInt(Date.now()) * 1_000_000n
    await sdk.call('updateDisappearing', {
      name: 'official',
      conversationId: id,
      fromNs: fromNs.toString(),
      inNs: hour.toString(),
    })
    await ours.conversations.syncWelcomes()
    const group = await ours.conversations.get(id)
    await group?.sync()
    expect(group?.disappearing).toEqual({ fromNs, inNs: hour })

    await sdk.call('sendText', { name: 'official', conversationId: id, text: 'gone in an hour' })
    await group?.sync()
    const texts = async () =>
      ((await group?.messages()) ?? []).filter((m) => m.kind === 'application').map((m) => m.content)
    expect(await texts()).toEqual(['gone in an hour'])
    clockMs += 3_600_001
    expect(await texts()).toEqual([])
  })

  it('we turn them on and off: libxmtp reads the same settings', async () => {
    const group = await ours.conversations.newGroup([official.inboxId])
    await sdk.call('sync', { name: 'official' })
    const fromNs = BigInt(clockMs) * 1_000_000n
    await group.updateDisappearing({ fromNs, inNs: 2n * hour })
    expect(
      await sdk.call<SdkDisappearing>('disappearing', { name: 'official', conversationId: group.id }),
    ).toEqual({ enabled: true, fromNs: fromNs.toString(), inNs: (2n * hour).toString() })

    await group.removeDisappearing()
    const off = await sdk.call<SdkDisappearing>('disappearing', {
      name: 'official',
      conversationId: group.id,
    })
    expect(off.enabled).toBe(false)
  })
})
