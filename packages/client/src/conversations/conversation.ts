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
 *
 * Crash safety: the staged commit (the post-commit group state, as libxmtp keeps the StagedCommit on the
 * intent, §7.2) is written with the Published intent, in one batch, before the commit is sent. Whatever
 * point a process dies at, the next sync of the conversation resumes from disk: a commit of ours found on
 * the group topic is merged from its stored state (never dropped, which would fork us from the members who
 * merged it); one that lost the epoch race is dropped and the intent rebuilt; one that never reached the
 * node is sent again; a merged commit whose welcomes were not sent yet sends them.
 * @module
 */
import { equalBytes, fromHex, isBaseError, sha256, toHex } from '@xmtp-lite/common'
import {
  type ContentCodecRegistry,
  type ContentTypeIdFields,
  decodeEncodedContent,
} from '@xmtp-lite/content-types'
import { ContentTypeGroupUpdated, emptyGroupUpdated } from '@xmtp-lite/content-types/group-updated'
import { ContentTypeLeaveRequest } from '@xmtp-lite/content-types/leave-request'
import { ContentTypeText } from '@xmtp-lite/content-types/text'
import { installationKeys, type PublicIdentifier } from '@xmtp-lite/identity'
import {
  applyMutableMetadataChange,
  calculateMessageId,
  type DisappearingSettings,
  decodeGroupMembership,
  decodeGroupPermissions,
  decodeMutableMetadata,
  decodePendingCommit,
  detectPolicyPreset,
  disappearingSettings,
  ExtensionType,
  encodeGroupMembership,
  encodeGroupPermissions,
  encodeMutableMetadata,
  encodePendingCommit,
  type GroupMembership,
  type GroupMutableMetadata,
  type GroupStore,
  type IdentityPort,
  MetadataField,
  type MlsGroup,
  messageEpoch,
  type PendingCommit,
  type PolicyPreset,
  type PolicySet,
  type PolicyUpdate,
  replaceExtension,
  updatePolicySet,
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
  type DeliveryStatus,
  decodeMessageRecord,
  expiryKey,
  isExpired,
  type MessageKind,
  type MessageRecord,
  messageKey,
  messageRecordBytes,
} from './messages.ts'
import type { TransactionalMlsStorage } from './mlsStorage.ts'
import { Mutex } from './mutex.ts'
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
  /**
   * When members' installations were last compared with their identity states (client clock, ms);
   * absent: counted from `createdAtNs` (the creator or the committer that welcomed us had just checked).
   */
  installationsCheckedAt?: number
  /**
   * Set once a LeaveRequest of our inbox was read (sent by this or another of our installations): libxmtp's
   * membership state PendingRemove. We stay a member until a super admin commits the removal.
   */
  pendingRemove?: boolean
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
  /** Replace one slot of the group's permission policies (0xff02, mls-groups.md §4.7, §7.2). */
  | { readonly kind: 'updatePermission'; readonly update: PolicyUpdate }
  /** Bring every member inbox to its latest identity state: add new installations, remove revoked ones (§7.1). */
  | { readonly kind: 'updateInstallations' }
  /**
   * Remove the members on the pending-remove list (they sent a LeaveRequest), as libxmtp's
   * `remove_members_pending_removal`. Resolved when built: nothing to commit once they are gone.
   */
  | { readonly kind: 'removeLeavers' }

/** A stored intent. */
export interface IntentRecord {
  id: string
  action: IntentAction
  state: IntentState
  /** Commits built so far (at most 3). */
  attempts: number
  /** SHA-256 (hex) of the commit of the current attempt; its staged state is at `staged!<hash>`. */
  commitHash?: string
  /** The epoch the current attempt was built on. */
  baseEpoch?: string
  /** Once Committed: the commit's cursor and the welcomes still to send (§5.1, §8.2 post_commit). */
  post?: { cursor: string; welcome?: string; added: { installationKey: string; initKey: string }[] }
}

/**
 * Which stored messages {@link Conversation.messages} returns, in store order (published ones by node
 * order, then our unpublished ones); the filters combine, `limit` counts what passes them.
 */
export interface MessageListOptions {
  readonly limit?: number
  readonly direction?: 'ascending' | 'descending'
  /** Only these content types (authority and type id; any version). */
  readonly contentTypes?: readonly ContentTypeIdFields[]
  /** Only messages sent strictly after / before these times (ns; node time, local time while unpublished). */
  readonly sentAfterNs?: bigint
  readonly sentBeforeNs?: bigint
  readonly deliveryStatus?: DeliveryStatus
  /** Application messages or commit transcripts. */
  readonly kind?: MessageKind
}

/** The steps of an intent where {@link ClientHooks.onIntentStep} is called. */
export type IntentStep =
  /** The intent is Published and its staged commit stored; the commit is not sent yet. */
  | 'staged'
  /** The node accepted the commit; it is not read back yet. */
  | 'published'
  /** The commit was read back and merged; its welcomes are not sent yet. */
  | 'committed'

/**
 * A group subscription watching this conversation's topic (stream.ts). The node streams every message of
 * the topic after the subscription's `afterId`, in id order, with no gap and no duplicate
 * (v3-node-api-and-identity.md §3.7), which is what lets a send skip its sync (see `#keptCurrent`).
 */
export interface TopicWatch {
  /** The id of the last message the subscription delivered for this group; its `afterId` at first. */
  delivered: bigint
  /** Set by the stream once the node confirmed the subscription (response headers). */
  opened: boolean
  /** Set once a full sync whose query went out after `opened` completed. */
  caughtUp: boolean
}

/**
 * What we know about bytes we published (`sent!<sha256>`): an application message of ours (`key`: its
 * unpublished record), a copy of one sent again in a newer epoch (`key`: the original's unpublished record
 * key, which names it while it is being sent), or a commit.
 */
/** A send the node did not take (the transport error is its cause). */
class PublishFailed extends Error {
  override readonly cause: unknown
  constructor(cause: unknown) {
    super('publish failed')
    this.cause = cause
  }
}

type SentRecord =
  | { kind: 'app'; key: string }
  | { kind: 'resent'; key: string }
  | { kind: 'commit'; intentId: string }

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
/**
 * Failed publish attempts after which a prepared message becomes `failed` (as an intent after 3 attempts,
 * libxmtp `MAX_INTENT_PUBLISH_ATTEMPTS`).
 */
const maxPublishAttempts = 3
const conversationKey = (id: string) => `conv!${id}`
const intentKey = (conversationId: string, intentId: string) => `intent!${conversationId}!${intentId}`
const sentKey = (hash: string) => `sent!${hash}`
const stagedKey = (hash: string) => `staged!${hash}`
/** Intents not finished yet (ToPublish, Published, Committed), so a sync finds them without a scan. */
const openKey = (conversationId: string, intentId: string) => `open!${conversationId}!${intentId}`
/**
 * `mid!<group>!<message id>`: the application messages held, by XMTP message id, so a copy sent again
 * (same idempotency key and content, so the same id) is stored once (mls-groups.md §8.5, libxmtp's
 * `store_or_ignore`).
 */
