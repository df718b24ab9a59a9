/**
 * The node's service core: every MlsApi and IdentityApi rpc that libxmtp calls, with xmtp-node-go's
 * semantics (protocol/v3-node-api-and-identity.md §3), independent of the transport. The gRPC server
 * (grpc.ts) and the WebSocket server (ws.ts) decode requests into the shapes of types.ts, call this, and
 * encode the answers.
 * @module
 */
import { NodeError } from './errors.ts'
import { NodeFlags } from './flags.ts'
import { parseGroupMessage } from './mlsFraming.ts'
import type {
  IdentityValidator,
  KeyPackageValidator,
  ScwSignatureRequest,
  ScwSignatureResult,
  ScwVerifier,
} from './ports.ts'
import { type LimitKind, RateLimiter, type RateLimits, upstreamRateLimits } from './rateLimit.ts'
import { idOfTopicKey } from './store/keys.ts'
import type {
  GroupMessageRow,
  JoinedWrites,
  JoinWrites,
  NodeStore,
  QueryBounds,
  StoredEntry,
  StoreEvent,
} from './store/store.ts'
import {
  type CommitLogEntry,
  type CommitLogInput,
  type GroupMessage,
  type GroupMessageInput,
  type IdentityUpdateLog,
  type InboxIdResult,
  type Page,
  type PagingInfo,
  SortDirection,
  type WelcomeMessage,
  type WelcomeMessageInput,
  WelcomePointerWrapperAlgorithm,
  WelcomeWrapperAlgorithm,
} from './types.ts'

/** Sizes and counts the node accepts. */
export interface NodeLimits {
  /** Largest group-message / welcome payload: 1 MiB − 300 − 62 = 1,048,214 bytes (node-go `MaxMessageSize`). */
  readonly maxMessageBytes: number
  /** Rows per page (node-go: 100, §3.6). */
  readonly maxPageSize: number
  /** Messages per SendGroupMessages / SendWelcomeMessages request. */
  readonly maxPublishBatch: number
  /** Entries per FetchKeyPackages, GetNewestGroupMessage, GetIdentityUpdates, GetInboxIds request. */
  readonly maxQueryBatch: number
  /** Filters per subscription. */
  readonly maxSubscribeFilters: number
  /** BatchPublishCommitLog entries (node-go: 10, §3.8). */
  readonly maxCommitLogPublish: number
  /** BatchQueryCommitLog queries (node-go: 20, §3.8). */
  readonly maxCommitLogQuery: number
  /** Messages a stream may have waiting for a slow reader before it is cut (node-go: 1,024, §3.7). */
  readonly maxStreamQueue: number
  /** Identity updates per inbox (node-go: 256, §3.10). */
  readonly maxInboxLog: number
}

/** The defaults, from node-go and xmtpd (anchors-performance-reliability.md §1.1). */
export const defaultLimits: NodeLimits = {
  maxMessageBytes: 1_048_214,
  maxPageSize: 100,
  maxPublishBatch: 1000,
  maxQueryBatch: 1000,
  maxSubscribeFilters: 50_000,
  maxCommitLogPublish: 10,
  maxCommitLogQuery: 20,
  maxStreamQueue: 1024,
  maxInboxLog: 256,
}

/** Who is calling (the rate-limit key: node-go keys buckets by client IP). */
export interface CallContext {
  readonly client: string
  /** The feature flags the client declared (raw `x-xmtp-lite-flags` value; src/flags.ts), if any. */
  readonly flags?: string
}

/** Where a server stream writes. The transport implements it. */
export interface StreamSink<T> {
  /** Sends one item; false when the transport's buffer is full and {@link drained} should be awaited. */
  write(item: T): boolean
  /** Resolves when the transport can take more (or the stream is gone). */
  drained(): Promise<void>
  /** Ends the stream, cleanly or with an error. */
  end(error?: NodeError): void
}

/** A running subscription. */
export interface SubscriptionHandle {
  /** Stops it (the client went away). Idempotent. */
  cancel(): void
  /** Resolves once catch-up is done and live delivery has begun (tests). */
  readonly live: Promise<void>
}

