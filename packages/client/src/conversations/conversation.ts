/**
 * One conversation (group or DM) of this installation: its MLS group, its cursor on the node, its stored
 * messages and its intents.
 *
 * Sync (mls-groups.md §8.2): read the group topic after the cursor, oldest first; each message is
 * processed and its effects (the new group state, the stored message, the advanced cursor) are written in
 * one atomic batch, so a crash at any point resumes from a consistent state. Our own messages are
 * recognised by the SHA-256 of the bytes we published (§8.3): MLS cannot decrypt them again.
 *
 * Intents (§8.1, §8.4): every group-changing action is persisted before it is published, then
 * ToPublish → Published → Committed → Processed (welcomes sent), or Error after 3 attempts. A commit that
 * lost an epoch race (another commit reached the node first) is rebuilt on the new epoch and republished.
 * @module
 */
import { equalBytes, fromHex, isBaseError, sha256, toHex } from '@xmtp-lite/common'
import type { ContentCodecRegistry, ContentTypeIdFields } from '@xmtp-lite/content-types'
import { ContentTypeGroupUpdated, emptyGroupUpdated } from '@xmtp-lite/content-types/group-updated'
import { ContentTypeText } from '@xmtp-lite/content-types/text'
import {
  applyMutableMetadataChange,
  type DisappearingSettings,
  decodeGroupMembership,
  decodeMutableMetadata,
  disappearingSettings,
  ExtensionType,
  encodeGroupMembership,
  encodeMutableMetadata,
  type GroupMembership,
  type GroupMutableMetadata,
  type GroupStore,
  type IdentityPort,
  MetadataField,
  type MlsGroup,
  type PendingCommit,
  replaceExtension,
  type ValidatedCommit,
  validateKeyPackage,
  wrapWelcome,
} from '@xmtp-lite/mls'
import type { GroupMessageRecord } from '../api/api.ts'
import type { Client } from '../client.ts'
import type { ConsentState } from '../consent/consent.ts'
import { ClientError } from '../errors.ts'
import { getJson, jsonBytes, type StoreOperation } from '../storage/store.ts'
import {
  type DecodedMessage,
  decodeMessageRecord,
  expiryKey,
  isExpired,
  type MessageRecord,
  messageKey,
  messageRecordBytes,
} from './messages.ts'
import type { TransactionalMlsStorage } from './mlsStorage.ts'
import type { Mutex } from './mutex.ts'
import { xmtpCommitValidator } from './validator.ts'

/** What a conversation shares with its siblings. */
export interface ConversationContext {
  readonly client: Client
  readonly groups: GroupStore
  readonly mlsStorage: TransactionalMlsStorage
  /** One lock for every group of the client: MLS storage transactions are not re-entrant. */
  readonly lock: Mutex
  readonly registry: ContentCodecRegistry
  readonly identity: IdentityPort
  /** Called with every message stored by a sync (streams listen here). */
  readonly onMessages: (messages: readonly DecodedMessage[]) => void
  /** Called after a message of ours is published (consent: sending allows the conversation). */
  readonly onSent?: (conversation: Conversation) => void
}

/** The stored record of a conversation. */
export interface ConversationRecord {
  id: string
  /** `sync`: the inbox's own preference-sync group (mls-groups.md §10.2), never listed. */
  kind: 'group' | 'dm' | 'sync'
  /** The other inbox of a DM. */
  peer?: string
  /** Last processed group-message id on the node. */
  cursor: string
  createdAtNs: string
  active: boolean
}

/** An intent's life (mls-groups.md §8.1). */
export type IntentState = 'ToPublish' | 'Published' | 'Committed' | 'Processed' | 'Error'

