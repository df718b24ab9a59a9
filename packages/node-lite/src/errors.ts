/**
 * The error codes of node-lite. Every request that the node refuses ends in a {@link NodeError} whose
 * code maps to one gRPC status (see `grpcStatusOf` in grpc.ts) and to the same string on the WebSocket API.
 * @module
 */
import { BaseError, type BaseErrorOptions, defineErrorCodes } from '@xmtp-lite/common'

/** The codes of the `node-lite` package. */
export const nodeLiteErrorCodes = defineErrorCodes('Node', {
  'Node::InvalidArgument': {
    category: 'Validation',
    retryable: false,
    description: 'A request field is missing, empty or out of range (gRPC INVALID_ARGUMENT).',
  },
  'Node::MalformedRequest': {
    category: 'Codec',
    retryable: false,
    description:
      'The request bytes are not a valid protobuf message of the expected type (INVALID_ARGUMENT).',
  },
  'Node::InvalidGroupMessage': {
    category: 'Validation',
    retryable: false,
    description:
      'A group message is not a TLS-encoded MLS PublicMessage or PrivateMessage (INVALID_ARGUMENT).',
  },
  'Node::InvalidKeyPackage': {
    category: 'Validation',
    retryable: false,
    description:
      'A key package failed validation: parse, signatures, lifetime or credential (INVALID_ARGUMENT).',
  },
  'Node::InvalidIdentityUpdate': {
    category: 'Validation',
    retryable: false,
    description:
      'An identity update breaks the association rules or carries a bad signature (INVALID_ARGUMENT).',
  },
  'Node::ScwChainNotConfigured': {
    category: 'Usage',
    retryable: false,
    description:
      'An identity update carries a smart-contract-wallet signature of a chain this node has no RPC for (FAILED_PRECONDITION).',
  },
  'Node::ScwRpcFailed': {
    category: 'Dependency',
    retryable: true,
    description:
      'The chain RPC failed while the node verified a smart-contract-wallet signature; nothing was stored (UNAVAILABLE).',
  },
  'Node::InboxLogFull': {
    category: 'Limit',
    retryable: false,
    description: 'The inbox already has 256 identity updates; no more are accepted (FAILED_PRECONDITION).',
  },
  'Node::MessageTooLarge': {
    category: 'Limit',
    retryable: false,
    description: 'A message payload exceeds 1,048,214 bytes (RESOURCE_EXHAUSTED).',
  },
  'Node::BatchTooLarge': {
    category: 'Limit',
    retryable: false,
    description:
      'A request carries more entries, filters or queries than the node allows (INVALID_ARGUMENT).',
  },
  'Node::RateLimited': {
    category: 'Limit',
    retryable: true,
    description: 'The client used up its token bucket for this kind of request (RESOURCE_EXHAUSTED).',
  },
  'Node::SlowReader': {
    category: 'Limit',
    retryable: true,
    description: 'A stream reader fell too far behind and was cut off (ABORTED).',
  },
  'Node::Unimplemented': {
    category: 'Usage',
    retryable: false,
    description: 'The rpc exists in the XMTP API but this node does not implement it (UNIMPLEMENTED).',
  },
  'Node::ShuttingDown': {
    category: 'Dependency',
    retryable: true,
    description: 'The node is shutting down and refuses new work (UNAVAILABLE).',
  },
  'Node::StorageFailure': {
    category: 'Dependency',
    retryable: true,
    description:
      'The storage layer failed to read or write; nothing of the failed batch is stored (INTERNAL).',
  },
  'Node::InvalidFlag': {
    category: 'Validation',
    retryable: false,
    description: 'A feature-flag name is malformed, repeated, or too many were declared (INVALID_ARGUMENT).',
  },
  'Node::FlagNotEnabled': {
    category: 'Validation',
    retryable: false,
    description:
      'The client declared a feature flag this node does not run, so its writes are refused (FAILED_PRECONDITION).',
  },
  'Node::Internal': {
    category: 'Internal',
    retryable: false,
    description: 'A bug in the node (INTERNAL).',
  },
})

/** A code of the `node-lite` package. */
export type NodeErrorCode = keyof typeof nodeLiteErrorCodes

/** An error raised by `@xmtp-lite/node-lite`. */
export class NodeError extends BaseError<NodeErrorCode> {
  override name = 'NodeError'
  constructor(code: NodeErrorCode, shortMessage: string, options?: BaseErrorOptions) {
    super(nodeLiteErrorCodes, code, shortMessage, options)
  }
}
