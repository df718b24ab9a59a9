/**
 * The identity ledger: the ordered log of identity updates of every inbox, the association state at any
 * sequence id, and the address → inbox index (protocol/v3-node-api-and-identity.md §3.10-3.11).
 *
 * Storage sits behind {@link LedgerStorage}, small enough for node-lite and client to keep in `level`;
 * {@link createMemoryLedgerStorage} is the in-memory one. Sequence ids come from outside: node-lite assigns
 * them (one global, increasing counter), a client takes them from `GetIdentityUpdates`.
 * @module
 */
import { type BatchVerifyOptions, type VerifiedBatch, verifyBatch } from './batch.ts'
import { IdentityError } from './errors.ts'
import type { IdentityUpdate, VerifiedIdentityUpdate } from './model.ts'
import { decodeIdentityUpdate, encodeIdentityUpdate } from './proto.ts'
import {
  type ApplyResult,
  type AssociationState,
  type AssociationStateDiff,
  applyUpdate,
  diffStates,
  hasInstallation,
} from './state.ts'
import { verifyIdentityUpdate } from './verify.ts'

/** The most updates an inbox may have: the 257th is refused (node-go `inbox log is full`, §3.10). */
export const maxUpdatesPerInbox = 256

/** One stored update of an inbox (`IdentityUpdateLog`, identity.proto). */
export interface LedgerEntry {
  readonly sequenceId: bigint
  readonly serverTimestampNs: bigint
  /** The `IdentityUpdate` protobuf bytes. */
  readonly update: Uint8Array
}

/** One association of an Ethereum address with an inbox (node-go `address_log` row). */
export interface AddressAssociation {
  readonly inboxId: string
  readonly associationSequenceId: bigint
  readonly revocationSequenceId?: bigint
}

/** What {@link LedgerStorage.append} writes, atomically. */
export interface LedgerAppend {
  readonly inboxId: string
  readonly entry: LedgerEntry
  /** The complete new address logs of the addresses this entry changed. */
  readonly addressLogs: readonly {
    readonly address: string
    readonly associations: readonly AddressAssociation[]
  }[]
}

/** Where the ledger keeps its data. Implementations must make {@link append} atomic. */
export interface LedgerStorage {
  /** The entries of one inbox, ascending by sequence id (empty for an unknown inbox). */
  getEntries(inboxId: string): Promise<readonly LedgerEntry[]>
  /** The association history of a lowercase Ethereum address (empty if never associated). */
  getAddressLog(address: string): Promise<readonly AddressAssociation[]>
  append(batch: LedgerAppend): Promise<void>
}

/** A {@link LedgerStorage} in memory, for tests and ephemeral nodes. */
export function createMemoryLedgerStorage(): LedgerStorage {
  const entries = new Map<string, LedgerEntry[]>()
  const addresses = new Map<string, readonly AddressAssociation[]>()
  return {
    async getEntries(inboxId) {
      return [...(entries.get(inboxId) ?? [])]
    },
    async getAddressLog(address) {
      return addresses.get(address) ?? []
    },
    async append(batch) {
      const list = entries.get(batch.inboxId) ?? []
      list.push(batch.entry)
      entries.set(batch.inboxId, list)
      for (const log of batch.addressLogs) addresses.set(log.address, [...log.associations])
    },
  }
}

/**
 * The validation service's `GetAssociationState(old_updates, new_updates)` (§1.4, §3.10): re-verifies
 * every update, folds `oldUpdates` then `newUpdates`, and returns the final state with the diff the new
 * updates made (every member is new when there are no old updates). The signatures are checked as one batch
 * ({@link verifyBatch}: on the verification workers when there are enough), the rules in order; the first
 * failure in log order is thrown, as a fold verifying update by update would throw it.
 * @throws {IdentityError} any decoding, verification or rule code, `Identity::LogFull` past 256 updates
 */
