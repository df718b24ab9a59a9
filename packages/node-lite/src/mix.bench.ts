/**
 * The 100K-daily-user request mix (issue 6): 544 requests/s for a while (default 20 s,
 * `XMTP_BENCH_MIX_SECONDS`), of which 65% GetInboxIds, 14% QueryGroupMessages, 3% GetNewestGroupMessage,
 * 3% SendGroupMessages (256-byte group messages) and 15% SubscribeGroupMessages streams that stay open to
 * the end (and receive the writes to their groups). Target: p99 <= 25 ms.
 *
 * The node runs here on classic-level (fsync), seeded through its store with 100,000 inboxes' addresses
 * (one per daily user; each lookup picks one at random, so the node's 20,000-entry GetInboxIds cache
 * answers few of them) and 1,000 groups of 50 messages; the load generator is a separate process speaking
 * gRPC over h2c (testing/h2Load.ts). Arrivals are open-loop on a fixed schedule and each latency is counted from the
 * request's scheduled time, so a stalled node is not hidden by a generator that waits for it.
 * Baseline, same run and same processes: each request kind alone, one request at a time, nothing else
 * running. Rate limits are off: the whole mix comes from one client address here, while upstream buckets
 * are per client IP. Reported beside the latencies: the node's CPU per request in the mix and alone, its
 * event-loop delay and GC, the generator's CPU and lateness, the machine's load average, and the floor of the
 * transport: a bare node:http2 server in the node process answering an empty gRPC reply, timed alone.
 * `XMTP_BENCH_CPU_PROF=<file>` writes a CPU profile of the node process during the mix phase alone,
 * `XMTP_BENCH_ALLOC_PROF=<file>` a sampling allocation profile, `XMTP_BENCH_MIX_HEAPSNAP=<file>` a heap
 * snapshot at its end. `XMTP_BENCH_MIX_TRACE=<file>` writes a timeline on the machine's monotonic clock
 * (each request's scheduled, sent and answered times; the node's event-loop stalls, GC pauses with their
 * kind, write fan-outs and handler spans; the generator's stalls) and prints what the slow requests
 * overlapped. V8 flags given to this process (`node --max-semi-space-size=… mix.bench.ts`) apply to the
 * node, not to the generator.
 */