/** How to build a {@link NodeService}. */
export interface NodeServiceParams {
  readonly store: NodeStore
  readonly identityValidator: IdentityValidator
  readonly keyPackageValidator: KeyPackageValidator
  /** Smart-contract-wallet signature checks; without it every such signature is reported invalid. */
  readonly scwVerifier?: ScwVerifier
  /** Token-bucket limits per client, or `false` to disable (benchmarks, trusted local use). */
  readonly rateLimits?: RateLimits | false
  readonly limits?: Partial<NodeLimits>
  /** Milliseconds clock for the rate limiter. */
  readonly now?: () => number
  /**
   * Replication's origination of an accepted publish (src/replication): called synchronously while the
   * publish's batch is built, its writes (the signed originator envelopes, the new sequence id) go into that
   * same atomic batch, so a crash never leaves a stored publish unoriginated nor originates it twice.
   */
  readonly originate?: (event: PublishedEvent) => JoinedWrites | undefined
  /** The feature flags this node runs (src/flags.ts); writes from clients declaring others are refused. */
  readonly flags?: NodeFlags
}

/** What a client published, as stored (duplicates left out), for replication. */
export type PublishedEvent =
  | { readonly kind: 'groupMessages'; readonly messages: readonly GroupMessage[] }
  | { readonly kind: 'welcomes'; readonly messages: readonly WelcomeMessage[] }
  | { readonly kind: 'keyPackage'; readonly installationKey: Uint8Array; readonly keyPackage: Uint8Array }
  | { readonly kind: 'identityUpdate'; readonly inboxId: string; readonly update: Uint8Array }

const hexTable = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'))
function hex(bytes: Uint8Array): string {
  let s = ''
  for (const b of bytes) s += hexTable[b]
  return s
}

const hexPattern = /^(?:[0-9a-fA-F]{2})*$/
function decodeHexId(value: string, what: string): Uint8Array {
  if (value.length === 0 || !hexPattern.test(value)) {
    throw new NodeError('Node::InvalidArgument', `${what} must be non-empty hex`)
  }
  return new Uint8Array(Buffer.from(value, 'hex'))
}

function invalid(message: string): NodeError {
  return new NodeError('Node::InvalidArgument', message)
}

/** The service core. */
export class NodeService {
  readonly store: NodeStore
  readonly limits: NodeLimits
  private readonly identityValidator: IdentityValidator
  private readonly keyPackageValidator: KeyPackageValidator
  private readonly scwVerifier: ScwVerifier | undefined
  private readonly limiter: RateLimiter | undefined
  private readonly topics = new Map<string, Set<Subscription<GroupMessage | WelcomeMessage>>>()
  private readonly streams = new Set<Subscription<GroupMessage | WelcomeMessage>>()
  private readonly inboxLocks = new Map<string, Promise<unknown>>()
  private readonly unsubscribeStore: () => void
  private readonly originate: ((event: PublishedEvent) => JoinedWrites | undefined) | undefined
  /** The feature flags this node runs. */
  readonly flags: NodeFlags
  private stopping = false

  constructor(params: NodeServiceParams) {
    this.store = params.store
    this.limits = { ...defaultLimits, ...params.limits }
    this.identityValidator = params.identityValidator
    this.keyPackageValidator = params.keyPackageValidator
    this.scwVerifier = params.scwVerifier
    this.originate = params.originate
    this.flags = params.flags ?? new NodeFlags()
    this.limiter =
      params.rateLimits === false
        ? undefined
        : new RateLimiter(params.rateLimits ?? upstreamRateLimits, params.now)
    this.unsubscribeStore = this.store.subscribe((events) => this.dispatch(events))
  }

  /** Refuses new work and ends every open stream with `Node::ShuttingDown` (node-go: UNAVAILABLE). */
  stop(): void {
    if (this.stopping) return
    this.stopping = true
    this.unsubscribeStore()
    for (const s of [...this.streams]) s.fail(new NodeError('Node::ShuttingDown', 'service is shutting down'))
  }

  /** How many streams are open. */
  get openStreams(): number {
    return this.streams.size
  }

  // ---------------------------------------------------------------------------------------------------
  // MlsApi