export async function getAssociationState(
  oldUpdates: readonly (IdentityUpdate | Uint8Array)[],
  newUpdates: readonly (IdentityUpdate | Uint8Array)[],
  options: BatchVerifyOptions = {},
): Promise<ApplyResult> {
  if (oldUpdates.length + newUpdates.length > maxUpdatesPerInbox) {
    throw new IdentityError('Identity::LogFull', `an inbox log holds at most ${maxUpdatesPerInbox} updates`)
  }
  const batch = await verifyBatch([...oldUpdates, ...newUpdates], options)
  const fold = async (start: AssociationState | undefined, from: number, to: number) => {
    let state = start
    for (let i = from; i < to; i++) state = applyUpdate(state, await batch.get(i))
    return state
  }
  const old = await fold(undefined, 0, oldUpdates.length)
  const next = await fold(old, oldUpdates.length, batch.length)
  if (next === undefined) throw new IdentityError('Identity::NotCreated', 'no update creates the inbox')
  return { state: next, diff: diffStates(old, next) }
}

/** Options of {@link IdentityLedger}. */
export interface IdentityLedgerOptions {
  readonly storage: LedgerStorage
  /**
   * How signatures are verified (crypto provider, smart-contract-wallet verifier, cache, and whether
   * batches may use the verification workers).
   */
  readonly verify?: BatchVerifyOptions
}

/**
 * Updates verified ahead of their append by {@link IdentityLedger.prepare}: pass `at(i)` to
 * {@link IdentityLedger.append} in place of the update.
 */
export interface PreparedUpdates {
  readonly length: number
  at(i: number): PreparedUpdate
}

/** One update of {@link PreparedUpdates}: only the ledger that prepared it takes it. */
export interface PreparedUpdate {
  readonly index: number
}

/** What appending an update produced. */
export interface AppendResult extends ApplyResult {
  readonly sequenceId: bigint
}

interface InboxHistory {
  readonly sequenceIds: bigint[]
  readonly states: AssociationState[]
}

/** The states after each of `entries`, whose verified updates are `batch.get(offset + i)`, in order. */
async function replay(
  entries: readonly LedgerEntry[],
  batch: VerifiedBatch,
  offset: number,
): Promise<InboxHistory> {
  const history: InboxHistory = { sequenceIds: [], states: [] }
  let state: AssociationState | undefined
  for (const [i, entry] of entries.entries()) {
    state = applyUpdate(state, await batch.get(offset + i))
    history.sequenceIds.push(entry.sequenceId)
    history.states.push(state)
  }
  return history
}

/** Runs `fn` after every earlier call locked on `key` in `locks` has finished. */
async function lockedOn<T>(
  locks: Map<string, Promise<unknown>>,
  key: string,
  fn: () => Promise<T>,
): Promise<T> {
  const previous = locks.get(key) ?? Promise.resolve()
  const run = previous.then(fn, fn)
  const tail = run.then(
    () => undefined,
    () => undefined,
  )
  locks.set(key, tail)
  try {
    return await run
  } finally {
    if (locks.get(key) === tail) locks.delete(key)
  }
}

async function wrapStorage<T>(op: () => Promise<T>): Promise<T> {
  try {
    return await op()
  } catch (cause) {
    if (cause instanceof IdentityError) throw cause
    throw new IdentityError('Identity::StorageFailed', 'the ledger storage failed', { cause })
  }
}

/**
 * The identity ledger of a node or a client.
 *
 * Appends to one inbox are serialised, appends to different inboxes may run concurrently (the address logs
 * they share are read and written under per-address locks); an append verifies every signature of the new update, applies it
 * to the inbox's current state with every rule of the reducer, and stores it with the address index
 * changes in one atomic write. States are kept in memory per inbox once computed, so "was installation K
 * in inbox I at sequence id N" costs a lookup.
 *
 * @example
 * const ledger = new IdentityLedger({ storage: createMemoryLedgerStorage() })
 * await ledger.append(update, { sequenceId: 1n, serverTimestampNs: nowNs })
 * await ledger.wasInstallationMember(inboxId, installationKey, 1n) // true
 */
