/**
 * Worker threads that check originator signatures of pulled pages (verifyWorker.ts), so that a node
 * verifies page n + 1 while it stores page n, and several nodes in one process (the devnet) do not verify
 * on the thread they store, serve and stream on.
 *
 * One pool per process, shared by every replicator in it, started by the first page big enough for it (its
 * threads load common and envelopes on their own, about a second from source, while the node runs).
 * A worker only vouches for signatures (`originatorSignatureMatches`); anything it does not vouch for is
 * re-checked on the caller's thread by `verifyOriginatorEnvelope`, which names the failure. Until a worker
 * is ready, or when none can start (no worker threads, no tsx from source), `verify` answers `undefined`
 * and the caller verifies in process: the pool changes where the work runs, never a verdict.
 * @module
 */
import { createRequire } from 'node:module'
import { availableParallelism } from 'node:os'
import { dirname, join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { Worker } from 'node:worker_threads'
import { type VerifyAnswer, type VerifyRequest, verifyWorkerRole } from './verifyWorker.ts'

/** A signature to check: the exact unsigned originator bytes and the 65-byte signature. */
export interface SignedItem {
  readonly unsigned: Uint8Array
  readonly signature: Uint8Array
}

interface Pending {
  readonly resolve: (ok: Uint8Array) => void
  readonly reject: (error: Error) => void
  readonly count: number
}

interface Slot {
  readonly worker: Worker
  ready: boolean
  /** Being terminated by close(): its exit is not a failure. */
  closing: boolean
  /** Items sent and not answered yet (the least loaded ready worker gets the next chunk). */
  load: number
  readonly pending: Map<number, Pending>
}

/** Fewest items worth a chunk of their own (a worker round trip costs about what 5 recoveries do). */
const minChunk = 256

/**
 * Items per chunk when the calling thread shares a page with the workers: small enough that a chunk checked
 * on the calling thread holds its event loop ~10-20 ms at most, big enough that a worker round trip is a
 * few percent of it.
 */
const shareChunk = 128

/**
 * The URL of verifyWorker.ts built as a separate entry by a bundler that bundled this module too (apps/devnet's
 * start bundle defines it, apps/devnet/scripts/bundle.mjs); undeclared, so `typeof` is 'undefined', elsewhere.
 */
declare const __XMTP_LITE_VERIFY_WORKER_URL__: string | undefined

function spawn(): Worker {
  const here = import.meta.url
  const workerData = { role: verifyWorkerRole }
  if (typeof __XMTP_LITE_VERIFY_WORKER_URL__ === 'string')
    return new Worker(new URL(__XMTP_LITE_VERIFY_WORKER_URL__), { workerData, execArgv: [] })
  if (here.endsWith('.js'))
    return new Worker(new URL('./verifyWorker.js', here), { workerData, execArgv: [] })
  // From source (tsx, vitest): the worker registers tsx's loader first, then loads the TypeScript entry
  // with the workspace's source condition. (`--import tsx` in a worker's execArgv does not reach the
  // worker's own entry on Node 20.)
  const tsx = createRequire(here).resolve('tsx/package.json')
  const api = pathToFileURL(join(dirname(tsx), 'dist/esm/api/index.mjs')).href
  const entry = new URL('./verifyWorker.ts', here).href
  return new Worker(
    `import(${JSON.stringify(api)}).then((m) => { m.register(); return import(${JSON.stringify(entry)}) })`,
    { eval: true, workerData, execArgv: ['--conditions=@xmtp-lite/source'] },
  )
}

/** A pool of verification workers. */
export class VerifyPool {
  private readonly slots: Slot[] = []
  private nextId = 1
  /** A worker failed before it was ready: this process does not get workers (callers verify in process). */
  private broken = false

  private size: number

  constructor(size: number) {
    this.size = size
  }

  /** Grows the pool to at least `size` workers (never shrinks). */
  grow(size: number): void {
    this.size = Math.max(this.size, size)
  }

  /** Starts the workers that are missing; returns at once (they get ready on their own threads). */
  warm(): void {
    while (!this.broken && this.slots.length < this.size) this.start()
  }

  /** Workers that answer now. */
  get readyCount(): number {
    return this.slots.filter((s) => s.ready).length
  }

  /** Resolves once `count` workers are ready (or the pool cannot have them: false). */
  async whenReady(count = this.size, timeoutMs = 30_000): Promise<boolean> {
    this.warm()
    const deadline = Date.now() + timeoutMs
    while (this.readyCount < Math.min(count, this.size)) {
      if (this.broken || Date.now() > deadline) return false
      await new Promise((r) => setTimeout(r, 10))
    }
    return true
  }

  private start(): void {
    let worker: Worker
    try {
      worker = spawn()
    } catch {
      this.broken = true
      return
    }
    const slot: Slot = { worker, ready: false, closing: false, load: 0, pending: new Map() }
    this.slots.push(slot)
    const fail = (error: Error) => {
      const index = this.slots.indexOf(slot)
      if (index >= 0) this.slots.splice(index, 1)
      if (!slot.ready && !slot.closing) this.broken = true
      for (const p of slot.pending.values()) p.reject(error)
      slot.pending.clear()
    }
    worker.on('message', (message: VerifyAnswer | { ready: true }) => {
      if ('ready' in message) {
        slot.ready = true
        return
      }
      const p = slot.pending.get(message.id)
      if (p === undefined) return
      slot.pending.delete(message.id)
      slot.load -= p.count
      if (slot.pending.size === 0) worker.unref()
      p.resolve(message.ok)
    })
    worker.on('error', fail)
    worker.on('exit', (code) => fail(new Error(`verification worker exited (${code})`)))
    // After the listeners: attaching a 'message' listener refs the worker again, so an idle ready worker
    // that was unref'd before it would keep the process alive.
    worker.unref()
  }

  /**
   * Checks the signatures of `items` under `key` on the workers: per item 1 (the key's signature, exactly as
   * `verifyOriginatorEnvelope` decides it) or 0 (not vouched for: re-check it). `undefined` when no worker
   * is ready or a worker failed meanwhile: verify in process.
   *
   * With `here` (the same check the workers make, run on the calling thread), the calling thread takes part:
   * the items are cut into chunks of {@link shareChunk}; each worker keeps two chunks in hand, taken from
   * the front, while this thread checks chunks from the back, one per turn of its event loop (so its own
   * work, storing and serving, goes on between them). Whichever is less busy checks more, and the page is
   * done when the two meet. On 2 cores the one worker was the critical path of a catch-up (the storing
   * thread waited on it ~46 % of the time).
   */
  async verify(
    key: Uint8Array,
    items: readonly SignedItem[],
    here?: (item: SignedItem) => boolean,
  ): Promise<Uint8Array | undefined> {
    this.warm()
    const ready = this.slots.filter((s) => s.ready).sort((a, b) => a.load - b.load)
    if (ready.length === 0 || items.length === 0) return undefined
    if (here !== undefined) return this.share(key, items, ready, here)
    const chunks = Math.max(1, Math.min(ready.length, Math.floor(items.length / minChunk)))
    const per = Math.ceil(items.length / chunks)
    const parts: Promise<Uint8Array>[] = []
    for (let c = 0; c < chunks; c++) {
      parts.push(this.send(ready[c] as Slot, key, items.slice(c * per, (c + 1) * per)))
    }
    try {
      const answers = await Promise.all(parts)
      const ok = new Uint8Array(items.length)
      let offset = 0
      for (const a of answers) {
        ok.set(a, offset)
        offset += a.length
      }
      return ok
    } catch {
      return undefined
    }
  }

  /** `verify` with the calling thread checking chunks from the back while the workers take the front. */
  private share(
    key: Uint8Array,
    items: readonly SignedItem[],
    ready: readonly Slot[],
    here: (item: SignedItem) => boolean,
  ): Promise<Uint8Array | undefined> {
    const ok = new Uint8Array(items.length)
    const count = Math.ceil(items.length / shareChunk)
    let front = 0 // next chunk for a worker
    let back = count // chunks at and after `back` are the calling thread's
    let done = 0
    return new Promise((resolve) => {
      let settled = false
      const finish = (result: Uint8Array | undefined) => {
        if (settled) return
        settled = true
        resolve(result)
      }
      const chunkDone = () => {
        if (++done === count) finish(ok)
      }
      const feed = (slot: Slot) => {
        if (settled || front >= back) return
        const c = front++
        const start = c * shareChunk
        this.send(slot, key, items.slice(start, start + shareChunk)).then(
          (answer) => {
            ok.set(answer, start)
            chunkDone()
            feed(slot)
          },
          () => finish(undefined), // a worker failed: the caller checks everything in process
        )
      }
      for (const slot of ready) {
        feed(slot)
        feed(slot)
      }
      const steal = () => {
        if (settled || front >= back) return
        const c = --back
        const start = c * shareChunk
        const end = Math.min(items.length, start + shareChunk)
        for (let i = start; i < end; i++) {
          try {
            ok[i] = here(items[i] as SignedItem) ? 1 : 0
          } catch {
            ok[i] = 0 // not vouched for: re-checked by the caller, which names the failure
          }
        }
        chunkDone()
        setImmediate(steal)
      }
      setImmediate(steal)
    })
  }

  private send(slot: Slot, key: Uint8Array, items: readonly SignedItem[]): Promise<Uint8Array> {
    let size = 0
    for (const item of items) size += 4 + item.unsigned.length + 65
    const packed = new Uint8Array(size)
    const view = new DataView(packed.buffer)
    let offset = 0
    for (const item of items) {
      view.setUint32(offset, item.unsigned.length)
      packed.set(item.unsigned, offset + 4)
      packed.set(item.signature.subarray(0, 65), offset + 4 + item.unsigned.length)
      offset += 4 + item.unsigned.length + 65
    }
    const id = this.nextId++
    const request: VerifyRequest = { id, key, packed, count: items.length }
    return new Promise<Uint8Array>((resolve, reject) => {
      slot.pending.set(id, { resolve, reject, count: items.length })
      slot.load += items.length
      slot.worker.ref()
      slot.worker.postMessage(request, [packed.buffer])
    })
  }

  /** Stops every worker (tests; a later `warm` starts new ones). */
  async close(): Promise<void> {
    const slots = this.slots.splice(0)
    for (const s of slots) s.closing = true
    await Promise.all(slots.map((s) => s.worker.terminate()))
  }
}

let shared: VerifyPool | undefined

/**
 * Verification workers a replicator gets by default: one per core beyond the first, at most 2 (one on
 * this project's 2-core machines), so the storing thread keeps a core.
 */
export function defaultVerifyWorkers(): number {
  return Math.max(1, Math.min(2, availableParallelism() - 1))
}

/** The process's pool, grown to at least `size` workers. */
export function sharedVerifyPool(size: number): VerifyPool {
  if (shared === undefined) shared = new VerifyPool(size)
  else shared.grow(size)
  return shared
}