  /** SendGroupMessages (§3.3): every message is parsed before any is stored. */
  async sendGroupMessages(
    ctx: CallContext,
    messages: readonly (GroupMessageInput | undefined)[],
  ): Promise<void> {
    this.admit(ctx, 'publish', Math.max(1, messages.length))
    if (messages.length === 0) throw invalid('no group messages to send')
    this.checkBatch(messages.length, this.limits.maxPublishBatch, 'group messages')
    const rows: GroupMessageRow[] = messages.map((m) => {
      if (m === undefined) throw invalid('invalid group message')
      this.checkSize(m.data, 'group message')
      const header = parseGroupMessage(m.data)
      return {
        groupId: header.groupId,
        data: m.data,
        senderHmac: m.senderHmac,
        shouldPush: m.shouldPush,
        isCommit: header.isCommit,
      }
    })
    await this.store.appendGroupMessages(
      rows,
      this.originating((stored) => {
        const messages = stored.filter((m): m is GroupMessage => m !== undefined)
        return messages.length === 0 ? undefined : { kind: 'groupMessages', messages }
      }),
    )
  }

  /** SendWelcomeMessages (§3.4): V1 welcomes (pointees included) and welcome pointers (XIP-74). */
  async sendWelcomeMessages(
    ctx: CallContext,
    messages: readonly (WelcomeMessageInput | undefined)[],
  ): Promise<void> {
    this.admit(ctx, 'publish', Math.max(1, messages.length))
    if (messages.length === 0) throw invalid('no welcome messages to send')
    this.checkBatch(messages.length, this.limits.maxPublishBatch, 'welcome messages')
    const rows = messages.map((w): WelcomeMessageInput => {
      if (w === undefined) throw invalid('invalid welcome message')
      if (w.installationKey.length === 0) throw invalid('welcome has no installation key')
      if (w.kind === 'v1') {
        if (w.data.length === 0) throw invalid('welcome has no data')
        this.checkSize(w.data, 'welcome')
        // A pointee (SYMMETRIC_KEY) has no HPKE key; every other V1 welcome needs one (invariant §6.8).
        if (w.wrapperAlgorithm !== WelcomeWrapperAlgorithm.SymmetricKey && w.hpkePublicKey.length === 0) {
          throw invalid('welcome has no hpke public key')
        }
        // node-go stores UNSPECIFIED / unknown algorithms as Curve25519 and reads them back so.
        const known =
          w.wrapperAlgorithm === WelcomeWrapperAlgorithm.XwingMlkem768Draft6 ||
          w.wrapperAlgorithm === WelcomeWrapperAlgorithm.SymmetricKey
        return { ...w, wrapperAlgorithm: known ? w.wrapperAlgorithm : WelcomeWrapperAlgorithm.Curve25519 }
      }
      if (w.welcomePointer.length === 0) throw invalid('welcome pointer is empty')
      this.checkSize(w.welcomePointer, 'welcome pointer')
      if (w.hpkePublicKey.length === 0) throw invalid('welcome pointer has no hpke public key')
      if (w.wrapperAlgorithm !== WelcomePointerWrapperAlgorithm.XwingMlkem768Draft6) {
        throw invalid('welcome pointer wrapper algorithm must be XWING_MLKEM_768_DRAFT_6')
      }
      return w
    })
    await this.store.appendWelcomes(
      rows,
      this.originating((stored) => {
        const messages = stored.filter((m): m is WelcomeMessage => m !== undefined)
        return messages.length === 0 ? undefined : { kind: 'welcomes', messages }
      }),
    )
  }

  /** UploadKeyPackage / RegisterInstallation (§3.5). Resolves with the installation key. */
  async uploadKeyPackage(ctx: CallContext, keyPackage: Uint8Array | undefined): Promise<Uint8Array> {
    this.admit(ctx, 'publish', 1)
    if (keyPackage === undefined || keyPackage.length === 0) throw invalid('no key package')
    this.checkSize(keyPackage, 'key package')
    let installationKey: Uint8Array
    try {
      installationKey = (await this.keyPackageValidator.validateKeyPackage(keyPackage)).installationKey
    } catch (error) {
      throw new NodeError('Node::InvalidKeyPackage', 'invalid identity: key package validation failed', {
        cause: error,
        details: error instanceof Error ? error.message : String(error),
      })
    }
    await this.store.putKeyPackage(
      installationKey,
      keyPackage,
      this.originating(() => ({ kind: 'keyPackage', installationKey, keyPackage })),
    )
    return installationKey
  }

