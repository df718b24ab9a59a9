/**
 * The error codes of node-to-node replication (protocol/xmtpd-network.md §3-§5): what a node refuses from a
 * peer, and why. A refused batch is logged and retried from the same cursor; other peers continue.
 * @module
 */
import { BaseError, type BaseErrorOptions, defineErrorCodes } from '@xmtp-lite/common'

/** The codes of replication. */
export const replicationErrorCodes = defineErrorCodes('Replication', {
  'Replication::BadSignature': {
    category: 'Crypto',
    retryable: false,
    description:
      "A peer sent an envelope whose originator signature does not verify under the originator's key.",
  },
  'Replication::UnexpectedOriginator': {
    category: 'Validation',
    retryable: false,
    description: 'A peer sent an envelope of another originator than the one asked for.',
  },
  'Replication::SequenceGap': {
    category: 'Validation',
    retryable: true,
    description: 'A peer skipped originator sequence ids (the next envelope is not cursor + 1).',
  },
  'Replication::SequenceReordered': {
    category: 'Validation',
    retryable: false,
    description: 'A peer sent an originator sequence id at or below the cursor (reordered or replayed).',
  },
  'Replication::MalformedEnvelope': {
    category: 'Codec',
    retryable: false,
    description: 'A peer sent bytes that are not a valid originator envelope, frame or payload.',
  },
  'Replication::PeerUnavailable': {
    category: 'Dependency',
    retryable: true,
    description: 'A peer could not be reached or answered with an HTTP error.',
  },
  'Replication::InvalidConfig': {
    category: 'Usage',
    retryable: false,
    description: 'The node registry or replication options are invalid (ids, keys, addresses).',
  },
})

/** A code of replication. */
export type ReplicationErrorCode = keyof typeof replicationErrorCodes

/** An error raised by node-to-node replication. */
export class ReplicationError extends BaseError<ReplicationErrorCode> {
  override name = 'ReplicationError'
  constructor(code: ReplicationErrorCode, shortMessage: string, options?: BaseErrorOptions) {
    super(replicationErrorCodes, code, shortMessage, options)
  }
}
