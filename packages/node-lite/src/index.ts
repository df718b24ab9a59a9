/**
 * `@xmtp-lite/node-lite`: a small XMTP V3 node: level storage, the MlsApi and IdentityApi over gRPC (h2c)
 * and WebSocket, validation, limits and retention.
 * @module
 */
export type { NodeErrorCode } from './errors.ts'
export { NodeError, nodeLiteErrorCodes } from './errors.ts'
export { flagNamePattern, flagsMetadataKey, maxDeclaredFlags, NodeFlags, parseFlagList } from './flags.ts'
export type { GrpcServer, GrpcServerParams } from './grpc.ts'
export { grpcMaxMessageBytes, grpcStatusOf, serviceDefinitions, startGrpcServer } from './grpc.ts'
export type { GroupMessageHeader } from './mlsFraming.ts'
export { encodePrivateMessageFrame, parseGroupMessage } from './mlsFraming.ts'
export type { RunningNode, StartNodeParams } from './node.ts'
export { defaultRetentionDays, startNode } from './node.ts'
export type {
  IdentityUpdateEffect,
  IdentityValidator,
  KeyPackageValidator,
  ScwSignatureRequest,
  ScwSignatureResult,
  ScwVerifier,
  ValidatedKeyPackage,
} from './ports.ts'
export type { BucketLimit, LimitKind, RateLimits } from './rateLimit.ts'
export { RateLimiter, upstreamRateLimits } from './rateLimit.ts'
export type { ReplicationErrorCode } from './replication/errors.ts'
export { ReplicationError, replicationErrorCodes } from './replication/errors.ts'
export type {
  RefusedBatch,
  RegistryNode,
  ReplicationOptions,
  ReplicationStatus,
} from './replication/replicator.ts'
export { checkBatch, decodeFrames, encodeFrames, Replicator } from './replication/replicator.ts'
export type { RpcMethod, StreamMethod, UnaryMethod } from './rpc.ts'
export { identityServiceName, mlsServiceName, rpcMethods } from './rpc.ts'
export type {
  CallContext,
  NodeLimits,
  NodeServiceParams,
  StreamSink,
  SubscriptionHandle,
} from './service.ts'
export { defaultLimits, NodeService } from './service.ts'
export type { GroupMessageRow, OpenStoreParams, QueryBounds, StoreEvent } from './store/store.ts'
export { NodeStore, openStore } from './store/store.ts'
export type {
  CommitLogEntry,
  CommitLogInput,
  GroupMessage,
  GroupMessageInput,
  IdentityUpdateLog,
  InboxIdResult,
  Page,
  PagingInfo,
  SortDirectionValue,
  WelcomeMessage,
  WelcomeMessageInput,
} from './types.ts'
export { SortDirection, WelcomePointerWrapperAlgorithm, WelcomeWrapperAlgorithm } from './types.ts'
export type { LedgerIdentityValidatorOptions, MlsKeyPackageValidatorOptions } from './validators.ts'
export { ledgerIdentityValidator, mlsKeyPackageValidator, preloadValidators } from './validators.ts'
export type { WebSocketApi, WebSocketApiParams } from './ws.ts'
export { attachWebSocketServer } from './ws.ts'
export type { Frame } from './wsFrames.ts'
export { decodeFrame, encodeFrame } from './wsFrames.ts'
