/**
 * `@xmtp-lite/mls`'s storage port on the client's encrypted store, with transactions: while a message is
 * processed, the group's new records are held back and written in the same atomic batch as the
 * conversation cursor and the stored message, so a crash never leaves a group state ahead of (or behind)
 * the cursor that says which messages it has seen.
 * @module
 */
import type { MlsStorage } from '@xmtp-lite/mls'
import type { EncryptedStore, StoreOperation } from '../storage/store.ts'

const prefix = 'mls!'

/** The storage port plus a way to collect its writes into a caller's batch. */
export class TransactionalMlsStorage implements MlsStorage {
  readonly #store: EncryptedStore
  #pending: Map<string, Uint8Array | null> | undefined

  constructor(store: EncryptedStore) {
    this.#store = store
  }

  async get(key: string): Promise<Uint8Array | undefined> {
    const staged = this.#pending?.get(key)
    if (staged !== undefined) return staged ?? undefined
    return this.#store.get(prefix + key)
  }

  async list(keyPrefix: string): Promise<ReadonlyArray<readonly [string, Uint8Array]>> {
    const out = new Map<string, Uint8Array>()
    for await (const [key, value] of this.#store.entriesWithPrefix(prefix + keyPrefix)) {
      out.set(key.slice(prefix.length), value)
    }
    for (const [key, value] of this.#pending ?? []) {
      if (!key.startsWith(keyPrefix)) continue
      if (value === null) out.delete(key)
      else out.set(key, value)
    }
    return [...out.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
  }

  async write(batch: {
    readonly put: ReadonlyArray<readonly [string, Uint8Array]>
    readonly delete: readonly string[]
  }): Promise<void> {
    if (this.#pending !== undefined) {
      for (const key of batch.delete) this.#pending.set(key, null)
      for (const [key, value] of batch.put) this.#pending.set(key, value)
      return
    }
    await this.#store.batch([
      ...batch.delete.map((key) => ({ type: 'del' as const, key: prefix + key })),
      ...batch.put.map(([key, value]) => ({ type: 'put' as const, key: prefix + key, value })),
    ])
  }

  /**
   * Runs `fn` with the port's writes held back, then writes them together with the operations `fn`
   * returns, in one batch. Not re-entrant: the caller serialises transactions (one per conversation lock).
   */
  async transaction<T>(fn: () => Promise<{ result: T; operations: StoreOperation[] }>): Promise<T> {
    if (this.#pending !== undefined) throw new Error('nested MLS storage transaction')
    this.#pending = new Map()
    try {
      const { result, operations } = await fn()
      const staged = this.#pending
      this.#pending = undefined
      await this.#store.batch([
        ...[...staged].map(([key, value]) =>
          value === null
            ? { type: 'del' as const, key: prefix + key }
            : { type: 'put' as const, key: prefix + key, value },
        ),
        ...operations,
      ])
      return result
    } finally {
      this.#pending = undefined
    }
  }
}
