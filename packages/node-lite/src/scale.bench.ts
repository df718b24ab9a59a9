/**
 * node-lite at scale (issue 6): a node holding N envelopes on disk (default 100,000;
 * `XMTP_BENCH_ENVELOPES=1000000` for the issue's 1,000,000), against the same node on an empty data
 * directory in the same run:
 * - cold start: a fresh process opens the data and starts the node (`startNode()`, target <= 2 s), and
 *   the time from spawning that process to its first answered query over gRPC;
 * - resident memory (RSS, target <= 256 MiB) of the node process while it serves a load of page queries,
 *   newest-message lookups, catch-up streams and publishes.
 *
 * The database is built directly through the store's write path (`NodeStore.appendGroupMessages`, the
 * group-commit writer: 5,000 messages per atomic batch, fsync off while building), 100 messages of 256
 * random ciphertext bytes per group, not through gRPC: the build is set-up, not the measured thing.
 * `XMTP_BENCH_DATA_DIR=DIR` builds into DIR (if it holds no node yet) and keeps it, for a second run.
 */
import { type ChildProcess, fork } from 'node:child_process'
import { randomFillSync } from 'node:crypto'
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { xmtp } from '@xmtp-lite/proto'
import { build as bundle } from 'esbuild'
import { encodePrivateMessageFrame, parseGroupMessage } from './mlsFraming.ts'
import { openStore } from './store/store.ts'
import { groupMessage } from './testing/fixtures.ts'
import { connectH2Grpc } from './testing/h2Load.ts'

const mls = xmtp.mls.api.v1
const perGroup = 100
const groupIdOf = (g: number) => {
  const id = new Uint8Array(16)
  new DataView(id.buffer).setUint32(12, g)
  return id
}

await main()

async function build(dir: string, envelopes: number): Promise<number> {
  const store = await openStore({ path: dir, sync: false })
  const t0 = performance.now()
  const chunk = 5000
  for (let base = 0; base < envelopes; base += chunk) {
    const rows = []
    for (let i = base; i < Math.min(envelopes, base + chunk); i++) {
      // Random ciphertext, as real MLS ciphertext is: LevelDB's compression gains nothing on it.
      const data = encodePrivateMessageFrame({
        groupId: groupIdOf(Math.floor(i / perGroup)),
        ciphertext: randomFillSync(new Uint8Array(256)),
      })
      const header = parseGroupMessage(data)
      rows.push({
        groupId: header.groupId,
        data,
        senderHmac: randomFillSync(new Uint8Array(32)),
        shouldPush: true,
        isCommit: false,
      })
    }
    await store.appendGroupMessages(rows)
  }
  const ms = performance.now() - t0
  await store.close()
  return ms
}

function du(dir: string): number {
  let total = 0
  for (const name of readdirSync(dir)) total += statSync(join(dir, name)).size
  return total
}

interface Served {
  readonly label: string
  readonly startMs: number
  readonly firstAnswerMs: number
  readonly peakRss: number
  /** At the RSS peak: anonymous memory and file-backed pages (LevelDB maps its table files). */
  readonly peakAnon: number
  readonly peakFile: number
  /** V8 heap and external memory at the end of the load. */
  readonly heapTotal: number
  readonly external: number
  readonly requests: number
}