import { fork } from 'node:child_process'
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:http2'
import { Session } from 'node:inspector/promises'
import type { AddressInfo } from 'node:net'
import { loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { monitorEventLoopDelay, PerformanceObserver } from 'node:perf_hooks'
import { summarize } from '@xmtp-lite/bench'
import { toLong, xmtp } from '@xmtp-lite/proto'
import type { ClassicLevel } from 'classic-level'
import { parseGroupMessage } from './mlsFraming.ts'
import { startNode } from './node.ts'
import { groupMessage } from './testing/fixtures.ts'
import { connectH2Grpc, type H2GrpcClient } from './testing/h2Load.ts'

const mls = xmtp.mls.api.v1
const ident = xmtp.identity.api.v1
const inboxes = 100_000
const groups = 1_000
const perGroup = 50
const rate = 544
const kinds = ['GetInboxIds', 'QueryGroupMessages', 'GetNewestGroupMessage', 'SendGroupMessages', 'Subscribe']
type Kind = (typeof kinds)[number]
/** Cumulative shares of the mix, in percent. */
const mix: readonly [Kind, number][] = [
  ['GetInboxIds', 65],
  ['QueryGroupMessages', 79],
  ['GetNewestGroupMessage', 82],
  ['SendGroupMessages', 85],
  ['Subscribe', 100],
]

const emptyGrpcMessage = new Uint8Array(5)
const addressOf = (i: number) => `0x${i.toString(16).padStart(40, '0')}`
const groupIdOf = (g: number) => {
  const id = new Uint8Array(16).fill(0x60)
  new DataView(id.buffer).setUint32(12, g)
  return id
}

/** Milliseconds on the machine's monotonic clock (CLOCK_MONOTONIC, shared by both processes and by V8's profiler). */
const clockOffsetMs = Number(process.hrtime.bigint()) / 1e6 - performance.now()
const clock = () => performance.now() + clockOffsetMs

if (process.argv[2] === 'load') await loadGenerator(Number(process.argv[3]), Number(process.argv[4]))
else await main()

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'node-lite-mix-'))
  const node = await startNode({ dataDir: dir, grpcPort: 0, httpPort: false, rateLimits: false })
  try {
    // Seed through the store: the address index and the groups.
    // 1,000 at a time: the group-commit writer puts them in a few batches.
    for (let base = 0; base < inboxes; base += 1000) {
      await Promise.all(
        Array.from({ length: 1000 }, (_, j) => {
          const inboxId = new Uint8Array(32)
          new DataView(inboxId.buffer).setUint32(28, base + j)
          return node.store.appendIdentityUpdate({
            inboxId,
            update: new Uint8Array(200),
            addedAddresses: [addressOf(base + j)],
            removedAddresses: [],
          })
        }),
      )
    }
    const lastIds: number[] = []
    for (let g = 0; g < groups; g++) {
      const stored = await node.store.appendGroupMessages(
        Array.from({ length: perGroup }, (_, j) => {
          const m = groupMessage(groupIdOf(g), j, 256)
          const header = parseGroupMessage(m.data)
          return {
            groupId: header.groupId,
            data: m.data,
            senderHmac: m.senderHmac,
            shouldPush: true,
            isCommit: false,
          }
        }),
      )
      lastIds.push(stored[stored.length - 1]?.id ?? 0)
    }
    // Seeding wrote ~150,000 rows in a minute; LevelDB would still be compacting them during the mix (its
    // background thread counts in the node's CPU). A node serving 100K daily users is not ingesting its
    // whole database at once, so the mix starts on compacted tables.
    const compactStart = performance.now()
    await (node.store.db as unknown as ClassicLevel<Uint8Array, Uint8Array>).compactRange(
      new Uint8Array([0]),
      new Uint8Array([0xff]),
    )
    const compactMs = performance.now() - compactStart
    // Likewise the heap: seeding through this process left ~30 MiB of garbage in the old generation (heap
    // 62 MiB at the mix's start, 30 MiB after the first mark-compact, which fell in the mix with its
    // longest stall). A full collection now starts the node from its settled heap; the mix's own
    // allocation still brings its own collections, major ones included. (`--expose-gc`: bench.mjs.)
    const collect = (globalThis as { gc?: () => void }).gc
    collect?.()
    // The transport's floor, same process and run: a bare node:http2 server answering an empty gRPC reply
    // (no grpc-js, no node-lite), timed alone like each request kind.
    const bare = createServer()
    bare.on('stream', (stream) => {
      stream.on('data', () => {})
      stream.on('end', () => {
        stream.respond({ ':status': 200, 'content-type': 'application/grpc' }, { waitForTrailers: true })
        stream.on('wantTrailers', () => stream.sendTrailers({ 'grpc-status': '0' }))
        stream.end(emptyGrpcMessage)
      })
    })
    await new Promise<void>((resolve) => bare.listen(0, '127.0.0.1', resolve))
    const barePort = (bare.address() as AddressInfo).port
    // The generator runs with the flags that load TypeScript, not with V8 flags given to the node's process
    // (GC tuning and tracing measured on the node, e.g. `node --max-semi-space-size=64 … mix.bench.ts`).
    const child = fork(new URL(import.meta.url).pathname, ['load', String(node.grpcPort), String(barePort)], {
      execArgv: process.execArgv.filter(
        (arg, i, all) =>
          arg.startsWith('--conditions') ||
          arg === '--import' ||
          all[i - 1] === '--import' ||
          arg === '--expose-gc',
      ),
    })
    child.send(JSON.stringify({ lastIds }))
    // The node's own view of the mix: its CPU time and how late its event loop ran.
    const loop = monitorEventLoopDelay({ resolution: 5 })
    const gc = {
      total: 0,
      max: 0,
      on: false,
      byKind: {} as Record<string, { n: number; ms: number; max: number }>,
    }
    const gcObserver = new PerformanceObserver((list) => {
      if (!gc.on) return
      for (const e of list.getEntries()) {
        gc.total += e.duration
        gc.max = Math.max(gc.max, e.duration)
        const kind = gcKindName((e as PerformanceEntry & { detail?: { kind?: number } }).detail?.kind)
        const k = gc.byKind[kind] ?? { n: 0, ms: 0, max: 0 }
        gc.byKind[kind] = k
        k.n++
        k.ms += e.duration
        k.max = Math.max(k.max, e.duration)
      }
    })
    gcObserver.observe({ entryTypes: ['gc'] })
    const trace = process.env.XMTP_BENCH_MIX_TRACE === undefined ? undefined : nodeTrace(node)
    let cpu0 = process.cpuUsage()
    // CPU µs of each kind's 200 baseline requests (the generator announces each kind).
    const kindCpuUs: Record<string, number> = {}
    let kindCpu0 = process.cpuUsage()
    let kindNow: string | undefined
    const closeKind = () => {
      if (kindNow === undefined) return
      const c = process.cpuUsage(kindCpu0)
      kindCpuUs[kindNow] = c.user + c.system
      kindNow = undefined
    }
    let ticks0 = threadTicks()
    let baselineThreads = ''
    const load0 = loadavg()[0] as number
    // XMTP_BENCH_CPU_PROF=<file>: a CPU profile of the node process during the mix phase alone.
    const profilePath = process.env.XMTP_BENCH_CPU_PROF
    const profiler = profilePath === undefined ? undefined : new Session()
    if (profiler !== undefined) {
      profiler.connect()
      await profiler.post('Profiler.enable')
    }
    // XMTP_BENCH_ALLOC_PROF=<file>: a sampling allocation profile (.heapprofile) of the mix phase alone.
    const allocPath = process.env.XMTP_BENCH_ALLOC_PROF
    const allocProfiler = allocPath === undefined ? undefined : new Session()
    if (allocProfiler !== undefined) {
      allocProfiler.connect()
      await allocProfiler.post('HeapProfiler.enable')
    }
    const report = await new Promise<string>((resolve, reject) => {
      child.on('message', async (m) => {
        if (typeof m === 'string' && m.startsWith('kind:')) {
          closeKind()
          kindNow = m.slice(5)
          kindCpu0 = process.cpuUsage()
          return
        }
        if (m === 'baseline-start') {
          if (process.env.XMTP_BENCH_CPU_PROF_PHASE === 'baseline') await profiler?.post('Profiler.start')
          ticks0 = threadTicks()
          return
        }
        if (m === 'mix-start') {
          closeKind()
          const t = threadTicks()
          baselineThreads = tickDelta(t, ticks0)
          ticks0 = t
          if (process.env.XMTP_BENCH_CPU_PROF_PHASE === 'baseline' && profiler !== undefined) {
            const { profile } = await profiler.post('Profiler.stop')
            writeFileSync(`${profilePath}.baseline`, JSON.stringify(profile))
          }
          await profiler?.post('Profiler.start')
          await allocProfiler?.post('HeapProfiler.startSampling', {
            samplingInterval: 16384,
            includeObjectsCollectedByMajorGC: true,
            includeObjectsCollectedByMinorGC: true,
          })
          cpu0 = process.cpuUsage()
          loop.enable()
          gc.on = true
          trace?.start()
          return
        }
        if (m === 'mix-end') {
          loop.disable()
          gc.on = false
          gcObserver.disconnect()
          const nodeTimeline = trace?.stop()
          if (allocProfiler !== undefined && allocPath !== undefined) {
            const { profile } = await allocProfiler.post('HeapProfiler.stopSampling')
            writeFileSync(allocPath, JSON.stringify(profile))
            allocProfiler.disconnect()
          }
          if (process.env.XMTP_BENCH_MIX_HEAPSNAP !== undefined) {
            const { writeHeapSnapshot } = await import('node:v8')
            writeHeapSnapshot(process.env.XMTP_BENCH_MIX_HEAPSNAP)
          }
          const cpu = process.cpuUsage(cpu0)
          const mixThreads = tickDelta(threadTicks(), ticks0)
          if (profiler !== undefined && profilePath !== undefined) {
            const { profile } = await profiler.post('Profiler.stop')
            writeFileSync(profilePath, JSON.stringify(profile))
            profiler.disconnect()
          }
          child.send(
            JSON.stringify({
              nodeCpuUs: cpu.user + cpu.system,
              kindCpuUs,
              baselineThreads,
              mixThreads,
              compactMs,
              load: [load0, loadavg()[0] as number],
              loopP99Ms: loop.percentile(99) / 1e6,
              loopMaxMs: loop.max / 1e6,
              gcTotalMs: gc.total,
              gcMaxMs: gc.max,
              gcByKind: gc.byKind,
              trace: nodeTimeline,
            }),
          )
          return
        }
        resolve(String(m))
      })
      child.on('exit', (code) => code !== 0 && reject(new Error(`load generator exited with ${code}`)))
    })
    console.log(report)
    bare.close()
  } finally {
    await node.close()
    rmSync(dir, { recursive: true, force: true })
  }
}

