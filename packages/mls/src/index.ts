/**
 * `@xmtp-lite/mls`: XMTP groups on ts-mls, wire-compatible with libxmtp.
 * @module
 */
export { decodeMlsCredential, encodeMlsCredential } from './credential.ts'
export type { MlsErrorCode } from './errors.ts'
export { MlsError, mlsErrorCodes } from './errors.ts'
export type {
  CommitChanges,
  CommitValidator,
  CreateGroupOptions,
  GroupExtension,
  GroupMember,
  IncomingCommit,
  IncomingProposal,
  InstallationIdentity,
  JoinKeys,
  PendingCommit,
  ReceivedApplicationMessage,
  ReceivedCommit,
  ReceivedMessage,
} from './group.ts'
export {
  calculateMessageId,
  decodePendingCommit,
  encodePendingCommit,
  MlsGroup,
  messageEpoch,
} from './group.ts'
export type { CreatedKeyPackage, CreateKeyPackageOptions } from './key-package.ts'
export { createKeyPackage, keyPackageLifetimeSeconds } from './key-package.ts'
export type { MlsStorage } from './storage.ts'
export { GroupStore, memoryStorage } from './storage.ts'
export { xmtpCiphersuiteId } from './suite.ts'
export type { ValidatedKeyPackage, ValidateKeyPackageOptions } from './validation.ts'
export { validateKeyPackage } from './validation.ts'
export type { UnwrappedWelcome, WrappedWelcome } from './welcome.ts'
export {
  decodeWelcomeMetadata,
  encodeWelcomeMetadata,
  unwrapWelcome,
  welcomeHpkeInfo,
  wrapWelcome,
} from './welcome.ts'
// --- XMTP rules (src/xmtp/): extensions, metadata, policies, commit and welcome validation ---
export type { CommitProposal, CommitSender, ValidateCommitParams, ValidatedCommit } from './xmtp/commit.ts'
export { validateCommit } from './xmtp/commit.ts'
export type {
  ConversationTypeValue,
  ExtensionTypeName,
  MembershipBasePolicyValue,
  MetadataBasePolicyValue,
  MetadataFieldName,
  PermissionsBasePolicyValue,
  RequiredCapabilities,
} from './xmtp/constants.ts'
export {
  ConversationType,
  CredentialType,
  ExtensionType,
  GROUP_ID_LENGTH,
  INSTALLATION_KEY_LENGTH,
  METADATA_MAX_BYTES,
  MembershipBasePolicy,
  MetadataBasePolicy,
  MetadataField,
  PermissionsBasePolicy,
  ProposalType,
  SUPER_ADMIN_METADATA_PREFIX,
  SUPPORTED_METADATA_FIELDS,
  XMTP_REQUIRED_CAPABILITIES,
} from './xmtp/constants.ts'
export type { BuildGroupContextExtensionsParams, XmtpGroupContext } from './xmtp/extensions.ts'
export {
  buildGroupContextExtensions,
  buildGroupMembership,
  decodeApplicationIdExtension,
  decodeGroupMembership,
  decodeGroupMetadata,
  decodeGroupPermissions,
  decodeImmutableMetadataExtension,
  decodeMutableMetadata,
  decodeRequiredCapabilities,
  decodeXmtpGroupContext,
  encodeApplicationIdExtension,
  encodeGroupMembership,
  encodeGroupMetadata,
  encodeGroupPermissions,
  encodeImmutableMetadataExtension,
  encodeMutableMetadata,
  encodePolicySet,
  encodeRequiredCapabilities,
  findExtension,
  replaceExtension,
} from './xmtp/extensions.ts'
export type { IdentityPort } from './xmtp/identityPort.ts'
export type {
  BuildGroupMetadataParams,
  BuildMutableMetadataParams,
  DisappearingSettings,
  MetadataFieldChange,
  MutableMetadataChange,
  MutableMetadataDiff,
} from './xmtp/metadata.ts'
export {
  applyMutableMetadataChange,
  assertMetadataLengths,
  buildGroupMetadata,
  buildMutableMetadata,
  compareProtocolVersions,
  diffMutableMetadata,
  disappearingSettings,
  dmIdOf,
} from './xmtp/metadata.ts'
export type { CheckPolicyActionParams, PolicyAction, PolicyPreset, PolicyUpdate } from './xmtp/policy.ts'
export {
  actorFromMetadata,
  adminsOnlyPolicySet,
  assertValidPolicySet,
  checkPolicyAction,
  defaultPolicySet,
  detectPolicyPreset,
  dmPolicySet,
  evaluateMembershipPolicy,
  evaluateMetadataPolicy,
  evaluatePermissionsPolicy,
  isPolicyActionAllowed,
  metadataPolicyFor,
  policyEquals,
  policySetEquals,
  updatePolicySet,
} from './xmtp/policy.ts'
export type {
  Actor,
  DmMembers,
  GroupMembership,
  GroupMetadata,
  GroupMutableMetadata,
  MemberLeaf,
  MembershipPolicy,
  MetadataPolicy,
  OneshotMessage,
  PermissionsPolicy,
  PolicySet,
  RawExtension,
  ReaddRequest,
} from './xmtp/types.ts'
export type { XmtpCommitValidatorOptions } from './xmtp/validator.ts'
export { createXmtpCommitValidator, toValidateCommitParams } from './xmtp/validator.ts'
export type { ValidatedWelcome, ValidateWelcomeParams } from './xmtp/welcome.ts'
export { validateWelcome } from './xmtp/welcome.ts'