  /** FetchKeyPackages (§3.5): the latest per installation, aligned with the request; empty when unknown. */
  async fetchKeyPackages(ctx: CallContext, installationKeys: readonly Uint8Array[]): Promise<Uint8Array[]> {
    this.admit(ctx, 'default', 1)
    this.checkBatch(installationKeys.length, this.limits.maxQueryBatch, 'installation keys')
    return Promise.all(
      installationKeys.map(async (k) =>
        k.length === 0 ? new Uint8Array(0) : ((await this.store.latestKeyPackage(k)) ?? new Uint8Array(0)),
      ),
    )
  }

  /** QueryGroupMessages (§3.6). */
  async queryGroupMessages(
    ctx: CallContext,
    groupId: Uint8Array,
    paging: PagingInfo | undefined,
  ): Promise<Page<GroupMessage>> {
    this.admit(ctx, 'default', 1)
    if (groupId.length === 0) throw invalid('group id is empty')
    const bounds = this.bounds(paging)
    return this.page(bounds, await this.store.queryGroupMessages(groupId, bounds))
  }

  /**
   * {@link queryGroupMessages} as stored rows (`NodeStore.queryGroupRows`), for transports that encode
   * them straight to the wire; the same checks, rows and paging.
   */
  async queryGroupRows(
    ctx: CallContext,
    groupId: Uint8Array,
    paging: PagingInfo | undefined,
  ): Promise<{ readonly rows: StoredEntry[]; readonly pagingInfo: PagingInfo }> {
    this.admit(ctx, 'default', 1)
    if (groupId.length === 0) throw invalid('group id is empty')
    const bounds = this.bounds(paging)
    const rows = await this.store.queryGroupRows(groupId, bounds)
    const last = rows[rows.length - 1]
    return {
      rows,
      pagingInfo: {
        direction: bounds.ascending ? SortDirection.Ascending : SortDirection.Descending,
        limit: bounds.limit,
        idCursor: rows.length === bounds.limit && last !== undefined ? idOfTopicKey(last[0]) : 0,
      },
    }
  }

  /** QueryWelcomeMessages (§3.6). */
  async queryWelcomeMessages(
    ctx: CallContext,
    installationKey: Uint8Array,
    paging: PagingInfo | undefined,
  ): Promise<Page<WelcomeMessage>> {
    this.admit(ctx, 'default', 1)
    if (installationKey.length === 0) throw invalid('installation key is empty')
    const bounds = this.bounds(paging)
    return this.page(bounds, await this.store.queryWelcomes(installationKey, bounds))
  }

  /** GetNewestGroupMessage (§3.9): aligned with the request; `undefined` when a group has none. */
  async getNewestGroupMessage(
    ctx: CallContext,
    groupIds: readonly Uint8Array[],
    includeContent: boolean,
  ): Promise<(GroupMessage | undefined)[]> {
    this.admit(ctx, 'default', 1)
    if (groupIds.length === 0) throw invalid('no group ids provided')
    this.checkBatch(groupIds.length, this.limits.maxQueryBatch, 'group ids')
    return Promise.all(
      groupIds.map(async (g) => {
        const m = g.length === 0 ? undefined : await this.store.newestGroupMessage(g)
        if (m === undefined || includeContent) return m
        // Without content node-go fills only id, group id, created_ns and is_commit.
        const empty = new Uint8Array(0)
        return { ...m, data: empty, senderHmac: empty, shouldPush: false }
      }),
    )
  }

  /** BatchPublishCommitLog (§3.8): 1..10 entries; the signature is stored, not verified (as upstream). */
  async batchPublishCommitLog(
    ctx: CallContext,
    entries: readonly (CommitLogInput | undefined)[],
  ): Promise<void> {
    this.admit(ctx, 'default', 1)
    if (entries.length === 0) throw invalid('no log entries to publish')
    if (entries.length > this.limits.maxCommitLogPublish) {
      throw new NodeError(
        'Node::BatchTooLarge',
        `cannot exceed ${this.limits.maxCommitLogPublish} inserts in single batch`,
      )
    }
    const rows = entries.map((e) => {
      if (e === undefined || e.groupId.length === 0 || e.serializedCommitLogEntry.length === 0) {
        throw invalid('invalid commit log entry')
      }
      this.checkSize(e.serializedCommitLogEntry, 'commit log entry')
      return e
    })
    await this.store.appendCommitLog(rows)
  }