/**
 * Event-loop stalls seen by a 1 ms interval timer: each gap over 3 ms between two ticks, as [start, end]
 * on {@link clock}. Coarse (a stall shorter than 3 ms is not recorded) but tells when, not only how long.
 */
function loopGaps(): { stop(): number[][] } {
  const gaps: number[][] = []
  let last = clock()
  const timer = setInterval(() => {
    const now = clock()
    if (now - last > 3) gaps.push([last, now])
    last = now
  }, 1)
  return {
    stop() {
      clearInterval(timer)
      return gaps
    },
  }
}

/**
 * `XMTP_BENCH_MIX_TRACE=<file>`: the node's timeline during the mix on {@link clock}: event-loop stalls,
 * each GC with its kind, each write's fan-out to streams, each handler's start and end, heap samples.
 * The load generator adds every request's scheduled, sent and answered times, and writes the file.
 */
function nodeTrace(node: Awaited<ReturnType<typeof startNode>>) {
  const gcs: number[][] = []
  const fanouts: number[][] = []
  const handlers: (string | number)[][] = []
  const heap: number[][] = []
  let on = false
  let startedAt = 0
  let gaps: { stop(): number[][] } | undefined
  let sampler: ReturnType<typeof setInterval> | undefined
  const observer = new PerformanceObserver((list) => {
    if (!on) return
    for (const e of list.getEntries()) {
      const kind = (e as PerformanceEntry & { detail?: { kind?: number } }).detail?.kind ?? 0
      gcs.push([e.startTime + clockOffsetMs, e.duration, kind])
    }
  })
  observer.observe({ entryTypes: ['gc'] })
  const service = node.service as unknown as Record<string, (...args: unknown[]) => unknown> & {
    topics: Map<string, Set<unknown>>
    openStreams: number
  }
  const dispatch = service.dispatch as (events: readonly { type: string }[]) => void
  service.dispatch = function (this: unknown, events: readonly { type: string }[]) {
    const t0 = clock()
    dispatch.call(this, events)
    if (on) fanouts.push([t0, clock() - t0, events.length])
  } as never
  for (const name of [
    'getInboxIds',
    'queryGroupMessages',
    'getNewestGroupMessage',
    'sendGroupMessages',
    'subscribeGroupMessages',
  ]) {
    const original = service[name] as (...args: unknown[]) => unknown
    service[name] = function (this: unknown, ...args: unknown[]) {
      const t0 = clock()
      const result = original.apply(this, args)
      if (on && result instanceof Promise) {
        result.then(
          () => handlers.push([name, t0, clock()]),
          () => {},
        )
      } else if (on) handlers.push([name, t0, clock()])
      return result
    }
  }
  return {
    start() {
      on = true
      startedAt = clock()
      gaps = loopGaps()
      sampler = setInterval(() => {
        heap.push([clock(), process.memoryUsage().heapUsed / 2 ** 20, service.openStreams])
      }, 250)
    },
    stop() {
      on = false
      clearInterval(sampler)
      observer.disconnect()
      return { startedAt, gaps: gaps?.stop() ?? [], gcs, fanouts, handlers, heap }
    },
  }
}

