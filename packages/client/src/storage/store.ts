/**
 * The client's local store: `abstract-level` underneath (`classic-level` in Node, `browser-level` in
 * browsers, `memory-level` in tests), every value sealed with ChaCha20-Poly1305 under a 32-byte key the app
 * provides.
 *
 * Security notes: values are encrypted and bound to their key (the key string is the AEAD associated data,
 * so a value moved to another key fails to open); key strings are NOT encrypted: they hold record kinds,
 * group ids and sequence numbers, which an attacker with the disk learns. A wrong app key is detected at
 * open (a sealed check record) and ends in `Client::StorageKeyInvalid`.
 * @module
 */
import { defaultCrypto, utf8ToBytes } from '@xmtp-lite/common'
import { ClientError } from '../errors.ts'

/**
 * What the store needs of an abstract-level database (classic-level, memory-level, browser-level): a
 * structural type, because those classes differ in their storage format parameter.
 */
export interface LevelDatabase {
  open(): Promise<void>
  close(): Promise<void>
  get(key: string, options: { valueEncoding: 'view' }): Promise<Uint8Array | undefined>
  batch(
    operations: ({ type: 'put'; key: string; value: Uint8Array } | { type: 'del'; key: string })[],
    options: { valueEncoding: 'view' },
  ): Promise<void>
  iterator(
    options: StoreRange & { keyEncoding: 'utf8'; valueEncoding: 'view' },
  ): AsyncIterable<[string, Uint8Array]> & { close(): Promise<void> }
}
type Db = LevelDatabase

const nonceLength = 12
const checkKey = '~meta!key-check'
const checkPlaintext = utf8ToBytes('xmtp-lite client store v1')

/** One write of a batch. */
export type StoreOperation =
  | { readonly type: 'put'; readonly key: string; readonly value: Uint8Array }
  | { readonly type: 'del'; readonly key: string }

/** A key range (string order). */
export interface StoreRange {
  readonly gt?: string
  readonly gte?: string
  readonly lt?: string
  readonly lte?: string
  readonly reverse?: boolean
  readonly limit?: number
}

/** Options of {@link openEncryptedStore}. */
export interface OpenStoreOptions {
  /** An opened or unopened abstract-level database with string keys and `view` (Uint8Array) values. */
  readonly db: Db
  /** 32 bytes, from the app (its keychain); the same key must be given at every open. */
  readonly encryptionKey: Uint8Array
}

/** An encrypted key-value store with ordered string keys. */
export class EncryptedStore {
  readonly #db: Db
  readonly #key: Uint8Array

  private constructor(db: Db, key: Uint8Array) {
    this.#db = db
    this.#key = key
  }

  /**
   * Opens the store, creating the key check on first use.
   * @throws {ClientError} `Client::StorageKeyInvalid` (wrong key), `Client::StorageFailure`, `Client::InvalidArgument`.
   */
  static async open(options: OpenStoreOptions): Promise<EncryptedStore> {
    if (options.encryptionKey.length !== 32) {
      throw new ClientError('Client::InvalidArgument', 'the storage encryption key must be 32 bytes')
    }
    const store = new EncryptedStore(options.db, Uint8Array.from(options.encryptionKey))
    try {
      await options.db.open()
    } catch (cause) {
      throw new ClientError('Client::StorageFailure', 'the local database does not open', { cause })
    }
    try {
      const check = await store.#rawGet(checkKey)
      if (check === undefined) await store.put(checkKey, checkPlaintext)
      else store.#open(checkKey, check)
    } catch (error) {
      // Leave nothing open behind a refused key: LevelDB holds a process-wide lock on the directory.
      await options.db.close()
      throw error
    }
    return store
  }

  #seal(key: string, plaintext: Uint8Array): Uint8Array {
    const nonce = defaultCrypto.randomBytes(nonceLength)
    const sealed = defaultCrypto.chacha20poly1305.encrypt(this.#key, nonce, plaintext, utf8ToBytes(key))
    const out = new Uint8Array(nonceLength + sealed.length)
    out.set(nonce, 0)
    out.set(sealed, nonceLength)
    return out
  }

  #open(key: string, stored: Uint8Array): Uint8Array {
    try {
      return defaultCrypto.chacha20poly1305.decrypt(
        this.#key,
        stored.subarray(0, nonceLength),
        stored.subarray(nonceLength),
        utf8ToBytes(key),
      )
    } catch (cause) {
      throw new ClientError('Client::StorageKeyInvalid', `the record ${key} does not decrypt with this key`, {
        cause,
      })
    }
  }

  async #rawGet(key: string): Promise<Uint8Array | undefined> {
    try {
      return (await this.#db.get(key, { valueEncoding: 'view' })) ?? undefined
    } catch (cause) {
      throw new ClientError('Client::StorageFailure', `reading ${key} failed`, { cause })
    }
  }

  /** The value at `key`, or undefined. */
  async get(key: string): Promise<Uint8Array | undefined> {
    const stored = await this.#rawGet(key)
    return stored === undefined ? undefined : this.#open(key, stored)
  }

  /** Writes one value (durable when the promise resolves, as durable as the backend). */
  async put(key: string, value: Uint8Array): Promise<void> {
    await this.batch([{ type: 'put', key, value }])
  }

  /** Deletes one key. */
  async del(key: string): Promise<void> {
    await this.batch([{ type: 'del', key }])
  }

  /** Writes several changes atomically. */
  async batch(operations: readonly StoreOperation[]): Promise<void> {
    const ops = operations.map((op) =>
      op.type === 'put'
        ? { type: 'put' as const, key: op.key, value: this.#seal(op.key, op.value) }
        : { type: 'del' as const, key: op.key },
    )
    try {
      await this.#db.batch(ops, { valueEncoding: 'view' })
    } catch (cause) {
      throw new ClientError('Client::StorageFailure', 'a batch write failed', { cause })
    }
  }

  /** The entries of a key range, decrypted, in key order. */
  async *entries(range: StoreRange): AsyncGenerator<[string, Uint8Array]> {
    const iterator = this.#db.iterator({ ...range, keyEncoding: 'utf8', valueEncoding: 'view' })
    try {
      for await (const [key, value] of iterator) {
        if (key === checkKey) continue
        yield [key, this.#open(key, value)]
      }
    } finally {
      await iterator.close()
    }
  }

  /** Every key starting with `prefix`, decrypted. */
  entriesWithPrefix(prefix: string, options: { reverse?: boolean; limit?: number } = {}) {
    return this.entries({ gte: prefix, lt: `${prefix}\uffff`, ...options })
  }

  /** Closes the database. */
  async close(): Promise<void> {
    await this.#db.close()
  }
}

/** A JSON value stored under a key (typed at the call site). */
export async function getJson<T>(store: EncryptedStore, key: string): Promise<T | undefined> {
  const bytes = await store.get(key)
  return bytes === undefined ? undefined : (JSON.parse(new TextDecoder().decode(bytes)) as T)
}

/** The bytes of a JSON value, for {@link EncryptedStore.put} or a batch. */
export function jsonBytes(value: unknown): Uint8Array {
  return utf8ToBytes(JSON.stringify(value, (_k, v) => (typeof v === 'bigint' ? v.toString() : v)))
}
