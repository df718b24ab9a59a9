/**
 * Error codes of `@xmtp-lite/mls`.
 *
 * One table for the whole package: the core (credentials, key packages, welcomes, groups, storage) and the
 * XMTP rules under `src/xmtp/` append their codes here.
 * @module
 */
import { BaseError, type BaseErrorOptions, defineErrorCodes } from '@xmtp-lite/common'

/** The codes of the `mls` package. */
export const mlsErrorCodes = defineErrorCodes('Mls', {
  // --- key packages and the node validator ---
  'Mls::KeyPackageMalformed': {
    category: 'Codec',
    retryable: false,
    description: 'A key package does not parse as a TLS-encoded MLS KeyPackage (truncated, trailing bytes).',
  },
  'Mls::UnsupportedCiphersuite': {
    category: 'Validation',
    retryable: false,
    description: 'A key package, welcome or group uses a ciphersuite other than 0x0003.',
  },
  'Mls::UnsupportedProtocolVersion': {
    category: 'Validation',
    retryable: false,
    description: 'An MLS object is not protocol version mls10.',
  },
  'Mls::InvalidSignature': {
    category: 'Crypto',
    retryable: false,
    description: 'A key package or leaf node signature does not verify under its signature key.',
  },
  'Mls::KeyPackageExpired': {
    category: 'Validation',
    retryable: false,
    description: 'A key package lifetime does not contain the current time.',
  },
  'Mls::InvalidLifetime': {
    category: 'Validation',
    retryable: false,
    description: 'A key package lifetime is missing, inverted or longer than allowed.',
  },
  'Mls::InvalidCredential': {
    category: 'Validation',
    retryable: false,
    description: 'A credential is not a Basic credential holding an MlsCredential with an inbox id.',
  },
  'Mls::InvalidKeyPackage': {
    category: 'Validation',
    retryable: false,
    description: 'A key package breaks an MLS or XMTP rule (leaf source, init key equal to encryption key).',
  },
  // --- welcomes ---
  'Mls::WelcomeMalformed': {
    category: 'Codec',
    retryable: false,
    description: 'A welcome (wrapped or bare) does not parse.',
  },
  'Mls::WelcomeDecryptFailed': {
    category: 'Crypto',
    retryable: false,
    description: 'An HPKE-wrapped welcome or its group secrets cannot be opened with our keys.',
  },
  'Mls::WelcomeNotForUs': {
    category: 'Validation',
    retryable: false,
    description: 'A welcome has no group secrets for any of our key packages.',
  },
  // --- groups ---
  'Mls::MessageMalformed': {
    category: 'Codec',
    retryable: false,
    description: 'An MLS message or application envelope does not parse.',
  },
  'Mls::WrongGroup': {
    category: 'Validation',
    retryable: false,
    description: 'A message belongs to another group.',
  },
  'Mls::WrongEpoch': {
    category: 'Validation',
    retryable: false,
    description: 'A message is for an epoch that is too old or in the future.',
  },
  'Mls::DecryptFailed': {
    category: 'Crypto',
    retryable: false,
    description: 'A private message does not decrypt or authenticate.',
  },
  'Mls::InvalidCommit': {
    category: 'Validation',
    retryable: false,
    description: 'A commit or proposal breaks an MLS rule and was rejected; the group state is untouched.',
  },
  'Mls::NotAMember': {
    category: 'Usage',
    retryable: false,
    description: 'The operation names an installation or inbox that is not in the group.',
  },
  'Mls::AlreadyAMember': {
    category: 'Usage',
    retryable: false,
    description: 'The operation adds an installation that is already in the group.',
  },
  'Mls::GroupInactive': {
    category: 'Usage',
    retryable: false,
    description: 'This installation was removed from the group or left it.',
  },
  'Mls::InvalidArgument': {
    category: 'Usage',
    retryable: false,
    description: 'An argument of a group operation is out of range or inconsistent.',
  },
  'Mls::StateMalformed': {
    category: 'Codec',
    retryable: false,
    description: 'A stored group state does not decode or has an unknown format version.',
  },
  'Mls::StorageFailed': {
    category: 'Dependency',
    retryable: true,
    description: 'The storage port failed to read or write a group state.',
  },
  'Mls::Internal': {
    category: 'Internal',
    retryable: false,
    description: 'ts-mls failed in a way our checks did not foresee.',
  },
  // --- XMTP rules (src/xmtp/): extensions, policies, commit and welcome validation ---
  'Mls::ExtensionMalformed': {
    category: 'Codec',
    retryable: false,
    description:
      'An XMTP group-context or leaf extension (0xF000, 0xFF00-0xFF02, required capabilities, application_id) does not parse.',
  },
  'Mls::MissingExtension': {
    category: 'Validation',
    retryable: false,
    description:
      'A group context lacks an XMTP extension every group must carry (metadata, mutable metadata, membership, permissions).',
  },
  'Mls::InvalidPolicy': {
    category: 'Validation',
    retryable: false,
    description:
      'A permission policy set is incomplete or holds an unspecified base policy or an empty condition.',
  },
  'Mls::PermissionDenied': {
    category: 'Validation',
    retryable: false,
    description: 'The group permission policies do not allow this actor to make this change.',
  },
  'Mls::SuperAdminRemoved': {
    category: 'Validation',
    retryable: false,
    description: 'A commit removes an inbox that is a super admin from the group.',
  },
  'Mls::LastSuperAdmin': {
    category: 'Validation',
    retryable: false,
    description: 'A commit would leave the group without any super admin.',
  },
  'Mls::PskNotSupported': {
    category: 'Validation',
    retryable: false,
    description: 'A commit or welcome carries a pre-shared key proposal, which XMTP never allows.',
  },
  'Mls::UnsupportedProposal': {
    category: 'Validation',
    retryable: false,
    description:
      'A commit carries a proposal type XMTP groups do not use (ReInit, ExternalInit, AppDataUpdate, ...).',
  },
  'Mls::ActorNotMember': {
    category: 'Validation',
    retryable: false,
    description: 'A commit or proposal comes from a sender that is not a member leaf of the group.',
  },
  'Mls::SequenceIdDecreased': {
    category: 'Validation',
    retryable: false,
    description: 'A commit lowers the identity sequence id of a member inbox in the membership extension.',
  },
  'Mls::InvalidSequenceId': {
    category: 'Validation',
    retryable: false,
    description:
      'A membership entry names an identity sequence id that cannot be checked (0 for an added or joined inbox).',
  },
  'Mls::UnexpectedInstallationAdded': {
    category: 'Validation',
    retryable: false,
    description:
      'A commit adds an installation that the membership change and the identity state do not call for.',
  },
  'Mls::UnexpectedInstallationRemoved': {
    category: 'Validation',
    retryable: false,
    description:
      'A commit removes installations other than those the membership change and identity state call for, or leaves some behind.',
  },
  'Mls::SubjectNotInMembership': {
    category: 'Validation',
    retryable: false,
    description:
      'The committer or an updated leaf belongs to an inbox missing from the new membership extension.',
  },
  'Mls::InstallationNotAssociated': {
    category: 'Validation',
    retryable: false,
    description:
      'An installation key is not associated with its inbox at the sequence id the membership extension names.',
  },
  'Mls::MetadataTooLong': {
    category: 'Validation',
    retryable: false,
    description:
      'A new group metadata value is longer than its limit (name 100, description 1000, image URL 2048, app data 8192 bytes).',
  },
  'Mls::ImmutableMetadataChanged': {
    category: 'Validation',
    retryable: false,
    description: 'A commit changes the immutable group metadata extension (0xF000).',
  },
  'Mls::DmConstraintViolated': {
    category: 'Validation',
    retryable: false,
    description:
      'A DM breaks a DM rule: members other than its two inboxes, admins present, or the wrong pair.',
  },
  'Mls::InvalidGroupMembership': {
    category: 'Validation',
    retryable: false,
    description: 'A welcome ratchet tree does not match its membership extension and the identity state.',
  },
  'Mls::ProtocolVersionTooLow': {
    category: 'Validation',
    retryable: false,
    description: 'The group requires a newer protocol version than ours; the group must pause until upgrade.',
  },
  'Mls::IdentityLookupFailed': {
    category: 'Dependency',
    retryable: true,
    description: 'The identity port failed while checking an installation against its inbox.',
  },
})

/** A code of the `mls` package. */
export type MlsErrorCode = keyof typeof mlsErrorCodes

/** An error raised by `@xmtp-lite/mls`. */
export class MlsError extends BaseError<MlsErrorCode> {
  override name = 'MlsError'
  constructor(code: MlsErrorCode, shortMessage: string, options?: BaseErrorOptions) {
    super(mlsErrorCodes, code, shortMessage, options)
  }
}