  /** BatchQueryCommitLog (§3.8): 1..20 queries, ascending only. */
  async batchQueryCommitLog(
    ctx: CallContext,
    queries: readonly { readonly groupId: Uint8Array; readonly pagingInfo: PagingInfo | undefined }[],
  ): Promise<{ groupId: Uint8Array; entries: CommitLogEntry[]; pagingInfo: PagingInfo }[]> {
    this.admit(ctx, 'default', 1)
    if (queries.length === 0) throw invalid('no queries')
    if (queries.length > this.limits.maxCommitLogQuery) {
      throw new NodeError(
        'Node::BatchTooLarge',
        `cannot exceed ${this.limits.maxCommitLogQuery} queries in single batch`,
      )
    }
    for (const q of queries) {
      if (q.groupId.length === 0) throw invalid('group id is empty')
      if (q.pagingInfo?.direction === SortDirection.Descending) {
        throw invalid('descending direction is not supported')
      }
    }
    return Promise.all(
      queries.map(async (q) => {
        const bounds: QueryBounds = {
          ascending: true,
          limit: this.limit(q.pagingInfo?.limit),
          idCursor: q.pagingInfo?.idCursor ?? 0,
        }
        const entries = await this.store.queryCommitLog(q.groupId, bounds)
        const last = entries[entries.length - 1]
        return {
          groupId: q.groupId,
          entries,
          pagingInfo: {
            direction: SortDirection.Ascending,
            limit: bounds.limit,
            idCursor: entries.length === bounds.limit && last !== undefined ? last.sequenceId : 0,
          },
        }
      }),
    )
  }

  /**
   * SubscribeGroupMessages (§3.7): history after each filter's cursor, then live, ascending per group,
   * with no gap and no duplicate. Live rows are collected from the moment of the call, before catch-up.
   */
  subscribeGroupMessages(
    ctx: CallContext,
    filters: readonly { readonly groupId: Uint8Array; readonly idCursor: number }[],
    sink: StreamSink<GroupMessage>,
  ): SubscriptionHandle {
    this.admit(ctx, 'default', 1)
    this.checkBatch(filters.length, this.limits.maxSubscribeFilters, 'filters')
    const topics = filters.map((f) => ({ topic: `g${hex(f.groupId)}`, key: f.groupId, cursor: f.idCursor }))
    return this.openStream(
      topics,
      sink as StreamSink<GroupMessage | WelcomeMessage>,
      (key, bounds) => this.store.queryGroupMessages(key, bounds),
      // A client resuming from the group's newest message (the usual case) has no history to read.
      (key, cursor) => this.store.mayHaveGroupMessagesAfter(key, cursor),
    )
  }

  /** SubscribeWelcomeMessages (§3.7): needs at least one filter, none with an empty installation key. */
  subscribeWelcomeMessages(
    ctx: CallContext,
    filters: readonly { readonly installationKey: Uint8Array; readonly idCursor: number }[],
    sink: StreamSink<WelcomeMessage>,
  ): SubscriptionHandle {
    this.admit(ctx, 'default', 1)
    if (filters.length === 0) throw invalid('no filters')
    this.checkBatch(filters.length, this.limits.maxSubscribeFilters, 'filters')
    if (filters.some((f) => f.installationKey.length === 0)) throw invalid('installation key is empty')
    const topics = filters.map((f) => ({
      topic: `w${hex(f.installationKey)}`,
      key: f.installationKey,
      cursor: f.idCursor,
    }))
    return this.openStream(topics, sink as StreamSink<GroupMessage | WelcomeMessage>, (key, bounds) =>
      this.store.queryWelcomes(key, bounds),
    )
  }

  // ---------------------------------------------------------------------------------------------------
  // IdentityApi

