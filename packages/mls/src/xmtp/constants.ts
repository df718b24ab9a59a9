/**
 * The identifiers and constants of XMTP's use of MLS: extension and proposal type ids, the required
 * capabilities, conversation types, policy enum values, metadata keys and their length limits.
 *
 * Every value is from protocol/mls-groups.md (cited per block), which records where libxmtp defines it
 * (xmtp_configuration common/metadata.rs, groups/mod.rs, group_permissions.rs, group_mutable_metadata.rs).
 * @module
 */

/**
 * MLS extension types libxmtp uses (mls-groups.md §3.1, §4.3; xmtp_configuration common/metadata.rs).
 * 0xFF05 was an old PROPOSAL_SUPPORT id, removed upstream with "do not reuse": it is deliberately absent.
 */
export const ExtensionType = {
  /** RFC 9420 application_id (leaf node): an inner `<V>` inbox id in libxmtp key packages. */
  ApplicationId: 0x0001,
  /** RFC 9420 ratchet_tree (GroupInfo). */
  RatchetTree: 0x0002,
  /** RFC 9420 required_capabilities (group context). */
  RequiredCapabilities: 0x0003,
  /** RFC 9420 external_pub (GroupInfo). */
  ExternalPub: 0x0004,
  /** RFC 9420 external_senders (group context). */
  ExternalSenders: 0x0005,
  /** Draft MLS AppDataDictionary, used only by migrated groups (mls-groups.md §4.8). */
  AppDataDictionary: 0x0006,
  /** Draft MLS last_resort (key package). */
  LastResort: 0x000a,
  /** OpenMLS "immutable metadata", XMTP's protected GroupMetadataV1: inner `<V>` then protobuf. */
  ImmutableMetadata: 0xf000,
  /** Raw protobuf GroupMutableMetadataV1. */
  MutableMetadata: 0xff00,
  /** Raw protobuf GroupMembership. */
  GroupMembership: 0xff01,
  /** Raw protobuf GroupMutablePermissionsV1. */
  GroupPermissions: 0xff02,
  /** Key package only: raw protobuf WelcomeWrapperEncryption (X-Wing welcome wrapper key). */
  WelcomeWrapperEncryption: 0xff03,
  /** Key package only: raw protobuf WelcomePointeeEncryptionAeadTypesExtension. */
  WelcomePointeeEncryptionAeadTypes: 0xff04,
} as const

/** The name of an {@link ExtensionType}. */
export type ExtensionTypeName = keyof typeof ExtensionType

/** RFC 9420 proposal types XMTP cares about (mls-groups.md §3.1, §7.3). */
export const ProposalType = {
  Add: 0x0001,
  Update: 0x0002,
  Remove: 0x0003,
  PreSharedKey: 0x0004,
  ReInit: 0x0005,
  ExternalInit: 0x0006,
  GroupContextExtensions: 0x0007,
  /** Draft MLS AppDataUpdate, only in migrated groups (mls-groups.md §4.8). */
  AppDataUpdate: 0x0008,
} as const

/** RFC 9420 credential type of XMTP credentials (mls-groups.md §2). */
export const CredentialType = { Basic: 0x0001 } as const

/**
 * The RequiredCapabilities a libxmtp group carries, in libxmtp's exact order (mls-groups.md §4.3). The
 * captured libxmtp 1.9.1 group encodes this as `0cff01ff00ff02f000000a0001020007020001`
 * (vectors/libxmtp-1.9.1/group-join/README.md).
 */
export const XMTP_REQUIRED_CAPABILITIES: RequiredCapabilities = Object.freeze({
  extensionTypes: Object.freeze([
    ExtensionType.GroupMembership,
    ExtensionType.MutableMetadata,
    ExtensionType.GroupPermissions,
    ExtensionType.ImmutableMetadata,
    ExtensionType.LastResort,
    ExtensionType.ApplicationId,
  ]),
  proposalTypes: Object.freeze([ProposalType.GroupContextExtensions]),
  credentialTypes: Object.freeze([CredentialType.Basic]),
})

/** RFC 9420 §7.2 RequiredCapabilities content. */
export interface RequiredCapabilities {
  readonly extensionTypes: readonly number[]
  readonly proposalTypes: readonly number[]
  readonly credentialTypes: readonly number[]
}