const messageIdKey = (conversationId: string, messageId: string) => `mid!${conversationId}!${messageId}`
/**
 * `leave!<group>!<inbox id>` → the LeaveRequest's message id: the group's pending-remove list, local to
 * each installation as libxmtp's `pending_remove` table (group_id, inbox_id, message_id). An entry is
 * dropped once its inbox is no longer a member.
 */
const leaveKey = (conversationId: string, inboxId: string) => `leave!${conversationId}!${inboxId}`

/** libxmtp matches a LeaveRequest by its content type id's type id alone (xmtp_content_types `ContentType`). */
function isLeaveRequest(encoded: Uint8Array): boolean {
  try {
    return decodeEncodedContent(encoded).type.typeId === ContentTypeLeaveRequest.typeId
  } catch {
    return false
  }
}
/** How many times a send puts its message out again after reading it back behind the group's epoch. */
const maxResends = 3
/** libxmtp checks members' installations before a send at most every 5 s (SEND_MESSAGE_UPDATE_INSTALLATIONS_INTERVAL_NS). */
const installationsCheckIntervalMs = 5_000
/**
 * libxmtp also checks them when a group syncs, at most every 30 min (SYNC_UPDATE_INSTALLATIONS_INTERVAL_NS,
 * `maybe_update_installations` after `sync_with_conn` and in `sync_all_groups`).
 */
export const syncInstallationsCheckIntervalMs = 30 * 60_000

let lastLocalIdMs = -1
let localIdsInMs = 0

/**
 * A local id (intents, and the idempotency key of our messages): time, then a counter within the same
 * millisecond, so ids made one after the other sort in that order (prepared messages publish in it), then
 * random bytes.
 */
function newLocalId(client: Client): string {
  const ms = client.now()
  if (ms === lastLocalIdMs) localIdsInMs++
  else {
    lastLocalIdMs = ms
    localIdsInMs = 0
  }
  return `${ms.toString().padStart(15, '0')}-${localIdsInMs.toString().padStart(6, '0')}-${toHex(crypto.getRandomValues(new Uint8Array(6)))}`
}

