/**
 * node-lite benchmarks, load generator and node on this machine (one process, a real gRPC client over
 * loopback h2c):
 * - publishes/s of 256-byte group messages (issue 6 target: >= 1,000/s), against the raw LevelDB batch
 *   write rate of the same rows measured in the same run (the floor a durable node cannot beat);
 * - send-to-stream delivery latency, p50/p99 (targets 10 / 50 ms).
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { compare, measure, printResult } from '@xmtp-lite/bench'
import { xmtp } from '@xmtp-lite/proto'
import { ClassicLevel } from 'classic-level'
import { startNode } from './node.ts'
import { groupMessage } from './testing/fixtures.ts'
import { connectTestClient } from './testing/grpcClient.ts'

const mls = xmtp.mls.api.v1
const burst = 64
const dirs: string[] = []
const tempDir = () => {
  const d = mkdtempSync(join(tmpdir(), 'node-lite-bench-'))
  dirs.push(d)
  return d
}

const diskNode = await startNode({ dataDir: tempDir(), grpcPort: 0, httpPort: false, rateLimits: false })
const memoryNode = await startNode({ memory: true, grpcPort: 0, httpPort: false, rateLimits: false })
const diskClient = connectTestClient(diskNode.grpcPort)
const memoryClient = connectTestClient(memoryNode.grpcPort)
const raw = new ClassicLevel<Uint8Array, Uint8Array>(tempDir(), {
  keyEncoding: 'view',
  valueEncoding: 'view',
})
await raw.open()

let counter = 0
const group = new Uint8Array(16).fill(0x10)
const request = () =>
  mls.SendGroupMessagesRequest.encode({ messages: [{ v1: groupMessage(group, counter++, 256) }] }).finish()

const publishBurst = (client: typeof diskClient) => () =>
  Promise.all(Array.from({ length: burst }, () => client.unary('mls', 'SendGroupMessages', request())))

const rawBurst = () =>
  Promise.all(
    Array.from({ length: burst }, () => {
      const key = new Uint8Array(32)
      new DataView(key.buffer).setUint32(0, counter++)
      // Row + dedup hash + counter, as one node batch does per message, fsynced.
      return raw.batch(
        [
          { type: 'put', key, value: new Uint8Array(300) },
          { type: 'put', key: key.slice().fill(1, 8), value: new Uint8Array(8) },
          { type: 'put', key: new Uint8Array([0x20, 1]), value: new Uint8Array(8) },
        ],
        { sync: true },
      )
    }),
  )

const throughput = await compare({
  title: `publish ${burst} concurrent 256-byte group messages (one gRPC call each); per-message rate = ${burst} x ops/s`,
  baseline: { name: `raw classic-level: ${burst} fsynced 3-row batches`, fn: rawBurst },
  candidates: [
    { name: 'node-lite gRPC, classic-level (fsync)', fn: publishBurst(diskClient) },
    { name: 'node-lite gRPC, memory-level', fn: publishBurst(memoryClient) },
  ],
  // >= 1,000 messages/s means a burst of 64 in <= 64 ms.
  target: { maxMeanMs: burst },
  options: { minTimeMs: 3000 },
})
for (const c of [throughput.baseline, ...throughput.candidates]) {
  console.log(`  ${c.name}: ${Math.round(c.opsPerSecond * burst)} messages/s`)
}

// Send-to-stream delivery: publish one message, wait for it on an open SubscribeGroupMessages stream.
const streamGroup = new Uint8Array(16).fill(0x20)
const stream = diskClient.stream(
  'SubscribeGroupMessages',
  mls.SubscribeGroupMessagesRequest.encode({ filters: [{ groupId: streamGroup }] }).finish(),
)
await stream.headers
const delivery = await measure(
  {
    name: 'publish -> stream delivery (classic-level, fsync)',
    fn: async () => {
      const msg = mls.SendGroupMessagesRequest.encode({
        messages: [{ v1: groupMessage(streamGroup, counter++, 256) }],
      }).finish()
      const next = stream.next()
      await diskClient.unary('mls', 'SendGroupMessages', msg)
      await next
    },
  },
  { minTimeMs: 3000, minSamples: 200 },
)
printResult('send-to-stream delivery latency', delivery, 'targets: p50 <= 10 ms, p99 <= 50 ms')
console.log(
  `  target p50 <= 10 ms: ${delivery.p50Ms <= 10 ? 'MET' : 'NOT MET'}; p99 <= 50 ms: ${delivery.p99Ms <= 50 ? 'MET' : 'NOT MET'}`,
)

stream.cancel()
diskClient.close()
memoryClient.close()
await Promise.all([diskNode.close(), memoryNode.close(), raw.close()])
for (const d of dirs) rmSync(d, { recursive: true, force: true })