/** What a group-changing intent does. */
export type IntentAction =
  | { readonly kind: 'addMembers'; readonly inboxIds: readonly string[] }
  | { readonly kind: 'removeMembers'; readonly inboxIds: readonly string[] }
  | { readonly kind: 'updateMetadata'; readonly field: string; readonly value: string }
  | {
      readonly kind: 'admin'
      readonly change: 'addAdmin' | 'removeAdmin' | 'addSuperAdmin' | 'removeSuperAdmin'
      readonly inboxId: string
    }
  | { readonly kind: 'keyUpdate' }

interface IntentRecord {
  id: string
  action: IntentAction
  state: IntentState
  attempts: number
  /** SHA-256 (hex) of the commit of the current attempt. */
  commitHash?: string
}

/** What we know about bytes we published (`sent!<sha256>`). */
type SentRecord = { kind: 'app'; key: string } | { kind: 'commit'; intentId: string }

/** A member of a conversation: one inbox and its installations in the group. */
export interface ConversationMember {
  readonly inboxId: string
  readonly installationIds: readonly string[]
  /** The identity sequence id the membership extension holds for it. */
  readonly sequenceId: bigint
  readonly isAdmin: boolean
  readonly isSuperAdmin: boolean
}

const maxIntentAttempts = 3
const conversationKey = (id: string) => `conv!${id}`
const intentKey = (conversationId: string, intentId: string) => `intent!${conversationId}!${intentId}`
const sentKey = (hash: string) => `sent!${hash}`

function newLocalId(client: Client): string {
  return `${client.now().toString().padStart(15, '0')}-${toHex(crypto.getRandomValues(new Uint8Array(6)))}`
}

/**
 * Package-internal (never exported from the index): puts a newer state into a loaded conversation, so
 * handles held by the app see a re-add by welcome (mls-groups.md §5.2 `replace_old_group`).
 */
export let adoptConversationState: (
  conversation: Conversation,
  record: ConversationRecord,
  group: MlsGroup,
) => void

/** A group or DM of this client. */
export class Conversation {
  readonly #ctx: ConversationContext
  #record: ConversationRecord
  #group: MlsGroup
  /** Commits of ours published but not yet read back, by intent id (in memory). */
  readonly #pending = new Map<string, PendingCommit>()

  constructor(ctx: ConversationContext, record: ConversationRecord, group: MlsGroup) {
    this.#ctx = ctx
    this.#record = record
    this.#group = group
  }

  static {
    adoptConversationState = (conversation, record, group) => {
      conversation.#record = record
      conversation.#group = group
      conversation.#pending.clear()
      conversation.#welcomesToSend.length = 0
    }
  }

  /** Group id, hex. */
  get id(): string {
    return this.#record.id
  }

  get kind(): 'group' | 'dm' | 'sync' {
    return this.#record.kind
  }

  /** The other inbox of a DM. */
  get peerInboxId(): string | undefined {
    return this.#record.peer
  }

  get epoch(): bigint {
    return this.#group.epoch
  }

  /** False once this installation was removed or left. */
  get isActive(): boolean {
    return this.#record.active && this.#group.isActive
  }

  /** The last group-message id processed. */
  get cursor(): bigint {
    return BigInt(this.#record.cursor)
  }

  get record(): Readonly<ConversationRecord> {
    return this.#record
  }

  /** The underlying MLS group (read-only use: tests compare epochs and exporter secrets). */
  get mlsGroup(): MlsGroup {
    return this.#group
  }

  #mutableMetadata(): GroupMutableMetadata {
    const data = this.#group.extension(ExtensionType.MutableMetadata)
    return data === undefined
      ? { attributes: new Map(), adminList: [], superAdminList: [] }
      : decodeMutableMetadata(data)
  }

