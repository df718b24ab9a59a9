/**
 * The error codes of `@xmtp-lite/content-types`.
 *
 * Every payload that does not decode (bad JSON, a wrong schema, truncated protobuf, a bad digest, a wrong
 * key, an oversized or bomb-compressed body) ends in a {@link ContentTypeError} with one of these stable
 * codes; callers and tests match on `code`, never on the message.
 * @module
 */
import { BaseError, type BaseErrorOptions, defineErrorCodes } from '@xmtp-lite/common'

/** The codes of the `ContentType` area. */
export const contentTypesErrorCodes = defineErrorCodes('ContentType', {
  'ContentType::InvalidContentTypeId': {
    category: 'Codec',
    retryable: false,
    description:
      'A content type id is missing, has an empty authority or type, or its string form does not parse.',
  },
  'ContentType::TypeMismatch': {
    category: 'Validation',
    retryable: false,
    description: 'A codec was asked to decode an EncodedContent of another content type.',
  },
  'ContentType::UnknownContentType': {
    category: 'Validation',
    retryable: false,
    description: 'No codec is registered for the content type and the content carries no fallback text.',
  },
  'ContentType::MalformedProtobuf': {
    category: 'Codec',
    retryable: false,
    description: 'Protobuf bytes (an EncodedContent or a protobuf payload) are truncated or do not parse.',
  },
  'ContentType::InvalidJson': {
    category: 'Codec',
    retryable: false,
    description: 'A JSON payload is not well-formed JSON.',
  },
  'ContentType::InvalidUtf8': {
    category: 'Codec',
    retryable: false,
    description: 'A payload or parameter that must be UTF-8 text is not well-formed UTF-8.',
  },
  'ContentType::UnsupportedEncoding': {
    category: 'Validation',
    retryable: false,
    description: 'The text `encoding` parameter names something other than UTF-8.',
  },
  'ContentType::SchemaMismatch': {
    category: 'Validation',
    retryable: false,
    description: 'A payload parses but a field is missing, has the wrong type or an unknown enum value.',
  },
  'ContentType::InvalidParameter': {
    category: 'Validation',
    retryable: false,
    description:
      'A required EncodedContent parameter is missing or malformed (bad hex, wrong length, not a number).',
  },
  'ContentType::InvalidContent': {
    category: 'Usage',
    retryable: false,
    description: 'The value given to encode breaks the rules of its content type.',
  },
  'ContentType::ContentTooLarge': {
    category: 'Limit',
    retryable: false,
    description: 'A payload, download or field exceeds its size limit.',
  },
  'ContentType::UnknownCompression': {
    category: 'Validation',
    retryable: false,
    description: 'The `compression` field holds a value other than DEFLATE (0) or GZIP (1).',
  },
  'ContentType::AlreadyCompressed': {
    category: 'Usage',
    retryable: false,
    description: 'Compression was requested for content that is already compressed.',
  },
  'ContentType::DecompressionFailed': {
    category: 'Codec',
    retryable: false,
    description: 'Compressed content is corrupt or truncated.',
  },
  'ContentType::DecompressedTooLarge': {
    category: 'Limit',
    retryable: false,
    description: 'Decompressed content exceeds the cap (a compression bomb); decompression was aborted.',
  },
  'ContentType::DigestMismatch': {
    category: 'Crypto',
    retryable: false,
    description: 'The SHA-256 digest of a downloaded remote attachment differs from its `contentDigest`.',
  },
  'ContentType::DecryptionFailed': {
    category: 'Crypto',
    retryable: false,
    description: 'A remote attachment does not decrypt: wrong secret, salt or nonce, or tampered ciphertext.',
  },
  'ContentType::InsecureUrl': {
    category: 'Validation',
    retryable: false,
    description:
      'A remote attachment URL is not https (plain http needs an explicit opt-in) or does not parse.',
  },
  'ContentType::FetchFailed': {
    category: 'Dependency',
    retryable: true,
    description: 'Downloading a remote attachment failed: network error, non-2xx status or empty body.',
  },
})

/** A code of the `ContentType` area. */
export type ContentTypeErrorCode = keyof typeof contentTypesErrorCodes

/** An error raised by `@xmtp-lite/content-types`. */
export class ContentTypeError extends BaseError<ContentTypeErrorCode> {
  override name = 'ContentTypeError'
  constructor(code: ContentTypeErrorCode, shortMessage: string, options?: BaseErrorOptions) {
    super(contentTypesErrorCodes, code, shortMessage, options)
  }
}
