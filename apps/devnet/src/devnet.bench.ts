/**
 * Devnet benchmarks (`pnpm bench devnet`):
 * 1. publish on node 1 → stream delivery on node 2 (p50/p99; target p99 <= 100 ms), beside the same-node
 *    delivery (publish on node 1 → stream on node 1) measured in the same run;
 * 2. a 3-node in-memory devnet ready (target <= 3 s), beside one node without replication.
 * @module
 */
import { compare, printResult } from '@xmtp-lite/bench'
import {
  checkBatch,
  encodePrivateMessageFrame,
  type GroupMessage,
  type RunningNode,
  startNode,
} from '@xmtp-lite/node-lite'
import { startDevnet } from './devnet.ts'
import { devnetPublicKey } from './keys.ts'

const groupId = new Uint8Array(16).fill(0x61)
let counter = 0
const waiting = new Map<string, () => void>()

function watch(node: RunningNode, label: string): void {
  node.service.subscribeGroupMessages({ client: `bench-${label}` }, [{ groupId, idCursor: 0 }], {
    write(item: GroupMessage) {
      const key = `${label}:${Buffer.from(item.data).toString('hex')}`
      waiting.get(key)?.()
      waiting.delete(key)
      return true
    },
    drained: () => Promise.resolve(),
    end: () => {},
  })
}

async function publishAndAwait(from: RunningNode, label: string): Promise<void> {
  const ciphertext = new Uint8Array(64)
  new DataView(ciphertext.buffer).setUint32(0, ++counter)
  const data = encodePrivateMessageFrame({ groupId, ciphertext, contentType: 1 })
  const delivered = new Promise<void>((resolve) =>
    waiting.set(`${label}:${Buffer.from(data).toString('hex')}`, resolve),
  )
  await from.service.sendGroupMessages({ client: 'bench' }, [
    { data, senderHmac: new Uint8Array(1), shouldPush: true },
  ])
  await delivered
}

const devnet = await startDevnet({ nodes: 3, statusPort: false, nodeOptions: { rateLimits: false } })
const node1 = devnet.nodes[0]?.node as RunningNode
const node2 = devnet.nodes[1]?.node as RunningNode
watch(node1, 'same')
watch(node2, 'cross')
const delivery = await compare({
  title: 'publish on node 1 → stream delivery (3-node in-memory devnet)',
  baseline: { name: 'same node (publish node 1, stream node 1)', fn: () => publishAndAwait(node1, 'same') },
  candidates: [
    { name: 'across nodes (publish node 1, stream node 2)', fn: () => publishAndAwait(node1, 'cross') },
  ],
  options: { minTimeMs: 3000, minSamples: 100 },
})
for (const r of [delivery.baseline, ...delivery.candidates]) printResult('delivery latency', r)
const cross = delivery.candidates[0]
console.log(
  `  target: across-node p99 <= 100 ms: ${cross !== undefined && cross.p99Ms <= 100 ? 'MET' : 'NOT MET'} (p99 ${cross?.p99Ms.toFixed(1)} ms)`,
)
await devnet.stop()

await compare({
  title: 'ready time: startDevnet (3 nodes, in memory) vs one node without replication',
  baseline: {
    name: 'one node, no replication',
    fn: async () => (await startNode({ memory: true, grpcPort: 0, httpPort: 0 })).close(),
  },
  candidates: [
    {
      name: '3-node devnet with status page',
      fn: async () => (await startDevnet({ nodes: 3 })).stop(),
    },
  ],
  target: { maxMeanMs: 3000 },
  options: { minTimeMs: 3000, minSamples: 5 },
})

// 3. Convergence after a healed partition: node 3 is cut off while node 1 originates N envelopes; the time
// from heal to node 3 holding all N, beside the CPU floor (verifying the same N envelopes in process).
const total = Number(process.env.DEVNET_BENCH_ENVELOPES ?? '2000')
const net = await startDevnet({ nodes: 3, statusPort: false, nodeOptions: { rateLimits: false } })
net.cutLink(0, 2)
net.cutLink(1, 2)
const origin = net.nodes[0]?.node as RunningNode
for (let i = 0; i < total; i += 100) {
  await origin.service.sendGroupMessages(
    { client: 'bench' },
    Array.from({ length: Math.min(100, total - i) }, (_, j) => {
      const ciphertext = new Uint8Array(64)
      new DataView(ciphertext.buffer).setUint32(0, 1_000_000 + i + j)
      return {
        data: encodePrivateMessageFrame({ groupId, ciphertext, contentType: 1 }),
        senderHmac: new Uint8Array(1),
        shouldPush: false,
      }
    }),
  )
}
const frames = await origin.replicator?.envelopes(100)
const nodeKeys = new Map([[100, devnetPublicKey(100)]])
const floorStart = performance.now()
checkBatch({ frames: frames ?? [], originator: 100, cursor: 0, nodeKeys })
const floorMs = performance.now() - floorStart
const healStart = performance.now()
net.healLink(0, 2)
net.healLink(1, 2)
while ((net.status().nodes[2]?.replication?.cursors[100] ?? 0) < total)
  await new Promise((r) => setTimeout(r, 5))
const convergeMs = performance.now() - healStart
console.log(
  `\n## convergence after heal (${total} envelopes originated on node 1 while node 3 was cut off)\n` +
    `  baseline: verify ${total} envelopes in process: ${floorMs.toFixed(0)} ms\n` +
    `  heal → node 3 has all ${total}: ${convergeMs.toFixed(0)} ms (${(floorMs / convergeMs).toFixed(3)}x)\n` +
    `  issue target: 10,000 envelopes within 2 s: ${total >= 10_000 && convergeMs <= 2000 ? 'MET' : `not shown (${total} envelopes, ${convergeMs.toFixed(0)} ms)`}`,
)
await net.stop()
process.exit(0)
