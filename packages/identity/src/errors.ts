/**
 * The error codes of `@xmtp-lite/identity`.
 *
 * The variants follow libxmtp's `AssociationError` / `SignatureError` (crates/xmtp_id/src/associations/
 * association_log.rs, signature.rs) so that a rejection here names the same rule a libxmtp validator would
 * name (protocol/v3-node-api-and-identity.md §4.8).
 * @module
 */
import { BaseError, type BaseErrorOptions, defineErrorCodes } from '@xmtp-lite/common'

/** Every code this package throws. */
export const identityErrorCodes = defineErrorCodes('Identity', {
  'Identity::InvalidAddress': {
    category: 'Usage',
    retryable: false,
    description: 'An Ethereum address is not 42 characters of `0x` and 40 hex digits.',
  },
  'Identity::InvalidIdentifier': {
    category: 'Validation',
    retryable: false,
    description: 'A member identifier is malformed (wrong key length, empty passkey, bad hex).',
  },
  'Identity::InvalidNonce': {
    category: 'Usage',
    retryable: false,
    description: 'An inbox nonce is not an integer in 0..2^64-1.',
  },
  'Identity::MalformedUpdate': {
    category: 'Codec',
    retryable: false,
    description:
      'The identity update bytes do not decode as the protobuf message, or a field is out of range.',
  },
  'Identity::UnknownAction': {
    category: 'Codec',
    retryable: false,
    description: 'An IdentityAction has no known kind set (unknown oneof case).',
  },
  'Identity::UnknownSignatureKind': {
    category: 'Codec',
    retryable: false,
    description: 'A Signature has no known kind set (unknown oneof case).',
  },
  'Identity::SignatureInvalid': {
    category: 'Crypto',
    retryable: false,
    description: 'A signature does not verify over the update text, or its encoding is wrong.',
  },
  'Identity::SignatureKindNotAllowed': {
    category: 'Validation',
    retryable: false,
    description: 'The signature kind is not allowed for the member kind it signs for.',
  },
  'Identity::SignerMismatch': {
    category: 'Validation',
    retryable: false,
    description:
      'The verified signer is not the identifier the action requires (initial identifier, existing member, recovery identifier).',
  },
  'Identity::NewMemberSignatureMismatch': {
    category: 'Validation',
    retryable: false,
    description: 'The new member signature was not made by the new member identifier.',
  },
  'Identity::AddSelf': {
    category: 'Validation',
    retryable: false,
    description: 'An AddAssociation names the same signer as new and existing member.',
  },
  'Identity::MemberNotAllowed': {
    category: 'Validation',
    retryable: false,
    description:
      'This kind of member may not add that kind of member (an installation cannot add an installation).',
  },
  'Identity::AlreadyCreated': {
    category: 'Validation',
    retryable: false,
    description: 'A CreateInbox action was applied to an inbox that already exists.',
  },
  'Identity::NotCreated': {
    category: 'Validation',
    retryable: false,
    description: 'An action other than CreateInbox was applied before the inbox was created.',
  },
  'Identity::WrongInboxId': {
    category: 'Validation',
    retryable: false,
    description: 'The update names a different inbox id from the state it applies to.',
  },
  'Identity::SignatureReplayed': {
    category: 'Validation',
    retryable: false,
    description: 'A signature was already used by an earlier update of this inbox.',
  },
  'Identity::LegacySignatureReuse': {
    category: 'Validation',
    retryable: false,
    description: 'A legacy (V2) delegated signature was used where only nonce-0 inboxes may use it.',
  },
  'Identity::ChainIdMismatch': {
    category: 'Validation',
    retryable: false,
    description: 'A smart-contract-wallet member signed from a different chain than it was added on.',
  },
  'Identity::LogFull': {
    category: 'Limit',
    retryable: false,
    description: 'The inbox already has 256 identity updates: the inbox log is full.',
  },
  'Identity::UnknownSigner': {
    category: 'Usage',
    retryable: false,
    description: 'A signature was added to a signature request that does not need it (or already has it).',
  },
  'Identity::MissingSignatures': {
    category: 'Usage',
    retryable: false,
    description: 'A signature request was built into an update before every required signer signed.',
  },
  'Identity::ScwVerifierMissing': {
    category: 'Usage',
    retryable: false,
    description: 'A smart-contract-wallet signature needs a verifier and none was given.',
  },
  'Identity::ScwChainUnsupported': {
    category: 'Dependency',
    retryable: true,
    description: 'No smart-contract-wallet verifier is configured for the chain of the signature.',
  },
  'Identity::ScwRpcFailed': {
    category: 'Dependency',
    retryable: true,
    description: 'The chain RPC used to verify a smart-contract-wallet signature failed.',
  },
  'Identity::InvalidAccountId': {
    category: 'Validation',
    retryable: false,
    description: 'A smart-contract-wallet account id is not a CAIP-10 `eip155:<chain>:<address>`.',
  },
  'Identity::SequenceOutOfOrder': {
    category: 'Usage',
    retryable: false,
    description: 'A ledger entry was appended with a sequence id not above the last one of its inbox.',
  },
  'Identity::StorageFailed': {
    category: 'Dependency',
    retryable: true,
    description: 'The ledger storage failed to read or write.',
  },
})

/** A code of this package. */
export type IdentityErrorCode = keyof typeof identityErrorCodes

/** An error raised by `@xmtp-lite/identity`. */
export class IdentityError extends BaseError<IdentityErrorCode> {
  override name = 'IdentityError'
  constructor(code: IdentityErrorCode, shortMessage: string, options?: BaseErrorOptions) {
    super(identityErrorCodes, code, shortMessage, options)
  }
}
