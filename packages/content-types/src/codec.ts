/**
 * The codec contract: one object per content type that turns a value into an {@link EncodedContent} and
 * back. It has the shape of `ContentCodec` in `@xmtp/content-type-primitives` (`contentType`, `encode`,
 * `decode`, `fallback`, `shouldPush`), so the official codecs and ours are interchangeable.
 * @module
 */
import { type ContentTypeId, type ContentTypeIdFields, contentTypeToString } from './contentTypeId.ts'
import { ContentTypeError } from './errors.ts'

/**
 * The `EncodedContent` protobuf message as a value (mls-groups.md §6.2): type = 1, parameters = 2,
 * fallback = 3 (optional), content = 4, compression = 5 (optional; presence matters, 0 is DEFLATE).
 */
export interface EncodedContent {
  type: ContentTypeIdFields
  parameters: Record<string, string>
  fallback?: string | undefined
  compression?: number | undefined
  content: Uint8Array
}

/** Looks up the codec of a content type; what a codec for wrapping types (reply) receives. */
export interface CodecRegistry {
  codecFor(contentType: ContentTypeIdFields): ContentCodec | undefined
}

/**
 * A content type codec.
 * @example
 * const encoded = new TextCodec().encode('gm')
 * new TextCodec().decode(encoded) // 'gm'
 */
export interface ContentCodec<T = unknown> {
  /** The id this codec writes; it reads every minor version of the same major. */
  readonly contentType: ContentTypeId
  /** Encodes a value. `registry` is used by wrapping types (reply) for the inner content. */
  encode(content: T, registry?: CodecRegistry): EncodedContent
  /** Decodes and validates; every malformed input throws a `ContentTypeError`. */
  decode(encoded: EncodedContent, registry?: CodecRegistry): T
  /** The text shown by clients that lack this codec, or `undefined` for none. */
  fallback(content: T): string | undefined
  /** Whether a push notification should be sent for this content (a hint, mls-groups.md §6.3). */
  shouldPush(content: T): boolean
}

/**
 * Throws `ContentType::TypeMismatch` unless `encoded` carries `expected`'s authority, type and major
 * version (minor versions are compatible).
 */
export function assertEncodedType(encoded: EncodedContent, expected: ContentTypeIdFields): void {
  const t = encoded?.type
  if (
    t === undefined ||
    t === null ||
    t.authorityId !== expected.authorityId ||
    t.typeId !== expected.typeId ||
    t.versionMajor !== expected.versionMajor
  ) {
    throw new ContentTypeError('ContentType::TypeMismatch', `expected ${contentTypeToString(expected)}`, {
      details: t === undefined || t === null ? 'no type' : contentTypeToString(t),
    })
  }
  if (!(encoded.content instanceof Uint8Array)) {
    throw new ContentTypeError('ContentType::SchemaMismatch', 'EncodedContent.content must be a Uint8Array')
  }
}
