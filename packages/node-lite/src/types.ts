/**
 * The node's own data model: the shapes of the XMTP V3 MlsApi / IdentityApi messages
 * (protocol/v3-node-api-and-identity.md §2, §4.3) as plain objects, independent of any protobuf runtime.
 * The transports (grpc.ts, ws.ts) convert the generated protobuf types to and from these.
 *
 * Ids are JavaScript numbers: node-go's BIGSERIAL ids stay far below 2^53 on one node. Timestamps in
 * nanoseconds are bigints.
 * @module
 */

/** `SortDirection` (mls.proto). */
export const SortDirection = { Unspecified: 0, Ascending: 1, Descending: 2 } as const
/** A value of {@link SortDirection}. */
export type SortDirectionValue = (typeof SortDirection)[keyof typeof SortDirection]

/** `PagingInfo { direction = 1; limit = 2; id_cursor = 3 }`. */
export interface PagingInfo {
  readonly direction: number
  readonly limit: number
  readonly idCursor: number
}

/** `GroupMessageInput.V1 { data = 1; sender_hmac = 2; should_push = 3 }`. */
export interface GroupMessageInput {
  readonly data: Uint8Array
  readonly senderHmac: Uint8Array
  readonly shouldPush: boolean
}

/** `GroupMessage.V1` (ids assigned by the node). */
export interface GroupMessage {
  readonly id: number
  readonly createdNs: bigint
  readonly groupId: Uint8Array
  readonly data: Uint8Array
  readonly senderHmac: Uint8Array
  readonly shouldPush: boolean
  readonly isCommit: boolean
}

/** `WelcomeWrapperAlgorithm` (wrapper_encryption.proto). */
export const WelcomeWrapperAlgorithm = {
  Unspecified: 0,
  Curve25519: 1,
  XwingMlkem768Draft6: 2,
  SymmetricKey: 3,
} as const

/** `WelcomePointerWrapperAlgorithm` (welcome_pointer.proto). */
export const WelcomePointerWrapperAlgorithm = { Unspecified: 0, XwingMlkem768Draft6: 2 } as const

/** `WelcomeMessageInput`: a V1 welcome or a welcome pointer (XIP-74). */
export type WelcomeMessageInput =
  | {
      readonly kind: 'v1'
      readonly installationKey: Uint8Array
      readonly data: Uint8Array
      readonly hpkePublicKey: Uint8Array
      readonly wrapperAlgorithm: number
      readonly welcomeMetadata: Uint8Array
    }
  | {
      readonly kind: 'pointer'
      readonly installationKey: Uint8Array
      readonly welcomePointer: Uint8Array
      readonly hpkePublicKey: Uint8Array
      readonly wrapperAlgorithm: number
    }

/** `WelcomeMessage`: a stored welcome, V1 or pointer, with its id and time. */
export type WelcomeMessage = WelcomeMessageInput & { readonly id: number; readonly createdNs: bigint }

/** `PublishCommitLogRequest`: the signature kept as its protobuf encoding, as node-go does (§3.8). */
export interface CommitLogInput {
  readonly groupId: Uint8Array
  readonly serializedCommitLogEntry: Uint8Array
  readonly serializedSignature: Uint8Array
}

/** `CommitLogEntry { sequence_id = 1; serialized_commit_log_entry = 2; signature = 3 }`. */
export interface CommitLogEntry {
  readonly sequenceId: number
  readonly serializedCommitLogEntry: Uint8Array
  readonly serializedSignature: Uint8Array
}

/** `IdentityUpdateLog { sequence_id = 1; server_timestamp_ns = 2; update = 3 }` (update as protobuf bytes). */
export interface IdentityUpdateLog {
  readonly sequenceId: number
  readonly serverTimestampNs: bigint
  readonly update: Uint8Array
}

/** One answer of GetInboxIds: the identifier as asked and the inbox id (hex) it is associated with, if any. */
export interface InboxIdResult {
  readonly identifier: string
  readonly inboxId: string | undefined
}

/** One page of a query. */
export interface Page<T> {
  readonly items: readonly T[]
  readonly pagingInfo: PagingInfo
}
