/**
 * Disappearing messages (mls-groups.md §11) on a real node-lite, with the clients' injectable clocks:
 * the settings travel in the group's mutable metadata; every member expires application messages at
 * receive time + `in_ns` by its own clock, hides them from queries at once and deletes them when cleaning.
 */
import { createWalletSigner } from '@xmtp-lite/identity'
import { MetadataField } from '@xmtp-lite/mls'
import { type RunningNode, startNode } from '@xmtp-lite/node-lite'
import { MemoryLevel } from 'memory-level'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { Client } from '../client.ts'
import type { DecodedMessage } from './messages.ts'

let node: RunningNode
const clients: Client[] = []
const encryptionKey = new Uint8Array(32).fill(5)
/** One clock for everyone, moved by the test (starting at the real time: key packages check it). */
let clockMs = Date.now()

async function newClient(seed: number): Promise<Client> {
  const client = await Client.create(createWalletSigner(new Uint8Array(32).fill(seed)), {
    apiUrl: `http://127.0.0.1:${node.grpcPort}`,
    db: new MemoryLevel(),
    encryptionKey,
    now: () => clockMs,
  })
  clients.push(client)
  return client
}

const texts = (messages: readonly DecodedMessage[]) =>
  messages.filter((m) => m.kind === 'application').map((m) => m.content)

let alice: Client
let bob: Client

beforeAll(async () => {
  node = await startNode({ memory: true, grpcPort: 0, httpPort: false, rateLimits: false })
  alice = await newClient(51)
  bob = await newClient(52)
})

afterAll(async () => {
  for (const c of clients) await c.close()
  await node?.close()
})

const second = 1_000_000_000n

describe('disappearing messages', () => {
  it('are set at creation, expire by receive time + in_ns, hide at once and are deleted by cleaning', async () => {
    const fromNs = BigInt(clockMs) * 1_000_000n
    const group = await alice.conversations.newGroup([bob.inboxId], {
      disappearing: { fromNs, inNs: 60n * second },
    })
    expect(group.disappearing).toEqual({ fromNs, inNs: 60n * second })
    await bob.conversations.syncWelcomes()
    const bobView = await bob.conversations.get(group.id)
    expect(bobView?.disappearing).toEqual({ fromNs, inNs: 60n * second })

    await group.sendText('first')
    clockMs += 30_000
    await group.sendText('second')
    await bobView?.sync()
    // bob received both at the same local time: both expire at that time + 60 s.
    expect(texts((await bobView?.messages()) ?? [])).toEqual(['first', 'second'])
    expect(texts(await group.messages())).toEqual(['first', 'second'])

    clockMs += 31_000
    // alice stored "first" 61 s ago, "second" 31 s ago; bob both 31 s ago.
    expect(texts(await group.messages())).toEqual(['second'])
    expect(texts((await bobView?.messages()) ?? [])).toEqual(['first', 'second'])
    expect(await alice.conversations.deleteExpiredMessages()).toBe(1)
    expect(await alice.conversations.deleteExpiredMessages()).toBe(0)

    clockMs += 30_000
    expect(texts((await bobView?.messages()) ?? [])).toEqual([])
    // Transcript messages (alice's add commit) never expire.
    expect((await group.messages()).map((m) => m.kind)).toEqual(['membershipChange'])
    // syncAll cleans too.
    await bob.conversations.syncAll()
    expect(await bob.conversations.deleteExpiredMessages()).toBe(0)
    let stored = 0
    for await (const [key] of bob.store.entriesWithPrefix(`msg!${group.id}!`)) if (key) stored++
    expect(stored).toBe((await bobView?.messages())?.length)
  })

  it('are turned on and off by metadata commits (from_ns then in_ns), seen by every member', async () => {
    const group = await alice.conversations.newGroup([bob.inboxId])
    expect(group.disappearing).toBeUndefined()
    await group.sendText('kept')
    const fromNs = BigInt(clockMs) * 1_000_000n
    await group.updateDisappearing({ fromNs, inNs: 10n * second })
    await bob.conversations.syncWelcomes()
    const bobView = await bob.conversations.get(group.id)
    await bobView?.sync()
    expect(bobView?.disappearing).toEqual({ fromNs, inNs: 10n * second })
    const changes = (await bobView?.messages())
      ?.filter((m) => m.kind === 'membershipChange')
      .flatMap((m) => (m.content as { metadataFieldChanges: { fieldName: string }[] }).metadataFieldChanges)
      .map((c) => c.fieldName)
    expect(changes).toEqual([MetadataField.MessageDisappearFromNs, MetadataField.MessageDisappearInNs])

    await bobView?.sendText('gone soon')
    await group.sync()
    clockMs += 11_000
    expect(texts(await group.messages())).toEqual(['kept'])
    expect(texts((await bobView?.messages()) ?? [])).toEqual(['kept'])

    await group.removeDisappearing()
    await bobView?.sync()
    expect(bobView?.disappearing).toBeUndefined()
    await bobView?.sendText('stays')
    await group.sync()
    clockMs += 3_600_000
    expect(texts(await group.messages())).toEqual(['kept', 'stays'])
  })

  it('are deleted by the cleaner when their time comes, without any call (real clock)', async () => {
    const realClock = async (seed: number) => {
      const client = await Client.create(createWalletSigner(new Uint8Array(32).fill(seed)), {
        apiUrl: `http://127.0.0.1:${node.grpcPort}`,
        db: new MemoryLevel(),
        encryptionKey,
      })
      clients.push(client)
      return client
    }
    const carol = await realClock(53)
    const dave = await realClock(54)
    const group = await carol.conversations.newGroup([dave.inboxId], {
      disappearing: { fromNs: BigInt(Date.now()) * 1_000_000n, inNs: 3_000_000_000n },
    })
    await dave.conversations.syncWelcomes()
    const daveView = await dave.conversations.get(group.id)
    await group.sendText('brief')
    await daveView?.sync()
    const stored = async (client: Client) => {
      let n = 0
      for await (const [key] of client.store.entriesWithPrefix('exp!')) if (key.includes(group.id)) n++
      return n
    }
    expect(await stored(dave)).toBe(1)
    await vi.waitFor(
      async () => {
        expect(await stored(dave)).toBe(0)
        expect(await stored(carol)).toBe(0)
      },
      { timeout: 20_000, interval: 100 },
    )
    expect(texts((await daveView?.messages()) ?? [])).toEqual([])
  })

  it('refuses settings that are not both positive', async () => {
    const group = await alice.conversations.newGroup([])
    const error = await group.updateDisappearing({ fromNs: 0n, inNs: second }).catch((e) => e)
    expect(error.code).toBe('Client::InvalidArgument')
    expect(group.disappearing).toBeUndefined()
  })
})
