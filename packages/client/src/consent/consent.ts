/**
 * Consent: allowed, unknown or denied, for inboxes and conversations (mls-groups.md §10.1, libxmtp
 * xmtp_db consent_record.rs).
 *
 * A record is `{entity type, entity, state, consented at (ns)}`; for a conversation the entity is the hex
 * group id, for an inbox the inbox id. A missing record means `unknown`. Local changes replace the record
 * when the state differs (`insert_or_replace_consent_records`); records from the inbox's other
 * installations replace it only when they are newer (`insert_newer_consent_record`). XMTP has no
 * identifier (address) consent any more: the wire type ADDRESS is deprecated and refused, as libxmtp does.
 *
 * Records live in the encrypted store under `consent!<type>!<entity>`, and in memory once loaded (a few
 * bytes each), so list and stream filters need no store read.
 * @module
 */
import { toBigInt, toLong, xmtp } from '@xmtp-lite/proto'
import { ClientError } from '../errors.ts'
import { type EncryptedStore, jsonBytes, type StoreOperation } from '../storage/store.ts'

/** What the user decided about an inbox or a conversation. */
export type ConsentState = 'unknown' | 'allowed' | 'denied'

/** What a consent record is about: a conversation (hex group id) or an inbox (inbox id). */
export type ConsentEntityType = 'conversationId' | 'inboxId'

/** One consent record. */
export interface ConsentRecord {
  readonly entityType: ConsentEntityType
  /** Hex group id, or inbox id. */
  readonly entity: string
  readonly state: ConsentState
  /** When the decision was taken (ns since the epoch, the deciding installation's clock). */
  readonly consentedAtNs: bigint
}

/** A consent change asked for by the app. */
export interface ConsentUpdate {
  readonly entityType: ConsentEntityType
  readonly entity: string
  readonly state: ConsentState
}

const consentPrefix = 'consent!'
const recordKey = (type: ConsentEntityType, entity: string) => `${consentPrefix}${type}!${entity}`
/** Entities are lowercase hex: 16-byte group ids (32 digits) and 32-byte inbox ids (64 digits). */
const entityPattern = /^[0-9a-f]{2,128}$/

interface StoredConsent {
  s: ConsentState
  t: string
}

const ConsentTypeSave = xmtp.device_sync.consent_backup.ConsentTypeSave
const ConsentStateSave = xmtp.device_sync.consent_backup.ConsentStateSave

/**
 * The `ConsentSave` of a record (consent_backup.proto). The wire state is the local one shifted by one:
 * UNKNOWN 1, ALLOWED 2, DENIED 3 (§10.1).
 */
export function consentToProto(record: ConsentRecord): xmtp.device_sync.consent_backup.ConsentSave {
  return xmtp.device_sync.consent_backup.ConsentSave.create({
    entityType:
      record.entityType === 'conversationId'
        ? ConsentTypeSave.CONSENT_TYPE_SAVE_CONVERSATION_ID
        : ConsentTypeSave.CONSENT_TYPE_SAVE_INBOX_ID,
    state:
      record.state === 'allowed'
        ? ConsentStateSave.CONSENT_STATE_SAVE_ALLOWED
        : record.state === 'denied'
          ? ConsentStateSave.CONSENT_STATE_SAVE_DENIED
          : ConsentStateSave.CONSENT_STATE_SAVE_UNKNOWN,
    entity: record.entity,
    consentedAtNs: toLong(record.consentedAtNs),
  })
}

/**
 * A record from a `ConsentSave` another installation sent.
 * @throws {ClientError} `Client::InvalidPreferenceUpdate` for an unspecified or deprecated (address) entity
 * type, an unspecified state, or an entity that is not a lowercase hex id.
 */
export function consentFromProto(save: xmtp.device_sync.consent_backup.IConsentSave): ConsentRecord {
  const entityType =
    save.entityType === ConsentTypeSave.CONSENT_TYPE_SAVE_CONVERSATION_ID
      ? 'conversationId'
      : save.entityType === ConsentTypeSave.CONSENT_TYPE_SAVE_INBOX_ID
        ? 'inboxId'
        : undefined
  if (entityType === undefined) {
    throw new ClientError('Client::InvalidPreferenceUpdate', 'consent for an unsupported entity type', {
      details: String(save.entityType),
    })
  }
  const state =
    save.state === ConsentStateSave.CONSENT_STATE_SAVE_ALLOWED
      ? 'allowed'
      : save.state === ConsentStateSave.CONSENT_STATE_SAVE_DENIED
        ? 'denied'
        : save.state === ConsentStateSave.CONSENT_STATE_SAVE_UNKNOWN
          ? 'unknown'
          : undefined
  if (state === undefined) {
    throw new ClientError('Client::InvalidPreferenceUpdate', 'consent with an unspecified state', {
      details: String(save.state),
    })
  }
  const entity = save.entity ?? ''
  if (!entityPattern.test(entity)) {
    throw new ClientError('Client::InvalidPreferenceUpdate', 'consent for a malformed entity', {
      details: entity.slice(0, 140),
    })
  }
  return { entityType, entity, state, consentedAtNs: toBigInt(save.consentedAtNs ?? 0) }
}

