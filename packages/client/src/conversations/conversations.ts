/**
 * The conversations of one installation: creating groups and DMs, joining by welcome, listing, syncing all
 * of them, and streaming.
 *
 * DMs: one per pair of inboxes. When both sides create one at once there are two MLS groups with the same
 * DM id (mls-groups.md §9: the sorted pair of inbox ids); `list()` and `findDm()` show one of them, the one
 * with the latest activity, as libxmtp's "stitching" does.
 * @module
 */
import { fromHex, toHex } from '@xmtp-lite/common'
import type { ContentCodecRegistry } from '@xmtp-lite/content-types'
import type { PublicIdentifier } from '@xmtp-lite/identity'
import {
  adminsOnlyPolicySet,
  assertValidPolicySet,
  buildGroupContextExtensions,
  buildGroupMetadata,
  buildMutableMetadata,
  ConversationType,
  type DisappearingSettings,
  decodeImmutableMetadataExtension,
  defaultPolicySet,
  dmIdOf,
  dmPolicySet,
  ExtensionType,
  GroupStore,
  type IdentityPort,
  MlsGroup,
  type PolicySet,
  unwrapWelcome,
  validateWelcome,
} from '@xmtp-lite/mls'
import type { WelcomeRecord } from '../api/api.ts'
import type { Client } from '../client.ts'
import type { ConsentState } from '../consent/consent.ts'
import { ClientError } from '../errors.ts'
import { getJson, jsonBytes, type StoreOperation } from '../storage/store.ts'
import {
  adoptConversationState,
  Conversation,
  type ConversationContext,
  type ConversationRecord,
} from './conversation.ts'
import type { DecodedMessage } from './messages.ts'
import { TransactionalMlsStorage } from './mlsStorage.ts'
import { Mutex } from './mutex.ts'
import { ConversationStream, MessageStream, type StreamEvents } from './stream.ts'
import { directoryIdentityPort } from './validator.ts'

/** Options of a new group. */
function policiesOf(permissions: NewGroupOptions['permissions']): PolicySet {
  if (permissions === undefined || permissions === 'default') return defaultPolicySet()
  if (permissions === 'adminsOnly') return adminsOnlyPolicySet()
  try {
    assertValidPolicySet(permissions)
  } catch (cause) {
    throw new ClientError('Client::InvalidArgument', 'malformed permission policies', { cause })
  }
  return permissions
}

export interface NewGroupOptions {
  readonly name?: string
  readonly description?: string
  readonly imageUrl?: string
  /**
   * `default` (members add, admins remove), `adminsOnly` (mls-groups.md §4.7 presets), or a custom policy
   * set (checked when the group is made: `Client::InvalidArgument` when malformed).
   */
  readonly permissions?: 'default' | 'adminsOnly' | PolicySet
  /** Disappearing messages from the start (mls-groups.md §11): both values > 0 to enable. */
  readonly disappearing?: DisappearingSettings
}

/** Options of {@link Conversations.list}. */
export interface ListOptions {
  readonly kind?: 'group' | 'dm'
  readonly includeInactive?: boolean
  /** Conversation consent states to include; default allowed and unknown (denied ones are left out). */
  readonly consentStates?: readonly ConsentState[]
}

/** Consent states shown when a list or stream does not say (libxmtp `find_groups`). */
const defaultConsentStates: readonly ConsentState[] = ['allowed', 'unknown']

const welcomeCursorKey = 'cursor!welcomes'

/** Every conversation of a client. */
export class Conversations {
  readonly #client: Client
  readonly #ctx: ConversationContext
  readonly #loaded = new Map<string, Conversation>()
  readonly #listeners = new Set<(messages: readonly DecodedMessage[]) => void>()
  /** Told of every group or DM joined by welcome or created here (conversation streams). */
  readonly #joinedListeners = new Set<(conversation: Conversation) => void>()
  readonly #welcomeLock = new Mutex()

