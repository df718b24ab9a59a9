/**
 * The queue behind the client's async-iterable streams (messages, conversations, consent): producers push
 * from listener callbacks, an iterator drains in push order and sleeps while the queue is empty.
 * @module
 */

/**
 * A push queue read as an async iterable. `close()` (or ending an iteration: `break`, `return`, a throw)
 * ends it: pending `next()` calls resolve as done, later pushes are dropped, and `onClose` runs once.
 */
export class WakeQueue<T> implements AsyncIterable<T> {
  readonly #items: T[] = []
  readonly #waiters = new Set<() => void>()
  readonly #onClose: (() => void) | undefined
  #closed = false

  constructor(onClose?: () => void) {
    this.#onClose = onClose
  }

  /** Whether the queue has been closed. */
  get closed(): boolean {
    return this.#closed
  }

  /** Appends items and wakes the waiting iterators; dropped once closed. */
  push(...items: T[]): void {
    if (this.#closed || items.length === 0) return
    this.#items.push(...items)
    this.#wake()
  }

  /** Ends the queue (idempotent): runs `onClose` once and resolves pending `next()` calls as done. */
  close(): void {
    if (this.#closed) return
    this.#closed = true
    this.#items.length = 0
    try {
      this.#onClose?.()
    } finally {
      this.#wake()
    }
  }

  #wake(): void {
    const waiters = [...this.#waiters]
    this.#waiters.clear()
    for (const wake of waiters) wake()
  }

  async *[Symbol.asyncIterator](): AsyncIterator<T> {
    try {
      while (!this.#closed) {
        if (this.#items.length > 0) {
          yield this.#items.shift() as T
          continue
        }
        await new Promise<void>((resolve) => this.#waiters.add(resolve))
      }
    } finally {
      this.close()
    }
  }
}
