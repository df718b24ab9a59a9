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

const utf8 = new TextEncoder()

function utf8Length(text: string): number {
  let n = 0
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (c < 0x80) n += 1
    else if (c < 0x800) n += 2
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length) {
      const d = text.charCodeAt(i + 1)
      if (d >= 0xdc00 && d <= 0xdfff) {
        n += 4
        i++
      } else n += 3
    } else n += 3 // lone surrogates become U+FFFD (3 bytes), as TextEncoder writes them
  }
  return n
}

function varintLength(n: number): number {
  return n < 0x80 ? 1 : n < 0x4000 ? 2 : n < 0x20_0000 ? 3 : n < 0x1000_0000 ? 4 : 5
}

// Node's Buffer.allocUnsafeSlow skips zero-filling and never hands out the shared pool. Every byte of the
// buffer is written before it is returned (the size check below), so no old memory can leak; elsewhere a
// plain (zeroed) Uint8Array is used.
const nodeBuffer = (globalThis as { Buffer?: { allocUnsafeSlow(size: number): Uint8Array } }).Buffer
const LARGE = 64 * 1024

function allocate(size: number): Uint8Array {
  if (size < LARGE || nodeBuffer === undefined) return new Uint8Array(size)
  const b = nodeBuffer.allocUnsafeSlow(size)
  return new Uint8Array(b.buffer, b.byteOffset, size)
}

/** A tiny protobuf writer over one preallocated buffer (the exact size is computed first). */
class Out {
  readonly bytes: Uint8Array
  pos = 0
  constructor(size: number) {
    this.bytes = allocate(size)
  }
  varint(n: number): void {
    let v = n >>> 0
    while (v >= 0x80) {
      this.bytes[this.pos++] = (v & 0x7f) | 0x80
      v >>>= 7
    }
    this.bytes[this.pos++] = v
  }
  string(tag: number, text: string, length: number): void {
    this.bytes[this.pos++] = tag
    this.varint(length)
    if (length > 0)
      this.pos += utf8.encodeInto(text, this.bytes.subarray(this.pos, this.pos + length)).written
  }
}

const stringField = (length: number) => 1 + varintLength(length) + length

/**
 * Serializes an {@link EncodedContent}: `fallback` and `compression` are written only when present (proto3
 * `optional`: presence carries meaning, and compression 0 is DEFLATE).
 *
 * A direct writer rather than the generated protobufjs encoder: it sizes the message first and copies
 * `content` once, which matters for megabyte attachments. Its output is byte-identical to the generated
 * `xmtp.mls.message_contents.EncodedContent.encode` of `@xmtp-lite/proto` (field order 1-5, proto3 defaults
 * of `ContentTypeId` skipped, map entries with key and value, empty content omitted), which the tests check.
 * @throws {ContentTypeError} `InvalidContentTypeId`, `UnknownCompression` (a value other than 0 or 1).
 */
export function encodeEncodedContent(encoded: EncodedContent): Uint8Array {
  assertContentTypeId(encoded.type)
  const t = encoded.type
  const authorityLength = utf8Length(t.authorityId)
  const typeLength = utf8Length(t.typeId)
  const typeMessage =
    stringField(authorityLength) +
    stringField(typeLength) +
    (t.versionMajor === 0 ? 0 : 1 + varintLength(t.versionMajor)) +
    (t.versionMinor === 0 ? 0 : 1 + varintLength(t.versionMinor))
  let size = 1 + varintLength(typeMessage) + typeMessage
  const keys = Object.keys(encoded.parameters ?? {})
  const entryLengths: number[] = []
  for (const key of keys) {
    const value = (encoded.parameters as Record<string, string>)[key]
    if (typeof value !== 'string') {
      throw new ContentTypeError('ContentType::InvalidContent', `parameter ${key} must be a string`)
    }
    const entry = stringField(utf8Length(key)) + stringField(utf8Length(value))
    entryLengths.push(entry)
    size += 1 + varintLength(entry) + entry
  }
  const fallback = encoded.fallback ?? undefined
  const fallbackLength = fallback === undefined ? 0 : utf8Length(fallback)
  if (fallback !== undefined) size += stringField(fallbackLength)
  const content = encoded.content
  if (content.length > 0) size += 1 + varintLength(content.length) + content.length
  const compression = encoded.compression ?? undefined
  if (compression !== undefined) {
    if (compression !== 0 && compression !== 1) {
      throw new ContentTypeError(
        'ContentType::UnknownCompression',
        `unknown compression value ${String(compression)}`,
      )
    }
    size += 2
  }

  const out = new Out(size)
  out.bytes[out.pos++] = 0x0a // type = 1
  out.varint(typeMessage)
  if (authorityLength > 0) out.string(0x0a, t.authorityId, authorityLength)
  if (typeLength > 0) out.string(0x12, t.typeId, typeLength)
  if (t.versionMajor !== 0) {
    out.bytes[out.pos++] = 0x18
    out.varint(t.versionMajor)
  }
  if (t.versionMinor !== 0) {
    out.bytes[out.pos++] = 0x20
    out.varint(t.versionMinor)
  }
  for (const [i, key] of keys.entries()) {
    const value = (encoded.parameters as Record<string, string>)[key] as string
    out.bytes[out.pos++] = 0x12 // parameters = 2, one map entry
    out.varint(entryLengths[i] as number)
    out.string(0x0a, key, utf8Length(key))
    out.string(0x12, value, utf8Length(value))
  }
  if (fallback !== undefined) out.string(0x1a, fallback, fallbackLength) // fallback = 3
  if (content.length > 0) {
    out.bytes[out.pos++] = 0x22 // content = 4
    out.varint(content.length)
    out.bytes.set(content, out.pos)
    out.pos += content.length
  }
  if (compression !== undefined) {
    out.bytes[out.pos++] = 0x28 // compression = 5
    out.bytes[out.pos++] = compression
  }
  if (out.pos !== size)
    throw new ContentTypeError('ContentType::InvalidContent', 'EncodedContent size mismatch')
  return out.bytes
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
