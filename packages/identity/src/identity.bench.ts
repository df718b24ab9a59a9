/**
 * Benchmarks of @xmtp-lite/identity (`pnpm bench identity`), each against a baseline in the same run:
 * - the verification workers: start-up (cold pool against warm pool) and the batch size from which they pay;
 * - validating a full 256-update inbox log (target <= 50 ms), sequentially and as one batch (verifyBatch:
 *   this thread plus the worker pool);
 * - installation-key (Ed25519ph) verifications per second (target >= 5,000/s), one by one on one thread and
 *   as a batch (verifySignatures) on this thread plus the workers, each labelled;
 * - wallet (EIP-191) signature recoveries per second.
 *
 * "cold" = no signature cache: every signature is verified (the crypto provider keeps no per-signature
 * state). "warm" = a signature cache that already holds every signature (a node re-validating an inbox log
 * it validated before, as node-lite's ledger validator does on each new update). The default provider uses
 * libsodium and libsecp256k1 where their optional packages loaded (printed in the titles).
 */
import { loadavg } from 'node:os'
import { compare } from '@xmtp-lite/bench'
import { defaultCrypto, nobleCrypto, toHex, utf8ToBytes } from '@xmtp-lite/common'
import { recoverMessageAddress } from 'viem'
import { defaultWorkerThreshold, verifyBatch, verifySignatures } from './batch.ts'
import type { IdentityUpdate, VerifiedIdentityUpdate } from './model.ts'
import { type AssociationState, applyUpdate } from './state.ts'
import { addMember, installation, registration, revokeMember, wallet } from './testing.fixtures.ts'
import {
  createSignatureCache,
  installationKeyContext,
  verifyIdentityUpdate,
  verifySignature,
} from './verify.ts'
import { sharedVerifyPool } from './verifyPool.ts'

const owner = wallet(1)

/** A realistic full log: register, then add and revoke installations in turn (256 updates in all). */
async function buildLog(): Promise<IdentityUpdate[]> {
  const log: IdentityUpdate[] = [await registration(owner, installation(0))]
  const inboxId = log[0]?.inboxId as string
  let n = 1
  while (log.length < 256) {
    const inst = installation(n % 200)
    const fresh = { ...inst, identifier: inst.identifier }
    log.push(await addMember(inboxId, owner, fresh, log.length))
    if (log.length < 256) log.push(await revokeMember(inboxId, owner, fresh, log.length))
    n++
  }
  return log
}

async function validateLog(
  log: readonly IdentityUpdate[],
  options: Parameters<typeof verifyIdentityUpdate>[1],
) {
  let state: AssociationState | undefined
  for (const update of log) state = applyUpdate(state, await verifyIdentityUpdate(update, options))
  if (state === undefined || state.members.size < 2) throw new Error('log did not validate')
  return state
}

/** The batch path: every signature of the log checked by verifyBatch, then the reducer in order. */
async function validateLogBatch(
  log: readonly IdentityUpdate[],
  options: Parameters<typeof verifyBatch>[1] = {},
) {
  const batch = await verifyBatch(log, options)
  let state: AssociationState | undefined
  for (let i = 0; i < batch.length; i++) state = applyUpdate(state, await batch.get(i))
  if (state === undefined || state.members.size < 2) throw new Error('log did not validate')
  return state
}

/**
 * CPU time of one call: user + system time of this process (`process.cpuUsage`, every thread of it, so
 * garbage-collector threads and the verification workers count too) around it, beside its wall time. On a
 * machine shared with other processes the wall time also holds the time spent waiting for a core.
 */
async function timeLog(fn: () => Promise<unknown>): Promise<{ cpuMs: number; wallMs: number }> {
  const cpu0 = process.cpuUsage()
  const t0 = performance.now()
  await fn()
  const wallMs = performance.now() - t0
  const cpu = process.cpuUsage(cpu0)
  return { cpuMs: (cpu.user + cpu.system) / 1000, wallMs }
}
const median = (xs: readonly number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number
const mean = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length)
const loadLine = () =>
  `load average: ${loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')} (1, 5, 15 min)`

