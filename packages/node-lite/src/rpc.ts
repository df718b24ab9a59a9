/**
 * The XMTP V3 rpcs as bytes-in/bytes-out handlers over the service core, shared by the gRPC server and the
 * WebSocket server: decode the request with the generated protobuf code (`@xmtp-lite/proto`), call
 * {@link NodeService}, encode the answer. Paths are the gRPC paths, `/xmtp.mls.api.v1.MlsApi/<Method>`
 * and `/xmtp.identity.api.v1.IdentityApi/<Method>` (§1.1, §1.2).
 * @module
 */
import { decodeMessage, ProtoError, toBigInt, toLong, xmtp } from '@xmtp-lite/proto'
import { NodeError } from './errors.ts'
import {
  encodeGetNewestGroupMessageResponse,
  encodeGroupMessage,
  encodeGroupRowsResponse,
} from './groupMessageWire.ts'
import { decodeGetInboxIdsRequest, encodeGetInboxIdsResponse, type InboxIdRequest } from './inboxIdsWire.ts'
import type { CallContext, NodeService, StreamSink, SubscriptionHandle } from './service.ts'
import type {
  GroupMessage,
  IdentityUpdateLog,
  PagingInfo,
  WelcomeMessage,
  WelcomeMessageInput,
} from './types.ts'

const mls = xmtp.mls.api.v1
const ident = xmtp.identity.api.v1

/** A unary rpc. */
export interface UnaryMethod {
  readonly kind: 'unary'
  readonly path: string
  handle(ctx: CallContext, request: Uint8Array): Promise<Uint8Array>
  /**
   * The same answer without a promise, for rpcs that never wait (throws what `handle` rejects with). A
   * transport may call it instead of `handle` and save the promise and its reactions on its hottest rpc.
   */
  readonly handleSync?: (ctx: CallContext, request: Uint8Array) => Uint8Array
}

/** A server-streaming rpc. */
export interface StreamMethod {
  readonly kind: 'stream'
  readonly path: string
  open(ctx: CallContext, request: Uint8Array, sink: StreamSink<Uint8Array>): SubscriptionHandle
}

/** Any rpc. */
export type RpcMethod = UnaryMethod | StreamMethod

/** The MlsApi service name. */
export const mlsServiceName = 'xmtp.mls.api.v1.MlsApi'
/** The IdentityApi service name. */
export const identityServiceName = 'xmtp.identity.api.v1.IdentityApi'

const empty = new Uint8Array(0)
const emptyResponse = new Uint8Array(0)

type LongLike = number | { low: number; high: number; unsigned: boolean } | null | undefined

/** A uint64 from the wire as a JS number; ids beyond 2^53 cannot exist here, so they clamp. */
function num(value: LongLike): number {
  if (value === null || value === undefined) return 0
  const big = toBigInt(value as Parameters<typeof toBigInt>[0])
  return big > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(big)
}

function bytes(value: Uint8Array | null | undefined): Uint8Array {
  return value ?? empty
}

function decode<T>(type: { decode(r: Uint8Array): T }, request: Uint8Array): T {
  try {
    return decodeMessage(type, request)
  } catch (error) {
    throw malformed(error)
  }
}

function malformed(error: unknown): NodeError {
  return new NodeError('Node::MalformedRequest', 'the request does not decode', {
    cause: error,
    details: error instanceof ProtoError ? error.code : undefined,
  } as never)
}

function paging(
  p: { direction: number; limit: number; idCursor: LongLike } | null | undefined,
): PagingInfo | undefined {
  if (p === null || p === undefined) return undefined
  return { direction: p.direction, limit: p.limit, idCursor: num(p.idCursor) }
}

function pagingOut(p: PagingInfo) {
  return { direction: p.direction, limit: p.limit, idCursor: toLong(p.idCursor) }
}

/** `GroupMessage` as its protobuf properties. */
export function groupMessageProps(m: GroupMessage) {
  return {
    v1: {
      id: toLong(m.id),
      createdNs: toLong(m.createdNs),
      groupId: m.groupId,
      data: m.data,
      senderHmac: m.senderHmac,
      shouldPush: m.shouldPush,
      isCommit: m.isCommit,
    },
  }
}

