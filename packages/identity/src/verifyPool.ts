/**
 * The verification workers of a process: worker threads that join the calling thread on the signature
 * checks of a batch of identity updates (verifyBatch in batch.ts), each claiming the next unchecked
 * signature from shared memory (verifyJob.ts) until none is left.
 *
 * - One pool per process, of one worker per core beyond the first (at most 3), started by the first batch
 *   big enough for it (or by {@link warmVerifyWorkers}); a worker loads `@xmtp-lite/common` on its own
 *   thread. The batch that starts the pool does not wait for it: the calling thread checks whatever the
 *   workers have not claimed, so a pool that is starting, busy, or without a core costs nothing but the
 *   job's packing.
 * - Workers are unref'd: they never keep a process alive, and the caller never waits on one: once no check
 *   is left to claim, it runs itself the checks a worker claimed and has not finished (a worker may have no
 *   core at that moment), so a batch never takes longer than the caller alone would, bar the packing.
 * - Node only: worker_threads is reached through `process.getBuiltinModule` (no import statement, a browser
 *   bundle never sees it). Without it, or when a worker fails to start, there is no pool and batches are
 *   checked on the calling thread, with the same verdicts.
 * @module
 */
import type { Worker } from 'node:worker_threads'
import { defaultCrypto } from '@xmtp-lite/common'
import {
  By,
  identityVerifyWorkerRole,
  resultSize,
  runJob,
  type SharedJob,
  takeBack,
  type WorkerAnswer,
  type WorkerJob,
} from './verifyJob.ts'

interface NodeModules {
  readonly Worker: typeof Worker
  readonly createRequire: (from: string) => { resolve(id: string): string }
  readonly pathToFileURL: (path: string) => URL
  readonly dirname: (path: string) => string
  readonly join: (...parts: string[]) => string
  readonly availableParallelism: () => number
}

function nodeModules(): NodeModules | undefined {
  const proc = (
    globalThis as { process?: { versions?: { node?: unknown }; getBuiltinModule?: (id: string) => unknown } }
  ).process
  if (typeof proc?.versions?.node !== 'string' || typeof proc.getBuiltinModule !== 'function')
    return undefined
  try {
    const wt = proc.getBuiltinModule('node:worker_threads') as typeof import('node:worker_threads')
    const mod = proc.getBuiltinModule('node:module') as typeof import('node:module')
    const url = proc.getBuiltinModule('node:url') as typeof import('node:url')
    const path = proc.getBuiltinModule('node:path') as typeof import('node:path')
    const os = proc.getBuiltinModule('node:os') as typeof import('node:os')
    if (typeof wt?.Worker !== 'function' || typeof SharedArrayBuffer !== 'function') return undefined
    return {
      Worker: wt.Worker,
      createRequire: mod.createRequire,
      pathToFileURL: url.pathToFileURL,
      dirname: path.dirname,
      join: path.join,
      availableParallelism: os.availableParallelism,
    }
  } catch {
    return undefined
  }
}

/** The worker's file next to this one (`.js` in dist, `.ts` from source). */
const workerBase = 'verifyWorker'

function spawn(node: NodeModules): Worker {
  const here = import.meta.url
  const workerData = { role: identityVerifyWorkerRole }
  if (here.endsWith('.js')) {
    return new node.Worker(new URL(`./${workerBase}.js`, here), { workerData, execArgv: [] })
  }
  // From source (tsx, vitest): the worker registers tsx's loader first, then loads the TypeScript entry with
  // the workspace's source condition (as node-lite's replication workers do).
  const tsx = node.createRequire(here).resolve('tsx/package.json')
  const api = node.pathToFileURL(node.join(node.dirname(tsx), 'dist/esm/api/index.mjs')).href
  const entry = new URL(`./${workerBase}.ts`, here).href
  return new node.Worker(
    `import(${JSON.stringify(api)}).then((m) => { m.register(); return import(${JSON.stringify(entry)}) })`,
    { eval: true, workerData, execArgv: ['--conditions=@xmtp-lite/source'] },
  )
}

interface Slot {
  readonly worker: Worker
  ready: boolean
  closing: boolean
}

/** What a pool has done so far (benchmarks and tests). */
export interface VerifyPoolStats {
  /** Workers running (started, ready or not). */
  readonly workers: number
  readonly readyWorkers: number
  /** Checks the workers ran, and the calling thread ran, over every job. */
  readonly workerChecks: number
  readonly callerChecks: number
  readonly jobs: number
}

/** A pool of identity verification workers. */
export class VerifyPool {
  readonly #node: NodeModules
  readonly #size: number
  readonly #slots: Slot[] = []
  /** Jobs run with `callerChecks: false`, waiting for an answer from every worker they were sent to. */
  readonly #waiting = new Map<number, { readonly slots: Set<Slot>; readonly resolve: () => void }>()
  #nextId = 1
  #broken = false
  #workerChecks = 0
  #callerChecks = 0
  #jobCount = 0

  constructor(node: NodeModules, size: number) {
    this.#node = node
    this.#size = size
  }

  /** A worker failed to start: this process checks on the calling thread. */
  get broken(): boolean {
    return this.#broken
  }