const log = await buildLog()
const pool = sharedVerifyPool()
if (pool === undefined) throw new Error('no verification workers in this process')

// Worker start-up, measured first (nothing has started the pool yet): three times, each from a closed pool.
// "first log" = a 256-update log validated through verifyBatch right as the pool starts: the worker is not
// ready, so this thread checks everything (it posts jobs only to ready workers) while the worker loads.
{
  const rows: { startWall: number; startCpu: number; firstLog: number; warmLog: number }[] = []
  console.log(`\n## verification workers: start-up, cold pool against warm pool (${loadLine()})`)
  for (let r = 0; r < 3; r++) {
    await pool.close()
    const cpu0 = process.cpuUsage()
    const t0 = performance.now()
    const first = await timeLog(() => validateLogBatch(log))
    if (!(await pool.whenReady())) throw new Error('the worker did not start')
    const startWall = performance.now() - t0
    const cpu = process.cpuUsage(cpu0)
    const startCpu = (cpu.user + cpu.system) / 1000 - first.cpuMs
    const warm = await timeLog(() => validateLogBatch(log))
    rows.push({ startWall, startCpu, firstLog: first.wallMs, warmLog: warm.wallMs })
  }
  console.log(
    `  ${pool.stats.workers} worker(s) (one per core beyond the first, at most 3), loaded from source through tsx as this bench runs (dist/ .js loads without the TypeScript transform)`,
  )
  for (const [i, r] of rows.entries()) {
    console.log(
      `  run ${i + 1}: start to ready ${r.startWall.toFixed(0)} ms wall (${r.startCpu.toFixed(0)} ms CPU besides the first log); first log with a cold pool ${r.firstLog.toFixed(1)} ms; next log, warm pool ${r.warmLog.toFixed(1)} ms`,
    )
  }
  console.log(
    `  median: start-up ${median(rows.map((r) => r.startWall)).toFixed(0)} ms wall; 256-update log ${median(rows.map((r) => r.firstLog)).toFixed(1)} ms with a cold pool, ${median(rows.map((r) => r.warmLog)).toFixed(1)} ms with a warm pool`,
  )
}

// From which batch size the workers pay: a prefix of the log (about 1.5 signatures per update) verified
// with the workers (threshold 0) and on this thread only, alternating.
{
  console.log(
    `\n## verifyBatch: workers (warm pool) against this thread only, by batch size (threshold in use: ${defaultWorkerThreshold} signatures; ${loadLine()})`,
  )
  console.log('  updates  signatures  this thread ms (median)  with workers ms (median)  ratio')
  for (const updates of [1, 2, 4, 6, 8, 12, 16, 24, 48]) {
    const prefix = log.slice(0, updates)
    const sigs = prefix.reduce(
      (n, u) => n + u.actions.reduce((m, a) => m + (a.kind === 'addAssociation' ? 2 : 1), 0),
      0,
    )
    const verifyAll = async (options: Parameters<typeof verifyBatch>[1]) => {
      const b = await verifyBatch(prefix, options)
      for (let i = 0; i < b.length; i++) await b.get(i)
    }
    const alone: number[] = []
    const pooled: number[] = []
    const reps = Math.max(15, Math.floor(600 / sigs))
    for (let r = 0; r < reps; r++) {
      alone.push((await timeLog(() => verifyAll({ workers: false }))).wallMs)
      pooled.push((await timeLog(() => verifyAll({ workerThreshold: 0 }))).wallMs)
    }
    const a = median(alone)
    const w = median(pooled)
    console.log(
      `  ${String(updates).padStart(7)}  ${String(sigs).padStart(10)}  ${a.toFixed(2).padStart(23)}  ${w.toFixed(2).padStart(24)}  ${(a / w).toFixed(2)}x`,
    )
  }
}