/** perf_hooks' GC entry kinds (`constants.NODE_PERFORMANCE_GC_*`). */
function gcKindName(kind: number | undefined): string {
  switch (kind) {
    case 1:
      return 'scavenge'
    case 4:
      return 'mark-compact'
    case 8:
      return 'incremental marking'
    case 16:
      return 'weak callbacks'
    default:
      return `kind ${kind}`
  }
}

type NodeTimeline = ReturnType<ReturnType<typeof nodeTrace>['stop']>

/**
 * With `XMTP_BENCH_MIX_TRACE`: what the slow requests (over 25 ms from their scheduled time) overlapped.
 * A request counts under each cause it overlapped by more than 5 ms: a node GC pause, a node event-loop
 * stall of over 10 ms, a generator event-loop stall of over 10 ms, or a send more than 10 ms late.
 */
function stallReport(
  requests: readonly (string | number)[][],
  generatorGaps: readonly number[][],
  node: NodeTimeline,
): string[] {
  const overlap = (a0: number, a1: number, b0: number, b1: number) =>
    Math.max(0, Math.min(a1, b1) - Math.max(a0, b0))
  const slow = requests
    .map(([, due, sent, done]) => ({ due: due as number, sent: sent as number, done: done as number }))
    .filter((r) => r.done - r.due > 25)
  const longNodeGaps = node.gaps.filter(([a, b]) => (b as number) - (a as number) > 10)
  const longGenGaps = generatorGaps.filter(([a, b]) => (b as number) - (a as number) > 10)
  let gcHit = 0
  let nodeHit = 0
  let genHit = 0
  let late = 0
  for (const r of slow) {
    if (
      node.gcs.some(
        ([start, ms]) => overlap(start as number, (start as number) + (ms as number), r.due, r.done) > 5,
      )
    )
      gcHit++
    if (longNodeGaps.some(([a, b]) => overlap(a as number, b as number, r.due, r.done) > 5)) nodeHit++
    if (longGenGaps.some(([a, b]) => overlap(a as number, b as number, r.due, r.done) > 5)) genHit++
    if (r.sent - r.due > 10) late++
  }
  const sum = (gaps: readonly number[][]) => gaps.reduce((t, [a, b]) => t + (b as number) - (a as number), 0)
  return [
    `  trace: node event-loop stalls over 10 ms: ${longNodeGaps.length} (${sum(longNodeGaps).toFixed(0)} ms); generator's: ${longGenGaps.length} (${sum(longGenGaps).toFixed(0)} ms); write fan-outs ${node.fanouts.length}, longest ${Math.max(0, ...node.fanouts.map((f) => f[1] as number)).toFixed(2)} ms`,
    `  trace: of ${slow.length} requests over 25 ms, ${gcHit} overlapped a node GC pause, ${nodeHit} a node event-loop stall, ${genHit} a generator stall, ${late} were sent over 10 ms late`,
  ]
}

