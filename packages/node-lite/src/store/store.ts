/**
 * The node's storage on `abstract-level`: LevelDB on disk (`classic-level`) or in memory (`memory-level`).
 *
 * Writes go through one group-commit writer: every write request waiting while a batch is in flight joins
 * the next batch. A batch allocates the ids of its rows in order (one increasing id per table, node-go's
 * BIGSERIAL, §3.2), checks the dedup index (node-go's unique sha256 columns, §3.3/§3.4), and writes rows,
 * indexes and the new id counters in ONE atomic `batch()`; only after it resolves are the callers answered
 * and the subscribers told. So an acknowledged publish is on disk, ids never repeat after a crash, and
 * within a topic id order equals commit order equals delivery order (invariant §6.2).
 * @module
 */
import { createHash } from 'node:crypto'
import type { AbstractBatchOperation, AbstractLevel } from 'abstract-level'
import { ClassicLevel } from 'classic-level'
import { MemoryLevel } from 'memory-level'
import { NodeError } from '../errors.ts'
import type {
  CommitLogEntry,
  CommitLogInput,
  GroupMessage,
  IdentityUpdateLog,
  WelcomeMessage,
  WelcomeMessageInput,
} from '../types.ts'
import {
  counterKey,
  expiryKey,
  hashKey,
  idOfTopicKey,
  keyPackageHistoryKey,
  metaKey,
  readU64,
  type SequencedTag,
  sequencedTags,
  Tag,
  topicKey,
  topicOfTopicKey,
  topicPrefix,
  topicRange,
  u64Bytes,
} from './keys.ts'
import { RowReader, RowWriter } from './rows.ts'

type Db = AbstractLevel<Uint8Array | string, Uint8Array, Uint8Array>
type Op = AbstractBatchOperation<Db, Uint8Array, Uint8Array>

/**
 * LevelDB table files kept open. LevelDB maps every open table file into memory, and the pages a read
 * touches stay resident: with LevelDB's default of 1,000, a node serving reads across 1,000,000 envelopes
 * (~400 MiB of tables) held ~150 MiB of mapped table pages; with 64 (54 usable, 10 are reserved), ~55 MiB
 * (scale.bench.ts). Reads of a table that is not open pay to reopen it.
 */
export const defaultMaxOpenFiles = 64

/**
 * The key-layout version this code writes (`21 | "layout"`, u64; absent = 1). Version 2 adds the
 * address → current inbox keys (`Tag.AddressInbox`); {@link openStore} derives them from the address log
 * when it opens a version-1 directory.
 */
export const layoutVersion = 2

const layoutKey = metaKey('layout')

/** GetInboxIds answers kept in memory (about 200 bytes each). */
export const defaultInboxCacheSize = 20_000

/** How to open a store. */
export interface OpenStoreParams {
  /** A directory for LevelDB. Ignored when `memory` is true. */
  readonly path?: string
  /** Keep everything in memory (`memory-level`). */
  readonly memory?: boolean
  /**
   * fsync each batch before acknowledging it (LevelDB `sync: true`). Default true on disk. Without it an
   * acknowledged write survives a killed process but not a power cut.
   */
  readonly sync?: boolean
  /** The clock, in nanoseconds since the epoch (tests pass a fixed one). */
  readonly clock?: () => bigint
  /** LevelDB table files kept open (default {@link defaultMaxOpenFiles}). */
  readonly maxOpenFiles?: number
  /** GetInboxIds answers kept in memory (default {@link defaultInboxCacheSize}; 0 = none). */
  readonly inboxCacheSize?: number
}

/** A row committed to storage, told to subscribers after its batch is durable. */
export type StoreEvent =
  | { readonly type: 'group'; readonly message: GroupMessage }
  | { readonly type: 'welcome'; readonly message: WelcomeMessage }

/** A group message to store (parsed by the service). */
export interface GroupMessageRow {
  readonly groupId: Uint8Array
  readonly data: Uint8Array
  readonly senderHmac: Uint8Array
  readonly shouldPush: boolean
  readonly isCommit: boolean
}

/**
 * Writes joined to a write's own batch, built from that write's result while the batch is built
 * (synchronously): replication originates a client publish in the same atomic batch that stores it, so a
 * crash leaves either both or neither (see replication/replicator.ts).
 */
export interface JoinedWrites {
  readonly puts: readonly { readonly key: Uint8Array; readonly value: Uint8Array }[]
  /** The batch holding the puts is durable. */
  committed(): void
  /** The batch failed: nothing of it was written. */
  failed(): void
}

/** Builds the joined writes of one write from its result; `undefined` for none. */
export type JoinWrites<R> = (result: R) => JoinedWrites | undefined

/** Normalised query bounds. */
export interface QueryBounds {
  readonly ascending: boolean
  readonly limit: number
  /** Exclusive cursor; 0 = none. */
  readonly idCursor: number
}

/** An address-log row (§3.1 `address_log`). */
export interface AddressRow {
  readonly address: string
  readonly associationSeq: number
  readonly inboxId: string
  readonly revocationSeq: number
}

