/**
 * Crash safety: a node in a child process is killed with SIGKILL in the middle of a publish load and
 * restarted on the same LevelDB directory. Every acknowledged publish must be there, ids increasing,
 * nothing duplicated.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { toBigInt, toLong, xmtp } from '@xmtp-lite/proto'
import { afterAll, describe, expect, it } from 'vitest'
import { groupMessage } from './testing/fixtures.ts'
import { connectTestClient, type TestGrpcClient } from './testing/grpcClient.ts'

const mls = xmtp.mls.api.v1
const here = new URL('.', import.meta.url).pathname
const dirs: string[] = []
const children: ChildProcess[] = []

afterAll(() => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL')
  for (const d of dirs) rmSync(d, { recursive: true, force: true })
})

async function spawnNode(dataDir: string): Promise<{ child: ChildProcess; grpcPort: number }> {
  const child = spawn(
    process.execPath,
    [
      '--conditions=@xmtp-lite/source',
      '--import',
      'tsx',
      join(here, 'bin.ts'),
      '--data-dir',
      dataDir,
      '--grpc-port',
      '0',
      '--http-port',
      '0',
      '--no-rate-limit',
      '--log-level',
      'error',
    ],
    { cwd: join(here, '..'), stdio: ['ignore', 'pipe', 'inherit'] },
  )
  children.push(child)
  const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream })
  const ready = await new Promise<{ grpcPort: number }>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`node exited with ${code}`)))
    lines.on('line', (line) => {
      try {
        const parsed = JSON.parse(line) as { ready?: boolean; grpcPort: number }
        if (parsed.ready === true) resolve(parsed)
      } catch {}
    })
  })
  return { child, grpcPort: ready.grpcPort }
}

const groups = [new Uint8Array(16).fill(0xa1), new Uint8Array(16).fill(0xa2)]

async function readAll(client: TestGrpcClient, groupId: Uint8Array) {
  const out: { id: bigint; data: string }[] = []
  let cursor = 0n
  for (;;) {
    const page = mls.QueryGroupMessagesResponse.decode(
      await client.unary(
        'mls',
        'QueryGroupMessages',
        mls.QueryGroupMessagesRequest.encode({
          groupId,
          pagingInfo: {
            direction: mls.SortDirection.SORT_DIRECTION_ASCENDING,
            limit: 100,
            idCursor: toLong(cursor),
          },
        }).finish(),
      ),
    )
    for (const m of page.messages) {
      out.push({ id: toBigInt(m.v1?.id ?? 0), data: Buffer.from(m.v1?.data ?? []).toString('hex') })
    }
    const next = toBigInt(page.pagingInfo?.idCursor ?? 0)
    if (page.messages.length < 100 || next === 0n) return out
    cursor = next
  }
}

describe('crash safety', () => {
  it('keeps every acknowledged publish across SIGKILL, with increasing ids and no duplicates', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'node-lite-crash-'))
    dirs.push(dataDir)
    const first = await spawnNode(dataDir)
    const client = connectTestClient(first.grpcPort)
    const acked: string[] = []
    let n = 0
    let killed = false
    // 8 concurrent publishers, each sending one message per call until the node dies.
    const publisher = async (w: number) => {
      while (!killed) {
        const i = n++
        const msg = groupMessage(groups[i % 2] as Uint8Array, w * 1_000_000 + i, 256)
        try {
          await client.unary(
            'mls',
            'SendGroupMessages',
            mls.SendGroupMessagesRequest.encode({ messages: [{ v1: msg }] }).finish(),
          )
          acked.push(Buffer.from(msg.data).toString('hex'))
        } catch (e) {
          if (!killed) console.log('publish failed', e)
          return
        }
      }
    }
    const load = Promise.all(Array.from({ length: 8 }, (_, w) => publisher(w)))
    while (acked.length < 400) await new Promise((r) => setTimeout(r, 5))
    first.child.kill('SIGKILL')
    killed = true
    await load
    await new Promise<void>((r) =>
      // A child killed by a signal has exitCode null and signalCode set.
      first.child.exitCode !== null || first.child.signalCode !== null
        ? r()
        : first.child.once('exit', () => r()),
    )
    client.close()
    expect(acked.length).toBeGreaterThanOrEqual(400)

    const second = await spawnNode(dataDir)
    const client2 = connectTestClient(second.grpcPort)
    const stored = [
      ...(await readAll(client2, groups[0] as Uint8Array)),
      ...(await readAll(client2, groups[1] as Uint8Array)),
    ]
    const storedData = new Set(stored.map((m) => m.data))
    expect(storedData.size).toBe(stored.length)
    for (const data of acked) expect(storedData.has(data)).toBe(true)
    for (const g of groups) {
      const ids = (await readAll(client2, g)).map((m) => m.id)
      for (let i = 1; i < ids.length; i++) expect(ids[i] as bigint).toBeGreaterThan(ids[i - 1] as bigint)
    }
    // New publishes after the restart get ids above everything stored before.
    let maxBefore = 0n
    for (const m of stored) if (m.id > maxBefore) maxBefore = m.id
    const fresh = groupMessage(groups[0] as Uint8Array, 99_999_999, 256)
    await client2.unary(
      'mls',
      'SendGroupMessages',
      mls.SendGroupMessagesRequest.encode({ messages: [{ v1: fresh }] }).finish(),
    )
    const after = await readAll(client2, groups[0] as Uint8Array)
    expect(after.at(-1)?.id).toBeGreaterThan(maxBefore)
    client2.close()
    second.child.kill('SIGTERM')
    await new Promise<void>((r) => second.child.once('exit', () => r()))
    expect(second.child.exitCode).toBe(0)
  }, 120_000)
})