  constructor(client: Client, registry: ContentCodecRegistry) {
    this.#client = client
    const mlsStorage = new TransactionalMlsStorage(client.store)
    const identity: IdentityPort = directoryIdentityPort(client.inboxes)
    this.#ctx = {
      client,
      groups: new GroupStore(mlsStorage),
      mlsStorage,
      lock: new Mutex(),
      registry,
      identity,
      onMessages: (messages) => {
        client.preferences.noticeMessages(messages)
        if (messages.some((m) => m.kind === 'application'))
          void this.scheduleCleaning().catch(() => undefined)
        for (const listener of this.#listeners) listener(messages)
      },
      onSent: (conversation) => {
        // Sending allows the conversation (libxmtp `send_message` → `update_consent_state(Allowed)`).
        if (conversation.kind === 'sync') return
        void client.preferences
          .record([{ entityType: 'conversationId', entity: conversation.id, state: 'allowed' }], {
            sync: true,
          })
          .then((changed) => {
            if (changed.length > 0) client.preferences.scheduleFlush()
          })
          .catch(() => undefined)
      },
    }
  }

  /** Registers a listener for every message any sync stores; returns its removal. */
  onMessages(listener: (messages: readonly DecodedMessage[]) => void): () => void {
    this.#listeners.add(listener)
    return () => this.#listeners.delete(listener)
  }

  #announce(conversation: Conversation): void {
    if (conversation.kind === 'sync') return
    for (const listener of this.#joinedListeners) listener(conversation)
  }

