/**
 * The XMTP V3 request set over a {@link Transport}: typed requests and responses, paging as xmtp-node-go
 * pages (v3-node-api-and-identity.md §2.4, §3.6: at most 100 rows a page, exclusive id cursors, keep going
 * while a page is full), and retries with backoff for transient failures.
 * @module
 */
import { decodeMessage, type Long, toBigInt, toLong, xmtp } from '@xmtp-lite/proto'
import { ClientError } from '../errors.ts'
import type { StreamCall, StreamSink, Transport } from '../transport/transport.ts'
import { type RetryPolicy, withRetry } from './retry.ts'

const mls = xmtp.mls.api.v1
const identityApi = xmtp.identity.api.v1

/** gRPC method paths (§1.1, §1.2). */
export const MlsPaths = {
  sendGroupMessages: '/xmtp.mls.api.v1.MlsApi/SendGroupMessages',
  sendWelcomeMessages: '/xmtp.mls.api.v1.MlsApi/SendWelcomeMessages',
  uploadKeyPackage: '/xmtp.mls.api.v1.MlsApi/UploadKeyPackage',
  fetchKeyPackages: '/xmtp.mls.api.v1.MlsApi/FetchKeyPackages',
  queryGroupMessages: '/xmtp.mls.api.v1.MlsApi/QueryGroupMessages',
  queryWelcomeMessages: '/xmtp.mls.api.v1.MlsApi/QueryWelcomeMessages',
  subscribeGroupMessages: '/xmtp.mls.api.v1.MlsApi/SubscribeGroupMessages',
  subscribeWelcomeMessages: '/xmtp.mls.api.v1.MlsApi/SubscribeWelcomeMessages',
  getNewestGroupMessage: '/xmtp.mls.api.v1.MlsApi/GetNewestGroupMessage',
} as const

/** Identity API paths. */
export const IdentityPaths = {
  publishIdentityUpdate: '/xmtp.identity.api.v1.IdentityApi/PublishIdentityUpdate',
  getIdentityUpdates: '/xmtp.identity.api.v1.IdentityApi/GetIdentityUpdates',
  getInboxIds: '/xmtp.identity.api.v1.IdentityApi/GetInboxIds',
} as const

/** The page size of xmtp-node-go (and its maximum). */
export const maxPageSize = 100

/** A group message as the node stores it. */
export interface GroupMessageRecord {
  readonly id: bigint
  readonly createdNs: bigint
  readonly groupId: Uint8Array
  readonly data: Uint8Array
  readonly senderHmac: Uint8Array
  readonly shouldPush: boolean
  readonly isCommit: boolean
}

/** A welcome (or a welcome pointer) addressed to one installation. */
export interface WelcomeRecord {
  readonly kind: 'welcome' | 'pointer'
  readonly id: bigint
  readonly createdNs: bigint
  readonly installationKey: Uint8Array
  /** The HPKE ciphertext of the welcome, or of the pointer. */
  readonly data: Uint8Array
  readonly hpkePublicKey: Uint8Array
  readonly wrapperAlgorithm: number
  /** The HPKE-sealed WelcomeMetadata (V1 only; empty otherwise). */
  readonly welcomeMetadata: Uint8Array
}

/** A group message to publish. */
export interface GroupMessageInput {
  readonly data: Uint8Array
  readonly senderHmac?: Uint8Array
  readonly shouldPush?: boolean
}

/** A welcome to publish. */
export interface WelcomeInput {
  readonly installationKey: Uint8Array
  readonly data: Uint8Array
  readonly hpkePublicKey: Uint8Array
  readonly wrapperAlgorithm: number
  readonly welcomeMetadata: Uint8Array
}

/** libxmtp's gRPC payload limit (xmtp_configuration `GRPC_PAYLOAD_LIMIT`, 25 MiB), what nodes accept. */
export const grpcPayloadLimit = 25 * 1024 * 1024
/** At most this many welcomes per SendWelcomeMessages request (libxmtp clamps its chunks to 50). */
export const maxWelcomesPerRequest = 50

/**
 * Welcomes split into requests that stay under the payload limit (with room for framing) and hold at most
 * 50 each, in order. A single welcome over the limit goes alone (the node refuses it).
 */