/**
 * CPU time of each of this process's threads by name (Linux `/proc/self/task/<tid>/stat`, in clock ticks
 * of 10 ms): the main thread's JavaScript, libuv's pool (LevelDB reads and writes), LevelDB's compaction
 * thread and V8's GC helpers count apart. Empty where /proc is missing.
 */
function threadTicks(): Map<string, number> {
  const out = new Map<string, number>()
  try {
    for (const tid of readdirSync('/proc/self/task')) {
      const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8')
      const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'))
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
      const ticks = Number(fields[11]) + Number(fields[12])
      const group = tid === String(process.pid) ? 'main' : name.replace(/[0-9]+$/, '').trim()
      out.set(group, (out.get(group) ?? 0) + ticks)
    }
  } catch {
    // Not Linux.
  }
  return out
}

function tickDelta(after: Map<string, number>, before: Map<string, number>): string {
  return [...after]
    .map(([k, v]) => [k, v - (before.get(k) ?? 0)] as const)
    .filter(([, v]) => v > 0)
    .sort((a, b) => b[1] - a[1])
    .map(([k, v]) => `${k} ${v * 10} ms`)
    .join(', ')
}

/** One request of a kind; resolves when answered (streams: when their headers arrive). */
function requester(h2: H2GrpcClient, lastIds: readonly number[], streams: { cancel(): void }[]) {
  let n = 0
  const pick = (max: number) => Math.floor(Math.random() * max)
  const check = (status: number, kind: string) => {
    if (status !== 0) throw new Error(`${kind} failed: grpc-status ${status}`)
  }
  return async (kind: Kind): Promise<void> => {
    switch (kind) {
      case 'GetInboxIds': {
        const r = await h2.unary(
          '/xmtp.identity.api.v1.IdentityApi/GetInboxIds',
          ident.GetInboxIdsRequest.encode({
            requests: [{ identifier: addressOf(pick(inboxes)), identifierKind: 1 }],
          }).finish(),
        )
        return check(r.status, kind)
      }
      case 'QueryGroupMessages': {
        const r = await h2.unary(
          '/xmtp.mls.api.v1.MlsApi/QueryGroupMessages',
          mls.QueryGroupMessagesRequest.encode({
            groupId: groupIdOf(pick(groups)),
            pagingInfo: { limit: 100 },
          }).finish(),
        )
        return check(r.status, kind)
      }
      case 'GetNewestGroupMessage': {
        const r = await h2.unary(
          '/xmtp.mls.api.v1.MlsApi/GetNewestGroupMessage',
          mls.GetNewestGroupMessageRequest.encode({
            groupIds: Array.from({ length: 10 }, () => groupIdOf(pick(groups))),
            includeContent: false,
          }).finish(),
        )
        return check(r.status, kind)
      }
      case 'SendGroupMessages': {
        const r = await h2.unary(
          '/xmtp.mls.api.v1.MlsApi/SendGroupMessages',
          mls.SendGroupMessagesRequest.encode({
            messages: [{ v1: groupMessage(groupIdOf(pick(groups)), 1e6 + n++, 256) }],
          }).finish(),
        )
        return check(r.status, kind)
      }
      default: {
        // A client resuming its stream from the last message it has (no catch-up backlog).
        const g = pick(groups)
        const s = h2.stream(
          '/xmtp.mls.api.v1.MlsApi/SubscribeGroupMessages',
          mls.SubscribeGroupMessagesRequest.encode({
            filters: [{ groupId: groupIdOf(g), idCursor: toLong(BigInt(lastIds[g] ?? 0)) }],
          }).finish(),
        )
        streams.push(s)
        await s.headers
      }
    }
  }
}

