/**
 * `@xmtp-lite/content-types`: the primitives every content type uses. Each content type lives at its own
 * subpath (`@xmtp-lite/content-types/text`, `/reaction`, `/reply`, ...).
 * @module
 */
export type { CodecRegistry, ContentCodec, EncodedContent } from './codec.ts'
export { assertEncodedType } from './codec.ts'
export type {
  CompressionFormat,
  CompressionName,
  CompressionValue,
  CompressOptions,
  Compressor,
  DecompressOptions,
} from './compression.ts'
export {
  Compression,
  compressEncodedContent,
  DEFAULT_MAX_DECOMPRESSED_BYTES,
  decompressEncodedContent,
  webStreamsCompressor,
} from './compression.ts'
export type { ContentTypeIdFields } from './contentTypeId.ts'
export {
  assertContentTypeId,
  ContentTypeId,
  contentTypeFromString,
  contentTypeKey,
  contentTypesAreEqual,
  contentTypeToString,
} from './contentTypeId.ts'
export type { DecodeEncodedContentOptions } from './encodedContent.ts'
export {
  DEFAULT_MAX_ENCODED_CONTENT_BYTES,
  decodeEncodedContent,
  encodeEncodedContent,
} from './encodedContent.ts'
export type { ContentTypeErrorCode } from './errors.ts'
export { ContentTypeError, contentTypesErrorCodes } from './errors.ts'
export type { DecodedContent, RegistryDecodeOptions, RegistryEncodeOptions } from './registry.ts'
export { ContentCodecRegistry } from './registry.ts'
