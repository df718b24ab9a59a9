/**
 * `@xmtp-lite/node-lite`: a small XMTP V3 node.
 * @module
 */
export type { NodeErrorCode } from './errors.ts'
export { NodeError, nodeLiteErrorCodes } from './errors.ts'
export type { RunningNode, StartNodeParams } from './node.ts'
export { defaultRetentionDays, startNode } from './node.ts'
export type { ReplicationErrorCode } from './replication/errors.ts'
export { ReplicationError, replicationErrorCodes } from './replication/errors.ts'
export type {
  RefusedBatch,
  RegistryNode,
  ReplicationOptions,
  ReplicationStatus,
} from './replication/replicator.ts'
export { checkBatch, decodeFrames, encodeFrames, Replicator } from './replication/replicator.ts'
export type { GroupMessageRow, OpenStoreParams, QueryBounds, StoreEvent } from './store/store.ts'
export { NodeStore, openStore } from './store/store.ts'
export type {
  CommitLogEntry,
  CommitLogInput,
  GroupMessage,
  GroupMessageInput,
  IdentityUpdateLog,
  Page,
  PagingInfo,
  SortDirectionValue,
  WelcomeMessage,
  WelcomeMessageInput,
} from './types.ts'
export { SortDirection, WelcomePointerWrapperAlgorithm, WelcomeWrapperAlgorithm } from './types.ts'