/** What a write transaction may do while its batch is being built (synchronously). */
interface Tx {
  readonly now: bigint
  /** True when the hash is already stored or earlier in this batch. */
  seen(hash: Uint8Array): boolean
  claim(hash: Uint8Array, id: number): void
  nextId(tag: SequencedTag): number
  put(key: Uint8Array, value: Uint8Array): void
  del(key: Uint8Array): void
  emit(event: StoreEvent): void
  /**
   * The address log of an address the job declared, as this batch leaves it so far (ascending association
   * sequence ids); the job replaces rows in it as it writes them.
   */
  addressLog(address: string): AddressRow[]
}

interface Job {
  readonly hashes: readonly Uint8Array[]
  /** Addresses whose logs the job reads and changes (loaded before the batch is built). */
  readonly addresses: readonly string[]
  readonly apply: (tx: Tx) => unknown
  readonly join: JoinWrites<unknown> | undefined
  readonly resolve: (value: unknown) => void
  readonly reject: (error: unknown) => void
}

function sha256(...parts: Uint8Array[]): Uint8Array {
  const h = createHash('sha256')
  for (const p of parts) h.update(p)
  return new Uint8Array(h.digest())
}

function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex')
}

function nowNs(): bigint {
  return BigInt(Date.now()) * 1_000_000n
}

const encoder = new TextEncoder()
const decoder = new TextDecoder()

/** The node's storage. Create with {@link openStore}. */
export class NodeStore {
  readonly db: Db
  private readonly sync: boolean
  private readonly clock: () => bigint
  private readonly counters = new Map<SequencedTag, number>()
  private readonly listeners = new Set<(events: readonly StoreEvent[]) => void>()
  /**
   * GetInboxIds answers (address → inbox id hex, or null for none), least recently used first. Only
   * `appendIdentityUpdate` changes the address index: it drops the addresses it touched once its batch is
   * durable. A lookup reads LevelDB synchronously, so no write can finish between its read and its caching
   * what it read: a stale read never lands in the cache.
   */
  private readonly inboxCache = new Map<string, string | null>()
  private readonly inboxCacheSize: number
  private queue: Job[] = []
  private writing: Promise<void> | undefined
  private closed = false

  constructor(db: Db, sync: boolean, clock: () => bigint, inboxCacheSize = defaultInboxCacheSize) {
    this.db = db
    this.sync = sync
    this.clock = clock
    this.inboxCacheSize = inboxCacheSize
  }

  /** Loads the id counters. Called by {@link openStore}. */
  async load(): Promise<void> {
    const layout = await this.db.get(layoutKey)
    const version = layout === undefined ? 1 : Number(readU64(layout, 0))
    if (version > layoutVersion) {
      throw new NodeError(
        'Node::StorageFailure',
        `the data directory has key layout ${version}; this node reads up to ${layoutVersion}`,
      )
    }
    if (version < 2) await this.migrateToLayout2()
    const values = await this.db.getMany(sequencedTags.map((t) => counterKey(t)))
    sequencedTags.forEach((tag, i) => {
      const v = values[i]
      this.counters.set(tag, v === undefined ? 0 : Number(readU64(v, 0)))
    })
  }

  /** The last id assigned in each table (for health and tests). */
  lastIds(): Record<'groupMessages' | 'welcomes' | 'inboxLog' | 'keyPackages' | 'commitLog', number> {
    const get = (t: SequencedTag) => this.counters.get(t) ?? 0
    return {
      groupMessages: get(Tag.GroupMessage),
      welcomes: get(Tag.Welcome),
      inboxLog: get(Tag.InboxLog),
      keyPackages: get(Tag.KeyPackageHistory),
      commitLog: get(Tag.CommitLog),
    }
  }