  get stats(): VerifyPoolStats {
    return {
      workers: this.#slots.length,
      readyWorkers: this.#slots.filter((s) => s.ready).length,
      workerChecks: this.#workerChecks,
      callerChecks: this.#callerChecks,
      jobs: this.#jobCount,
    }
  }

  /** Starts the missing workers; returns at once. */
  warm(): void {
    while (!this.#broken && this.#slots.length < this.#size) this.#start()
  }

  /** Resolves once every worker is ready (true), or the pool cannot have them (false). */
  async whenReady(timeoutMs = 60_000): Promise<boolean> {
    this.warm()
    const deadline = Date.now() + timeoutMs
    while (this.#slots.filter((s) => s.ready).length < this.#size) {
      if (this.#broken || Date.now() > deadline) return false
      await new Promise((r) => setTimeout(r, 5))
    }
    return true
  }

  #start(): void {
    let worker: Worker
    try {
      worker = spawn(this.#node)
    } catch {
      this.#broken = true
      return
    }
    const slot: Slot = { worker, ready: false, closing: false }
    this.#slots.push(slot)
    const fail = () => {
      const index = this.#slots.indexOf(slot)
      if (index < 0) return
      this.#slots.splice(index, 1)
      if (!slot.ready && !slot.closing) this.#broken = true
      for (const id of [...this.#waiting.keys()]) this.#answered(id, slot)
    }
    worker.on('message', (message: WorkerAnswer | { ready: true }) => {
      if ('ready' in message) slot.ready = true
      else this.#answered(message.id, slot)
    })
    worker.on('error', fail)
    worker.on('exit', fail)
    // After the listeners: adding a 'message' listener refs the worker's port again.
    worker.unref()
  }

  #answered(id: number, slot: Slot): void {
    const waiting = this.#waiting.get(id)
    if (waiting === undefined || !waiting.slots.delete(slot)) return
    if (waiting.slots.size > 0) return
    this.#waiting.delete(id)
    for (const s of this.#slots) s.worker.unref()
    waiting.resolve()
  }

  /**
   * Runs every check of `job`: sends it to the workers (starting them if needed) and runs checks on this
   * thread too, claiming them one by one with the workers; once none is left unclaimed, this thread also
   * runs the checks a worker claimed and has not finished, so it never waits on a worker (which may have no
   * core at that moment). Resolves when every check has a result.
   *
   * With `callerChecks: false` (tests) this thread runs none itself while a worker is there: it waits until
   * every worker the job was sent to has answered (they are ref'd meanwhile).
   */
  async run(job: SharedJob, options: { readonly callerChecks?: boolean } = {}): Promise<void> {
    this.warm()
    const id = this.#nextId++
    this.#jobCount++
    const message: WorkerJob = { id, job }
    const callerChecks = options.callerChecks !== false || this.#slots.length === 0
    if (!callerChecks) {
      const slots = new Set(this.#slots)
      const answered = new Promise<void>((resolve) => this.#waiting.set(id, { slots, resolve }))
      for (const slot of slots) {
        slot.worker.ref()
        slot.worker.postMessage(message)
      }
      await answered
    } else {
      // Only ready workers get the job: one still starting would run it late, for nothing.
      for (const slot of this.#slots) if (slot.ready) slot.worker.postMessage(message)
      runJob(job, defaultCrypto, By.caller)
    }
    takeBack(job, defaultCrypto)
    const count = job.control[1] as number
    for (let i = 0; i < count; i++) {
      if (job.results[i * resultSize + 1] === By.worker) this.#workerChecks++
      else this.#callerChecks++
    }
  }

  /** Stops every worker (tests; a later batch starts new ones). */
  async close(): Promise<void> {
    const slots = this.#slots.splice(0)
    for (const s of slots) s.closing = true
    await Promise.all(slots.map((s) => s.worker.terminate()))
    for (const id of [...this.#waiting.keys()]) for (const s of slots) this.#answered(id, s)
  }
}

let shared: VerifyPool | undefined | null

/** Workers of the process's pool: one per core beyond the first, at least 1, at most 3. */
export function defaultVerifyWorkers(): number {
  const node = nodeModules()
  return node === undefined ? 0 : Math.max(1, Math.min(3, node.availableParallelism() - 1))
}

/**
 * The process's verification pool, created (not started) on first call; `undefined` where there are no
 * worker threads (browsers) or a worker failed to start.
 */
export function sharedVerifyPool(): VerifyPool | undefined {
  if (shared === undefined) {
    const node = nodeModules()
    shared = node === undefined ? null : new VerifyPool(node, defaultVerifyWorkers())
  }
  return shared === null || shared.broken ? undefined : shared
}

/**
 * Starts the process's verification workers now (a node or client that will validate identity logs soon),
 * and resolves when they are ready: true, or false where there are none. Never needed for correctness.
 */
export function warmVerifyWorkers(timeoutMs?: number): Promise<boolean> {
  const pool = sharedVerifyPool()
  return pool === undefined ? Promise.resolve(false) : pool.whenReady(timeoutMs)
}