async function loadGenerator(port: number, barePort: number): Promise<void> {
  const nextMessage = () =>
    new Promise<string>((resolve) => process.once('message', (m) => resolve(String(m))))
  const { lastIds } = JSON.parse(await nextMessage()) as { lastIds: number[] }
  const seconds = Number(process.env.XMTP_BENCH_MIX_SECONDS ?? 20)
  // A few connections, as several clients would have (one HTTP/2 connection each).
  const connections = Array.from({ length: 8 }, () => connectH2Grpc(port))
  const streams: { cancel(): void }[] = []
  const requests = connections.map((c) => requester(c, lastIds, streams))
  const lines: string[] = []
  const fmt = (ms: number) => `${ms.toFixed(2)} ms`

  // Baseline: each kind alone, one at a time (200 each; streams closed right after their headers).
  const baseline = new Map<Kind, number[]>()
  const one = requests[0] as (kind: Kind) => Promise<void>
  for (const kind of kinds) for (let i = 0; i < 20; i++) await one(kind) // warm-up
  for (const s of streams.splice(0)) s.cancel()
  process.send?.('baseline-start')
  const baselineRequests = kinds.length * 200
  for (const kind of kinds) {
    process.send?.(`kind:${kind}`)
    const samples: number[] = []
    for (let i = 0; i < 200; i++) {
      const t0 = performance.now()
      await one(kind)
      samples.push(performance.now() - t0)
    }
    for (const s of streams.splice(0)) s.cancel()
    baseline.set(kind, samples)
  }
  process.send?.('kind:floor')
  const bare = connectH2Grpc(barePort)
  for (let i = 0; i < 20; i++) await bare.unary('/floor', new Uint8Array(0))
  const floor: number[] = []
  for (let i = 0; i < 200; i++) {
    const t0 = performance.now()
    await bare.unary('/floor', new Uint8Array(0))
    floor.push(performance.now() - t0)
  }
  bare.close()

  // The mix: open loop, arrivals every 1/rate s, latency from the scheduled time.
  const total = Math.round(seconds * rate)
  const under = new Map<Kind, number[]>(kinds.map((k) => [k, []]))
  const all: number[] = []
  // The same latencies counted from when the generator actually sent (it shares the machine and runs late
  // at times): the gap between the two is the generator's own delay, not the node's.
  const fromSend: number[] = []
  let failures = 0
  let lateSends = 0
  const pending: Promise<void>[] = []
  // XMTP_BENCH_MIX_TRACE: every request's kind, scheduled, sent and answered times on the shared clock.
  const tracing = process.env.XMTP_BENCH_MIX_TRACE !== undefined
  const requestTrace: (string | number)[][] = []
  process.send?.('mix-start')
  const generatorGaps = tracing ? loopGaps() : undefined
  const cpu0 = process.cpuUsage()
  const t0 = performance.now()
  for (let i = 0; i < total; i++) {
    const due = t0 + (i * 1000) / rate
    const wait = due - performance.now()
    if (wait > 1) await new Promise((r) => setTimeout(r, wait))
    // The generator's own lateness (it shares the machine too).
    if (performance.now() - due > 10) lateSends++
    const roll = Math.random() * 100
    const kind = (mix.find(([, upTo]) => roll < upTo) as [Kind, number])[0]
    const send = requests[i % requests.length] as (kind: Kind) => Promise<void>
    const sent = performance.now()
    pending.push(
      send(kind).then(
        () => {
          const now = performance.now()
          const ms = now - due
          under.get(kind)?.push(ms)
          all.push(ms)
          fromSend.push(now - sent)
          if (tracing)
            requestTrace.push([kind, due + clockOffsetMs, sent + clockOffsetMs, now + clockOffsetMs])
        },
        () => {
          failures++
        },
      ),
    )
  }
  await Promise.all(pending)
  const elapsed = (performance.now() - t0) / 1000
  const generatorCpu = process.cpuUsage(cpu0)
  const generatorStalls = generatorGaps?.stop()
  const openStreams = streams.length
  process.send?.('mix-end')
  const node = JSON.parse(await nextMessage()) as {
    nodeCpuUs: number
    kindCpuUs: Record<string, number>
    baselineThreads: string
    mixThreads: string
    compactMs: number
    load: [number, number]
    loopP99Ms: number
    loopMaxMs: number
    gcTotalMs: number
    gcMaxMs: number
    gcByKind: Record<string, { n: number; ms: number; max: number }>
    trace?: unknown
  }
  if (tracing) {
    writeFileSync(
      process.env.XMTP_BENCH_MIX_TRACE as string,
      JSON.stringify({ requests: requestTrace, generatorGaps: generatorStalls, node: node.trace }),
    )
  }

  lines.push(
    `\n## 100K-daily-user mix: ${rate} req/s for ${seconds} s (${total} requests, ${(total / elapsed).toFixed(0)} req/s achieved), node on classic-level (fsync), load generator in its own process`,
  )
  lines.push(
    `  ${'request'.padEnd(24)} ${'share'.padStart(6)} ${'alone p50'.padStart(11)} ${'alone p99'.padStart(11)} ${'mix p50'.padStart(11)} ${'mix p99'.padStart(11)} ${'n'.padStart(6)}`,
  )
  let previous = 0
  for (const [kind, upTo] of mix) {
    const a = summarize(kind, baseline.get(kind) ?? [])
    const m = summarize(kind, under.get(kind) ?? [])
    lines.push(
      `  ${(kind === 'Subscribe' ? 'Subscribe (to headers)' : kind).padEnd(24)} ${`${upTo - previous}%`.padStart(6)} ${fmt(a.p50Ms).padStart(11)} ${fmt(a.p99Ms).padStart(11)} ${fmt(m.p50Ms).padStart(11)} ${fmt(m.p99Ms).padStart(11)} ${String(m.samples).padStart(6)}`,
    )
    previous = upTo
  }
  const overall = summarize('all', all)
  const alone = summarize('all', [...baseline.values()].flat())
  lines.push(
    `  ${'all'.padEnd(24)} ${'100%'.padStart(6)} ${fmt(alone.p50Ms).padStart(11)} ${fmt(alone.p99Ms).padStart(11)} ${fmt(overall.p50Ms).padStart(11)} ${fmt(overall.p99Ms).padStart(11)} ${String(overall.samples).padStart(6)}`,
  )
  lines.push(`  streams held open at the end: ${openStreams}; failed requests: ${failures}`)
  const sendSide = summarize('from send', fromSend)
  lines.push(
    `  counted from the actual send instead of the scheduled time: p50 ${fmt(sendSide.p50Ms)}, p99 ${fmt(sendSide.p99Ms)}`,
  )
  lines.push(
    `  machine load average (1 min) ${node.load[0].toFixed(1)} at the start, ${node.load[1].toFixed(1)} at the end (2 cores); seed compaction before the mix ${node.compactMs.toFixed(0)} ms`,
  )
  lines.push(
    `  node CPU per request: ${(node.nodeCpuUs / total).toFixed(0)} µs in the mix, ${(kinds.reduce((sum, k) => sum + (node.kindCpuUs[k] ?? 0), 0) / baselineRequests).toFixed(0)} µs alone (baseline, same run)`,
  )
  lines.push(
    `  node CPU per request alone, by kind: ${kinds.map((k) => `${k} ${((node.kindCpuUs[k] ?? 0) / 200).toFixed(0)} µs`).join(', ')}`,
  )
  const floorStats = summarize('floor', floor)
  lines.push(
    `  floor, bare node:http2 server in the node process answering an empty gRPC reply, alone: p50 ${fmt(floorStats.p50Ms)}, p99 ${fmt(floorStats.p99Ms)}, ${((node.kindCpuUs.floor ?? 0) / 200).toFixed(0)} µs CPU per request`,
  )
  lines.push(`  node threads, mix: ${node.mixThreads}`)
  lines.push(`  node threads, baseline: ${node.baselineThreads}`)
  lines.push(
    `  node process: ${(node.nodeCpuUs / 1e4 / elapsed).toFixed(0)}% of one core (${(node.nodeCpuUs / total).toFixed(0)} µs CPU per request), event-loop delay p99 ${node.loopP99Ms.toFixed(1)} ms, max ${node.loopMaxMs.toFixed(0)} ms, GC ${node.gcTotalMs.toFixed(0)} ms in all (longest pause ${node.gcMaxMs.toFixed(1)} ms); load generator: ${((generatorCpu.user + generatorCpu.system) / 1e4 / elapsed).toFixed(0)}% of one core, ${lateSends} sends more than 10 ms late`,
  )
  lines.push(
    `  node GC pauses by kind: ${Object.entries(node.gcByKind)
      .map(([k, v]) => `${k} ${v.n} (${v.ms.toFixed(0)} ms, longest ${v.max.toFixed(1)} ms)`)
      .join(', ')}`,
  )
  if (node.trace !== undefined) {
    lines.push(...stallReport(requestTrace, generatorStalls ?? [], node.trace as NodeTimeline))
  }
  lines.push(
    `  mix p99 ${fmt(overall.p99Ms)} = ${(overall.p99Ms / alone.p99Ms).toFixed(2)}x the requests' p99 alone; target p99 <= 25 ms: ${overall.p99Ms <= 25 && failures === 0 ? 'MET' : 'NOT MET'}`,
  )
  for (const s of streams) s.cancel()
  for (const c of connections) c.close()
  process.send?.(lines.join('\n'))
  process.exit(0)
}