  /** Registers a listener for committed rows; returns its removal. */
  subscribe(listener: (events: readonly StoreEvent[]) => void): () => void {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  /** Waits for queued writes, then closes the database. Acknowledged writes are on disk when it resolves. */
  async close(): Promise<void> {
    if (this.closed) return
    this.closed = true
    while (this.writing !== undefined) await this.writing
    await this.db.close()
  }

  // ---------------------------------------------------------------------------------------------------
  // Writes

  /**
   * Stores group messages in order. Returns, per input, the stored message, or `undefined` when the same
   * (group id, data) was stored before: node-go skips such duplicates silently (§3.3 step 3).
   */
  appendGroupMessages(
    rows: readonly GroupMessageRow[],
    join?: JoinWrites<(GroupMessage | undefined)[]>,
  ): Promise<(GroupMessage | undefined)[]> {
    const hashes = rows.map((r) => hashKey(Tag.GroupMessage, sha256(r.groupId, r.data)))
    return this.enqueue(
      hashes,
      (tx) => {
        // Per group, its newest row of this call (ids grow, so the last one): ONE pointer put per group
        // instead of one per row (a pulled page of 2,000 rows of a group wrote its pointer 2,000 times).
        const newest = new Map<string, { readonly groupId: Uint8Array; id: number }>()
        const stored = rows.map((r, i) => {
          const hash = hashes[i] as Uint8Array
          if (tx.seen(hash)) return undefined
          const id = tx.nextId(Tag.GroupMessage)
          tx.claim(hash, id)
          const message: GroupMessage = { id, createdNs: tx.now, ...r }
          tx.put(topicKey(Tag.GroupMessage, r.groupId, id), encodeGroupRow(message))
          const group = hex(r.groupId)
          const last = newest.get(group)
          if (last === undefined) newest.set(group, { groupId: r.groupId, id })
          else last.id = id
          // Application messages expire (retention); commits and proposals are kept (XIP-69).
          if (!r.isCommit) tx.put(expiryKey(Number(tx.now / 1_000_000n), id), r.groupId)
          tx.emit({ type: 'group', message })
          return message
        })
        for (const { groupId, id } of newest.values()) {
          tx.put(topicPrefix(Tag.NewestGroupMessage, groupId), u64Bytes(id))
        }
        return stored
      },
      join,
    )
  }

  /**
   * Stores welcomes (V1 and pointers) under their installation key; dedup on
   * sha256(installation_key ‖ data or pointer) (§3.4).
   */
  appendWelcomes(
    inputs: readonly WelcomeMessageInput[],
    join?: JoinWrites<(WelcomeMessage | undefined)[]>,
  ): Promise<(WelcomeMessage | undefined)[]> {
    const hashes = inputs.map((w) =>
      hashKey(Tag.Welcome, sha256(w.installationKey, w.kind === 'v1' ? w.data : w.welcomePointer)),
    )
    return this.enqueue(
      hashes,
      (tx) =>
        inputs.map((w, i) => {
          const hash = hashes[i] as Uint8Array
          if (tx.seen(hash)) return undefined
          const id = tx.nextId(Tag.Welcome)
          tx.claim(hash, id)
          const message: WelcomeMessage = { ...w, id, createdNs: tx.now }
          tx.put(topicKey(Tag.Welcome, w.installationKey, id), encodeWelcomeRow(message))
          tx.emit({ type: 'welcome', message })
          return message
        }),
      join,
    )
  }

  /**
   * Stores a key package as its installation's latest (replacing the previous one, `created_at` kept) and
   * appends it to the history unless the same (installation, key package) is there already (§3.5).
   */
  async putKeyPackage(
    installationKey: Uint8Array,
    keyPackage: Uint8Array,
    join?: JoinWrites<void>,
  ): Promise<void> {
    const existing = await this.readInstallation(installationKey)
    const hash = hashKey(Tag.KeyPackageHistory, sha256(installationKey, keyPackage))
    await this.enqueue(
      [hash],
      (tx) => {
        const createdNs = existing?.createdNs ?? tx.now
        tx.put(
          topicPrefix(Tag.Installation, installationKey),
          new RowWriter().u64(createdNs).u64(tx.now).bytes(keyPackage).finish(),
        )
        if (tx.seen(hash)) return
        const id = tx.nextId(Tag.KeyPackageHistory)
        tx.claim(hash, id)
        tx.put(
          keyPackageHistoryKey(id),
          new RowWriter().u64(tx.now).bytes(installationKey).bytes(keyPackage).finish(),
        )
      },
      join,
    )
  }

  /** Appends commit-log entries in order (§3.8; no dedup upstream). */
  appendCommitLog(inputs: readonly CommitLogInput[]): Promise<CommitLogEntry[]> {
    return this.enqueue([], (tx) =>
      inputs.map((c) => {
        const id = tx.nextId(Tag.CommitLog)
        tx.put(
          topicKey(Tag.CommitLog, c.groupId, id),
          new RowWriter().u64(tx.now).bytes(c.serializedCommitLogEntry).bytes(c.serializedSignature).finish(),
        )
        return {
          sequenceId: id,
          serializedCommitLogEntry: c.serializedCommitLogEntry,
          serializedSignature: c.serializedSignature,
        }
      }),
    )
  }

  /**
   * Appends a validated identity update to an inbox's log and updates the address index: one row per
   * newly associated Ethereum address, and the revocation sequence set on the latest row of each removed
   * address for this inbox (§3.10 steps 5-6), and each touched address's current-inbox key. The address
   * logs are read inside the write batch (while no other batch is in flight), so updates of different
   * inboxes touching one address, even in one batch, each see the rows of those before them. The caller
   * serialises updates per inbox.
   */
  async appendIdentityUpdate(
    params: {
      readonly inboxId: Uint8Array
      readonly update: Uint8Array
      readonly addedAddresses: readonly string[]
      readonly removedAddresses: readonly string[]
    },
    join?: JoinWrites<IdentityUpdateLog>,
  ): Promise<IdentityUpdateLog> {
    const inboxHex = hex(params.inboxId)
    const touched = [...new Set([...params.addedAddresses, ...params.removedAddresses])]
    try {
      return await this.enqueue([], (tx) => this.identityUpdateRows(tx, params, inboxHex), join, touched)
    } finally {
      for (const address of touched) this.inboxCache.delete(address)
    }
  }

  /**
   * One identity update's rows: the log entry, its address-log rows (node-go's `address_log`: insert for
   * an added address, `revocation_sequence_id` set on the inbox's latest row for a removed one, §3.10),
   * and each touched address's current inbox recomputed from its whole log.
   */
  private identityUpdateRows(
    tx: Tx,
    params: {
      readonly inboxId: Uint8Array
      readonly update: Uint8Array
      readonly addedAddresses: readonly string[]
      readonly removedAddresses: readonly string[]
    },
    inboxHex: string,
  ): IdentityUpdateLog {
    const seq = tx.nextId(Tag.InboxLog)
    tx.put(
      topicKey(Tag.InboxLog, params.inboxId, seq),
      new RowWriter().u64(tx.now).bytes(params.update).finish(),
    )
    // Revocations first, against the log as it was before this update's own additions.
    for (const address of params.removedAddresses) {
      const log = tx.addressLog(address)
      let i = log.length - 1
      while (i >= 0 && (log[i] as AddressRow).inboxId !== inboxHex) i--
      if (i < 0) continue
      const row: AddressRow = { ...(log[i] as AddressRow), revocationSeq: seq }
      log[i] = row
      tx.put(addressLogKey(address, row.associationSeq), encodeAddressRow(row.inboxId, seq))
    }
    for (const address of params.addedAddresses) {
      tx.addressLog(address).push({ address, associationSeq: seq, inboxId: inboxHex, revocationSeq: 0 })
      tx.put(addressLogKey(address, seq), encodeAddressRow(inboxHex, 0))
    }
    for (const address of new Set([...params.removedAddresses, ...params.addedAddresses])) {
      const current = currentInbox(tx.addressLog(address))
      if (current === undefined) tx.del(addressInboxKey(address))
      else tx.put(addressInboxKey(address), encoder.encode(current))
    }
    return { sequenceId: seq, serverTimestampNs: tx.now, update: params.update }
  }

  /**
   * Deletes application messages created before `beforeNs` (retention), at most `max` per call.
   * Commits and proposals are never in the expiry index, so they stay. Returns how many were deleted.
   */
  async pruneExpired(beforeNs: bigint, max = 1000): Promise<number> {
    const victims: { expiry: Uint8Array; row: Uint8Array; hash: Uint8Array }[] = []
    const lt = expiryKey(Number(beforeNs / 1_000_000n), 0)
    for await (const [key, groupId] of this.db.iterator({
      gte: new Uint8Array([Tag.Expiry]),
      lt,
      limit: max,
    })) {
      const id = Number(readU64(key, 9))
      const rowKey = topicKey(Tag.GroupMessage, groupId, id)
      const value = await this.db.get(rowKey)
      const expiry = new Uint8Array(key)
      if (value === undefined) {
        victims.push({ expiry, row: rowKey, hash: new Uint8Array(0) })
        continue
      }
      const message = decodeGroupRow(groupId, id, value)
      victims.push({ expiry, row: rowKey, hash: hashKey(Tag.GroupMessage, sha256(groupId, message.data)) })
    }
    if (victims.length === 0) return 0
    await this.enqueue([], (tx) => {
      for (const v of victims) {
        tx.del(v.expiry)
        tx.del(v.row)
        if (v.hash.length > 0) tx.del(v.hash)
      }
    })
    return victims.length
  }

  // ---------------------------------------------------------------------------------------------------
  // Reads

  /** One page of a group's messages (§3.6). */
  queryGroupMessages(groupId: Uint8Array, bounds: QueryBounds): Promise<GroupMessage[]> {
    // One copy of the group id for the whole page (the caller's may be a view into its request).
    const id = new Uint8Array(groupId)
    return this.queryTopic(Tag.GroupMessage, groupId, bounds, (rowId, v) => decodeGroupRow(id, rowId, v))
  }

  /**
   * One page of a group's messages as stored, undecoded (`[key, value]`, read them with
   * {@link GroupRowFields}): QueryGroupMessages writes them straight to the wire (groupMessageWire.ts)
   * instead of building a message object and three views per row.
   */
  async queryGroupRows(groupId: Uint8Array, bounds: QueryBounds): Promise<StoredEntry[]> {
    try {
      return await this.topicEntries(Tag.GroupMessage, groupId, bounds)
    } catch (error) {
      throw storageError(error)
    }
  }

  /** One page of an installation's welcomes (§3.6). */
  queryWelcomes(installationKey: Uint8Array, bounds: QueryBounds): Promise<WelcomeMessage[]> {
    return this.queryTopic(Tag.Welcome, installationKey, bounds, (id, v) =>
      decodeWelcomeRow(installationKey, id, v),
    )
  }

  /** One page of a group's commit log (§3.8). */
  queryCommitLog(groupId: Uint8Array, bounds: QueryBounds): Promise<CommitLogEntry[]> {
    return this.queryTopic(Tag.CommitLog, groupId, bounds, (id, v) => {
      const r = new RowReader(v)
      r.u64()
      return { sequenceId: id, serializedCommitLogEntry: r.bytes(), serializedSignature: r.bytes() }
    })
  }

  /**
   * False when the group certainly has no message with an id above `id`: its kept newest id (every row of
   * the group has an id at most that) is at most `id`. True when it may have one (a larger kept id, or none
   * kept). One synchronous point read.
   */
  mayHaveGroupMessagesAfter(groupId: Uint8Array, id: number): boolean {
    let pointer: Uint8Array | undefined
    try {
      pointer = this.db.getSync(topicPrefix(Tag.NewestGroupMessage, groupId))
    } catch (error) {
      throw storageError(error)
    }
    return pointer === undefined || Number(readU64(pointer, 0)) > id
  }

  /** The newest message of a group, if any (§3.9). */
  async newestGroupMessage(groupId: Uint8Array): Promise<GroupMessage | undefined> {
    // Two synchronous point reads (see inboxIdForAddress for why synchronous) when the group's newest id is
    // kept and its row still exists.
    try {
      const pointer = this.db.getSync(topicPrefix(Tag.NewestGroupMessage, groupId))
      if (pointer !== undefined) {
        const id = Number(readU64(pointer, 0))
        const value = this.db.getSync(topicKey(Tag.GroupMessage, groupId, id))
        if (value !== undefined) return decodeGroupRow(new Uint8Array(groupId), id, value)
      }
    } catch (error) {
      throw storageError(error)
    }
    const [first] = await this.queryGroupMessages(groupId, { ascending: false, limit: 1, idCursor: 0 })
    return first
  }

  /** The latest key package of an installation (§3.5), if any. */
  async latestKeyPackage(installationKey: Uint8Array): Promise<Uint8Array | undefined> {
    return (await this.readInstallation(installationKey))?.keyPackage
  }

  /** An inbox's identity updates with sequence id > `after`, ascending (§3.11). */
  async inboxLog(inboxId: Uint8Array, after: number): Promise<IdentityUpdateLog[]> {
    const out: IdentityUpdateLog[] = []
    const range = topicRange(Tag.InboxLog, inboxId, after, undefined)
    for await (const [key, value] of this.db.iterator(range)) {
      const r = new RowReader(value)
      const serverTimestampNs = r.u64()
      out.push({ sequenceId: idOfTopicKey(key), serverTimestampNs, update: r.bytes() })
    }
    return out
  }

  /** How many identity updates an inbox has. */
  async inboxLogLength(inboxId: Uint8Array): Promise<number> {
    let n = 0
    for await (const _ of this.db.keys(topicRange(Tag.InboxLog, inboxId, 0, undefined))) n++
    return n
  }

  /**
   * The inbox an address is associated with: the row with the highest association sequence id among the
   * address's unrevoked rows (§3.11 GetInboxIds), kept as its own key (`Tag.AddressInbox`): one point read.
   */
  async inboxIdForAddress(address: string): Promise<string | undefined> {
    return this.inboxIdForAddressSync(address)
  }

  /**
   * {@link inboxIdForAddress} without a promise: GetInboxIds is most of a client's traffic and answers from
   * memory or one synchronous point read, so it need not wait for a microtask turn or allocate for one.
   */
  inboxIdForAddressSync(address: string): string | undefined {
    const cached = this.inboxCache.get(address)
    if (cached !== undefined) {
      // Most recently used goes last.
      this.inboxCache.delete(address)
      this.inboxCache.set(address, cached)
      return cached ?? undefined
    }
    let inboxId: string | undefined
    try {
      // Synchronous: one small key, nearly always in LevelDB's block cache or the OS page cache. The
      // asynchronous get costs two thread hand-offs (to libuv's pool and back), and on a busy machine
      // each one can wait a whole scheduler slice; GetInboxIds is most of a client's traffic.
      const value = this.db.getSync(addressInboxKey(address))
      inboxId = value === undefined ? undefined : decoder.decode(value)
    } catch (error) {
      throw storageError(error)
    }
    if (this.inboxCacheSize > 0) {
      this.inboxCache.set(address, inboxId ?? null)
      if (this.inboxCache.size > this.inboxCacheSize) {
        this.inboxCache.delete(this.inboxCache.keys().next().value as string)
      }
    }
    return inboxId
  }

  // ---------------------------------------------------------------------------------------------------
  // Internals

  /** An address's whole log, ascending by association sequence id. */
  private async readAddressLog(address: string): Promise<AddressRow[]> {
    const rows: AddressRow[] = []
    const range = topicRange(Tag.AddressLog, encoder.encode(address), 0, undefined)
    for (const [key, value] of await this.db.iterator(range).all()) {
      rows.push(decodeAddressRow(address, idOfTopicKey(key), value))
    }
    return rows
  }

  /**
   * Layout 1 → 2: derives every address's current-inbox key from the address log, in batches, then
   * records the version. Idempotent (each key is rewritten from the log), so a crash part-way through
   * just runs it again on the next open; nothing else writes before it finishes.
   */
  private async migrateToLayout2(): Promise<void> {
    let ops: Op[] = []
    let address: string | undefined
    let rows: AddressRow[] = []
    const flushAddress = () => {
      if (address === undefined) return
      const current = currentInbox(rows)
      if (current === undefined) ops.push({ type: 'del', key: addressInboxKey(address) })
      else ops.push({ type: 'put', key: addressInboxKey(address), value: encoder.encode(current) })
    }
    for await (const [key, value] of this.db.iterator({
      gte: new Uint8Array([Tag.AddressLog]),
      lt: new Uint8Array([Tag.AddressLog + 1]),
    })) {
      const a = decoder.decode(topicOfTopicKey(key))
      if (a !== address) {
        flushAddress()
        if (ops.length >= 1000) {
          await writeBatch(this.db, ops, this.sync)
          ops = []
        }
        address = a
        rows = []
      }
      rows.push(decodeAddressRow(a, idOfTopicKey(key), value))
    }
    flushAddress()
    ops.push({ type: 'put', key: layoutKey, value: u64Bytes(2) })
    await writeBatch(this.db, ops, this.sync)
  }

  private async readInstallation(
    installationKey: Uint8Array,
  ): Promise<{ createdNs: bigint; updatedNs: bigint; keyPackage: Uint8Array } | undefined> {
    const value = await this.db.get(topicPrefix(Tag.Installation, installationKey))
    if (value === undefined) return undefined
    const r = new RowReader(value)
    return { createdNs: r.u64(), updatedNs: r.u64(), keyPackage: r.bytes() }
  }

  private async queryTopic<T>(
    tag: number,
    topic: Uint8Array,
    bounds: QueryBounds,
    decode: (id: number, value: Uint8Array) => T,
  ): Promise<T[]> {
    const out: T[] = []
    try {
      const entries = await this.topicEntries(tag, topic, bounds)
      for (const [key, value] of entries) out.push(decode(idOfTopicKey(key), value))
    } catch (error) {
      throw storageError(error)
    }
    return out
  }

  /** One page of a topic's rows as the database gives them. */
  private topicEntries(tag: number, topic: Uint8Array, bounds: QueryBounds): Promise<StoredEntry[]> {
    // Exclusive cursor: `id > cursor` ascending, `id < cursor` descending; 0 means no cursor (§3.6).
    const range = bounds.ascending
      ? topicRange(tag, topic, bounds.idCursor, undefined)
      : topicRange(tag, topic, 0, bounds.idCursor === 0 ? undefined : bounds.idCursor)
    return this.db.iterator({ ...range, reverse: !bounds.ascending, limit: bounds.limit }).all()
  }

  private enqueue<R>(
    hashes: readonly Uint8Array[],
    apply: (tx: Tx) => R,
    join?: JoinWrites<R>,
    addresses: readonly string[] = [],
  ): Promise<R> {
    if (this.closed) return Promise.reject(new NodeError('Node::ShuttingDown', 'the store is closed'))
    return new Promise<R>((resolve, reject) => {
      this.queue.push({
        hashes,
        addresses,
        apply,
        join: join as JoinWrites<unknown> | undefined,
        resolve: resolve as (v: unknown) => void,
        reject,
      })
      if (this.writing === undefined) this.writing = this.drain()
    })
  }

  private async drain(): Promise<void> {
    while (this.queue.length > 0) {
      const jobs = this.queue
      this.queue = []
      await this.commit(jobs)
    }
    this.writing = undefined
  }

  private async commit(jobs: Job[]): Promise<void> {
    const allHashes = jobs.flatMap((j) => j.hashes)
    let stored: (Uint8Array | undefined)[]
    // Read while no other batch is in flight (batches are written one after another), so these logs are
    // exactly what is committed; the jobs of this batch then change them in order.
    const addressLogs = new Map<string, AddressRow[]>()
    try {
      stored = allHashes.length === 0 ? [] : await this.db.getMany(allHashes)
      for (const job of jobs) {
        for (const address of job.addresses) {
          if (!addressLogs.has(address)) addressLogs.set(address, await this.readAddressLog(address))
        }
      }
    } catch (error) {
      for (const j of jobs) j.reject(storageError(error))
      return
    }
    const known = new Set<string>()
    allHashes.forEach((h, i) => {
      if (stored[i] !== undefined) known.add(hex(h))
    })
    const counters = new Map(this.counters)
    const touched = new Set<SequencedTag>()
    const ops: Op[] = []
    const events: StoreEvent[] = []
    const now = this.clock()
    const tx: Tx = {
      now,
      seen: (h) => known.has(hex(h)),
      claim: (h, id) => {
        known.add(hex(h))
        ops.push({ type: 'put', key: h, value: u64Bytes(id) })
      },
      nextId: (tag) => {
        const id = (counters.get(tag) ?? 0) + 1
        counters.set(tag, id)
        touched.add(tag)
        return id
      },
      put: (key, value) => ops.push({ type: 'put', key, value }),
      del: (key) => ops.push({ type: 'del', key }),
      emit: (e) => events.push(e),
      addressLog: (address) => {
        const log = addressLogs.get(address)
        if (log === undefined) throw new NodeError('Node::Internal', 'an address log was not loaded')
        return log
      },
    }
    const results: { job: Job; ok: boolean; value: unknown }[] = []
    const joined: JoinedWrites[] = []
    for (const job of jobs) {
      const before = ops.length
      const eventsBefore = events.length
      try {
        const value = job.apply(tx)
        const extra = job.join?.(value)
        if (extra !== undefined) {
          joined.push(extra)
          for (const put of extra.puts) ops.push({ type: 'put', key: put.key, value: put.value })
        }
        results.push({ job, ok: true, value })
      } catch (error) {
        ops.length = before
        events.length = eventsBefore
        results.push({ job, ok: false, value: error })
      }
    }
    for (const tag of touched)
      ops.push({ type: 'put', key: counterKey(tag), value: u64Bytes(counters.get(tag) ?? 0) })
    try {
      if (ops.length > 0) await writeBatch(this.db, ops, this.sync)
    } catch (error) {
      const failure = storageError(error)
      for (const j of joined.reverse()) j.failed()
      for (const j of jobs) j.reject(failure)
      return
    }
    for (const [tag, id] of counters) this.counters.set(tag, id)
    for (const j of joined) j.committed()
    if (events.length > 0) {
      for (const listener of this.listeners) {
        try {
          listener(events)
        } catch {
          // A listener's failure is its own; the batch is durable and the callers are answered anyway.
        }
      }
    }
    for (const r of results) {
      if (r.ok) r.job.resolve(r.value)
      else r.job.reject(r.value)
    }
  }
}

/**
 * Writes `ops` as one atomic batch, fsynced when `sync`. Through abstract-level's chained batch: its
 * array form re-validates and copies every operation (measured ~12 µs per operation against ~0.8 µs
 * for the chained form, on classic-level 3.0.0 with `view` encodings), which dominated a publish.
 */
export async function writeBatch(db: Db, ops: readonly Op[], sync: boolean): Promise<void> {
  const batch = db.batch()
  try {
    for (const op of ops) {
      if (op.type === 'put') batch.put(op.key as Uint8Array, op.value as Uint8Array)
      else batch.del(op.key as Uint8Array)
    }
  } catch (error) {
    await batch.close()
    throw error
  }
  await batch.write({ sync } as never)
}

function storageError(error: unknown): NodeError {
  if (error instanceof NodeError) return error
  return new NodeError('Node::StorageFailure', 'the database failed', { cause: error })
}

/** A stored row: its key and value as the database gives them. */
export type StoredEntry = [key: Uint8Array, value: Uint8Array]

/**
 * Reads stored group-message rows in place, one at a time, into its own fields (no object, view or bigint
 * per row): for encoders that write a page straight to the wire. The layout is {@link encodeGroupRow}'s
 * (`u64 created_ns | u8 flags | u32 len, sender_hmac | u32 len, data`, big-endian) under a topic key ending
 * in the u64 id, with the checks of {@link RowReader}: a truncated row is `Node::StorageFailure`.
 */
export class GroupRowFields {
  id = 0
  /** `created_ns`, high and low 32 bits. */
  createdHigh = 0
  createdLow = 0
  shouldPush = false
  isCommit = false
  /** The row's value; the two byte strings are `value[senderHmacStart, senderHmacEnd)` and `value[dataStart, dataEnd)`. */
  value: Uint8Array = new Uint8Array(0)
  senderHmacStart = 0
  senderHmacEnd = 0
  dataStart = 0
  dataEnd = 0

