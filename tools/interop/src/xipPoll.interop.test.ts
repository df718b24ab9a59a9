/**
 * The worked example of CONTRIBUTING.md, kept as a test: the draft content type of xips/xip-poll.md
 * (drafted with `pnpm xip new poll`, vectors in vectors/xip-poll, codec in content-types) on a devnet where
 * only nodes 100 and 200 run its flag. Two of our clients with the flag exchange polls across nodes; our
 * client without the flag, and the official SDK (libxmtp 1.9.1) in the same group, receive them as an
 * unknown type showing the fallback text; a flagged client cannot publish through node 300.
 *
 * Conformance: sdk xip-poll
 */
import { Client, ClientError } from '@xmtp-lite/client'
import { ContentTypePoll, type Poll } from '@xmtp-lite/content-types/xip-poll'
import { type Devnet, startDevnet } from '@xmtp-lite/devnet'
import { createWalletSigner } from '@xmtp-lite/identity'
import { MemoryLevel } from 'memory-level'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { SdkDriver, type SdkMessage } from './driver.ts'

let devnet: Devnet
let sdk: SdkDriver
const ours: Client[] = []

/** Waits until every node holds every originator's envelopes (generous deadline, no timing assertion). */
async function replicated(): Promise<void> {
  const end = Date.now() + 60_000
  for (;;) {
    const nodes = devnet.status().nodes
    const last = new Map(nodes.map((n) => [n.id, n.replication?.cursors[n.id] ?? 0]))
    if (nodes.every((n) => [...last].every(([id, seq]) => n.replication?.cursors[id] === seq))) return
    if (Date.now() > end) throw new Error('devnet did not converge')
    await new Promise((r) => setTimeout(r, 20))
  }
}

const client = async (seed: number, nodeIndex: number, flags: readonly string[]) => {
  const c = await Client.create(createWalletSigner(new Uint8Array(32).fill(seed)), {
    apiUrl: devnet.nodes[nodeIndex]?.grpcUrl ?? '',
    db: new MemoryLevel(),
    encryptionKey: new Uint8Array(32).fill(seed),
    flags,
  })
  ours.push(c)
  return c
}

beforeAll(async () => {
  devnet = await startDevnet({
    nodes: 3,
    firstGrpcPort: 5556,
    statusPort: false,
    flags: { 'xip-poll': [100, 200] },
    nodeOptions: { rateLimits: false },
  })
  sdk = await SdkDriver.start()
})

afterAll(async () => {
  for (const c of ours) await c.close()
  await sdk?.close()
  await devnet?.stop()
})

const lunch: Poll = { question: 'Lunch?', options: ['pizza', 'sushi', 'ramen'] }
const lunchFallback = 'Poll: Lunch? (1. pizza, 2. sushi, 3. ramen). Your app does not support polls yet.'
const when: Poll = { question: 'When?', options: ['noon', '1 pm'], multiple: true }
const whenFallback = 'Poll: When? (1. noon, 2. 1 pm). Your app does not support polls yet.'

describe('worked example: the xip-poll content type on a devnet where only some nodes run its flag', () => {
  it('two flagged clients exchange polls; an unflagged client and the official SDK see the fallback', async () => {
    expect(devnet.nodes.map((n) => n.flags)).toEqual([['xip-poll'], ['xip-poll'], []])
    const alice = await client(0x71, 0, ['xip-poll'])
    const bob = await client(0x72, 1, ['xip-poll'])
    const carol = await client(0x73, 2, [])
    const sam = await sdk.createClient(
      'sam',
      '0x7474747474747474747474747474747474747474747474747474747474747474',
    )
    await replicated()

    const group = await alice.conversations.newGroup([bob.inboxId, carol.inboxId, sam.inboxId], {
      name: 'xip-poll',
    })
    await group.send(lunch, ContentTypePoll)
    await replicated()
    const [bobs] = await bob.conversations.syncWelcomes()
    if (bobs === undefined) throw new Error('bob did not join')
    await bobs.sync()
    const bobSees = (await bobs.messages()).filter((m) => m.kind === 'application')
    expect(bobSees.map((m) => m.content)).toEqual([lunch])
    // Bob answers with a poll of his own through node 200; alice reads it through node 100.
    await bobs.send(when, ContentTypePoll)
    await replicated()
    await group.sync()
    expect((await group.messages()).filter((m) => m.kind === 'application').map((m) => m.content)).toEqual([
      lunch,
      when,
    ])

    // Carol runs no flag (and her node neither): both polls are their fallback text.
    const [carols] = await carol.conversations.syncWelcomes()
    await carols?.sync()
    const carolSees = ((await carols?.messages()) ?? []).filter((m) => m.kind === 'application')
    expect(carolSees.map((m) => [m.contentType.toString(), m.content])).toEqual([
      ['xmtp-lite.dev/poll:1.0', lunchFallback],
      ['xmtp-lite.dev/poll:1.0', whenFallback],
    ])

    // The official SDK (on node 100, localhost:5556) decodes the EncodedContent and shows the fallback.
    await sdk.call('sync', { name: 'sam' })
    const samSees = await sdk.call<SdkMessage[]>('messages', { name: 'sam', conversationId: group.id })
    const polls = samSees.filter((m) => m.contentType === 'xmtp-lite.dev/poll:1.0')
    expect(polls.map((m) => m.fallback)).toEqual([lunchFallback, whenFallback])
  })

  it('a client with the flag cannot publish through the node without it', async () => {
    let refused: unknown
    try {
      await client(0x75, 2, ['xip-poll'])
    } catch (e) {
      refused = e
    }
    expect(refused).toBeInstanceOf(ClientError)
    expect((refused as ClientError).code).toBe('Client::Rejected')
  })
})