/** `WelcomeMessage` as its protobuf properties. */
export function welcomeMessageProps(w: WelcomeMessage) {
  if (w.kind === 'v1') {
    return {
      v1: {
        id: toLong(w.id),
        createdNs: toLong(w.createdNs),
        installationKey: w.installationKey,
        data: w.data,
        hpkePublicKey: w.hpkePublicKey,
        wrapperAlgorithm: w.wrapperAlgorithm,
        welcomeMetadata: w.welcomeMetadata,
      },
    }
  }
  return {
    welcomePointer: {
      id: toLong(w.id),
      createdNs: toLong(w.createdNs),
      installationKey: w.installationKey,
      welcomePointer: w.welcomePointer,
      hpkePublicKey: w.hpkePublicKey,
      wrapperAlgorithm: w.wrapperAlgorithm,
    },
  }
}

/** Encodes a `WelcomeMessage`. */
export function encodeWelcomeMessage(w: WelcomeMessage): Uint8Array {
  return mls.WelcomeMessage.encode(welcomeMessageProps(w) as never).finish()
}

/** Appends a length-delimited field holding already-encoded message bytes (protobuf wire type 2). */
function appendMessageField(prefix: Uint8Array, field: number, value: Uint8Array): Uint8Array {
  const header: number[] = []
  let tag = (field << 3) | 2
  while (tag > 0x7f) {
    header.push((tag & 0x7f) | 0x80)
    tag >>>= 7
  }
  header.push(tag)
  let len = value.length
  while (len > 0x7f) {
    header.push((len & 0x7f) | 0x80)
    len >>>= 7
  }
  header.push(len)
  const out = new Uint8Array(prefix.length + header.length + value.length)
  out.set(prefix, 0)
  out.set(header, prefix.length)
  out.set(value, prefix.length + header.length)
  return out
}

/** `IdentityUpdateLog` with the stored update bytes spliced in unchanged as field 3. */
function encodeIdentityUpdateLog(log: IdentityUpdateLog): Uint8Array {
  const head = ident.GetIdentityUpdatesResponse.IdentityUpdateLog.encode({
    sequenceId: toLong(log.sequenceId),
    serverTimestampNs: toLong(log.serverTimestampNs),
  }).finish()
  return appendMessageField(head, 3, log.update)
}

function streamSink<T>(sink: StreamSink<Uint8Array>, encode: (item: T) => Uint8Array): StreamSink<T> {
  return { write: (item) => sink.write(encode(item)), drained: () => sink.drained(), end: (e) => sink.end(e) }
}

function unimplemented(path: string): UnaryMethod {
  return {
    kind: 'unary',
    path,
    async handle() {
      throw new NodeError('Node::Unimplemented', `${path} is not implemented (as on xmtp-node-go)`)
    },
  }
}

/** GetInboxIds (65% of a client's calls): answered synchronously, encoded straight into one buffer. */
function getInboxIdsMethod(service: NodeService, path: string): UnaryMethod {
  const handleSync = (ctx: CallContext, request: Uint8Array): Uint8Array => {
    let requests: InboxIdRequest[]
    try {
      requests = decodeGetInboxIdsRequest(request)
    } catch (error) {
      throw malformed(error)
    }
    return encodeGetInboxIdsResponse(service.getInboxIds(ctx, requests))
  }
  return {
    kind: 'unary',
    path,
    handleSync,
    async handle(ctx, request) {
      return handleSync(ctx, request)
    },
  }
}

