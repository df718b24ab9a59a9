/**
 * The `EncodedContent` protobuf (mls-groups.md §6.2, content.proto in `@xmtp-lite/proto`): the bytes that
 * travel in `PlaintextEnvelope.V1.content`, inside a reply, and encrypted in a remote attachment.
 * @module
 */
import { decodeMessage, xmtp } from '@xmtp-lite/proto'
import type { EncodedContent } from './codec.ts'
import { assertContentTypeId, ContentTypeId } from './contentTypeId.ts'
import { ContentTypeError } from './errors.ts'
import { plainBytes } from './internal.ts'

const EncodedContentMessage = xmtp.mls.message_contents.EncodedContent

/**
 * Default cap on an `EncodedContent` to decode: 25 MiB, the gRPC message limit of the XMTP node API, which
 * no genuine message can exceed.
 */
export const DEFAULT_MAX_ENCODED_CONTENT_BYTES = 25 * 1024 * 1024

/**
 * Serializes an {@link EncodedContent}. `fallback` and `compression` are written only when present
 * (proto3 `optional`: presence carries meaning, and compression 0 is DEFLATE).
 */
export function encodeEncodedContent(encoded: EncodedContent): Uint8Array {
  assertContentTypeId(encoded.type)
  const t = encoded.type
  const message: xmtp.mls.message_contents.EncodedContent.$Properties = {
    type: {
      authorityId: t.authorityId,
      typeId: t.typeId,
      versionMajor: t.versionMajor,
      versionMinor: t.versionMinor,
    },
    parameters: encoded.parameters,
    content: encoded.content,
  }
  if (encoded.fallback !== undefined && encoded.fallback !== null) message.fallback = encoded.fallback
  if (encoded.compression !== undefined && encoded.compression !== null) {
    message.compression = encoded.compression as xmtp.mls.message_contents.Compression
  }
  return EncodedContentMessage.encode(message).finish()
}

/** Options of {@link decodeEncodedContent}. */
export interface DecodeEncodedContentOptions {
  /** Reject larger inputs with `ContentType::ContentTooLarge` (default {@link DEFAULT_MAX_ENCODED_CONTENT_BYTES}). */
  readonly maxBytes?: number
}

/**
 * Parses `EncodedContent` bytes. The content type id is required and checked.
 * @throws {ContentTypeError} `ContentType::MalformedProtobuf` (truncated or not protobuf),
 * `ContentType::InvalidContentTypeId`, `ContentType::ContentTooLarge`.
 */
export function decodeEncodedContent(
  bytes: Uint8Array,
  options: DecodeEncodedContentOptions = {},
): EncodedContent {
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_ENCODED_CONTENT_BYTES
  if (bytes instanceof Uint8Array && bytes.length > maxBytes) {
    throw new ContentTypeError(
      'ContentType::ContentTooLarge',
      `EncodedContent of ${bytes.length} bytes exceeds the limit`,
      {
        details: `limit ${maxBytes} bytes`,
      },
    )
  }
  let message: xmtp.mls.message_contents.EncodedContent
  try {
    message = decodeMessage(EncodedContentMessage, plainBytes(bytes))
  } catch (error) {
    throw new ContentTypeError('ContentType::MalformedProtobuf', 'EncodedContent does not parse', {
      cause: error,
    })
  }
  const t = message.type
  if (t === null || t === undefined) {
    throw new ContentTypeError('ContentType::InvalidContentTypeId', 'EncodedContent has no content type')
  }
  const type = new ContentTypeId({
    authorityId: t.authorityId,
    typeId: t.typeId,
    versionMajor: t.versionMajor,
    versionMinor: t.versionMinor,
  })
  assertContentTypeId(type)
  const out: EncodedContent = { type, parameters: { ...message.parameters }, content: message.content }
  if (message.fallback !== null && message.fallback !== undefined) out.fallback = message.fallback
  if (message.compression !== null && message.compression !== undefined) out.compression = message.compression
  return out
}
