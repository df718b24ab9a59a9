/**
 * The codec registry: picks the codec of an `EncodedContent` by authority, type and major version, shows
 * the `fallback` text for content types it does not know, and applies compression on the way out and
 * decompression (with its bomb cap) on the way in.
 * @module
 */
import type { CodecRegistry, ContentCodec, EncodedContent } from './codec.ts'
import {
  type CompressionName,
  type Compressor,
  compressEncodedContent,
  decompressEncodedContent,
} from './compression.ts'
import {
  ContentTypeId,
  type ContentTypeIdFields,
  contentTypeKey,
  contentTypeToString,
} from './contentTypeId.ts'
import { decodeEncodedContent, encodeEncodedContent } from './encodedContent.ts'
import { ContentTypeError } from './errors.ts'

/** What {@link ContentCodecRegistry.decode} returns. */
export interface DecodedContent<T = unknown> {
  /** The content type id as sent. */
  readonly contentType: ContentTypeId
  /** The decoded value, or the fallback text when `known` is false. */
  readonly content: T
  /** False when no codec was registered and `content` is the sender's fallback text. */
  readonly known: boolean
  readonly fallback: string | undefined
}

/** Options of {@link ContentCodecRegistry.encodeBytes}. */
export interface RegistryEncodeOptions {
  /** Compress `content` with this algorithm when it is at least `compressionThreshold` bytes. */
  readonly compression?: CompressionName
  /** Default 1,024 bytes. */
  readonly compressionThreshold?: number
  readonly compressor?: Compressor
}

/** Options of {@link ContentCodecRegistry.decodeBytes}. */
export interface RegistryDecodeOptions {
  /** Cap on the decompressed content (default 16 MiB, libxmtp's). */
  readonly maxDecompressedBytes?: number
  /** Cap on the `EncodedContent` bytes (default 25 MiB). */
  readonly maxBytes?: number
  readonly compressor?: Compressor
}

// Codecs differ in their content type, so the registry stores them type-erased.
// biome-ignore lint/suspicious/noExplicitAny: a registry holds codecs of every content type.
type AnyCodec = ContentCodec<any>

/**
 * A registry of codecs.
 * @example
 * const registry = new ContentCodecRegistry([new TextCodec(), new ReplyCodec()])
 * const bytes = await registry.encodeBytes('gm', ContentTypeText)
 * const { content } = await registry.decodeBytes(bytes) // 'gm'
 */
export class ContentCodecRegistry implements CodecRegistry {
  readonly #codecs = new Map<string, AnyCodec>()

  constructor(codecs: readonly AnyCodec[] = []) {
    for (const codec of codecs) this.register(codec)
  }

  /** Adds or replaces the codec of `codec.contentType` (same authority, type and major version). */
  register(codec: AnyCodec): this {
    this.#codecs.set(contentTypeKey(codec.contentType), codec)
    return this
  }

  /** The codec for a content type (any minor version of the registered major), if any. */
  codecFor(contentType: ContentTypeIdFields): AnyCodec | undefined {
    return this.#codecs.get(contentTypeKey(contentType))
  }

  /** Every registered codec. */
  codecs(): AnyCodec[] {
    return [...this.#codecs.values()]
  }

  #require(contentType: ContentTypeIdFields): AnyCodec {
    const codec = this.codecFor(contentType)
    if (codec === undefined) {
      throw new ContentTypeError(
        'ContentType::UnknownContentType',
        `no codec for ${contentTypeToString(contentType)}`,
      )
    }
    return codec
  }

  /**
   * Encodes `content` with the codec of `contentType` and sets `fallback` from the codec.
   * @throws {ContentTypeError} `ContentType::UnknownContentType` when no codec is registered.
   */
  encode(content: unknown, contentType: ContentTypeIdFields): EncodedContent {
    const codec = this.#require(contentType)
    const encoded = codec.encode(content, this)
    const fallback = codec.fallback(content)
    return fallback === undefined ? encoded : { ...encoded, fallback }
  }

  /** Whether a push notification should be sent for `content` of `contentType`. */
  shouldPush(content: unknown, contentType: ContentTypeIdFields): boolean {
    return this.#require(contentType).shouldPush(content)
  }

  /**
   * Decodes uncompressed content. Unknown content types give their fallback text (`known: false`).
   * @throws {ContentTypeError} `ContentType::UnknownContentType` for an unknown type without fallback;
   * `ContentType::InvalidContent` for compressed content (use {@link decodeBytes} or
   * `decompressEncodedContent` first); any error of the codec.
   */
  decode(encoded: EncodedContent): DecodedContent {
    if (encoded.compression !== undefined && encoded.compression !== null) {
      throw new ContentTypeError('ContentType::InvalidContent', 'content is compressed: decompress it first')
    }
    const contentType = new ContentTypeId(encoded.type)
    const fallback = encoded.fallback ?? undefined
    const codec = this.codecFor(contentType)
    if (codec === undefined) {
      if (fallback === undefined) {
        throw new ContentTypeError(
          'ContentType::UnknownContentType',
          `no codec for ${contentTypeToString(contentType)} and no fallback`,
        )
      }
      return { contentType, content: fallback, known: false, fallback }
    }
    return { contentType, content: codec.decode(encoded, this), known: true, fallback }
  }

  /** Encodes to `EncodedContent` bytes, compressing when asked and above the threshold. */
  async encodeBytes(
    content: unknown,
    contentType: ContentTypeIdFields,
    options: RegistryEncodeOptions = {},
  ): Promise<Uint8Array> {
    let encoded = this.encode(content, contentType)
    if (options.compression !== undefined) {
      encoded = await compressEncodedContent(encoded, options.compression, {
        ...(options.compressionThreshold === undefined ? {} : { threshold: options.compressionThreshold }),
        ...(options.compressor === undefined ? {} : { compressor: options.compressor }),
      })
    }
    return encodeEncodedContent(encoded)
  }

  /**
   * Decodes `EncodedContent` bytes: parse, decompress under the cap, then decode.
   * @throws {ContentTypeError} `MalformedProtobuf`, `ContentTooLarge`, `DecompressedTooLarge`,
   * `DecompressionFailed`, `UnknownCompression`, `UnknownContentType`, or the codec's own codes.
   */
  async decodeBytes(bytes: Uint8Array, options: RegistryDecodeOptions = {}): Promise<DecodedContent> {
    const parsed = decodeEncodedContent(
      bytes,
      options.maxBytes === undefined ? {} : { maxBytes: options.maxBytes },
    )
    const plain = await decompressEncodedContent(parsed, {
      ...(options.maxDecompressedBytes === undefined ? {} : { maxBytes: options.maxDecompressedBytes }),
      ...(options.compressor === undefined ? {} : { compressor: options.compressor }),
    })
    return this.decode(plain)
  }
}