  /**
   * PublishIdentityUpdate (§3.10): per inbox, one at a time: the whole stored log and the new update are
   * validated together, then the update is appended and the address index changed in one batch.
   */
  async publishIdentityUpdate(
    ctx: CallContext,
    inboxId: string,
    update: Uint8Array | undefined,
  ): Promise<void> {
    this.admit(ctx, 'publish', 1)
    if (update === undefined || update.length === 0) throw invalid('identity update is required')
    this.checkSize(update, 'identity update')
    const inboxBytes = decodeHexId(inboxId, 'inbox id')
    const key = hex(inboxBytes)
    const previous = this.inboxLocks.get(key) ?? Promise.resolve()
    const run = previous.then(
      () => this.publishIdentityUpdateLocked(inboxId, inboxBytes, update),
      () => this.publishIdentityUpdateLocked(inboxId, inboxBytes, update),
    )
    this.inboxLocks.set(key, run)
    try {
      await run
    } finally {
      if (this.inboxLocks.get(key) === run) this.inboxLocks.delete(key)
    }
  }

  private async publishIdentityUpdateLocked(inboxId: string, inboxBytes: Uint8Array, update: Uint8Array) {
    const log = await this.store.inboxLog(inboxBytes, 0)
    if (log.length >= this.limits.maxInboxLog) {
      throw new NodeError('Node::InboxLogFull', 'inbox log is full')
    }
    let effect: Awaited<ReturnType<IdentityValidator['validateIdentityUpdate']>>
    try {
      effect = await this.identityValidator.validateIdentityUpdate({
        inboxId,
        log: log.map((l) => l.update),
        update,
      })
    } catch (error) {
      if (error instanceof NodeError && error.code !== 'Node::InvalidIdentityUpdate') throw error
      throw new NodeError('Node::InvalidIdentityUpdate', 'identity update validation failed', {
        cause: error,
        details: error instanceof Error ? error.message : String(error),
      })
    }
    await this.store.appendIdentityUpdate(
      {
        inboxId: inboxBytes,
        update,
        addedAddresses: effect.addedAddresses,
        removedAddresses: effect.removedAddresses,
      },
      this.originating(() => ({ kind: 'identityUpdate', inboxId, update })),
    )
  }

  /** GetIdentityUpdates (§3.11): per request, the inbox's updates after `sequenceId`, in request order. */
  async getIdentityUpdates(
    ctx: CallContext,
    requests: readonly { readonly inboxId: string; readonly sequenceId: number }[],
  ): Promise<{ inboxId: string; updates: IdentityUpdateLog[] }[]> {
    this.admit(ctx, 'default', 1)
    this.checkBatch(requests.length, this.limits.maxQueryBatch, 'inbox ids')
    const decoded = requests.map((r) => ({ ...r, bytes: decodeHexId(r.inboxId, 'inbox id') }))
    return Promise.all(
      decoded.map(async (r) => ({
        inboxId: r.inboxId,
        updates: await this.store.inboxLog(r.bytes, r.sequenceId),
      })),
    )
  }

  /**
   * GetInboxIds (§3.11): the inbox of each identifier by exact match (addresses are indexed lowercase);
   * passkeys are never indexed, as on node-go. The identifier kind is not echoed (node-go leaves it 0).
   */
  getInboxIds(
    ctx: CallContext,
    requests: readonly { readonly identifier: string; readonly identifierKind: number }[],
  ): InboxIdResult[] {
    this.admit(ctx, 'default', 1)
    this.checkBatch(requests.length, this.limits.maxQueryBatch, 'identifiers')
    // Synchronous (the store answers from its cache or one synchronous point read): no promise per call.
    const out = new Array<InboxIdResult>(requests.length)
    for (let i = 0; i < requests.length; i++) {
      const r = requests[i] as { readonly identifier: string; readonly identifierKind: number }
      out[i] = {
        identifier: r.identifier,
        inboxId: r.identifierKind === 2 ? undefined : this.store.inboxIdForAddressSync(r.identifier),
      }
    }
    return out
  }

  /** VerifySmartContractWalletSignatures: through the configured {@link ScwVerifier}. */
  async verifySmartContractWalletSignatures(
    ctx: CallContext,
    requests: readonly ScwSignatureRequest[],
  ): Promise<ScwSignatureResult[]> {
    this.admit(ctx, 'default', 1)
    this.checkBatch(requests.length, this.limits.maxQueryBatch, 'signatures')
    const verifier = this.scwVerifier
    if (verifier === undefined) {
      return requests.map(() => ({
        isValid: false,
        blockNumber: undefined,
        error: 'this node has no smart-contract-wallet verifier configured',
      }))
    }
    return Promise.all(
      requests.map(async (r) => {
        try {
          return await verifier.verify(r)
        } catch (error) {
          return {
            isValid: false,
            blockNumber: undefined,
            error: error instanceof Error ? error.message : 'failed',
          }
        }
      }),
    )
  }

