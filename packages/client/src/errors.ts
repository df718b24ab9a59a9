/**
 * Error codes of the client.
 * @module
 */
import { BaseError, type BaseErrorOptions, defineErrorCodes } from '@xmtp-lite/common'

export const clientErrorCodes = defineErrorCodes('Client', {
  'Client::Unavailable': {
    category: 'Dependency',
    retryable: true,
    description: 'The node could not be reached or the connection dropped (gRPC UNAVAILABLE, socket closed).',
  },
  'Client::RateLimited': {
    category: 'Limit',
    retryable: true,
    description: 'The node answered RESOURCE_EXHAUSTED: too many requests; retried with backoff.',
  },
  'Client::Timeout': {
    category: 'Dependency',
    retryable: true,
    description: 'The node did not answer before the deadline.',
  },
  'Client::Rejected': {
    category: 'Validation',
    retryable: false,
    description:
      'The node refused the request (INVALID_ARGUMENT, NOT_FOUND, ...); the status is in the details.',
  },
  'Client::NodeFailure': {
    category: 'Dependency',
    retryable: true,
    description: 'The node failed while handling the request (INTERNAL, UNKNOWN).',
  },
  'Client::BadResponse': {
    category: 'Codec',
    retryable: false,
    description: 'The node answered with bytes that do not decode as the expected response.',
  },
  'Client::Closed': {
    category: 'Usage',
    retryable: false,
    description: 'The transport or client was closed before the call.',
  },
  'Client::StreamOverflow': {
    category: 'Limit',
    retryable: true,
    description: 'The node cut off a stream whose reader fell too far behind.',
  },
  'Client::StorageFailure': {
    category: 'Dependency',
    retryable: false,
    description: 'The local store failed to read or write.',
  },
  'Client::StorageKeyInvalid': {
    category: 'Crypto',
    retryable: false,
    description: 'The local store does not decrypt with the key the app gave (wrong key or tampered data).',
  },
  'Client::CommitFailed': {
    category: 'Dependency',
    retryable: true,
    description:
      'A group change did not land after 3 attempts (epoch races or publish failures); the intent is in Error.',
  },
  'Client::ChangeNotAllowed': {
    category: 'Usage',
    retryable: false,
    description:
      "The group's rules (permission policies, super-admin rules, XMTP's commit checks) refuse this change from this member; nothing was published and the intent is in Error. The rule is in the cause.",
  },
  'Client::MemberUnreachable': {
    category: 'Validation',
    retryable: false,
    description: 'An inbox to add is not registered or has no valid key package for any installation.',
  },
  'Client::InvalidPreferenceUpdate': {
    category: 'Codec',
    retryable: false,
    description:
      'A preference update from the sync group (consent, HMAC key) is malformed or of a deprecated kind; it is skipped.',
  },
  'Client::TooManyInstallations': {
    category: 'Limit',
    retryable: false,
    description:
      'The inbox already has 10 installations (libxmtp MAX_INSTALLATIONS_PER_INBOX); revoke one before registering another.',
  },
  'Client::IdentifierInUse': {
    category: 'Usage',
    retryable: false,
    description:
      'The wallet or passkey to link already belongs to another inbox; linking it here moves it (pass allowReassign to do so).',
  },
  'Client::InstallationRevoked': {
    category: 'Usage',
    retryable: false,
    description:
      "This installation is no longer in its inbox's identity state (revoked by the recovery identifier); it can read what it stored but writes nothing more. Register a new installation.",
  },
  'Client::NotAGroupMember': {
    category: 'Usage',
    retryable: false,
    description:
      'leave() on a conversation this inbox is not a member of (removed, left, or never joined); libxmtp NotAGroupMember.',
  },
  'Client::SingleMemberLeaveRejected': {
    category: 'Usage',
    retryable: false,
    description: 'leave() on a group whose only member is this inbox; libxmtp SingleMemberLeaveRejected.',
  },
  'Client::DmLeaveForbidden': {
    category: 'Usage',
    retryable: false,
    description: 'leave() on a DM: a DM cannot be left; libxmtp DmLeaveForbidden.',
  },
  'Client::SuperAdminLeaveForbidden': {
    category: 'Usage',
    retryable: false,
    description:
      'leave() by a super admin: super admins cannot remove each other, so one must be demoted first; libxmtp SuperAdminLeaveForbidden.',
  },
  'Client::InvalidArgument': {
    category: 'Usage',
    retryable: false,
    description: 'An argument of a client call is malformed.',
  },
})

export type ClientErrorCode = keyof typeof clientErrorCodes

/** An error of `@xmtp-lite/client`. */
export class ClientError extends BaseError<ClientErrorCode> {
  override name = 'ClientError'
  /** The gRPC status number when the error came from a node. */
  readonly status: number | undefined
  constructor(code: ClientErrorCode, shortMessage: string, options?: BaseErrorOptions & { status?: number }) {
    super(clientErrorCodes, code, shortMessage, options)
    this.status = options?.status
  }
}