/**
 * @throws {ClientError} `Client::InvalidArgument` for an entity that is not a lowercase hex id or an
 * unknown state.
 */
export function assertConsentUpdate(update: ConsentUpdate): void {
  if (update.entityType !== 'conversationId' && update.entityType !== 'inboxId') {
    throw new ClientError('Client::InvalidArgument', 'consent entity type must be conversationId or inboxId')
  }
  if (!entityPattern.test(update.entity)) {
    throw new ClientError('Client::InvalidArgument', 'consent entity must be a lowercase hex id', {
      details: update.entity.slice(0, 140),
    })
  }
  if (update.state !== 'allowed' && update.state !== 'denied' && update.state !== 'unknown') {
    throw new ClientError('Client::InvalidArgument', 'consent state must be allowed, unknown or denied')
  }
}

/** The consent records of one installation. */
export class ConsentStore {
  readonly #store: EncryptedStore
  #cache: Map<string, ConsentRecord> | undefined
  #loading: Promise<Map<string, ConsentRecord>> | undefined

  constructor(store: EncryptedStore) {
    this.#store = store
  }

  /** Reads every record into memory (once). */
  async load(): Promise<void> {
    await this.#records()
  }

  #records(): Promise<Map<string, ConsentRecord>> {
    if (this.#cache !== undefined) return Promise.resolve(this.#cache)
    this.#loading ??= (async () => {
      const map = new Map<string, ConsentRecord>()
      for await (const [key, value] of this.#store.entriesWithPrefix(consentPrefix)) {
        const rest = key.slice(consentPrefix.length)
        const bang = rest.indexOf('!')
        const entityType = rest.slice(0, bang) as ConsentEntityType
        const entity = rest.slice(bang + 1)
        const stored = JSON.parse(new TextDecoder().decode(value)) as StoredConsent
        map.set(key, { entityType, entity, state: stored.s, consentedAtNs: BigInt(stored.t) })
      }
      this.#cache = map
      return map
    })()
    return this.#loading
  }

  /** The state of an entity (`unknown` without a record). */
  async state(entityType: ConsentEntityType, entity: string): Promise<ConsentState> {
    return (await this.#records()).get(recordKey(entityType, entity))?.state ?? 'unknown'
  }

  /** The record of an entity, if any. */
  async record(entityType: ConsentEntityType, entity: string): Promise<ConsentRecord | undefined> {
    return (await this.#records()).get(recordKey(entityType, entity))
  }

  /** The state from memory; `load()` must have run (filters of lists and streams). */
  cachedState(entityType: ConsentEntityType, entity: string): ConsentState {
    return this.#cache?.get(recordKey(entityType, entity))?.state ?? 'unknown'
  }

  /** Every record. */
  async list(): Promise<ConsentRecord[]> {
    return [...(await this.#records()).values()]
  }

  /**
   * The writes that store `records`, and the records that change something: a local record replaces the
   * stored one when its state differs (`newerOnly` false), a synced one when it is newer (`newerOnly`
   * true). Nothing is written until the caller runs the operations; then call {@link commit}.
   */
  async plan(
    records: readonly ConsentRecord[],
    newerOnly: boolean,
  ): Promise<{ operations: StoreOperation[]; changed: ConsentRecord[] }> {
    const map = await this.#records()
    const pending = new Map<string, ConsentRecord>()
    for (const record of records) {
      const key = recordKey(record.entityType, record.entity)
      const current = pending.get(key) ?? map.get(key)
      const replaces = newerOnly
        ? current === undefined || record.consentedAtNs > current.consentedAtNs
        : current === undefined || current.state !== record.state
      if (replaces) pending.set(key, record)
    }
    const operations: StoreOperation[] = [...pending.entries()].map(([key, r]) => ({
      type: 'put',
      key,
      value: jsonBytes({ s: r.state, t: r.consentedAtNs.toString() } satisfies StoredConsent),
    }))
    return { operations, changed: [...pending.values()] }
  }

  /** Makes planned records visible in memory, once their operations are written. */
  commit(changed: readonly ConsentRecord[]): void {
    if (this.#cache === undefined) return
    for (const r of changed) this.#cache.set(recordKey(r.entityType, r.entity), r)
  }
}
