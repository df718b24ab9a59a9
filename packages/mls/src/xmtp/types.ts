/**
 * Our own TypeScript shapes of XMTP's group-context extension contents (mls-groups.md §4.4-§4.7). The codecs
 * in `extensions.ts` map them to and from the wire; the policy engine and the validators work on them.
 * @module
 */
import type {
  ConversationTypeValue,
  MembershipBasePolicyValue,
  MetadataBasePolicyValue,
  PermissionsBasePolicyValue,
} from './constants.ts'

/** An MLS extension as it sits in a group context, key package or leaf node: type and opaque data. */
export interface RawExtension {
  readonly extensionType: number
  readonly extensionData: Uint8Array
}

/** `DmMembers { Inbox dm_member_one = 1; Inbox dm_member_two = 2 }` (mls-groups.md §4.4). */
export interface DmMembers {
  readonly memberOneInboxId: string
  readonly memberTwoInboxId: string
}

/** `ReaddRequest { bytes group_id = 1; uint64 latest_commit_sequence_id = 2 }` (mls-groups.md §4.4). */
export interface ReaddRequest {
  readonly groupId: Uint8Array
  readonly latestCommitSequenceId: bigint
}

/** `OneshotMessage { oneof message_type { ReaddRequest readd_request = 1 } }`. */
export interface OneshotMessage {
  readonly readdRequest?: ReaddRequest
}

/** GroupMetadataV1, the immutable metadata of extension 0xF000 (mls-groups.md §4.4). */
export interface GroupMetadata {
  readonly conversationType: ConversationTypeValue
  readonly creatorInboxId: string
  /** Deprecated; libxmtp writes "". */
  readonly creatorAccountAddress: string
  /** DMs only: both members. */
  readonly dmMembers?: DmMembers
  /** ONESHOT groups only. */
  readonly oneshotMessage?: OneshotMessage
}

/**
 * GroupMutableMetadataV1 of extension 0xFF00 (mls-groups.md §4.5). Attribute order is kept as read, so a
 * decoded value re-encodes to the same bytes; unknown keys are preserved.
 */
export interface GroupMutableMetadata {
  readonly attributes: ReadonlyMap<string, string>
  readonly adminList: readonly string[]
  readonly superAdminList: readonly string[]
}

/**
 * GroupMembership of extension 0xFF01 (mls-groups.md §4.6): inbox id → identity-update sequence id (0 is the
 * creation placeholder), and installations that could not be added.
 */
export interface GroupMembership {
  readonly members: ReadonlyMap<string, bigint>
  readonly failedInstallations: readonly Uint8Array[]
}

/** A membership policy (`MembershipPolicy`, mls-groups.md §4.7). */
export type MembershipPolicy =
  | { readonly kind: 'base'; readonly base: MembershipBasePolicyValue }
  | { readonly kind: 'and'; readonly policies: readonly MembershipPolicy[] }
  | { readonly kind: 'any'; readonly policies: readonly MembershipPolicy[] }

/** A metadata policy (`MetadataPolicy`, mls-groups.md §4.7). */
export type MetadataPolicy =
  | { readonly kind: 'base'; readonly base: MetadataBasePolicyValue }
  | { readonly kind: 'and'; readonly policies: readonly MetadataPolicy[] }
  | { readonly kind: 'any'; readonly policies: readonly MetadataPolicy[] }

/** A permissions-update policy (`PermissionsUpdatePolicy`, mls-groups.md §4.7). */
export type PermissionsPolicy =
  | { readonly kind: 'base'; readonly base: PermissionsBasePolicyValue }
  | { readonly kind: 'and'; readonly policies: readonly PermissionsPolicy[] }
  | { readonly kind: 'any'; readonly policies: readonly PermissionsPolicy[] }

/** `PolicySet`, the content of `GroupMutablePermissionsV1.policies` (extension 0xFF02, mls-groups.md §4.7). */
export interface PolicySet {
  readonly addMemberPolicy: MembershipPolicy
  readonly removeMemberPolicy: MembershipPolicy
  /** Metadata field name → policy. Order is kept as read, so decoded values re-encode byte for byte. */
  readonly updateMetadataPolicy: ReadonlyMap<string, MetadataPolicy>
  readonly addAdminPolicy: PermissionsPolicy
  readonly removeAdminPolicy: PermissionsPolicy
  readonly updatePermissionsPolicy: PermissionsPolicy
}

/** A member leaf as the validators see it: the inbox of its credential and its signature (installation) key. */
export interface MemberLeaf {
  readonly inboxId: string
  readonly installationKey: Uint8Array
}

/** Who acts, with the roles read from the pre-commit mutable metadata (libxmtp `CommitParticipant`). */
export interface Actor {
  readonly inboxId: string
  readonly isAdmin: boolean
  readonly isSuperAdmin: boolean
}