const verifiedLog: VerifiedIdentityUpdate[] = []
for (const u of log) verifiedLog.push(await verifyIdentityUpdate(u))
const warmCache = createSignatureCache(2048)
await validateLog(log, { cache: warmCache })
const backends = `node backends: ${defaultCrypto.nativeBackends?.join(', ') || 'none'}`
const signatures = log.reduce(
  (n, u) => n + u.actions.reduce((m, a) => m + (a.kind === 'addAssociation' ? 2 : 1), 0),
  0,
)

const logTitle = `validate a full 256-update inbox log (${signatures} signatures: EIP-191 + Ed25519ph; ${backends})`
const noble = {
  name: 'cold: verify + reduce, noble provider',
  fn: () => validateLog(log, { crypto: nobleCrypto }),
}
const coldDefault = {
  name: `cold: verify + reduce, default provider (${defaultCrypto.name})`,
  fn: () => validateLog(log, {}),
}
const coldBatch = {
  name: `cold: verifyBatch + reduce, this thread + ${pool.stats.workers} worker(s)`,
  fn: () => validateLogBatch(log),
}
await compare({
  title: `${logTitle}, cold (no signature cache), one thread`,
  baseline: noble,
  candidates: [coldDefault],
  target: { maxMeanMs: 50 },
  options: { minSamples: 2, minTimeMs: 900 },
})
await compare({
  title: `${logTitle}, cold (no signature cache), as one batch on this thread and the worker pool (warm)`,
  baseline: coldDefault,
  candidates: [coldBatch],
  target: { maxMeanMs: 50 },
  options: { minSamples: 5, minTimeMs: 1500 },
})
{
  const load = loadLine()
  const cases = [
    { name: noble.name, fn: noble.fn, every: 5, cpu: [] as number[], wall: [] as number[] },
    { name: coldDefault.name, fn: coldDefault.fn, every: 1, cpu: [] as number[], wall: [] as number[] },
    { name: coldBatch.name, fn: coldBatch.fn, every: 1, cpu: [] as number[], wall: [] as number[] },
  ]
  // Interleaved: a noble log every fifth round (each takes about a second), ours every round.
  for (let round = 0; round < 30; round++) {
    for (const c of cases) {
      if (round % c.every !== 0) continue
      const { cpuMs, wallMs } = await timeLog(c.fn)
      c.cpu.push(cpuMs)
      c.wall.push(wallMs)
    }
  }
  const base = median(cases[0]?.cpu ?? [])
  const baseWall = median(cases[0]?.wall ?? [])
  console.log(
    `\n## ${logTitle}, cold, CPU and wall time per log (process.cpuUsage: user + system, all threads)`,
  )
  console.log(`  ${load} at start, ${loadLine()} at the end`)
  console.log(
    '  case                                                  runs  CPU ms median (min)  wall ms median (min)  wall mean  CPU ratio  wall ratio',
  )
  for (const c of cases) {
    const cpu = `${median(c.cpu).toFixed(1)} (${Math.min(...c.cpu).toFixed(1)})`
    const wall = `${median(c.wall).toFixed(1)} (${Math.min(...c.wall).toFixed(1)})`
    const ratio = c === cases[0] ? 'baseline' : `${(base / median(c.cpu)).toFixed(1)}x`
    const wallRatio = c === cases[0] ? 'baseline' : `${(baseWall / median(c.wall)).toFixed(1)}x`
    console.log(
      `  ${c.name.padEnd(52)}  ${String(c.cpu.length).padStart(4)}  ${cpu.padStart(19)}  ${wall.padStart(20)}  ${mean(c.wall).toFixed(1).padStart(9)}  ${ratio.padStart(9)}  ${wallRatio.padStart(10)}`,
    )
  }
  const seqCpu = median(cases[1]?.cpu ?? [])
  const batchWall = median(cases[2]?.wall ?? [])
  console.log(
    `  target <= 50 ms per log: one thread, CPU median ${seqCpu.toFixed(1)} ms: ${seqCpu <= 50 ? 'MET' : 'NOT MET'}; batch (this thread + workers), wall median ${batchWall.toFixed(1)} ms: ${batchWall <= 50 ? 'MET' : 'NOT MET'}, wall mean ${mean(cases[2]?.wall ?? []).toFixed(1)} ms: ${mean(cases[2]?.wall ?? []) <= 50 ? 'MET' : 'NOT MET'}`,
  )
  console.log(
    "  (the batch's CPU time counts both threads: it spends more CPU in all, in less wall time; wall time is what a caller waits)",
  )
}

