/**
 * Devnet benchmarks (`pnpm bench devnet`):
 * 1. publish on node 1 → stream delivery on node 2 (p50/p99; target p99 <= 100 ms), beside the same-node
 *    delivery (publish on node 1 → stream on node 1) measured in the same run;
 * 2. a 3-node in-memory devnet ready (target <= 3 s), beside one node without replication;
 * 3. 10,000 envelopes converging on a node after its partition heals (target <= 2 s), with the verification
 *    workers and without (alternating trials), beside a raw store and the verification of the same
 *    envelopes in the same run.
 * @module
 */
import { loadavg } from 'node:os'
import { compare, printResult } from '@xmtp-lite/bench'
import { defaultCrypto, nobleCrypto } from '@xmtp-lite/common'
import { parseOriginatorEnvelope, verifyOriginatorEnvelope } from '@xmtp-lite/envelopes'
import {
  checkBatch,
  encodePrivateMessageFrame,
  type GroupMessage,
  openStore,
  parseGroupMessage,
  type RunningNode,
  startNode,
} from '@xmtp-lite/node-lite'
import { xmtp } from '@xmtp-lite/proto'
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

// DEVNET_BENCH_ONLY=convergence runs section 3 alone.
if (process.env.DEVNET_BENCH_ONLY !== 'convergence') await deliveryAndReady()

async function deliveryAndReady(): Promise<void> {
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
}

// 3. Convergence after a healed partition: node 3 is cut off while node 1 originates N envelopes (default
// 10,000); the time from heal to node 3 holding all N. Trials alternate between the node-lite default
// (signatures checked on the verification workers while pages are stored) and verification on the nodes'
// own thread (verifyWorkers: 0), each on a fresh devnet. Same-run baselines on the same N envelopes:
//   - raw store: parse them and write them to a fresh in-memory store (V3 rows + envelope keys, one batch per
//     2,000 as a pull does), without verification: the floor of the non-crypto work;
//   - verification only, as a pull does it on its own thread (checkBatch), and in pure JS (the known-key
//     verifier, and recovery per envelope as it was done before; DEVNET_BENCH_PURE_JS=0 skips these two).
const total = Number(process.env.DEVNET_BENCH_ENVELOPES ?? '10000')
const trials = Number(process.env.DEVNET_BENCH_TRIALS ?? '2')

async function converge(verifyWorkers: number | undefined): Promise<{ ms: number; frames: Uint8Array[] }> {
  const net = await startDevnet({
    nodes: 3,
    statusPort: false,
    nodeOptions: { rateLimits: false },
    ...(verifyWorkers === undefined ? {} : { verifyWorkers }),
  })
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
  const frames = (await origin.replicator?.envelopes(100)) ?? []
  // Node 2 is still linked: let it finish first, so that only node 3's catch-up is timed. The workers were
  // started with the nodes (and used by node 2): make sure they are up, as on any node that ran a while.
  while ((net.status().nodes[1]?.replication?.cursors[100] ?? 0) < total)
    await new Promise((r) => setTimeout(r, 5))
  if (verifyWorkers !== 0) await net.nodes[2]?.node?.replicator?.verifyWorkersReady()
  const healStart = performance.now()
  net.healLink(0, 2)
  net.healLink(1, 2)
  while ((net.status().nodes[2]?.replication?.cursors[100] ?? 0) < total)
    await new Promise((r) => setTimeout(r, 5))
  const ms = performance.now() - healStart
  await net.stop()
  return { ms, frames }
}

const withWorkers: number[] = []
const inProcess: number[] = []
let frames: Uint8Array[] = []
for (let t = 0; t < trials; t++) {
  inProcess.push((await converge(0)).ms)
  const run = await converge(undefined)
  withWorkers.push(run.ms)
  frames = run.frames
}
const nodeKeys = new Map([[100, devnetPublicKey(100)]])