  #membership(): GroupMembership {
    const data = this.#group.extension(ExtensionType.GroupMembership)
    return data === undefined ? { members: new Map(), failedInstallations: [] } : decodeGroupMembership(data)
  }

  /** The group name (empty when unset). */
  get name(): string {
    return this.#mutableMetadata().attributes.get(MetadataField.GroupName) ?? ''
  }

  get description(): string {
    return this.#mutableMetadata().attributes.get(MetadataField.Description) ?? ''
  }

  get imageUrl(): string {
    return this.#mutableMetadata().attributes.get(MetadataField.GroupImageUrlSquare) ?? ''
  }

  get admins(): readonly string[] {
    return this.#mutableMetadata().adminList
  }

  get superAdmins(): readonly string[] {
    return this.#mutableMetadata().superAdminList
  }

  /** This conversation's consent (mls-groups.md §10.1): `unknown` until decided. */
  consentState(): Promise<ConsentState> {
    return this.#ctx.client.preferences.consentState('conversationId', this.id)
  }

  /** Records the user's decision and syncs it to the inbox's other installations (§10.2). */
  updateConsentState(state: ConsentState): Promise<void> {
    return this.#ctx.client.preferences.setConsentStates([
      { entityType: 'conversationId', entity: this.id, state },
    ])
  }

  /** Disappearing-message settings (§11), undefined when off. */
  get disappearing(): DisappearingSettings | undefined {
    return disappearingSettings(this.#mutableMetadata())
  }

  /**
   * Turns disappearing messages on, or changes them: two metadata commits, `message_disappear_from_ns`
   * then `message_disappear_in_ns`, as libxmtp (§7.2). Admins only in groups (default policy).
   * @throws {ClientError} `Client::InvalidArgument` unless both values are > 0.
   */
  async updateDisappearing(settings: DisappearingSettings): Promise<void> {
    if (settings.fromNs <= 0n || settings.inNs <= 0n) {
      throw new ClientError(
        'Client::InvalidArgument',
        'disappearing settings need from and in > 0 (use removeDisappearing)',
      )
    }
    await this.#setDisappearing(settings.fromNs, settings.inNs)
  }

  /** Turns disappearing messages off (both fields set to 0, libxmtp `remove_conversation_message_disappearing_settings`). */
  removeDisappearing(): Promise<void> {
    return this.#setDisappearing(0n, 0n)
  }

  async #setDisappearing(fromNs: bigint, inNs: bigint): Promise<void> {
    await this.runIntent({
      kind: 'updateMetadata',
      field: MetadataField.MessageDisappearFromNs,
      value: fromNs.toString(),
    })
    await this.runIntent({
      kind: 'updateMetadata',
      field: MetadataField.MessageDisappearInNs,
      value: inNs.toString(),
    })
  }

  /**
   * When an application message stored now expires (§11, libxmtp `get_message_expire_at_ns`): local
   * receive time plus `in_ns`, if disappearing is on at this moment.
   */
  #expiry(): string | undefined {
    const settings = disappearingSettings(this.#mutableMetadata())
    return settings === undefined
      ? undefined
      : (BigInt(this.#ctx.client.now()) * 1_000_000n + settings.inNs).toString()
  }

  /** Members by inbox, from the tree and the membership extension. */
  members(): ConversationMember[] {
    const meta = this.#mutableMetadata()
    const membership = this.#membership()
    const byInbox = new Map<string, string[]>()
    for (const leaf of this.#group.members()) {
      const list = byInbox.get(leaf.inboxId) ?? []
      list.push(toHex(leaf.installationKey))
      byInbox.set(leaf.inboxId, list)
    }
    return [...byInbox.entries()]
      .map(([inboxId, installationIds]) => ({
        inboxId,
        installationIds: installationIds.sort(),
        sequenceId: membership.members.get(inboxId) ?? 0n,
        isAdmin: meta.adminList.includes(inboxId),
        isSuperAdmin: meta.superAdminList.includes(inboxId),
      }))
      .sort((a, b) => a.inboxId.localeCompare(b.inboxId))
  }

  /** Sends any content through the registry; returns the XMTP message id (hex). */
  async send(content: unknown, contentType: ContentTypeIdFields = ContentTypeText): Promise<string> {
    const encoded = await this.#ctx.registry.encodeBytes(content, contentType)
    return this.#sendEncoded(encoded)
  }

  /**
   * Sends `EncodedContent` bytes as given (content encoded by the caller, not through the registry);
   * preference sync sends its sync-group messages this way.
   */
  sendEncodedContent(encoded: Uint8Array): Promise<string> {
    return this.#sendEncoded(encoded)
  }

  /** Sends a text message. */
  sendText(text: string): Promise<string> {
    return this.send(text, ContentTypeText)
  }

  async #sendEncoded(encoded: Uint8Array): Promise<string> {
    const client = this.#ctx.client
    const localId = newLocalId(client)
    const { message, id } = await this.#ctx.lock.run(async () => {
      if (!this.isActive) throw new ClientError('Client::InvalidArgument', 'this conversation is not active')
      return this.#ctx.mlsStorage.transaction(async () => {
        const sent = await this.#group.sendMessage(encoded, localId)
        await this.#ctx.groups.save(this.#group)
        const id = toHex(sent.messageId)
        const key = messageKey(this.id, 0n, localId)
        const record: MessageRecord = {
          id,
          s: client.inboxId,
          i: client.installationId,
          t: (BigInt(client.now()) * 1_000_000n).toString(),
          k: 'application',
          c: toHex(encoded),
          d: 'unpublished',
          n: '0',
          o: true,
        }
        const sentRecord: SentRecord = { kind: 'app', key }
        return {
          result: { message: sent.message, id },
          operations: [
            { type: 'put', key, value: messageRecordBytes(record) },
            { type: 'put', key: sentKey(toHex(sha256(sent.message))), value: jsonBytes(sentRecord) },
          ],
        }
      })
    })
    try {
      await client.api.sendGroupMessages([{ data: message }])
    } catch (error) {
      await this.#markFailed(localId)
      throw error
    }
    await this.sync()
    this.#ctx.onSent?.(this)
    return id
  }

  async #markFailed(localId: string): Promise<void> {
    const key = messageKey(this.id, 0n, localId)
    const record = await getJson<MessageRecord>(this.#ctx.client.store, key)
    if (record !== undefined)
      await this.#ctx.client.store.put(key, messageRecordBytes({ ...record, d: 'failed' }))
  }

  /** Stored messages, oldest first (published ones by node order, then our unpublished ones). */
  async messages(
    options: { limit?: number; direction?: 'ascending' | 'descending' } = {},
  ): Promise<DecodedMessage[]> {
    const out: DecodedMessage[] = []
    const reverse = options.direction === 'descending'
    // Expired messages are hidden at once, deleted by the next cleaning (§11).
    const nowNs = BigInt(this.#ctx.client.now()) * 1_000_000n
    for await (const [, value] of this.#ctx.client.store.entriesWithPrefix(`msg!${this.id}!`, { reverse })) {
      const record = JSON.parse(new TextDecoder().decode(value)) as MessageRecord
      if (isExpired(record, nowNs)) continue
      out.push(await decodeMessageRecord(this.id, record, this.#ctx.registry))
      if (options.limit !== undefined && out.length >= options.limit) break
    }
    return out
  }

  /**
   * Reads and applies everything the node has after the cursor; returns the messages it stored.
   * @throws {ClientError} on transport failures (retryable), leaving the cursor at the last applied message.
   */
  async sync(): Promise<DecodedMessage[]> {
    const stored = await this.#ctx.lock.run(async () => {
      const records = await this.#ctx.client.api.queryGroupMessages(this.#group.groupId, this.cursor)
      const out: DecodedMessage[] = []
      for (const record of records) {
        if (record.id <= this.cursor) continue
        const message = await this.#processOne(record)
        if (message !== undefined) out.push(message)
      }
      return out
    })
    await this.#sendPendingWelcomes()
    if (stored.length > 0) this.#ctx.onMessages(stored)
    return stored
  }

  /** Welcomes of merged commits of ours, sent once the commit is on the node (§13.C). */
  readonly #welcomesToSend: { intentId: string; pending: PendingCommit; cursor: bigint }[] = []

  async #sendPendingWelcomes(): Promise<void> {
    while (this.#welcomesToSend.length > 0) {
      const next = this.#welcomesToSend[0]
      if (next === undefined) break
      const { pending, cursor, intentId } = next
      if (pending.welcome !== undefined && pending.added.length > 0) {
        const welcome = pending.welcome
        const wrapped = await Promise.all(
          pending.added.map(async (a) => ({ a, w: await wrapWelcome(welcome, a.initKey, cursor) })),
        )
        await this.#ctx.client.api.sendWelcomeMessages(
          wrapped.map(({ a, w }) => ({
            installationKey: a.installationKey,
            data: w.data,
            hpkePublicKey: w.hpkePublicKey,
            wrapperAlgorithm: w.wrapperAlgorithm,
            welcomeMetadata: w.welcomeMetadata,
          })),
        )
      }
      this.#welcomesToSend.shift()
      await this.#setIntentState(intentId, 'Processed')
    }
  }

  async #processOne(record: GroupMessageRecord): Promise<DecodedMessage | undefined> {
    const ctx = this.#ctx
    const client = ctx.client
    const hash = toHex(sha256(record.data))
    const own = await getJson<SentRecord>(client.store, sentKey(hash))
    const nextRecord: ConversationRecord = { ...this.#record, cursor: record.id.toString() }
    let stored: MessageRecord | undefined
    let mergedIntent: { intentId: string; pending: PendingCommit } | undefined
    try {
      await ctx.mlsStorage.transaction(async () => {
        const operations: StoreOperation[] = [
          { type: 'put', key: conversationKey(this.id), value: jsonBytes(nextRecord) },
        ]
        if (own?.kind === 'app') {
          const local = await getJson<MessageRecord>(client.store, own.key)
          if (local !== undefined) {
            const x = this.#expiry()
            stored = {
              ...local,
              d: 'published',
              n: record.id.toString(),
              t: record.createdNs.toString(),
              ...(x === undefined ? {} : { x }),
            }
            operations.push({ type: 'del', key: own.key })
          }
          operations.push({ type: 'del', key: sentKey(hash) })
        } else if (own?.kind === 'commit') {
          const pending = this.#pending.get(own.intentId)
          operations.push({ type: 'del', key: sentKey(hash) })
          if (pending !== undefined && pending.epoch === this.#group.epoch + 1n) {
            this.#group.merge(pending)
            this.#pending.delete(own.intentId)
            mergedIntent = { intentId: own.intentId, pending }
            const intent = await getJson<IntentRecord>(client.store, intentKey(this.id, own.intentId))
            if (intent !== undefined) {
              operations.push({
                type: 'put',
                key: intentKey(this.id, own.intentId),
                value: jsonBytes({ ...intent, state: 'Committed' }),
              })
            }
            stored = await this.#transcript(record, client.inboxId, client.installationId, undefined)
          }
          // Otherwise the commit lost the epoch race: the intent loop rebuilds it.
        } else {
          let validated: ValidatedCommit | undefined
          const validator = xmtpCommitValidator(ctx.identity, (v) => {
            validated = v
          })
          const received = await this.#group.processMessage(record.data, validator)
          if (received.kind === 'application') {
            const x = this.#expiry()
            stored = {
              ...(x === undefined ? {} : { x }),
              id: toHex(received.messageId),
              s: received.sender.inboxId,
              i: toHex(received.sender.installationKey),
              t: record.createdNs.toString(),
              k: 'application',
              c: toHex(received.content),
              d: 'published',
              n: record.id.toString(),
              o: false,
            }
          } else {
            stored = await this.#transcript(
              record,
              received.committer.inboxId,
              toHex(received.committer.installationKey),
              validated,
            )
            if (received.selfRemoved) nextRecord.active = false
          }
        }
        await ctx.groups.save(this.#group)
        if (stored !== undefined) {
          const key = messageKey(this.id, record.id)
          operations.push({ type: 'put', key, value: messageRecordBytes(stored) })
          // The expiry index the cleaner walks (Conversations.deleteExpiredMessages).
          if (stored.x !== undefined) {
            operations.push({ type: 'put', key: expiryKey(stored.x, key), value: jsonBytes(key) })
          }
        }
        return { result: undefined, operations }
      })
    } catch (error) {
      // The batch did not land: reload the group as stored, so memory matches disk.
      await this.#reload()
      if (isBaseError(error) && error.retryable) throw error
      // A message we cannot apply (forged, wrong epoch, refused by the §7.3 rules) is skipped, as libxmtp
      // does; the cursor moves past it so the group keeps syncing.
      const skipped: ConversationRecord = { ...this.#record, cursor: record.id.toString() }
      await client.store.put(conversationKey(this.id), jsonBytes(skipped))
      this.#record = skipped
      return undefined
    }
    this.#record = nextRecord
    if (mergedIntent !== undefined) {
      this.#welcomesToSend.push({ ...mergedIntent, cursor: record.id })
    }
    return stored === undefined ? undefined : decodeMessageRecord(this.id, stored, ctx.registry)
  }

  async #transcript(
    record: GroupMessageRecord,
    inboxId: string,
    installationId: string,
    validated: ValidatedCommit | undefined,
  ): Promise<MessageRecord> {
    const update = emptyGroupUpdated(inboxId)
    if (validated !== undefined) {
      update.addedInboxes = validated.addedInboxes.map((id) => ({ inboxId: id }))
      update.removedInboxes = validated.removedInboxes.map((id) => ({ inboxId: id }))
      update.metadataFieldChanges = validated.metadataDiff.fieldChanges.map((c) => ({
        fieldName: c.field,
        ...(c.oldValue === undefined ? {} : { oldValue: c.oldValue }),
        ...(c.newValue === undefined ? {} : { newValue: c.newValue }),
      }))
      update.addedAdminInboxes = validated.metadataDiff.adminsAdded.map((id) => ({ inboxId: id }))
      update.removedAdminInboxes = validated.metadataDiff.adminsRemoved.map((id) => ({ inboxId: id }))
      update.addedSuperAdminInboxes = validated.metadataDiff.superAdminsAdded.map((id) => ({ inboxId: id }))
      update.removedSuperAdminInboxes = validated.metadataDiff.superAdminsRemoved.map((id) => ({
        inboxId: id,
      }))
    }
    const encoded = await this.#ctx.registry.encodeBytes(update, ContentTypeGroupUpdated)
    return {
      id: toHex(sha256(record.data)),
      s: inboxId,
      i: installationId,
      t: record.createdNs.toString(),
      k: 'membershipChange',
      c: toHex(encoded),
      d: 'published',
      n: record.id.toString(),
      o: inboxId === this.#ctx.client.inboxId,
    }
  }

  async #reload(): Promise<void> {
    const group = await this.#ctx.groups.load(this.#group.groupId)
    if (group !== undefined) this.#group = group
    const record = await getJson<ConversationRecord>(this.#ctx.client.store, conversationKey(this.id))
    if (record !== undefined) this.#record = record
  }

  async #setIntentState(intentId: string, state: IntentState): Promise<void> {
    const key = intentKey(this.id, intentId)
    const intent = await getJson<IntentRecord>(this.#ctx.client.store, key)
    if (intent !== undefined) await this.#ctx.client.store.put(key, jsonBytes({ ...intent, state }))
  }

  /** The intents of this conversation (for inspection and tests). */
  async intents(): Promise<IntentRecord[]> {
    const out: IntentRecord[] = []
    for await (const [, value] of this.#ctx.client.store.entriesWithPrefix(`intent!${this.id}!`)) {
      out.push(JSON.parse(new TextDecoder().decode(value)) as IntentRecord)
    }
    return out
  }

  /**
   * Persists an intent, then builds, publishes and confirms its commit, rebuilding it when another commit
   * won the epoch (at most 3 publishes).
   */
  async runIntent(action: IntentAction): Promise<void> {
    const client = this.#ctx.client
    const intent: IntentRecord = { id: newLocalId(client), action, state: 'ToPublish', attempts: 0 }
    await client.store.put(intentKey(this.id, intent.id), jsonBytes(intent))
    let lastError: unknown
    while (intent.attempts < maxIntentAttempts) {
      intent.attempts++
      await this.sync()
      const commit = await this.#ctx.lock.run(async () => {
        const pending = await this.#build(action)
        const hash = toHex(sha256(pending.commit))
        this.#pending.set(intent.id, pending)
        const published: IntentRecord = { ...intent, state: 'Published', commitHash: hash }
        const sent: SentRecord = { kind: 'commit', intentId: intent.id }
        await client.store.batch([
          { type: 'put', key: intentKey(this.id, intent.id), value: jsonBytes(published) },
          { type: 'put', key: sentKey(hash), value: jsonBytes(sent) },
        ])
        return pending.commit
      })
      try {
        await client.api.sendGroupMessages([{ data: commit }])
      } catch (error) {
        lastError = error
        this.#pending.delete(intent.id)
        if (!(isBaseError(error) && error.retryable)) break
        continue
      }
      await this.sync()
      const state = (await getJson<IntentRecord>(client.store, intentKey(this.id, intent.id)))?.state
      if (state === 'Processed' || state === 'Committed') return
      this.#pending.delete(intent.id)
    }
    await this.#setIntentState(intent.id, 'Error')
    throw new ClientError('Client::CommitFailed', `the ${action.kind} commit did not land`, {
      ...(lastError === undefined ? {} : { cause: lastError }),
    })
  }

  async #build(action: IntentAction): Promise<PendingCommit> {
    const group = this.#group
    const client = this.#ctx.client
    switch (action.kind) {
      case 'keyUpdate':
        return group.selfUpdate()
      case 'updateMetadata':
      case 'admin': {
        const meta = this.#mutableMetadata()
        const next =
          action.kind === 'updateMetadata'
            ? applyMutableMetadataChange(meta, {
                type: 'setAttribute',
                field: action.field,
                value: action.value,
              })
            : applyMutableMetadataChange(meta, { type: action.change, inboxId: action.inboxId })
        return group.commit({
          extensions: replaceExtension(group.extensions(), {
            extensionType: ExtensionType.MutableMetadata,
            extensionData: encodeMutableMetadata(next),
          }),
        })
      }
      case 'addMembers': {
        const inboxIds = [...new Set([...action.inboxIds, client.inboxId])]
        await client.inboxes.refresh(inboxIds)
        const inTree = new Set(group.members().map((m) => toHex(m.installationKey)))
        const membership = this.#membership()
        const members = new Map(membership.members)
        const wanted: { inboxId: string; key: Uint8Array }[] = []
        for (const inboxId of inboxIds) {
          const latest = await client.inboxes.latestSequenceId(inboxId)
          if (latest === undefined) {
            throw new ClientError('Client::MemberUnreachable', `inbox ${inboxId} is not registered`)
          }
          members.set(inboxId, latest)
          for (const key of await client.inboxes.installations(inboxId)) {
            if (!inTree.has(toHex(key))) wanted.push({ inboxId, key })
          }
        }
        const packages = await client.api.fetchKeyPackages(wanted.map((w) => w.key))
        const add: Uint8Array[] = []
        const addedInboxes = new Set<string>()
        const failed: Uint8Array[] = [...membership.failedInstallations]
        const nowSeconds = Math.floor(client.now() / 1000)
        for (const [i, w] of wanted.entries()) {
          const bytes = packages[i] ?? new Uint8Array(0)
          const valid =
            bytes.length === 0
              ? undefined
              : await validateKeyPackage(bytes, { now: nowSeconds }).catch(() => undefined)
          // §3.3: the key package must be the installation's own, for the inbox it claims.
          if (
            valid !== undefined &&
            valid.inboxId === w.inboxId &&
            equalBytes(valid.installationKey, w.key)
          ) {
            add.push(bytes)
            addedInboxes.add(w.inboxId)
          } else failed.push(w.key)
        }
        for (const inboxId of action.inboxIds) {
          if (inboxId === client.inboxId) continue
          const alreadyIn = group.members().some((m) => m.inboxId === inboxId)
          if (!alreadyIn && !addedInboxes.has(inboxId)) {
            throw new ClientError('Client::MemberUnreachable', `no valid key package for inbox ${inboxId}`)
          }
        }
        return group.commit({
          add,
          extensions: replaceExtension(group.extensions(), {
            extensionType: ExtensionType.GroupMembership,
            extensionData: encodeGroupMembership({ members, failedInstallations: failed }),
          }),
          now: nowSeconds,
        })
      }
      case 'removeMembers': {
        const removing = new Set(action.inboxIds)
        if (removing.has(client.inboxId)) {
          throw new ClientError('Client::InvalidArgument', 'use leave() to leave a group')
        }
        const membership = this.#membership()
        const members = new Map(membership.members)
        for (const id of removing) members.delete(id)
        const remove = group
          .members()
          .filter((m) => removing.has(m.inboxId))
          .map((m) => m.installationKey)
        if (remove.length === 0)
          throw new ClientError('Client::InvalidArgument', 'none of these inboxes is a member')
        return group.commit({
          remove,
          extensions: replaceExtension(group.extensions(), {
            extensionType: ExtensionType.GroupMembership,
            extensionData: encodeGroupMembership({
              members,
              failedInstallations: membership.failedInstallations,
            }),
          }),
        })
      }
    }
  }

  /** Adds inboxes (all their installations) in one commit, with the membership extension (§7.1). */
  addMembers(inboxIds: readonly string[]): Promise<void> {
    return this.runIntent({ kind: 'addMembers', inboxIds })
  }

  /** Removes inboxes (all their installations) in one commit. */
  removeMembers(inboxIds: readonly string[]): Promise<void> {
    return this.runIntent({ kind: 'removeMembers', inboxIds })
  }

  updateName(name: string): Promise<void> {
    return this.runIntent({ kind: 'updateMetadata', field: MetadataField.GroupName, value: name })
  }

  updateDescription(description: string): Promise<void> {
    return this.runIntent({ kind: 'updateMetadata', field: MetadataField.Description, value: description })
  }

  updateImageUrl(url: string): Promise<void> {
    return this.runIntent({ kind: 'updateMetadata', field: MetadataField.GroupImageUrlSquare, value: url })
  }

  addAdmin(inboxId: string): Promise<void> {
    return this.runIntent({ kind: 'admin', change: 'addAdmin', inboxId })
  }

  removeAdmin(inboxId: string): Promise<void> {
    return this.runIntent({ kind: 'admin', change: 'removeAdmin', inboxId })
  }

  addSuperAdmin(inboxId: string): Promise<void> {
    return this.runIntent({ kind: 'admin', change: 'addSuperAdmin', inboxId })
  }

  removeSuperAdmin(inboxId: string): Promise<void> {
    return this.runIntent({ kind: 'admin', change: 'removeSuperAdmin', inboxId })
  }

  /** A key-update commit: fresh leaf keys (post-compromise security). */
  updateKeys(): Promise<void> {
    return this.runIntent({ kind: 'keyUpdate' })
  }

  /** The group id as bytes. */
  get groupId(): Uint8Array {
    return fromHex(this.id)
  }
}