/**
 * `xmtp.mls.message_contents.ConversationType` (mls-groups.md §4.4). Decoding anything outside 1-4 fails in
 * libxmtp (xmtp_db group/convert.rs); we do the same.
 */
export const ConversationType = {
  Group: 1,
  Dm: 2,
  Sync: 3,
  Oneshot: 4,
} as const

/** A {@link ConversationType} value. */
export type ConversationTypeValue = (typeof ConversationType)[keyof typeof ConversationType]

/** `MembershipPolicy.BasePolicy` wire values (mls-groups.md §4.7). 0 (UNSPECIFIED) is rejected on decode. */
export const MembershipBasePolicy = {
  Allow: 1,
  Deny: 2,
  AllowIfAdminOrSuperAdmin: 3,
  AllowIfSuperAdmin: 4,
} as const

/** A {@link MembershipBasePolicy} value. */
export type MembershipBasePolicyValue = (typeof MembershipBasePolicy)[keyof typeof MembershipBasePolicy]

/** `MetadataPolicy.MetadataBasePolicy` wire values (mls-groups.md §4.7). ALLOW_IF_ADMIN means admin or super admin. */
export const MetadataBasePolicy = {
  Allow: 1,
  Deny: 2,
  AllowIfAdmin: 3,
  AllowIfSuperAdmin: 4,
} as const

/** A {@link MetadataBasePolicy} value. */
export type MetadataBasePolicyValue = (typeof MetadataBasePolicy)[keyof typeof MetadataBasePolicy]

/** `PermissionsUpdatePolicy.PermissionsBasePolicy` wire values (mls-groups.md §4.7). There is no ALLOW. */
export const PermissionsBasePolicy = {
  Deny: 1,
  AllowIfAdmin: 2,
  AllowIfSuperAdmin: 3,
} as const

/** A {@link PermissionsBasePolicy} value. */
export type PermissionsBasePolicyValue = (typeof PermissionsBasePolicy)[keyof typeof PermissionsBasePolicy]

/** The attribute keys of GroupMutableMetadataV1 as libxmtp names them (`MetadataField::as_str`, mls-groups.md §4.5). */
export const MetadataField = {
  GroupName: 'group_name',
  Description: 'description',
  GroupImageUrlSquare: 'group_image_url_square',
  AppData: 'app_data',
  MessageDisappearFromNs: 'message_disappear_from_ns',
  MessageDisappearInNs: 'message_disappear_in_ns',
  MinimumSupportedProtocolVersion: 'minimum_supported_protocol_version',
  CommitLogSigner: '_commit_log_signer',
} as const

/** A {@link MetadataField} key. */
export type MetadataFieldName = (typeof MetadataField)[keyof typeof MetadataField]

/**
 * The fields libxmtp's presets carry a policy for (`GroupMutableMetadata::supported_fields`, mls-groups.md
 * §4.7). `_commit_log_signer` has none: its `_` prefix makes it super-admin-only.
 */
export const SUPPORTED_METADATA_FIELDS: readonly MetadataFieldName[] = Object.freeze([
  MetadataField.GroupName,
  MetadataField.Description,
  MetadataField.GroupImageUrlSquare,
  MetadataField.MessageDisappearFromNs,
  MetadataField.MessageDisappearInNs,
  MetadataField.MinimumSupportedProtocolVersion,
  MetadataField.AppData,
])

/** A field with no explicit policy whose name starts with this is super-admin-only (mls-groups.md §4.5). */
export const SUPER_ADMIN_METADATA_PREFIX = '_'

/**
 * Maximum UTF-8 byte lengths of new metadata values, checked on every incoming commit (mls-groups.md §4.5,
 * §7.3 step 5: `TooManyCharacters`).
 */
export const METADATA_MAX_BYTES: Readonly<Record<string, number>> = Object.freeze({
  [MetadataField.GroupName]: 100,
  [MetadataField.Description]: 1000,
  [MetadataField.GroupImageUrlSquare]: 2048,
  [MetadataField.AppData]: 8192,
})

/** XMTP group ids are exactly 16 bytes (mls-groups.md §4.1). */
export const GROUP_ID_LENGTH = 16

/** Installation keys (Ed25519 public keys) are 32 bytes (mls-groups.md §2). */
export const INSTALLATION_KEY_LENGTH = 32