export function welcomeBatches(welcomes: readonly WelcomeInput[]): WelcomeInput[][] {
  const budget = grpcPayloadLimit - 64 * 1024
  const batches: WelcomeInput[][] = []
  let current: WelcomeInput[] = []
  let size = 0
  for (const w of welcomes) {
    const bytes =
      w.installationKey.length + w.data.length + w.hpkePublicKey.length + w.welcomeMetadata.length + 32
    if (current.length > 0 && (size + bytes > budget || current.length >= maxWelcomesPerRequest)) {
      batches.push(current)
      current = []
      size = 0
    }
    current.push(w)
    size += bytes
  }
  if (current.length > 0) batches.push(current)
  return batches
}

/** One entry of an inbox's identity log. */
export interface IdentityLogEntry {
  readonly sequenceId: bigint
  readonly serverTimestampNs: bigint
  readonly update: xmtp.identity.associations.IIdentityUpdate
}

/** Options of {@link XmtpApi}. */
export interface XmtpApiOptions {
  readonly retry?: RetryPolicy
}

function u64(value: number | Long | null | undefined): bigint {
  return value === null || value === undefined ? 0n : toBigInt(value)
}

function decodeResponse<T>(type: { decode(reader: Uint8Array): T }, bytes: Uint8Array, path: string): T {
  try {
    return decodeMessage(type, bytes)
  } catch (cause) {
    throw new ClientError('Client::BadResponse', `${path}: the response does not decode`, { cause })
  }
}

function groupMessageFromProto(message: xmtp.mls.api.v1.IGroupMessage): GroupMessageRecord | undefined {
  const v1 = message.v1
  if (v1 === null || v1 === undefined) return undefined
  return {
    id: u64(v1.id),
    createdNs: u64(v1.createdNs),
    groupId: v1.groupId ?? new Uint8Array(0),
    data: v1.data ?? new Uint8Array(0),
    senderHmac: v1.senderHmac ?? new Uint8Array(0),
    shouldPush: v1.shouldPush === true,
    isCommit: v1.isCommit === true,
  }
}

function welcomeFromProto(message: xmtp.mls.api.v1.IWelcomeMessage): WelcomeRecord | undefined {
  if (message.v1 !== null && message.v1 !== undefined) {
    const v1 = message.v1
    return {
      kind: 'welcome',
      id: u64(v1.id),
      createdNs: u64(v1.createdNs),
      installationKey: v1.installationKey ?? new Uint8Array(0),
      data: v1.data ?? new Uint8Array(0),
      hpkePublicKey: v1.hpkePublicKey ?? new Uint8Array(0),
      wrapperAlgorithm: v1.wrapperAlgorithm ?? 0,
      welcomeMetadata: v1.welcomeMetadata ?? new Uint8Array(0),
    }
  }
  const pointer = message.welcomePointer
  if (pointer === null || pointer === undefined) return undefined
  return {
    kind: 'pointer',
    id: u64(pointer.id),
    createdNs: u64(pointer.createdNs),
    installationKey: pointer.installationKey ?? new Uint8Array(0),
    data: pointer.welcomePointer ?? new Uint8Array(0),
    hpkePublicKey: pointer.hpkePublicKey ?? new Uint8Array(0),
    wrapperAlgorithm: pointer.wrapperAlgorithm ?? 0,
    welcomeMetadata: new Uint8Array(0),
  }
}

/** Decodes one item of SubscribeGroupMessages. */
export function decodeStreamedGroupMessage(bytes: Uint8Array): GroupMessageRecord | undefined {
  return groupMessageFromProto(decodeResponse(mls.GroupMessage, bytes, MlsPaths.subscribeGroupMessages))
}

/** Decodes one item of SubscribeWelcomeMessages. */
export function decodeStreamedWelcome(bytes: Uint8Array): WelcomeRecord | undefined {
  return welcomeFromProto(decodeResponse(mls.WelcomeMessage, bytes, MlsPaths.subscribeWelcomeMessages))
}

/** The V3 API of one node. */
export class XmtpApi {
  readonly transport: Transport
  readonly #retry: RetryPolicy

  constructor(transport: Transport, options: XmtpApiOptions = {}) {
    this.transport = transport
    this.#retry = options.retry ?? {}
  }