async function rawStore(): Promise<number> {
  const store = await openStore({ memory: true })
  const start = performance.now()
  for (let i = 0; i < frames.length; i += 2000) {
    const page = frames.slice(i, i + 2000).map((f) => parseOriginatorEnvelope(f))
    await store.appendGroupMessages(
      page.map((e) => {
        const bytes = e.unsignedOriginatorEnvelope.payerEnvelope.clientEnvelope.payload.bytes
        const v1 = xmtp.mls.api.v1.GroupMessageInput.decode(bytes).v1
        const data = v1?.data ?? new Uint8Array(0)
        const header = parseGroupMessage(data)
        return {
          groupId: header.groupId,
          data,
          senderHmac: v1?.senderHmac ?? new Uint8Array(0),
          shouldPush: v1?.shouldPush === true,
          isCommit: header.isCommit,
        }
      }),
    )
    await store.db.batch(
      page.map((e) => {
        const key = new Uint8Array(13)
        key[0] = 0x40
        new DataView(key.buffer).setBigUint64(5, e.unsignedOriginatorEnvelope.originatorSequenceId)
        return { type: 'put' as const, key, value: e.bytes }
      }),
    )
  }
  const ms = performance.now() - start
  await store.close()
  return ms
}

const rawMs = await rawStore()
const timed = (fn: () => unknown) => {
  const t = performance.now()
  fn()
  return performance.now() - t
}
// As a pull checks them on its own thread: the default provider (libsecp256k1 recovery when its prebuilt
// package loads).
const verifyMs = timed(() => checkBatch({ frames, originator: 100, cursor: 0, nodeKeys }))
const pureJs = process.env.DEVNET_BENCH_PURE_JS !== '0'
// Pure JS: the known-key verifier (what a pull uses without libsecp256k1), and noble's recovery.
const knownKeyMs = pureJs
  ? timed(() => checkBatch({ frames, originator: 100, cursor: 0, nodeKeys, crypto: nobleCrypto }))
  : Number.NaN
const recoverMs = pureJs
  ? timed(() => {
      for (const f of frames) {
        verifyOriginatorEnvelope(parseOriginatorEnvelope(f), {
          nodeKeys,
          expectedNodeId: 100,
          crypto: nobleCrypto,
        })
      }
    })
  : Number.NaN
const rawAfterMs = await rawStore()
const mean = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0) / xs.length
const best = Math.min(...withWorkers)
const ratio = (ms: number, base: number) => `${(ms / base).toFixed(2)}x`
const native = (defaultCrypto as { nativeBackends?: readonly string[] }).nativeBackends ?? []
const list = (xs: readonly number[]) => xs.map((x) => x.toFixed(0)).join(', ')
console.log(
  `\n## convergence after heal (${total} envelopes originated on node 1 while node 3 was cut off; load average ${loadavg()
    .map((l) => l.toFixed(1))
    .join(' ')})\n` +
    `  baseline: raw store of the same ${total} (parse + V3 rows + envelope keys, no verification): ${rawMs.toFixed(0)} ms before, ${rawAfterMs.toFixed(0)} ms after\n` +
    `  baseline: verify them on one thread as a pull does (checkBatch, provider '${defaultCrypto.name}', native: ${native.join(', ') || 'none'}): ${verifyMs.toFixed(0)} ms\n` +
    (pureJs
      ? `  baseline: verify them in pure JS: known-key verifier ${knownKeyMs.toFixed(0)} ms, noble recovery ${recoverMs.toFixed(0)} ms (${(recoverMs / knownKeyMs).toFixed(2)}x)\n`
      : '') +
    `  baseline: heal → node 3 has all ${total}, verification on the nodes' thread (verifyWorkers 0): ${list(inProcess)} ms (mean ${mean(inProcess).toFixed(0)})\n` +
    `  heal → node 3 has all ${total}, default (verification workers): ${list(withWorkers)} ms (mean ${mean(withWorkers).toFixed(0)}) = ${ratio(mean(withWorkers), mean(inProcess))} the nodes' thread, ${ratio(mean(withWorkers), (rawMs + rawAfterMs) / 2)} raw store, ${ratio(mean(withWorkers), verifyMs)} verification alone\n` +
    `  issue target: 10,000 envelopes within 2 s of healing: ${total >= 10_000 && best <= 2000 ? `MET (best ${best.toFixed(0)} ms)` : `NOT MET (${total} envelopes, best ${best.toFixed(0)} ms)`}`,
)
process.exit(0)