/** Our own application message as stored before the node has it: sent now by this installation, unpublished. */
function unpublishedRecord(client: Client, id: string, encoded: Uint8Array): MessageRecord {
  return {
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
  /** Staged commits of ours by hash, as built in this process (the store has them too). */
  readonly #staged = new Map<string, PendingCommit>()
  /** Intents this object is driving now (others found open on disk are resumed by a sync). */
  readonly #driving = new Set<string>()
  /** When members' installations were last compared with their identity state (client clock). */
  #installationsCheckedAt = Number.NEGATIVE_INFINITY
  /** The open subscriptions of this process watching this conversation's topic. */
  readonly #watches = new Set<TopicWatch>()
  /** Our messages being sent now, by unpublished record key. */
  readonly #sending = new Set<string>()
  /** Those of them read back in an epoch the group had already left. */
  readonly #behind = new Set<string>()
  /** One `publishMessages` at a time, so prepared messages go out once each and in order. */
  readonly #publishLock = new Mutex()

  constructor(ctx: ConversationContext, record: ConversationRecord, group: MlsGroup) {
    this.#ctx = ctx
    this.#record = record
    this.#group = group
  }

  static {
    adoptConversationState = (conversation, record, group) => {
      conversation.#record = record
      conversation.#group = group
      conversation.#staged.clear()
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

  /**
   * The group's permission policies (0xff02) and the preset they match: `default`, `adminsOnly`, or
   * `custom` (mls-groups.md §4.7).
   */
  get permissions(): { readonly preset: PolicyPreset; readonly policies: PolicySet } {
    const data = this.#group.extension(ExtensionType.GroupPermissions)
    if (data === undefined) throw new ClientError('Client::InvalidArgument', 'this group has no permissions')
    const policies = decodeGroupPermissions(data)
    return { preset: detectPolicyPreset(policies), policies }
  }

  /**
   * Changes one permission policy (who may add or remove members, add or remove admins, change a metadata
   * field, or change the permissions): one commit replacing the permissions extension (libxmtp
   * `update_permission_policy`). By default only super admins may.
   * @throws {ClientError} `Client::ChangeNotAllowed` when the group's rules refuse it from us;
   * `Client::InvalidArgument` for a malformed policy.
   */
  updatePermission(update: PolicyUpdate): Promise<void> {
    try {
      updatePolicySet(this.permissions.policies, update)
    } catch (cause) {
      return Promise.reject(new ClientError('Client::InvalidArgument', 'malformed policy', { cause }))
    }
    return this.runIntent({ kind: 'updatePermission', update })
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
    this.#ctx.client.assertNotRevoked()
    const encoded = await this.#ctx.registry.encodeBytes(content, contentType)
    return this.#sendEncoded(encoded)
  }

  /**
   * Sends `EncodedContent` bytes as given (content encoded by the caller, not through the registry);
   * preference sync sends its sync-group messages this way.
   */
  sendEncodedContent(encoded: Uint8Array): Promise<string> {
    this.#ctx.client.assertNotRevoked()
    return this.#sendEncoded(encoded)
  }

  /** Sends a text message. */
  sendText(text: string): Promise<string> {
    return this.send(text, ContentTypeText)
  }

  async #sendEncoded(encoded: Uint8Array): Promise<string> {
    const client = this.#ctx.client
    if (this.isActive) await this.#beforeSend()
    const localId = newLocalId(client)
    const key = messageKey(this.id, 0n, localId)
    const id = await this.#publish(key, localId, encoded, () => unpublishedRecord(client, '', encoded)).catch(
      async (error: unknown) => {
        if (error instanceof PublishFailed) {
          await this.#markFailed(localId)
          throw error.cause
        }
        throw error
      },
    )
    this.#ctx.onSent?.(this)
    return id
  }

  /**
   * Encrypts a message of ours in the current epoch and sends it, then reads it back (which stores it as
   * published). `fresh` gives the unpublished record to store with the ciphertext (a plain send); without
   * it the record is already stored (a prepared message). A failed send throws {@link PublishFailed}.
   */
  async #publish(
    key: string,
    localId: string,
    encoded: Uint8Array,
    fresh: (() => MessageRecord) | undefined,
  ): Promise<string> {
    const client = this.#ctx.client
    const { message, id } = await this.#ctx.lock.run(async () => {
      if (!this.isActive) throw new ClientError('Client::InvalidArgument', 'this conversation is not active')
      return this.#ctx.mlsStorage.transaction(async () => {
        const sent = await this.#group.sendMessage(encoded, localId)
        await this.#ctx.groups.save(this.#group)
        const id = toHex(sent.messageId)
        const sentRecord: SentRecord = { kind: 'app', key }
        const operations: StoreOperation[] = [
          { type: 'put', key: sentKey(toHex(sha256(sent.message))), value: jsonBytes(sentRecord) },
        ]
        if (fresh !== undefined)
          operations.push({ type: 'put', key, value: messageRecordBytes({ ...fresh(), id }) })
        return { result: { message: sent.message, id }, operations }
      })
    })
    this.#sending.add(key)
    try {
      try {
        await client.api.sendGroupMessages([{ data: message }])
      } catch (error) {
        throw new PublishFailed(error)
      }
      await this.sync()
      await this.#sendAgainIfBehind(key, encoded, localId)
    } finally {
      this.#sending.delete(key)
      this.#behind.delete(key)
    }
    return id
  }

  /**
   * Stores a message of ours locally, unpublished, without sending it (optimistic send; libxmtp
   * `send_optimistic`, the official SDK's `send(content, { isOptimistic: true })`): it is listed by
   * `messages()` at once, and {@link publishMessages} sends it later. Returns its XMTP message id (§6.1),
   * which stays the same once published.
   */
  async prepareMessage(
    content: unknown,
    contentType: ContentTypeIdFields = ContentTypeText,
  ): Promise<string> {
    const client = this.#ctx.client
    client.assertNotRevoked()
    if (!this.isActive) throw new ClientError('Client::InvalidArgument', 'this conversation is not active')
    const encoded = await this.#ctx.registry.encodeBytes(content, contentType)
    const localId = newLocalId(client)
    const id = toHex(await calculateMessageId(this.#group.groupId, localId, encoded))
    const record: MessageRecord = { ...unpublishedRecord(client, id, encoded), p: 0 }
    await client.store.put(messageKey(this.id, 0n, localId), messageRecordBytes(record))
    return id
  }

  /**
   * Publishes the prepared messages still unpublished, oldest first (the official SDK's `publishMessages`).
   * Each becomes `published` once read back. When the node cannot be reached the message stays
   * `unpublished` (a later call sends it again) until its 3rd failed attempt, when it becomes `failed` and
   * is not sent any more; the first failure stops the call (later messages keep their order) and is thrown.
   * A message published twice (the node took it but the answer was lost) has the same id and is stored
   * once by every member (§8.5).
   */
  async publishMessages(): Promise<void> {
    const client = this.#ctx.client
    client.assertNotRevoked()
    await this.#publishLock.run(async () => {
      const prepared: { key: string; record: MessageRecord }[] = []
      for await (const [key, value] of client.store.entriesWithPrefix(`msg!${this.id}!~`)) {
        const record = JSON.parse(new TextDecoder().decode(value)) as MessageRecord
        if (record.p !== undefined && record.d === 'unpublished') prepared.push({ key, record })
      }
      if (prepared.length === 0) return
      let first = true
      for (const { key, record } of prepared) {
        const localId = key.slice(key.indexOf('!~') + 2)
        try {
          // The pre-send sync reaches the node first: its failure is this message's failed attempt too.
          if (first && this.isActive)
            await this.#beforeSend().catch((e: unknown) => Promise.reject(new PublishFailed(e)))
          first = false
          await this.#publish(key, localId, fromHex(record.c), undefined)
        } catch (error) {
          if (!(error instanceof PublishFailed)) throw error
          const current = await getJson<MessageRecord>(client.store, key)
          if (current !== undefined && current.d === 'unpublished') {
            const attempts = (current.p ?? 0) + 1
            await client.store.put(
              key,
              messageRecordBytes({
                ...current,
                p: attempts,
                d: attempts >= maxPublishAttempts ? 'failed' : 'unpublished',
              }),
            )
          }
          throw error.cause
        }
      }
      this.#ctx.onSent?.(this)
    })
  }

  /**
   * Our message, read back, came after a commit we had not merged when we encrypted it: every member
   * reads it from a past epoch. libxmtp re-sends its own at 3 or more epochs behind, where nobody can
   * decrypt it any more (mls-groups.md §8.4). We re-send from 1: libxmtp 1.9.1 members also drop a message
   * 1 or 2 epochs old whose sender's leaf lies above a blank leaf (its OpenMLS looks past-epoch senders up
   * by position among the non-blank leaves, fixed upstream in OpenMLS #1944; tools/interop
   * mixedPastEpoch). The copy has the same idempotency key and content, so the same message id, and every
   * member that read the first one stores it once (§8.5). A send that cannot go out again keeps the first.
   */
  async #sendAgainIfBehind(key: string, encoded: Uint8Array, localId: string): Promise<void> {
    for (let attempt = 0; attempt < maxResends && this.#behind.has(key) && this.isActive; attempt++) {
      this.#behind.delete(key)
      const again = await this.#ctx.lock.run(() =>
        this.#ctx.mlsStorage.transaction(async () => {
          const sent = await this.#group.sendMessage(encoded, localId)
          await this.#ctx.groups.save(this.#group)
          const record: SentRecord = { kind: 'resent', key }
          return {
            result: sent.message,
            operations: [
              { type: 'put', key: sentKey(toHex(sha256(sent.message))), value: jsonBytes(record) },
            ],
          }
        }),
      )
      try {
        await this.#ctx.client.api.sendGroupMessages([{ data: again }])
      } catch {
        break
      }
      await this.sync()
    }
  }

  async #markFailed(localId: string): Promise<void> {
    const key = messageKey(this.id, 0n, localId)
    const record = await getJson<MessageRecord>(this.#ctx.client.store, key)
    if (record !== undefined)
      await this.#ctx.client.store.put(key, messageRecordBytes({ ...record, d: 'failed' }))
  }

  /** Stored messages, oldest first (published ones by node order, then our unpublished ones). */
  async messages(options: MessageListOptions = {}): Promise<DecodedMessage[]> {
    const out: DecodedMessage[] = []
    const reverse = options.direction === 'descending'
    // Expired messages are hidden at once, deleted by the next cleaning (§11).
    const nowNs = BigInt(this.#ctx.client.now()) * 1_000_000n
    const types = options.contentTypes
    for await (const [, value] of this.#ctx.client.store.entriesWithPrefix(`msg!${this.id}!`, { reverse })) {
      const record = JSON.parse(new TextDecoder().decode(value)) as MessageRecord
      if (isExpired(record, nowNs)) continue
      if (options.kind !== undefined && record.k !== options.kind) continue
      if (options.deliveryStatus !== undefined && record.d !== options.deliveryStatus) continue
      const sentAtNs = BigInt(record.t)
      if (options.sentAfterNs !== undefined && sentAtNs <= options.sentAfterNs) continue
      if (options.sentBeforeNs !== undefined && sentAtNs >= options.sentBeforeNs) continue
      const message = await decodeMessageRecord(this.id, record, this.#ctx.registry)
      // Same authority and type id, any version (the official SDK filters by content type kind).
      if (
        types !== undefined &&
        !types.some(
          (t) => t.authorityId === message.contentType.authorityId && t.typeId === message.contentType.typeId,
        )
      ) {
        continue
      }
      out.push(message)
      if (options.limit !== undefined && out.length >= options.limit) break
    }
    return out
  }

  /**
   * Reads and applies everything the node has after the cursor, sends the welcomes of merged commits of
   * ours, and resumes intents a previous process left unfinished; returns the messages it stored.
   * @throws {ClientError} on transport failures (retryable), leaving the cursor at the last applied message.
   */
  async sync(): Promise<DecodedMessage[]> {
    const stored = await this.#receive()
    await this.#postCommits()
    await this.#resumeIntents()
    // Its outcome is in the intent record; a sync does not fail for it (retried at the next read).
    await this.#removeLeavers().catch(() => undefined)
    // A failed check (an unreachable node, a lost race three times) is retried at a later sync; the intent
    // records its outcome, and reading must not fail for it.
    await this.checkInstallationsIfDue().catch(() => undefined)
    return stored
  }

  /** Whether the 30-minute installation check of a sync is due (active conversations only). */
  get installationsCheckDue(): boolean {
    if (!this.isActive || this.#ctx.client.isRevoked) return false
    const stored =
      this.#record.installationsCheckedAt ?? Number(BigInt(this.#record.createdAtNs) / 1_000_000n)
    const last = Math.max(stored, this.#installationsCheckedAt)
    return this.#ctx.client.now() - last >= syncInstallationsCheckIntervalMs
  }

  /**
   * The installation check of a sync (libxmtp `maybe_update_installations`): when 30 min passed since the
   * last one, reads the members' identity logs (skipped with `refreshed`, when the caller just read them
   * for many conversations in one request) and commits only when an inbox moved past the sequence id the
   * group records for it. Returns whether a membership commit was made.
   */
  async checkInstallationsIfDue(options: { readonly refreshed?: boolean } = {}): Promise<boolean> {
    if (!this.installationsCheckDue) return false
    const client = this.#ctx.client
    const membership = this.#membership().members
    const inboxIds = [...membership.keys()]
    if (options.refreshed !== true) await client.inboxes.refresh(inboxIds)
    let changed = false
    for (const [inboxId, recorded] of membership) {
      const latest = await client.inboxes.latestSequenceId(inboxId)
      if (latest !== undefined && latest > recorded) changed = true
    }
    if (changed) await this.updateInstallations()
    const now = client.now()
    this.#installationsCheckedAt = now
    await this.#ctx.lock.run(async () => {
      this.#record = { ...this.#record, installationsCheckedAt: now }
      await client.store.put(conversationKey(this.id), jsonBytes(this.#record))
    })
    return changed
  }

  /** The inbox ids the group's membership extension lists. */
  memberInboxIds(): string[] {
    return [...this.#membership().members.keys()]
  }

  /**
   * What a send does first (§8.2: encrypt in the group's current epoch). A message made in an epoch the
   * others left more than 3 epochs ago (max_past_epochs, §4.2) no longer decrypts for them ("Generation is
   * too old", found by the mixed soak), and libxmtp 1.9.1 drops even a 1-epoch-old one above a blank leaf.
   * So the conversation is synced first, unless an open stream keeps it current (`#keptCurrent`); a message
   * that a commit overtakes all the same is sent again once read back (`#sendAgainIfBehind`). And at most every 5 s, as libxmtp (SEND_MESSAGE_UPDATE_INSTALLATIONS_INTERVAL_NS),
   * members' installations are compared with their identity state first: the identity read goes out
   * beside the sync (one round trip for both), and a commit is made only when an inbox changed.
   */
  async #beforeSend(): Promise<void> {
    const client = this.#ctx.client
    if (client.now() - this.#installationsCheckedAt < installationsCheckIntervalMs) {
      if (!this.#keptCurrent()) await this.sync()
      return
    }
    this.#installationsCheckedAt = client.now()
    // Always a real sync here, stream or not: a stream that stalls without failing cannot keep a sender
    // in an old epoch for more than one interval.
    const before = this.#memberInboxes()
    await Promise.all([this.sync(), client.inboxes.refresh(before)])
    const now = this.#memberInboxes()
    const unseen = now.filter((id) => !before.includes(id))
    if (unseen.length > 0) await client.inboxes.refresh(unseen)
    if (await this.#installationsChanged(now)) await this.runIntent({ kind: 'updateInstallations' })
  }

  /** The member inboxes of the membership extension, and ours. */
  #memberInboxes(): string[] {
    return [...new Set([...this.#membership().members.keys(), this.#ctx.client.inboxId])]
  }

  /**
   * Whether an `updateInstallations` commit would change anything: exactly when an inbox's latest
   * (refreshed) sequence id is above the one the membership extension records (`#membershipCommit`).
   */
  async #installationsChanged(inboxIds: readonly string[]): Promise<boolean> {
    const membership = this.#membership()
    for (const inboxId of inboxIds) {
      const latest = await this.#ctx.client.inboxes.latestSequenceId(inboxId)
      if (latest === undefined) continue
      const old = membership.members.get(inboxId)
      if (old === undefined || latest > old) return true
    }
    return false
  }

  /**
   * True when an open subscription has kept this conversation current, so a send need not sync first:
   * a sync whose query went out after the subscription opened has completed (everything the node had then
   * is applied), and every message the subscription delivered since is applied too (the cursor reached
   * it; a message still waiting for the lock keeps the cursor below). Whatever the node stored after
   * that query and has not streamed yet is in flight; a sync has the same race (whatever lands between
   * its query and our publish), and a message made one or two epochs behind still decrypts for the
   * others (max_past_epochs = 3, §4.2). A commit of ours in flight is read back by its own intent.
   */
  #keptCurrent(): boolean {
    for (const watch of this.#watches) {
      if (watch.caughtUp && this.cursor >= watch.delivered) return true
    }
    return false
  }

  /**
   * Registers an open group subscription on this conversation's topic from `afterId`; package-internal
   * (stream.ts). `unwatch` it when the subscription ends, fails or is cancelled.
   */
  watch(afterId: bigint): TopicWatch {
    const watch: TopicWatch = { delivered: afterId, opened: false, caughtUp: false }
    this.#watches.add(watch)
    return watch
  }

  unwatch(watch: TopicWatch): void {
    this.#watches.delete(watch)
  }

  /**
   * A message a group subscription delivered, applied without reading the topic again when nothing can
   * be missing before it: the subscription delivers the topic in id order with no gap (§3.7), so when the
   * cursor has reached `previous` (the message the subscription delivered before this one, or its
   * `afterId`), this is the next message after the cursor. Otherwise (a message before it failed to
   * apply, or the cursor is behind for any reason) it is a full sync. Package-internal (stream.ts).
   */
  async receiveStreamed(record: GroupMessageRecord, previous: bigint): Promise<DecodedMessage[]> {
    const stored = await this.#ctx.lock.run(async () => {
      if (!this.isActive || record.id <= this.cursor) return []
      if (this.cursor < previous || !equalBytes(record.groupId, this.#group.groupId)) {
        return this.#receiveLocked()
      }
      const message = await this.#processOne(record)
      return message === undefined ? [] : [message]
    })
    if (stored.length > 0) this.#ctx.onMessages(stored)
    // What sync() does after reading (its installation check included).
    await this.#postCommits()
    await this.#resumeIntents()
    await this.#removeLeavers().catch(() => undefined)
    await this.checkInstallationsIfDue().catch(() => undefined)
    return stored
  }

  /** Reads and applies what the node has after the cursor (§8.2 receive). */
  async #receive(): Promise<DecodedMessage[]> {
    const stored = await this.#ctx.lock.run(() => this.#receiveLocked())
    if (stored.length > 0) this.#ctx.onMessages(stored)
    return stored
  }

  /** {@link #receive} inside the lock; the caller reports the stored messages. */
  async #receiveLocked(): Promise<DecodedMessage[]> {
    // §8.2 step 1: a group this installation was removed from is not synced any more, so nothing the
    // topic carries after the removing commit is read (messages other members sent before they saw it
    // would still decrypt in the old epoch).
    if (!this.isActive) return []
    // The subscriptions open before the query goes out: once it is applied, they have kept us current.
    const opened = [...this.#watches].filter((w) => w.opened)
    const records = await this.#ctx.client.api.queryGroupMessages(this.#group.groupId, this.cursor)
    const out: DecodedMessage[] = []
    for (const record of records) {
      if (!this.isActive) break
      if (record.id <= this.cursor) continue
      const message = await this.#processOne(record)
      if (message !== undefined) out.push(message)
    }
    for (const watch of opened) watch.caughtUp = true
    return out
  }

  async #openIntents(): Promise<IntentRecord[]> {
    const out: IntentRecord[] = []
    for await (const [key] of this.#ctx.client.store.entriesWithPrefix(openKey(this.id, ''))) {
      const intent = await getJson<IntentRecord>(
        this.#ctx.client.store,
        intentKey(this.id, key.slice(openKey(this.id, '').length)),
      )
      if (intent !== undefined) out.push(intent)
    }
    return out
  }

  /** Whether an intent of this conversation is unfinished on disk (a sync resumes it). */
  async hasOpenIntents(): Promise<boolean> {
    for await (const _ of this.#ctx.client.store.entriesWithPrefix(openKey(this.id, ''), { limit: 1 })) {
      return true
    }
    return false
  }

  readonly #postLock = new Mutex()

  /**
   * §8.2 post_commit: the welcomes of our merged commits, sent once the commit is on the node (§5.1), with
   * the commit's cursor; then the intent is Processed. Runs again after a crash: the welcome is stored with
   * the Committed intent.
   */
  async #postCommits(): Promise<void> {
    await this.#postLock.run(async () => {
      const client = this.#ctx.client
      for (const intent of await this.#openIntents()) {
        if (intent.state !== 'Committed') continue
        await client.hooks.onIntentStep?.('committed', { conversationId: this.id, intentId: intent.id })
        const post = intent.post
        if (post?.welcome !== undefined && post.added.length > 0) {
          const welcome = fromHex(post.welcome)
          const cursor = BigInt(post.cursor)
          const wrapped = await Promise.all(
            post.added.map(async (a) => ({
              key: fromHex(a.installationKey),
              w: await wrapWelcome(welcome, fromHex(a.initKey), cursor),
            })),
          )
          await client.api.sendWelcomeMessages(
            wrapped.map(({ key, w }) => ({
              installationKey: key,
              data: w.data,
              hpkePublicKey: w.hpkePublicKey,
              wrapperAlgorithm: w.wrapperAlgorithm,
              welcomeMetadata: w.welcomeMetadata,
            })),
          )
        }
        await this.#finishIntent(intent, 'Processed')
      }
    })
  }

  /** Drives the open intents found on disk that nobody in this process is driving (a restart). */
  async #resumeIntents(): Promise<void> {
    for (const intent of await this.#openIntents()) {
      if (this.#driving.has(intent.id) || intent.state === 'Committed') continue
      // Its outcome is in the intent record (Processed or Error); a sync does not fail for it.
      await this.#drive(intent.id).catch(() => undefined)
    }
  }

  async #finishIntent(intent: IntentRecord, state: 'Processed' | 'Error'): Promise<void> {
    await this.#ctx.client.store.batch([
      { type: 'put', key: intentKey(this.id, intent.id), value: jsonBytes({ ...intent, state }) },
      { type: 'del', key: openKey(this.id, intent.id) },
    ])
  }

  /** A staged commit of ours by its hash: built in this process, or stored before a crash. */
  async #stagedCommit(hash: string): Promise<PendingCommit | undefined> {
    const cached = this.#staged.get(hash)
    if (cached !== undefined) return cached
    const bytes = await this.#ctx.client.store.get(stagedKey(hash))
    if (bytes === undefined) return undefined
    const pending = decodePendingCommit(bytes)
    this.#staged.set(hash, pending)
    return pending
  }

  async #processOne(record: GroupMessageRecord): Promise<DecodedMessage | undefined> {
    const ctx = this.#ctx
    const client = ctx.client
    const hash = toHex(sha256(record.data))
    const own = await getJson<SentRecord>(client.store, sentKey(hash))
    const nextRecord: ConversationRecord = { ...this.#record, cursor: record.id.toString() }
    let stored: MessageRecord | undefined
    try {
      await ctx.mlsStorage.transaction(async () => {
        const operations: StoreOperation[] = [
          { type: 'put', key: conversationKey(this.id), value: jsonBytes(nextRecord) },
        ]
        if (own?.kind === 'app' || own?.kind === 'resent') {
          // §8.4: a commit we had not merged when we encrypted this came first on the topic, so every member
          // reads it as a past-epoch message. The send puts it out again (see #sendEncoded).
          if (this.#sending.has(own.key) && messageEpoch(record.data) < this.#group.epoch) {
            this.#behind.add(own.key)
          }
        }
        if (own?.kind === 'resent') {
          operations.push({ type: 'del', key: sentKey(hash) })
        } else if (own?.kind === 'app') {
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
          // §8.3: our own commit is merged from its staged state, never processed. Whatever the intent's
          // state, a commit of ours that fits the epoch is merged: the other members merge it too.
          operations.push({ type: 'del', key: sentKey(hash) }, { type: 'del', key: stagedKey(hash) })
          const pending = await this.#stagedCommit(hash)
          this.#staged.delete(hash)
          if (pending !== undefined && pending.epoch === this.#group.epoch + 1n) {
            this.#group.merge(pending)
            const intent = await getJson<IntentRecord>(client.store, intentKey(this.id, own.intentId))
            if (intent !== undefined) {
              const committed: IntentRecord = {
                ...intent,
                state: 'Committed',
                post: {
                  cursor: record.id.toString(),
                  ...(pending.welcome === undefined ? {} : { welcome: toHex(pending.welcome) }),
                  added: pending.added.map((a) => ({
                    installationKey: toHex(a.installationKey),
                    initKey: toHex(a.initKey),
                  })),
                },
              }
              operations.push(
                { type: 'put', key: intentKey(this.id, own.intentId), value: jsonBytes(committed) },
                { type: 'put', key: openKey(this.id, own.intentId), value: jsonBytes(1) },
              )
            }
            stored = await this.#transcript(record, client.inboxId, client.installationId, undefined)
          }
          // Otherwise the commit lost the epoch race: nobody merges it, and the intent is rebuilt.
        } else {
          let validated: ValidatedCommit | undefined
          const validator = xmtpCommitValidator(ctx.identity, (v) => {
            validated = v
          })
          const received = await this.#group.processMessage(record.data, validator)
          const held =
            received.kind === 'application' &&
            (await client.store.get(messageIdKey(this.id, toHex(received.messageId)))) !== undefined
          if (held) {
            // A copy of a message we hold, sent again in a newer epoch (§8.5): applied, not stored twice.
          } else if (received.kind === 'application') {
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
              new Set((await this.#pendingRemoveList()).keys()),
            )
            if (received.selfRemoved) nextRecord.active = false
          }
        }
        await ctx.groups.save(this.#group)
        if (stored?.k === 'application' && isLeaveRequest(fromHex(stored.c))) {
          // mls_sync.rs `process_leave_request_message` (and `process_own_leave_request_message` for ours):
          // the sender goes on the pending-remove list; our own inbox's request sets PendingRemove.
          operations.push({ type: 'put', key: leaveKey(this.id, stored.s), value: jsonBytes(stored.id) })
          if (stored.s === client.inboxId) nextRecord.pendingRemove = true
        } else if (stored?.k === 'membershipChange') {
          // `clean_pending_remove_list`: inboxes no longer members leave the pending-remove list.
          const members = this.#membership().members
          for (const inboxId of (await this.#pendingRemoveList()).keys()) {
            if (!members.has(inboxId)) operations.push({ type: 'del', key: leaveKey(this.id, inboxId) })
          }
        }
        if (stored !== undefined) {
          const key = messageKey(this.id, record.id)
          operations.push({ type: 'put', key, value: messageRecordBytes(stored) })
          if (stored.k === 'application') {
            operations.push({ type: 'put', key: messageIdKey(this.id, stored.id), value: jsonBytes(key) })
          }
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
    return stored === undefined ? undefined : decodeMessageRecord(this.id, stored, ctx.registry)
  }

  async #transcript(
    record: GroupMessageRecord,
    inboxId: string,
    installationId: string,
    validated: ValidatedCommit | undefined,
    leavers: ReadonlySet<string> = new Set(),
  ): Promise<MessageRecord> {
    const update = emptyGroupUpdated(inboxId)
    if (validated !== undefined) {
      update.addedInboxes = validated.addedInboxes.map((id) => ({ inboxId: id }))
      // §6.3: a removed inbox on the pending-remove list (it sent a LeaveRequest) is reported as left.
      update.removedInboxes = validated.removedInboxes
        .filter((id) => !leavers.has(id))
        .map((id) => ({ inboxId: id }))
      update.leftInboxes = validated.removedInboxes
        .filter((id) => leavers.has(id))
        .map((id) => ({ inboxId: id }))
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

  async #intent(intentId: string): Promise<IntentRecord | undefined> {
    return getJson<IntentRecord>(this.#ctx.client.store, intentKey(this.id, intentId))
  }

  async #putIntent(intent: IntentRecord): Promise<void> {
    await this.#ctx.client.store.put(intentKey(this.id, intent.id), jsonBytes(intent))
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
   * won the epoch (at most 3 commits built).
   * @throws {ClientError} `Client::CommitFailed` when it did not land (the intent is in Error).
   */
  async runIntent(action: IntentAction): Promise<void> {
    const client = this.#ctx.client
    client.assertNotRevoked()
    const intent: IntentRecord = { id: newLocalId(client), action, state: 'ToPublish', attempts: 0 }
    await client.store.batch([
      { type: 'put', key: intentKey(this.id, intent.id), value: jsonBytes(intent) },
      { type: 'put', key: openKey(this.id, intent.id), value: jsonBytes(1) },
    ])
    await this.#drive(intent.id)
  }

  /**
   * The intent loop (§8.2, §8.4), from whatever state the intent is in on disk, so the same code runs a new
   * intent and resumes one after a crash.
   */
  async #drive(intentId: string): Promise<void> {
    const client = this.#ctx.client
    const step = (s: IntentStep) => client.hooks.onIntentStep?.(s, { conversationId: this.id, intentId })
    this.#driving.add(intentId)
    let lastError: unknown
    /** True right after this loop built and stored a commit: the group was just read, no need to again. */
    let fresh = false
    try {
      for (;;) {
        const intent = await this.#intent(intentId)
        if (intent === undefined || intent.state === 'Processed') return
        if (intent.state === 'Committed') {
          await this.#postCommits()
          return
        }
        if (intent.state === 'Error') {
          throw new ClientError('Client::CommitFailed', `the ${intent.action.kind} commit did not land`, {
            ...(lastError === undefined ? {} : { cause: lastError }),
          })
        }
        if (intent.state === 'Published') {
          // Read back first: the commit may be on the node already (sent before a crash).
          if (!fresh) await this.#receive()
          fresh = false
          const now = await this.#intent(intentId)
          if (now?.state !== 'Published') continue
          const pending = now.commitHash === undefined ? undefined : await this.#stagedCommit(now.commitHash)
          if (pending === undefined || this.epoch.toString() !== now.baseEpoch) {
            // Another commit won the epoch (§8.4): rebuild on the new state.
            await this.#putIntent({ ...now, state: 'ToPublish' })
            continue
          }
          try {
            await client.api.sendGroupMessages([{ data: pending.commit }])
          } catch (error) {
            lastError = error
            // §8.2: a send error goes back to ToPublish (rebuilt at the next attempt); the staged commit
            // stays, in case the node took it after all.
            if (isBaseError(error) && error.retryable) await this.#putIntent({ ...now, state: 'ToPublish' })
            else await this.#finishIntent(now, 'Error')
            continue
          }
          await step('published')
          await this.#receive()
          const after = await this.#intent(intentId)
          if (after?.state === 'Published' && this.epoch.toString() === after.baseEpoch) {
            // Accepted but not on the topic: count it as a failed attempt.
            await this.#putIntent({ ...after, state: 'ToPublish' })
          }
          continue
        }
        // ToPublish: build a commit on the current epoch and store it before it is sent.
        if (intent.attempts >= maxIntentAttempts) {
          await this.#finishIntent(intent, 'Error')
          continue
        }
        await this.#receive()
        let built: boolean
        try {
          built = await this.#ctx.lock.run(async () => {
            const pending = await this.#build(intent.action)
            if (pending === undefined) {
              // §8.2: nothing to change, no commit (and no record kept of it).
              await client.store.batch([
                { type: 'del', key: intentKey(this.id, intentId) },
                { type: 'del', key: openKey(this.id, intentId) },
              ])
              return false
            }
            const refused = await this.#refusal(pending)
            if (refused !== undefined) {
              throw new ClientError(
                'Client::ChangeNotAllowed',
                `the group's rules refuse this ${intent.action.kind}; nothing was published`,
                { cause: refused.error },
              )
            }
            const hash = toHex(sha256(pending.commit))
            const published: IntentRecord = {
              ...intent,
              state: 'Published',
              attempts: intent.attempts + 1,
              commitHash: hash,
              baseEpoch: this.epoch.toString(),
            }
            const sent: SentRecord = { kind: 'commit', intentId }
            await client.store.batch([
              { type: 'put', key: intentKey(this.id, intentId), value: jsonBytes(published) },
              { type: 'put', key: stagedKey(hash), value: encodePendingCommit(pending) },
              { type: 'put', key: sentKey(hash), value: jsonBytes(sent) },
            ])
            this.#staged.set(hash, pending)
            return true
          })
        } catch (error) {
          if (isBaseError(error) && error.retryable) {
            lastError = error
            await this.#putIntent({ ...intent, attempts: intent.attempts + 1 })
            continue
          }
          // A build that cannot succeed (no key package, not a member, ...) ends the intent.
          await this.#finishIntent(intent, 'Error')
          throw error
        }
        if (built) {
          fresh = true
          await step('staged')
        }
      }
    } finally {
      this.#driving.delete(intentId)
    }
  }

  /**
   * Our commit checked with the same §7.3 rules as everyone else's (permission policies, super-admin rules,
   * membership and identity). libxmtp checks its own commits after publishing them and drops them then
   * (mls-groups.md §8.3); checking before publishing keeps a refused change off the network. A failure
   * to look identities up stays retryable and is thrown.
   */
  async #refusal(pending: PendingCommit): Promise<{ readonly error: unknown } | undefined> {
    try {
      await xmtpCommitValidator(this.#ctx.identity)(this.#group.describeCommit(pending))
      return undefined
    } catch (error) {
      if (isBaseError(error) && error.retryable) throw error
      return { error }
    }
  }

  async #build(action: IntentAction): Promise<PendingCommit | undefined> {
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
      case 'updatePermission':
        return group.commit({
          extensions: replaceExtension(group.extensions(), {
            extensionType: ExtensionType.GroupPermissions,
            extensionData: encodeGroupPermissions(updatePolicySet(this.permissions.policies, action.update)),
          }),
        })
      case 'addMembers':
        return this.#membershipCommit(action.inboxIds, [])
      case 'removeMembers':
        if (action.inboxIds.includes(client.inboxId)) {
          throw new ClientError('Client::InvalidArgument', 'use leave() to leave a group')
        }
        if (!group.members().some((m) => action.inboxIds.includes(m.inboxId))) {
          throw new ClientError('Client::InvalidArgument', 'none of these inboxes is a member')
        }
        return this.#membershipCommit([], action.inboxIds)
      case 'updateInstallations':
        return this.#membershipCommit([], [])
      case 'removeLeavers': {
        const leavers = await this.#leaversToRemove()
        return leavers.length === 0 ? undefined : this.#membershipCommit([], leavers)
      }
    }
  }

  /** The group's pending-remove list: inbox id → the id of its LeaveRequest. */
  async #pendingRemoveList(): Promise<Map<string, string>> {
    const prefix = leaveKey(this.id, '')
    const out = new Map<string, string>()
    for await (const [key, value] of this.#ctx.client.store.entriesWithPrefix(prefix)) {
      out.set(key.slice(prefix.length), JSON.parse(new TextDecoder().decode(value)) as string)
    }
    return out
  }

  /**
   * The members a super admin of ours removes for their LeaveRequests (groups/mod.rs
   * `remove_members_pending_removal`): only a super admin acts, and not while our own inbox is on the list
   * (mls_sync.rs `process_admin_pending_remove_actions`); inboxes that are no longer members are skipped.
   */
  async #leaversToRemove(): Promise<string[]> {
    const client = this.#ctx.client
    if (!this.isActive || this.kind === 'dm') return []
    if (!this.#mutableMetadata().superAdminList.includes(client.inboxId)) return []
    const pending = await this.#pendingRemoveList()
    if (pending.size === 0 || pending.has(client.inboxId)) return []
    const members = this.#membership().members
    return [...pending.keys()].filter((id) => members.has(id)).sort()
  }

  /**
   * After a read: when we are a super admin and members asked to leave, commit their removal through an
   * intent (one open at a time; resolved at build time, so when several super admins race, the losers'
   * rebuilt intents find nobody left to remove and commit nothing). libxmtp runs it from its message
   * processing and a retrying task (`process_pending_self_removals`).
   */
  async #removeLeavers(): Promise<void> {
    if (this.#ctx.client.isRevoked) return
    if ((await this.#leaversToRemove()).length === 0) return
    for (const intent of await this.#openIntents()) {
      if (intent.action.kind === 'removeLeavers') return
    }
    await this.runIntent({ kind: 'removeLeavers' })
  }

  /** Inboxes that asked to leave and are still members, as this installation has read (libxmtp `pending_remove_list`). */
  async pendingRemoveInboxIds(): Promise<string[]> {
    const members = this.#membership().members
    return [...(await this.#pendingRemoveList()).keys()].filter((id) => members.has(id)).sort()
  }

  /** True once our inbox asked to leave and is not removed yet (libxmtp membership state PendingRemove). */
  get isPendingRemove(): boolean {
    return this.#record.pendingRemove === true && this.isActive
  }

  /**
   * Leaves the group as libxmtp 1.9 does (groups/mod.rs `leave_group`): sends a LeaveRequest
   * (`xmtp.org/leave_request:1.0`, no note) unless our inbox is already on the pending-remove list; a super
   * admin's client then commits the removal of all our installations. We stay a member until then.
   * @throws {ClientError} `Client::NotAGroupMember`, `Client::SingleMemberLeaveRejected`,
   * `Client::DmLeaveForbidden`, `Client::SuperAdminLeaveForbidden` (checked in libxmtp's order).
   */
  async leave(): Promise<void> {
    const client = this.#ctx.client
    client.assertNotRevoked()
    const members = this.#membership().members
    if (!this.isActive || !members.has(client.inboxId)) {
      throw new ClientError('Client::NotAGroupMember', 'this inbox is not a member of the conversation')
    }
    if (members.size === 1) {
      throw new ClientError('Client::SingleMemberLeaveRejected', 'the only member of a group cannot leave it')
    }
    if (this.kind === 'dm') throw new ClientError('Client::DmLeaveForbidden', 'a DM cannot be left')
    if (this.#mutableMetadata().superAdminList.includes(client.inboxId)) {
      throw new ClientError(
        'Client::SuperAdminLeaveForbidden',
        'a super admin cannot leave; another super admin must demote it first',
      )
    }
    if ((await this.#pendingRemoveList()).has(client.inboxId)) return
    await this.send({}, ContentTypeLeaveRequest)
  }

  /**
   * One membership commit (§7.1): every inbox of the membership (and the ones added) goes to its latest
   * identity sequence id; installations new since the recorded sequence id are added (with a valid key
   * package, else listed as failed), revoked ones removed, removed inboxes lose every leaf. Undefined when
   * nothing changes (§7.1 step 6).
   */
  async #membershipCommit(
    adding: readonly string[],
    removing: readonly string[],
  ): Promise<PendingCommit | undefined> {
    const group = this.#group
    const client = this.#ctx.client
    const inboxes = client.inboxes
    const membership = this.#membership()
    const removed = new Set(removing)
    const kept = [...new Set([...membership.members.keys(), ...adding, client.inboxId])].filter(
      (id) => !removed.has(id),
    )
    await inboxes.refresh(kept)
    const tree = group.members()
    const inTree = new Set(tree.map((m) => toHex(m.installationKey)))
    const members = new Map<string, bigint>()
    const wanted: { inboxId: string; key: Uint8Array }[] = []
    const remove: Uint8Array[] = []
    let changed = removing.some((id) => membership.members.has(id))
    for (const inboxId of kept) {
      const latest = await inboxes.latestSequenceId(inboxId)
      const old = membership.members.get(inboxId)
      if (latest === undefined) {
        if (old === undefined) {
          throw new ClientError('Client::MemberUnreachable', `inbox ${inboxId} is not registered`)
        }
        members.set(inboxId, old)
        continue
      }
      if (old !== undefined && latest <= old) {
        members.set(inboxId, old)
        continue
      }
      changed = true
      members.set(inboxId, latest)
      const now = await inboxes.installations(inboxId)
      const nowKeys = new Set(now.map(toHex))
      const before =
        old === undefined || old === 0n
          ? new Set<string>()
          : await inboxes.ledger
              .getState(inboxId, old)
              .then((state) => new Set(state === undefined ? [] : installationKeys(state).map(toHex)))
      for (const key of now) {
        if (!inTree.has(toHex(key)) && !before.has(toHex(key))) wanted.push({ inboxId, key })
      }
      // Revoked since the recorded sequence id: out of the tree in the same commit (§7.3 rule 12).
      if (old !== undefined && old !== 0n) {
        for (const leaf of tree) {
          if (leaf.inboxId !== inboxId || nowKeys.has(toHex(leaf.installationKey))) continue
          if (toHex(leaf.installationKey) === client.installationId) continue
          remove.push(leaf.installationKey)
        }
      }
    }
    for (const leaf of tree) if (removed.has(leaf.inboxId)) remove.push(leaf.installationKey)
    const packages = await client.api.fetchKeyPackages(wanted.map((w) => w.key))
    const removedKeys = new Set(remove.map(toHex))
    const failed = membership.failedInstallations.filter((k) => !removedKeys.has(toHex(k)))
    const nowSeconds = Math.floor(client.now() / 1000)
    const commitWith = (add: readonly Uint8Array[], failedInstallations: Uint8Array[]) =>
      group.commit({
        add,
        remove,
        extensions: replaceExtension(group.extensions(), {
          extensionType: ExtensionType.GroupMembership,
          extensionData: encodeGroupMembership({
            members,
            failedInstallations: failedInstallations.sort((a, b) => (toHex(a) < toHex(b) ? -1 : 1)),
          }),
        }),
        now: nowSeconds,
      })
    const reachable = (addedInboxes: ReadonlySet<string>) => {
      for (const inboxId of adding) {
        if (inboxId === client.inboxId) continue
        const alreadyIn = tree.some((m) => m.inboxId === inboxId)
        if (!alreadyIn && !addedInboxes.has(inboxId)) {
          throw new ClientError('Client::MemberUnreachable', `no valid key package for inbox ${inboxId}`)
        }
      }
    }
    // The usual case, every key package valid: `MlsGroup.commit` validates each one with the very rules
    // and clock of `validateKeyPackage` (§3.3) before ts-mls checks them again (RFC 9420 §12.2), and says
    // which installation and inbox each one is; so they are validated there once instead of here first
    // too (a 250-member group spent ~10% of its creation on this second pass). Any refusal, or a key package
    // that is not the installation's own for the inbox we asked for, falls back to sorting them one by one.
    const offered = wanted.map((_, i) => packages[i] ?? new Uint8Array(0))
    if (offered.length > 0 && offered.every((bytes) => bytes.length > 0)) {
      const pending = await commitWith(offered, [...failed]).catch(() => undefined)
      const own =
        pending !== undefined &&
        pending.added.length === wanted.length &&
        wanted.every((w, i) => {
          const added = pending.added[i]
          return (
            added !== undefined && added.inboxId === w.inboxId && equalBytes(added.installationKey, w.key)
          )
        })
      if (pending !== undefined && own) {
        reachable(new Set(wanted.map((w) => w.inboxId)))
        return pending
      }
    }
    const add: Uint8Array[] = []
    const addedInboxes = new Set<string>()
    for (const [i, w] of wanted.entries()) {
      const bytes = offered[i] as Uint8Array
      const valid =
        bytes.length === 0
          ? undefined
          : await validateKeyPackage(bytes, { now: nowSeconds }).catch(() => undefined)
      // §3.3: the key package must be the installation's own, for the inbox it claims.
      if (valid !== undefined && valid.inboxId === w.inboxId && equalBytes(valid.installationKey, w.key)) {
        add.push(bytes)
        addedInboxes.add(w.inboxId)
      } else failed.push(w.key)
    }
    reachable(addedInboxes)
    if (!changed && add.length === 0 && remove.length === 0) return undefined
    return commitWith(add, failed)
  }

  /** Adds inboxes (all their installations) in one commit, with the membership extension (§7.1). */
  addMembers(inboxIds: readonly string[]): Promise<void> {
    return this.runIntent({ kind: 'addMembers', inboxIds })
  }

  /** Removes inboxes (all their installations) in one commit. */
  removeMembers(inboxIds: readonly string[]): Promise<void> {
    return this.runIntent({ kind: 'removeMembers', inboxIds })
  }

  /**
   * Adds the inboxes of wallets or passkeys (resolved with GetInboxIds, then all their installations), as
   * the official SDK's `addMembersByIdentifiers`.
   * @throws {ClientError} `Client::MemberUnreachable` when an identifier has no inbox.
   */
  async addMembersByIdentifiers(identifiers: readonly PublicIdentifier[]): Promise<void> {
    this.#ctx.client.assertNotRevoked()
    await this.addMembers(await this.#ctx.client.resolveInboxIds(identifiers))
  }

  /**
   * Removes the inboxes of wallets or passkeys (resolved with GetInboxIds), as `removeMembersByIdentifiers`.
   * @throws {ClientError} `Client::MemberUnreachable` when an identifier has no inbox.
   */
  async removeMembersByIdentifiers(identifiers: readonly PublicIdentifier[]): Promise<void> {
    this.#ctx.client.assertNotRevoked()
    await this.removeMembers(await this.#ctx.client.resolveInboxIds(identifiers))
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

  /**
   * Compares every member's installations in the group with its latest identity state and commits the
   * difference: installations added to an inbox join, revoked ones leave (libxmtp
   * `add_missing_installations`, §7.1). No commit when nothing changed.
   */
  updateInstallations(): Promise<void> {
    this.#installationsCheckedAt = this.#ctx.client.now()
    return this.runIntent({ kind: 'updateInstallations' })
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
