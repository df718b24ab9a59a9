import { createServer, type Server } from 'node:http'
import {
  createClientEnvelope,
  createOriginatorEnvelope,
  createUnsignedPayerEnvelope,
  groupMessagesTopic,
} from '@xmtp-lite/envelopes'
import {
  encodeFrames,
  encodePrivateMessageFrame,
  type RefusedBatch,
  type RunningNode,
  startNode,
} from '@xmtp-lite/node-lite'
import { xmtp } from '@xmtp-lite/proto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { devnetPrivateKey, devnetPublicKey } from '../src/keys.ts'

// Hostile peers: node 400 is registered (its key is known) but its server misbehaves in the way the test
// picks: a bad signature, a sequence gap, a reordered sequence. Nodes 100 and 200 are honest and keep
// replicating between themselves while 400's batches are refused with typed errors. Node 100 checks these
// small batches on its own thread; node 200 sends every batch to the verification workers
// (workerMinBatch 1), so both paths refuse, each with the same typed error.

const group = new Uint8Array(16).fill(9)

function envelope(seq: number, signer: Uint8Array): Uint8Array {
  const client = createClientEnvelope({
    targetTopic: groupMessagesTopic(group),
    payload: {
      kind: 'groupMessage',
      bytes: xmtp.mls.api.v1.GroupMessageInput.encode({
        v1: {
          data: encodePrivateMessageFrame({
            groupId: group,
            ciphertext: new Uint8Array([0xee, seq]),
            contentType: 1,
          }),
        },
      }).finish(),
    },
  })
  return createOriginatorEnvelope({
    payerEnvelope: createUnsignedPayerEnvelope(client),
    originatorNodeId: 400,
    originatorSequenceId: seq,
    originatorNs: 1_795_564_800_000_000_000n,
    nodePrivateKey: signer,
  }).bytes
}

type Mode = 'badSignature' | 'gap' | 'reorder'
let mode: Mode = 'badSignature'
const honestKey = devnetPrivateKey(400)
const batches: Record<Mode, Uint8Array[]> = {
  // Signed by node 100's key while claiming originator 400.
  badSignature: [envelope(1, devnetPrivateKey(100))],
  gap: [envelope(1, honestKey), envelope(3, honestKey)],
  reorder: [envelope(2, honestKey), envelope(1, honestKey)],
}

let hostile: Server
let hostilePort = 0
const nodes: RunningNode[] = []
const refused: (RefusedBatch & { readonly by: number })[] = []

beforeAll(async () => {
  hostile = createServer((req, res) => {
    if (!req.url?.startsWith('/replication/v1/envelopes')) return void res.writeHead(404).end()
    // Hostile answers only from the start; after a refusal the puller asks again from the same cursor.
    const after = Number(new URL(req.url, 'http://x').searchParams.get('after'))
    res.writeHead(200, { 'x-last-sequence-id': '3' })
    res.end(after === 0 ? encodeFrames(batches[mode]) : new Uint8Array(0))
  })
  hostilePort = await new Promise<number>((resolve) =>
    hostile.listen(0, '127.0.0.1', () => {
      const a = hostile.address()
      resolve(typeof a === 'object' && a !== null ? a.port : 0)
    }),
  )
  const ports = new Map<number, number>([[400, hostilePort]])
  const registry = [100, 200, 400].map((id) => ({ id, url: '', publicKey: devnetPublicKey(id) }))
  for (const id of [100, 200]) {
    const node = await startNode({
      memory: true,
      grpcPort: 0,
      httpPort: 0,
      rateLimits: false,
      replication: {
        nodeId: id,
        privateKey: devnetPrivateKey(id),
        registry,
        peerUrl: (peer) => `http://127.0.0.1:${ports.get(peer) ?? 1}`,
        longPollMs: 200,
        retryMs: 20,
        ...(id === 200 ? { verifyWorkers: 1, workerMinBatch: 1 } : { verifyWorkers: 0 }),
      },
    })
    ports.set(id, node.httpPort ?? 0)
    node.replicator?.onRefused((r) => refused.push({ ...r, by: id }))
    nodes.push(node)
  }
  // Node 200's batches go to a worker only once one is ready (before, they are checked in place).
  expect(await nodes[1]?.replicator?.verifyWorkersReady()).toBe(true)
  refused.length = 0
})

afterAll(async () => {
  await Promise.all(nodes.map((n) => n.close()))
  await new Promise<void>((resolve) => {
    hostile.close(() => resolve())
    hostile.closeAllConnections()
  })
})

/** The refusals with `code`, once both nodes have refused twice. */
async function refusal(code: string): Promise<typeof refused> {
  const end = Date.now() + 30_000
  for (;;) {
    const found = refused.filter((r) => r.error.code === code)
    const by = (id: number) => found.filter((r) => r.by === id).length
    if ((by(100) >= 2 && by(200) >= 2) || Date.now() > end) return found
    await new Promise((r) => setTimeout(r, 20))
  }
}

describe('hostile peers', () => {
  it.each([
    ['badSignature', 'Replication::BadSignature'],
    ['gap', 'Replication::SequenceGap'],
    ['reorder', 'Replication::SequenceGap'],
  ] as const)('refuses a %s batch with %s; honest replication continues', async (m, code) => {
    refused.length = 0
    mode = m
    const found = await refusal(code)
    expect(found.map((r) => r.peerId)).toContain(400)
    expect(found.every((r) => r.error.code === code)).toBe(true)
    // Refused by both: on node 100's thread and through node 200's verification worker.
    expect(new Set(found.map((r) => r.by))).toEqual(new Set([100, 200]))
    // Nothing of 400 was stored on either node.
    for (const n of nodes) {
      expect(n.replicator?.status().cursors[400]).toBe(0)
      expect(await n.store.queryGroupMessages(group, { ascending: true, limit: 10, idCursor: 0 })).toEqual([])
    }
    // 100 → 200 still flows.
    const [n1, n2] = nodes as [RunningNode, RunningNode]
    const data = encodePrivateMessageFrame({
      groupId: new Uint8Array(16).fill(1),
      ciphertext: new TextEncoder().encode(m),
      contentType: 1,
    })
    await n1.service.sendGroupMessages({ client: 't' }, [
      { data, senderHmac: new Uint8Array(1), shouldPush: true },
    ])
    const want = n1.replicator?.status().cursors[100]
    const end = Date.now() + 30_000
    while (n2.replicator?.status().cursors[100] !== want && Date.now() < end) {
      await new Promise((r) => setTimeout(r, 20))
    }
    expect(n2.replicator?.status().cursors[100]).toBe(want)
  })

  it('refuses a replayed (reordered) envelope once the cursor has moved past it', async () => {
    refused.length = 0
    // An honest first envelope, then the hostile peer serves seq 1 again after it.
    mode = 'reorder'
    batches.reorder = [envelope(1, honestKey), envelope(1, honestKey)]
    const found = await refusal('Replication::SequenceReordered')
    expect(found.length).toBeGreaterThanOrEqual(2)
  })
})