  // ---------------------------------------------------------------------------------------------------
  // Internals

  /** The origination of a publish, joined to its batch (none without replication). */
  private originating<R>(event: (result: R) => PublishedEvent | undefined): JoinWrites<R> | undefined {
    const originate = this.originate
    if (originate === undefined) return undefined
    return (result) => {
      const e = event(result)
      return e === undefined ? undefined : originate(e)
    }
  }

  private admit(ctx: CallContext, kind: LimitKind, cost: number): void {
    if (this.stopping) throw new NodeError('Node::ShuttingDown', 'service is shutting down')
    if (kind === 'publish') this.flags.admitWrite(ctx.flags)
    this.limiter?.take(ctx.client, kind, cost)
  }

  private checkBatch(count: number, max: number, what: string): void {
    if (count > max) throw new NodeError('Node::BatchTooLarge', `too many ${what}: ${count} > ${max}`)
  }

  private checkSize(bytes: Uint8Array, what: string): void {
    if (bytes.length > this.limits.maxMessageBytes) {
      throw new NodeError('Node::MessageTooLarge', `${what} exceeds ${this.limits.maxMessageBytes} bytes`)
    }
  }

  private limit(requested: number | undefined): number {
    const max = this.limits.maxPageSize
    return requested !== undefined && requested >= 1 && requested <= max ? requested : max
  }

  /** node-go: ascending only when asked explicitly; limit 1..100 else 100 (§3.6). */
  private bounds(paging: PagingInfo | undefined): QueryBounds {
    return {
      ascending: paging?.direction === SortDirection.Ascending,
      limit: this.limit(paging?.limit),
      idCursor: paging?.idCursor ?? 0,
    }
  }

  /** `id_cursor` = the last row's id only on a full page (§3.6, invariant §6.3). */
  private page<T extends { readonly id: number }>(bounds: QueryBounds, items: T[]): Page<T> {
    const last = items[items.length - 1]
    return {
      items,
      pagingInfo: {
        direction: bounds.ascending ? SortDirection.Ascending : SortDirection.Descending,
        limit: bounds.limit,
        idCursor: items.length === bounds.limit && last !== undefined ? last.id : 0,
      },
    }
  }

  private dispatch(events: readonly StoreEvent[]): void {
    for (const e of events) {
      const topic = e.type === 'group' ? `g${hex(e.message.groupId)}` : `w${hex(e.message.installationKey)}`
      const subs = this.topics.get(topic)
      if (subs === undefined) continue
      for (const s of subs) s.offerLive(topic, e.message)
    }
  }

  private openStream(
    filters: readonly { topic: string; key: Uint8Array; cursor: number }[],
    sink: StreamSink<GroupMessage | WelcomeMessage>,
    read: (key: Uint8Array, bounds: QueryBounds) => Promise<(GroupMessage | WelcomeMessage)[]>,
    mayHaveAfter?: (key: Uint8Array, cursor: number) => boolean,
  ): SubscriptionHandle {
    const cursors = new Map<string, { key: Uint8Array; cursor: number }>()
    for (const f of filters) {
      const seen = cursors.get(f.topic)
      if (seen === undefined || f.cursor < seen.cursor) cursors.set(f.topic, { key: f.key, cursor: f.cursor })
    }
    const sub = new Subscription(sink, this.limits.maxStreamQueue, () => {
      this.streams.delete(sub)
      for (const topic of cursors.keys()) {
        const set = this.topics.get(topic)
        set?.delete(sub)
        if (set?.size === 0) this.topics.delete(topic)
      }
    })
    this.streams.add(sub)
    // Register for live rows BEFORE reading history: a row committed during catch-up is either read or
    // buffered, and the per-topic high-water mark drops the overlap (§3.7).
    for (const [topic, { cursor }] of cursors) {
      sub.setCursor(topic, cursor)
      let set = this.topics.get(topic)
      if (set === undefined) {
        set = new Set()
        this.topics.set(topic, set)
      }
      set.add(sub)
    }
    const live = (async () => {
      for (const [topic, { key }] of cursors) {
        // Asked after registering for live rows: a row this does not see is committed later, so it comes
        // live; one it sees is read below (and a row both read and live is dropped by the high-water mark).
        if (mayHaveAfter !== undefined && !mayHaveAfter(key, sub.cursorOf(topic))) continue
        for (;;) {
          if (sub.done) return
          const rows = await read(key, {
            ascending: true,
            limit: this.limits.maxPageSize,
            idCursor: sub.cursorOf(topic),
          })
          for (const row of rows) sub.offer(topic, row)
          await sub.backlogBelow(this.limits.maxStreamQueue / 4)
          if (rows.length < this.limits.maxPageSize) break
        }
      }
      sub.goLive()
    })().catch((error: unknown) => {
      sub.fail(
        error instanceof NodeError
          ? error
          : new NodeError('Node::StorageFailure', 'catch-up failed', { cause: error }),
      )
    })
    return { cancel: () => sub.close(), live }
  }
}

