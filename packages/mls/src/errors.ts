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