  async #unary<T>(
    path: string,
    request: Uint8Array,
    responseType: { decode(reader: Uint8Array): T },
  ): Promise<T> {
    const bytes = await withRetry(() => this.transport.unary(path, request), this.#retry)
    return decodeResponse(responseType, bytes, path)
  }

  /** Publishes group messages (MLS PrivateMessages); the node dedups resends. */
  async sendGroupMessages(messages: readonly GroupMessageInput[]): Promise<void> {
    const request = mls.SendGroupMessagesRequest.encode({
      messages: messages.map((m) => ({
        v1: { data: m.data, senderHmac: m.senderHmac ?? new Uint8Array(0), shouldPush: m.shouldPush ?? true },
      })),
    }).finish()
    await this.#unary(MlsPaths.sendGroupMessages, request, { decode: () => undefined })
  }

  /** Publishes welcomes (V1 only; pointers are an optimisation this client does not send). */
  async sendWelcomeMessages(welcomes: readonly WelcomeInput[]): Promise<void> {
    // Every welcome carries the whole ratchet tree: a large group's welcomes exceed one request's limit,
    // so they go in batches, concurrently, as libxmtp's `send_welcomes` does.
    await Promise.all(
      welcomeBatches(welcomes).map(async (batch) => {
        const request = mls.SendWelcomeMessagesRequest.encode({
          messages: batch.map((w) => ({
            v1: {
              installationKey: w.installationKey,
              data: w.data,
              hpkePublicKey: w.hpkePublicKey,
              wrapperAlgorithm: w.wrapperAlgorithm,
              welcomeMetadata: w.welcomeMetadata,
            },
          })),
        }).finish()
        await this.#unary(MlsPaths.sendWelcomeMessages, request, { decode: () => undefined })
      }),
    )
  }

  /** Uploads this installation's key package (a bare TLS KeyPackage). */
  async uploadKeyPackage(keyPackage: Uint8Array): Promise<void> {
    const request = mls.UploadKeyPackageRequest.encode({
      keyPackage: { keyPackageTlsSerialized: keyPackage },
      isInboxIdCredential: false,
    }).finish()
    await this.#unary(MlsPaths.uploadKeyPackage, request, { decode: () => undefined })
  }

  /** The latest key package of each installation, in request order (empty bytes where the node has none). */
  async fetchKeyPackages(installationKeys: readonly Uint8Array[]): Promise<Uint8Array[]> {
    if (installationKeys.length === 0) return []
    const request = mls.FetchKeyPackagesRequest.encode({ installationKeys: [...installationKeys] }).finish()
    const response = await this.#unary(MlsPaths.fetchKeyPackages, request, mls.FetchKeyPackagesResponse)
    const packages = response.keyPackages ?? []
    if (packages.length !== installationKeys.length) {
      throw new ClientError('Client::BadResponse', 'FetchKeyPackages answered a different number of packages')
    }
    return packages.map((p) => p.keyPackageTlsSerialized ?? new Uint8Array(0))
  }

  /** Every group message after `afterId` (exclusive), oldest first, paging until the end. */
  async queryGroupMessages(groupId: Uint8Array, afterId = 0n): Promise<GroupMessageRecord[]> {
    const out: GroupMessageRecord[] = []
    let cursor = afterId
    for (;;) {
      const request = mls.QueryGroupMessagesRequest.encode({
        groupId,
        pagingInfo: {
          direction: mls.SortDirection.SORT_DIRECTION_ASCENDING,
          limit: maxPageSize,
          idCursor: toLong(cursor),
        },
      }).finish()
      const response = await this.#unary(MlsPaths.queryGroupMessages, request, mls.QueryGroupMessagesResponse)
      const page = (response.messages ?? []).map(groupMessageFromProto).filter((m) => m !== undefined)
      out.push(...page)
      const next = u64(response.pagingInfo?.idCursor)
      // §3.6: id_cursor is set only on a full page; a short page is the end.
      if (page.length < maxPageSize || next === 0n || next <= cursor) return out
      cursor = next
    }
  }

  /** Every welcome for an installation after `afterId`, oldest first. */
  async queryWelcomeMessages(installationKey: Uint8Array, afterId = 0n): Promise<WelcomeRecord[]> {
    const out: WelcomeRecord[] = []
    let cursor = afterId
    for (;;) {
      const request = mls.QueryWelcomeMessagesRequest.encode({
        installationKey,
        pagingInfo: {
          direction: mls.SortDirection.SORT_DIRECTION_ASCENDING,
          limit: maxPageSize,
          idCursor: toLong(cursor),
        },
      }).finish()
      const response = await this.#unary(
        MlsPaths.queryWelcomeMessages,
        request,
        mls.QueryWelcomeMessagesResponse,
      )
      const page = (response.messages ?? []).map(welcomeFromProto).filter((m) => m !== undefined)
      out.push(...page)
      const next = u64(response.pagingInfo?.idCursor)
      if (page.length < maxPageSize || next === 0n || next <= cursor) return out
      cursor = next
    }
  }

  /**
   * The id of the newest message of each group (0n when it has none), one round trip for all: what a
   * syncAll uses to skip idle conversations (§2.7).
   */
  async newestGroupMessageIds(groupIds: readonly Uint8Array[]): Promise<bigint[]> {
    if (groupIds.length === 0) return []
    const request = mls.GetNewestGroupMessageRequest.encode({
      groupIds: [...groupIds],
      includeContent: false,
    }).finish()
    const response = await this.#unary(
      MlsPaths.getNewestGroupMessage,
      request,
      mls.GetNewestGroupMessageResponse,
    )
    const responses = response.responses ?? []
    if (responses.length !== groupIds.length) {
      throw new ClientError(
        'Client::BadResponse',
        'GetNewestGroupMessage answered a different number of rows',
      )
    }
    return responses.map((r) => u64(r.groupMessage?.v1?.id))
  }

  /** Opens SubscribeGroupMessages for groups, each from its cursor; the sink gets raw items. */
  subscribeGroupMessages(
    filters: readonly { groupId: Uint8Array; afterId: bigint }[],
    sink: StreamSink,
  ): StreamCall {
    const request = mls.SubscribeGroupMessagesRequest.encode({
      filters: filters.map((f) => ({ groupId: f.groupId, idCursor: toLong(f.afterId) })),
    }).finish()
    return this.transport.serverStream(MlsPaths.subscribeGroupMessages, request, sink)
  }

  /** Opens SubscribeWelcomeMessages for installations, each from its cursor. */
  subscribeWelcomeMessages(
    filters: readonly { installationKey: Uint8Array; afterId: bigint }[],
    sink: StreamSink,
  ): StreamCall {
    const request = mls.SubscribeWelcomeMessagesRequest.encode({
      filters: filters.map((f) => ({ installationKey: f.installationKey, idCursor: toLong(f.afterId) })),
    }).finish()
    return this.transport.serverStream(MlsPaths.subscribeWelcomeMessages, request, sink)
  }

  /** Publishes a signed identity update. */
  async publishIdentityUpdate(update: xmtp.identity.associations.IIdentityUpdate): Promise<void> {
    const request = identityApi.PublishIdentityUpdateRequest.encode({ identityUpdate: update }).finish()
    await this.#unary(IdentityPaths.publishIdentityUpdate, request, identityApi.PublishIdentityUpdateResponse)
  }

  /** The identity log of each inbox after a sequence id (exclusive), keyed by inbox id. */
  async getIdentityUpdates(
    requests: readonly { inboxId: string; afterSequenceId: bigint }[],
  ): Promise<Map<string, IdentityLogEntry[]>> {
    const out = new Map<string, IdentityLogEntry[]>()
    if (requests.length === 0) return out
    const request = identityApi.GetIdentityUpdatesRequest.encode({
      requests: requests.map((r) => ({ inboxId: r.inboxId, sequenceId: toLong(r.afterSequenceId) })),
    }).finish()
    const response = await this.#unary(
      IdentityPaths.getIdentityUpdates,
      request,
      identityApi.GetIdentityUpdatesResponse,
    )
    for (const r of response.responses ?? []) {
      const entries: IdentityLogEntry[] = []
      for (const u of r.updates ?? []) {
        if (u.update === null || u.update === undefined) continue
        entries.push({
          sequenceId: u64(u.sequenceId),
          serverTimestampNs: u64(u.serverTimestampNs),
          update: u.update,
        })
      }
      out.set(r.inboxId ?? '', entries)
    }
    return out
  }

  /** Inbox ids of identifiers (Ethereum addresses lowercased by the caller); absent when unregistered. */
  async getInboxIds(
    identifiers: readonly { identifier: string; kind: number }[],
  ): Promise<Map<string, string | undefined>> {
    const out = new Map<string, string | undefined>()
    if (identifiers.length === 0) return out
    const request = identityApi.GetInboxIdsRequest.encode({
      requests: identifiers.map((i) => ({ identifier: i.identifier, identifierKind: i.kind })),
    }).finish()
    const response = await this.#unary(IdentityPaths.getInboxIds, request, identityApi.GetInboxIdsResponse)
    for (const r of response.responses ?? []) {
      const inboxId =
        r.inboxId === null || r.inboxId === undefined || r.inboxId === '' ? undefined : r.inboxId
      out.set(r.identifier ?? '', inboxId)
    }
    return out
  }
}
