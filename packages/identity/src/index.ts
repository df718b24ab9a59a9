/**
 * `@xmtp-lite/identity`: the XMTP identity ledger: inbox ids, identity updates and their signature text,
 * signers and verifiers, the association-state reducer and the per-inbox log.
 * @module
 */
export type { IdentityErrorCode } from './errors.ts'
export { IdentityError, identityErrorCodes } from './errors.ts'
export {
  ethereumIdentifier,
  generateInboxId,
  inboxIdFor,
  isInboxId,
  isSanitizedAddress,
  passkeyIdentifier,
} from './inboxId.ts'
export type {
  AddAssociationAction,
  ChangeRecoveryAddressAction,
  CreateInboxAction,
  Erc191Signature,
  EthereumIdentifier,
  IdentityAction,
  IdentityUpdate,
  InstallationIdentifier,
  InstallationKeySignature,
  LegacyDelegatedSignature,
  MemberIdentifier,
  MemberKindValue,
  PasskeyIdentifier,
  PasskeySignature,
  PublicIdentifier,
  RevokeAssociationAction,
  SignatureKindValue,
  SmartContractWalletSignature,
  UnverifiedSignature,
  VerifiedIdentityUpdate,
  VerifiedSignature,
} from './model.ts'
export {
  actionSignatures,
  identifierDisplay,
  MemberKind,
  memberKey,
  SignatureKind,
  sameMember,
} from './model.ts'
export { actionText, formatTimestampNs, signatureText } from './signatureText.ts'
export type { ApplyResult, AssociationState, AssociationStateDiff, Member } from './state.ts'
export {
  applyAction,
  applyUpdate,
  applyUpdateWithDiff,
  diffStates,
  getMember,
  hasInstallation,
  installationKeys,
  listMembers,
} from './state.ts'
