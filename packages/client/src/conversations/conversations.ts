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
import {
  adminsOnlyPolicySet,
  buildGroupContextExtensions,
  buildGroupMetadata,
  buildMutableMetadata,
  ConversationType,
  decodeImmutableMetadataExtension,
  defaultPolicySet,
  dmIdOf,
  dmPolicySet,
  ExtensionType,
  GroupStore,
  type IdentityPort,
  MlsGroup,
  unwrapWelcome,
  validateWelcome,
} from '@xmtp-lite/mls'
import type { WelcomeRecord } from '../api/api.ts'
import type { Client } from '../client.ts'
import { ClientError } from '../errors.ts'
import { getJson, jsonBytes } from '../storage/store.ts'
import { Conversation, type ConversationContext, type ConversationRecord } from './conversation.ts'
import type { DecodedMessage } from './messages.ts'
import { TransactionalMlsStorage } from './mlsStorage.ts'
import { Mutex } from './mutex.ts'
import { MessageStream, type StreamEvents } from './stream.ts'
import { directoryIdentityPort } from './validator.ts'

/** Options of a new group. */
export interface NewGroupOptions {
  readonly name?: string
  readonly description?: string
  readonly imageUrl?: string
  /** `default` (members add, admins remove) or `adminsOnly` (mls-groups.md §4.7 presets). */
  readonly permissions?: 'default' | 'adminsOnly'
}

const welcomeCursorKey = 'cursor!welcomes'

/** Every conversation of a client. */
export class Conversations {
  readonly #client: Client
  readonly #ctx: ConversationContext
  readonly #loaded = new Map<string, Conversation>()
  readonly #listeners = new Set<(messages: readonly DecodedMessage[]) => void>()
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
        for (const listener of this.#listeners) listener(messages)
      },
    }
  }

  /** Registers a listener for every message any sync stores; returns its removal. */
  onMessages(listener: (messages: readonly DecodedMessage[]) => void): () => void {
    this.#listeners.add(listener)
    return () => this.#listeners.delete(listener)
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
    const conversation = new Conversation(this.#ctx, record, group)
    this.#loaded.set(record.id, conversation)
    return conversation
  }

  /**
   * Creates a group with this installation as its only member and super admin, then adds `inboxIds` (and
   * our own other installations) in one commit.
   * @throws {ClientError} `Client::MemberUnreachable` when an inbox has no valid key package.
   */
  async newGroup(inboxIds: readonly string[], options: NewGroupOptions = {}): Promise<Conversation> {
    const client = this.#client
    await client.inboxes.refresh([client.inboxId])
    const ownSequenceId = (await client.inboxes.latestSequenceId(client.inboxId)) ?? 0n
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
      }),
      membership: { members: new Map([[client.inboxId, ownSequenceId]]), failedInstallations: [] },
      policies: options.permissions === 'adminsOnly' ? adminsOnlyPolicySet() : defaultPolicySet(),
    })
    return this.#create(extensions, { kind: 'group' }, inboxIds)
  }

  async #create(
    extensions: ReturnType<typeof buildGroupContextExtensions>,
    shape: { kind: 'group' | 'dm'; peer?: string },
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
    const others = (await client.inboxes.installations(client.inboxId)).length > 1
    if (inboxIds.length > 0 || others) await conversation.addMembers(inboxIds)
    return conversation
  }

  /**
   * The DM with `inboxId`, created when none exists (§9).
   * @throws {ClientError} `Client::InvalidArgument` for our own inbox id.
   */
  async newDm(inboxId: string): Promise<Conversation> {
    const client = this.#client
    if (inboxId === client.inboxId)
      throw new ClientError('Client::InvalidArgument', 'a DM needs another inbox')
    const existing = await this.findDm(inboxId)
    if (existing !== undefined) return existing
    await client.inboxes.refresh([client.inboxId])
    const ownSequenceId = (await client.inboxes.latestSequenceId(client.inboxId)) ?? 0n
    const extensions = buildGroupContextExtensions({
      metadata: buildGroupMetadata({
        conversationType: ConversationType.Dm,
        creatorInboxId: client.inboxId,
        dmPeerInboxId: inboxId,
      }),
      mutableMetadata: buildMutableMetadata({
        conversationType: ConversationType.Dm,
        creatorInboxId: client.inboxId,
      }),
      membership: { members: new Map([[client.inboxId, ownSequenceId]]), failedInstallations: [] },
      policies: dmPolicySet(),
    })
    return this.#create(extensions, { kind: 'dm', peer: inboxId }, [inboxId])
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
  async list(options: { kind?: 'group' | 'dm'; includeInactive?: boolean } = {}): Promise<Conversation[]> {
    const all = (await this.#all()).filter(
      (c) =>
        (options.includeInactive === true || c.isActive) &&
        (options.kind === undefined || c.kind === options.kind),
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
    return (await this.list({ kind: 'dm' })).find((c) => c.peerInboxId === inboxId)
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
      for (const c of joined) await c.sync()
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
      const existing = await this.get(id)
      if (existing?.isActive === true) return undefined
      const members = group.members()
      const metadataData = group.extension(ExtensionType.ImmutableMetadata)
      const metadata = metadataData === undefined ? undefined : decodeImmutableMetadataExtension(metadataData)
      const isDm = metadata?.conversationType === ConversationType.Dm
      const creator = metadata?.creatorInboxId ?? ''
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
        kind: isDm ? 'dm' : 'group',
        ...(peer === undefined ? {} : { peer }),
        cursor: (opened.messageCursor ?? 0n).toString(),
        createdAtNs: welcome.createdNs.toString(),
        active: true,
      }
      return this.#store(record, group)
    }
    return undefined
  }

  /**
   * Syncs welcomes, then every conversation that has something new. One GetNewestGroupMessage round trip
   * tells which conversations are idle, so an idle conversation costs no query of its own.
   */
  async syncAll(): Promise<{ readonly synced: number; readonly messages: number }> {
    await this.syncWelcomes()
    const all = (await this.#all()).filter((c) => c.isActive)
    const newest = await this.#client.api.newestGroupMessageIds(all.map((c) => c.groupId))
    let synced = 0
    let messages = 0
    for (const [i, conversation] of all.entries()) {
      if ((newest[i] ?? 0n) <= conversation.cursor) continue
      synced++
      messages += (await conversation.sync()).length
    }
    return { synced, messages }
  }

  /**
   * Every new message of every conversation, including conversations joined while streaming; reconnects
   * by itself and resumes from the stored cursors (no message lost or repeated).
   */
  streamAllMessages(events: StreamEvents = {}): MessageStream {
    return new MessageStream(
      {
        client: this.#client,
        conversations: async () => (await this.#all()).filter((c) => c.isActive),
        welcomes: true,
        welcomeCursor: async () =>
          BigInt((await getJson<string>(this.#client.store, welcomeCursorKey)) ?? '0'),
        syncWelcomes: () => this.syncWelcomes(),
        listen: (listener) => this.onMessages(listener),
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