await compare({
  title: `${logTitle}, warm (re-validation: the signature cache holds the log)`,
  baseline: coldDefault,
  candidates: [
    {
      name: 'warm: verify + reduce, signature cache holds the log',
      fn: () => validateLog(log, { cache: warmCache }),
    },
    {
      name: 'reduce only (pre-verified updates)',
      fn: () => {
        let state: AssociationState | undefined
        for (const u of verifiedLog) state = applyUpdate(state, u)
        return state
      },
    },
  ],
  target: { maxMeanMs: 50 },
  options: { minSamples: 2, minTimeMs: 900 },
})

const inst = installation(7)
const text = `XMTP : Authenticate to inbox\n\n${'x'.repeat(300)}`
const edSig = (await inst.sign(text)) as {
  kind: 'installationKey'
  signature: Uint8Array
  publicKey: Uint8Array
}
const textBytes = utf8ToBytes(text)
// 64 installations, each signing its own text: cold verifications that do not repeat one input.
const manyEd = await Promise.all(
  Array.from({ length: 64 }, async (_, i) => {
    const own = `${text}${i}`
    return { text: own, sig: (await installation(20 + i).sign(own)) as typeof edSig }
  }),
)
let nextEd = 0
const edCache = createSignatureCache(16)
await verifySignature(edSig, text, { cache: edCache })
await compare({
  title: `installation-key (Ed25519ph, context IDENTITY UPDATE SIGNATURE) verifications, cold (${backends})`,
  baseline: {
    name: 'cold: noble verifyPh',
    fn: () =>
      nobleCrypto.ed25519.verifyPh(edSig.signature, textBytes, edSig.publicKey, installationKeyContext),
  },
  candidates: [
    {
      name: `cold: verifySignature, default provider (${defaultCrypto.name})`,
      fn: () => verifySignature(edSig, text),
    },
    {
      name: 'cold: verifySignature, a different key and text every time (64)',
      fn: () => {
        const one = manyEd[nextEd++ % manyEd.length] as (typeof manyEd)[number]
        return verifySignature(one.sig, one.text)
      },
    },
  ],
  // >= 5,000 verifications/s
  target: { maxMeanMs: 0.2 },
  options: { minSamples: 20, minTimeMs: 1500 },
})
// Throughput of cold installation-key verifications, one by one on this thread against a batch spread over
// this thread and the worker pool (what a node or client validating many logs at once runs), interleaved
// with noble in the same rounds. Rates are signatures per second of wall time.
const manyEd256 = await Promise.all(
  Array.from({ length: 256 }, async (_, i) => {
    const own = `${text}:${i}`
    return { text: own, signature: (await installation(i).sign(own)) as typeof edSig }
  }),
)
{
  const start = loadLine()
  const batch64 = manyEd256.slice(0, 64)
  const cases = [
    {
      name: 'noble verifyPh, one by one (64 keys and texts)',
      every: 4,
      n: 64,
      fn: async () => {
        for (const one of batch64)
          nobleCrypto.ed25519.verifyPh(
            one.signature.signature,
            utf8ToBytes(one.text),
            one.signature.publicKey,
            installationKeyContext,
          )
      },
    },
    {
      name: 'single thread: verifySignature one by one (64)',
      every: 1,
      n: 64,
      fn: async () => {
        for (const one of batch64) await verifySignature(one.signature, one.text)
      },
    },
    {
      name: `batch: verifySignatures of 64, this thread + ${pool.stats.workers} worker(s)`,
      every: 1,
      n: 64,
      fn: async () => {
        const b = await verifySignatures(batch64)
        for (let i = 0; i < b.length; i++) await b.get(i)
      },
    },
    {
      name: `batch: verifySignatures of 256, this thread + ${pool.stats.workers} worker(s)`,
      every: 1,
      n: 256,
      fn: async () => {
        const b = await verifySignatures(manyEd256)
        for (let i = 0; i < b.length; i++) await b.get(i)
      },
    },
  ].map((c) => ({ ...c, rates: [] as number[], cpu: [] as number[] }))
  for (let round = 0; round < 40; round++) {
    for (const c of cases) {
      if (round % c.every !== 0) continue
      const { wallMs, cpuMs } = await timeLog(c.fn)
      c.rates.push((c.n * 1000) / wallMs)
      c.cpu.push((cpuMs * 1000) / c.n)
    }
  }
  const base = median(cases[0]?.rates ?? [])
  console.log(
    `\n## installation-key (Ed25519ph) verifications per second of wall time, cold, single thread and batch (${backends})`,
  )
  console.log(`  ${start} at start, ${loadLine()} at the end`)
  console.log(
    '  case                                                   runs   verif/s median (max)   CPU µs/verif   ratio',
  )
  for (const c of cases) {
    const rate = `${median(c.rates).toFixed(0)} (${Math.max(...c.rates).toFixed(0)})`
    const ratio = c === cases[0] ? 'baseline' : `${(median(c.rates) / base).toFixed(1)}x`
    console.log(
      `  ${c.name.padEnd(53)}  ${String(c.rates.length).padStart(4)}  ${rate.padStart(21)}  ${median(c.cpu).toFixed(0).padStart(13)}  ${ratio}`,
    )
  }
  const single = median(cases[1]?.rates ?? [])
  const batched = median(cases[2]?.rates ?? [])
  console.log(
    `  target >= 5,000/s: single thread ${single.toFixed(0)}/s: ${single >= 5000 ? 'MET' : 'NOT MET'}; batch of 64 (this thread + workers) ${batched.toFixed(0)}/s: ${batched >= 5000 ? 'MET' : 'NOT MET'}`,
  )
}

