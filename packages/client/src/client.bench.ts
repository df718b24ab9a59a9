/**
 * Client figures of issue 7, each beside a baseline measured in the same run on the same node:
 * - send to another client's stream (p50/p99), beside the node's own publish-to-subscriber delivery;
 * - a cold client start from an existing database, beside opening the encrypted store alone;
 * - a group of N members created end to end (create + one add commit + welcomes), N = 20 by default.
 */

import { printResult, summarize } from '@xmtp-lite/bench'
import { createWalletSigner } from '@xmtp-lite/identity'
import { startNode } from '@xmtp-lite/node-lite'
import { MemoryLevel } from 'memory-level'
import { Client } from './client.ts'
import { EncryptedStore } from './storage/store.ts'

const node = await startNode({ memory: true, grpcPort: 0, httpPort: false, rateLimits: false })
const apiUrl = `http://127.0.0.1:${node.grpcPort}`
const encryptionKey = new Uint8Array(32).fill(3)
const make = (seed: number, db = new MemoryLevel<string, Uint8Array>()) =>
  Client.create(createWalletSigner(new Uint8Array(32).fill(seed)), { apiUrl, db, encryptionKey })

// 1. Send to another client's stream.
const alice = await make(41)
const bob = await make(42)
const group = await alice.conversations.newGroup([bob.inboxId])
const stream = bob.conversations.streamAllMessages()
await stream.ready
const iterator = stream[Symbol.asyncIterator]()
const rounds = Number(process.env.ROUNDS ?? 60)
const delivery: number[] = []
for (let i = 0; i < rounds; i++) {
  const t0 = performance.now()
  await group.sendText(`m${i}`)
  for (;;) {
    const next = await iterator.next()
    if (next.done === true || (next.value.kind === 'application' && next.value.content === `m${i}`)) break
  }
  delivery.push(performance.now() - t0)
}
stream.close()
printResult(
  'send to another client stream (xmtp-lite client, gRPC, node-lite in memory)',
  summarize('delivery', delivery),
  'target (issue 7): p99 <= 50 ms',
)

// Baseline: the node alone, publish to a subscriber (the same group topic, raw bytes through the API).
const raw: number[] = []
for (let i = 0; i < rounds; i++) {
  const t0 = performance.now()
  await new Promise<void>((resolve) => {
    const call = bob.api.subscribeGroupMessages([{ groupId: group.groupId, afterId: group.cursor }], {
      onMessage: () => {
        call.cancel()
        resolve()
      },
      onError: () => resolve(),
      onEnd: () => resolve(),
      onOpen: () => {},
    })
    void group.sendText(`raw${i}`)
  })
  raw.push(performance.now() - t0)
}
printResult('baseline: node publish to raw subscriber (includes one MLS encrypt)', summarize('raw', raw))

// 2. Cold start from an existing database.
const db = new MemoryLevel<string, Uint8Array>()
const first = await make(43, db)
await first.api.transport.close()
const cold: number[] = []
const storeOnly: number[] = []
for (let i = 0; i < 20; i++) {
  let t0 = performance.now()
  const again = await make(43, db)
  cold.push(performance.now() - t0)
  await again.api.transport.close()
  t0 = performance.now()
  await EncryptedStore.open({ db, encryptionKey })
  storeOnly.push(performance.now() - t0)
}
printResult(
  'cold client start from its database (includes one GetIdentityUpdates)',
  summarize('cold start', cold),
  'target (issue 7): <= 300 ms',
)
printResult('baseline: open the encrypted store alone', summarize('store open', storeOnly))

// 3. A group created end to end.
const size = Number(process.env.GROUP_SIZE ?? 20)
const members = await Promise.all(Array.from({ length: size - 1 }, (_, i) => make(60 + i)))
const t0 = performance.now()
await alice.conversations.newGroup(members.map((m) => m.inboxId))
const created = performance.now() - t0
console.log(
  `\n## group of ${size} created end to end: ${created.toFixed(0)} ms (target at 250 members: <= 2 s; GROUP_SIZE=250 to try)`,
)

for (const c of [alice, bob, ...members]) await c.close()
await node.close()
