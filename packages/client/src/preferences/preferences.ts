/**
 * User preferences shared by the inbox's installations: consent records and the HMAC root key, carried
 * as XMTP does it (mls-groups.md §10.2, libxmtp worker/device_sync/preference_sync.rs).
 *
 * - Each inbox has private SYNC groups (conversation type 3) holding only its own installations. An
 *   installation that needs one and has none creates it and adds its other installations; a sync group
 *   joined by welcome (another installation's) is used when newer, as libxmtp's `primary_sync_group`
 *   (newest first).
 * - A change is an application message `DeviceSyncContent { preference_updates = 4 }` of type
 *   `xmtp.org/application/x-protobuf:1.0` whose `PreferenceUpdate`s hold `ConsentSave` records (state
 *   shifted by one on the wire) or an `HmacKeyUpdate`.
 * - Received records replace ours only when newer (`consented_at_ns`); every sync group's messages are
 *   read, from a per-group cursor written in the same batch as the records they carry (crash-safe).
 *
 * Local changes are written together with an outbox entry (one per entity, the newest wins), published
 * later: at once by `setConsentStates`, in the background after a send, and at every `sync()`/`syncAll()`.
 * While the inbox has a single installation the outbox waits, so a later installation of the inbox gets
 * those records once a sync group with it exists (libxmtp sends them only while a sync group exists).
 * @module
 */
import { fromHex, isBaseError, toHex } from '@xmtp-lite/common'
import { decodeEncodedContent, encodeEncodedContent } from '@xmtp-lite/content-types'
import { toBigInt, toLong, xmtp } from '@xmtp-lite/proto'
import type { Client } from '../client.ts'
import {
  assertConsentUpdate,
  type ConsentEntityType,
  type ConsentRecord,
  type ConsentState,
  ConsentStore,
  type ConsentUpdate,
  consentFromProto,
  consentToProto,
} from '../consent/consent.ts'
import type { Conversation } from '../conversations/conversation.ts'
import type { DecodedMessage, MessageRecord } from '../conversations/messages.ts'
import { Mutex } from '../conversations/mutex.ts'
import { WakeQueue } from '../conversations/wakeQueue.ts'
import { getJson, jsonBytes, type StoreOperation } from '../storage/store.ts'
import { ContentTypeDeviceSync, DeviceSyncContentCodec } from './content.ts'

/** A preference that changed, locally or from another installation. */
export type PreferenceUpdate =
  | { readonly kind: 'consent'; readonly record: ConsentRecord }
  | { readonly kind: 'hmac'; readonly key: Uint8Array; readonly cycledAtNs: bigint }

interface StoredHmac {
  k: string
  t: string
}

interface OutboxEntry {
  type: ConsentEntityType
  entity: string
  s: ConsentState
  t: string
}

const outboxPrefix = 'prefs!outbox!'
const hmacKey = 'prefs!hmac'
const cursorKey = (groupId: string) => `prefs!cursor!${groupId}`
const codec = new DeviceSyncContentCodec()

/** Consent and the other synced preferences of a client. */
export class Preferences {
  readonly consent: ConsentStore
  readonly #client: Client
  readonly #lock = new Mutex()
  readonly #listeners = new Set<(updates: readonly PreferenceUpdate[]) => void>()
  /** Counters of `sync()` calls in progress: preferences applied from other installations. */
  readonly #appliedCounters = new Set<{ n: number }>()
  #background: Promise<unknown> = Promise.resolve()

  constructor(client: Client) {
    this.#client = client
    this.consent = new ConsentStore(client.store)
  }

  /** The consent state of an inbox or a conversation (`unknown` when never decided). */
  consentState(entityType: ConsentEntityType, entity: string): Promise<ConsentState> {
    return this.consent.state(entityType, entity)
  }

  /** Every consent record of this installation. */
  consentRecords(): Promise<ConsentRecord[]> {
    return this.consent.list()
  }

  /**
   * Records consent decisions and publishes them to the inbox's other installations. The local change is
   * durable when this resolves; when publishing fails (network) it stays in the outbox and goes out at
   * the next `sync()`.
   * @throws {ClientError} `Client::InvalidArgument` for a malformed entity or state.
   */
  async setConsentStates(updates: readonly ConsentUpdate[]): Promise<void> {
    for (const update of updates) assertConsentUpdate(update)
    const changed = await this.record(updates, { sync: true })
    if (changed.length > 0) await this.publish({ refresh: true })
  }