export class IdentityLedger {
  readonly #storage: LedgerStorage
  readonly #verify: BatchVerifyOptions
  /** The updates this ledger prepared, with their batch. */
  readonly #prepared = new WeakMap<
    PreparedUpdate,
    { readonly batch: VerifiedBatch; readonly bytes?: Uint8Array }
  >()
  readonly #histories = new Map<string, Promise<InboxHistory>>()
  readonly #locks = new Map<string, Promise<unknown>>()
  /** Locks of address logs: appends to different inboxes may touch the same address (§3.10 step 6). */
  readonly #addressLocks = new Map<string, Promise<unknown>>()

  constructor(options: IdentityLedgerOptions) {
    this.#storage = options.storage
    this.#verify = options.verify ?? {}
  }

  /** Runs `fn` after every earlier locked call on `inboxId` has finished. */
  #locked<T>(inboxId: string, fn: () => Promise<T>): Promise<T> {
    return lockedOn(this.#locks, inboxId, fn)
  }

  /**
   * Runs `fn` holding the locks of every address in `addresses`, taken in sorted order (so two appends
   * needing overlapping sets cannot wait on each other). Address locks are always taken inside an inbox
   * lock and never the other way round.
   */
  #lockedAddresses<T>(addresses: readonly string[], fn: () => Promise<T>): Promise<T> {
    const sorted = [...new Set(addresses)].sort()
    const step = (i: number): Promise<T> =>
      i === sorted.length ? fn() : lockedOn(this.#addressLocks, sorted[i] as string, () => step(i + 1))
    return step(0)
  }

  /** The states of an inbox after each of its entries, replayed (and re-verified) from storage once. */
  #history(inboxId: string): Promise<InboxHistory> {
    let history = this.#histories.get(inboxId)
    if (history === undefined) {
      history = this.#load(inboxId)
      this.#histories.set(inboxId, history)
      history.catch(() => this.#histories.delete(inboxId))
    }
    return history
  }

  async #load(inboxId: string): Promise<InboxHistory> {
    const entries = await wrapStorage(() => this.#storage.getEntries(inboxId))
    // A stored log is re-verified as one batch (on the verification workers when it is long enough).
    const batch = await verifyBatch(
      entries.map((e) => e.update),
      this.#verify,
    )
    return replay(entries, batch, 0)
  }

