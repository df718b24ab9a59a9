/**
 * A promise-chain mutex: one holder at a time, in arrival order.
 * @module
 */

/** Serialises async critical sections. */
export class Mutex {
  #tail: Promise<void> = Promise.resolve()

  /** Runs `fn` once every earlier holder has finished. */
  async run<T>(fn: () => Promise<T>): Promise<T> {
    const previous = this.#tail
    let release!: () => void
    this.#tail = new Promise<void>((resolve) => {
      release = resolve
    })
    await previous
    try {
      return await fn()
    } finally {
      release()
    }
  }
}
