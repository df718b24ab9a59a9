/**
 * A send overtaken by a commit (mls-groups.md §8.4), on a real node-lite: the sender syncs, encrypts, and
 * before its publish reaches the node another member's commit lands (a transport hook makes that happen
 * every time). Read back, the message is one epoch behind the group, so the sender puts it out again in
 * the current epoch: libxmtp 1.9.1 members drop such a message when the sender's leaf lies above a blank
 * leaf (tools/interop mixedPastEpoch). Every member, which decrypts both copies, must store it once (§8.5).
 */
import { fromHex } from '@xmtp-lite/common'
import { createWalletSigner } from '@xmtp-lite/identity'
import { messageEpoch } from '@xmtp-lite/mls'
import { type RunningNode, startNode } from '@xmtp-lite/node-lite'
import { MemoryLevel } from 'memory-level'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Client } from '../client.ts'
import { createGrpcTransport } from '../transport/grpc.ts'
import type { Transport } from '../transport/transport.ts'
import type { Conversation } from './conversation.ts'

let node: RunningNode
const clients: Client[] = []
/** Runs before the racer's next SendGroupMessages, once. */
let beforePublish: (() => Promise<unknown>) | undefined

async function newClient(seed: number, hooked = false): Promise<Client> {
  const grpc = createGrpcTransport({ url: `http://127.0.0.1:${node.grpcPort}` })
  const transport: Transport = hooked
    ? {
        async unary(path, request, options) {
          const hook = path.endsWith('/SendGroupMessages') ? beforePublish : undefined
          if (hook !== undefined) {
            beforePublish = undefined
            await hook()
          }
          return grpc.unary(path, request, options)
        },
        serverStream: (path, request, sink) => grpc.serverStream(path, request, sink),
        close: () => grpc.close(),
      }
    : grpc
  const client = await Client.create(createWalletSigner(new Uint8Array(32).fill(seed)), {
    transport,
    db: new MemoryLevel(),
    encryptionKey: new Uint8Array(32).fill(seed),
  })
  clients.push(client)
  return client
}

beforeAll(async () => {
  node = await startNode({ memory: true, grpcPort: 0, httpPort: false, rateLimits: false })
})

afterAll(async () => {
  for (const c of clients) await c.close()
  await node?.close()
})

const texts = async (c: Conversation) =>
  (await c.messages()).filter((m) => m.kind === 'application').map((m) => m.content)

describe('a send overtaken by a commit', () => {
  it('is sent again in the current epoch, and every member stores it once', async () => {
    const [alice, bob, racer, dave, erin] = [
      await newClient(81),
      await newClient(82),
      await newClient(83, true),
      await newClient(84),
      await newClient(85),
    ]
    // Leaves: alice 0, bob 1, racer 2, dave 3, erin 4; then bob leaves a blank below the racer.
    const group = await alice.conversations.newGroup([bob.inboxId])
    for (const c of [racer, dave, erin]) await group.addMembers([c.inboxId])
    const handles: Record<string, Conversation> = {}
    for (const [name, c] of Object.entries({ racer, dave, erin })) {
      const [joined] = await c.conversations.syncWelcomes()
      if (joined === undefined) throw new Error(`${name} got no welcome`)
      handles[name] = joined
    }
    const raced = handles.racer as Conversation
    const erinGroup = handles.erin as Conversation
    await group.removeMembers([bob.inboxId])
    for (const c of Object.values(handles)) await c.sync()

    // Not overtaken: published once.
    const before = (await alice.api.queryGroupMessages(fromHex(group.id))).length
    await raced.sendText('in time')
    expect((await alice.api.queryGroupMessages(fromHex(group.id))).length).toBe(before + 1)

    // Overtaken: Erin's rename lands after the racer's sync and before its publish.
    const epoch = raced.epoch
    beforePublish = () => erinGroup.updateName('overtook')
    await raced.sendText('overtaken')
    expect(beforePublish).toBeUndefined()
    const topic = await alice.api.queryGroupMessages(fromHex(group.id))
    // The rename (made in `epoch`), our message from `epoch`, and its copy from the rename's epoch.
    expect(topic.slice(-3).map((r) => [r.isCommit, messageEpoch(r.data)])).toEqual([
      [true, epoch],
      [false, epoch],
      [false, epoch + 1n],
    ])
    expect(raced.epoch).toBe(epoch + 1n)

    for (const c of [group, handles.dave as Conversation, erinGroup, raced]) {
      await c.sync()
      expect(await texts(c)).toEqual(['in time', 'overtaken'])
    }
    expect(group.name).toBe('overtook')
  })
})