/**
 * One stream: a bounded queue in front of the transport, a high-water mark per topic, and a buffer for
 * live rows that arrive while history is still being sent.
 */
class Subscription<T extends { readonly id: number }> {
  done = false
  private readonly sink: StreamSink<T>
  private readonly maxQueue: number
  private readonly onClose: () => void
  private readonly marks = new Map<string, number>()
  private queue: T[] = []
  private head = 0
  private pending: { topic: string; item: T }[] | undefined = []
  private pumping = false
  private waiters: (() => void)[] = []

  constructor(sink: StreamSink<T>, maxQueue: number, onClose: () => void) {
    this.sink = sink
    this.maxQueue = maxQueue
    this.onClose = onClose
  }

  setCursor(topic: string, cursor: number): void {
    this.marks.set(topic, cursor)
  }

  cursorOf(topic: string): number {
    return this.marks.get(topic) ?? 0
  }

  /** A live row: buffered during catch-up, queued after. */
  offerLive(topic: string, item: T): void {
    if (this.done) return
    if (this.pending !== undefined) {
      this.pending.push({ topic, item })
      // Catch-up is paced by the reader; live rows meanwhile may not grow without bound either.
      if (this.pending.length > this.maxQueue * 8) this.slow()
      return
    }
    this.offer(topic, item)
  }

  /** Queues a row unless its topic already delivered this id or a later one. */
  offer(topic: string, item: T): void {
    if (this.done) return
    if (item.id <= (this.marks.get(topic) ?? 0)) return
    this.marks.set(topic, item.id)
    this.queue.push(item)
    if (this.queue.length - this.head > this.maxQueue) {
      this.slow()
      return
    }
    void this.pump()
  }

  goLive(): void {
    const pending = this.pending ?? []
    this.pending = undefined
    for (const p of pending) this.offer(p.topic, p.item)
  }

  /** Resolves when fewer than `n` rows wait (catch-up pacing). */
  async backlogBelow(n: number): Promise<void> {
    while (!this.done && this.queue.length - this.head >= n) {
      await new Promise<void>((resolve) => this.waiters.push(resolve))
    }
  }

  fail(error: NodeError): void {
    if (this.done) return
    this.finish()
    this.sink.end(error)
  }

  close(): void {
    if (this.done) return
    this.finish()
  }

  private slow(): void {
    this.fail(new NodeError('Node::SlowReader', 'caller did not read all messages fast enough'))
  }

  private finish(): void {
    this.done = true
    this.queue = []
    this.head = 0
    this.pending = undefined
    this.onClose()
    this.wake()
  }

  private wake(): void {
    const waiters = this.waiters
    this.waiters = []
    for (const w of waiters) w()
  }

  private async pump(): Promise<void> {
    if (this.pumping) return
    this.pumping = true
    try {
      while (!this.done && this.head < this.queue.length) {
        const item = this.queue[this.head] as T
        this.head++
        if (this.head > 1024 && this.head * 2 > this.queue.length) {
          this.queue = this.queue.slice(this.head)
          this.head = 0
        }
        const more = this.sink.write(item)
        this.wake()
        if (!more) await this.sink.drained()
      }
    } catch (error) {
      this.fail(new NodeError('Node::Internal', 'stream write failed', { cause: error }))
    } finally {
      this.pumping = false
      this.wake()
    }
  }
}
