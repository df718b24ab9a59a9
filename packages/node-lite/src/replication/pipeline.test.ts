/**
 * The pull pipeline (replicator.ts `ask` / `pullOnce`): while a page is stored, the next pages are fetched
 * and checked ahead. Against a scripted peer (node 200, honest key) that serves N envelopes in small pages,
 * on the node's own thread and through a verification worker:
 * - the pages are stored in order, each envelope once, the cursor at each page end;
 * - a bad signature in the middle of the run refuses its page with a typed error while the pipeline has
 *   already asked for the page after it: nothing from the bad page on is stored, the cursor stays at the
 *   end of the last good page, and once the peer serves the honest envelope the rest follows in order.
 */
import { createHash } from 'node:crypto'
import { createServer, type Server } from 'node:http'
import { defaultCrypto } from '@xmtp-lite/common'
import {
  createClientEnvelope,
  createOriginatorEnvelope,
  createUnsignedPayerEnvelope,
  groupMessagesTopic,
} from '@xmtp-lite/envelopes'
import { xmtp } from '@xmtp-lite/proto'
import { afterAll, describe, expect, it } from 'vitest'
import { encodePrivateMessageFrame } from '../mlsFraming.ts'
import { type RunningNode, startNode } from '../node.ts'
import type { RefusedBatch, RegistryNode } from './replicator.ts'
import { encodeFrames } from './replicator.ts'

function privateKeyOf(id: number): Uint8Array {
  return new Uint8Array(createHash('sha256').update(`xmtp-lite pipeline test node ${id}`).digest())
}

const registry: RegistryNode[] = [100, 200].map((id) => ({
  id,
  url: '',
  publicKey: defaultCrypto.secp256k1.getPublicKey(privateKeyOf(id)),
}))

const group = new Uint8Array(16).fill(0x5a)
const total = 400
const pageSize = 40
/** In the 4th page (121-160). */
const badSeq = 137

function message(seq: number): Uint8Array {
  return encodePrivateMessageFrame({
    groupId: group,
    ciphertext: new Uint8Array([seq >> 8, seq & 0xff, 0x77]),
    contentType: 1,
  })
}

function envelope(seq: number, signer: Uint8Array): Uint8Array {
  const client = createClientEnvelope({
    targetTopic: groupMessagesTopic(group),
    payload: {
      kind: 'groupMessage',
      bytes: xmtp.mls.api.v1.GroupMessageInput.encode({ v1: { data: message(seq) } }).finish(),
    },
  })
  return createOriginatorEnvelope({
    payerEnvelope: createUnsignedPayerEnvelope(client),
    originatorNodeId: 200,
    originatorSequenceId: seq,
    originatorNs: 1_795_564_800_000_000_000n + BigInt(seq),
    nodePrivateKey: signer,
  }).bytes
}

const honest = Array.from({ length: total }, (_, i) => envelope(i + 1, privateKeyOf(200)))
/** The same envelope as `honest[badSeq - 1]`, signed by node 100's key. */
const forged = envelope(badSeq, privateKeyOf(100))

const servers: Server[] = []
const nodes: RunningNode[] = []

afterAll(async () => {
  await Promise.all(nodes.map((n) => n.close()))
  for (const s of servers) {
    await new Promise<void>((resolve) => {
      s.close(() => resolve())
      s.closeAllConnections()
    })
  }
})

/** The scripted peer: serves `honest` (with `forged` in its place while `state.forge`), page by page. */
async function scriptedPeer(state: { serving: boolean; forge: boolean; asked: number[] }) {
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://peer')
    if (url.pathname !== '/replication/v1/envelopes') return void res.writeHead(404).end()
    const after = Number(url.searchParams.get('after'))
    const limit = Number(url.searchParams.get('limit'))
    const answer = () => {
      state.asked.push(after)
      const frames = state.serving
        ? honest
            .slice(after, after + limit)
            .map((f, i) => (state.forge && after + i + 1 === badSeq ? forged : f))
        : []
      res.writeHead(200, { 'x-last-sequence-id': String(state.serving ? total : 0) })
      res.end(encodeFrames(frames))
    }
    // An empty answer waits a little, as a long poll would.
    if (!state.serving || after >= total) setTimeout(answer, 30)
    else answer()
  })
  servers.push(server)
  const port = await new Promise<number>((resolve) =>
    server.listen(0, '127.0.0.1', () => {
      const a = server.address()
      resolve(typeof a === 'object' && a !== null ? a.port : 0)
    }),
  )
  return port
}

async function until(ok: () => boolean | Promise<boolean>, what: string): Promise<void> {
  const end = Date.now() + 60_000
  while (!(await ok())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 10))
  }
}

describe('the pull pipeline', () => {
  it.each([
    ['on the node thread', { verifyWorkers: 0 }],
    ['through a verification worker', { verifyWorkers: 1, workerMinBatch: 1 }],
  ] as const)(
    'stores pages in order and refuses a bad signature mid-pipeline (%s)',
    async (_, verify) => {
      const state = { serving: false, forge: true, asked: [] as number[] }
      const port = await scriptedPeer(state)
      const node = await startNode({
        memory: true,
        grpcPort: 0,
        httpPort: 0,
        rateLimits: false,
        replication: {
          nodeId: 100,
          privateKey: privateKeyOf(100),
          registry,
          peerUrl: () => `http://127.0.0.1:${port}`,
          batchSize: pageSize,
          longPollMs: 30,
          retryMs: 20,
          ...verify,
        },
      })
      nodes.push(node)
      const replicator = node.replicator
      if (replicator === undefined) throw new Error('no replicator')
      if (verify.verifyWorkers > 0) expect(await replicator.verifyWorkersReady()).toBe(true)
      const refused: RefusedBatch[] = []
      replicator.onRefused((r) => refused.push(r))
      const cursor = () => replicator.status().cursors[200] ?? 0
      state.serving = true

      // The bad page is refused, again on each retry; the page after it is asked for ahead each time.
      const good = Math.floor((badSeq - 1) / pageSize) * pageSize
      await until(() => refused.length >= 2, 'two refusals')
      await until(
        () => state.asked.filter((a) => a === good + pageSize).length >= 2,
        'the page after the bad one',
      )
      expect(refused.every((r) => r.peerId === 200 && r.error.code === 'Replication::BadSignature')).toBe(
        true,
      )
      expect(cursor()).toBe(good)
      // Nothing of the bad page or after it is stored: the envelopes and the V3 rows end at the good pages.
      expect(await replicator.envelopes(200)).toEqual(honest.slice(0, good))
      const rows = () => node.store.queryGroupMessages(group, { ascending: true, limit: 10_000, idCursor: 0 })
      expect((await rows()).map((m) => m.data)).toEqual(
        Array.from({ length: good }, (_, i) => message(i + 1)),
      )

      // The peer now serves the honest envelope: the rest follows, in order, each once.
      state.forge = false
      await until(() => cursor() === total, 'convergence')
      expect(await replicator.envelopes(200)).toEqual(honest)
      expect((await rows()).map((m) => m.data)).toEqual(
        Array.from({ length: total }, (_, i) => message(i + 1)),
      )
      // Pages were asked from page boundaries only, and never beyond what the peer has.
      expect(state.asked.every((a) => a % pageSize === 0 && a <= total)).toBe(true)
    },
    120_000,
  )
})