  /**
   * Records consent stamped now. With `sync` the changes also enter the outbox (libxmtp
   * `update_consent_state`); without, they stay local (`quietly_update_consent_state`: a welcome's
   * default). Returns the records that changed.
   */
  async record(updates: readonly ConsentUpdate[], options: { sync: boolean }): Promise<ConsentRecord[]> {
    const consentedAtNs = BigInt(this.#client.now()) * 1_000_000n
    const records = updates.map((u) => ({ ...u, consentedAtNs }))
    const { operations, changed } = await this.consent.plan(records, false)
    if (changed.length === 0) return []
    if (options.sync) {
      for (const r of changed) {
        const entry: OutboxEntry = {
          type: r.entityType,
          entity: r.entity,
          s: r.state,
          t: r.consentedAtNs.toString(),
        }
        operations.push({
          type: 'put',
          key: `${outboxPrefix}${r.entityType}!${r.entity}`,
          value: jsonBytes(entry),
        })
      }
    }
    await this.#client.store.batch(operations)
    this.consent.commit(changed)
    this.#emit(changed.map((record) => ({ kind: 'consent', record })))
    return changed
  }

  /** Publishes the outbox in the background when another installation can read it (after a send). */
  scheduleFlush(): void {
    this.#background = this.#background
      .then(async () => {
        if ((await this.#client.conversations.syncGroups()).length > 0) await this.#flush()
      })
      .catch(() => undefined)
  }

  /** The inbox's HMAC root key (42 bytes), when an installation shared one. */
  async hmacKey(): Promise<{ key: Uint8Array; cycledAtNs: bigint } | undefined> {
    const stored = await getJson<StoredHmac>(this.#client.store, hmacKey)
    return stored === undefined ? undefined : { key: fromHex(stored.k), cycledAtNs: BigInt(stored.t) }
  }

  /** Registers a listener for every preference change (local or synced); returns its removal. */
  onUpdate(listener: (updates: readonly PreferenceUpdate[]) => void): () => void {
    this.#listeners.add(listener)
    return () => this.#listeners.delete(listener)
  }

  /**
   * Consent changes as an async iterable (the official SDK's `streamConsent`): every batch of records that
   * changed here, locally or from another installation. `close()` ends it.
   */
  streamConsent(): AsyncIterable<ConsentRecord[]> & { close(): void } {
    const queue: WakeQueue<ConsentRecord[]> = new WakeQueue(() => off())
    const off = this.onUpdate((updates) => {
      const records = updates.flatMap((u) => (u.kind === 'consent' ? [u.record] : []))
      if (records.length > 0) queue.push(records)
    })
    return queue
  }

  #emit(updates: readonly PreferenceUpdate[]): void {
    if (updates.length === 0) return
    for (const listener of this.#listeners) listener(updates)
  }

  /**
   * Joins new sync groups, reads every sync group, applies what the other installations sent, then
   * publishes the outbox. Returns the number of preferences that changed here.
   */
  async sync(): Promise<number> {
    const counter = { n: 0 }
    this.#appliedCounters.add(counter)
    try {
      await this.#client.conversations.syncWelcomes()
      for (const group of await this.#client.conversations.syncGroups()) await group.sync()
      await this.idle()
      await this.processIncoming()
      await this.publish({ refresh: true })
    } finally {
      this.#appliedCounters.delete(counter)
    }
    return counter.n
  }

  /** Called with the messages a sync stored: sync-group messages are applied in the background. */
  noticeMessages(messages: readonly DecodedMessage[]): void {
    if (!messages.some((m) => m.contentType.typeId === ContentTypeDeviceSync.typeId)) return
    this.#background = this.#background.then(() => this.processIncoming()).catch(() => undefined)
  }

  /** Waits for background work (before closing the store). */
  async idle(): Promise<void> {
    for (;;) {
      const pending = this.#background
      await pending
      if (pending === this.#background) return
    }
  }

  /**
   * Applies the preference updates stored in sync groups since their cursors. Messages not from our own
   * inbox, of another content type, or malformed are skipped (`Client::InvalidPreferenceUpdate`), as are
   * request / acknowledge / reply messages (archive transfer is not implemented).
   */
  async processIncoming(): Promise<number> {
    return this.#lock.run(async () => {
      const client = this.#client
      let applied = 0
      for (const group of await client.conversations.syncGroups()) {
        const cursor = (await getJson<string>(client.store, cursorKey(group.id))) ?? '0'
        const prefix = `msg!${group.id}!`
        const rows: [string, MessageRecord][] = []
        for await (const [key, value] of client.store.entries({
          gt: `${prefix}${cursor.padStart(20, '0')}`,
          lt: `${prefix}~`,
        })) {
          rows.push([key, JSON.parse(new TextDecoder().decode(value)) as MessageRecord])
        }
        for (const [, record] of rows) {
          const updates = record.o || record.s !== client.inboxId ? [] : preferenceUpdatesOf(record)
          const consent: ConsentRecord[] = []
          let hmac: { key: Uint8Array; cycledAtNs: bigint } | undefined
          for (const update of updates) {
            if (update.kind === 'consent') consent.push(update.record)
            else if (hmac === undefined || update.cycledAtNs > hmac.cycledAtNs) hmac = update
          }
          const { operations, changed } = await this.consent.plan(consent, true)
          const events: PreferenceUpdate[] = changed.map((r) => ({ kind: 'consent', record: r }))
          if (hmac !== undefined) {
            const current = await this.hmacKey()
            if (current === undefined || hmac.cycledAtNs > current.cycledAtNs) {
              operations.push({
                type: 'put',
                key: hmacKey,
                value: jsonBytes({ k: toHex(hmac.key), t: hmac.cycledAtNs.toString() } satisfies StoredHmac),
              })
              events.push({ kind: 'hmac', ...hmac })
            }
          }
          operations.push({ type: 'put', key: cursorKey(group.id), value: jsonBytes(record.n) })
          await client.store.batch(operations)
          this.consent.commit(changed)
          applied += events.length
          for (const counter of this.#appliedCounters) counter.n += events.length
          this.#emit(events)
        }
      }
      return applied
    })
  }

  /**
   * Publishes the outbox to the primary sync group (created when needed and another installation
   * exists). Network failures leave the outbox as it was (retried at the next sync). With `refresh`, our
   * inbox's installations are read from the node before deciding that we are alone (`syncAll` skips that
   * round trip: another installation that appears creates a sync group with us anyway).
   */
  async publish(options: { refresh?: boolean } = {}): Promise<void> {
    await this.#flush(options.refresh === true).catch(ignoreRetryable)
  }

  #flush(refresh = false): Promise<void> {
    return this.#lock.run(async () => {
      const client = this.#client
      const entries: [string, OutboxEntry][] = []
      for await (const [key, value] of client.store.entriesWithPrefix(outboxPrefix)) {
        entries.push([key, JSON.parse(new TextDecoder().decode(value)) as OutboxEntry])
      }
      // A revoked installation publishes nothing; its outbox stays for nobody (it can no longer send).
      if (entries.length === 0 || client.isRevoked) return
      const group = await this.#primarySyncGroup(refresh)
      if (group === undefined) return
      const updates: xmtp.device_sync.content.IPreferenceUpdate[] = entries.map(([, e]) => ({
        consent: consentToProto({
          entityType: e.type,
          entity: e.entity,
          state: e.s,
          consentedAtNs: BigInt(e.t),
        }),
      }))
      const content = xmtp.device_sync.content.DeviceSyncContent.create({ preferenceUpdates: { updates } })
      await group.sendEncodedContent(encodeEncodedContent(codec.encode(content)))
      // Remove what was sent, unless a newer change replaced it meanwhile.
      const done: StoreOperation[] = []
      for (const [key, sent] of entries) {
        const now = await getJson<OutboxEntry>(client.store, key)
        if (now !== undefined && now.t === sent.t && now.s === sent.s) done.push({ type: 'del', key })
      }
      await client.store.batch(done)
    })
  }

  /** The newest sync group; a new one (with every installation of the inbox) when there is none. */
  async #primarySyncGroup(refresh: boolean): Promise<Conversation | undefined> {
    const client = this.#client
    const existing = (await client.conversations.syncGroups())[0]
    if (existing !== undefined) return existing
    if (refresh) await client.inboxes.refresh([client.inboxId])
    if ((await client.inboxes.installations(client.inboxId)).length < 2) return undefined
    return client.conversations.newSyncGroup()
  }
}

function ignoreRetryable(error: unknown): void {
  if (isBaseError(error) && error.retryable) return
  throw error
}

/** The preference updates of a stored sync-group message; none for other kinds or malformed input. */
function preferenceUpdatesOf(record: MessageRecord): PreferenceUpdate[] {
  if (record.k !== 'application') return []
  let content: xmtp.device_sync.content.DeviceSyncContent
  try {
    const encoded = decodeEncodedContent(fromHex(record.c))
    if (encoded.compression !== undefined && encoded.compression !== null) return []
    content = codec.decode(encoded)
  } catch {
    return []
  }
  const out: PreferenceUpdate[] = []
  for (const update of content.preferenceUpdates?.updates ?? []) {
    try {
      if (update.consent !== undefined && update.consent !== null) {
        out.push({ kind: 'consent', record: consentFromProto(update.consent) })
      } else if (update.hmac !== undefined && update.hmac !== null) {
        const key = update.hmac.key ?? new Uint8Array(0)
        if (key.length === 0 || key.length > 64) continue
        out.push({
          kind: 'hmac',
          key: Uint8Array.from(key),
          cycledAtNs: toBigInt(update.hmac.cycledAtNs ?? toLong(0)),
        })
      }
    } catch {
      // Client::InvalidPreferenceUpdate: this one update is skipped, the others apply.
    }
  }
  return out
}