await compare({
  title: 'installation-key verifications, warm (the signature cache holds the signature)',
  baseline: {
    name: `cold: verifySignature, default provider (${defaultCrypto.name})`,
    fn: () => verifySignature(edSig, text),
  },
  candidates: [
    {
      name: 'warm: verifySignature, signature cache hit',
      fn: () => verifySignature(edSig, text, { cache: edCache }),
    },
  ],
  target: { maxMeanMs: 0.2 },
  options: { minSamples: 20, minTimeMs: 1500 },
})

const walletSig = (await owner.sign(text)) as { kind: 'erc191'; signature: Uint8Array }
const hexSig = `0x${toHex(walletSig.signature)}` as const
const walletCache = createSignatureCache(16)
await verifySignature(walletSig, text, { cache: walletCache })
await compare({
  title: `wallet (EIP-191) signature recoveries (${backends})`,
  baseline: {
    name: 'cold: verifySignature, noble provider',
    fn: () => verifySignature(walletSig, text, { crypto: nobleCrypto }),
  },
  candidates: [
    {
      name: 'cold: viem recoverMessageAddress',
      fn: () => recoverMessageAddress({ message: text, signature: hexSig }),
    },
    {
      name: `cold: verifySignature, default provider (${defaultCrypto.name})`,
      fn: () => verifySignature(walletSig, text),
    },
    {
      name: 'warm: verifySignature, signature cache hit',
      fn: () => verifySignature(walletSig, text, { cache: walletCache }),
    },
  ],
  options: { minSamples: 20, minTimeMs: 1500 },
})
