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
export { calculateMessageId, MlsGroup } from './group.ts'
export type { CreatedKeyPackage, CreateKeyPackageOptions } from './key-package.ts'
export { createKeyPackage, keyPackageLifetimeSeconds } from './key-package.ts'
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