/** Starts a node process on `dir`, times its first answer, serves a load for `loadMs`, reads its peak RSS. */
async function serve(
  script: string,
  label: string,
  dir: string,
  groups: number,
  loadMs: number,
): Promise<Served> {
  const spawned = performance.now()
  const child: ChildProcess = fork(script, [dir], { execArgv: [] })
  const messages: string[] = []
  let wake: (() => void) | undefined
  child.on('message', (m) => {
    messages.push(String(m))
    wake?.()
  })
  const next = async () => {
    while (messages.length === 0) await new Promise<void>((r) => (wake = r))
    return JSON.parse(messages.shift() as string)
  }
  const ready = (await next()) as { port: number; startMs: number }
  const h2 = connectH2Grpc(ready.port)
  const query = (g: number, limit = 100) =>
    h2.unary(
      '/xmtp.mls.api.v1.MlsApi/QueryGroupMessages',
      mls.QueryGroupMessagesRequest.encode({ groupId: groupIdOf(g), pagingInfo: { limit } }).finish(),
    )
  const first = await query(groups > 0 ? groups - 1 : 0)
  if (first.status !== 0) throw new Error(`first query failed: ${first.status}`)
  const firstAnswerMs = performance.now() - spawned

  // The serving load: 16 callers for `loadMs`; one in 20 calls opens a catch-up stream of a whole group.
  let requests = 0
  let n = 0
  const t0 = performance.now()
  const streams: ReturnType<typeof h2.stream>[] = []
  await Promise.all(
    Array.from({ length: 16 }, async () => {
      while (performance.now() - t0 < loadMs) {
        const g = Math.floor(Math.random() * Math.max(1, groups))
        const k = n++ % 20
        let status = 0
        if (k < 12) status = (await query(g)).status
        else if (k < 16) {
          status = (
            await h2.unary(
              '/xmtp.mls.api.v1.MlsApi/GetNewestGroupMessage',
              mls.GetNewestGroupMessageRequest.encode({
                groupIds: [groupIdOf(g)],
                includeContent: true,
              }).finish(),
            )
          ).status
        } else if (k < 19) {
          status = (
            await h2.unary(
              '/xmtp.mls.api.v1.MlsApi/SendGroupMessages',
              mls.SendGroupMessagesRequest.encode({
                messages: [{ v1: groupMessage(groupIdOf(g), 1e9 + n, 256) }],
              }).finish(),
            )
          ).status
        } else {
          const s = h2.stream(
            '/xmtp.mls.api.v1.MlsApi/SubscribeGroupMessages',
            mls.SubscribeGroupMessagesRequest.encode({ filters: [{ groupId: groupIdOf(g) }] }).finish(),
          )
          streams.push(s)
          await s.headers
          if (groups > 0) await s.next()
        }
        if (status !== 0) throw new Error(`request failed: grpc-status ${status}`)
        requests++
      }
    }),
  )
  for (const s of streams) s.cancel()
  h2.close()
  child.send('report')
  const report = (await next()) as Pick<
    Served,
    'peakRss' | 'peakAnon' | 'peakFile' | 'heapTotal' | 'external'
  >
  await new Promise((r) => child.once('exit', r))
  return { label, startMs: ready.startMs, firstAnswerMs, ...report, requests }
}

