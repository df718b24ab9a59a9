/**
 * The error codes of `@xmtp-lite/proto`: what can go wrong when bytes from the wire are decoded.
 * @module
 */
import { BaseError, type BaseErrorOptions, defineErrorCodes } from '@xmtp-lite/common'

/** The codes of the `proto` package. */
export const protoErrorCodes = defineErrorCodes('Proto', {
  'Proto::Malformed': {
    category: 'Codec',
    retryable: false,
    description:
      'The bytes are not a valid protobuf encoding of the expected message (truncated, bad tag, bad wire type).',
  },
  'Proto::TooLarge': {
    category: 'Limit',
    retryable: false,
    description: 'The encoded message is larger than the size limit given to the decoder.',
  },
  'Proto::TooDeep': {
    category: 'Limit',
    retryable: false,
    description: 'The message nests deeper than the decoder allows (100 levels, as protoc).',
  },
  'Proto::UnknownType': {
    category: 'Usage',
    retryable: false,
    description: 'A message, service or rpc name does not exist in the generated schemas.',
  },
  'Proto::InvalidInput': {
    category: 'Usage',
    retryable: false,
    description:
      'The value given to decode is not a Uint8Array, or a value given to a 64-bit helper is out of range.',
  },
})

/** A code of the `proto` package. */
export type ProtoErrorCode = keyof typeof protoErrorCodes

/** An error raised by `@xmtp-lite/proto`. */
export class ProtoError extends BaseError<ProtoErrorCode> {
  override name = 'ProtoError'
  constructor(code: ProtoErrorCode, shortMessage: string, options?: BaseErrorOptions) {
    super(protoErrorCodes, code, shortMessage, options)
  }
}

/** True when `error` is a {@link ProtoError}, with the given code if one is given. */
export function isProtoError(error: unknown, code?: ProtoErrorCode): error is ProtoError {
  return error instanceof ProtoError && (code === undefined || error.code === code)
}
