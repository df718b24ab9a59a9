/**
 * A crash in the middle of the pull pipeline: node 100 runs in a child process (LevelDB with fsync,
 * testing/replicatingNode.ts) and catches up from a scripted peer 200 that serves 1,200 honest envelopes in
 * pages of 100. When the child asks for page 7 (after 600), the page before it is in hand and being checked
 * or stored, and the pages before that are stored or being stored: the peer kills the child with SIGKILL
 * right there. Restarted on the same directory, the node asks again from its durable cursor (a page end,
 * never past what it had asked for), and ends with every envelope once, in order: nothing verified but
 * not stored counts as stored.
 */
import type { ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import {
  createClientEnvelope,
  createOriginatorEnvelope,
  createUnsignedPayerEnvelope,
  groupMessagesTopic,
} from '@xmtp-lite/envelopes'
import { toBigInt, toLong, xmtp } from '@xmtp-lite/proto'
import { afterAll, describe, expect, it } from 'vitest'
import { encodePrivateMessageFrame } from '../mlsFraming.ts'
import { connectTestClient, type TestGrpcClient } from '../testing/grpcClient.ts'
import { spawnReplicatingNode, testNodeKey } from '../testing/replicatingNode.ts'
import { encodeFrames } from './replicator.ts'

const mls = xmtp.mls.api.v1
const group = new Uint8Array(16).fill(0xc3)
const total = 1200
const pageSize = 100
const killAt = 600

const dirs: string[] = []
const children: ChildProcess[] = []
let server: Server | undefined

afterAll(async () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL')
  if (server !== undefined) {
    const s = server
    await new Promise<void>((resolve) => {
      s.close(() => resolve())
      s.closeAllConnections()
    })
  }
  for (const d of dirs) rmSync(d, { recursive: true, force: true })
})

function message(seq: number): Uint8Array {
  return encodePrivateMessageFrame({
    groupId: group,
    ciphertext: new Uint8Array([seq >> 8, seq & 0xff, 0x31]),
    contentType: 1,
  })
}

const honest = Array.from({ length: total }, (_, i) => {
  const client = createClientEnvelope({
    targetTopic: groupMessagesTopic(group),
    payload: {
      kind: 'groupMessage',
      bytes: mls.GroupMessageInput.encode({ v1: { data: message(i + 1) } }).finish(),
    },
  })
  return createOriginatorEnvelope({
    payerEnvelope: createUnsignedPayerEnvelope(client),
    originatorNodeId: 200,
    originatorSequenceId: i + 1,
    originatorNs: 1_795_564_800_000_000_000n + BigInt(i),
    nodePrivateKey: testNodeKey(200),
  }).bytes
})

/** Node 100 in a child process (testing/replicatingNode.ts), killed in afterAll if still running. */
async function spawnNode(dataDir: string, peerUrlFile: string) {
  const node = await spawnReplicatingNode(100, dataDir, peerUrlFile)
  children.push(node.child)
  return node
}

async function readAll(client: TestGrpcClient): Promise<string[]> {
  const out: string[] = []
  let cursor = 0n
  for (;;) {
    const page = mls.QueryGroupMessagesResponse.decode(
      await client.unary(
        'mls',
        'QueryGroupMessages',
        mls.QueryGroupMessagesRequest.encode({
          groupId: group,
          pagingInfo: {
            direction: mls.SortDirection.SORT_DIRECTION_ASCENDING,
            limit: 100,
            idCursor: toLong(cursor),
          },
        }).finish(),
      ),
    )
    for (const m of page.messages) out.push(Buffer.from(m.v1?.data ?? []).toString('hex'))
    const next = toBigInt(page.pagingInfo?.idCursor ?? 0)
    if (page.messages.length < 100 || next === 0n) return out
    cursor = next
  }
}

async function cursorOf(httpPort: number): Promise<number> {
  const res = await fetch(`http://127.0.0.1:${httpPort}/replication/v1/status`)
  const status = (await res.json()) as { cursors: Record<string, number> }
  return status.cursors['200'] ?? 0
}

describe('a crash in the pull pipeline', () => {
  it('SIGKILL while pages are fetched and checked ahead: the restarted node resumes from its durable cursor and loses nothing', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'node-lite-pull-crash-'))
    dirs.push(dataDir)
    const peerUrlFile = join(dataDir, 'peer-url')
    let victim: ChildProcess | undefined
    const asked: number[][] = [[], []]
    let run = 0
    server = createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://peer')
      if (url.pathname !== '/replication/v1/envelopes') return void res.writeHead(404).end()
      const after = Number(url.searchParams.get('after'))
      const limit = Math.min(Number(url.searchParams.get('limit')), pageSize)
      asked[run]?.push(after)
      if (run === 0 && after === killAt && victim !== undefined) {
        // The child asked for this page once the one before it was in: kill it mid-pipeline.
        victim.kill('SIGKILL')
        res.destroy()
        return
      }
      const answer = () => {
        res.writeHead(200, { 'x-last-sequence-id': String(total) })
        res.end(encodeFrames(honest.slice(after, after + limit)))
      }
      if (after >= total) setTimeout(answer, 50)
      else answer()
    })
    const port = await new Promise<number>((resolve) =>
      server?.listen(0, '127.0.0.1', () => {
        const a = server?.address()
        resolve(typeof a === 'object' && a !== null && a !== undefined ? a.port : 0)
      }),
    )
    writeFileSync(peerUrlFile, `http://127.0.0.1:${port}`)

    const first = await spawnNode(join(dataDir, 'db'), peerUrlFile)
    victim = first.child
    await new Promise<void>((r) =>
      first.child.exitCode !== null || first.child.signalCode !== null
        ? r()
        : first.child.once('exit', () => r()),
    )
    expect(first.child.signalCode).toBe('SIGKILL')
    // It had asked for every page up to the one it was killed on, in order, each from a page end.
    expect(asked[0]?.at(-1)).toBe(killAt)

    run = 1
    const second = await spawnNode(join(dataDir, 'db'), peerUrlFile)
    const end = Date.now() + 120_000
    while ((await cursorOf(second.httpPort)) < total && Date.now() < end) {
      await new Promise((r) => setTimeout(r, 20))
    }
    expect(await cursorOf(second.httpPort)).toBe(total)
    // The restarted node asked first from its durable cursor: a page end, not past the page it was
    // killed asking for (that page and any page in hand but not stored are asked for again).
    const resumed = asked[1]?.[0] ?? -1
    expect(resumed % pageSize).toBe(0)
    expect(resumed).toBeGreaterThanOrEqual(0)
    expect(resumed).toBeLessThanOrEqual(killAt)
    // Every envelope once, in sequence order.
    const client = connectTestClient(second.grpcPort)
    try {
      const stored = await readAll(client)
      expect(stored).toEqual(honest.map((_, i) => Buffer.from(message(i + 1)).toString('hex')))
    } finally {
      client.close()
    }
    second.child.kill('SIGTERM')
    await new Promise<void>((r) => second.child.once('exit', () => r()))
    expect(second.child.exitCode).toBe(0)
  }, 300_000)
})
