/**
 * Decoding bytes from the wire into generated messages, with typed errors.
 *
 * protobufjs throws plain `Error`/`RangeError` on malformed input ("index out of range", "invalid wire
 * type 7 at offset 3", "max depth exceeded"). Every decode of untrusted bytes goes through
 * {@link decodeMessage}, which turns them into {@link ProtoError}s with stable codes.
 * @module
 */
import { ProtoError } from './errors.ts'

/** Anything with a generated static `decode` (every message class of `xmtp`). */
export interface Decodable<T> {
  decode(reader: Uint8Array, length?: number): T
}

/** Options of {@link decodeMessage}. */
export interface DecodeOptions {
  /** Reject inputs longer than this many bytes with `Proto::TooLarge` before parsing. */
  maxBytes?: number
}

/**
 * Decodes `bytes` as a `type` message. Throws {@link ProtoError}: `Proto::Malformed` for bytes that do not
 * parse, `Proto::TooDeep` past protobufjs's recursion limit (100, as protoc), `Proto::TooLarge` over
 * `options.maxBytes`, `Proto::InvalidInput` when `bytes` is not a Uint8Array.
 *
 * Decoding follows protobuf rules: unknown fields, and known fields sent with another wire type, are
 * skipped, not errors. Bytes fields of the result are views into `bytes` (no copy): copy them before
 * reusing the input buffer.
 * @example
 * const update = decodeMessage(xmtp.identity.associations.IdentityUpdate, bytes)
 */
export function decodeMessage<T>(type: Decodable<T>, bytes: Uint8Array, options: DecodeOptions = {}): T {
  if (!(bytes instanceof Uint8Array)) {
    throw new ProtoError('Proto::InvalidInput', 'decodeMessage expects a Uint8Array')
  }
  if (options.maxBytes !== undefined && bytes.length > options.maxBytes) {
    throw new ProtoError('Proto::TooLarge', `message of ${bytes.length} bytes exceeds the limit`, {
      details: `limit ${options.maxBytes} bytes`,
    })
  }
  // A Node Buffer (what grpc-js and ws hand over) would make every bytes field a Buffer too: decode a
  // plain view of the same memory so fields are plain Uint8Array on every runtime.
  const input =
    bytes.constructor === Uint8Array
      ? bytes
      : new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  try {
    return type.decode(input)
  } catch (cause) {
    const message = cause instanceof Error ? cause.message : String(cause)
    if (message === 'max depth exceeded') {
      throw new ProtoError('Proto::TooDeep', 'message nests too deeply', { cause })
    }
    // A stack overflow on a pathological input is a depth problem too, never a crash.
    if (cause instanceof RangeError && /call stack/i.test(message)) {
      throw new ProtoError('Proto::TooDeep', 'message nests too deeply', { cause })
    }
    throw new ProtoError('Proto::Malformed', 'bytes do not decode as the expected message', {
      cause,
      details: message,
    })
  }
}