async function main(): Promise<void> {
  const envelopes = Number(process.env.XMTP_BENCH_ENVELOPES ?? 100_000)
  const loadMs = Number(process.env.XMTP_BENCH_LOAD_MS ?? 5000)
  const groups = Math.ceil(envelopes / perGroup)
  const emptyDir = mkdtempSync(join(tmpdir(), 'node-lite-scale-empty-'))
  const keep = process.env.XMTP_BENCH_DATA_DIR
  const fullDir = keep ?? mkdtempSync(join(tmpdir(), 'node-lite-scale-full-'))
  const built = keep !== undefined && existsSync(join(keep, 'CURRENT'))
  try {
    // An empty node (opened and closed once, so both directories hold a LevelDB).
    await build(emptyDir, 0)
    if (built) {
      const store = await openStore({ path: fullDir })
      const held = store.lastIds().groupMessages
      await store.close()
      // Earlier runs' serving loads published a few more.
      if (held < envelopes) throw new Error(`${fullDir} holds ${held} envelopes, fewer than ${envelopes}`)
    }
    const buildMs = built ? Number.NaN : await build(fullDir, envelopes)
    console.log(
      `\n## node-lite with ${envelopes.toLocaleString('en-US')} envelopes on disk (${groups} groups)`,
    )
    console.log(
      built
        ? `  data kept from an earlier run in ${fullDir}: ${(du(fullDir) / 2 ** 20).toFixed(0)} MiB on disk`
        : `  build through NodeStore.appendGroupMessages (5,000 per batch, no fsync): ${(buildMs / 1000).toFixed(1)} s, ${Math.round((envelopes / buildMs) * 1000)} envelopes/s; ${(du(fullDir) / 2 ** 20).toFixed(0)} MiB on disk`,
    )
    // The node process runs as an installed package would: one esbuild bundle of testing/serveNode.ts
    // and the workspace sources, run by plain Node.js (no tsx). Written beside node_modules so that
    // classic-level (a native addon, left out of the bundle) resolves.
    const script = join(
      new URL('..', import.meta.url).pathname,
      'node_modules/.cache/node-lite-bench/serveNode.mjs',
    )
    await bundle({
      entryPoints: [new URL('./testing/serveNode.ts', import.meta.url).pathname],
      outfile: script,
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      conditions: ['@xmtp-lite/source'],
      external: ['classic-level'],
      // An alias: a bundled module that imports createRequire itself (replication/verifyPool.ts)
      // would otherwise collide with the banner's binding (SyntaxError at load).
      banner: {
        js: "import { createRequire as __benchCreateRequire } from 'node:module'; const require = __benchCreateRequire(import.meta.url);",
      },
      logLevel: 'error',
    })
    // Empty first, then full, then empty again: machine noise hits both.
    const runs: Served[] = []
    runs.push(await serve(script, 'empty data directory (baseline)', emptyDir, 0, loadMs))
    runs.push(await serve(script, `${envelopes.toLocaleString('en-US')} envelopes`, fullDir, groups, loadMs))
    runs.push(await serve(script, 'empty data directory (baseline, again)', emptyDir, 0, loadMs))
    console.log(
      `  ${'node process'.padEnd(40)} ${'startNode()'.padStart(12)} ${'spawn->1st answer'.padStart(18)} ${'peak RSS'.padStart(10)} ${'anon'.padStart(9)} ${'file'.padStart(9)} ${'V8 heap'.padStart(9)} ${'external'.padStart(9)} ${'requests'.padStart(9)}`,
    )
    for (const r of runs) {
      console.log(
        `  ${r.label.padEnd(40)} ${`${r.startMs.toFixed(0)} ms`.padStart(12)} ${`${r.firstAnswerMs.toFixed(0)} ms`.padStart(18)} ${`${(r.peakRss / 2 ** 20).toFixed(0)} MiB`.padStart(10)} ${`${(r.peakAnon / 2 ** 20).toFixed(0)} MiB`.padStart(9)} ${`${(r.peakFile / 2 ** 20).toFixed(0)} MiB`.padStart(9)} ${`${(r.heapTotal / 2 ** 20).toFixed(0)} MiB`.padStart(9)} ${`${(r.external / 2 ** 20).toFixed(0)} MiB`.padStart(9)} ${String(r.requests).padStart(9)}`,
      )
    }
    const full = runs[1] as Served
    const base = Math.min((runs[0] as Served).startMs, (runs[2] as Served).startMs)
    console.log(
      `  startNode() on ${envelopes.toLocaleString('en-US')} envelopes: ${full.startMs.toFixed(0)} ms (${(full.startMs / base).toFixed(2)}x the empty baseline); target <= 2,000 ms: ${full.startMs <= 2000 ? 'MET' : 'NOT MET'}`,
    )
    const baseRss = Math.max((runs[0] as Served).peakRss, (runs[2] as Served).peakRss)
    console.log(
      `  peak RSS while serving: ${(full.peakRss / 2 ** 20).toFixed(0)} MiB (the empty node: up to ${(baseRss / 2 ** 20).toFixed(0)} MiB); target <= 256 MiB: ${full.peakRss <= 256 * 2 ** 20 ? 'MET' : 'NOT MET'}`,
    )
    console.log(
      '  (node processes: one esbuild bundle run by plain Node.js; "file" is file-backed resident pages, mostly LevelDB table files it maps, which the kernel reclaims under pressure)',
    )
  } finally {
    rmSync(emptyDir, { recursive: true, force: true })
    if (keep === undefined) rmSync(fullDir, { recursive: true, force: true })
  }
}