/** Every MlsApi and IdentityApi rpc, keyed by gRPC path. */
export function rpcMethods(service: NodeService): Map<string, RpcMethod> {
  const m = (name: string) => `/${mlsServiceName}/${name}`
  const i = (name: string) => `/${identityServiceName}/${name}`
  const methods: RpcMethod[] = [
    {
      kind: 'unary',
      path: m('SendGroupMessages'),
      async handle(ctx, request) {
        const req = decode(mls.SendGroupMessagesRequest, request)
        await service.sendGroupMessages(
          ctx,
          req.messages.map((x) =>
            x.v1 === null || x.v1 === undefined
              ? undefined
              : {
                  data: bytes(x.v1.data),
                  senderHmac: bytes(x.v1.senderHmac),
                  shouldPush: x.v1.shouldPush === true,
                },
          ),
        )
        return emptyResponse
      },
    },
    {
      kind: 'unary',
      path: m('SendWelcomeMessages'),
      async handle(ctx, request) {
        const req = decode(mls.SendWelcomeMessagesRequest, request)
        await service.sendWelcomeMessages(
          ctx,
          req.messages.map((x): WelcomeMessageInput | undefined => {
            if (x.v1 !== null && x.v1 !== undefined) {
              return {
                kind: 'v1',
                installationKey: bytes(x.v1.installationKey),
                data: bytes(x.v1.data),
                hpkePublicKey: bytes(x.v1.hpkePublicKey),
                wrapperAlgorithm: x.v1.wrapperAlgorithm ?? 0,
                welcomeMetadata: bytes(x.v1.welcomeMetadata),
              }
            }
            const p = x.welcomePointer
            if (p !== null && p !== undefined) {
              return {
                kind: 'pointer',
                installationKey: bytes(p.installationKey),
                welcomePointer: bytes(p.welcomePointer),
                hpkePublicKey: bytes(p.hpkePublicKey),
                wrapperAlgorithm: p.wrapperAlgorithm ?? 0,
              }
            }
            return undefined
          }),
        )
        return emptyResponse
      },
    },
    {
      kind: 'unary',
      path: m('RegisterInstallation'),
      async handle(ctx, request) {
        const req = decode(mls.RegisterInstallationRequest, request)
        const installationKey = await service.uploadKeyPackage(
          ctx,
          req.keyPackage?.keyPackageTlsSerialized ?? undefined,
        )
        return mls.RegisterInstallationResponse.encode({ installationKey }).finish()
      },
    },
    {
      kind: 'unary',
      path: m('UploadKeyPackage'),
      async handle(ctx, request) {
        const req = decode(mls.UploadKeyPackageRequest, request)
        await service.uploadKeyPackage(ctx, req.keyPackage?.keyPackageTlsSerialized ?? undefined)
        return emptyResponse
      },
    },
    {
      kind: 'unary',
      path: m('FetchKeyPackages'),
      async handle(ctx, request) {
        const req = decode(mls.FetchKeyPackagesRequest, request)
        const kps = await service.fetchKeyPackages(ctx, req.installationKeys)
        // Unknown installations get an empty entry, keeping the response aligned (§2.3, open question 5).
        return mls.FetchKeyPackagesResponse.encode({
          keyPackages: kps.map((k) => ({ keyPackageTlsSerialized: k })),
        }).finish()
      },
    },
    unimplemented(m('RevokeInstallation')),
    unimplemented(m('GetIdentityUpdates')),
    {
      kind: 'unary',
      path: m('QueryGroupMessages'),
      async handle(ctx, request) {
        const req = decode(mls.QueryGroupMessagesRequest, request)
        const groupId = bytes(req.groupId)
        // Stored rows straight to the wire: the bytes of encodeQueryGroupMessagesResponse of the decoded page.
        const page = await service.queryGroupRows(ctx, groupId, paging(req.pagingInfo))
        return encodeGroupRowsResponse(groupId, page.rows, page.pagingInfo)
      },
    },
    {
      kind: 'unary',
      path: m('QueryWelcomeMessages'),
      async handle(ctx, request) {
        const req = decode(mls.QueryWelcomeMessagesRequest, request)
        const page = await service.queryWelcomeMessages(
          ctx,
          bytes(req.installationKey),
          paging(req.pagingInfo),
        )
        return mls.QueryWelcomeMessagesResponse.encode({
          messages: page.items.map(welcomeMessageProps),
          pagingInfo: pagingOut(page.pagingInfo),
        } as never).finish()
      },
    },
    {
      kind: 'stream',
      path: m('SubscribeGroupMessages'),
      open(ctx, request, sink) {
        const req = decode(mls.SubscribeGroupMessagesRequest, request)
        return service.subscribeGroupMessages(
          ctx,
          req.filters.map((f) => ({ groupId: bytes(f.groupId), idCursor: num(f.idCursor) })),
          streamSink(sink, encodeGroupMessage),
        )
      },
    },
    {
      kind: 'stream',
      path: m('SubscribeWelcomeMessages'),
      open(ctx, request, sink) {
        const req = decode(mls.SubscribeWelcomeMessagesRequest, request)
        return service.subscribeWelcomeMessages(
          ctx,
          req.filters.map((f) => ({ installationKey: bytes(f.installationKey), idCursor: num(f.idCursor) })),
          streamSink(sink, encodeWelcomeMessage),
        )
      },
    },
    {
      kind: 'unary',
      path: m('BatchPublishCommitLog'),
      async handle(ctx, request) {
        const req = decode(mls.BatchPublishCommitLogRequest, request)
        await service.batchPublishCommitLog(
          ctx,
          req.requests.map((r) =>
            r.signature === null || r.signature === undefined
              ? undefined
              : {
                  groupId: bytes(r.groupId),
                  serializedCommitLogEntry: bytes(r.serializedCommitLogEntry),
                  // Stored as its protobuf encoding, as node-go does (§3.8).
                  serializedSignature: xmtp.identity.associations.RecoverableEd25519Signature.encode(
                    r.signature,
                  ).finish(),
                },
          ),
        )
        return emptyResponse
      },
    },
    {
      kind: 'unary',
      path: m('BatchQueryCommitLog'),
      async handle(ctx, request) {
        const req = decode(mls.BatchQueryCommitLogRequest, request)
        const results = await service.batchQueryCommitLog(
          ctx,
          req.requests.map((r) => ({ groupId: bytes(r.groupId), pagingInfo: paging(r.pagingInfo) })),
        )
        return mls.BatchQueryCommitLogResponse.encode({
          responses: results.map((r) => ({
            groupId: r.groupId,
            pagingInfo: pagingOut(r.pagingInfo),
            commitLogEntries: r.entries.map((e) => ({
              sequenceId: toLong(e.sequenceId),
              serializedCommitLogEntry: e.serializedCommitLogEntry,
              signature: decodeMessage(
                xmtp.identity.associations.RecoverableEd25519Signature,
                e.serializedSignature,
              ),
            })),
          })),
        } as never).finish()
      },
    },
    {
      kind: 'unary',
      path: m('GetNewestGroupMessage'),
      async handle(ctx, request) {
        const req = decode(mls.GetNewestGroupMessageRequest, request)
        const newest = await service.getNewestGroupMessage(ctx, req.groupIds, req.includeContent === true)
        return encodeGetNewestGroupMessageResponse(newest)
      },
    },
    {
      kind: 'unary',
      path: i('PublishIdentityUpdate'),
      async handle(ctx, request) {
        const req = decode(ident.PublishIdentityUpdateRequest, request)
        const update = req.identityUpdate
        if (update === null || update === undefined) {
          throw new NodeError('Node::InvalidArgument', 'identity update is required')
        }
        const encoded = xmtp.identity.associations.IdentityUpdate.encode(update).finish()
        await service.publishIdentityUpdate(ctx, update.inboxId ?? '', encoded)
        return emptyResponse
      },
    },
    {
      kind: 'unary',
      path: i('GetIdentityUpdates'),
      async handle(ctx, request) {
        const req = decode(ident.GetIdentityUpdatesRequest, request)
        const results = await service.getIdentityUpdates(
          ctx,
          req.requests.map((r) => ({ inboxId: r.inboxId ?? '', sequenceId: num(r.sequenceId) })),
        )
        // Responses are built by hand around the stored update bytes: they go back exactly as stored.
        let out: Uint8Array = new Uint8Array(0)
        for (const r of results) {
          let response: Uint8Array = ident.GetIdentityUpdatesResponse.Response.encode({
            inboxId: r.inboxId,
          }).finish()
          for (const log of r.updates)
            response = appendMessageField(response, 2, encodeIdentityUpdateLog(log))
          out = appendMessageField(out, 1, response)
        }
        return out
      },
    },
    getInboxIdsMethod(service, i('GetInboxIds')),
    {
      kind: 'unary',
      path: i('VerifySmartContractWalletSignatures'),
      async handle(ctx, request) {
        const req = decode(ident.VerifySmartContractWalletSignaturesRequest, request)
        const results = await service.verifySmartContractWalletSignatures(
          ctx,
          req.signatures.map((s) => ({
            accountId: s.accountId ?? '',
            blockNumber:
              s.blockNumber === null || s.blockNumber === undefined
                ? undefined
                : toBigInt(s.blockNumber as never),
            signature: bytes(s.signature),
            hash: bytes(s.hash),
          })),
        )
        return ident.VerifySmartContractWalletSignaturesResponse.encode({
          responses: results.map((r) => ({
            isValid: r.isValid,
            ...(r.blockNumber === undefined ? {} : { blockNumber: toLong(r.blockNumber) }),
            ...(r.error === undefined ? {} : { error: r.error }),
          })),
        } as never).finish()
      },
    },
  ]
  return new Map(methods.map((x) => [x.path, x]))
}

/** The bidi `Subscribe` (XIP-83) path: answered UNIMPLEMENTED, as node-go does; libxmtp then falls back (§2.8). */
export const bidiSubscribePath = `/${mlsServiceName}/Subscribe`
