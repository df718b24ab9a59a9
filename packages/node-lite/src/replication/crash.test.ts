/**
 * Crash safety of origination: a replicating node in a child process is killed with SIGKILL in the middle
 * of a publish load and restarted on the same LevelDB directory; the client then sends again what was not
 * acknowledged (as libxmtp retries an unanswered publish, same bytes). Storing a publish and originating it
 * are one atomic batch, so afterwards: every stored message was originated exactly once (no stored row
 * without an envelope, no payload under two sequence ids), the sequence ids are gap-free from 1, every
 * acknowledged message is among them, and the peer receives all of them.
 */
import type { ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseOriginatorEnvelope } from '@xmtp-lite/envelopes'
import { xmtp } from '@xmtp-lite/proto'
import { afterAll, describe, expect, it } from 'vitest'
import { type RunningNode, startNode } from '../node.ts'
import { groupMessage } from '../testing/fixtures.ts'
import { connectTestClient, type TestGrpcClient } from '../testing/grpcClient.ts'
import { spawnReplicatingNode, testNodeKey, testRegistry } from '../testing/replicatingNode.ts'
import { decodeFrames } from './replicator.ts'

const mls = xmtp.mls.api.v1
const dirs: string[] = []
const children: ChildProcess[] = []
const nodes: RunningNode[] = []

afterAll(async () => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL')
  for (const n of nodes) await n.close()
  for (const d of dirs) rmSync(d, { recursive: true, force: true })
})

/** Node 100 in a child process (testing/replicatingNode.ts), killed in afterAll if still running. */
async function spawnOriginator(dataDir: string, peerUrlFile: string) {
  const node = await spawnReplicatingNode(100, dataDir, peerUrlFile)
  children.push(node.child)
  return node
}

const groups = [new Uint8Array(16).fill(0xb1), new Uint8Array(16).fill(0xb2)]
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex')

function send(client: TestGrpcClient, data: Uint8Array, senderHmac: Uint8Array, shouldPush: boolean) {
  return client.unary(
    'mls',
    'SendGroupMessages',
    mls.SendGroupMessagesRequest.encode({ messages: [{ v1: { data, senderHmac, shouldPush } }] }).finish(),
  )
}

/** Node 100's originator log, read from its replication endpoint as a peer reads it. */
async function originated(httpPort: number): Promise<{ seq: bigint; data: string }[]> {
  const out: { seq: bigint; data: string }[] = []
  for (;;) {
    const res = await fetch(
      `http://127.0.0.1:${httpPort}/replication/v1/envelopes?after=${out.length}&limit=1000`,
    )
    const frames = decodeFrames(new Uint8Array(await res.arrayBuffer()))
    for (const f of frames) {
      const e = parseOriginatorEnvelope(f)
      const input = mls.GroupMessageInput.decode(
        e.unsignedOriginatorEnvelope.payerEnvelope.clientEnvelope.payload.bytes,
      )
      out.push({
        seq: e.unsignedOriginatorEnvelope.originatorSequenceId,
        data: hex(input.v1?.data ?? new Uint8Array(0)),
      })
    }
    if (frames.length < 1000) return out
  }
}

async function storedOn(node: RunningNode): Promise<string[]> {
  const out: string[] = []
  for (const g of groups) {
    for (const m of await node.store.queryGroupMessages(g, {
      ascending: true,
      limit: 1_000_000,
      idCursor: 0,
    })) {
      out.push(hex(m.data))
    }
  }
  return out
}

describe('origination crash safety', () => {
  it('originates every stored publish exactly once across SIGKILL, and the peer receives it', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'node-lite-origin-crash-'))
    dirs.push(dataDir)
    const peerUrlFile = join(dataDir, 'peer-url')
    let originatorUrl = ''
    const peer = await startNode({
      memory: true,
      grpcPort: 0,
      httpPort: 0,
      rateLimits: false,
      replication: {
        nodeId: 200,
        privateKey: testNodeKey(200),
        registry: testRegistry(),
        peerUrl: () => originatorUrl,
        longPollMs: 500,
        retryMs: 50,
      },
    })
    nodes.push(peer)
    writeFileSync(peerUrlFile, `http://127.0.0.1:${peer.httpPort}`)

    const first = await spawnOriginator(join(dataDir, 'db'), peerUrlFile)
    originatorUrl = `http://127.0.0.1:${first.httpPort}`
    const client = connectTestClient(first.grpcPort)
    const attempted = new Map<string, { data: Uint8Array; senderHmac: Uint8Array; shouldPush: boolean }>()
    const acked = new Set<string>()
    let n = 0
    let killed = false
    const publisher = async (w: number) => {
      while (!killed) {
        const i = n++
        const msg = groupMessage(groups[i % 2] as Uint8Array, w * 1_000_000 + i, 128)
        const key = hex(msg.data)
        attempted.set(key, msg)
        try {
          await send(client, msg.data, msg.senderHmac, msg.shouldPush)
          acked.add(key)
        } catch (error) {
          if (!killed) throw error
          return
        }
      }
    }
    let failed: unknown
    const load = Promise.all(Array.from({ length: 8 }, (_, w) => publisher(w))).catch((error: unknown) => {
      failed = error
    })
    while (acked.size < 300 && failed === undefined) await new Promise((r) => setTimeout(r, 5))
    if (failed !== undefined) throw failed
    first.child.kill('SIGKILL')
    killed = true
    await load
    // A child killed by a signal has signalCode set and exitCode null once it has exited.
    await new Promise<void>((r) =>
      first.child.exitCode !== null || first.child.signalCode !== null
        ? r()
        : first.child.once('exit', () => r()),
    )
    client.close()

    const second = await spawnOriginator(join(dataDir, 'db'), peerUrlFile)
    originatorUrl = `http://127.0.0.1:${second.httpPort}`
    const client2 = connectTestClient(second.grpcPort)
    // The client sends again what was never acknowledged: stored already (deduplicated) or not at all.
    for (const [key, msg] of attempted) {
      if (acked.has(key)) continue
      await send(client2, msg.data, msg.senderHmac, msg.shouldPush)
      acked.add(key)
    }
    client2.close()
    const log = await originated(second.httpPort)
    // Gap-free from 1, one envelope per payload.
    expect(log.map((e) => e.seq)).toEqual(log.map((_, i) => BigInt(i + 1)))
    const payloads = log.map((e) => e.data)
    expect(new Set(payloads).size).toBe(payloads.length)
    // Every acknowledged message is originated, and nothing else.
    expect(new Set(payloads)).toEqual(acked)

    // The peer receives every one of them, each once.
    while ((peer.replicator?.status().cursors['100'] ?? 0) < log.length) {
      await new Promise((r) => setTimeout(r, 20))
    }
    const onPeer = await storedOn(peer)
    expect(onPeer.length).toBe(log.length)
    expect(new Set(onPeer)).toEqual(acked)

    second.child.kill('SIGTERM')
    await new Promise<void>((r) => second.child.once('exit', () => r()))
    expect(second.child.exitCode).toBe(0)
  }, 300_000)
})
