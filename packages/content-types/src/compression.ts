/**
 * Compression of `EncodedContent.content` (mls-groups.md §6.2): DEFLATE (0) is zlib-wrapped deflate
 * (RFC 1950), GZIP (1) is RFC 1952. Only `content` is compressed, `compression` records the algorithm, and
 * receivers decompress before running the codec.
 *
 * Decompression streams through `DecompressionStream` (Node >= 18, every browser) and stops as soon as the
 * output passes the cap, so a compression bomb costs at most one chunk beyond the cap in memory. The default
 * cap is libxmtp's `MAX_DECOMPRESSED_BYTES` (16 MiB, xmtp_content_types compression.rs). As libxmtp does,
 * DEFLATE content that is not zlib-wrapped is retried as raw deflate (older iOS senders).
 * @module
 */
import { concatBytes } from '@xmtp-lite/common'
import type { EncodedContent } from './codec.ts'
import { ContentTypeError } from './errors.ts'

/** `Compression` enum values (content.proto). */
export const Compression = { Deflate: 0, Gzip: 1 } as const
/** A `Compression` value. */
export type CompressionValue = (typeof Compression)[keyof typeof Compression]
/** A `Compression` name, as options take it. */
export type CompressionName = 'deflate' | 'gzip'

/** libxmtp's cap on decompressed content: 16 MiB. */
export const DEFAULT_MAX_DECOMPRESSED_BYTES = 16 * 1024 * 1024

/** A stream format understood by {@link Compressor}. */
export type CompressionFormat = 'deflate' | 'deflate-raw' | 'gzip'

/**
 * The small interface behind compression, so another implementation (node:zlib, a WASM build) can be
 * plugged in. `decompress` must stop once the output exceeds `maxBytes` and throw
 * `ContentType::DecompressedTooLarge`; corrupt input throws `ContentType::DecompressionFailed`.
 */
export interface Compressor {
  compress(format: CompressionFormat, bytes: Uint8Array): Promise<Uint8Array>
  decompress(format: CompressionFormat, bytes: Uint8Array, maxBytes: number): Promise<Uint8Array>
}

async function pump(
  stream: GenericTransformStream,
  bytes: Uint8Array,
  maxBytes: number,
): Promise<Uint8Array> {
  const writer = stream.writable.getWriter()
  // Write and close without awaiting: the readable side must be drained concurrently or backpressure
  // stalls. Their rejections resurface on the reader, so they are only silenced here.
  writer.write(bytes as Uint8Array<ArrayBuffer>).catch(() => {})
  writer.close().catch(() => {})
  const reader = (stream.readable as ReadableStream<Uint8Array>).getReader()
  const chunks: Uint8Array[] = []
  let total = 0
  try {
    for (;;) {
      const { done, value } = await reader.read()
      if (done) break
      total += value.length
      if (total > maxBytes) {
        reader.cancel().catch(() => {})
        throw new ContentTypeError(
          'ContentType::DecompressedTooLarge',
          `decompressed content exceeds ${maxBytes} bytes`,
        )
      }
      chunks.push(value)
    }
  } catch (error) {
    if (error instanceof ContentTypeError) throw error
    throw new ContentTypeError(
      'ContentType::DecompressionFailed',
      'compressed content is corrupt or truncated',
      {
        cause: error,
      },
    )
  }
  return chunks.length === 1 ? (chunks[0] as Uint8Array) : concatBytes(...chunks)
}

/** The default {@link Compressor}: WHATWG `CompressionStream` / `DecompressionStream`. */
export const webStreamsCompressor: Compressor = {
  async compress(format, bytes) {
    return pump(new CompressionStream(format), bytes, Number.POSITIVE_INFINITY)
  },
  async decompress(format, bytes, maxBytes) {
    return pump(new DecompressionStream(format), bytes, maxBytes)
  },
}

/** Options of {@link compressEncodedContent}. */
export interface CompressOptions {
  /** Compress only when `content` is at least this long (default 1,024 bytes; 0 always compresses). */
  readonly threshold?: number
  readonly compressor?: Compressor
}

/**
 * Compresses `content` with DEFLATE (zlib-wrapped) or GZIP and sets `compression`, when the content is at
 * least `threshold` bytes; otherwise returns the input unchanged.
 * @throws {ContentTypeError} `ContentType::AlreadyCompressed` when `compression` is already set.
 */
export async function compressEncodedContent(
  encoded: EncodedContent,
  algorithm: CompressionName,
  options: CompressOptions = {},
): Promise<EncodedContent> {
  if (encoded.compression !== undefined && encoded.compression !== null) {
    throw new ContentTypeError('ContentType::AlreadyCompressed', 'content is already compressed')
  }
  const threshold = options.threshold ?? 1024
  if (encoded.content.length < threshold) return encoded
  const compressor = options.compressor ?? webStreamsCompressor
  const content = await compressor.compress(algorithm, encoded.content)
  return { ...encoded, content, compression: algorithm === 'gzip' ? Compression.Gzip : Compression.Deflate }
}

/** Options of {@link decompressEncodedContent}. */
export interface DecompressOptions {
  /** Cap on the decompressed size (default {@link DEFAULT_MAX_DECOMPRESSED_BYTES}). */
  readonly maxBytes?: number
  readonly compressor?: Compressor
}

function looksZlibWrapped(bytes: Uint8Array): boolean {
  // RFC 1950 §2.2: CM = 8 (deflate), CINFO <= 7, and CMF*256 + FLG is a multiple of 31.
  const cmf = bytes[0]
  const flg = bytes[1]
  if (cmf === undefined || flg === undefined) return false
  return (cmf & 0x0f) === 8 && cmf >> 4 <= 7 && (cmf * 256 + flg) % 31 === 0
}

/**
 * Undoes `compression`, returning content with `compression` cleared; content without it is returned as is.
 * @throws {ContentTypeError} `ContentType::UnknownCompression`, `ContentType::DecompressionFailed`,
 * `ContentType::DecompressedTooLarge`.
 */
export async function decompressEncodedContent(
  encoded: EncodedContent,
  options: DecompressOptions = {},
): Promise<EncodedContent> {
  const algorithm = encoded.compression
  if (algorithm === undefined || algorithm === null) return encoded
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_DECOMPRESSED_BYTES
  const compressor = options.compressor ?? webStreamsCompressor
  let content: Uint8Array
  if (algorithm === Compression.Gzip) {
    content = await compressor.decompress('gzip', encoded.content, maxBytes)
  } else if (algorithm === Compression.Deflate) {
    // libxmtp accepts raw deflate as well as zlib (compression.rs `decompress`).
    const format = looksZlibWrapped(encoded.content) ? 'deflate' : 'deflate-raw'
    try {
      content = await compressor.decompress(format, encoded.content, maxBytes)
    } catch (error) {
      if (
        format !== 'deflate' ||
        !(error instanceof ContentTypeError) ||
        error.code !== 'ContentType::DecompressionFailed'
      )
        throw error
      content = await compressor.decompress('deflate-raw', encoded.content, maxBytes)
    }
  } else {
    throw new ContentTypeError(
      'ContentType::UnknownCompression',
      `unknown compression value ${String(algorithm)}`,
    )
  }
  const { compression: _dropped, ...rest } = encoded
  return { ...rest, content }
}