  async #store(record: ConversationRecord, group: MlsGroup): Promise<Conversation> {
    await this.#ctx.lock.run(() =>
      this.#ctx.mlsStorage.transaction(async () => {
        await this.#ctx.groups.save(group)
        return {
          result: undefined,
          operations: [{ type: 'put' as const, key: `conv!${record.id}`, value: jsonBytes(record) }],
        }
      }),
    )
    const loaded = this.#loaded.get(record.id)
    if (loaded !== undefined) {
      adoptConversationState(loaded, record, group)
      return loaded
    }
    const conversation = new Conversation(this.#ctx, record, group)
    this.#loaded.set(record.id, conversation)
    return conversation
  }

  /**
   * {@link newGroup} with wallets or passkeys in place of inbox ids (the official SDK's
   * `newGroupWithIdentifiers`).
   * @throws {ClientError} `Client::MemberUnreachable` when an identifier has no inbox.
   */
  async newGroupWithIdentifiers(
    identifiers: readonly PublicIdentifier[],
    options: NewGroupOptions = {},
  ): Promise<Conversation> {
    this.#client.assertNotRevoked()
    return this.newGroup(await this.#client.resolveInboxIds(identifiers), options)
  }

  /**
   * {@link newDm} with a wallet or passkey in place of the inbox id (`newDmWithIdentifier`).
   * @throws {ClientError} `Client::MemberUnreachable` when the identifier has no inbox.
   */
  async newDmWithIdentifier(
    identifier: PublicIdentifier,
    options: { disappearing?: DisappearingSettings } = {},
  ): Promise<Conversation> {
    this.#client.assertNotRevoked()
    const [inboxId] = await this.#client.resolveInboxIds([identifier])
    return this.newDm(inboxId as string, options)
  }

  /**
   * Creates a group with this installation as its only member and super admin, then adds `inboxIds` (and
   * our own other installations) in one commit.
   * @throws {ClientError} `Client::MemberUnreachable` when an inbox has no valid key package.
   */
  async newGroup(inboxIds: readonly string[], options: NewGroupOptions = {}): Promise<Conversation> {
    const client = this.#client
    await client.inboxes.refresh([client.inboxId])
    client.assertNotRevoked()
    const extensions = buildGroupContextExtensions({
      metadata: buildGroupMetadata({
        conversationType: ConversationType.Group,
        creatorInboxId: client.inboxId,
      }),
      mutableMetadata: buildMutableMetadata({
        conversationType: ConversationType.Group,
        creatorInboxId: client.inboxId,
        ...(options.name === undefined ? {} : { name: options.name }),
        ...(options.description === undefined ? {} : { description: options.description }),
        ...(options.imageUrl === undefined ? {} : { imageUrlSquare: options.imageUrl }),
        ...(options.disappearing === undefined ? {} : { disappearing: options.disappearing }),
      }),
      // §4.6: created with our inbox at the 0 placeholder, as libxmtp; the first membership commit raises
      // it to the latest sequence id and adds our other installations (diffed from an empty state).
      membership: { members: new Map([[client.inboxId, 0n]]), failedInstallations: [] },
      policies: policiesOf(options.permissions),
    })
    return this.#create(extensions, { kind: 'group' }, inboxIds)
  }

  async #create(
    extensions: ReturnType<typeof buildGroupContextExtensions>,
    shape: { kind: 'group' | 'dm' | 'sync'; peer?: string },
    inboxIds: readonly string[],
  ): Promise<Conversation> {
    const client = this.#client
    const group = await MlsGroup.create({
      identity: { inboxId: client.inboxId, installationPrivateKey: client.installationPrivateKey },
      extensions,
    })
    const record: ConversationRecord = {
      id: toHex(group.groupId),
      kind: shape.kind,
      ...(shape.peer === undefined ? {} : { peer: shape.peer }),
      cursor: '0',
      createdAtNs: (BigInt(client.now()) * 1_000_000n).toString(),
      active: true,
    }
    const conversation = await this.#store(record, group)
    // A conversation we create is allowed (libxmtp `create_group`); sync groups have no consent (§10.2).
    if (shape.kind !== 'sync') {
      await client.preferences.record(
        [{ entityType: 'conversationId', entity: record.id, state: 'allowed' }],
        {
          sync: true,
        },
      )
    }
    const others = (await client.inboxes.installations(client.inboxId)).length > 1
    try {
      if (inboxIds.length > 0 || others) await conversation.addMembers(inboxIds)
    } finally {
      // libxmtp streams the groups an installation creates too (its local NewGroup event).
      this.#announce(conversation)
    }
    return conversation
  }

  /**
   * The DM with `inboxId`, created when none exists (§9).
   * @throws {ClientError} `Client::InvalidArgument` for our own inbox id.
   */
  async newDm(inboxId: string, options: { disappearing?: DisappearingSettings } = {}): Promise<Conversation> {
    const client = this.#client
    if (inboxId === client.inboxId)
      throw new ClientError('Client::InvalidArgument', 'a DM needs another inbox')
    const existing = await this.findDm(inboxId)
    if (existing !== undefined) return existing
    await client.inboxes.refresh([client.inboxId])
    client.assertNotRevoked()
    const extensions = buildGroupContextExtensions({
      metadata: buildGroupMetadata({
        conversationType: ConversationType.Dm,
        creatorInboxId: client.inboxId,
        dmPeerInboxId: inboxId,
      }),
      mutableMetadata: buildMutableMetadata({
        conversationType: ConversationType.Dm,
        creatorInboxId: client.inboxId,
        ...(options.disappearing === undefined ? {} : { disappearing: options.disappearing }),
      }),
      // §4.6: created with our inbox at the 0 placeholder, as libxmtp; the first membership commit raises
      // it to the latest sequence id and adds our other installations (diffed from an empty state).
      membership: { members: new Map([[client.inboxId, 0n]]), failedInstallations: [] },
      policies: dmPolicySet(),
    })
    return this.#create(extensions, { kind: 'dm', peer: inboxId }, [inboxId])
  }

  /**
   * Creates a SYNC group (conversation type 3) holding every installation of our inbox (§10.2); used by
   * {@link Preferences}. Never listed nor streamed as a conversation.
   */
  async newSyncGroup(): Promise<Conversation> {
    const client = this.#client
    await client.inboxes.refresh([client.inboxId])
    client.assertNotRevoked()
    const extensions = buildGroupContextExtensions({
      metadata: buildGroupMetadata({
        conversationType: ConversationType.Sync,
        creatorInboxId: client.inboxId,
      }),
      mutableMetadata: buildMutableMetadata({
        conversationType: ConversationType.Sync,
        creatorInboxId: client.inboxId,
      }),
      // §4.6: created with our inbox at the 0 placeholder, as libxmtp; the first membership commit raises
      // it to the latest sequence id and adds our other installations (diffed from an empty state).
      membership: { members: new Map([[client.inboxId, 0n]]), failedInstallations: [] },
      policies: defaultPolicySet(),
    })
    return this.#create(extensions, { kind: 'sync' }, [])
  }

  /** Our inbox's active sync groups, newest first (libxmtp `primary_sync_group` is the first). */
  async syncGroups(): Promise<Conversation[]> {
    return (await this.#all())
      .filter((c) => c.kind === 'sync' && c.isActive)
      .sort((a, b) => {
        const x = BigInt(a.record.createdAtNs)
        const y = BigInt(b.record.createdAtNs)
        return x === y ? a.id.localeCompare(b.id) : x > y ? -1 : 1
      })
  }

  /** The conversation with this id (hex), loaded from the store. */
  async get(id: string): Promise<Conversation | undefined> {
    const cached = this.#loaded.get(id)
    if (cached !== undefined) return cached
    const record = await getJson<ConversationRecord>(this.#client.store, `conv!${id}`)
    if (record === undefined) return undefined
    const group = await this.#ctx.groups.load(fromHex(id))
    if (group === undefined) return undefined
    const conversation = new Conversation(this.#ctx, record, group)
    this.#loaded.set(id, conversation)
    return conversation
  }

  async #all(): Promise<Conversation[]> {
    const ids: string[] = []
    for await (const [key] of this.#client.store.entriesWithPrefix('conv!'))
      ids.push(key.slice('conv!'.length))
    const out: Conversation[] = []
    for (const id of ids) {
      const c = await this.get(id)
      if (c !== undefined) out.push(c)
    }
    return out
  }

  /**
   * Conversations, DMs stitched to one per peer (§9), newest activity first.
   */
  async list(options: ListOptions = {}): Promise<Conversation[]> {
    const consent = this.#client.preferences.consent
    await consent.load()
    const states = options.consentStates ?? defaultConsentStates
    const all = (await this.#all()).filter(
      (c) =>
        c.kind !== 'sync' &&
        (options.includeInactive === true || c.isActive) &&
        (options.kind === undefined || c.kind === options.kind) &&
        states.includes(consent.cachedState('conversationId', c.id)),
    )
    const byDmId = new Map<string, Conversation>()
    const out: Conversation[] = []
    for (const c of all) {
      if (c.kind !== 'dm' || c.peerInboxId === undefined) {
        out.push(c)
        continue
      }
      const dmId = dmIdOf({ memberOneInboxId: this.#client.inboxId, memberTwoInboxId: c.peerInboxId })
      const other = byDmId.get(dmId)
      if (other === undefined || c.cursor > other.cursor || (c.cursor === other.cursor && c.id < other.id)) {
        byDmId.set(dmId, c)
      }
    }
    out.push(...byDmId.values())
    return out.sort((a, b) =>
      a.cursor === b.cursor ? a.id.localeCompare(b.id) : a.cursor > b.cursor ? -1 : 1,
    )
  }

  /** The DM with an inbox, if any (the stitched one). */
  async findDm(inboxId: string): Promise<Conversation | undefined> {
    return (await this.list({ kind: 'dm', consentStates: ['allowed', 'unknown', 'denied'] })).find(
      (c) => c.peerInboxId === inboxId,
    )
  }

  /**
   * Processes new welcomes: unwrap (HPKE to one of our key packages' init keys), join, validate the
   * membership against identity state (§5.4), and sync each new group from the welcome's cursor.
   * Returns the conversations joined.
   */
  async syncWelcomes(): Promise<Conversation[]> {
    return this.#welcomeLock.run(async () => {
      const client = this.#client
      const cursor = BigInt((await getJson<string>(client.store, welcomeCursorKey)) ?? '0')
      const welcomes = await client.api.queryWelcomeMessages(client.installationKey, cursor)
      const joined: Conversation[] = []
      for (const welcome of welcomes) {
        const conversation = await this.#join(welcome).catch(() => undefined)
        await client.store.put(welcomeCursorKey, jsonBytes(welcome.id.toString()))
        if (conversation !== undefined) joined.push(conversation)
      }
      // Announced before their first sync: the welcome cursor has moved past them, so a failing sync must
      // not keep them from a conversation stream.
      for (const c of joined) this.#announce(c)
      for (const c of joined) await c.sync()
      // §3.2: a key package used by a welcome is replaced soon after (libxmtp queue_key_rotation).
      if (joined.length > 0) await client.keyPackageUsed()
      return joined
    })
  }

  async #join(welcome: WelcomeRecord): Promise<Conversation | undefined> {
    // Welcome pointers (§5.3) are an optimisation of libxmtp's senders; not handled yet.
    if (welcome.kind !== 'welcome') return undefined
    const client = this.#client
    for (const secrets of client.keyPackageSecrets) {
      let opened: Awaited<ReturnType<typeof unwrapWelcome>>
      try {
        opened = await unwrapWelcome(welcome.data, welcome.welcomeMetadata, secrets.initPrivateKey)
      } catch {
        continue
      }
      const group = await MlsGroup.join(opened.welcome, {
        keyPackage: secrets.keyPackage,
        initPrivateKey: secrets.initPrivateKey,
        encryptionPrivateKey: secrets.encryptionPrivateKey,
        installationPrivateKey: client.installationPrivateKey,
      })
      const id = toHex(group.groupId)
      // §5.4 step 3: skipped only when we are still in that group at this epoch or a later one. A newer
      // welcome for a group we think we are in is a re-add after a removal we have not synced yet: it
      // replaces the old state, and the cursor moves to the commit that re-added us.
      const existing = await this.get(id)
      if (existing?.isActive === true && group.epoch <= existing.epoch) return undefined
      const members = group.members()
      const metadataData = group.extension(ExtensionType.ImmutableMetadata)
      const metadata = metadataData === undefined ? undefined : decodeImmutableMetadataExtension(metadataData)
      const isDm = metadata?.conversationType === ConversationType.Dm
      const isSync = metadata?.conversationType === ConversationType.Sync
      const creator = metadata?.creatorInboxId ?? ''
      // A sync group holds our own installations only (§10.2): any other member or creator is refused.
      if (isSync && (creator !== client.inboxId || members.some((m) => m.inboxId !== client.inboxId))) {
        return undefined
      }
      await validateWelcome({
        extensions: group.extensions(),
        members,
        identity: this.#ctx.identity,
        ownInboxId: client.inboxId,
        senderInboxId: creator,
      })
      const dm = metadata?.dmMembers
      const peer =
        dm === undefined
          ? undefined
          : dm.memberOneInboxId === client.inboxId
            ? dm.memberTwoInboxId
            : dm.memberOneInboxId
      const record: ConversationRecord = {
        id,
        kind: isSync ? 'sync' : isDm ? 'dm' : 'group',
        ...(peer === undefined ? {} : { peer }),
        cursor: (opened.messageCursor ?? 0n).toString(),
        createdAtNs: welcome.createdNs.toString(),
        active: true,
      }
      const conversation = await this.#store(record, group)
      await this.#welcomeConsent(record, creator, existing !== undefined)
      return conversation
    }
    return undefined
  }

  /**
   * The consent of a joined conversation (§10.1, libxmtp xmtp_welcome.rs): allowed when our inbox created
   * it, reset to unknown when re-added after leaving, a DM's copied from its stitched twins; otherwise none
   * (unknown). Quiet: the other installations reach the same default from the same welcome.
   */
  async #welcomeConsent(record: ConversationRecord, creator: string, readded: boolean): Promise<void> {
    if (record.kind === 'sync') return
    const preferences = this.#client.preferences
    const entity = { entityType: 'conversationId' as const, entity: record.id }
    if (creator === this.#client.inboxId) {
      await preferences.record([{ ...entity, state: 'allowed' }], { sync: false })
      return
    }
    if (readded) {
      await preferences.record([{ ...entity, state: 'unknown' }], { sync: false })
      return
    }
    if (record.kind === 'dm' && record.peer !== undefined) {
      let latest: { state: ConsentState; at: bigint } | undefined
      for (const c of await this.#all()) {
        if (c.kind !== 'dm' || c.peerInboxId !== record.peer || c.id === record.id) continue
        const r = await preferences.consent.record('conversationId', c.id)
        if (r !== undefined && (latest === undefined || r.consentedAtNs > latest.at)) {
          latest = { state: r.state, at: r.consentedAtNs }
        }
      }
      if (latest !== undefined)
        await preferences.record([{ ...entity, state: latest.state }], { sync: false })
    }
  }

  /**
   * Syncs welcomes, then every conversation that has something new or an unfinished intent. One
   * GetNewestGroupMessage round trip tells which conversations are idle, so an idle conversation costs no
   * query of its own.
   */
  async syncAll(): Promise<{ readonly synced: number; readonly messages: number }> {
    await this.#client.maintainKeyPackages()
    await this.syncWelcomes()
    const all = (await this.#all()).filter((c) => c.isActive)
    // One GetIdentityUpdates for our own inbox (is this installation still in it?) and the members of the
    // conversations whose 30-minute installation check is due (libxmtp `sync_all_groups` runs
    // `maybe_update_installations` for every group; here an idle group costs no request of its own).
    const due = all.filter((c) => c.installationsCheckDue)
    await this.#client.inboxes.refresh([this.#client.inboxId, ...due.flatMap((c) => c.memberInboxIds())])
    for (const conversation of due) {
      await conversation.checkInstallationsIfDue({ refreshed: true }).catch(() => undefined)
    }
    const newest = await this.#client.api.newestGroupMessageIds(all.map((c) => c.groupId))
    // Conversations with an intent left unfinished (a crash) are synced even when idle: that resumes it.
    const open = new Set<string>()
    for await (const [key] of this.#client.store.entriesWithPrefix('open!')) open.add(key.split('!')[1] ?? '')
    let synced = 0
    let messages = 0
    for (const [i, conversation] of all.entries()) {
      if ((newest[i] ?? 0n) <= conversation.cursor && !open.has(conversation.id)) continue
      synced++
      messages += (await conversation.sync()).length
    }
    // Preference updates the sync groups brought, then our own waiting ones (§10.2).
    const preferences = this.#client.preferences
    if (all.some((c) => c.kind === 'sync')) await preferences.processIncoming()
    await preferences.publish()
    await this.deleteExpiredMessages()
    return { synced, messages }
  }

  #cleaner: ReturnType<typeof setTimeout> | undefined
  #closed = false

  /**
   * Arms the cleaner for the soonest disappearing message (libxmtp's disappearing-messages worker): it
   * deletes what expired, then arms itself for the next; at most a day between runs. Called after every
   * sync that stored application messages.
   */
  async scheduleCleaning(): Promise<void> {
    if (this.#closed) return
    let soonest: bigint | undefined
    for await (const [key] of this.#client.store.entries({ gte: 'exp!', lt: 'exp!~', limit: 1 })) {
      soonest = BigInt(key.slice('exp!'.length, 'exp!'.length + 20))
    }
    clearTimeout(this.#cleaner)
    this.#cleaner = undefined
    if (soonest === undefined || this.#closed) return
    const nowNs = BigInt(this.#client.now()) * 1_000_000n
    const delayMs = Math.min(86_400_000, Math.max(0, Number((soonest - nowNs) / 1_000_000n) + 1))
    this.#cleaner = setTimeout(() => {
      this.#cleaner = undefined
      void this.deleteExpiredMessages()
        .then(() => this.scheduleCleaning())
        .catch(() => undefined)
    }, delayMs)
    // Node: the cleaner alone does not keep a process alive.
    ;(this.#cleaner as { unref?: () => void }).unref?.()
  }

  /** Stops the cleaner (the client closes). */
  close(): void {
    this.#closed = true
    clearTimeout(this.#cleaner)
    this.#cleaner = undefined
  }

  /**
   * Deletes the disappearing messages whose time has come (mls-groups.md §11; libxmtp's cleaner worker),
   * walking the expiry index up to now. Queries hide them before this runs. Returns how many it deleted.
   */
  async deleteExpiredMessages(): Promise<number> {
    const store = this.#client.store
    const nowNs = BigInt(this.#client.now()) * 1_000_000n
    const operations: StoreOperation[] = []
    for await (const [key, value] of store.entries({
      gte: 'exp!',
      lt: `exp!${nowNs.toString().padStart(20, '0')}~`,
    })) {
      const messageKey = JSON.parse(new TextDecoder().decode(value)) as string
      operations.push({ type: 'del', key }, { type: 'del', key: messageKey })
    }
    if (operations.length > 0) await store.batch(operations)
    return operations.length / 2
  }

  /**
   * Every new message of every conversation, including conversations joined while streaming; reconnects
   * by itself and resumes from the stored cursors (no message lost or repeated).
   */
  streamAllMessages(
    events: StreamEvents = {},
    options: { readonly consentStates?: readonly ConsentState[] } = {},
  ): MessageStream {
    const consent = this.#client.preferences.consent
    const states = options.consentStates ?? defaultConsentStates
    return new MessageStream(
      {
        client: this.#client,
        // Sync groups are watched too (their preference updates apply at once) but never delivered.
        conversations: async () => {
          await consent.load()
          return (await this.#all()).filter((c) => c.isActive)
        },
        filter: (m) =>
          this.#loaded.get(m.conversationId)?.kind !== 'sync' &&
          states.includes(consent.cachedState('conversationId', m.conversationId)),
        welcomes: true,
        welcomeCursor: async () =>
          BigInt((await getJson<string>(this.#client.store, welcomeCursorKey)) ?? '0'),
        syncWelcomes: () => this.syncWelcomes(),
        listen: (listener) => this.onMessages(listener),
      },
      events,
    )
  }

  /**
   * Every group and DM this installation joins (by welcome) or creates from now on, each once (the
   * official SDK's `conversations.stream()`; `kind` as its `streamGroups` / `streamDms`). Reconnects by
   * itself and catches up from the stored welcome cursor, so a conversation joined while the connection
   * was down still arrives; sync groups never do.
   */
  stream(events: StreamEvents = {}, options: { readonly kind?: 'group' | 'dm' } = {}): ConversationStream {
    return new ConversationStream(
      {
        client: this.#client,
        welcomeCursor: async () =>
          BigInt((await getJson<string>(this.#client.store, welcomeCursorKey)) ?? '0'),
        syncWelcomes: () => this.syncWelcomes(),
        listen: (listener) => {
          this.#joinedListeners.add(listener)
          return () => this.#joinedListeners.delete(listener)
        },
        ...(options.kind === undefined ? {} : { filter: (c: Conversation) => c.kind === options.kind }),
      },
      events,
    )
  }

  /** New messages of one conversation. */
  streamMessages(conversation: Conversation, events: StreamEvents = {}): MessageStream {
    return new MessageStream(
      {
        client: this.#client,
        conversations: async () => [conversation],
        welcomes: false,
        welcomeCursor: async () => 0n,
        syncWelcomes: async () => undefined,
        listen: (listener) => this.onMessages(listener),
        filter: (m) => m.conversationId === conversation.id,
      },
      events,
    )
  }
}
