/**
 * `@xmtp-lite/identity`: the XMTP identity ledger: inbox ids, identity updates and their signature text,
 * signers and verifiers, the association-state reducer and the per-inbox log.
 * @module
 */
export type { BatchVerifyOptions, VerifiedBatch, VerifiedSignatureBatch } from './batch.ts'
export {
  defaultWorkerThreshold,
  verifyBatch,
  verifyIdentityUpdates,
  verifySignatures,
  verifyWorkerStats,
} from './batch.ts'
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
  AddressAssociation,
  AppendResult,
  IdentityLedgerOptions,
  LedgerAppend,
  LedgerEntry,
  LedgerStorage,
  PreparedUpdate,
  PreparedUpdates,
} from './ledger.ts'
export {
  createMemoryLedgerStorage,
  getAssociationState,
  IdentityLedger,
  maxUpdatesPerInbox,
} from './ledger.ts'
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
export {
  associationStateDiffToProto,
  associationStateToProto,
  decodeIdentityUpdate,
  encodeIdentityUpdate,
  identityUpdateFromProto,
  identityUpdateToProto,
  maxIdentityUpdateBytes,
  memberIdentifierFromProto,
  memberIdentifierToProto,
  signatureFromProto,
  signatureToProto,
} from './proto.ts'
export type { CreateInboxRequestParams, SignatureRequestParams, UnsignedAction } from './request.ts'
export {
  addAssociationRequest,
  changeRecoveryAddressRequest,
  createInboxRequest,
  revokeAssociationRequest,
  SignatureRequest,
} from './request.ts'
export type { RpcScwVerifierOptions, ViemScwVerifierOptions } from './scw.ts'
export { createRpcScwVerifier, createViemScwVerifier } from './scw.ts'
export { actionText, formatTimestampNs, signatureText } from './signatureText.ts'
export type {
  InstallationKeySigner,
  MessageSigningAccount,
  PasskeySigner,
  PasskeySignerParams,
  Signer,
  SmartContractWalletSignerParams,
  WalletSigner,
} from './signers.ts'
export {
  createAccountSigner,
  createInstallationKeySigner,
  createPasskeySigner,
  createSmartContractWalletSigner,
  createWalletSigner,
} from './signers.ts'
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
export type {
  ScwVerifyParams,
  ScwVerifyResult,
  SignatureCache,
  SignatureCacheOptions,
  SmartContractWalletVerifier,
  VerifyOptions,
} from './verify.ts'
export {
  createSignatureCache,
  hashPersonalMessage,
  installationKeyContext,
  legacyCreateIdentityText,
  parseAccountId,
  verifyIdentityUpdate,
  verifySignature,
} from './verify.ts'
export type { VerifyPoolStats } from './verifyPool.ts'
export { warmVerifyWorkers } from './verifyPool.ts'