  /**
   * Loads the states of many inboxes at once: their stored logs are re-verified as one batch (on the
   * verification workers when there are enough signatures in all, e.g. a client's many small inboxes at
   * start), then replayed each in order. An inbox that fails to load fails as it would alone (its first
   * error in log order) when it is next used; the others are loaded.
   */
  async preload(inboxIds: readonly string[]): Promise<void> {
    const missing = [...new Set(inboxIds)].filter((id) => !this.#histories.has(id))
    if (missing.length === 0) return
    const shared = (async () => {
      const read = await Promise.allSettled(
        missing.map((id) => wrapStorage(() => this.#storage.getEntries(id))),
      )
      const entries = read.map((r) => (r.status === 'fulfilled' ? r.value : []))
      const batch = await verifyBatch(
        entries.flat().map((e) => e.update),
        this.#verify,
      )
      const offsets: number[] = []
      entries.reduce((n, list) => {
        offsets.push(n)
        return n + list.length
      }, 0)
      return { read, entries, batch, offsets }
    })()
    const histories = missing.map((inboxId, n) => {
      const history = shared.then(({ read, entries, batch, offsets }) => {
        const r = read[n] as PromiseSettledResult<readonly LedgerEntry[]>
        if (r.status === 'rejected') throw r.reason
        return replay(entries[n] as readonly LedgerEntry[], batch, offsets[n] as number)
      })
      this.#histories.set(inboxId, history)
      history.catch(() => {
        if (this.#histories.get(inboxId) === history) this.#histories.delete(inboxId)
      })
      return history
    })
    await Promise.allSettled(histories)
  }

  /**
   * Verifies the signatures of many updates (of one inbox or many) as one batch, on the verification
   * workers when there are enough, before they are appended: `append(prepared.at(i), meta)` then appends
   * update i exactly as `append(updates[i], meta)` would (same rules, same errors, same stored bytes), only
   * without verifying its signatures again.
   */
  async prepare(updates: readonly (IdentityUpdate | Uint8Array)[]): Promise<PreparedUpdates> {
    const batch = await verifyBatch(updates, this.#verify)
    const tokens = updates.map((u, index) => {
      const token: PreparedUpdate = Object.freeze({ index })
      this.#prepared.set(token, u instanceof Uint8Array ? { batch, bytes: u } : { batch })
      return token
    })
    return {
      length: tokens.length,
      at(i) {
        const token = tokens[i]
        if (token === undefined) throw new RangeError(`no update ${i} among ${tokens.length} prepared`)
        return token
      },
    }
  }

  /**
   * Checks `update` against the inbox's current state without storing it: the state and diff it would
   * produce (node-go's `GetAssociationState(old, [new])`).
   * @throws {IdentityError} any verification or rule code, `Identity::LogFull`
   */
  async validate(update: IdentityUpdate | Uint8Array): Promise<ApplyResult> {
    const parsed = update instanceof Uint8Array ? decodeIdentityUpdate(update) : update
    const history = await this.#history(parsed.inboxId)
    return this.#apply(history, parsed)
  }

  async #apply(
    history: InboxHistory,
    update: IdentityUpdate,
    verified: () => Promise<VerifiedIdentityUpdate> = () => verifyIdentityUpdate(update, this.#verify),
  ): Promise<ApplyResult> {
    if (history.states.length >= maxUpdatesPerInbox) {
      throw new IdentityError('Identity::LogFull', `the inbox already has ${maxUpdatesPerInbox} updates`)
    }
    const prev = history.states.at(-1)
    const state = applyUpdate(prev, await verified())
    return { state, diff: diffStates(prev, state) }
  }

  /**
   * Verifies `update`, applies it to its inbox and stores it under `sequenceId`, which must be above the
   * inbox's last one. An update from {@link prepare} is not verified again.
   * @throws {IdentityError} `Identity::LogFull`, `Identity::SequenceOutOfOrder`, any verification or rule
   * code, `Identity::StorageFailed`
   */
  async append(
    update: IdentityUpdate | Uint8Array | PreparedUpdate,
    meta: { readonly sequenceId: bigint; readonly serverTimestampNs: bigint },
  ): Promise<AppendResult> {
    let parsed: IdentityUpdate
    let bytes: Uint8Array
    let verified: (() => Promise<VerifiedIdentityUpdate>) | undefined
    if (update instanceof Uint8Array) {
      parsed = decodeIdentityUpdate(update)
      bytes = update
    } else if ('actions' in update) {
      parsed = update
      bytes = encodeIdentityUpdate(update)
    } else {
      const prepared = this.#prepared.get(update)
      if (prepared === undefined) throw new TypeError('an update prepared by another ledger, or not prepared')
      const { batch } = prepared
      parsed = batch.update(update.index)
      bytes = prepared.bytes ?? encodeIdentityUpdate(parsed)
      verified = () => batch.get(update.index)
    }
    const inboxId = parsed.inboxId
    return this.#locked(inboxId, async () => {
      const history = await this.#history(inboxId)
      const last = history.sequenceIds.at(-1)
      if (last !== undefined && meta.sequenceId <= last) {
        throw new IdentityError('Identity::SequenceOutOfOrder', 'sequence ids of an inbox must increase', {
          details: `last ${last}, given ${meta.sequenceId}`,
        })
      }
      const { state, diff } = await this.#apply(history, parsed, verified)
      // The address logs are read, changed and written under their address locks: appends to other
      // inboxes run concurrently and may change the same address's log.
      const touched = [...diff.newMembers, ...diff.removedMembers].flatMap((m) =>
        m.kind === 'ethereum' ? [m.address] : [],
      )
      await this.#lockedAddresses(touched, async () => {
        const addressLogs = await this.#addressLogChanges(inboxId, diff, meta.sequenceId)
        await wrapStorage(() =>
          this.#storage.append({
            inboxId,
            entry: { sequenceId: meta.sequenceId, serverTimestampNs: meta.serverTimestampNs, update: bytes },
            addressLogs,
          }),
        )
      })
      history.sequenceIds.push(meta.sequenceId)
      history.states.push(state)
      return { state, diff, sequenceId: meta.sequenceId }
    })
  }

  /** node-go §3.10 step 6: new Ethereum members get a row, removed ones get their latest row revoked. */
  async #addressLogChanges(
    inboxId: string,
    diff: AssociationStateDiff,
    sequenceId: bigint,
  ): Promise<LedgerAppend['addressLogs']> {
    const changes = new Map<string, AddressAssociation[]>()
    const logOf = async (address: string) => {
      let log = changes.get(address)
      if (log === undefined) {
        log = [...(await wrapStorage(() => this.#storage.getAddressLog(address)))]
        changes.set(address, log)
      }
      return log
    }
    for (const member of diff.newMembers) {
      if (member.kind !== 'ethereum') continue
      ;(await logOf(member.address)).push({ inboxId, associationSequenceId: sequenceId })
    }
    for (const member of diff.removedMembers) {
      if (member.kind !== 'ethereum') continue
      const log = await logOf(member.address)
      for (let i = log.length - 1; i >= 0; i--) {
        const row = log[i] as AddressAssociation
        if (row.inboxId === inboxId && row.revocationSequenceId === undefined) {
          log[i] = { ...row, revocationSequenceId: sequenceId }
          break
        }
      }
    }
    return [...changes].map(([address, associations]) => ({ address, associations }))
  }

  /** The entries of an inbox after `afterSequenceId` (0 = all), ascending (`GetIdentityUpdates`). */
  async getUpdates(inboxId: string, afterSequenceId = 0n): Promise<LedgerEntry[]> {
    const entries = await wrapStorage(() => this.#storage.getEntries(inboxId))
    return entries.filter((e) => e.sequenceId > afterSequenceId)
  }

  /** The last sequence id of an inbox, or undefined if it has no update. */
  async latestSequenceId(inboxId: string): Promise<bigint | undefined> {
    return (await this.#history(inboxId)).sequenceIds.at(-1)
  }

  /**
   * The state of an inbox after every update with a sequence id at most `atSequenceId` (default: all);
   * undefined before its first update.
   */
  async getState(inboxId: string, atSequenceId?: bigint): Promise<AssociationState | undefined> {
    const history = await this.#history(inboxId)
    if (atSequenceId === undefined) return history.states.at(-1)
    // binary search: the last index whose sequence id is <= atSequenceId
    let lo = 0
    let hi = history.sequenceIds.length
    while (lo < hi) {
      const mid = (lo + hi) >>> 1
      if ((history.sequenceIds[mid] as bigint) <= atSequenceId) lo = mid + 1
      else hi = mid
    }
    return lo === 0 ? undefined : history.states[lo - 1]
  }

  /** Was `installationKey` an installation of `inboxId` at `sequenceId`? (The MLS layer's question.) */
  async wasInstallationMember(
    inboxId: string,
    installationKey: Uint8Array,
    sequenceId: bigint,
  ): Promise<boolean> {
    const state = await this.getState(inboxId, sequenceId)
    return state !== undefined && hasInstallation(state, installationKey)
  }

  /** The members added and removed between two sequence ids of an inbox. */
  async membershipDiff(
    inboxId: string,
    fromSequenceId: bigint,
    toSequenceId: bigint,
  ): Promise<AssociationStateDiff> {
    const from = await this.getState(inboxId, fromSequenceId)
    const to = await this.getState(inboxId, toSequenceId)
    if (to === undefined) return { newMembers: [], removedMembers: [] }
    return diffStates(from, to)
  }

  /**
   * The inbox an Ethereum address currently belongs to: its latest unrevoked association (node-go
   * `GetInboxIds`, exact match on the lowercase address, §3.11).
   */
  async getInboxIdForAddress(address: string): Promise<string | undefined> {
    const log = await wrapStorage(() => this.#storage.getAddressLog(address))
    let best: AddressAssociation | undefined
    for (const row of log) {
      if (row.revocationSequenceId !== undefined) continue
      if (best === undefined || row.associationSequenceId > best.associationSequenceId) best = row
    }
    return best?.inboxId
  }
}