  /** Reads one row; returns this. */
  read(key: Uint8Array, value: Uint8Array): this {
    const k = key.length - 8
    if (k < 0) throw truncatedRow()
    this.id = u32At(key, k) * 2 ** 32 + u32At(key, k + 4)
    if (value.length < 13) throw truncatedRow()
    this.createdHigh = u32At(value, 0)
    this.createdLow = u32At(value, 4)
    const flags = value[8] as number
    this.isCommit = (flags & 1) !== 0
    this.shouldPush = (flags & 2) !== 0
    this.senderHmacStart = 13
    this.senderHmacEnd = 13 + u32At(value, 9)
    if (this.senderHmacEnd + 4 > value.length) throw truncatedRow()
    this.dataStart = this.senderHmacEnd + 4
    this.dataEnd = this.dataStart + u32At(value, this.senderHmacEnd)
    if (this.dataEnd > value.length) throw truncatedRow()
    this.value = value
    return this
  }
}

function u32At(bytes: Uint8Array, at: number): number {
  return (
    (bytes[at] as number) * 2 ** 24 +
    (((bytes[at + 1] as number) << 16) | ((bytes[at + 2] as number) << 8) | (bytes[at + 3] as number))
  )
}

function truncatedRow(): NodeError {
  return new NodeError('Node::StorageFailure', 'a stored row is truncated (database corruption)')
}

function encodeGroupRow(m: GroupMessage): Uint8Array {
  return new RowWriter()
    .u64(m.createdNs)
    .u8((m.isCommit ? 1 : 0) | (m.shouldPush ? 2 : 0))
    .bytes(m.senderHmac)
    .bytes(m.data)
    .finish()
}

/**
 * A stored group message. `groupId` is used as given (the callers pass their own copy, shared by a page's
 * rows); `data` and `senderHmac` are views into the stored row (see {@link RowReader.view}): a page of 100
 * rows allocated 300 more buffers by copying, most of a QueryGroupMessages call's garbage.
 */
function decodeGroupRow(groupId: Uint8Array, id: number, value: Uint8Array): GroupMessage {
  const r = new RowReader(value)
  const createdNs = r.u64()
  const flags = r.u8()
  const senderHmac = r.view()
  const data = r.view()
  return {
    id,
    createdNs,
    groupId,
    data,
    senderHmac,
    shouldPush: (flags & 2) !== 0,
    isCommit: (flags & 1) !== 0,
  }
}

function encodeWelcomeRow(w: WelcomeMessage): Uint8Array {
  const out = new RowWriter()
    .u64(w.createdNs)
    .u8(w.kind === 'v1' ? 0 : 1)
    .u8(w.wrapperAlgorithm)
  if (w.kind === 'v1') return out.bytes(w.data).bytes(w.hpkePublicKey).bytes(w.welcomeMetadata).finish()
  return out.bytes(w.welcomePointer).bytes(w.hpkePublicKey).finish()
}

function decodeWelcomeRow(installationKey: Uint8Array, id: number, value: Uint8Array): WelcomeMessage {
  const r = new RowReader(value)
  const createdNs = r.u64()
  const type = r.u8()
  const wrapperAlgorithm = r.u8()
  if (type === 0) {
    return {
      kind: 'v1',
      id,
      createdNs,
      installationKey: new Uint8Array(installationKey),
      wrapperAlgorithm,
      data: r.bytes(),
      hpkePublicKey: r.bytes(),
      welcomeMetadata: r.bytes(),
    }
  }
  return {
    kind: 'pointer',
    id,
    createdNs,
    installationKey: new Uint8Array(installationKey),
    wrapperAlgorithm,
    welcomePointer: r.bytes(),
    hpkePublicKey: r.bytes(),
  }
}

function encodeAddressRow(inboxIdHex: string, revocationSeq: number): Uint8Array {
  return new RowWriter().bytes(encoder.encode(inboxIdHex)).u64(revocationSeq).finish()
}

function decodeAddressRow(address: string, associationSeq: number, value: Uint8Array): AddressRow {
  const r = new RowReader(value)
  return { address, associationSeq, inboxId: decoder.decode(r.bytes()), revocationSeq: Number(r.u64()) }
}

function addressLogKey(address: string, associationSeq: number): Uint8Array {
  return topicKey(Tag.AddressLog, encoder.encode(address), associationSeq)
}

function addressInboxKey(address: string): Uint8Array {
  return topicPrefix(Tag.AddressInbox, encoder.encode(address))
}

/**
 * The inbox of an address's log (ascending association ids): its unrevoked row with the highest
 * association sequence id (node-go's GetInboxIds query, §3.11).
 */
export function currentInbox(log: readonly AddressRow[]): string | undefined {
  for (let i = log.length - 1; i >= 0; i--) {
    const row = log[i] as AddressRow
    if (row.revocationSeq === 0) return row.inboxId
  }
  return undefined
}

/** Opens the node's storage: LevelDB at `path`, or memory when `memory` is set. */
export async function openStore(params: OpenStoreParams): Promise<NodeStore> {
  let db: Db
  if (params.memory === true) {
    db = new MemoryLevel<Uint8Array, Uint8Array>({
      keyEncoding: 'view',
      valueEncoding: 'view',
    }) as unknown as Db
  } else {
    if (params.path === undefined)
      throw new NodeError('Node::InvalidArgument', 'a store needs a path or memory')
    db = new ClassicLevel<Uint8Array, Uint8Array>(params.path, {
      keyEncoding: 'view',
      valueEncoding: 'view',
      maxOpenFiles: params.maxOpenFiles ?? defaultMaxOpenFiles,
    }) as unknown as Db
  }
  try {
    await db.open()
  } catch (error) {
    throw storageError(error)
  }
  const store = new NodeStore(
    db,
    params.memory === true ? false : (params.sync ?? true),
    params.clock ?? nowNs,
    params.inboxCacheSize,
  )
  await store.load()
  return store
}
