/**
 * gRPC status numbers (the gRPC spec's "Status codes and their use") and how the client classifies them.
 * @module
 */
import { ClientError, type ClientErrorCode } from '../errors.ts'

/** The gRPC status codes the client distinguishes. */
export const GrpcStatus = {
  OK: 0,
  CANCELLED: 1,
  UNKNOWN: 2,
  INVALID_ARGUMENT: 3,
  DEADLINE_EXCEEDED: 4,
  NOT_FOUND: 5,
  ALREADY_EXISTS: 6,
  PERMISSION_DENIED: 7,
  RESOURCE_EXHAUSTED: 8,
  FAILED_PRECONDITION: 9,
  ABORTED: 10,
  OUT_OF_RANGE: 11,
  UNIMPLEMENTED: 12,
  INTERNAL: 13,
  UNAVAILABLE: 14,
  DATA_LOSS: 15,
  UNAUTHENTICATED: 16,
} as const

function codeFor(status: number): ClientErrorCode {
  switch (status) {
    case GrpcStatus.UNAVAILABLE:
    case GrpcStatus.CANCELLED:
      return 'Client::Unavailable'
    case GrpcStatus.RESOURCE_EXHAUSTED:
      return 'Client::RateLimited'
    case GrpcStatus.DEADLINE_EXCEEDED:
      return 'Client::Timeout'
    case GrpcStatus.INTERNAL:
    case GrpcStatus.UNKNOWN:
    case GrpcStatus.DATA_LOSS:
      return 'Client::NodeFailure'
    default:
      return 'Client::Rejected'
  }
}

/** The typed error for a failed call with a gRPC status. */
export function errorFromStatus(status: number, message: string, path: string): ClientError {
  return new ClientError(codeFor(status), `${path} failed: ${message}`, {
    status,
    details: `gRPC status ${status}`,
  })
}
